//! `goose-publisher`: publishes the samples a path writes to it as one GOOSE control
//! block on a raw Ethernet interface. Not here: the curve's arithmetic
//! (`goose::RetransmissionCurve`) and the dataset's encoding (`dataset.rs`).
//!
//! Each written sample's values are encoded into allData; when they differ from what was
//! last published, stNum advances, `t` is the sample's `ts_origin` (the instant of the
//! change) and the frame leaves at once; repeats follow the retransmission curve (first
//! interval doubling up to the heartbeat T0), sqNum counting them. Repeats are sent from
//! `write`, so the path feeding the node must write often enough: a `rate` trigger at
//! least as fast as the first interval keeps the curve exact to one tick.

use super::dataset::{self, EntryConfig};
use super::node_error;
use crate::goose::{
    DataList, GooseFrameRepr, GoosePduRepr, RetransmissionCurve, Transmission, ETHERTYPE_GOOSE,
};
use crate::sv::ber::Writer;
use crate::sv::{EthernetRepr, MacAddress, SvHeaderRepr, UtcTime, MAX_FRAME_LEN};
use crate::sv_nodes::config::{parse_mac, VlanConfig};
use gridhil_engine::node::{
    BuildContext, ConfigContext, NodeConfig, NodeCounters, NodeError, NodeIo, NodeWriter,
    WriteContext,
};
use gridhil_engine::sample::{SampleFlags, SampleRef};
use gridhil_engine::signal::{Signal, Value};
use gridhil_engine::stats::{Counter, CounterValue};
use gridhil_engine::units::{Duration, Nanos};
use gridhil_engine::FieldError;
use gridhil_netio::packet::{interface_mac, FrameSender, PacketSocket};
use serde::Deserialize;
use std::sync::Arc;

/// Configuration of a `goose-publisher` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoosePublisherConfig {
    /// Network interface to send on.
    pub interface: String,
    /// gocbRef (`IEDLD/LLN0$GO$name`).
    pub gocb_ref: String,
    /// datSet (`IEDLD/LLN0$name`).
    pub dat_set: String,
    /// goID; the gocbRef when absent.
    pub go_id: Option<String>,
    /// APPID (0x0000–0x3FFF for GOOSE type 1).
    #[serde(default = "default_app_id")]
    pub app_id: u16,
    /// Destination MAC (01-0C-CD-01-00-00 … 01-0C-CD-01-01-FF).
    #[serde(default = "default_dst")]
    pub dst: String,
    /// Source MAC; the interface's own address when absent.
    pub src: Option<String>,
    /// 802.1Q tag; untagged frames when absent.
    pub vlan: Option<VlanConfig>,
    /// confRev.
    #[serde(default = "one_u32")]
    pub conf_rev: u32,
    /// The simulation bit (in the header and the goosePdu).
    #[serde(default)]
    pub simulation: bool,
    /// ndsCom.
    #[serde(default)]
    pub nds_com: bool,
    /// The dataset: one entry per signal (structures nested).
    pub dataset: Vec<EntryConfig>,
    /// First repeat after a change.
    #[serde(default = "default_first_interval")]
    pub first_interval: Duration,
    /// Heartbeat T0: the longest gap between repeats.
    #[serde(default = "default_heartbeat")]
    pub heartbeat: Duration,
    /// timeAllowedtoLive as a multiple of the gap to the next frame.
    #[serde(default = "default_tal_factor")]
    pub tal_factor: u32,
    /// `SO_PRIORITY` of the socket.
    pub socket_priority: Option<u8>,
}

fn default_app_id() -> u16 {
    0x0001
}
fn default_dst() -> String {
    "01:0C:CD:01:00:01".to_owned()
}
fn one_u32() -> u32 {
    1
}
fn default_first_interval() -> Duration {
    Duration(2_000_000)
}
fn default_heartbeat() -> Duration {
    Duration(1_000_000_000)
}
fn default_tal_factor() -> u32 {
    2
}

/// Counters of a `goose-publisher` node.
#[derive(Debug, Default)]
pub struct GoosePublisherCounters {
    frames_sent: Counter,
    state_changes: Counter,
    repeats: Counter,
    send_errors: Counter,
    encode_errors: Counter,
}

impl NodeCounters for GoosePublisherCounters {
    fn snapshot(&self) -> Vec<CounterValue> {
        vec![
            CounterValue::info("frames_sent", self.frames_sent.get()),
            CounterValue::info("state_changes", self.state_changes.get()),
            CounterValue::info("repeats", self.repeats.get()),
            CounterValue::problem("send_errors", self.send_errors.get()),
            CounterValue::problem("encode_errors", self.encode_errors.get()),
        ]
    }
}

