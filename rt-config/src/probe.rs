//! `gridhil rt probe`: measures how precisely this host lets one real-time thread keep a
//! period, so a lab engineer knows before a run whether a 50 µs step is possible here.
//!
//! Two phases on one thread, pinned and SCHED_FIFO when allowed:
//!
//! 1. **Timer**: sleeps to absolute deadlines one `period` apart (`clock_nanosleep`,
//!    `TIMER_ABSTIME`, as the engine does) and records how late each wake-up is.
//! 2. **Spin**: reads the clock in a busy loop and records every gap between two reads.
//!    A gap is time the thread did not run at all — an interrupt, RT throttling, or the
//!    hypervisor descheduling the virtual CPU — which no wake-up scheme can hide.
//!
//! Hypervisor steal time (`/proc/stat`) over the whole probe is reported as well. The
//! probe allocates its sample buffers before it starts measuring.

use crate::thread::{apply_to_current_thread, ThreadRt};
use serde::Serialize;

/// What to probe.
#[derive(Debug, Clone)]
pub struct ProbeSettings {
    /// CPU to pin the probing thread to.
    pub cpu: Option<usize>,
    /// SCHED_FIFO priority (none: the default scheduler).
    pub priority: Option<u8>,
    /// Timer period in nanoseconds (e.g. 50 000 for a 50 µs step).
    pub period_ns: i64,
    /// Length of each phase in nanoseconds.
    pub phase_ns: i64,
}

/// Distribution of a set of durations, in nanoseconds.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Spread {
    /// Number of values.
    pub count: u64,
    /// Smallest value.
    pub min_ns: i64,
    /// Median.
    pub p50_ns: i64,
    /// 99th percentile.
    pub p99_ns: i64,
    /// 99.9th percentile.
    pub p999_ns: i64,
    /// Largest value.
    pub max_ns: i64,
}

impl Spread {
    /// The spread of `values` (sorted in place).
    pub fn of(values: &mut [i64]) -> Spread {
        values.sort_unstable();
        let at = |q: f64| {
            let index = ((values.len() as f64 - 1.0) * q).round() as usize;
            values.get(index).copied().unwrap_or(0)
        };
        Spread {
            count: values.len() as u64,
            min_ns: values.first().copied().unwrap_or(0),
            p50_ns: at(0.5),
            p99_ns: at(0.99),
            p999_ns: at(0.999),
            max_ns: values.last().copied().unwrap_or(0),
        }
    }
}

/// Result of a probe.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    /// CPU the thread was pinned to, if any.
    pub cpu: Option<usize>,
    /// Scheduling achieved: `"SCHED_FIFO 80"`, or why not.
    pub scheduling: String,
    /// Timer period probed.
    pub period_ns: i64,
    /// Lateness of timer wake-ups.
    pub wakeup_latency: Spread,
    /// Wake-ups later than one whole period (a per-period task would overrun).
    pub wakeups_later_than_period: u64,
    /// Busy-loop time probed.
    pub spin_ns: i64,
    /// Gaps in the busy loop longer than 20 µs, 50 µs, 200 µs, 1 ms and 5 ms.
    pub stalls_over: [u64; 5],
    /// Longest gap in the busy loop.
    pub longest_stall_ns: i64,
    /// Hypervisor steal time of the whole machine during the probe (`None`: unknown).
    pub steal_ns: Option<u64>,
}

/// Shortest period probed.
pub const MIN_PERIOD_NS: i64 = 1_000;
/// Longest phase (the timer phase keeps one latency per period in memory).
pub const MAX_PHASE_NS: i64 = 60_000_000_000;

/// Thresholds of [`ProbeReport::stalls_over`].
pub const STALL_THRESHOLDS_NS: [i64; 5] = [20_000, 50_000, 200_000, 1_000_000, 5_000_000];

fn monotonic_ns() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; clock_gettime only writes into it.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

