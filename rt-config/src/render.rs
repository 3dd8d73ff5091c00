//! Text rendering of checks for `gridhil rt check`.

use crate::{Check, CheckStatus};

/// Renders checks as aligned text lines, one per check, each ending in a newline:
///
/// ```text
/// ok   timer_slack   1 ns
/// warn rt_throttling RT throttling on: 950000 us of every 1000000 us
///      fix: sysctl -w kernel.sched_rt_runtime_us=-1
/// ```
pub fn render_text(checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for check in checks {
        let status = match check.status {
            CheckStatus::Ok => "ok",
            CheckStatus::Warn => "warn",
        };
        out.push_str(&format!(
            "{status:<4} {name:<width$}  {detail}\n",
            name = check.name,
            detail = check.detail
        ));
        if let Some(fix) = &check.fix {
            out.push_str(&format!("     fix: {fix}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_names_and_prints_fixes() {
        let checks = vec![
            Check::ok("timer_slack", "1 ns"),
            Check::warn("isolcpus", "no CPUs isolated", "add isolcpus=2-3"),
        ];
        let text = render_text(&checks);
        assert_eq!(
            text,
            "ok   timer_slack  1 ns\n\
             warn isolcpus     no CPUs isolated\n\
             \x20    fix: add isolcpus=2-3\n"
        );
    }

    #[test]
    fn empty_renders_empty() {
        assert_eq!(render_text(&[]), "");
    }
}
