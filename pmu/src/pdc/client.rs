//! The client thread of one connection of a `pdc` node: transport, commands,
//! configuration check, decoding, reconnection with back-off. The connection serves one
//! or several PMU tables (several blocks of one multi-PMU stream); each decoded data
//! frame goes to the aligner thread as one [`Arrival`] per table, in one batch.

use super::align::Arrival;
use super::link::{Channel, Link};
use super::{ConfigFrame, PdcCounters, PmuSpec, Transport};
use crate::codec::{
    Command, CommandCode, DataError, DataFrame, DataLayout, Error as CodecError, FrameHeader,
    FrameRepr, Payload, StreamDecoder,
};
use gridhil_engine::clock::Clock;
use gridhil_engine::node::NodeError;
use gridhil_engine::sample::SampleFlags;
use gridhil_engine::signal::{Complex, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Delays shared by the PMUs of a node, ns.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// First reconnection delay.
    pub backoff: i64,
    /// Longest reconnection delay.
    pub max_backoff: i64,
    /// Longest time without a data frame before reconnecting.
    pub silence: i64,
    /// Over UDP, time before the configuration request or "data on" is sent again.
    pub retry: i64,
}

/// One PMU table served by a connection.
#[derive(Debug, Clone)]
pub struct Member {
    /// Index of the table (its place in the row).
    pub index: usize,
    /// The table.
    pub spec: PmuSpec,
}

/// Handle of one connection's client thread.
pub struct Client {
    thread: Option<JoinHandle<()>>,
}

/// What a client thread needs besides its PMU.
pub struct Shared {
    /// Where decoded frames go (one batch per data frame).
    pub arrivals: SyncSender<Vec<Arrival>>,
    /// The engine's clock.
    pub clock: Arc<dyn Clock>,
    /// The node's counters.
    pub counters: Arc<PdcCounters>,
    /// Set when the node stops.
    pub stop: Arc<AtomicBool>,
}

impl Client {
    /// Starts the client thread of a connection serving `members` (at least one; the
    /// first one's connection keys are used).
    pub fn start(
        members: Vec<Member>,
        timing: Timing,
        shared: Shared,
    ) -> Result<Client, NodeError> {
        let Some(first) = members.first() else {
            return Err(NodeError::Config("a connection without PMU".into()));
        };
        let (index, spec) = (first.index, first.spec.clone());
        let mut worker = Worker {
            spec,
            members,
            timing,
            shared,
        };
        let thread = std::thread::Builder::new()
            .name(format!("pdc-{index}"))
            .spawn(move || worker.run())
            .map_err(|e| NodeError::io("cannot start a pdc thread", e))?;
        Ok(Client {
            thread: Some(thread),
        })
    }