fn sleep_until(deadline: i64) {
    let ts = libc::timespec {
        tv_sec: (deadline / 1_000_000_000) as libc::time_t,
        tv_nsec: (deadline % 1_000_000_000) as libc::c_long,
    };
    loop {
        // SAFETY: `ts` is a valid timespec; the remaining-time pointer may be null for
        // TIMER_ABSTIME sleeps.
        let rc = unsafe {
            libc::clock_nanosleep(
                libc::CLOCK_MONOTONIC,
                libc::TIMER_ABSTIME,
                &ts,
                std::ptr::null_mut(),
            )
        };
        if rc != libc::EINTR {
            break;
        }
    }
}

/// Total steal time of the machine in nanoseconds, from the `cpu` line of `/proc/stat`.
fn steal_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    // cpu user nice system idle iowait irq softirq steal ...
    let ticks: u64 = line.split_whitespace().nth(8)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = u64::try_from(hz).ok().filter(|&h| h > 0)?;
    Some(ticks.saturating_mul(1_000_000_000) / hz)
}

/// Runs the probe on a new thread (so the caller's scheduling is left alone) and returns
/// its report. Takes about `2 × phase_ns`.
pub fn probe(settings: &ProbeSettings) -> std::io::Result<ProbeReport> {
    if !(MIN_PERIOD_NS..=MAX_PHASE_NS).contains(&settings.period_ns)
        || !(settings.period_ns..=MAX_PHASE_NS).contains(&settings.phase_ns)
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the period must be 1 us to 60 s and each phase one period to 60 s",
        ));
    }
    let settings = settings.clone();
    std::thread::Builder::new()
        .name("gridhil-probe".into())
        .spawn(move || probe_on_this_thread(&settings))?
        .join()
        .map_err(|_| std::io::Error::other("the probe thread panicked"))
}

