//! `sv-publisher`: publishes the samples a path writes to it as one IEC 61850-9-2
//! sampled-values stream on a raw Ethernet interface.
//!
//! Each sample becomes one ASDU (its first values are the dataset's channels, in A and
//! V); ASDUs are collected into frames as the profile says and the frames of one write
//! go out in one `sendmmsg` (or `send` for a single frame). smpCnt is the sample's
//! index within its second at the profile's rate (from `ts_origin`) when smpSynch is
//! local or global, otherwise a free-running counter wrapping at the rate.

use super::config::{
    default_profile, parse_mac, resolve_profile, smp_cnt_of_time, system_clock_synchronised,
    SynchConfig, VlanConfig,
};
use super::node_error;
use crate::sv::{MacAddress, Quality, SmpSynch, SvStream, UtcTime, Validity, MAX_FRAME_LEN};
use gridhil_engine::node::{
    BuildContext, ConfigContext, NodeConfig, NodeCounters, NodeError, NodeIo, NodeWriter,
    WriteContext,
};
use gridhil_engine::sample::{SampleFlags, SampleRef};
use gridhil_engine::signal::Signal;
use gridhil_engine::stats::{Counter, CounterValue};
use gridhil_engine::FieldError;
use gridhil_netio::packet::{interface_mac, FrameSender, PacketSocket};
use serde::Deserialize;
use std::sync::Arc;

/// Configuration of an `sv-publisher` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SvPublisherConfig {
    /// Network interface to send on (e.g. `eth1`).
    pub interface: String,
    /// svID.
    pub sv_id: String,
    /// APPID (0x4000–0x7FFF for SV).
    pub app_id: u16,
    /// Destination MAC.
    #[serde(default = "default_dst")]
    pub dst: String,
    /// Source MAC; the interface's own address when absent.
    pub src: Option<String>,
    /// 802.1Q tag; untagged frames when absent.
    pub vlan: Option<VlanConfig>,
    /// confRev.
    #[serde(default = "one_u32")]
    pub conf_rev: u32,
    /// Profile: `9-2LE` (with `samples_per_cycle` and `frequency`), a full 9-2LE name
    /// or a 61869-9 designation such as `F4800S2I4U4`.
    #[serde(default = "default_profile")]
    pub profile: String,
    /// 9-2LE samples per cycle: 80 or 256.
    pub samples_per_cycle: Option<u32>,
    /// 9-2LE nominal frequency: 50 or 60 Hz.
    pub frequency: Option<u32>,
    /// smpSynch: `auto`, `none`, `local` or `global`.
    #[serde(default)]
    pub smp_synch: SynchConfig,
    /// Simulation flag (Reserved1 bit 15).
    #[serde(default)]
    pub simulation: bool,
    /// datSet reference, sent when set.
    pub dat_set: Option<String>,
    /// Send smpRate (samples per second) in every ASDU.
    #[serde(default)]
    pub smp_rate: bool,
    /// Send refrTm (the sample's `ts_origin`) in every ASDU.
    #[serde(default)]
    pub refr_tm: bool,
    /// Most frames per `sendmmsg`.
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// `SO_SNDBUF` in bytes.
    pub send_buffer: Option<usize>,
    /// `SO_PRIORITY` of the socket (queueing priority of sent frames).
    pub socket_priority: Option<u8>,
}

fn default_dst() -> String {
    "01:0C:CD:04:00:01".to_owned()
}
fn one_u32() -> u32 {
    1
}
fn default_batch() -> usize {
    64
}

impl SvPublisherConfig {
    /// The stream this node publishes (source MAC left zero) and its smpSynch choice.
    fn stream(&self) -> Result<SvStream, FieldError> {
        let profile = resolve_profile(&self.profile, self.samples_per_cycle, self.frequency)?;
        let mut stream = SvStream::new(&self.sv_id, self.app_id, &profile)
            .map_err(|e| FieldError::at("sv_id", format!("`sv_id`: {e}")))?;
        stream.dst = parse_mac("dst", &self.dst)?;
        if let Some(src) = &self.src {
            stream.src = parse_mac("src", src)?;
        }
        stream.vlan = self.vlan.map(|v| v.tag()).transpose()?;
        stream.conf_rev = self.conf_rev;
        stream.simulation = self.simulation;
        stream.dat_set = self.dat_set.clone();
        if self.smp_rate {
            stream.smp_rate = u16::try_from(profile.sample_rate).ok();
        }
        stream
            .validate()
            .map_err(|e| FieldError::new(e.to_string()))?;
        Ok(stream)
    }
}

