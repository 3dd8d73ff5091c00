//! Privileges for real-time operation: `RLIMIT_RTPRIO`, `RLIMIT_MEMLOCK`,
//! `CAP_SYS_NICE` and `CAP_IPC_LOCK`.

use crate::{Check, RtError};

/// Name of the RLIMIT_RTPRIO check.
pub const RTPRIO: &str = "rlimit_rtprio";
/// Name of the RLIMIT_MEMLOCK check.
pub const MEMLOCK: &str = "rlimit_memlock";
/// Name of the CAP_SYS_NICE check.
pub const SYS_NICE: &str = "cap_sys_nice";
/// Name of the CAP_IPC_LOCK check.
pub const IPC_LOCK: &str = "cap_ipc_lock";

/// Capability bit of `CAP_NET_RAW` (raw sockets for sampled values).
pub const CAP_NET_RAW: u32 = 13;
/// Capability bit of `CAP_IPC_LOCK` (mlock beyond RLIMIT_MEMLOCK).
pub const CAP_IPC_LOCK: u32 = 14;
/// Capability bit of `CAP_SYS_NICE` (SCHED_FIFO beyond RLIMIT_RTPRIO).
pub const CAP_SYS_NICE: u32 = 23;

const SETCAP_FIX: &str =
    "sudo setcap cap_sys_nice,cap_ipc_lock,cap_net_raw+ep \"$(command -v gridhil)\"";

/// A resource limit; `None` means unlimited (`RLIM_INFINITY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimit {
    /// The soft (enforced) limit.
    pub soft: Option<u64>,
    /// The hard limit, up to which an unprivileged process may raise the soft one.
    pub hard: Option<u64>,
}

/// Reads the effective capability mask from `/proc/self/status` (the `CapEff:` line, hex).
pub fn parse_cap_eff(status: &str) -> Result<u64, RtError> {
    let value = status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .ok_or_else(|| RtError::parse("CapEff", status))?;
    u64::from_str_radix(value.trim(), 16).map_err(|_| RtError::parse("CapEff", value))
}

/// Whether capability `bit` is set in a capability mask.
pub fn has_capability(mask: u64, bit: u32) -> bool {
    bit < 64 && mask & (1u64 << bit) != 0
}

fn limit_text(value: Option<u64>, unit: fn(u64) -> String) -> String {
    value.map_or_else(|| "unlimited".to_string(), unit)
}

fn plain(value: u64) -> String {
    value.to_string()
}

fn bytes(value: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if value >= MIB && value % MIB == 0 {
        format!("{} MiB", value / MIB)
    } else if value >= KIB && value % KIB == 0 {
        format!("{} KiB", value / KIB)
    } else {
        format!("{value} bytes")
    }
}

fn who_bypasses(cap: &str, euid: u32) -> String {
    if euid == 0 {
        format!("bypassed: {cap} held (root)")
    } else {
        format!("bypassed: {cap} held")
    }
}

/// The RLIMIT_RTPRIO check. `cap_sys_nice` is `None` when the capabilities are unknown.
pub fn check_rtprio(limit: Result<Rlimit, String>, cap_sys_nice: Option<bool>, euid: u32) -> Check {
    let limit = match limit {
        Ok(limit) => limit,
        Err(reason) => {
            return Check::warn(
                RTPRIO,
                format!("unknown: {reason}"),
                "add '@realtime - rtprio 98' to /etc/security/limits.d/gridhil.conf",
            )
        }
    };
    let text = format!(
        "soft {}, hard {}",
        limit_text(limit.soft, plain),
        limit_text(limit.hard, plain)
    );
    if cap_sys_nice == Some(true) {
        return Check::ok(
            RTPRIO,
            format!("{text}; {}", who_bypasses("CAP_SYS_NICE", euid)),
        );
    }
    match limit.soft {
        None => Check::ok(RTPRIO, format!("{text}: any SCHED_FIFO priority")),
        Some(n) if n > 0 => Check::ok(RTPRIO, format!("{text}: SCHED_FIFO priorities up to {n}")),
        Some(_) => {
            let raise = match limit.hard {
                Some(0) => String::new(),
                _ => " (the hard limit allows raising it: ulimit -r)".to_string(),
            };
            Check::warn(
                RTPRIO,
                format!("{text}: SCHED_FIFO refused without CAP_SYS_NICE{raise}"),
                "add '@realtime - rtprio 98' to /etc/security/limits.d/gridhil.conf and put the \
                 user in group realtime, or setcap cap_sys_nice+ep on the binary",
            )
        }
    }
}