    /// Waits for the thread to end (after the stop flag was set).
    pub fn join(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Why a session ended.
#[derive(Debug)]
enum SessionEnd {
    Stopped,
    Lost(String),
}

struct Worker {
    /// Connection keys (the first member's table).
    spec: PmuSpec,
    members: Vec<Member>,
    timing: Timing,
    shared: Shared,
}

const POLL: Duration = Duration::from_millis(100);

/// Per-session state.
struct Session {
    decoder: StreamDecoder,
    /// Block index of each member in the data frames; `None` before a configuration.
    blocks: Option<Vec<usize>>,
    data_on: bool,
    /// A data frame has arrived since "data on".
    data_seen: bool,
    last_progress: Instant,
    last_request: Instant,
}

impl Worker {
    fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }

    fn run(&mut self) {
        let mut backoff = self.timing.backoff;
        let mut first = true;
        while !self.stopped() {
            if !first {
                self.shared.counters.reconnects.inc();
            }
            first = false;
            let mut configured = false;
            match self.session(&mut configured) {
                SessionEnd::Stopped => break,
                SessionEnd::Lost(_why) => {}
            }
            if configured {
                backoff = self.timing.backoff;
            }
            self.sleep(backoff);
            backoff = (backoff * 2).min(self.timing.max_backoff);
        }
    }

    fn sleep(&self, ns: i64) {
        let until = Instant::now() + Duration::from_nanos(ns.unsigned_abs());
        while !self.stopped() {
            let now = Instant::now();
            if now >= until {
                break;
            }
            std::thread::sleep((until - now).min(POLL));
        }
    }

    fn config_request(&self) -> CommandCode {
        match self.spec.config {
            ConfigFrame::Cfg2 => CommandCode::SendConfig2,
            ConfigFrame::Cfg3 => CommandCode::SendConfig3,
        }
    }

    fn command(&self, link: &mut Link, code: CommandCode) -> std::io::Result<()> {
        let now = u64::try_from(self.shared.clock.wall()).unwrap_or(0);
        let header = FrameHeader::at_unix_nanos(self.spec.idcode, now, 1_000_000);
        let command = Command::new(code);
        let mut buf = vec![0; command.buffer_len()];
        let n = command
            .encode(&header, &mut buf)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        link.send(buf.get(..n).unwrap_or(&[]))
    }

    /// The index of the block each member reads, when the layout matches every
    /// member's declaration.
    fn check_layout(&self, layout: &DataLayout) -> Option<Vec<usize>> {
        self.members
            .iter()
            .map(|member| {
                let s = &member.spec;
                let index = layout
                    .pmus
                    .iter()
                    .position(|p| p.idcode == s.block)
                    .unwrap_or(0);
                let pmu = layout.pmus.get(index)?;
                (pmu.phasors.len() == s.phasors.len()
                    && pmu.analogs.len() == s.analogs.len()
                    && pmu.digital_words == s.digitals.len())
                .then_some(index)
            })
            .collect()
    }

    /// Commanded transports send commands; `udp-listen` does not.
    fn commanded(&self) -> bool {
        self.spec.transport != Transport::UdpListen
    }

    /// `udp-listen` with `connect`: the configuration, asked once over TCP.
    fn fetch_config(&self, decoder: &mut StreamDecoder) -> Result<(), String> {
        let Some(connect) = self.spec.connect else {
            return Ok(());
        };
        let mut link = Link::open_tcp(connect).map_err(|e| format!("connect: {e}"))?;
        self.command(&mut link, self.config_request())
            .map_err(|e| format!("configuration request: {e}"))?;
        let until = Instant::now() + Duration::from_nanos(self.timing.silence.unsigned_abs());
        let mut frames = Vec::new();
        while Instant::now() < until && !self.stopped() {
            link.receive(&mut frames)?;
            for (frame, _) in frames.drain(..) {
                self.shared.counters.frames.inc();
                match decoder.decode(&frame) {
                    Ok(FrameRepr {
                        payload: Payload::Config2(_),
                        ..
                    }) => {
                        self.shared.counters.cfg2_frames.inc();
                        return Ok(());
                    }
                    Ok(FrameRepr {
                        payload: Payload::Config3(_),
                        ..
                    }) => {
                        self.shared.counters.cfg3_frames.inc();
                        return Ok(());
                    }
                    _ => {}
                }
            }
        }
        Err("no configuration over TCP".into())
    }

    fn session(&mut self, configured: &mut bool) -> SessionEnd {
        let mut state = Session {
            decoder: StreamDecoder::new(),
            blocks: None,
            data_on: false,
            data_seen: false,
            last_progress: Instant::now(),
            last_request: Instant::now(),
        };
        if self.spec.transport == Transport::UdpListen {
            if let Err(why) = self.fetch_config(&mut state.decoder) {
                return SessionEnd::Lost(why);
            }
        }
        let mut link = match Link::open(&self.spec) {
            Ok(link) => link,
            Err(e) => return SessionEnd::Lost(format!("open: {e}")),
        };
        self.shared.counters.connects.inc();
        if self.commanded() {
            if let Err(e) = self.command(&mut link, self.config_request()) {
                return SessionEnd::Lost(format!("configuration request: {e}"));
            }
        } else if let Some(layout) = state.decoder.layout() {
            match self.check_layout(layout) {
                Some(blocks) => {
                    state.blocks = Some(blocks);
                    *configured = true;
                }
                None => {
                    self.shared.counters.config_mismatch.inc();
                    return SessionEnd::Lost("configuration does not match".into());
                }
            }
        }
        let silence = Duration::from_nanos(self.timing.silence.unsigned_abs());
        let retry = Duration::from_nanos(self.timing.retry.unsigned_abs());
        let mut frames: Vec<(Vec<u8>, Channel)> = Vec::new();
        loop {
            if self.stopped() {
                if state.data_on {
                    let _ = self.command(&mut link, CommandCode::DataOff);
                }
                return SessionEnd::Stopped;
            }
            if state.last_progress.elapsed() > silence {
                return SessionEnd::Lost("no data".into());
            }
            if self.spec.transport == Transport::Udp && state.last_request.elapsed() > retry {
                // A datagram may be lost: ask again.
                let again = if state.blocks.is_none() {
                    self.shared.counters.cfg_retries.inc();
                    Some(self.config_request())
                } else if !state.data_seen {
                    self.shared.counters.data_on_retries.inc();
                    Some(CommandCode::DataOn)
                } else {
                    None
                };
                if let Some(code) = again {
                    state.last_request = Instant::now();
                    if let Err(e) = self.command(&mut link, code) {
                        return SessionEnd::Lost(format!("command again: {e}"));
                    }
                }
            }
            if let Err(why) = link.receive(&mut frames) {
                return SessionEnd::Lost(why);
            }
            for (frame, channel) in std::mem::take(&mut frames) {
                if let Err(end) = self.handle(&frame, channel, &mut state, &mut link, configured) {
                    return end;
                }
            }
        }
    }

    fn handle(
        &mut self,
        frame: &[u8],
        channel: Channel,
        state: &mut Session,
        link: &mut Link,
        configured: &mut bool,
    ) -> Result<(), SessionEnd> {
        let counters = &self.shared.counters;
        counters.frames.inc();
        let decoded = state.decoder.decode(frame);
        match &decoded {
            Ok(FrameRepr {
                payload: Payload::Config2(_),
                ..
            }) => counters.cfg2_frames.inc(),
            Ok(FrameRepr {
                payload: Payload::Config3(_),
                ..
            }) => counters.cfg3_frames.inc(),
            _ => {}
        }
        match decoded {
            Ok(FrameRepr {
                payload: Payload::Config2(_) | Payload::Config3(_),
                ..
            }) => {
                let Some(layout) = state.decoder.layout() else {
                    return Ok(());
                };
                match self.check_layout(layout) {
                    Some(blocks) => {
                        if self.commanded() && !state.data_on {
                            if let Err(e) = self.command(link, CommandCode::DataOn) {
                                return Err(SessionEnd::Lost(format!("data on: {e}")));
                            }
                            state.data_on = true;
                            state.last_request = Instant::now();
                        }
                        state.blocks = Some(blocks);
                        *configured = true;
                        state.last_progress = Instant::now();
                    }
                    None => {
                        counters.config_mismatch.inc();
                        return Err(SessionEnd::Lost("configuration does not match".into()));
                    }
                }
            }
            Ok(FrameRepr {
                header,
                payload: Payload::Data(data),
            }) => {
                // With tcp-udp, data is taken from UDP only.
                if self.spec.transport == Transport::TcpUdp && channel == Channel::Tcp {
                    return Ok(());
                }
                let (Some(blocks), Some(layout)) = (&state.blocks, state.decoder.layout()) else {
                    counters.no_config.inc();
                    return Ok(());
                };
                state.last_progress = Instant::now();
                state.data_seen = true;
                counters.data_frames.inc();
                let ts = header.unix_nanos(layout.time_base);
                let batch = self
                    .members
                    .iter()
                    .zip(blocks)
                    .filter_map(|(member, &block)| self.arrival(member, &data, layout, block, ts))
                    .collect();
                match self.shared.arrivals.try_send(batch) {
                    Ok(()) | Err(TrySendError::Disconnected(_)) => {}
                    Err(TrySendError::Full(_)) => counters.queue_full.inc(),
                }
            }
            Ok(_) => {}
            Err(CodecError::CrcMismatch { .. }) => counters.crc_errors.inc(),
            // Before any configuration, data frames cannot be decoded.
            Err(_) if state.decoder.layout().is_none() => counters.no_config.inc(),
            Err(_) => counters.decode_errors.inc(),
        }
        Ok(())
    }

    /// One member's values from block `block` of a data frame.
    fn arrival(
        &self,
        member: &Member,
        data: &DataFrame,
        layout: &DataLayout,
        block: usize,
        ts: u64,
    ) -> Option<Arrival> {
        let (pmu, pmu_layout) = (data.pmus.get(block)?, layout.pmus.get(block)?);
        let values = pmu.values(pmu_layout);
        let mut flags = SampleFlags::default();
        match pmu.stat.data_error {
            DataError::Good => {}
            DataError::TestMode => flags.set(SampleFlags::TEST, true),
            DataError::PmuError | DataError::DoNotUse => {
                flags.set(SampleFlags::INVALID, true);
                self.shared.counters.invalid_data.inc();
            }
        }
        flags.set(SampleFlags::UNSYNCED, pmu.stat.sync_lost);
        let phasors = values
            .phasors
            .iter()
            .map(|c| Value::Complex(Complex::new(c.re, c.im)));
        let rest = [
            Value::F64(values.frequency_hz),
            Value::F64(values.rocof_hz_per_s),
        ];
        let analogs = values.analogs.iter().map(|&a| Value::F64(a));
        let digitals = values.digitals.iter().map(|&d| Value::I64(i64::from(d)));
        let stat = member
            .spec
            .stat
            .as_ref()
            .map(|_| Value::I64(i64::from(pmu.stat.to_bits())));
        Some(Arrival {
            pmu: member.index,
            ts: i64::try_from(ts).unwrap_or(i64::MAX),
            flags: flags.0,
            values: phasors
                .chain(rest)
                .chain(analogs)
                .chain(digitals)
                .chain(stat)
                .collect(),
        })
    }
}