impl GoosePublisherConfig {
    fn check(&self) -> Result<(), FieldError> {
        if self.interface.is_empty() {
            return Err(FieldError::at(
                "interface",
                "`interface` is empty (set it, e.g. --set nodes.NAME.interface=eth1)",
            ));
        }
        for (field, text) in [("gocb_ref", &self.gocb_ref), ("dat_set", &self.dat_set)] {
            check_visible(field, text)?;
        }
        if let Some(id) = &self.go_id {
            check_visible("go_id", id)?;
        }
        parse_mac("dst", &self.dst)?;
        if let Some(src) = &self.src {
            parse_mac("src", src)?;
        }
        if let Some(vlan) = &self.vlan {
            vlan.tag()?;
        }
        if self.first_interval.0 <= 0 {
            return Err(FieldError::at(
                "first_interval",
                "`first_interval` must be positive",
            ));
        }
        if self.heartbeat.0 < self.first_interval.0 {
            return Err(FieldError::at(
                "heartbeat",
                "`heartbeat` (T0) must be at least `first_interval`",
            ));
        }
        if self.tal_factor == 0 {
            return Err(FieldError::at(
                "tal_factor",
                "`tal_factor` must be at least 1",
            ));
        }
        dataset::validate(&self.dataset, "dataset")
    }
}

/// Checks a VisibleString option (printable ASCII, at most 129 characters as in 61850).
pub(super) fn check_visible(field: &str, text: &str) -> Result<(), FieldError> {
    if text.is_empty() || text.len() > 129 || !text.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(FieldError::at(
            field,
            format!("`{field}` must be 1–129 printable ASCII characters"),
        ));
    }
    Ok(())
}

