//! `pmu-server` node: serves the samples a path writes to it as an IEEE C37.118.2 PMU.
//!
//! * The **writer** (on the path's thread) encodes each sample into a data frame in a
//!   preallocated buffer taken from a lock-free pool and queues it ([`ring`]); it never
//!   blocks, allocates or does I/O.
//! * A **network thread** ([`network`]) serves TCP clients (commanded: data frames only
//!   after "data on", CFG-1/2/3 and the header frame on request, up to `max_clients`),
//!   commanded UDP peers (the same commands by datagram, answered to the sender),
//!   TCP-config/UDP-data clients (commands over TCP, data frames by UDP to the client's
//!   address) and sends every data frame spontaneously to a UDP destination.
//!
//! The configuration frame is derived from the signals connected to the node: complex
//! signals are phasors, the signals named `freq` and `rocof` give FREQ and DFREQ, other
//! numeric signals are analogs and boolean signals are packed into digital words. With
//! `pmus`, the stream carries several PMU blocks, each with its own IDCODE, station
//! name and choice of signals.

mod layout;
mod network;
mod peers;
mod ring;
mod writer;

use crate::codec::{Config, Config3, DataFormat, NominalFrequency, MAX_FRAME_LEN};
use gridhil_engine::node::{BuildContext, NodeConfig, NodeCounters, NodeError, NodeIo, Resource};
use gridhil_engine::signal::Signal;
use gridhil_engine::stats::{Counter, CounterValue};
use gridhil_engine::units::{Nanos, Rate, NANOS_PER_SEC};
use gridhil_engine::{FieldError, FieldPath};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

pub use layout::SignalMap;

/// Number representation of a group of values on the wire.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Number {
    /// IEEE 754 32-bit floating point.
    #[default]
    Float,
    /// 16-bit integer (phasors scaled by PHUNIT, FREQ as mHz deviation).
    Int,
}

/// The FORMAT word of the stream.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WireFormat {
    /// Phasor numbers.
    #[serde(default)]
    pub phasors: Number,
    /// Polar (magnitude, angle) instead of rectangular phasors.
    #[serde(default = "yes")]
    pub polar: bool,
    /// FREQ/DFREQ numbers.
    #[serde(default)]
    pub freq: Number,
    /// Analog numbers.
    #[serde(default)]
    pub analogs: Number,
}

fn yes() -> bool {
    true
}

impl Default for WireFormat {
    fn default() -> Self {
        WireFormat {
            phasors: Number::Float,
            polar: true,
            freq: Number::Float,
            analogs: Number::Float,
        }
    }
}

impl WireFormat {
    /// The C37.118 FORMAT word.
    pub fn data_format(self) -> DataFormat {
        DataFormat::new(
            self.phasors == Number::Float,
            self.polar,
            self.analogs == Number::Float,
            self.freq == Number::Float,
        )
    }
}

/// One PMU block of a multi-PMU stream.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PmuBlock {
    /// IDCODE of this PMU.
    pub idcode: u16,
    /// Station name (at most 16 characters).
    pub station: String,
    /// Input signals this block carries, in order (phasors, analogs and digitals by type).
    pub signals: Vec<String>,
    /// Signal giving FREQ (default: `freq` when the path has it, else nominal).
    #[serde(default)]
    pub freq: Option<String>,
    /// Signal giving DFREQ (default: `rocof` when the path has it, else 0).
    #[serde(default)]
    pub rocof: Option<String>,
}

/// Where the data frames of a TCP-config/UDP-data client go.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum UdpDataTarget {
    /// This UDP port at the TCP client's IP address.
    Port(u16),
    /// A fixed address for every client.
    Address(SocketAddr),
}

impl Default for UdpDataTarget {
    fn default() -> Self {
        UdpDataTarget::Port(4713)
    }
}

