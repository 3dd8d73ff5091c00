//! `sv-subscriber`: receives one IEC 61850-9-2 sampled-values stream from a raw
//! Ethernet interface and turns each ASDU into a sample.
//!
//! By default the socket is bound to EtherType 0x88BA, so the kernel hands over SV
//! frames only, tagged or not: it takes an 802.1Q tag off before the protocol match
//! (and forgets it when no VLAN device claims it). A `vlan_id` filter, or
//! `ethertype = "all"`, binds `ETH_P_ALL` instead: such a socket sees frames before
//! the tag is dropped, reads it from `PACKET_AUXDATA`, and skips frames of other
//! EtherTypes and frames this host sends. Frames are filtered by APPID, source MAC,
//! VLAN id and svID; values are scaled to A and V, smpCnt is followed for lost,
//! duplicate and out-of-order samples, and `ts_received` is the kernel's receive
//! time (`SO_TIMESTAMPNS`).

use super::config::{default_profile, parse_mac, resolve_profile, time_of_smp_cnt};
use super::node_error;
use crate::sv::ETHERTYPE_SV;
use crate::sv::{
    AsduRepr, Dataset, MacAddress, Measurement, SmpCntEvent, SmpCntTracker, SvFrameRepr, Validity,
    MAX_FRAME_LEN,
};
use gridhil_engine::node::{
    Batch, BuildContext, ConfigContext, Due, NodeConfig, NodeCounters, NodeError, NodeIo,
    NodeReader, ReadContext,
};
use gridhil_engine::sample::SampleFlags;
use gridhil_engine::signal::{Signal, SignalType, Value};
use gridhil_engine::stats::{Counter, CounterValue};
use gridhil_engine::units::Nanos;
use gridhil_engine::FieldError;
use gridhil_netio::packet::{FrameReceiver, PacketSocket, ETH_P_ALL};
use serde::Deserialize;
use std::sync::Arc;

/// How the quality words of received ASDUs appear in samples.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum QualityOutput {
    /// One `i64` signal `quality`: the bitwise OR of every channel's quality word.
    #[default]
    Combined,
    /// One `i64` signal `<channel>_q` after each value.
    PerChannel,
    /// No quality signal.
    None,
}

/// Which frames reach the socket besides those addressed to the interface.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Membership {
    /// Every multicast frame (`PACKET_MR_ALLMULTI`), which covers SV's 01-0C-CD-04-xx-xx.
    #[default]
    Allmulti,
    /// Every frame (`PACKET_MR_PROMISC`).
    Promiscuous,
    /// Only what the interface already accepts.
    None,
}

/// Which EtherTypes the socket is bound to.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum EthertypeBinding {
    /// 0x88BA only (VLAN tags are gone by the time the frame matches).
    #[default]
    Sv,
    /// Every EtherType (`ETH_P_ALL`), keeping VLAN tags in `PACKET_AUXDATA`; other
    /// EtherTypes and outgoing frames are skipped. Implied by `vlan_id`.
    All,
}

pub use gridhil_netio::ReceiveTimestamps;

/// Configuration of an `sv-subscriber` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SvSubscriberConfig {
    /// Network interface to receive on.
    pub interface: String,
    /// Only this APPID (any when absent).
    pub app_id: Option<u16>,
    /// Only ASDUs with this svID (any when absent).
    pub sv_id: Option<String>,
    /// Only frames from this source MAC (any when absent).
    pub src: Option<String>,
    /// Only frames with this VLAN id (any, tagged or not, when absent); binds `ETH_P_ALL`.
    pub vlan_id: Option<u16>,
    /// EtherType binding of the socket.
    #[serde(default)]
    pub ethertype: EthertypeBinding,
    /// Profile of the stream (dataset, rate): as for `sv-publisher`.
    #[serde(default = "default_profile")]
    pub profile: String,
    /// 9-2LE samples per cycle: 80 or 256.
    pub samples_per_cycle: Option<u32>,
    /// 9-2LE nominal frequency: 50 or 60 Hz.
    pub frequency: Option<u32>,
    /// Quality signals.
    #[serde(default)]
    pub quality: QualityOutput,
    /// Multicast/promiscuous membership.
    #[serde(default)]
    pub membership: Membership,
    /// Source of `ts_received`.
    #[serde(default)]
    pub timestamps: ReceiveTimestamps,
    /// Most frames per `recvmmsg`.
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// `SO_RCVBUF` in bytes.
    #[serde(default = "default_receive_buffer")]
    pub receive_buffer: usize,
}

