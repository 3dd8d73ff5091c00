//! `goose-subscriber`: receives one GOOSE control block from a raw Ethernet interface and
//! turns its dataset into samples, checking what a relay tester checks. Not here: the
//! stNum/sqNum arithmetic (`goose::SequenceTracker`) and the dataset's decoding
//! (`dataset.rs`).
//!
//! Frames are filtered by destination MAC, APPID, gocbRef (and source MAC); then counted:
//! new states, repeats, missed messages and states, duplicates, out of order, publisher
//! restarts, confRev and dataset mismatches (dropped), ndsCom (dropped), the simulation
//! bit (dropped unless `accept_simulation`), and the time allowed to live: when no frame
//! comes within the last one's timeAllowedtoLive the stream is lost, counted, and a
//! sample with the last values, `valid = false` and the INVALID flag goes out. A sample's
//! `ts_origin` is the message's `t` (the instant of the change), so the run log holds
//! the event-to-receive latency; its histogram is in the counters.

use super::dataset::{self, EntryConfig};
use super::node_error;
use super::publisher::check_visible;
use crate::goose::{is_goose, GooseFrameRepr, SequenceEvent, SequenceTracker, ETHERTYPE_GOOSE};
use crate::sv::{MacAddress, MAX_FRAME_LEN};
use crate::sv_nodes::config::parse_mac;
use crate::sv_nodes::subscriber::Membership;
use gridhil_engine::node::{
    Batch, BuildContext, ConfigContext, Due, NodeConfig, NodeCounters, NodeError, NodeIo,
    NodeReader, ReadContext,
};
use gridhil_engine::sample::SampleFlags;
use gridhil_engine::signal::{Signal, SignalType, Value};
use gridhil_engine::stats::{Counter, CounterValue, LatencyHistogram};
use gridhil_engine::units::Nanos;
use gridhil_engine::FieldError;
use gridhil_netio::packet::{FrameReceiver, PacketSocket};
use gridhil_netio::ReceiveTimestamps;
use serde::Deserialize;
use std::sync::Arc;

/// Which messages become samples.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum EmitPolicy {
    /// New states, the first message, a lost stream and its return.
    #[default]
    Changes,
    /// Every accepted message (repeats too).
    Every,
}

/// Configuration of a `goose-subscriber` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GooseSubscriberConfig {
    /// Network interface to receive on.
    pub interface: String,
    /// Only this gocbRef.
    pub gocb_ref: String,
    /// Only this APPID (any when absent).
    pub app_id: Option<u16>,
    /// Only frames to this destination MAC (any when absent).
    pub dst: Option<String>,
    /// Only frames from this source MAC (any when absent).
    pub src: Option<String>,
    /// Expected datSet; a different one is a dataset mismatch (not checked when absent).
    pub dat_set: Option<String>,
    /// Expected confRev; a different one is counted and the message dropped.
    pub conf_rev: Option<u32>,
    /// The expected dataset: one entry per signal (structures nested).
    pub dataset: Vec<EntryConfig>,
    /// Use messages with the simulation bit set (they carry the TEST flag).
    #[serde(default)]
    pub accept_simulation: bool,
    /// Which messages become samples.
    #[serde(default)]
    pub emit: EmitPolicy,
    /// Multicast/promiscuous membership.
    #[serde(default)]
    pub membership: Membership,
    /// Source of `ts_received`.
    #[serde(default)]
    pub timestamps: ReceiveTimestamps,
    /// `SO_RCVBUF` in bytes.
    #[serde(default = "default_receive_buffer")]
    pub receive_buffer: usize,
}

fn default_receive_buffer() -> usize {
    1 << 20
}

/// Signal with the message's stNum.
pub const ST_NUM_SIGNAL: &str = "st_num";
/// Signal with the message's sqNum.
pub const SQ_NUM_SIGNAL: &str = "sq_num";
/// Signal that is false while the stream is lost (time allowed to live expired).
pub const VALID_SIGNAL: &str = "valid";