/// Configuration of a `pmu-server` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PmuServerConfig {
    /// IDCODE of the stream (and of the PMU when there is one block).
    pub idcode: u16,
    /// Station name (at most 16 characters) of the single PMU; with `pmus`, optional.
    #[serde(default)]
    pub station: String,
    /// PMU blocks of a multi-PMU stream (empty: one block from every input signal).
    #[serde(default)]
    pub pmus: Vec<PmuBlock>,
    /// Address the commanded TCP server listens on (e.g. `"127.0.0.1:4712"`).
    pub tcp: Option<SocketAddr>,
    /// Destination of spontaneous UDP data frames (e.g. `"127.0.0.1:4713"`).
    pub udp: Option<SocketAddr>,
    /// Address the commanded UDP server listens on (e.g. `"0.0.0.0:4713"`).
    pub udp_listen: Option<SocketAddr>,
    /// Address the TCP-config/UDP-data server listens on (e.g. `"0.0.0.0:4714"`).
    pub tcp_udp: Option<SocketAddr>,
    /// Where TCP-config/UDP-data clients get their data frames: a port at the client's
    /// IP address (default 4713) or a fixed `"host:port"`.
    #[serde(default)]
    pub tcp_udp_data: UdpDataTarget,
    /// Seconds after which a commanded UDP peer that has sent nothing is forgotten
    /// (default 60; a PDC must repeat "data on" or any command within it; 0: kept
    /// until "data off").
    #[serde(default = "default_udp_peer_timeout")]
    pub udp_peer_timeout: f64,
    /// Number formats of the data frames.
    #[serde(default)]
    pub format: WireFormat,
    /// Nominal frequency, `"50Hz"` or `"60Hz"`.
    pub nominal: Rate,
    /// Reporting rate in frames per second (DATA_RATE of the configuration).
    pub rate: Rate,
    /// Volts per bit of integer voltage phasors.
    #[serde(default = "centi")]
    pub voltage_scale: f64,
    /// Amperes per bit of integer current phasors.
    #[serde(default = "centi")]
    pub current_scale: f64,
    /// Free text of the header frame.
    #[serde(default)]
    pub header: Option<String>,
    /// Data frames queued towards the network thread before new ones are dropped.
    #[serde(default = "default_queue")]
    pub queue: usize,
    /// Bytes kept per TCP client that reads too slowly before it is disconnected.
    #[serde(default = "default_client_buffer")]
    pub client_buffer: usize,
    /// Most TCP clients (commanded and TCP-config/UDP-data together) served at once;
    /// further connections are closed at once and counted in `clients_refused`.
    #[serde(default = "default_max_clients")]
    pub max_clients: usize,
    #[serde(skip)]
    input_signals: Vec<Signal>,
}

fn centi() -> f64 {
    0.01
}
fn default_queue() -> usize {
    256
}
fn default_client_buffer() -> usize {
    1 << 20
}
fn default_max_clients() -> usize {
    32
}
fn default_udp_peer_timeout() -> f64 {
    60.0
}

/// Most bytes the queue of data frames towards the network thread may take.
const MAX_QUEUE_BYTES: usize = 256 << 20;

/// Counters of a `pmu-server` node.
#[derive(Debug, Default)]
pub struct PmuServerCounters {
    frames_encoded: Counter,
    encode_errors: Counter,
    queue_full: Counter,
    clients_accepted: Counter,
    clients_dropped: Counter,
    clients_refused: Counter,
    commands: Counter,
    foreign_idcode_commands: Counter,
    bad_commands: Counter,
    tcp_frames_sent: Counter,
    udp_frames_sent: Counter,
    send_errors: Counter,
    udp_peers_added: Counter,
    udp_peers_forgotten: Counter,
    udp_peers_refused: Counter,
}