/// The RLIMIT_MEMLOCK check. `cap_ipc_lock` is `None` when the capabilities are unknown.
pub fn check_memlock(
    limit: Result<Rlimit, String>,
    cap_ipc_lock: Option<bool>,
    euid: u32,
) -> Check {
    const FIX: &str =
        "add '@realtime - memlock unlimited' to /etc/security/limits.d/gridhil.conf, \
                       or setcap cap_ipc_lock+ep on the binary";
    let limit = match limit {
        Ok(limit) => limit,
        Err(reason) => return Check::warn(MEMLOCK, format!("unknown: {reason}"), FIX),
    };
    let text = format!(
        "soft {}, hard {}",
        limit_text(limit.soft, bytes),
        limit_text(limit.hard, bytes)
    );
    if cap_ipc_lock == Some(true) {
        return Check::ok(
            MEMLOCK,
            format!("{text}; {}", who_bypasses("CAP_IPC_LOCK", euid)),
        );
    }
    match limit.soft {
        None => Check::ok(MEMLOCK, format!("{text}: mlockall can lock everything")),
        Some(_) => Check::warn(
            MEMLOCK,
            format!("{text}: mlockall fails once the process outgrows it"),
            FIX,
        ),
    }
}

/// The CAP_SYS_NICE check: ok when held, or when RLIMIT_RTPRIO permits SCHED_FIFO anyway.
pub fn check_cap_sys_nice(cap_eff: Result<u64, String>, rtprio: Option<Rlimit>) -> Check {
    let mask = match cap_eff {
        Ok(mask) => mask,
        Err(reason) => return Check::warn(SYS_NICE, format!("unknown: {reason}"), SETCAP_FIX),
    };
    if has_capability(mask, CAP_SYS_NICE) {
        return Check::ok(SYS_NICE, "held: SCHED_FIFO at any priority");
    }
    match rtprio.map(|l| l.soft) {
        Some(None) => Check::ok(SYS_NICE, "not held; RLIMIT_RTPRIO is unlimited"),
        Some(Some(n)) if n > 0 => Check::ok(
            SYS_NICE,
            format!("not held; RLIMIT_RTPRIO permits SCHED_FIFO up to {n}"),
        ),
        _ => Check::warn(SYS_NICE, "not held: SCHED_FIFO will be refused", SETCAP_FIX),
    }
}