/// Counters of a `goose-subscriber` node.
#[derive(Debug, Default)]
pub struct GooseSubscriberCounters {
    frames: Counter,
    messages: Counter,
    new_states: Counter,
    repeats: Counter,
    missed_messages: Counter,
    missed_states: Counter,
    duplicates: Counter,
    out_of_order: Counter,
    restarts: Counter,
    tal_expired: Counter,
    conf_rev_mismatch: Counter,
    dataset_mismatch: Counter,
    needs_commissioning: Counter,
    simulated: Counter,
    filtered: Counter,
    malformed: Counter,
    truncated: Counter,
    batch_overflow: Counter,
    receive_errors: Counter,
    latency: LatencyHistogram,
}

impl NodeCounters for GooseSubscriberCounters {
    fn snapshot(&self) -> Vec<CounterValue> {
        let latency = self.latency.snapshot();
        vec![
            CounterValue::info("frames", self.frames.get()),
            CounterValue::info("messages", self.messages.get()),
            CounterValue::info("new_states", self.new_states.get()),
            CounterValue::info("repeats", self.repeats.get()),
            CounterValue::problem("missed_messages", self.missed_messages.get()),
            CounterValue::problem("missed_states", self.missed_states.get()),
            CounterValue::problem("duplicates", self.duplicates.get()),
            CounterValue::problem("out_of_order", self.out_of_order.get()),
            CounterValue::info("restarts", self.restarts.get()),
            CounterValue::problem("tal_expired", self.tal_expired.get()),
            CounterValue::problem("conf_rev_mismatch", self.conf_rev_mismatch.get()),
            CounterValue::problem("dataset_mismatch", self.dataset_mismatch.get()),
            CounterValue::problem("needs_commissioning", self.needs_commissioning.get()),
            CounterValue::info("simulated", self.simulated.get()),
            CounterValue::info("filtered", self.filtered.get()),
            CounterValue::problem("malformed", self.malformed.get()),
            CounterValue::problem("truncated", self.truncated.get()),
            CounterValue::problem("batch_overflow", self.batch_overflow.get()),
            CounterValue::problem("receive_errors", self.receive_errors.get()),
            CounterValue::info("event_latency_count", latency.count),
            CounterValue::info("event_latency_p50_ns", latency.quantile(0.5)),
            CounterValue::info("event_latency_p99_ns", latency.quantile(0.99)),
            CounterValue::info("event_latency_max_ns", latency.max_ns),
        ]
    }
}

impl GooseSubscriberConfig {
    fn check(&self) -> Result<(), FieldError> {
        if self.interface.is_empty() {
            return Err(FieldError::at(
                "interface",
                "`interface` is empty (set it, e.g. --set nodes.NAME.interface=eth1)",
            ));
        }
        check_visible("gocb_ref", &self.gocb_ref)?;
        if let Some(dat_set) = &self.dat_set {
            check_visible("dat_set", dat_set)?;
        }
        for (field, mac) in [("dst", &self.dst), ("src", &self.src)] {
            if let Some(mac) = mac {
                parse_mac(field, mac)?;
            }
        }
        dataset::validate(&self.dataset, "dataset")?;
        let names = dataset::signals(&self.dataset);
        if let Some(clash) = names
            .iter()
            .find(|s| [ST_NUM_SIGNAL, SQ_NUM_SIGNAL, VALID_SIGNAL].contains(&s.name.as_str()))
        {
            return Err(FieldError::at(
                "dataset",
                format!("`dataset`: `{}` is the name of a status signal", clash.name),
            ));
        }
        Ok(())
    }

    fn signals(&self) -> Vec<Signal> {
        let mut signals = dataset::signals(&self.dataset);
        signals.push(Signal::new(ST_NUM_SIGNAL, "", SignalType::I64));
        signals.push(Signal::new(SQ_NUM_SIGNAL, "", SignalType::I64));
        signals.push(Signal::new(VALID_SIGNAL, "", SignalType::Bool));
        signals
    }
}