fn default_batch() -> usize {
    64
}
fn default_receive_buffer() -> usize {
    4 << 20
}

/// Name of the smpCnt signal.
pub const SMP_CNT_SIGNAL: &str = "smp_cnt";
/// Name of the combined quality signal.
pub const QUALITY_SIGNAL: &str = "quality";

/// Counters of an `sv-subscriber` node.
#[derive(Debug, Default)]
pub struct SvSubscriberCounters {
    frames: Counter,
    asdus: Counter,
    lost: Counter,
    duplicates: Counter,
    out_of_order: Counter,
    conf_rev_changes: Counter,
    malformed: Counter,
    filtered: Counter,
    not_sv: Counter,
    truncated: Counter,
    batch_overflow: Counter,
    receive_errors: Counter,
}

impl NodeCounters for SvSubscriberCounters {
    fn snapshot(&self) -> Vec<CounterValue> {
        vec![
            CounterValue::info("frames", self.frames.get()),
            CounterValue::info("asdus", self.asdus.get()),
            CounterValue::problem("lost", self.lost.get()),
            CounterValue::problem("duplicates", self.duplicates.get()),
            CounterValue::problem("out_of_order", self.out_of_order.get()),
            CounterValue::info("conf_rev_changes", self.conf_rev_changes.get()),
            CounterValue::problem("malformed", self.malformed.get()),
            CounterValue::info("filtered", self.filtered.get()),
            CounterValue::problem("not_sv", self.not_sv.get()),
            CounterValue::problem("truncated", self.truncated.get()),
            CounterValue::problem("batch_overflow", self.batch_overflow.get()),
            CounterValue::problem("receive_errors", self.receive_errors.get()),
        ]
    }
}

impl SvSubscriberConfig {
    fn dataset_and_rate(&self) -> Result<(Dataset, u32, u8), FieldError> {
        let profile = resolve_profile(&self.profile, self.samples_per_cycle, self.frequency)?;
        Ok((
            profile.dataset(),
            profile.sample_rate,
            profile.asdus_per_frame,
        ))
    }

    fn signals(&self) -> Result<Vec<Signal>, FieldError> {
        let (dataset, _, _) = self.dataset_and_rate()?;
        let mut signals = Vec::new();
        for channel in dataset.channels() {
            let name = channel.name.to_ascii_lowercase();
            let unit = match name.chars().next() {
                Some('i') => "A",
                Some('v' | 'u') => "V",
                _ => "",
            };
            signals.push(Signal::new(name.clone(), unit, SignalType::F64));
            if self.quality == QualityOutput::PerChannel && channel.with_quality {
                signals.push(Signal::new(format!("{name}_q"), "", SignalType::I64));
            }
        }
        signals.push(Signal::new(SMP_CNT_SIGNAL, "", SignalType::I64));
        if self.quality == QualityOutput::Combined {
            signals.push(Signal::new(QUALITY_SIGNAL, "", SignalType::I64));
        }
        Ok(signals)
    }
}