impl NodeCounters for PmuServerCounters {
    fn snapshot(&self) -> Vec<CounterValue> {
        vec![
            CounterValue::info("frames_encoded", self.frames_encoded.get()),
            CounterValue::problem("encode_errors", self.encode_errors.get()),
            CounterValue::problem("queue_full", self.queue_full.get()),
            CounterValue::info("clients_accepted", self.clients_accepted.get()),
            CounterValue::problem("clients_dropped", self.clients_dropped.get()),
            CounterValue::problem("clients_refused", self.clients_refused.get()),
            CounterValue::info("commands", self.commands.get()),
            CounterValue::info(
                "foreign_idcode_commands",
                self.foreign_idcode_commands.get(),
            ),
            CounterValue::problem("bad_commands", self.bad_commands.get()),
            CounterValue::info("tcp_frames_sent", self.tcp_frames_sent.get()),
            CounterValue::info("udp_frames_sent", self.udp_frames_sent.get()),
            CounterValue::problem("send_errors", self.send_errors.get()),
            CounterValue::info("udp_peers_added", self.udp_peers_added.get()),
            CounterValue::info("udp_peers_forgotten", self.udp_peers_forgotten.get()),
            CounterValue::problem("udp_peers_refused", self.udp_peers_refused.get()),
        ]
    }
}

impl PmuServerConfig {
    fn nominal(&self) -> Result<NominalFrequency, FieldError> {
        let hz = self.nominal.hz();
        if hz == 50.0 {
            Ok(NominalFrequency::HZ50)
        } else if hz == 60.0 {
            Ok(NominalFrequency::HZ60)
        } else {
            Err(FieldError::at(
                "nominal",
                format!("`nominal` must be 50Hz or 60Hz, got {hz} Hz"),
            ))
        }
    }

    fn data_rate(&self) -> Result<i16, FieldError> {
        let fps = self.rate.hz();
        if fps.fract() != 0.0 || !(1.0..=240.0).contains(&fps) {
            return Err(FieldError::at(
                "rate",
                format!("`rate` must be a whole number of frames per second (1–240), got {fps}"),
            ));
        }
        Ok(fps as i16)
    }

    /// The CFG-2 this node announces for the connected signals, and one signal map per
    /// PMU block.
    fn config(&self, signals: &[Signal]) -> Result<(Config, Vec<SignalMap>), FieldError> {
        let blocks: Vec<(SignalMap, &str, u16)> = if self.pmus.is_empty() {
            vec![(SignalMap::new(signals)?, self.station.as_str(), self.idcode)]
        } else {
            self.pmus
                .iter()
                .enumerate()
                .map(|(k, block)| {
                    SignalMap::for_block(
                        signals,
                        &block.signals,
                        block.freq.as_deref(),
                        block.rocof.as_deref(),
                    )
                    .map(|map| (map, block.station.as_str(), block.idcode))
                    .map_err(|e| {
                        FieldError::at_path(
                            FieldPath::root().key("pmus").index(k),
                            format!("block with IDCODE {}: {e}", block.idcode),
                        )
                    })
                })
                .collect::<Result<_, _>>()?
        };
        let mut pmus = Vec::with_capacity(blocks.len());
        let mut maps = Vec::with_capacity(blocks.len());
        for (map, station, idcode) in blocks {
            pmus.push(map.pmu_config(
                station,
                idcode,
                self.format.data_format(),
                self.nominal()?,
                self.voltage_scale,
                self.current_scale,
            )?);
            maps.push(map);
        }
        let config = Config::new(1_000_000, self.data_rate()?, pmus);
        self.check_frame_sizes(&config)?;
        Ok((config, maps))
    }

    /// Every frame the stream sends must fit in 65 535 bytes (FRAMESIZE is 16 bits), and
    /// the queue of data frames must stay reasonably small.
    fn check_frame_sizes(&self, config: &Config) -> Result<(), FieldError> {
        let phasors: usize = config.pmus.iter().map(|p| p.phasors.len()).sum();
        let shape = || {
            format!(
                "{} PMU block(s), {phasors} phasor(s) in all",
                config.pmus.len()
            )
        };
        let frames = [
            ("CFG-2", config.buffer_len()),
            ("CFG-3", Config3::from_config(config).buffer_len()),
            ("data frame", config.layout().frame_len()),
        ];
        for (what, len) in frames {
            if len > MAX_FRAME_LEN {
                return Err(FieldError::new(format!(
                    "the {what} of this stream would be {len} bytes, more than the \
                     {MAX_FRAME_LEN} a C37.118 frame can have ({}): use fewer PMU blocks \
                     or fewer signals per block",
                    shape()
                )));
            }
        }
        let frame_len = config.layout().frame_len();
        if self.queue.saturating_mul(frame_len) > MAX_QUEUE_BYTES {
            return Err(FieldError::at(
                "queue",
                format!(
                    "`queue` × data frame length = {} × {frame_len} bytes exceeds {} MiB: \
                     lower `queue`",
                    self.queue,
                    MAX_QUEUE_BYTES >> 20
                ),
            ));
        }
        Ok(())
    }

