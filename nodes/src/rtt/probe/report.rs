//! The measurement's summary: one JSON object for scripts, or a few readable lines.

use super::plan::Plan;
use super::receiver::ReceiverResult;
use super::sender::SenderResult;
use super::seq::SeqCarrier;
use gridhil_engine::stats::LatencyHistogram;
use serde_json::{json, Value as Json};
use std::net::SocketAddr;

/// Everything the probe reports.
pub struct Summary<'a> {
    /// The validated settings.
    pub plan: &'a Plan,
    /// The address actually bound.
    pub bound: SocketAddr,
    /// The sender's outcome.
    pub sender: &'a SenderResult,
    /// The receiver's outcome.
    pub receiver: &'a ReceiverResult,
    /// Where the HDF5 log went.
    pub log_file: Option<String>,
}

impl Summary<'_> {
    /// Measured samples sent but never received.
    pub fn lost(&self) -> u64 {
        self.sender.sent.saturating_sub(self.receiver.received)
    }

    /// Lost samples in percent of the sent ones (0 when nothing was sent).
    pub fn loss_percent(&self) -> f64 {
        if self.sender.sent == 0 {
            0.0
        } else {
            self.lost() as f64 * 100.0 / self.sender.sent as f64
        }
    }

    /// How receive times were taken: `kernel`, `user`, `mixed`, or `none`.
    pub fn timestamps(&self) -> &'static str {
        match (self.receiver.kernel_stamped, self.receiver.user_stamped) {
            (0, 0) => "none",
            (_, 0) => "kernel",
            (0, _) => "user",
            _ => "mixed",
        }
    }

    /// Thread scheduling in effect.
    pub fn scheduling(&self) -> String {
        match (self.sender.fifo, self.receiver.fifo) {
            (true, true) => format!("SCHED_FIFO {}", self.plan.priority),
            (false, false) => "normal".to_string(),
            (true, false) => format!("SCHED_FIFO {} (sender only)", self.plan.priority),
            (false, true) => format!("SCHED_FIFO {} (receiver only)", self.plan.priority),
        }
    }

    /// The summary as one JSON object.
    pub fn to_json(&self) -> Json {
        let plan = self.plan;
        let errors: Vec<&String> = [&self.sender.first_error, &self.receiver.first_error]
            .into_iter()
            .flatten()
            .collect();
        json!({
            "target": plan.target.to_string(),
            "bind": self.bound.to_string(),
            "format": plan.format.name(),
            "format_spec": plan.format_text,
            "rate_hz": plan.rate.hz(),
            "send_rate_hz": self.sender.achieved_rate_hz(),
            "values": plan.values(),
            "seq_carrier": match plan.seq.carrier() {
                SeqCarrier::Header => "header",
                SeqCarrier::Value0 => "value0",
            },
            "seq_bits": plan.seq.bits(),
            "warmup_samples": plan.warmup_samples,
            "planned": plan.measured_samples,
            "sent": self.sender.sent,
            "received": self.receiver.received,
            "lost": self.lost(),
            "loss_percent": self.loss_percent(),
            "duplicates": self.receiver.duplicates,
            "reordered": self.receiver.reordered,
            "invalid": self.receiver.invalid,
            "send_errors": self.sender.send_errors,
            "rtt_us": percentiles(&self.receiver.rtt),
            "send_jitter_us": percentiles(&self.sender.jitter),
            "timestamps": self.timestamps(),
            "scheduling": self.scheduling(),
            "busy_poll": plan.busy_poll,
            "grace_ms": self.receiver.grace_ns as f64 / 1e6,
            "interrupted": self.sender.interrupted,
            "log": self.log_file,
            "errors": errors,
        })
    }

    /// The summary as readable lines.
    pub fn to_text(&self) -> String {
        let plan = self.plan;
        let mut out = format!(
            "gridhil rtt: {} -> {} ({}), {} values at {}, {} samples measured after {} warm-up\n",
            self.bound,
            plan.target,
            plan.format.name(),
            plan.values(),
            plan.rate,
            plan.measured_samples,
            plan.warmup_samples,
        );
        out += &format!(
            "  sent {}, received {}, lost {} ({:.3} %), duplicates {}, reordered {}, invalid {}, send errors {}\n",
            self.sender.sent,
            self.receiver.received,
            self.lost(),
            self.loss_percent(),
            self.receiver.duplicates,
            self.receiver.reordered,
            self.receiver.invalid,
            self.sender.send_errors,
        );
        if let Some(achieved) = self.sender.achieved_rate_hz() {
            if achieved < plan.rate.hz() * 0.98 {
                out += &format!(
                    "  the sender fell behind: {achieved:.0} samples/s sent of {} asked\n",
                    plan.rate.hz()
                );
            }
        }
        out += &format!("  round trip  {}\n", text_percentiles(&self.receiver.rtt));
        out += &format!("  send jitter {}\n", text_percentiles(&self.sender.jitter));
        out += &format!(
            "  receive time stamps: {}; scheduling: {}; receive: {}\n",
            self.timestamps(),
            self.scheduling(),
            if plan.busy_poll {
                "busy-poll"
            } else {
                "blocking"
            }
        );
        for error in [&self.sender.first_error, &self.receiver.first_error]
            .into_iter()
            .flatten()
        {
            out += &format!("  first error: {error}\n");
        }
        if self.sender.interrupted {
            out += "  interrupted: sending stopped early\n";
        }
        if let Some(file) = &self.log_file {
            out += &format!("  log: {file}\n");
        }
        out
    }
}

/// Percentiles in µs (`null` figures when nothing was recorded).
fn percentiles(histogram: &LatencyHistogram) -> Json {
    let s = histogram.summary();
    let figure = |v: f64| if s.count == 0 { Json::Null } else { json!(v) };
    json!({
        "count": s.count,
        "min": figure(s.min),
        "p50": figure(s.p50),
        "p90": figure(s.p90),
        "p99": figure(s.p99),
        "p99_9": figure(s.p99_9),
        "max": figure(s.max),
        "mean": figure(s.mean),
    })
}

fn text_percentiles(histogram: &LatencyHistogram) -> String {
    let s = histogram.summary();
    if s.count == 0 {
        return "n/a (nothing recorded)".to_string();
    }
    format!(
        "µs: min {:.1} / p50 {:.1} / p90 {:.1} / p99 {:.1} / p99.9 {:.1} / max {:.1}",
        s.min, s.p50, s.p90, s.p99, s.p99_9, s.max
    )
}
