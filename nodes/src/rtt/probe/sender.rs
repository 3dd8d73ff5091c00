//! The sender thread: one sample per period, sent on absolute deadlines of the monotonic
//! clock (or, with `--batch N`, N samples every N periods with one `sendmmsg`); records each
//! sample's send time and its own wake-up jitter.

use super::plan::Plan;
use super::realtime::setup_thread;
use super::timeline::Timeline;
use super::ProbeError;
use crate::timed::Schedule;
use gridhil_engine::clock::{Clock, RealClock, WallSource};
use gridhil_engine::node::Due;
use gridhil_engine::sample::SamplePool;
use gridhil_engine::signal::Value;
use gridhil_engine::stats::LatencyHistogram;
use gridhil_engine::units::{Nanos, NANOS_PER_SEC};
use gridhil_netio::mmsg::{Sender, SocketAddress};
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};

/// The clock of the send times (and of the receive times: kernel stamps are on it too).
pub const SEND_WALL_CLOCK: WallSource = WallSource::Realtime;

/// Time between starting the threads and the first deadline.
const START_DELAY_NS: Nanos = 20_000_000;

/// Most samples per `sendmmsg` (`--batch` is capped at this too).
const MAX_BATCH: usize = 64;

/// What the sender did.
pub struct SenderResult {
    /// Send-jitter (wake-up − deadline) of the measured samples (of each batch's first).
    pub jitter: LatencyHistogram,
    /// Measured samples sent without error.
    pub sent: u64,
    /// Samples (warm-up included) whose send failed.
    pub send_errors: u64,
    /// The first send error.
    pub first_error: Option<String>,
    /// Whether the thread ran under SCHED_FIFO.
    pub fifo: bool,
    /// Whether the run was cut short (Ctrl-C).
    pub interrupted: bool,
    /// Monotonic times of the first and the last measured send.
    pub measured_span: Option<(Nanos, Nanos)>,
}

impl SenderResult {
    /// The rate the measured samples actually left at, in Hz (`None` below two samples).
    pub fn achieved_rate_hz(&self) -> Option<f64> {
        let (first, last) = self.measured_span?;
        (self.sent >= 2 && last > first)
            .then(|| (self.sent - 1) as f64 * NANOS_PER_SEC as f64 / (last - first) as f64)
    }
}

/// Sends every planned sample, then tells the receiver it has finished.
pub fn run_sender(
    plan: &Plan,
    socket: UdpSocket,
    timeline: &Timeline,
    stop: &AtomicBool,
) -> Result<SenderResult, ProbeError> {
    let result = send_all(plan, socket, timeline, stop);
    let sent = result.as_ref().map_or(0, |r| r.sent);
    timeline.finish_sending(sent);
    result
}

fn send_all(
    plan: &Plan,
    socket: UdpSocket,
    timeline: &Timeline,
    stop: &AtomicBool,
) -> Result<SenderResult, ProbeError> {
    let fifo = setup_thread("sender", plan.priority, plan.sender_cpu);
    let clock = RealClock::new(SEND_WALL_CLOCK, plan.timer_spin_ns);
    let mut format = gridhil_formats::build(&plan.format);
    let pool = SamplePool::new(1, plan.values());
    let mut sample = pool
        .alloc()
        .ok_or_else(|| ProbeError::Run("sample pool of one slot is empty".into()))?;
    sample
        .resize(plan.values())
        .map_err(|e| ProbeError::Run(format!("probe sample: {e}")))?;
    for (i, value) in sample.values_mut().iter_mut().enumerate() {
        *value = Value::F64(i as f64 * 0.25);
    }
    let datagram_len = format.max_encoded_len(&plan.signals).max(1);
    let batch = plan.batch.clamp(1, MAX_BATCH);
    let mut datagrams = Sender::to(
        &socket,
        SocketAddress::from(plan.target),
        batch,
        datagram_len,
    );
    let mut result = SenderResult {
        jitter: LatencyHistogram::new(),
        sent: 0,
        send_errors: 0,
        first_error: None,
        fifo,
        interrupted: false,
        measured_span: None,
    };
    let start = clock.monotonic() + START_DELAY_NS;
    let mut schedule = Schedule::new(plan.rate, start, Some(plan.total_samples()));
    // One batch per wake-up, on the deadline of its first sample; a late wake-up is
    // caught up by the next deadlines, which are then already due.
    while let Due::At(deadline) = schedule.due() {
        if stop.load(Ordering::Relaxed) {
            result.interrupted = true;
            break;
        }
        clock.sleep_until(deadline);
        let woke = clock.monotonic();
        if schedule.next_seq() >= plan.warmup_samples {
            result.jitter.record(woke - deadline);
        }
        let seqs = schedule.take(batch as u64);
        let first = seqs.start;
        let n = (seqs.end - seqs.start) as usize;
        for seq in seqs {
            let buf = datagrams
                .next_buffer()
                .ok_or_else(|| ProbeError::Run(format!("no room for sample {seq} in the batch")))?;
            plan.seq.stamp(&mut sample, seq);
            sample.ts_origin = clock.wall();
            let len = format
                .encode(std::slice::from_ref(&sample), &plan.signals, buf)
                .map_err(|e| ProbeError::Run(format!("encoding sample {seq}: {e}")))?;
            datagrams.commit(len);
        }
        let wall = clock.wall();
        for seq in first..first + n as u64 {
            timeline.publish_send(seq, wall);
        }
        // One `sendto` for a single sample, else `sendmmsg` (more calls if the kernel
        // takes fewer).
        let (done, error) = match datagrams.flush_with_error() {
            (done, None) if done < n => {
                (done, Some(std::io::Error::other("sendmmsg sent nothing")))
            }
            outcome => outcome,
        };
        if let Some(error) = error {
            for seq in first + done as u64..first + n as u64 {
                timeline.retract_send(seq);
            }
            result.send_errors += (n - done) as u64;
            if result.first_error.is_none() {
                result.first_error = Some(format!("sending to {}: {error}", plan.target));
            }
        }
        let measured = (first..first + done as u64)
            .filter(|seq| *seq >= plan.warmup_samples)
            .count() as u64;
        if measured > 0 {
            result.sent += measured;
            let span_start = result.measured_span.map_or(woke, |(start, _)| start);
            result.measured_span = Some((span_start, woke));
        }
    }
    Ok(result)
}