impl NodeConfig for SvSubscriberConfig {
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), FieldError> {
        if self.interface.is_empty() {
            return Err(FieldError::at(
                "interface",
                "`interface` is empty (set it, e.g. --set nodes.NAME.interface=eth1)",
            ));
        }
        if self.batch == 0 || self.batch > 1024 {
            return Err(FieldError::at("batch", "`batch` must be 1–1024"));
        }
        if let Some(src) = &self.src {
            parse_mac("src", src)?;
        }
        if self.vlan_id.is_some_and(|id| id > 4095) {
            return Err(FieldError::at("vlan_id", "`vlan_id` must be 0–4095"));
        }
        self.signals().map(|_| ())
    }

    fn output_signals(&self) -> Vec<Signal> {
        self.signals().unwrap_or_default()
    }

    fn accepts_input(&self) -> bool {
        false
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let config_error = |e: FieldError| NodeError::Config(e.to_string());
        let (dataset, rate, asdus_per_frame) = self.dataset_and_rate().map_err(config_error)?;
        let src = self
            .src
            .as_deref()
            .map(|s| parse_mac("src", s))
            .transpose()
            .map_err(config_error)?;
        let protocol = if self.vlan_id.is_some() || self.ethertype == EthertypeBinding::All {
            ETH_P_ALL
        } else {
            ETHERTYPE_SV
        };
        let socket = PacketSocket::open(&self.interface, protocol).map_err(node_error)?;
        socket
            .set_receive_buffer(self.receive_buffer)
            .map_err(node_error)?;
        socket.enable_auxdata().map_err(node_error)?;
        let kernel_timestamps = self.timestamps == ReceiveTimestamps::Kernel && !ctx.virtual_time();
        if kernel_timestamps {
            socket.enable_timestamps().map_err(node_error)?;
        }
        match self.membership {
            Membership::Allmulti => socket.join(false).map_err(node_error)?,
            Membership::Promiscuous => socket.join(true).map_err(node_error)?,
            Membership::None => {}
        }
        let receiver = FrameReceiver::with_sources(
            &socket,
            self.batch.min(ctx.batch_size.max(1)),
            MAX_FRAME_LEN,
        );
        let counters = Arc::new(SvSubscriberCounters::default());
        let state = StreamState::new(
            dataset,
            rate,
            Filter {
                app_id: self.app_id,
                sv_id: self.sv_id.clone(),
                src,
                vlan_id: self.vlan_id,
            },
            self.quality,
            Arc::clone(&counters),
        );
        let reader = SvSubscriberReader {
            asdus_per_frame: usize::from(asdus_per_frame.max(1)),
            kernel_timestamps,
            receiver,
            socket,
            state,
        };
        Ok(NodeIo {
            reader: Some(Box::new(reader)),
            writer: None,
            counters: Some(counters),
        })
    }
}

/// Which frames and ASDUs the subscriber keeps.
#[derive(Debug, Clone)]
struct Filter {
    app_id: Option<u16>,
    sv_id: Option<String>,
    src: Option<MacAddress>,
    vlan_id: Option<u16>,
}

impl Filter {
    fn frame(&self, frame: &SvFrameRepr<'_>, stripped_tci: Option<u16>) -> bool {
        if self.app_id.is_some_and(|id| id != frame.header.app_id) {
            return false;
        }
        if self.src.is_some_and(|mac| mac != frame.ethernet.src) {
            return false;
        }
        if let Some(want) = self.vlan_id {
            let vid = frame
                .ethernet
                .vlan
                .map(|tag| tag.vid)
                .or(stripped_tci.map(|tci| tci & 0x0fff));
            if vid != Some(want) {
                return false;
            }
        }
        true
    }

    fn asdu(&self, asdu: &AsduRepr<'_>) -> bool {
        self.sv_id.as_deref().is_none_or(|id| id == asdu.sv_id)
    }
}

struct SvSubscriberReader {
    socket: PacketSocket,
    receiver: FrameReceiver,
    asdus_per_frame: usize,
    kernel_timestamps: bool,
    state: StreamState,
}

impl SvSubscriberReader {
    /// Receives what is waiting (up to what `out` can hold); returns the frames read.
    fn receive_once(
        &mut self,
        ctx: &mut ReadContext<'_>,
        out: &mut Batch,
    ) -> Result<usize, NodeError> {
        // Only as many frames as the batch has room for all their ASDUs (at least
        // one frame into an empty batch), so nothing received is dropped for space.
        let room = out.remaining() / self.asdus_per_frame;
        if room == 0 && !out.is_empty() {
            return Ok(0);
        }
        let max_frames = room.max(1);
        let n = match self.receiver.receive(max_frames) {
            Ok(n) => n,
            Err(e) => {
                self.state.counters.receive_errors.inc();
                return Err(NodeError::io(
                    format!("recvmmsg on `{}`", self.socket.interface()),
                    e,
                ));
            }
        };
        // Without a kernel time stamp the engine stamps the sample when the read returns.
        let fallback = 0;
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
            let ts = match (self.kernel_timestamps, frame.kernel_ts) {
                (true, Some(ts)) => ts,
                _ => fallback,
            };
            self.state
                .handle_frame(frame.data, frame.vlan_tci, ts, ctx, out);
        }
        Ok(n)
    }
}