impl NodeConfig for GoosePublisherConfig {
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), FieldError> {
        self.check()
    }

    fn output_signals(&self) -> Vec<Signal> {
        Vec::new()
    }

    fn accepts_input(&self) -> bool {
        true
    }

    fn connect_input(&mut self, signals: &[Signal]) -> Result<(), FieldError> {
        let needed = dataset::leaf_count(&self.dataset);
        if signals.len() < needed {
            let names: Vec<String> = dataset::signals(&self.dataset)
                .into_iter()
                .map(|s| s.name)
                .collect();
            return Err(FieldError::new(format!(
                "the path gives {} signal(s) but the dataset needs {needed} ({})",
                signals.len(),
                names.join(" ")
            )));
        }
        Ok(())
    }

    fn build(&self, _ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let config = |e: FieldError| NodeError::Config(e.to_string());
        self.check().map_err(config)?;
        let socket = PacketSocket::open(&self.interface, 0).map_err(node_error)?;
        let src = match &self.src {
            Some(src) => parse_mac("src", src).map_err(config)?,
            None => MacAddress(interface_mac(&self.interface).map_err(node_error)?),
        };
        if let Some(priority) = self.socket_priority {
            socket.set_priority(priority).map_err(node_error)?;
        }
        let ethernet = EthernetRepr {
            dst: parse_mac("dst", &self.dst).map_err(config)?,
            src,
            vlan: self.vlan.map(|v| v.tag()).transpose().map_err(config)?,
            ethertype: ETHERTYPE_GOOSE,
        };
        let counters = Arc::new(GoosePublisherCounters::default());
        let leaves = dataset::leaf_count(&self.dataset);
        let writer = GoosePublisherWriter {
            config: self.clone(),
            ethernet,
            curve: RetransmissionCurve::new(
                self.first_interval.0,
                self.heartbeat.0,
                self.tal_factor,
            ),
            values: vec![Value::default(); leaves],
            scratch: vec![0u8; MAX_FRAME_LEN],
            current: vec![0u8; MAX_FRAME_LEN],
            current_len: None,
            t: UtcTime::default(),
            sender: FrameSender::new(&socket, 4, MAX_FRAME_LEN),
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

struct GoosePublisherWriter {
    config: GoosePublisherConfig,
    ethernet: EthernetRepr,
    curve: RetransmissionCurve,
    /// The leaves of the sample being encoded.
    values: Vec<Value>,
    /// allData content of the sample being encoded.
    scratch: Vec<u8>,
    /// allData content of the published state, and its length (`None` before the first).
    current: Vec<u8>,
    current_len: Option<usize>,
    /// `t` of the published state.
    t: UtcTime,
    sender: FrameSender,
    counters: Arc<GoosePublisherCounters>,
    _socket: PacketSocket,
}

/// Time quality of `t`: 24 significant fraction bits.
const T_QUALITY: u8 = 24;

impl GoosePublisherWriter {
    /// Encodes a sample; a change of the dataset starts a new state.
    fn add(&mut self, sample: &SampleRef, now: Nanos, wall: Nanos) {
        // A `rate` path ticks before its inputs have delivered anything: such a sample
        // holds no values yet and does not become the first state.
        if self.current_len.is_none() && sample.flags.contains(SampleFlags::STALE) {
            return;
        }
        for (slot, value) in self.values.iter_mut().zip(
            sample
                .values()
                .iter()
                .chain(std::iter::repeat(&Value::F64(0.0))),
        ) {
            *slot = *value;
        }
        let mut w = Writer::new(&mut self.scratch);
        if dataset::encode(&self.config.dataset, &self.values, &mut w).is_err() {
            self.counters.encode_errors.inc();
            return;
        }
        let len = w.position();
        let unchanged = self
            .current_len
            .is_some_and(|old| self.current.get(..old) == self.scratch.get(..len));
        if unchanged {
            return;
        }
        if let (Some(dst), Some(src)) = (self.current.get_mut(..len), self.scratch.get(..len)) {
            dst.copy_from_slice(src);
        }
        self.current_len = Some(len);
        let origin = if sample.ts_origin != 0 {
            sample.ts_origin
        } else {
            wall
        };
        self.t = UtcTime::from_unix_nanos(origin, T_QUALITY);
        let transmission = self.curve.change(now);
        self.counters.state_changes.inc();
        self.send(transmission);
    }

    fn send(&mut self, tx: Transmission) {
        let Some(len) = self.current_len else {
            return;
        };
        let config = &self.config;
        let frame = GooseFrameRepr {
            ethernet: self.ethernet,
            header: SvHeaderRepr {
                app_id: config.app_id,
                simulation: config.simulation,
                reserved1: 0,
                reserved2: 0,
            },
            pdu: GoosePduRepr {
                gocb_ref: &config.gocb_ref,
                time_allowed_to_live: tx.time_allowed_to_live,
                dat_set: &config.dat_set,
                go_id: Some(config.go_id.as_deref().unwrap_or(&config.gocb_ref)),
                t: self.t,
                st_num: tx.st_num,
                sq_num: tx.sq_num,
                simulation: config.simulation,
                conf_rev: config.conf_rev,
                nds_com: config.nds_com,
                num_dat_set_entries: config.dataset.len() as u32,
                all_data: DataList::Encoded {
                    count: config.dataset.len(),
                    bytes: self.current.get(..len).unwrap_or_default(),
                },
            },
        };
        if self.sender.next_buffer().is_none() {
            flush(&mut self.sender, &self.counters);
        }
        let Some(buffer) = self.sender.next_buffer() else {
            self.counters.send_errors.inc();
            return;
        };
        match frame.emit(buffer) {
            Ok(n) => self.sender.commit(n),
            Err(_) => self.counters.encode_errors.inc(),
        }
    }
}

fn flush(sender: &mut FrameSender, counters: &GoosePublisherCounters) {
    let pending = sender.pending();
    match sender.flush() {
        Ok(sent) => {
            counters.frames_sent.add(sent as u64);
            counters
                .send_errors
                .add(pending.saturating_sub(sent) as u64);
        }
        Err(_) => counters.send_errors.add(pending as u64),
    }
}

impl NodeWriter for GoosePublisherWriter {
    fn write(&mut self, samples: &[SampleRef], ctx: &WriteContext) -> Result<usize, NodeError> {
        for sample in samples {
            self.add(sample, ctx.now, ctx.wall);
        }
        if let Some(tx) = self.curve.poll(ctx.now) {
            self.counters.repeats.inc();
            self.send(tx);
        }
        flush(&mut self.sender, &self.counters);
        Ok(samples.len())
    }

    fn stop(&mut self) -> Result<(), NodeError> {
        flush(&mut self.sender, &self.counters);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> GoosePublisherConfig {
        toml::from_str(text).expect("config")
    }

    const BASE: &str = "interface = \"lo\"\ngocb_ref = \"R1LD0/LLN0$GO$trip\"\ndat_set = \"R1LD0/LLN0$Trip\"\ndataset = [{ name = \"trip\", type = \"boolean\" }, { name = \"q\", type = \"quality\" }]\n";

    #[test]
    fn options_are_checked_and_named() {
        let ctx = ConfigContext {
            name: "pub".into(),
            config_dir: ".".into(),
        };
        let field = |name: &str| Some(gridhil_engine::FieldPath::parse(name));
        assert!(config(BASE).prepare(&ctx).is_ok());
        let mut c = config(&format!("{BASE}heartbeat = \"1ms\"\n"));
        assert_eq!(c.prepare(&ctx).unwrap_err().field, field("heartbeat"));
        let mut c = config(&format!("{BASE}dst = \"nope\"\n"));
        assert_eq!(c.prepare(&ctx).unwrap_err().field, field("dst"));
        let mut c = config(&BASE.replace("R1LD0/LLN0$GO$trip", "é"));
        assert_eq!(c.prepare(&ctx).unwrap_err().field, field("gocb_ref"));
        let mut c = config(BASE);
        let err = c.connect_input(&[Signal::f64("x")]).unwrap_err();
        assert!(err.message.contains("trip q"), "{err}");
        assert!(c
            .connect_input(&[Signal::f64("x"), Signal::f64("y")])
            .is_ok());
    }
}