    /// Checks the station name at `field` (`station`, `pmus[2].station`).
    fn check_station(field: FieldPath, station: &str) -> Result<(), FieldError> {
        if station.is_empty() || station.len() > 16 || !station.is_ascii() {
            let message = format!("`{field}` must be 1–16 ASCII characters");
            return Err(FieldError::at_path(field, message));
        }
        Ok(())
    }

    fn check_blocks(&self) -> Result<(), FieldError> {
        let station = FieldPath::root().key("station");
        if self.pmus.is_empty() {
            return Self::check_station(station, &self.station);
        }
        if !self.station.is_empty() {
            Self::check_station(station, &self.station)?;
        }
        if self.pmus.len() > 64 {
            return Err(FieldError::at("pmus", "`pmus`: at most 64 PMU blocks"));
        }
        for (k, block) in self.pmus.iter().enumerate() {
            let at = FieldPath::root().key("pmus").index(k);
            Self::check_station(at.key("station"), &block.station)?;
            if block.signals.is_empty() {
                return Err(FieldError::at_path(
                    at.key("signals"),
                    format!(
                        "pmus[{k}] (IDCODE {}): `signals` is empty: name the input signals this block carries",
                        block.idcode
                    ),
                ));
            }
            if let Some(other) = self
                .pmus
                .get(..k)
                .and_then(|before| before.iter().position(|b| b.idcode == block.idcode))
            {
                return Err(FieldError::at_path(
                    at.key("idcode"),
                    format!("same IDCODE {} as pmus[{other}]", block.idcode),
                ));
            }
        }
        Ok(())
    }

    /// Every way a client can get the stream.
    fn check_transports(&self) -> Result<(), FieldError> {
        if self.tcp.is_none()
            && self.udp.is_none()
            && self.udp_listen.is_none()
            && self.tcp_udp.is_none()
        {
            return Err(
                "a pmu-server needs `tcp` (commanded), `udp` (spontaneous), `udp_listen` \
                 (commanded UDP) and/or `tcp_udp` (TCP config, UDP data)"
                    .into(),
            );
        }
        if let (Some(a), Some(b)) = (self.tcp, self.tcp_udp) {
            if a == b && a.port() != 0 {
                return Err(FieldError::at(
                    "tcp_udp",
                    "`tcp` and `tcp_udp` must listen on different addresses",
                ));
            }
        }
        if self.tcp_udp_data == UdpDataTarget::Port(0) {
            return Err(FieldError::at(
                "tcp_udp_data",
                "`tcp_udp_data` port must not be 0",
            ));
        }
        if !(self.udp_peer_timeout.is_finite() && self.udp_peer_timeout >= 0.0) {
            return Err(FieldError::at(
                "udp_peer_timeout",
                "`udp_peer_timeout` must be ≥ 0 seconds",
            ));
        }
        Ok(())
    }
}

impl PmuServerConfig {
    fn default_header(&self) -> String {
        if self.pmus.is_empty() {
            return format!("gridhil pmu-server {}", self.station);
        }
        let stations: Vec<&str> = self.pmus.iter().map(|b| b.station.as_str()).collect();
        format!(
            "gridhil pmu-server, stream {}: {}",
            self.idcode,
            stations.join(", ")
        )
    }
}