/// The CAP_IPC_LOCK check: ok when held, or when RLIMIT_MEMLOCK is unlimited anyway.
pub fn check_cap_ipc_lock(cap_eff: Result<u64, String>, memlock: Option<Rlimit>) -> Check {
    let mask = match cap_eff {
        Ok(mask) => mask,
        Err(reason) => return Check::warn(IPC_LOCK, format!("unknown: {reason}"), SETCAP_FIX),
    };
    if has_capability(mask, CAP_IPC_LOCK) {
        return Check::ok(IPC_LOCK, "held: mlockall without limit");
    }
    match memlock.map(|l| l.soft) {
        Some(None) => Check::ok(IPC_LOCK, "not held; RLIMIT_MEMLOCK is unlimited"),
        _ => Check::warn(
            IPC_LOCK,
            "not held: mlockall is bounded by RLIMIT_MEMLOCK",
            SETCAP_FIX,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tcat\nUmask:\t0022\nCapInh:\t0000000000000000\n\
                          CapPrm:\t000001fffeffffff\nCapEff:\t000001fffeffffff\n\
                          CapBnd:\t000001fffeffffff\n";

    #[test]
    fn cap_eff_parsing() {
        let mask = parse_cap_eff(STATUS).unwrap();
        assert_eq!(mask, 0x0000_01ff_feff_ffff);
        assert!(has_capability(mask, CAP_SYS_NICE));
        assert!(has_capability(mask, CAP_IPC_LOCK));
        assert!(!has_capability(mask, 24)); // CAP_SYS_RESOURCE is cleared in this mask
        assert!(!has_capability(mask, 64));
        assert_eq!(
            parse_cap_eff("CapEff:\t0000000000800000\n").unwrap(),
            1 << 23
        );
        assert!(parse_cap_eff("Name: x\n").is_err());
        assert!(parse_cap_eff("CapEff: zz\n").is_err());
        assert!(parse_cap_eff("CapEff: 1ffffffffffffffff\n").is_err());
    }

    #[test]
    fn rtprio_zero_warns_without_capability() {
        let limit = Rlimit {
            soft: Some(0),
            hard: Some(0),
        };
        let c = check_rtprio(Ok(limit), Some(false), 1000);
        assert!(!c.is_ok());
        assert!(c.fix.unwrap().contains("rtprio"));
        let c = check_rtprio(
            Ok(Rlimit {
                soft: Some(0),
                hard: Some(99),
            }),
            Some(false),
            1000,
        );
        assert!(c.detail.contains("ulimit -r"));
    }

    #[test]
    fn rtprio_ok_cases() {
        let zero = Rlimit {
            soft: Some(0),
            hard: Some(0),
        };
        let c = check_rtprio(Ok(zero), Some(true), 0);
        assert!(c.is_ok());
        assert!(c.detail.contains("(root)"));
        let c = check_rtprio(
            Ok(Rlimit {
                soft: Some(95),
                hard: Some(95),
            }),
            Some(false),
            1000,
        );
        assert!(c.is_ok());
        assert!(c.detail.contains("up to 95"));
        assert!(check_rtprio(
            Ok(Rlimit {
                soft: None,
                hard: None
            }),
            None,
            1000
        )
        .is_ok());
        assert!(!check_rtprio(Err("x".into()), Some(true), 0).is_ok());
    }

    #[test]
    fn memlock_cases() {
        let eight_mib = Rlimit {
            soft: Some(8 << 20),
            hard: Some(8 << 20),
        };
        let c = check_memlock(Ok(eight_mib), Some(false), 1000);
        assert!(!c.is_ok());
        assert!(c.detail.contains("soft 8 MiB"), "{}", c.detail);
        assert!(check_memlock(Ok(eight_mib), Some(true), 0).is_ok());
        assert!(check_memlock(
            Ok(Rlimit {
                soft: None,
                hard: None
            }),
            Some(false),
            5
        )
        .is_ok());
        assert!(!check_memlock(Err("x".into()), None, 5).is_ok());
    }

    #[test]
    fn byte_formatting() {
        assert_eq!(bytes(65536), "64 KiB");
        assert_eq!(bytes(100), "100 bytes");
        assert_eq!(bytes(3 << 20), "3 MiB");
    }

    #[test]
    fn capability_checks() {
        let none = Ok(0u64);
        let zero = Some(Rlimit {
            soft: Some(0),
            hard: Some(0),
        });
        assert!(check_cap_sys_nice(Ok(1 << CAP_SYS_NICE), zero).is_ok());
        assert!(!check_cap_sys_nice(none.clone(), zero).is_ok());
        assert!(check_cap_sys_nice(
            none.clone(),
            Some(Rlimit {
                soft: Some(50),
                hard: Some(50)
            })
        )
        .is_ok());
        assert!(!check_cap_sys_nice(Err("x".into()), zero).is_ok());
        assert!(check_cap_ipc_lock(Ok(1 << CAP_IPC_LOCK), None).is_ok());
        assert!(!check_cap_ipc_lock(
            none.clone(),
            Some(Rlimit {
                soft: Some(8),
                hard: None
            })
        )
        .is_ok());
        assert!(check_cap_ipc_lock(
            none,
            Some(Rlimit {
                soft: None,
                hard: None
            })
        )
        .is_ok());
        let c = check_cap_ipc_lock(Ok(0), None);
        assert!(c
            .fix
            .unwrap()
            .contains("setcap cap_sys_nice,cap_ipc_lock,cap_net_raw+ep"));
    }
}
