//! `sv-subscriber`: receives one IEC 61850-9-2 sampled-values stream from a raw
//! Ethernet interface and turns each ASDU into a sample.
//!
//! The socket is bound to EtherType 0x88BA, so the kernel hands over SV frames only,
//! tagged or not: it strips an 802.1Q tag before the protocol match and reports it
//! in `PACKET_AUXDATA`, which is read for the `vlan_id` filter. Frames are filtered by
//! APPID, source MAC and svID; values are scaled to A and V, smpCnt is followed for
//! lost, duplicate and out-of-order samples, and `ts_received` is the kernel's
//! receive time (`SO_TIMESTAMPNS`).

use super::config::{default_profile, parse_mac, resolve_profile, time_of_smp_cnt};
use crate::packet::{FrameReceiver, PacketSocket, ETH_P_SV};
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
use gridhil_engine::stats::Counter;
use gridhil_engine::units::Nanos;
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

/// Where `ts_received` comes from.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ReceiveTimestamps {
    /// The kernel's receive time (`SO_TIMESTAMPNS`), falling back to the engine clock.
    #[default]
    Kernel,
    /// The engine clock when the reader handles the frame.
    Engine,
}

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
    /// Only frames with this VLAN id (any, tagged or not, when absent).
    pub vlan_id: Option<u16>,
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
    truncated: Counter,
    batch_overflow: Counter,
    receive_errors: Counter,
}

impl NodeCounters for SvSubscriberCounters {
    fn snapshot(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("frames", self.frames.get()),
            ("asdus", self.asdus.get()),
            ("lost", self.lost.get()),
            ("duplicates", self.duplicates.get()),
            ("out_of_order", self.out_of_order.get()),
            ("conf_rev_changes", self.conf_rev_changes.get()),
            ("malformed", self.malformed.get()),
            ("filtered", self.filtered.get()),
            ("truncated", self.truncated.get()),
            ("batch_overflow", self.batch_overflow.get()),
            ("receive_errors", self.receive_errors.get()),
        ]
    }
}

impl SvSubscriberConfig {
    fn dataset_and_rate(&self) -> Result<(Dataset, u32, u8), String> {
        let profile = resolve_profile(&self.profile, self.samples_per_cycle, self.frequency)?;
        Ok((
            profile.dataset(),
            profile.sample_rate,
            profile.asdus_per_frame,
        ))
    }