/// Counters of an `sv-publisher` node.
#[derive(Debug, Default)]
pub struct SvPublisherCounters {
    frames_sent: Counter,
    send_errors: Counter,
    asdus: Counter,
    encode_errors: Counter,
}

impl NodeCounters for SvPublisherCounters {
    fn snapshot(&self) -> Vec<CounterValue> {
        vec![
            CounterValue::info("frames_sent", self.frames_sent.get()),
            CounterValue::problem("send_errors", self.send_errors.get()),
            CounterValue::info("asdus", self.asdus.get()),
            CounterValue::problem("encode_errors", self.encode_errors.get()),
        ]
    }
}

impl NodeConfig for SvPublisherConfig {
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
        self.stream().map(|_| ())
    }

    fn output_signals(&self) -> Vec<Signal> {
        Vec::new()
    }

    fn accepts_input(&self) -> bool {
        true
    }

    fn connect_input(&mut self, signals: &[Signal]) -> Result<(), FieldError> {
        let stream = self.stream()?;
        let channels = stream.dataset.len();
        if signals.len() < channels {
            let names: Vec<&str> = stream
                .dataset
                .channels()
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            return Err(FieldError::new(format!(
                "the path gives {} signal(s) but the dataset needs {channels} ({}, currents in A, voltages in V)",
                signals.len(),
                names.join(" ")
            )));
        }
        Ok(())
    }

    fn build(&self, _ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let mut stream = self
            .stream()
            .map_err(|e| NodeError::Config(e.to_string()))?;
        let socket = PacketSocket::open(&self.interface, 0).map_err(node_error)?;
        if self.src.is_none() {
            stream.src = MacAddress(interface_mac(&self.interface).map_err(node_error)?);
        }
        stream.smp_synch = self.smp_synch.resolve(system_clock_synchronised());
        if let Some(bytes) = self.send_buffer {
            socket.set_send_buffer(bytes).map_err(node_error)?;
        }
        if let Some(priority) = self.socket_priority {
            socket.set_priority(priority).map_err(node_error)?;
        }
        let frame_len = stream.frame_len_with_refr_tm().min(MAX_FRAME_LEN);
        let sender = FrameSender::new(&socket, self.batch, frame_len);
        let counters = Arc::new(SvPublisherCounters::default());
        let per_frame = stream.values_per_frame();
        let writer = SvPublisherWriter {
            aligned: stream.smp_synch.is_synchronized(),
            rate: stream.smp_cnt_wrap,
            channels: stream.dataset.len(),
            values: vec![0.0; per_frame],
            qualities: vec![Quality::GOOD; per_frame],
            filled: 0,
            first_smp_cnt: 0,
            first_ts: 0,
            free_running: 0,
            refr_tm: self.refr_tm,
            stream,
            sender,
            counters: Arc::clone(&counters),
            _socket: socket,
        };
        Ok(NodeIo {
            reader: None,
            writer: Some(Box::new(writer)),
            counters: Some(counters),
        })
    }
}

struct SvPublisherWriter {
    stream: SvStream,
    sender: FrameSender,
    /// smpCnt from `ts_origin` (synchronised) or free-running.
    aligned: bool,
    rate: u32,
    channels: usize,
    /// Values of the frame being filled, ASDU-major.
    values: Vec<f64>,
    qualities: Vec<Quality>,
    /// ASDUs already in `values`.
    filled: usize,
    first_smp_cnt: u16,
    first_ts: i64,
    free_running: u32,
    refr_tm: bool,
    counters: Arc<SvPublisherCounters>,
    _socket: PacketSocket,
}

/// The quality word of an ASDU made from a sample with `flags`.
fn quality_of(flags: SampleFlags) -> Quality {
    let mut quality = Quality::GOOD;
    if flags.contains(SampleFlags::INVALID) {
        quality.validity = Validity::Invalid;
    }
    if flags.contains(SampleFlags::TEST) {
        quality.test = true;
    }
    quality
}

impl SvPublisherWriter {
    fn smp_cnt_of(&mut self, ts: i64) -> u16 {
        if self.aligned {
            smp_cnt_of_time(ts, self.rate)
        } else {
            let cnt = self.free_running;
            self.free_running = (self.free_running + 1) % self.rate.max(1);
            cnt as u16
        }
    }