impl NodeConfig for PmuServerConfig {
    fn prepare(&mut self, _ctx: &gridhil_engine::node::ConfigContext) -> Result<(), FieldError> {
        self.check_transports()?;
        self.check_blocks()?;
        for (name, scale) in [
            ("voltage_scale", self.voltage_scale),
            ("current_scale", self.current_scale),
        ] {
            if !(scale.is_finite() && scale > 0.0 && scale <= 167.0) {
                return Err(FieldError::at(
                    name,
                    format!("`{name}` must be > 0 and ≤ 167 (units per bit)"),
                ));
            }
        }
        if self.queue == 0 || self.queue > 65_536 {
            return Err(FieldError::at("queue", "`queue` must be 1–65536 frames"));
        }
        if self.client_buffer < 65_536 {
            return Err(FieldError::at(
                "client_buffer",
                "`client_buffer` must be at least 65536 bytes",
            ));
        }
        if self.max_clients == 0 || self.max_clients > 1024 {
            return Err(FieldError::at(
                "max_clients",
                "`max_clients` must be 1–1024",
            ));
        }
        self.nominal()?;
        self.data_rate()?;
        Ok(())
    }

    fn output_signals(&self) -> Vec<Signal> {
        Vec::new()
    }

    fn accepts_input(&self) -> bool {
        true
    }

    fn connect_input(&mut self, signals: &[Signal]) -> Result<(), FieldError> {
        self.config(signals)?;
        self.input_signals = signals.to_vec();
        Ok(())
    }