impl NodeConfig for GooseSubscriberConfig {
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), FieldError> {
        self.check()
    }

    fn output_signals(&self) -> Vec<Signal> {
        self.signals()
    }

    fn accepts_input(&self) -> bool {
        false
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let config = |e: FieldError| NodeError::Config(e.to_string());
        self.check().map_err(config)?;
        let mac = |field, text: &Option<String>| {
            text.as_deref()
                .map(|t| parse_mac(field, t))
                .transpose()
                .map_err(config)
        };
        let filter = Filter {
            gocb_ref: self.gocb_ref.clone(),
            app_id: self.app_id,
            dst: mac("dst", &self.dst)?,
            src: mac("src", &self.src)?,
        };
        let socket = PacketSocket::open(&self.interface, ETHERTYPE_GOOSE).map_err(node_error)?;
        socket
            .set_receive_buffer(self.receive_buffer)
            .map_err(node_error)?;
        let kernel_timestamps = self.timestamps == ReceiveTimestamps::Kernel && !ctx.virtual_time();
        if kernel_timestamps {
            socket.enable_timestamps().map_err(node_error)?;
        }
        match self.membership {
            Membership::Allmulti => socket.join(false).map_err(node_error)?,
            Membership::Promiscuous => socket.join(true).map_err(node_error)?,
            Membership::None => {}
        }
        let receiver = FrameReceiver::with_sources(&socket, 16, MAX_FRAME_LEN);
        let counters = Arc::new(GooseSubscriberCounters::default());
        let state = StreamState::new(self.clone(), filter, Arc::clone(&counters));
        Ok(NodeIo {
            reader: Some(Box::new(GooseSubscriberReader {
                socket,
                receiver,
                kernel_timestamps,
                state,
            })),
            writer: None,
            counters: Some(counters),
        })
    }
}

/// Which frames the subscriber keeps.
#[derive(Debug, Clone)]
struct Filter {
    gocb_ref: String,
    app_id: Option<u16>,
    dst: Option<MacAddress>,
    src: Option<MacAddress>,
}

impl Filter {
    fn keeps(&self, frame: &GooseFrameRepr<'_>) -> bool {
        frame.pdu.gocb_ref == self.gocb_ref
            && self.app_id.is_none_or(|id| id == frame.header.app_id)
            && self.dst.is_none_or(|mac| mac == frame.ethernet.dst)
            && self.src.is_none_or(|mac| mac == frame.ethernet.src)
    }
}

/// What the subscriber knows about its stream; decodes one frame into samples without
/// allocating (the value buffer is sized once).
struct StreamState {
    config: GooseSubscriberConfig,
    filter: Filter,
    tracker: SequenceTracker,
    /// Leaves of the last accepted message.
    values: Vec<Value>,
    /// Leaves being decoded.
    decoding: Vec<Value>,
    last: Option<(u32, u32)>,
    last_origin: Nanos,
    /// Monotonic instant when the last message's time allowed to live runs out.
    deadline: Option<Nanos>,
    /// Whether the stream is lost (expired and nothing since).
    lost: bool,
    counters: Arc<GooseSubscriberCounters>,
}

impl StreamState {
    fn new(
        config: GooseSubscriberConfig,
        filter: Filter,
        counters: Arc<GooseSubscriberCounters>,
    ) -> StreamState {
        let leaves = dataset::leaf_count(&config.dataset);
        StreamState {
            config,
            filter,
            tracker: SequenceTracker::new(),
            values: vec![Value::default(); leaves],
            decoding: vec![Value::default(); leaves],
            last: None,
            last_origin: 0,
            deadline: None,
            lost: false,
            counters,
        }
    }