    fn add(&mut self, sample: &SampleRef, now: i64) {
        let ts = if sample.ts_origin != 0 {
            sample.ts_origin
        } else {
            now
        };
        let smp_cnt = self.smp_cnt_of(ts);
        if self.filled == 0 {
            self.first_smp_cnt = smp_cnt;
            self.first_ts = ts;
        }
        let base = self.filled * self.channels;
        let quality = quality_of(sample.flags);
        let inputs = sample.values();
        for channel in 0..self.channels {
            if let Some(slot) = self.values.get_mut(base + channel) {
                *slot = inputs.get(channel).map_or(0.0, |v| v.as_f64());
            }
            if let Some(slot) = self.qualities.get_mut(base + channel) {
                *slot = quality;
            }
        }
        self.filled += 1;
        if self.filled >= usize::from(self.stream.asdus_per_frame) {
            self.build_frame();
            self.filled = 0;
        }
    }

    fn build_frame(&mut self) {
        if self.sender.next_buffer().is_none() {
            self.flush();
        }
        let refr_tm = self
            .refr_tm
            .then(|| UtcTime::from_unix_nanos(self.first_ts, clock_quality(self.stream.smp_synch)));
        let Some(buffer) = self.sender.next_buffer() else {
            self.counters.send_errors.inc();
            return;
        };
        match self.stream.build_frame(
            buffer,
            self.first_smp_cnt,
            &self.values,
            &self.qualities,
            refr_tm,
        ) {
            Ok(len) => {
                self.sender.commit(len);
                self.counters
                    .asdus
                    .add(u64::from(self.stream.asdus_per_frame));
            }
            Err(_) => self.counters.encode_errors.inc(),
        }
    }

    fn flush(&mut self) {
        let pending = self.sender.pending();
        match self.sender.flush() {
            Ok(sent) => {
                self.counters.frames_sent.add(sent as u64);
                self.counters
                    .send_errors
                    .add(pending.saturating_sub(sent) as u64);
            }
            Err(_) => self.counters.send_errors.add(pending as u64),
        }
    }
}

/// refrTm time quality: 24 significant fraction bits, "not synchronised" unless smpSynch says so.
fn clock_quality(synch: SmpSynch) -> u8 {
    if synch.is_synchronized() {
        24
    } else {
        UtcTime::CLOCK_NOT_SYNCHRONIZED | 24
    }
}

impl NodeWriter for SvPublisherWriter {
    fn write(&mut self, samples: &[SampleRef], ctx: &WriteContext) -> Result<usize, NodeError> {
        let now = ctx.wall;
        for sample in samples {
            self.add(sample, now);
        }
        self.flush();
        Ok(samples.len())
    }

    fn stop(&mut self) -> Result<(), NodeError> {
        self.flush();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> SvPublisherConfig {
        toml::from_str(text).expect("config")
    }

    #[test]
    fn stream_follows_the_config() {
        let c = config(
            "interface = \"lo\"\nsv_id = \"MU01\"\napp_id = 0x4000\nvlan = { priority = 4, id = 5 }\nconf_rev = 7\nsamples_per_cycle = 256\nfrequency = 60\nsimulation = true\n",
        );
        let stream = c.stream().unwrap();
        assert_eq!(stream.app_id, 0x4000);
        assert_eq!(stream.smp_cnt_wrap, 15360);
        assert_eq!(stream.asdus_per_frame, 8);
        assert_eq!(stream.conf_rev, 7);
        assert_eq!(stream.vlan.map(|v| (v.pcp, v.vid)), Some((4, 5)));
        assert!(stream.simulation);
        assert_eq!(stream.dst.to_string(), "01:0c:cd:04:00:01");
    }

    #[test]
    fn bad_options_are_named() {
        let mut c = config(
            "interface = \"lo\"\nsv_id = \"MU01\"\napp_id = 0x4000\nsamples_per_cycle = 90\n",
        );
        let ctx = ConfigContext {
            name: "mu".into(),
            config_dir: ".".into(),
        };
        let field = |name: &str| Some(gridhil_engine::FieldPath::parse(name));
        assert_eq!(
            c.prepare(&ctx).unwrap_err().field,
            field("samples_per_cycle")
        );
        let mut c = config("interface = \"lo\"\nsv_id = \"MU01\"\napp_id = 0x4000\ndst = \"x\"\n");
        assert_eq!(c.prepare(&ctx).unwrap_err().field, field("dst"));
        let mut c = config("interface = \"lo\"\nsv_id = \"MU01\"\napp_id = 0x4000\n");
        assert!(c
            .connect_input(&[Signal::f64("a")])
            .unwrap_err()
            .message
            .contains("IA IB IC IN VA VB VC VN"));
    }

    #[test]
    fn sample_flags_map_to_quality() {
        assert!(quality_of(SampleFlags::default()).is_good());
        assert_eq!(
            quality_of(SampleFlags(SampleFlags::INVALID)).validity,
            Validity::Invalid
        );
        assert!(quality_of(SampleFlags(SampleFlags::TEST)).test);
    }
}
