//! Whether the configured CPUs exist, are online and are allowed to this process.

use crate::cpu_list::{format_cpu_list, missing_from};
use crate::Check;

/// Check name.
pub const NAME: &str = "cpus_exist";

/// The check: `online` is the online CPU set, `allowed` this process's affinity mask
/// (narrowed by cgroup cpusets, `taskset`, container limits), each or why it is unknown.
pub fn check(
    configured: &[usize],
    online: Result<Vec<usize>, String>,
    allowed: Result<Vec<usize>, String>,
) -> Check {
    let online = match online {
        Ok(online) => online,
        Err(reason) => {
            return Check::warn(
                NAME,
                format!("unknown: {reason}"),
                "check /sys/devices/system/cpu/online",
            )
        }
    };
    let online_text = format!("online: {}", format_cpu_list(&online));
    if configured.is_empty() {
        return Check::ok(NAME, format!("no CPUs configured; {online_text}"));
    }
    let offline = missing_from(configured, &online);
    if !offline.is_empty() {
        return Check::warn(
            NAME,
            format!(
                "configured CPUs {} do not exist or are offline ({online_text})",
                format_cpu_list(&offline)
            ),
            "set engine.realtime.cpus to online CPUs",
        );
    }
    match allowed {
        Ok(allowed) => {
            let denied = missing_from(configured, &allowed);
            if denied.is_empty() {
                Check::ok(
                    NAME,
                    format!(
                        "configured CPUs {} online and allowed",
                        format_cpu_list(configured)
                    ),
                )
            } else {
                Check::warn(
                    NAME,
                    format!(
                        "configured CPUs {} are outside this process's CPU set ({})",
                        format_cpu_list(&denied),
                        format_cpu_list(&allowed)
                    ),
                    "widen the cgroup cpuset / taskset / container --cpuset-cpus, or configure allowed CPUs",
                )
            }
        }
        Err(reason) => Check::ok(
            NAME,
            format!(
                "configured CPUs {} online; allowed set unknown: {reason}",
                format_cpu_list(configured)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_and_allowed_is_ok() {
        let c = check(&[0, 1], Ok(vec![0, 1, 2]), Ok(vec![0, 1, 2]));
        assert!(c.is_ok());
        assert_eq!(c.detail, "configured CPUs 0-1 online and allowed");
    }

    #[test]
    fn missing_cpu_warns() {
        let c = check(&[0, 7], Ok(vec![0, 1]), Ok(vec![0, 1]));
        assert!(!c.is_ok());
        assert!(c.detail.starts_with("configured CPUs 7 do not exist"));
    }

    #[test]
    fn disallowed_cpu_warns() {
        let c = check(&[0, 1], Ok(vec![0, 1]), Ok(vec![1]));
        assert!(!c.is_ok());
        assert!(c.detail.contains("CPUs 0 are outside"));
    }

    #[test]
    fn unknowns() {
        assert!(!check(&[0], Err("x".into()), Ok(vec![0])).is_ok());
        assert!(check(&[0], Ok(vec![0]), Err("x".into())).is_ok());
        assert!(check(&[], Ok(vec![0]), Ok(vec![0])).is_ok());
    }
}
