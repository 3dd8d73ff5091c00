//! Scheduler settings: the timer slack of the calling thread and RT throttling.

use crate::{Check, RtError};

/// Name of the timer slack check.
pub const TIMER_SLACK: &str = "timer_slack";
/// Name of the RT throttling check.
pub const RT_THROTTLING: &str = "rt_throttling";

/// Timer slack above which the check warns.
pub const MAX_GOOD_SLACK_NS: u64 = 1000;

/// Parses `/proc/sys/kernel/sched_rt_runtime_us` or `sched_rt_period_us`.
pub fn parse_sched_us(text: &str) -> Result<i64, RtError> {
    text.trim()
        .parse()
        .map_err(|_| RtError::parse("scheduler microseconds", text))
}

/// The timer slack check on the calling thread's slack (`PR_GET_TIMERSLACK`).
pub fn check_timer_slack(slack_ns: Result<u64, String>) -> Check {
    match slack_ns {
        Ok(ns) if ns <= MAX_GOOD_SLACK_NS => Check::ok(TIMER_SLACK, format!("{ns} ns")),
        Ok(ns) => Check::warn(
            TIMER_SLACK,
            format!("{ns} ns on this thread: sleeps may wake up to {ns} ns late"),
            "gridhil sets 1 ns on its real-time threads",
        ),
        Err(reason) => Check::warn(
            TIMER_SLACK,
            format!("unknown: {reason}"),
            "gridhil sets 1 ns on its real-time threads",
        ),
    }
}

/// The RT throttling check: `runtime_us` of `-1` disables throttling.
pub fn check_rt_throttling(runtime_us: Result<i64, String>, period_us: Option<i64>) -> Check {
    const FIX: &str = "sysctl -w kernel.sched_rt_runtime_us=-1 (persist it in /etc/sysctl.d/)";
    match runtime_us {
        Ok(-1) => Check::ok(RT_THROTTLING, "off (sched_rt_runtime_us = -1)"),
        Ok(runtime) => {
            let period = period_us.map_or_else(|| "?".to_string(), |p| p.to_string());
            Check::warn(
                RT_THROTTLING,
                format!("on: real-time threads get {runtime} us of every {period} us, then stall"),
                FIX,
            )
        }
        Err(reason) => Check::warn(RT_THROTTLING, format!("unknown: {reason}"), FIX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sched_us_parsing() {
        assert_eq!(parse_sched_us("950000\n").unwrap(), 950_000);
        assert_eq!(parse_sched_us("-1\n").unwrap(), -1);
        assert!(parse_sched_us("").is_err());
        assert!(parse_sched_us("abc").is_err());
    }

    #[test]
    fn timer_slack_threshold() {
        assert!(check_timer_slack(Ok(1)).is_ok());
        assert!(check_timer_slack(Ok(1000)).is_ok());
        let c = check_timer_slack(Ok(50_000));
        assert!(!c.is_ok());
        assert_eq!(
            c.fix.as_deref(),
            Some("gridhil sets 1 ns on its real-time threads")
        );
        assert!(!check_timer_slack(Err("prctl failed".into())).is_ok());
    }

    #[test]
    fn throttling() {
        assert!(check_rt_throttling(Ok(-1), Some(1_000_000)).is_ok());
        let c = check_rt_throttling(Ok(950_000), Some(1_000_000));
        assert!(!c.is_ok());
        assert!(c.detail.contains("950000 us of every 1000000 us"));
        assert!(!check_rt_throttling(Err("x".into()), None).is_ok());
    }
}
