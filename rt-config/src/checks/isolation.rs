//! CPU isolation: `isolcpus=` and `nohz_full=`, and whether the configured CPUs are in them.

use crate::cpu_list::{format_cpu_list, missing_from, parse_cpu_list};
use crate::{Check, RtError};

/// Name of the isolcpus check.
pub const ISOLCPUS: &str = "isolcpus";
/// Name of the nohz_full check.
pub const NOHZ_FULL: &str = "nohz_full";

/// `isolcpus=` flags that may precede the CPU list (`isolcpus=nohz,domain,2-3`).
const ISOLCPUS_FLAGS: [&str; 3] = ["nohz", "domain", "managed_irq"];

/// The value of the last `name=value` parameter on a kernel command line.
pub fn kernel_param<'a>(cmdline: &'a str, name: &str) -> Option<&'a str> {
    cmdline
        .split_whitespace()
        .filter_map(|token| token.split_once('='))
        .rfind(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

/// Parses the value of `isolcpus=`, skipping its leading flags.
pub fn parse_isolcpus_value(value: &str) -> Result<Vec<usize>, RtError> {
    let list: Vec<&str> = value
        .split(',')
        .skip_while(|item| ISOLCPUS_FLAGS.contains(item))
        .collect();
    parse_cpu_list(&list.join(","))
}

/// Parses `/sys/devices/system/cpu/nohz_full`, which reads `(null)` when no CPU is
/// in nohz_full mode on some kernels.
pub fn parse_nohz_full(text: &str) -> Result<Vec<usize>, RtError> {
    if text.trim() == "(null)" {
        return Ok(Vec::new());
    }
    parse_cpu_list(text)
}

/// The fix for missing isolation. CPU 0 keeps housekeeping work (and the timekeeping
/// duty of nohz_full), so a configuration that uses it is told to move off it.
fn isolation_fix(configured: &[usize]) -> String {
    let others: Vec<usize> = configured.iter().copied().filter(|&c| c != 0).collect();
    let cpus = if others.is_empty() {
        "2-3".to_string()
    } else {
        format_cpu_list(&others)
    };
    let kernel = format!(
        "isolcpus={cpus} nohz_full={cpus} rcu_nocbs={cpus} on the kernel command line, reboot"
    );
    if configured.contains(&0) {
        format!("move engine.realtime.cpus off CPU 0 (it keeps housekeeping work), e.g. to {cpus}; add {kernel}")
    } else {
        format!("add {kernel}, and set engine.realtime.cpus to those CPUs")
    }
}

/// Shared logic of both checks: which configured CPUs are outside `set`.
fn membership(name: &str, configured: &[usize], set: &[usize], what: &str) -> Check {
    let set_text = format_cpu_list(set);
    if configured.is_empty() {
        return if set.is_empty() {
            Check::warn(name, format!("no {what} CPUs"), isolation_fix(configured))
        } else {
            Check::ok(
                name,
                format!("{what}: {set_text} (no CPUs configured: set engine.realtime.cpus)"),
            )
        };
    }
    let outside = missing_from(configured, set);
    if outside.is_empty() {
        Check::ok(
            name,
            format!("configured CPUs {} are {what}", format_cpu_list(configured)),
        )
    } else {
        Check::warn(
            name,
            format!(
                "configured CPUs {} not {what} ({what}: {set_text})",
                format_cpu_list(&outside)
            ),
            isolation_fix(configured),
        )
    }
}

/// The isolcpus check: `isolated` is the isolated CPU set, or why it is unknown.
pub fn check_isolcpus(configured: &[usize], isolated: Result<Vec<usize>, String>) -> Check {
    match isolated {
        Ok(set) => membership(ISOLCPUS, configured, &set, "isolated"),
        Err(reason) => Check::warn(
            ISOLCPUS,
            format!("unknown: {reason}"),
            isolation_fix(configured),
        ),
    }
}

/// The nohz_full check: `nohz` is the nohz_full CPU set (`None` when the kernel was
/// built without `CONFIG_NO_HZ_FULL`), or why it is unknown.
pub fn check_nohz_full(configured: &[usize], nohz: Result<Option<Vec<usize>>, String>) -> Check {
    match nohz {
        Ok(Some(set)) => membership(NOHZ_FULL, configured, &set, "nohz_full"),
        Ok(None) => Check::warn(
            NOHZ_FULL,
            "not available: kernel built without CONFIG_NO_HZ_FULL",
            "use a kernel with CONFIG_NO_HZ_FULL=y (Debian's -rt kernels have it) and boot with nohz_full=<cpus>",
        ),
        Err(reason) => Check::warn(
            NOHZ_FULL,
            format!("unknown: {reason}"),
            isolation_fix(configured),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMDLINE: &str = "BOOT_IMAGE=/vmlinuz root=UUID=x ro quiet isolcpus=nohz,domain,2-3 \
                           nohz_full=2-3 rcu_nocbs=2-3 isolcpus=managed_irq,domain,4-5";

    #[test]
    fn kernel_params() {
        assert_eq!(kernel_param(CMDLINE, "nohz_full"), Some("2-3"));
        assert_eq!(
            kernel_param(CMDLINE, "isolcpus"),
            Some("managed_irq,domain,4-5")
        );
        assert_eq!(kernel_param(CMDLINE, "quiet"), None);
        assert_eq!(kernel_param(CMDLINE, "irqaffinity"), None);
        assert_eq!(kernel_param("", "isolcpus"), None);
    }

    #[test]
    fn isolcpus_values() {
        assert_eq!(parse_isolcpus_value("nohz,domain,2-3").unwrap(), vec![2, 3]);
        assert_eq!(parse_isolcpus_value("1,5").unwrap(), vec![1, 5]);
        assert!(parse_isolcpus_value("domain").unwrap().is_empty());
        assert!(parse_isolcpus_value("bogus,2").is_err());
    }

    #[test]
    fn nohz_full_file() {
        assert!(parse_nohz_full("(null)\n").unwrap().is_empty());
        assert_eq!(parse_nohz_full("2-3\n").unwrap(), vec![2, 3]);
    }

    #[test]
    fn configured_cpus_isolated_is_ok() {
        let c = check_isolcpus(&[2, 3], Ok(vec![2, 3, 4]));
        assert!(c.is_ok(), "{c:?}");
        assert!(c.detail.contains("2-3"));
    }

    #[test]
    fn configured_cpu_outside_isolation_warns() {
        let c = check_isolcpus(&[1, 2], Ok(vec![2, 3]));
        assert!(!c.is_ok());
        assert!(c.detail.contains("CPUs 1 not isolated"), "{}", c.detail);
        let fix = c.fix.unwrap_or_default();
        assert!(fix.contains("isolcpus=1-2 nohz_full=1-2"), "{fix}");
        assert!(!fix.contains("CPU 0"), "{fix}");
    }

    #[test]
    fn cpu_zero_is_steered_away_from() {
        let c = check_isolcpus(&[0, 2], Ok(vec![]));
        let fix = c.fix.unwrap_or_default();
        assert!(
            fix.starts_with("move engine.realtime.cpus off CPU 0"),
            "{fix}"
        );
        assert!(fix.contains("isolcpus=2 "), "{fix}");
        let fix = check_isolcpus(&[0], Ok(vec![])).fix.unwrap_or_default();
        assert!(fix.contains("isolcpus=2-3 "), "{fix}");
    }

    #[test]
    fn nothing_configured() {
        assert!(!check_isolcpus(&[], Ok(vec![])).is_ok());
        assert!(check_isolcpus(&[], Ok(vec![2])).is_ok());
    }

    #[test]
    fn unknown_isolation_warns() {
        let c = check_isolcpus(&[0], Err("cannot read x".into()));
        assert!(!c.is_ok());
        assert!(c.detail.starts_with("unknown"));
    }

    #[test]
    fn nohz_full_states() {
        assert!(check_nohz_full(&[2], Ok(Some(vec![2, 3]))).is_ok());
        assert!(!check_nohz_full(&[0], Ok(Some(vec![2, 3]))).is_ok());
        let c = check_nohz_full(&[0], Ok(None));
        assert!(!c.is_ok());
        assert!(c.detail.contains("CONFIG_NO_HZ_FULL"));
        assert!(!check_nohz_full(&[0], Err("x".into())).is_ok());
    }
}
