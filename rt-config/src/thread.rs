//! Real-time settings of one thread: CPU pinning, SCHED_FIFO and timer slack.

use crate::sys::{errno_text, last_errno_text, CPU_SET_CAPACITY};

/// Real-time settings for one thread; `None` fields are left as they are.
#[derive(Debug, Clone, Default)]
pub struct ThreadRt {
    /// CPU to pin the thread to.
    pub cpu: Option<usize>,
    /// SCHED_FIFO priority (1..=99).
    pub fifo_priority: Option<u8>,
    /// Timer slack in nanoseconds (gridhil uses 1).
    pub timer_slack_ns: Option<u64>,
}

/// What applying [`ThreadRt`] to the calling thread achieved. Each field is `None` when
/// not requested, else `Ok` or a short reason; nothing is logged.
#[derive(Debug, Clone, Default)]
pub struct ThreadRtOutcome {
    /// Pinning to [`ThreadRt::cpu`].
    pub pinned: Option<Result<(), String>>,
    /// Switching to SCHED_FIFO at [`ThreadRt::fifo_priority`].
    pub fifo: Option<Result<(), String>>,
    /// Setting [`ThreadRt::timer_slack_ns`].
    pub timer_slack: Option<Result<(), String>>,
}

impl ThreadRtOutcome {
    /// The reasons of every requested setting that failed, in the order pin, FIFO, slack.
    pub fn failures(&self) -> Vec<String> {
        [&self.pinned, &self.fifo, &self.timer_slack]
            .into_iter()
            .filter_map(|outcome| outcome.as_ref().and_then(|r| r.as_ref().err()))
            .cloned()
            .collect()
    }

    /// Whether every requested setting was applied.
    pub fn all_ok(&self) -> bool {
        [&self.pinned, &self.fifo, &self.timer_slack]
            .into_iter()
            .all(|outcome| !matches!(outcome, Some(Err(_))))
    }
}

/// Applies [`ThreadRt`] to the calling thread: pins it (`sched_setaffinity`), switches
/// it to SCHED_FIFO (`pthread_setschedparam`) and sets its timer slack
/// (`prctl(PR_SET_TIMERSLACK)`). Meant for thread start-up; never panics.
pub fn apply_to_current_thread(rt: &ThreadRt) -> ThreadRtOutcome {
    ThreadRtOutcome {
        pinned: rt.cpu.map(pin_current_thread),
        fifo: rt.fifo_priority.map(set_fifo),
        timer_slack: rt.timer_slack_ns.map(set_timer_slack),
    }
}

/// Pins the calling thread to one CPU.
fn pin_current_thread(cpu: usize) -> Result<(), String> {
    if cpu >= CPU_SET_CAPACITY {
        return Err(format!(
            "pin to CPU {cpu}: beyond the {CPU_SET_CAPACITY}-CPU set"
        ));
    }
    // SAFETY: cpu_set_t is a plain bit array; all-zero bytes are the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `cpu` is below CPU_SETSIZE (checked above), so the bit lies inside `set`.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is a valid cpu_set_t and its size is passed along; pid 0 is the
    // calling thread.
    let rc = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("pin to CPU {cpu}: {}", last_errno_text()))
    }
}

/// Switches the calling thread to SCHED_FIFO at `priority`.
fn set_fifo(priority: u8) -> Result<(), String> {
    // SAFETY: sched_get_priority_{min,max} only take a policy constant.
    let (min, max) = unsafe {
        (
            libc::sched_get_priority_min(libc::SCHED_FIFO),
            libc::sched_get_priority_max(libc::SCHED_FIFO),
        )
    };
    let wanted = i32::from(priority);
    if wanted < min || wanted > max {
        return Err(format!(
            "SCHED_FIFO priority {priority}: outside {min}..={max}"
        ));
    }
    let param = libc::sched_param {
        sched_priority: wanted,
    };
    // SAFETY: `param` is a valid sched_param; pthread_self() is the calling thread.
    let rc = unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param) };
    match rc {
        0 => Ok(()),
        libc::EPERM => Err(format!(
            "SCHED_FIFO priority {priority}: {} (needs CAP_SYS_NICE or RLIMIT_RTPRIO >= {priority})",
            errno_text(rc)
        )),
        _ => Err(format!("SCHED_FIFO priority {priority}: {}", errno_text(rc))),
    }
}

/// Sets the calling thread's timer slack.
fn set_timer_slack(ns: u64) -> Result<(), String> {
    if ns == 0 {
        return Err("timer slack 0 ns: 0 resets to the default; use 1".to_string());
    }
    let value =
        libc::c_ulong::try_from(ns).map_err(|_| format!("timer slack {ns} ns: too large"))?;
    // SAFETY: PR_SET_TIMERSLACK takes an integer argument, no pointers.
    let rc = unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, value, 0, 0, 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("timer slack {ns} ns: {}", last_errno_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_summaries() {
        let outcome = ThreadRtOutcome {
            pinned: Some(Ok(())),
            fifo: Some(Err("SCHED_FIFO priority 80: denied".into())),
            timer_slack: None,
        };
        assert!(!outcome.all_ok());
        assert_eq!(outcome.failures(), vec!["SCHED_FIFO priority 80: denied"]);
        assert!(ThreadRtOutcome::default().all_ok());
        assert!(ThreadRtOutcome::default().failures().is_empty());
    }

    #[test]
    fn nothing_requested_does_nothing() {
        let outcome = apply_to_current_thread(&ThreadRt::default());
        assert!(
            outcome.pinned.is_none() && outcome.fifo.is_none() && outcome.timer_slack.is_none()
        );
    }

    #[test]
    fn invalid_requests_fail_with_reasons() {
        let outcome = std::thread::spawn(|| {
            apply_to_current_thread(&ThreadRt {
                cpu: Some(usize::MAX),
                fifo_priority: Some(0),
                timer_slack_ns: Some(0),
            })
        })
        .join();
        let Ok(outcome) = outcome else {
            panic!("apply_to_current_thread panicked");
        };
        assert_eq!(outcome.failures().len(), 3, "{outcome:?}");
        assert!(outcome.failures()[1].contains("outside"));
    }

    #[test]
    fn timer_slack_is_applied() {
        let result = std::thread::spawn(|| {
            let outcome = apply_to_current_thread(&ThreadRt {
                timer_slack_ns: Some(1),
                ..ThreadRt::default()
            });
            (outcome.all_ok(), crate::current_timer_slack_ns().ok())
        })
        .join();
        assert!(matches!(result, Ok((true, Some(1)))), "{result:?}");
    }
}
