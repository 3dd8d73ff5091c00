//! The cpufreq scaling governor of the configured CPUs.

use crate::cpu_list::format_cpu_list;
use crate::Check;

/// Check name.
pub const NAME: &str = "cpu_governor";

/// The governor that keeps the clock at its highest frequency.
pub const PERFORMANCE: &str = "performance";

/// Reads a `scaling_governor` file: the trimmed name, or `None` if empty.
pub fn parse_governor(text: &str) -> Option<String> {
    let name = text.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The check: `governors` holds, per CPU, its governor or `None` when the CPU has no
/// cpufreq (a VM or a fixed clock).
pub fn check(governors: &[(usize, Option<String>)]) -> Check {
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (cpu, governor) in governors {
        let Some(governor) = governor else { continue };
        match groups.iter_mut().find(|(name, _)| name == governor) {
            Some((_, cpus)) => cpus.push(*cpu),
            None => groups.push((governor, vec![*cpu])),
        }
    }
    if groups.is_empty() {
        return Check::ok(NAME, "no cpufreq (VM or fixed clock)");
    }
    let describe = |groups: &[(&str, Vec<usize>)]| {
        groups
            .iter()
            .map(|(name, cpus)| format!("{name} on CPUs {}", format_cpu_list(cpus)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if groups.iter().all(|(name, _)| *name == PERFORMANCE) {
        Check::ok(NAME, describe(&groups))
    } else {
        let slow: Vec<usize> = groups
            .iter()
            .filter(|(name, _)| *name != PERFORMANCE)
            .flat_map(|(_, cpus)| cpus.iter().copied())
            .collect();
        Check::warn(
            NAME,
            describe(&groups),
            format!(
                "cpupower -c {} frequency-set -g performance (or write performance to \
                 /sys/devices/system/cpu/cpuN/cpufreq/scaling_governor)",
                format_cpu_list(&slow)
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn governor_strings() {
        assert_eq!(
            parse_governor("performance\n").as_deref(),
            Some("performance")
        );
        assert_eq!(
            parse_governor("  schedutil "),
            Some("schedutil".to_string())
        );
        assert_eq!(parse_governor("\n"), None);
    }

    #[test]
    fn no_cpufreq_is_ok() {
        let c = check(&[(0, None), (1, None)]);
        assert!(c.is_ok());
        assert_eq!(c.detail, "no cpufreq (VM or fixed clock)");
        assert!(check(&[]).is_ok());
    }

    #[test]
    fn performance_is_ok() {
        let c = check(&[
            (0, Some("performance".into())),
            (1, Some("performance".into())),
        ]);
        assert!(c.is_ok());
        assert_eq!(c.detail, "performance on CPUs 0-1");
    }

    #[test]
    fn other_governors_warn() {
        let c = check(&[
            (0, Some("performance".into())),
            (1, Some("powersave".into())),
            (2, Some("schedutil".into())),
            (3, Some("powersave".into())),
        ]);
        assert!(!c.is_ok());
        assert_eq!(
            c.detail,
            "performance on CPUs 0, powersave on CPUs 1,3, schedutil on CPUs 2"
        );
        assert!(c.fix.unwrap().contains("cpupower -c 1-3"));
    }
}