    /// Handles one received frame: `now` is the engine's monotonic time of the read,
    /// `received` the wall-clock receive time (0: the engine stamps it).
    fn handle_frame(
        &mut self,
        data: &[u8],
        now: Nanos,
        received: Nanos,
        wall: Nanos,
        ctx: &mut ReadContext<'_>,
        out: &mut Batch,
    ) {
        if !is_goose(data) {
            return;
        }
        self.counters.frames.inc();
        let Ok(frame) = GooseFrameRepr::parse(data) else {
            self.counters.malformed.inc();
            return;
        };
        if !self.filter.keeps(&frame) {
            self.counters.filtered.inc();
            return;
        }
        let pdu = &frame.pdu;
        let simulated = pdu.simulation || frame.header.simulation;
        if simulated {
            self.counters.simulated.inc();
            if !self.config.accept_simulation {
                return;
            }
        }
        if self.config.conf_rev.is_some_and(|rev| rev != pdu.conf_rev) {
            self.counters.conf_rev_mismatch.inc();
            return;
        }
        if pdu.nds_com {
            self.counters.needs_commissioning.inc();
            return;
        }
        if self
            .config
            .dat_set
            .as_deref()
            .is_some_and(|d| d != pdu.dat_set)
        {
            self.counters.dataset_mismatch.inc();
            return;
        }
        let mut index = 0;
        let decoding = &mut self.decoding;
        let matched = dataset::decode(&self.config.dataset, &pdu.all_data, &mut |v| {
            if let Some(slot) = decoding.get_mut(index) {
                *slot = v;
            }
            index += 1;
        });
        if !matched {
            self.counters.dataset_mismatch.inc();
            return;
        }
        let event = self.tracker.observe(pdu.st_num, pdu.sq_num);
        let new_state = match event {
            SequenceEvent::First => true,
            SequenceEvent::NewState {
                missed_states,
                missed_repeats,
            } => {
                self.counters.missed_states.add(u64::from(missed_states));
                self.counters.missed_messages.add(u64::from(missed_repeats));
                true
            }
            SequenceEvent::Restart => {
                self.counters.restarts.inc();
                true
            }
            SequenceEvent::Repeat { missed } => {
                self.counters.repeats.inc();
                self.counters.missed_messages.add(u64::from(missed));
                false
            }
            SequenceEvent::Duplicate => {
                self.counters.duplicates.inc();
                return;
            }
            SequenceEvent::OutOfOrder => {
                self.counters.out_of_order.inc();
                return;
            }
        };
        self.counters.messages.inc();
        if new_state {
            self.counters.new_states.inc();
        }
        // The first message's `t` is whenever its state began: only changes seen while
        // following the stream measure the event-to-receive latency.
        if new_state && event != SequenceEvent::First {
            let at = if received != 0 { received } else { wall };
            let latency = at - pdu.t.to_unix_nanos();
            if latency >= 0 {
                self.counters.latency.record(latency);
            }
        }
        self.values.copy_from_slice(&self.decoding);
        self.last = Some((pdu.st_num, pdu.sq_num));
        self.last_origin = pdu.t.to_unix_nanos();
        self.deadline = Some(now + i64::from(pdu.time_allowed_to_live) * 1_000_000);
        let recovered = std::mem::replace(&mut self.lost, false);
        if new_state || recovered || self.config.emit == EmitPolicy::Every {
            let flags = if simulated {
                SampleFlags(SampleFlags::TEST)
            } else {
                SampleFlags::default()
            };
            self.emit(received, flags, true, ctx, out);
        }
    }

    /// Checks the time allowed to live at `now`: when it ran out, the stream is lost.
    fn check_expiry(&mut self, now: Nanos, ctx: &mut ReadContext<'_>, out: &mut Batch) {
        let Some(deadline) = self.deadline else {
            return;
        };
        if now <= deadline || self.lost {
            return;
        }
        self.lost = true;
        self.deadline = None;
        self.tracker.reset();
        self.counters.tal_expired.inc();
        self.emit(0, SampleFlags(SampleFlags::INVALID), false, ctx, out);
    }

    fn emit(
        &mut self,
        received: Nanos,
        flags: SampleFlags,
        valid: bool,
        ctx: &mut ReadContext<'_>,
        out: &mut Batch,
    ) {
        if out.is_full() {
            self.counters.batch_overflow.inc();
            return;
        }
        let Some(mut sample) = ctx.pool.alloc() else {
            self.counters.batch_overflow.inc();
            return;
        };
        for value in &self.values {
            let _ = sample.push(*value);
        }
        let (st, sq) = self.last.unwrap_or_default();
        let _ = sample.push(Value::I64(i64::from(st)));
        let _ = sample.push(Value::I64(i64::from(sq)));
        let _ = sample.push(Value::Bool(valid));
        sample.seq = self.counters.messages.get() + self.counters.tal_expired.get();
        sample.ts_origin = if valid { self.last_origin } else { 0 };
        sample.ts_received = received;
        sample.flags = flags;
        if out.push(sample).is_err() {
            self.counters.batch_overflow.inc();
        }
    }