    fn resources(&self) -> Vec<Resource> {
        let tcp = [self.tcp, self.tcp_udp]
            .into_iter()
            .flatten()
            .filter(|a| a.port() != 0)
            .map(Resource::TcpPort);
        let udp = self
            .udp_listen
            .filter(|a| a.port() != 0)
            .map(Resource::UdpPort);
        tcp.chain(udp).collect()
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let (config, maps) = self
            .config(&self.input_signals)
            .map_err(|e| NodeError::Config(e.to_string()))?;
        let counters = Arc::new(PmuServerCounters::default());
        let layout = config.layout();
        let ring = ring::FrameRing::new(self.queue, layout.frame_len());
        let header = self.header.clone().unwrap_or_else(|| self.default_header());
        let server = network::Server::start(
            network::ServerSettings {
                tcp: self.tcp,
                udp: self.udp,
                udp_listen: self.udp_listen,
                tcp_udp: self.tcp_udp,
                tcp_udp_data: self.tcp_udp_data,
                // Seconds to ns; `as` saturates, so a huge timeout is "for ever".
                udp_peer_timeout: (self.udp_peer_timeout > 0.0)
                    .then_some((self.udp_peer_timeout * NANOS_PER_SEC as f64) as Nanos),
                idcode: self.idcode,
                config,
                header,
                client_buffer: self.client_buffer,
                max_clients: self.max_clients,
                clock: Arc::clone(&ctx.clock),
            },
            Arc::clone(&ring),
            Arc::clone(&counters),
        )?;
        let writer = writer::PmuWriter::new(
            self.idcode,
            &layout,
            maps,
            ring,
            server,
            Arc::clone(&counters),
        );
        Ok(NodeIo {
            reader: None,
            writer: Some(Box::new(writer)),
            counters: Some(counters),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridhil_engine::node::ConfigContext;
    use gridhil_engine::signal::SignalType;

    fn parse(extra: &str) -> Result<PmuServerConfig, String> {
        let mut config: PmuServerConfig = toml::from_str(&format!(
            "idcode = 7\nnominal = \"60Hz\"\nrate = 60\n{extra}"
        ))
        .map_err(|e| e.to_string())?;
        config
            .prepare(&ConfigContext {
                name: "pmu".into(),
                config_dir: ".".into(),
            })
            .map_err(|e| e.to_string())?;
        Ok(config)
    }

    fn signals() -> Vec<Signal> {
        vec![
            Signal::new("va", "V", SignalType::Complex),
            Signal::new("ia", "A", SignalType::Complex),
            Signal::new("freq", "Hz", SignalType::F64),
            Signal::new("rocof", "Hz/s", SignalType::F64),
            Signal::new("freq_b", "Hz", SignalType::F64),
            Signal::new("p", "W", SignalType::F64),
            Signal::new("trip", "", SignalType::Bool),
        ]
    }

    const TWO: &str = r#"tcp = "127.0.0.1:0"
pmus = [
  { idcode = 11, station = "PMU-A", signals = ["va", "freq", "rocof", "trip"] },
  { idcode = 12, station = "PMU-B", signals = ["ia", "p"], freq = "freq_b" },
]"#;

    #[test]
    fn single_pmu_keys_still_work() {
        let mut c = parse("station = \"S\"\ntcp = \"127.0.0.1:0\"").unwrap();
        c.connect_input(&signals()).unwrap();
        let (cfg, maps) = c.config(&signals()).unwrap();
        assert_eq!((cfg.pmus.len(), maps.len()), (1, 1));
        assert_eq!(cfg.pmus[0].idcode, 7);
        // va, ia → phasors; freq_b and p → analogs; trip → digital.
        assert_eq!(cfg.pmus[0].phasors.len(), 2);
        assert_eq!(cfg.pmus[0].analogs.len(), 2);
        assert_eq!(c.default_header(), "gridhil pmu-server S");
    }

    #[test]
    fn pmu_blocks_carry_their_signals() {
        let mut c = parse(TWO).unwrap();
        c.connect_input(&signals()).unwrap();
        let (cfg, _) = c.config(&signals()).unwrap();
        assert_eq!(cfg.pmus.len(), 2);
        let (a, b) = (&cfg.pmus[0], &cfg.pmus[1]);
        assert_eq!((a.idcode, a.station.trimmed()), (11, "PMU-A".to_string()));
        assert_eq!((b.idcode, b.station.trimmed()), (12, "PMU-B".to_string()));
        assert_eq!(
            (a.phasors.len(), a.analogs.len(), a.digitals.len()),
            (1, 0, 1)
        );
        assert_eq!(
            (b.phasors.len(), b.analogs.len(), b.digitals.len()),
            (1, 1, 0)
        );
        assert!(b.phasors[0].unit.is_current());
        assert!(c.default_header().contains("PMU-A, PMU-B"));
    }

    #[test]
    fn bad_blocks_are_refused_clearly() {
        let err =
            |pmus: &str| parse(&format!("tcp = \"127.0.0.1:0\"\npmus = [{pmus}]")).unwrap_err();
        assert!(
            err(r#"{ idcode = 1, station = "A", signals = [] }"#).contains("`signals` is empty")
        );
        assert!(err(r#"{ idcode = 1, station = "A", signals = ["va"] }, { idcode = 1, station = "B", signals = ["ia"] }"#)
            .contains("same IDCODE 1"));
        assert!(
            err(r#"{ idcode = 1, station = "", signals = ["va"] }"#).contains("pmus[0].station")
        );
        assert!(
            err(r#"{ idcode = 1, station = "A", signals = ["va"], bogus = 1 }"#).contains("bogus")
        );

        let connect = |pmus: &str| {
            let mut c = parse(&format!("tcp = \"127.0.0.1:0\"\npmus = [{pmus}]")).unwrap();
            c.connect_input(&signals()).unwrap_err().to_string()
        };
        let e = connect(
            r#"{ idcode = 1, station = "A", signals = ["va"] }, { idcode = 2, station = "B", signals = ["vx"] }"#,
        );
        assert!(
            e.starts_with("`pmus[1]`: block with IDCODE 2: ") && e.contains("`vx`"),
            "{e}"
        );
        let e = connect(r#"{ idcode = 1, station = "A", signals = ["va"], freq = "f2" }"#);
        assert!(e.contains("`f2`"), "{e}");
        let e = connect(r#"{ idcode = 1, station = "A", signals = ["va", "va"] }"#);
        assert!(e.contains("twice"), "{e}");
        let e = connect(r#"{ idcode = 1, station = "A", signals = ["trip"], freq = "trip" }"#);
        assert!(e.contains("must be a number"), "{e}");
    }

    #[test]
    fn transports() {
        assert!(parse("station = \"S\"").unwrap_err().contains("udp_listen"));
        assert!(parse("station = \"S\"\nudp_listen = \"127.0.0.1:0\"").is_ok());
        let c = parse("station = \"S\"\ntcp_udp = \"127.0.0.1:4714\"").unwrap();
        assert_eq!(c.tcp_udp_data, UdpDataTarget::Port(4713));
        let c =
            parse("station = \"S\"\ntcp_udp = \"127.0.0.1:4714\"\ntcp_udp_data = 5000").unwrap();
        assert_eq!(c.tcp_udp_data, UdpDataTarget::Port(5000));
        let c = parse(
            "station = \"S\"\ntcp_udp = \"127.0.0.1:4714\"\ntcp_udp_data = \"10.0.0.5:4713\"",
        )
        .unwrap();
        assert_eq!(
            c.tcp_udp_data,
            UdpDataTarget::Address("10.0.0.5:4713".parse().unwrap())
        );
        assert!(
            parse("station = \"S\"\ntcp = \"127.0.0.1:4714\"\ntcp_udp = \"127.0.0.1:4714\"")
                .is_err()
        );
        assert!(parse("station = \"S\"\ntcp = \"127.0.0.1:0\"\ntcp_udp = \"127.0.0.1:0\"").is_ok());
        assert!(
            parse("station = \"S\"\nudp_listen = \"127.0.0.1:0\"\nudp_peer_timeout = -1").is_err()
        );
        assert!(parse("udp_listen = \"127.0.0.1:0\"")
            .unwrap_err()
            .contains("station"));
        let c = parse("station = \"S\"\ntcp = \"127.0.0.1:4712\"\ntcp_udp = \"127.0.0.1:4714\"\nudp_listen = \"127.0.0.1:4713\"").unwrap();
        assert_eq!(c.resources().len(), 3);
    }

    #[test]
    fn limits_have_safe_defaults() {
        let c = parse("station = \"S\"\nudp_listen = \"127.0.0.1:0\"").unwrap();
        assert_eq!(c.udp_peer_timeout, 60.0);
        assert_eq!(c.max_clients, 32);
        let c =
            parse("station = \"S\"\nudp_listen = \"127.0.0.1:0\"\nudp_peer_timeout = 0").unwrap();
        assert_eq!(c.udp_peer_timeout, 0.0);
        assert!(
            parse("station = \"S\"\ntcp = \"127.0.0.1:0\"\nmax_clients = 0")
                .unwrap_err()
                .contains("max_clients")
        );
    }

    fn phasors(n: usize) -> Vec<Signal> {
        (0..n)
            .map(|k| Signal::new(format!("v{k}"), "V", SignalType::Complex))
            .collect()
    }

    #[test]
    fn frames_over_65535_bytes_are_refused() {
        // Four blocks of 1 000 phasors: 20 bytes of CFG-2 each, 80 kB in all.
        let blocks: Vec<String> = (0..4)
            .map(|b| {
                let names: Vec<String> = (0..1000)
                    .map(|k| format!("\"v{}\"", b * 1000 + k))
                    .collect();
                format!(
                    "{{ idcode = {}, station = \"B{b}\", signals = [{}] }}",
                    b + 1,
                    names.join(", ")
                )
            })
            .collect();
        let mut c = parse(&format!(
            "tcp = \"127.0.0.1:0\"\npmus = [{}]",
            blocks.join(", ")
        ))
        .unwrap();
        let e = c.connect_input(&phasors(4_000)).unwrap_err().to_string();
        assert!(
            e.contains("CFG-2")
                && e.contains("4 PMU block(s), 4000 phasor(s)")
                && e.contains("65535"),
            "{e}"
        );
        let mut c = parse("station = \"S\"\ntcp = \"127.0.0.1:0\"").unwrap();
        c.connect_input(&phasors(1_000)).unwrap();
    }

    #[test]
    fn the_frame_queue_is_bounded_in_bytes() {
        let mut c = parse("station = \"S\"\ntcp = \"127.0.0.1:0\"\nqueue = 65536").unwrap();
        c.connect_input(&signals()).unwrap();
        // 1 000 float phasors: 8 kB data frames, × 65 536 = 512 MiB.
        let e = c.connect_input(&phasors(1_000)).unwrap_err();
        assert_eq!(e.field, Some(FieldPath::parse("queue")), "{e}");
        assert!(
            e.message.contains("`queue`") && e.message.contains("256 MiB"),
            "{e}"
        );
    }
}
