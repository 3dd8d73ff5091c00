//! The receiver thread: takes echoes with their kernel receive time, maps each back to the
//! sequence number it was sent with, and records the round trip.

use super::plan::Plan;
use super::realtime::setup_thread;
use super::socket::ProbeSocket;
use super::timeline::{Timeline, NO_TIME};
use gridhil_engine::clock::{Clock, RealClock};
use gridhil_engine::node::Batch;
use gridhil_engine::sample::SamplePool;
use gridhil_engine::stats::LatencyHistogram;
use gridhil_engine::units::Nanos;
use gridhil_netio::mmsg::Receiver;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

/// Receive buffer per datagram: the largest UDP payload.
const RECEIVE_BUFFER_BYTES: usize = 65_536;

/// Datagrams taken per `recvmmsg` call.
const RECEIVE_SLOTS: usize = 64;

/// Shortest automatic grace period after the last send.
const MIN_GRACE_NS: Nanos = 200_000_000;

/// Longest automatic grace period after the last send.
const MAX_GRACE_NS: Nanos = 10_000_000_000;

/// How many samples one datagram may decode into.
const DECODE_BATCH: usize = 256;

/// What the receiver saw.
pub struct ReceiverResult {
    /// Round-trip times of measured samples.
    pub rtt: LatencyHistogram,
    /// Receive time per sequence number ([`NO_TIME`] when never received).
    pub receive_times: Vec<Nanos>,
    /// Measured samples received (first copies).
    pub received: u64,
    /// Extra copies of measured samples.
    pub duplicates: u64,
    /// Measured samples that arrived after a later-sent one.
    pub reordered: u64,
    /// Datagrams or samples that were not the probe's: undecodable, truncated, or with a
    /// sequence number never sent.
    pub invalid: u64,
    /// Datagrams stamped by the kernel.
    pub kernel_stamped: u64,
    /// Datagrams stamped with `clock_gettime` (no kernel time stamp).
    pub user_stamped: u64,
    /// The first receive error other than a timeout.
    pub first_error: Option<String>,
    /// Whether the thread ran under SCHED_FIFO.
    pub fifo: bool,
    /// The grace period used after the last send.
    pub grace_ns: Nanos,
}

/// Receives until the sender has finished and every sent sample came back or the grace
/// period after the last send has passed.
pub fn run_receiver(
    plan: &Plan,
    socket: &ProbeSocket,
    timeline: &Timeline,
    stop: &AtomicBool,
) -> ReceiverResult {
    let fifo = setup_thread("receiver", plan.priority, plan.receiver_cpu);
    let clock = RealClock::default();
    let mut format = gridhil_formats::build(&plan.format);
    let pool = SamplePool::new(DECODE_BATCH + 1, plan.values().max(1));
    let mut batch = Batch::with_capacity(DECODE_BATCH);
    let mut batch_rx = Receiver::new(socket, RECEIVE_SLOTS, RECEIVE_BUFFER_BYTES);
    let mut state = ReceiverResult {
        rtt: LatencyHistogram::new(),
        receive_times: vec![NO_TIME; timeline.len()],
        received: 0,
        duplicates: 0,
        reordered: 0,
        invalid: 0,
        kernel_stamped: 0,
        user_stamped: 0,
        first_error: None,
        fifo,
        grace_ns: 0,
    };
    let mut newest_received: Option<u64> = None;
    let mut stop_at: Option<Nanos> = None;
    let mut spins: u32 = 0;
    loop {
        // Check the end conditions after every receive call in blocking mode; in busy-poll
        // mode after every batch received and every 1024 empty polls.
        if !plan.busy_poll || spins % 1024 == 0 {
            if let Some(sent) = timeline.sending_finished() {
                let deadline = *stop_at.get_or_insert_with(|| {
                    state.grace_ns = grace_ns(plan, &state.rtt);
                    clock.monotonic() + state.grace_ns
                });
                if state.received >= sent
                    || clock.monotonic() >= deadline
                    || stop.load(Ordering::Relaxed)
                {
                    break;
                }
            }
        }
        // Busy-poll never blocks; otherwise wait for the first datagram (at most the
        // socket's receive timeout), then take whatever else is queued.
        let count = match batch_rx.receive_raw(RECEIVE_SLOTS, !plan.busy_poll) {
            Ok(count) => {
                spins = 0;
                count
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                spins = spins.wrapping_add(1);
                if plan.busy_poll {
                    std::hint::spin_loop();
                }
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // E.g. ECONNREFUSED queued by an ICMP error: note it and go on.
                if state.first_error.is_none() {
                    state.first_error = Some(format!("receiving: {e}"));
                }
                continue;
            }
        };
        for i in 0..count {
            let Some(got) = batch_rx.message(i) else {
                break;
            };
            let received_at = match got.kernel_ts {
                Some(t) => {
                    state.kernel_stamped += 1;
                    t
                }
                None => {
                    state.user_stamped += 1;
                    clock.wall()
                }
            };
            if got.truncated {
                state.invalid += 1;
                continue;
            }
            if format
                .decode(got.data, &plan.signals, &pool, &mut batch)
                .is_err()
            {
                state.invalid += 1;
            }
            for sample in batch.drain() {
                let full = plan
                    .seq
                    .wire_seq(&sample)
                    .and_then(|wire| plan.seq.unwrap(wire, timeline.issued()));
                match full {
                    Some(seq) => {
                        state.account(plan, timeline, seq, received_at, &mut newest_received)
                    }
                    None => state.invalid += 1,
                }
            }
        }
    }
    state
}

impl ReceiverResult {
    /// Records the arrival of sequence number `seq` at `received_at`.
    fn account(
        &mut self,
        plan: &Plan,
        timeline: &Timeline,
        seq: u64,
        received_at: Nanos,
        newest: &mut Option<u64>,
    ) {
        let sent_at = timeline.send_time(seq);
        let Some(slot) = usize::try_from(seq)
            .ok()
            .and_then(|i| self.receive_times.get_mut(i))
        else {
            self.invalid += 1;
            return;
        };
        if sent_at == NO_TIME {
            self.invalid += 1;
            return;
        }
        let measured = seq >= plan.warmup_samples;
        if *slot != NO_TIME {
            self.duplicates += u64::from(measured);
            return;
        }
        *slot = received_at;
        if !measured {
            return;
        }
        self.received += 1;
        match newest {
            Some(n) if seq < *n => self.reordered += 1,
            _ => *newest = Some(seq),
        }
        self.rtt.record(received_at - sent_at);
    }
}

/// The grace period: as given, else 10 × p99 so far within [200 ms, 10 s].
fn grace_ns(plan: &Plan, rtt: &LatencyHistogram) -> Nanos {
    match plan.grace {
        Some(grace) => grace.as_nanos(),
        None => {
            let p99 = i64::try_from(rtt.quantile(0.99)).unwrap_or(MAX_GRACE_NS);
            p99.saturating_mul(10).clamp(MIN_GRACE_NS, MAX_GRACE_NS)
        }
    }
}