    /// How long a read may wait before the time allowed to live needs a look.
    fn wait_limit(&self, now: Nanos, timeout: Nanos) -> Nanos {
        match self.deadline {
            Some(deadline) if !self.lost => timeout.min((deadline - now).max(0) + 1),
            _ => timeout,
        }
    }
}

struct GooseSubscriberReader {
    socket: PacketSocket,
    receiver: FrameReceiver,
    kernel_timestamps: bool,
    state: StreamState,
}

impl NodeReader for GooseSubscriberReader {
    fn due(&self) -> Due {
        Due::Event
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        let wait = self.state.wait_limit(ctx.now, ctx.timeout);
        if wait > 0 {
            let readable = self
                .socket
                .wait_readable(wait)
                .map_err(|e| NodeError::io(format!("poll on `{}`", self.socket.interface()), e))?;
            if !readable {
                let now = ctx.current_time();
                self.state.check_expiry(now, ctx, out);
                return Ok(());
            }
        }
        let room = out.remaining().max(1);
        let n = match self.receiver.receive(room.min(16)) {
            Ok(n) => n,
            Err(e) => {
                self.state.counters.receive_errors.inc();
                return Err(NodeError::io(
                    format!("recvmmsg on `{}`", self.socket.interface()),
                    e,
                ));
            }
        };
        let now = ctx.current_time();
        let wall = ctx.wall + (now - ctx.now);
        for i in 0..n {
            let Some(frame) = self.receiver.message(i) else {
                break;
            };
            if frame.is_outgoing() {
                continue;
            }
            if frame.truncated {
                self.state.counters.frames.inc();
                self.state.counters.truncated.inc();
                continue;
            }
            let received = match (self.kernel_timestamps, frame.kernel_ts) {
                (true, Some(ts)) => ts,
                _ => 0,
            };
            self.state
                .handle_frame(frame.data, now, received, wall, ctx, out);
        }
        self.state.check_expiry(now, ctx, out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goose::{Data, DataList, GoosePduRepr};
    use crate::sv::{EthernetRepr, SvHeaderRepr, UtcTime};
    use gridhil_engine::clock::VirtualClock;
    use gridhil_engine::sample::{SamplePool, SampleRef};

    const CONFIG: &str = "interface = \"lo\"\ngocb_ref = \"R1LD0/LLN0$GO$trip\"\nconf_rev = 1\ndat_set = \"R1LD0/LLN0$Trip\"\ndataset = [{ name = \"trip\", type = \"boolean\" }, { name = \"q\", type = \"quality\" }]\n";
    const T0: Nanos = 1_700_000_000_000_000_000;
    const MS: Nanos = 1_000_000;

    fn state() -> StreamState {
        let config: GooseSubscriberConfig = toml::from_str(CONFIG).unwrap();
        let filter = Filter {
            gocb_ref: config.gocb_ref.clone(),
            app_id: Some(1),
            dst: None,
            src: None,
        };
        StreamState::new(config, filter, Arc::new(GooseSubscriberCounters::default()))
    }

    struct Message {
        st: u32,
        sq: u32,
        trip: bool,
        conf_rev: u32,
        simulation: bool,
        gocb_ref: &'static str,
    }

    fn msg(st: u32, sq: u32, trip: bool) -> Message {
        Message {
            st,
            sq,
            trip,
            conf_rev: 1,
            simulation: false,
            gocb_ref: "R1LD0/LLN0$GO$trip",
        }
    }

    fn frame(m: &Message) -> Vec<u8> {
        let q = [0u8, 0];
        let items = [
            Data::Boolean(m.trip),
            Data::BitString(crate::goose::BitString {
                padding: 3,
                bytes: &q,
            }),
        ];
        let repr = GooseFrameRepr {
            ethernet: EthernetRepr {
                dst: MacAddress([1, 0x0c, 0xcd, 1, 0, 1]),
                src: MacAddress([2, 0, 0, 0, 0, 1]),
                vlan: None,
                ethertype: ETHERTYPE_GOOSE,
            },
            header: SvHeaderRepr {
                app_id: 1,
                ..SvHeaderRepr::default()
            },
            pdu: GoosePduRepr {
                gocb_ref: m.gocb_ref,
                time_allowed_to_live: 20,
                dat_set: "R1LD0/LLN0$Trip",
                go_id: None,
                t: UtcTime::from_unix_nanos(T0 + i64::from(m.st - 1) * MS, 24),
                st_num: m.st,
                sq_num: m.sq,
                simulation: m.simulation,
                conf_rev: m.conf_rev,
                nds_com: false,
                num_dat_set_entries: 2,
                all_data: DataList::Items(&items),
            },
        };
        let mut buf = vec![0u8; repr.buffer_len()];
        repr.emit(&mut buf).unwrap();
        buf
    }

    /// Feeds messages at the given monotonic instants (ms), checking expiry after each.
    fn feed(st: &mut StreamState, messages: &[(Nanos, Message)], end: Nanos) -> Vec<SampleRef> {
        let clock = VirtualClock::new(0);
        let pool = SamplePool::new(64, 8);
        let mut ctx = ReadContext::new(&clock, &pool, 0, None);
        let mut out = Batch::with_capacity(64);
        for (at, m) in messages {
            let now = at * MS;
            st.check_expiry(now, &mut ctx, &mut out);
            st.handle_frame(&frame(m), now, 0, T0 + now + 500_000, &mut ctx, &mut out);
        }
        st.check_expiry(end * MS, &mut ctx, &mut out);
        out.drain().collect()
    }

    fn counter(st: &StreamState, name: &str) -> u64 {
        st.counters
            .snapshot()
            .into_iter()
            .find(|c| c.name == name)
            .map(|c| c.value)
            .unwrap()
    }

    #[test]
    fn states_repeats_and_expiry_become_samples_and_counters() {
        let mut st = state();
        let mut other_ref = msg(9, 0, true);
        other_ref.gocb_ref = "R2LD0/LLN0$GO$trip";
        let mut wrong_rev = msg(9, 0, true);
        wrong_rev.conf_rev = 2;
        let mut simulated = msg(9, 0, true);
        simulated.simulation = true;
        let samples = feed(
            &mut st,
            &[
                (0, msg(1, 0, false)),
                (2, msg(1, 1, false)),
                (6, msg(1, 3, false)), // one repeat missed
                (7, msg(1, 3, false)), // duplicate
                (8, msg(2, 0, true)),  // new state: trip
                (9, msg(1, 5, false)), // out of order
                (9, other_ref),
                (9, wrong_rev),
                (9, simulated),
                (10, msg(2, 1, true)),
                // nothing for 40 ms: TAL (20 ms) runs out at 30 ms
                (50, msg(4, 0, false)), // back, one state missed
            ],
            100,
        );
        let shape: Vec<(bool, i64, bool)> = samples
            .iter()
            .map(|s| {
                let v = s.values();
                (
                    v[0] == Value::Bool(true),
                    v[2].as_i64(),
                    v[4] == Value::Bool(true),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (false, 1, true),
                (true, 2, true),
                (true, 2, false), // lost: last values, valid false
                (false, 4, true),
                (false, 4, false), // lost again at the end
            ]
        );
        assert!(samples[2].flags.contains(SampleFlags::INVALID));
        // t is the change's instant (UtcTime keeps 2^-24 s).
        assert!((samples[1].ts_origin - (T0 + MS)).abs() < 60);
        for (name, value) in [
            ("messages", 6),
            ("new_states", 3),
            ("repeats", 3),
            ("missed_messages", 1),
            ("missed_states", 0),
            ("duplicates", 1),
            ("out_of_order", 1),
            ("filtered", 1),
            ("conf_rev_mismatch", 1),
            ("simulated", 1),
            ("tal_expired", 2),
            ("event_latency_count", 1),
        ] {
            assert_eq!(counter(&st, name), value, "{name}");
        }
        // After the first expiry the tracker starts over: st 4 is a first message, so no
        // missed state is counted across the gap.
    }

    #[test]
    fn a_dataset_of_another_shape_is_a_mismatch() {
        let mut st = state();
        st.config.dataset.pop();
        feed(&mut st, &[(0, msg(1, 0, true))], 1);
        assert_eq!(counter(&st, "dataset_mismatch"), 1);
        assert_eq!(counter(&st, "messages"), 0);
    }
}