/// Whether a frame carries EtherType 0x88BA, directly or after one 802.1Q tag.
fn is_sv(frame: &[u8]) -> bool {
    let ethertype = |at: usize| {
        frame
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    match ethertype(12) {
        Some(ETHERTYPE_SV) => true,
        Some(0x8100) => ethertype(16) == Some(ETHERTYPE_SV),
        _ => false,
    }
}

/// What the subscriber knows about its stream, and the decoding of one frame into
/// samples (no allocation: the measurement buffer is sized once).
struct StreamState {
    dataset: Dataset,
    measurements: Vec<Measurement>,
    filter: Filter,
    rate: u32,
    quality: QualityOutput,
    tracker: SmpCntTracker,
    /// Running sample number: smpCnt unwrapped across seconds.
    position: u64,
    conf_rev: Option<u32>,
    counters: Arc<SvSubscriberCounters>,
}

impl StreamState {
    fn new(
        dataset: Dataset,
        rate: u32,
        filter: Filter,
        quality: QualityOutput,
        counters: Arc<SvSubscriberCounters>,
    ) -> StreamState {
        StreamState {
            measurements: vec![Measurement::default(); dataset.len()],
            dataset,
            filter,
            rate,
            quality,
            tracker: SmpCntTracker::new(rate),
            position: 0,
            conf_rev: None,
            counters,
        }
    }

    /// Decodes one received frame (`vlan_tci`: a tag the kernel stripped) into `out`.
    fn handle_frame(
        &mut self,
        data: &[u8],
        vlan_tci: Option<u16>,
        ts: Nanos,
        ctx: &mut ReadContext<'_>,
        out: &mut Batch,
    ) {
        if !is_sv(data) {
            self.counters.not_sv.inc();
            return;
        }
        self.counters.frames.inc();
        let Ok(parsed) = SvFrameRepr::parse(data) else {
            self.counters.malformed.inc();
            return;
        };
        if !self.filter.frame(&parsed, vlan_tci) {
            self.counters.filtered.inc();
            return;
        }
        let flags = if parsed.header.simulation {
            SampleFlags(SampleFlags::TEST)
        } else {
            SampleFlags::default()
        };
        for asdu in parsed.pdu.asdus.iter() {
            let Ok(asdu) = asdu else {
                self.counters.malformed.inc();
                break;
            };
            self.handle_asdu(&asdu, flags, ts, ctx, out);
        }
    }

    /// The running sample number of an ASDU, or `None` for a sample to drop.
    fn sequence(&mut self, smp_cnt: u16) -> Option<u64> {
        match self.tracker.observe(smp_cnt) {
            SmpCntEvent::First => {
                self.position = u64::from(smp_cnt);
                Some(self.position)
            }
            SmpCntEvent::InOrder => {
                self.position += 1;
                Some(self.position)
            }
            SmpCntEvent::Lost { missed } => {
                self.counters.lost.add(u64::from(missed));
                self.position += u64::from(missed) + 1;
                Some(self.position)
            }
            SmpCntEvent::Duplicate => {
                self.counters.duplicates.inc();
                None
            }
            SmpCntEvent::OutOfOrder { behind } => {
                self.counters.out_of_order.inc();
                Some(self.position.saturating_sub(u64::from(behind)))
            }
            SmpCntEvent::OutOfRange => {
                self.counters.malformed.inc();
                None
            }
        }
    }

    fn handle_asdu(
        &mut self,
        asdu: &AsduRepr<'_>,
        mut flags: SampleFlags,
        ts: Nanos,
        ctx: &mut ReadContext<'_>,
        out: &mut Batch,
    ) {
        if !self.filter.asdu(asdu) {
            self.counters.filtered.inc();
            return;
        }
        self.counters.asdus.inc();
        if self
            .dataset
            .decode(asdu.seq_data, &mut self.measurements)
            .is_err()
        {
            self.counters.malformed.inc();
            return;
        }
        if self
            .conf_rev
            .is_some_and(|previous| previous != asdu.conf_rev)
        {
            self.counters.conf_rev_changes.inc();
        }
        self.conf_rev = Some(asdu.conf_rev);
        let Some(seq) = self.sequence(asdu.smp_cnt) else {
            return;
        };
        if out.is_full() {
            self.counters.batch_overflow.inc();
            return;
        }
        let Some(mut sample) = ctx.pool.alloc() else {
            self.counters.batch_overflow.inc();
            return;
        };
        if !asdu.smp_synch.is_synchronized() {
            flags.set(SampleFlags::UNSYNCED, true);
        }
        let mut combined = 0u32;
        for m in &self.measurements {
            let _ = sample.push(Value::F64(m.value));
            if let Some(q) = m.quality {
                combined |= q.to_u32();
                if q.validity != Validity::Good {
                    flags.set(SampleFlags::INVALID, true);
                }
                if self.quality == QualityOutput::PerChannel {
                    let _ = sample.push(Value::I64(i64::from(q.to_u32())));
                }
            }
        }
        let _ = sample.push(Value::I64(i64::from(asdu.smp_cnt)));
        if self.quality == QualityOutput::Combined {
            let _ = sample.push(Value::I64(i64::from(combined)));
        }
        sample.seq = seq;
        sample.ts_received = ts;
        sample.ts_origin = match asdu.refr_tm {
            Some(t) => t.to_unix_nanos(),
            None if asdu.smp_synch.is_synchronized() => {
                time_of_smp_cnt(asdu.smp_cnt, self.rate, ts)
            }
            None => ts,
        };
        sample.flags = flags;
        if out.push(sample).is_err() {
            self.counters.batch_overflow.inc();
        }
    }
}

impl NodeReader for SvSubscriberReader {
    fn due(&self) -> Due {
        Due::Event
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        // One wait of at most `timeout`, one batch: the engine calls again.
        if ctx.timeout > 0 {
            let readable = self
                .socket
                .wait_readable(ctx.timeout)
                .map_err(|e| NodeError::io(format!("poll on `{}`", self.socket.interface()), e))?;
            if !readable {
                return Ok(());
            }
        }
        self.receive_once(ctx, out)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> SvSubscriberConfig {
        toml::from_str(text).expect("config")
    }

    use crate::sv::{Profile, Quality, SmpSynch, SvStream};
    use gridhil_engine::clock::VirtualClock;
    use gridhil_engine::sample::SamplePool;

    const SECOND: Nanos = 1_700_000_000 * 1_000_000_000;

    fn state(profile: &Profile, filter: Filter, quality: QualityOutput) -> StreamState {
        StreamState::new(
            profile.dataset(),
            profile.sample_rate,
            filter,
            quality,
            Arc::new(SvSubscriberCounters::default()),
        )
    }

    fn no_filter() -> Filter {
        Filter {
            app_id: Some(0x4000),
            sv_id: Some("MU01".into()),
            src: None,
            vlan_id: None,
        }
    }

    const VALUES: [f64; 8] = [1.234, -0.5, 0.0, 0.001, 230.01, -115.0, -115.01, 0.0];

    fn frame(stream: &SvStream, smp_cnt: u16, qualities: &[Quality]) -> Vec<u8> {
        let mut buf = vec![0u8; stream.frame_len()];
        let values: Vec<f64> = (0..usize::from(stream.asdus_per_frame))
            .flat_map(|_| VALUES)
            .collect();
        let len = stream
            .build_frame(&mut buf, smp_cnt, &values, qualities, None)
            .unwrap();
        buf.truncate(len);
        buf
    }

    /// Feeds frames (received at `ts`) and returns the samples.
    fn feed(
        state: &mut StreamState,
        frames: &[Vec<u8>],
        ts: Nanos,
    ) -> Vec<gridhil_engine::sample::SampleRef> {
        let clock = VirtualClock::new(ts);
        let pool = SamplePool::new(64, 32);
        let mut ctx = ReadContext::new(&clock, &pool, 0, None);
        let mut out = Batch::with_capacity(64);
        for f in frames {
            state.handle_frame(f, None, ts, &mut ctx, &mut out);
        }
        out.drain().collect()
    }

    fn counter(state: &StreamState, name: &str) -> u64 {
        state
            .counters
            .snapshot()
            .into_iter()
            .find(|c| c.name == name)
            .map(|c| c.value)
            .unwrap()
    }

    #[test]
    fn asdus_become_scaled_samples_with_running_numbers() {
        let mut stream = SvStream::new("MU01", 0x4000, &Profile::LE_80_50HZ).unwrap();
        stream.smp_synch = SmpSynch::Global;
        let mut st = state(&Profile::LE_80_50HZ, no_filter(), QualityOutput::Combined);
        let frames: Vec<Vec<u8>> = [3998u16, 3999, 0, 0, 2, 1]
            .iter()
            .map(|&c| frame(&stream, c, &[]))
            .collect();
        let received = SECOND + 2 * 250_000 + 40_000;
        let samples = feed(&mut st, &frames, received);
        let seqs: Vec<u64> = samples.iter().map(|s| s.seq).collect();
        // 0 twice: the duplicate is dropped; 1 arrives after 2: out of order.
        assert_eq!(seqs, [3998, 3999, 4000, 4002, 4001]);
        assert_eq!(counter(&st, "lost"), 1);
        assert_eq!(counter(&st, "duplicates"), 1);
        assert_eq!(counter(&st, "out_of_order"), 1);
        assert_eq!(counter(&st, "asdus"), 6);
        let first = &samples[0];
        for (got, want) in first.values().iter().take(8).zip(VALUES) {
            assert!((got.as_f64() - want).abs() < 1e-9, "{got:?} vs {want}");
        }
        assert_eq!(first.values()[8], Value::I64(3998));
        assert_eq!(first.values()[9], Value::I64(0));
        assert_eq!(first.ts_received, received);
        // smpSynch global: the instant is rebuilt from smpCnt within the second.
        assert_eq!(first.ts_origin, SECOND - 2 * 250_000);
        assert_eq!(samples[2].ts_origin, SECOND);
        assert!(!first.flags.contains(SampleFlags::UNSYNCED));
    }

    #[test]
    fn filters_flags_and_malformed_frames() {
        let profile = Profile::LE_80_50HZ;
        let stream = SvStream::new("MU01", 0x4000, &profile).unwrap();
        let other_appid = SvStream::new("MU01", 0x4001, &profile).unwrap();
        let other_svid = SvStream::new("MU02", 0x4000, &profile).unwrap();
        let mut simulated = stream.clone();
        simulated.simulation = true;
        simulated.conf_rev = 2;
        let mut bad = Quality::GOOD;
        bad.validity = Validity::Invalid;
        bad.test = true;
        let mut qualities = [Quality::GOOD; 8];
        qualities[5] = bad;
        let mut st = state(&profile, no_filter(), QualityOutput::PerChannel);
        let frames = vec![
            frame(&other_appid, 1, &[]),
            frame(&other_svid, 1, &[]),
            vec![0u8; 3],
            vec![0u8; 60],
            frame(&stream, 10, &qualities),
            frame(&simulated, 11, &[]),
        ];
        let samples = feed(&mut st, &frames, SECOND);
        assert_eq!(samples.len(), 2);
        assert_eq!(counter(&st, "filtered"), 2);
        assert_eq!(counter(&st, "malformed"), 0);
        assert_eq!(counter(&st, "not_sv"), 2, "too short, and EtherType 0");
        assert_eq!(counter(&st, "conf_rev_changes"), 1);
        let first = &samples[0];
        assert!(first.flags.contains(SampleFlags::INVALID));
        assert!(first.flags.contains(SampleFlags::UNSYNCED), "smpSynch none");
        assert_eq!(first.ts_origin, SECOND, "unsynchronised: the receive time");
        // Per-channel quality: value, quality, value, quality, ..., smp_cnt.
        assert_eq!(first.values().len(), 17);
        assert_eq!(first.values()[11], Value::I64(i64::from(bad.to_u32())));
        assert_eq!(first.values()[1], Value::I64(0));
        assert_eq!(first.values()[16], Value::I64(10));
        assert!(
            samples[1].flags.contains(SampleFlags::TEST),
            "simulation bit"
        );
        assert!(!samples[1].flags.contains(SampleFlags::INVALID));
    }

    #[test]
    fn sv_ethertype_is_recognised_tagged_or_not() {
        let stream = SvStream::new("MU01", 0x4000, &Profile::LE_80_50HZ).unwrap();
        let tagged = frame(&stream, 0, &[]);
        assert!(is_sv(&tagged));
        let mut untagged_stream = stream.clone();
        untagged_stream.vlan = None;
        assert!(is_sv(&frame(&untagged_stream, 0, &[])));
        let mut other = tagged.clone();
        other[16] = 0x08;
        other[17] = 0x00;
        assert!(!is_sv(&other));
        assert!(!is_sv(&tagged[..15]));
        // A truncated SV frame is SV but malformed.
        let mut st = state(&Profile::LE_80_50HZ, no_filter(), QualityOutput::None);
        assert!(feed(&mut st, &[tagged[..40].to_vec()], SECOND).is_empty());
        assert_eq!(counter(&st, "malformed"), 1);
    }

    #[test]
    fn several_asdus_per_frame_give_several_samples() {
        let profile = Profile::LE_256_50HZ;
        let stream = SvStream::new("MU01", 0x4000, &profile).unwrap();
        let mut st = state(&profile, no_filter(), QualityOutput::None);
        let samples = feed(
            &mut st,
            &[frame(&stream, 12_796, &[]), frame(&stream, 4, &[])],
            SECOND,
        );
        let counts: Vec<Value> = samples.iter().map(|s| s.values()[8]).collect();
        let expected: Vec<Value> = [
            12_796, 12_797, 12_798, 12_799, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
        ]
        .iter()
        .map(|&c| Value::I64(c))
        .collect();
        assert_eq!(counts, expected);
        assert_eq!(counter(&st, "lost"), 0);
        assert_eq!(samples[15].seq, 12_800 + 11);
    }

    #[test]
    fn signals_follow_the_quality_option() {
        let names = |c: &SvSubscriberConfig| {
            c.signals()
                .unwrap()
                .into_iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
        };
        let c = config("interface = \"lo\"\napp_id = 0x4000\n");
        assert_eq!(
            names(&c),
            ["ia", "ib", "ic", "in", "va", "vb", "vc", "vn", "smp_cnt", "quality"]
        );
        assert_eq!(c.signals().unwrap()[0].unit, "A");
        assert_eq!(c.signals().unwrap()[4].unit, "V");
        let c = config("interface = \"lo\"\nquality = \"per-channel\"\n");
        assert_eq!(names(&c).len(), 17);
        assert_eq!(names(&c)[1], "ia_q");
        let c = config("interface = \"lo\"\nquality = \"none\"\nprofile = \"F4800S2I1U1\"\n");
        assert_eq!(names(&c), ["i1", "u1", "smp_cnt"]);
        assert_eq!(c.signals().unwrap()[1].unit, "V");
    }

    #[test]
    fn missing_interface_is_named() {
        let c = config("interface = \"ghsv-missing0\"\n");
        let pool = gridhil_engine::sample::SamplePool::new(4, 16);
        let ctx = BuildContext {
            name: "sub".into(),
            clock: Arc::new(gridhil_engine::clock::VirtualClock::new(0)),
            pool,
            start: 0,
            end: None,
            wall_offset: 0,
            batch_size: 8,
            controls: Default::default(),
        };
        let error = c
            .build(&ctx)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("ghsv-missing0"), "{error}");
    }
}