fn probe_on_this_thread(settings: &ProbeSettings) -> ProbeReport {
    let outcome = apply_to_current_thread(&ThreadRt {
        cpu: settings.cpu,
        fifo_priority: settings.priority,
        timer_slack_ns: Some(1),
    });
    let scheduling = match (&outcome.fifo, settings.priority) {
        (Some(Ok(())), Some(p)) => format!("SCHED_FIFO {p}"),
        (Some(Err(why)), _) => format!("default scheduler (SCHED_FIFO refused: {why})"),
        _ => "default scheduler".to_string(),
    };
    let cpu = match &outcome.pinned {
        Some(Ok(())) => settings.cpu,
        _ => None,
    };
    let period = settings.period_ns;
    let phase = settings.phase_ns;
    let steal_before = steal_ns();

    // Timer phase.
    let wakeups = usize::try_from(phase / period).unwrap_or(0);
    let mut latencies: Vec<i64> = Vec::with_capacity(wakeups);
    let mut deadline = monotonic_ns() + period;
    for _ in 0..wakeups {
        sleep_until(deadline);
        latencies.push(monotonic_ns() - deadline);
        deadline += period;
    }
    let later_than_period = latencies.iter().filter(|&&l| l > period).count() as u64;

    // Spin phase.
    let mut stalls_over = [0u64; 5];
    let mut longest = 0;
    let start = monotonic_ns();
    let end = start + phase;
    let mut last = start;
    loop {
        let now = monotonic_ns();
        let gap = now - last;
        last = now;
        for (count, threshold) in stalls_over.iter_mut().zip(STALL_THRESHOLDS_NS) {
            if gap > threshold {
                *count += 1;
            }
        }
        longest = longest.max(gap);
        if now >= end {
            break;
        }
    }

    let steal = match (steal_before, steal_ns()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    ProbeReport {
        cpu,
        scheduling,
        period_ns: period,
        wakeup_latency: Spread::of(&mut latencies),
        wakeups_later_than_period: later_than_period,
        spin_ns: phase,
        stalls_over,
        longest_stall_ns: longest,
        steal_ns: steal,
    }
}

fn us(ns: i64) -> String {
    format!("{:.1}", ns as f64 / 1000.0)
}

/// The report as text, with a verdict for a per-period real-time task.
pub fn render_probe(report: &ProbeReport) -> String {
    let l = &report.wakeup_latency;
    let cpu = report
        .cpu
        .map_or_else(|| "not pinned".to_string(), |c| format!("CPU {c}"));
    let mut text = format!(
        "probe: {cpu}, {}\n\
         timer, period {} us, {} wake-ups: latency min {} / p50 {} / p99 {} / p99.9 {} / max {} us; {} later than one period\n\
         busy loop, {:.1} s: stalls > 20 us {}, > 50 us {}, > 200 us {}, > 1 ms {}, > 5 ms {}; longest {} us\n",
        report.scheduling,
        us(report.period_ns),
        l.count,
        us(l.min_ns),
        us(l.p50_ns),
        us(l.p99_ns),
        us(l.p999_ns),
        us(l.max_ns),
        report.wakeups_later_than_period,
        report.spin_ns as f64 / 1e9,
        report.stalls_over[0],
        report.stalls_over[1],
        report.stalls_over[2],
        report.stalls_over[3],
        report.stalls_over[4],
        us(report.longest_stall_ns),
    );
    if let Some(steal) = report.steal_ns {
        text.push_str(&format!(
            "hypervisor steal time during the probe (all CPUs): {:.1} ms\n",
            steal as f64 / 1e6
        ));
    }
    if report.scheduling.starts_with("SCHED_FIFO") {
        let runtime =
            std::fs::read_to_string("/proc/sys/kernel/sched_rt_runtime_us").unwrap_or_default();
        if runtime.trim() != "-1" && !runtime.trim().is_empty() {
            text.push_str(&format!(
                "note: RT throttling is on (sched_rt_runtime_us = {}): a busy SCHED_FIFO thread is stopped for the rest of each period once it used that much, which shows as stalls in the busy loop (the engine's threads sleep between deadlines unless busy_wait is set)\n",
                runtime.trim()
            ));
        }
    }
    let verdict = if report.wakeups_later_than_period == 0
        && report.longest_stall_ns < report.period_ns
    {
        "a task with this period can keep every deadline here".to_string()
    } else if report.longest_stall_ns >= report.period_ns {
        format!(
            "this host stops the thread for up to {} us: no schedule with a {} us period can keep every deadline; isolate the CPU (isolcpus, nohz_full), use an RT kernel and bare metal, or run open-loop work with a lookahead longer than the stalls",
            us(report.longest_stall_ns),
            us(report.period_ns)
        )
    } else {
        format!(
            "timer wake-ups come later than one {} us period: use busy_wait or a lookahead, an RT kernel and an isolated CPU",
            us(report.period_ns)
        )
    };
    text.push_str(&format!("verdict: {verdict}\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_percentiles_of_sorted_values() {
        let mut values: Vec<i64> = (1..=1000).rev().collect();
        let s = Spread::of(&mut values);
        assert_eq!((s.count, s.min_ns, s.max_ns), (1000, 1, 1000));
        assert_eq!((s.p50_ns, s.p99_ns, s.p999_ns), (501, 990, 999));
        assert_eq!(Spread::of(&mut []), Spread::default());
    }

    #[test]
    fn a_short_probe_measures_every_wake_up_and_renders_a_verdict() {
        let report = probe(&ProbeSettings {
            cpu: None,
            priority: None,
            period_ns: 1_000_000,
            phase_ns: 20_000_000,
        })
        .unwrap();
        assert_eq!(report.wakeup_latency.count, 20);
        assert!(report.wakeup_latency.min_ns >= 0, "never woken early");
        assert!(report.stalls_over.windows(2).all(|w| w[0] >= w[1]));
        let text = render_probe(&report);
        assert!(text.contains("period 1000.0 us, 20 wake-ups"), "{text}");
        assert!(text.contains("verdict: "), "{text}");
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains("\"wakeups_later_than_period\""), "{json}");
    }
}
