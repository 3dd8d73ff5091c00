//! SMT (hyper-thread) siblings of the configured CPUs.

use crate::cpu_list::format_cpu_list;
use crate::Check;

/// Check name.
pub const NAME: &str = "smt_siblings";

/// Topology of one configured CPU: its `thread_siblings_list` (itself included), or why
/// it could not be read.
pub type Siblings = (usize, Result<Vec<usize>, String>);

/// The check: warns when a configured CPU shares its core with another configured CPU,
/// or with a CPU that is not isolated (and so runs other work on the same core).
/// `isolated` is `None` when the isolated set is unknown.
pub fn check(configured: &[usize], siblings: &[Siblings], isolated: Option<&[usize]>) -> Check {
    if configured.is_empty() {
        return Check::ok(NAME, "no CPUs configured");
    }
    let mut shared_pairs: Vec<(usize, usize)> = Vec::new();
    let mut busy_siblings: Vec<String> = Vec::new();
    let mut idle_siblings: Vec<usize> = Vec::new();
    let mut unknown: Vec<usize> = Vec::new();
    for (cpu, list) in siblings {
        let Ok(list) = list else {
            unknown.push(*cpu);
            continue;
        };
        for &other in list.iter().filter(|&&other| other != *cpu) {
            if configured.contains(&other) {
                let pair = (other.min(*cpu), other.max(*cpu));
                if !shared_pairs.contains(&pair) {
                    shared_pairs.push(pair);
                }
            } else if isolated.is_some_and(|set| !set.contains(&other)) {
                busy_siblings.push(format!("{other} (of {cpu})"));
            } else {
                idle_siblings.push(other);
            }
        }
    }
    let mut problems: Vec<String> = shared_pairs
        .iter()
        .map(|(a, b)| format!("CPUs {a} and {b} are siblings on one core"))
        .collect();
    if !busy_siblings.is_empty() {
        problems.push(format!(
            "siblings not isolated: {}",
            busy_siblings.join(", ")
        ));
    }
    if !problems.is_empty() {
        return Check::warn(
            NAME,
            problems.join("; "),
            "give each real-time thread a whole core: isolate the siblings too and pin nothing \
             to them, or boot with nosmt",
        );
    }
    if !unknown.is_empty() {
        return Check::ok(
            NAME,
            format!(
                "unknown for CPUs {}: topology unreadable",
                format_cpu_list(&unknown)
            ),
        );
    }
    if idle_siblings.is_empty() {
        Check::ok(NAME, "no SMT siblings: one thread per core")
    } else {
        Check::ok(
            NAME,
            format!(
                "siblings {} are unused by gridhil{}",
                format_cpu_list(&idle_siblings),
                if isolated.is_some() {
                    " and isolated"
                } else {
                    ""
                }
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_smt_is_ok() {
        let c = check(&[2], &[(2, Ok(vec![2]))], Some(&[2]));
        assert!(c.is_ok());
        assert!(c.detail.contains("one thread per core"));
    }

    #[test]
    fn both_siblings_configured_warns_once() {
        let c = check(
            &[2, 10],
            &[(2, Ok(vec![2, 10])), (10, Ok(vec![2, 10]))],
            Some(&[2, 10]),
        );
        assert!(!c.is_ok());
        assert_eq!(c.detail, "CPUs 2 and 10 are siblings on one core");
    }

    #[test]
    fn non_isolated_sibling_warns() {
        let c = check(&[2], &[(2, Ok(vec![2, 10]))], Some(&[2]));
        assert!(!c.is_ok());
        assert!(c.detail.contains("10 (of 2)"), "{}", c.detail);
    }

    #[test]
    fn isolated_idle_sibling_is_ok() {
        let c = check(&[2], &[(2, Ok(vec![2, 10]))], Some(&[2, 10]));
        assert!(c.is_ok(), "{c:?}");
        assert!(c.detail.contains("siblings 10"));
    }

    #[test]
    fn unknown_isolation_does_not_warn_about_siblings() {
        assert!(check(&[2], &[(2, Ok(vec![2, 10]))], None).is_ok());
    }

    #[test]
    fn unreadable_topology_is_ok_unknown() {
        let c = check(&[2], &[(2, Err("no such file".into()))], Some(&[]));
        assert!(c.is_ok());
        assert!(c.detail.starts_with("unknown"));
    }

    #[test]
    fn nothing_configured_is_ok() {
        assert!(check(&[], &[], None).is_ok());
    }
}