    fn signals(&self) -> Result<Vec<Signal>, String> {
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
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), String> {
        if self.interface.is_empty() {
            return Err(
                "`interface` is empty (set it, e.g. --set nodes.NAME.interface=eth1)".into(),
            );
        }
        if self.batch == 0 || self.batch > 1024 {
            return Err("`batch` must be 1–1024".into());
        }
        if let Some(src) = &self.src {
            parse_mac("src", src)?;
        }
        if self.vlan_id.is_some_and(|id| id > 4095) {
            return Err("`vlan_id` must be 0–4095".into());
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
        let (dataset, rate, asdus_per_frame) =
            self.dataset_and_rate().map_err(NodeError::Config)?;
        let src = self
            .src
            .as_deref()
            .map(|s| parse_mac("src", s))
            .transpose()
            .map_err(NodeError::Config)?;
        let socket = PacketSocket::open(&self.interface, ETH_P_SV)?;
        socket.set_receive_buffer(self.receive_buffer)?;
        socket.enable_auxdata()?;
        let kernel_timestamps = self.timestamps == ReceiveTimestamps::Kernel && !ctx.virtual_time;
        if kernel_timestamps {
            socket.enable_timestamps()?;
        }
        match self.membership {
            Membership::Allmulti => socket.join(false)?,
            Membership::Promiscuous => socket.join(true)?,
            Membership::None => {}
        }
        let receiver = FrameReceiver::new(
            &socket,
            self.batch.min(ctx.batch_size.max(1)),
            MAX_FRAME_LEN,
        );
        let counters = Arc::new(SvSubscriberCounters::default());
        let reader = SvSubscriberReader {
            measurements: vec![Measurement::default(); dataset.len()],
            filter: Filter {
                app_id: self.app_id,
                sv_id: self.sv_id.clone(),
                src,
                vlan_id: self.vlan_id,
            },
            dataset,
            rate,
            asdus_per_frame: usize::from(asdus_per_frame.max(1)),
            quality: self.quality,
            kernel_timestamps,
            tracker: SmpCntTracker::new(rate),
            position: 0,
            conf_rev: None,
            receiver,
            socket,
            counters: Arc::clone(&counters),
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
    dataset: Dataset,
    measurements: Vec<Measurement>,
    filter: Filter,
    rate: u32,
    asdus_per_frame: usize,
    quality: QualityOutput,
    kernel_timestamps: bool,
    tracker: SmpCntTracker,
    /// Running sample number: smpCnt unwrapped across seconds.
    position: u64,
    conf_rev: Option<u32>,
    counters: Arc<SvSubscriberCounters>,
}

impl SvSubscriberReader {
    /// Receives what is waiting (up to what `out` can hold); returns the frames read.
    fn receive_once(
        &mut self,
        ctx: &mut ReadContext<'_>,
        out: &mut Batch,
    ) -> Result<usize, NodeError> {
        let max_frames = (out.remaining() / self.asdus_per_frame).max(1);
        let n = match self.receiver.receive(max_frames) {
            Ok(n) => n,
            Err(e) => {
                self.counters.receive_errors.inc();
                return Err(NodeError::io(
                    format!("recvmmsg on `{}`", self.socket.interface()),
                    e,
                ));
            }
        };
        let fallback = ctx.clock.wall();
        for i in 0..n {
            let Some(frame) = self.receiver.frame(i) else {
                break;
            };
            self.counters.frames.inc();
            if frame.truncated {
                self.counters.truncated.inc();
                continue;
            }
            let ts = match (self.kernel_timestamps, frame.kernel_ts) {
                (true, Some(ts)) => ts,
                _ => fallback,
            };
            let Ok(parsed) = SvFrameRepr::parse(frame.data) else {
                self.counters.malformed.inc();
                continue;
            };
            if !self.filter.frame(&parsed, frame.vlan_tci) {
                self.counters.filtered.inc();
                continue;
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
                Self::handle_asdu(
                    &asdu,
                    flags,
                    ts,
                    &mut Decoder {
                        dataset: &self.dataset,
                        measurements: &mut self.measurements,
                        filter: &self.filter,
                        rate: self.rate,
                        quality: self.quality,
                        tracker: &mut self.tracker,
                        position: &mut self.position,
                        conf_rev: &mut self.conf_rev,
                        counters: &self.counters,
                    },
                    ctx,
                    out,
                );
            }
        }
        Ok(n)
    }

    fn handle_asdu(
        asdu: &AsduRepr<'_>,
        mut flags: SampleFlags,
        ts: Nanos,
        d: &mut Decoder<'_>,
        ctx: &mut ReadContext<'_>,
        out: &mut Batch,
    ) {
        if !d.filter.asdu(asdu) {
            d.counters.filtered.inc();
            return;
        }
        d.counters.asdus.inc();
        if d.dataset.decode(asdu.seq_data, d.measurements).is_err() {
            d.counters.malformed.inc();
            return;
        }
        if let Some(previous) = *d.conf_rev {
            if previous != asdu.conf_rev {
                d.counters.conf_rev_changes.inc();
            }
        }
        *d.conf_rev = Some(asdu.conf_rev);
        let seq = match d.tracker.observe(asdu.smp_cnt) {
            SmpCntEvent::First => {
                *d.position = u64::from(asdu.smp_cnt);
                *d.position
            }
            SmpCntEvent::InOrder => {
                *d.position += 1;
                *d.position
            }
            SmpCntEvent::Lost { missed } => {
                d.counters.lost.add(u64::from(missed));
                *d.position += u64::from(missed) + 1;
                *d.position
            }
            SmpCntEvent::Duplicate => {
                d.counters.duplicates.inc();
                return;
            }
            SmpCntEvent::OutOfOrder { behind } => {
                d.counters.out_of_order.inc();
                d.position.saturating_sub(u64::from(behind) + 1)
            }
            SmpCntEvent::OutOfRange => {
                d.counters.malformed.inc();
                return;
            }
        };
        if out.is_full() {
            d.counters.batch_overflow.inc();
            return;
        }
        let Some(mut sample) = ctx.pool.alloc() else {
            d.counters.batch_overflow.inc();
            return;
        };
        if !asdu.smp_synch.is_synchronized() {
            flags.set(SampleFlags::UNSYNCED, true);
        }
        let mut combined = 0u32;
        for m in d.measurements.iter() {
            let _ = sample.push(Value::F64(m.value));
            if let Some(q) = m.quality {
                combined |= q.to_u32();
                if q.validity != Validity::Good {
                    flags.set(SampleFlags::INVALID, true);
                }
                if d.quality == QualityOutput::PerChannel {
                    let _ = sample.push(Value::I64(i64::from(q.to_u32())));
                }
            }
        }
        let _ = sample.push(Value::I64(i64::from(asdu.smp_cnt)));
        if d.quality == QualityOutput::Combined {
            let _ = sample.push(Value::I64(i64::from(combined)));
        }
        sample.seq = seq;
        sample.ts_received = ts;
        sample.ts_origin = match asdu.refr_tm {
            Some(t) => t.to_unix_nanos(),
            None if asdu.smp_synch.is_synchronized() => time_of_smp_cnt(asdu.smp_cnt, d.rate, ts),
            None => ts,
        };
        sample.flags = flags;
        if out.push(sample).is_err() {
            d.counters.batch_overflow.inc();
        }
    }
}

/// The decoding state one ASDU needs (borrowed from the reader).
struct Decoder<'a> {
    dataset: &'a Dataset,
    measurements: &'a mut [Measurement],
    filter: &'a Filter,
    rate: u32,
    quality: QualityOutput,
    tracker: &'a mut SmpCntTracker,
    position: &'a mut u64,
    conf_rev: &'a mut Option<u32>,
    counters: &'a SvSubscriberCounters,
}

impl NodeReader for SvSubscriberReader {
    fn due(&self) -> Due {
        Due::Event
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        if ctx.timeout == 0 {
            self.receive_once(ctx, out)?;
            return Ok(());
        }
        let give_up = ctx.clock.monotonic() + ctx.timeout;
        loop {
            let remaining = give_up - ctx.clock.monotonic();
            if remaining <= 0 {
                return Ok(());
            }
            let readable = self
                .socket
                .wait_readable(remaining)
                .map_err(|e| NodeError::io(format!("poll on `{}`", self.socket.interface()), e))?;
            if !readable {
                return Ok(());
            }
            if self.receive_once(ctx, out)? > 0 || out.is_full() || !out.is_empty() {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> SvSubscriberConfig {
        toml::from_str(text).expect("config")
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
            virtual_time: true,
            start: 0,
            end: None,
            wall_offset: 0,
            batch_size: 8,
        };
        let error = c
            .build(&ctx)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("ghsv-missing0"), "{error}");
    }
}
