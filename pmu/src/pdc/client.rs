//! The client thread of one connection of a `pdc` node: transport, commands,
//! configuration check, decoding, reconnection with back-off. The connection serves one
//! or several PMU tables (several blocks of one multi-PMU stream); each decoded data
//! frame goes to the aligning side as one [`Arrival`] per table, in one message.
//!
//! Protocol timers (silence, the "data on" refresh) run on the engine's clock; patience
//! with the network (back-off, UDP retries, the configuration fetched over TCP) passes
//! in real time ([`IoDeadline`]), also in virtual time.

use super::align::Arrival;
use super::config::{ConfigFrame, PmuSpec, Transport};
use super::counters::PdcCounters;
use super::link::{Channel, Link};
use crate::codec::{
    Command, CommandCode, DataError, DataFrame, DataLayout, Error as CodecError, FrameHeader,
    FrameRepr, Payload, StreamDecoder,
};
use gridhil_engine::clock::{Clock, IoDeadline};
use gridhil_engine::node::NodeError;
use gridhil_engine::sample::SampleFlags;
use gridhil_engine::signal::{Complex, Value};
use gridhil_engine::units::Nanos;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

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

/// What a client thread tells the aligning side.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    /// One data frame: one arrival per table of the connection whose block it has.
    Frame(Vec<Arrival>),
    /// Virtual time only: the PMU has acknowledged "data on" (it answered a request
    /// sent after it), so every data frame it produces from now on reaches this node.
    Streaming {
        /// The tables of the connection (bit `i`: table `i`).
        pmus: u64,
        /// DATA_RATE of the configuration (frames per second; negative: seconds per
        /// frame).
        data_rate: i16,
    },
}

/// What a client thread needs besides its PMU.
pub struct Shared {
    /// Where decoded frames go (one message per data frame).
    pub arrivals: SyncSender<ClientMessage>,
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

/// Duration of a positive number of ns.
fn duration(ns: Nanos) -> Duration {
    Duration::from_nanos(ns.unsigned_abs())
}

/// Data frames time-stamped more than this far (ns) ahead of the engine clock's wall
/// time are refused (`future_frames`): one bogus far-future row would otherwise put
/// every later row behind it.
pub const MAX_AHEAD: i64 = 10_000_000_000;

/// Over `transport = "udp"`, "data on" is sent again this often (ns on the engine's
/// clock, at most; `silence/2` when shorter) while data flows, so a PMU that forgets
/// silent peers keeps sending.
pub const DATA_ON_REFRESH: Nanos = 5_000_000_000;

/// Data frames in a row that do not decode (with a configuration) before the
/// configuration is asked again.
const DECODE_ERRORS_BEFORE_CFG: u32 = 10;

/// The next reconnection delay after `backoff`: doubled, at most `max`.
fn next_backoff(backoff: i64, max: i64) -> i64 {
    backoff.saturating_mul(2).min(max)
}

/// IDCODE of a frame (bytes 4–5), if it is long enough to have one.
fn frame_idcode(frame: &[u8]) -> Option<u16> {
    let bytes = frame.get(4..6)?;
    Some(u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]))
}

/// Whether a time stamp `ts` (ns since the epoch) is too far ahead of `wall`.
fn too_far_ahead(ts: u64, wall: i64) -> bool {
    i64::try_from(ts).map_or(true, |ts| ts > wall.saturating_add(MAX_AHEAD))
}

/// What a commanded UDP session sends again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resend {
    /// The configuration request (no answer yet).
    Config,
    /// "Data on" (no data frame yet).
    DataOn,
    /// "Data on" while data flows, so the PMU does not forget this peer.
    Refresh,
}

/// What to send again over UDP: `retry_due` when the last request has waited `retry`
/// for an answer (real time), `refresh_due` when it was sent the refresh period ago
/// (engine time); `streaming` once data frames flow (or, in virtual time, "data on" was
/// acknowledged).
fn udp_resend(
    configured: bool,
    streaming: bool,
    retry_due: bool,
    refresh_due: bool,
) -> Option<Resend> {
    match (configured, streaming) {
        (false, _) if retry_due => Some(Resend::Config),
        (true, false) if retry_due => Some(Resend::DataOn),
        (true, true) if refresh_due => Some(Resend::Refresh),
        _ => None,
    }
}

/// Decides when the configuration is asked again during a session: when the STAT
/// configuration-change bit (bit 10) of a block read changes (set: a change is
/// announced; cleared: it took effect), or after [`DECODE_ERRORS_BEFORE_CFG`] data
/// frames in a row that do not decode.
#[derive(Debug, Default)]
struct ConfigWatch {
    change_bit: bool,
    decode_errors: u32,
}

impl ConfigWatch {
    /// A decoded data frame whose blocks read have `change_bit` (any of them); `true`:
    /// ask for the configuration.
    fn data(&mut self, change_bit: bool) -> bool {
        self.decode_errors = 0;
        let edge = change_bit != self.change_bit;
        self.change_bit = change_bit;
        edge
    }

    /// A data frame that did not decode; `true`: ask for the configuration.
    fn decode_error(&mut self) -> bool {
        self.decode_errors += 1;
        if self.decode_errors >= DECODE_ERRORS_BEFORE_CFG {
            self.decode_errors = 0;
            return true;
        }
        false
    }
}

/// The index of the block each member reads, when the layout matches every member's
/// declaration. A member reads the block whose IDCODE is its `pmu` (default its
/// `idcode`); only when `pmu` was not given and the stream has exactly one block may
/// that block carry another IDCODE.
fn block_indexes(members: &[Member], layout: &DataLayout) -> Option<Vec<usize>> {
    members
        .iter()
        .map(|member| {
            let s = &member.spec;
            let index = match layout.pmus.iter().position(|p| p.idcode == s.block) {
                Some(index) => index,
                None if !s.explicit_block && layout.pmus.len() == 1 => 0,
                None => return None,
            };
            let pmu = layout.pmus.get(index)?;
            (pmu.phasors.len() == s.phasors.len()
                && pmu.analogs.len() == s.analogs.len()
                && pmu.digital_words == s.digitals.len())
            .then_some(index)
        })
        .collect()
}

/// Per-session state.
struct Session {
    decoder: StreamDecoder,
    /// Block index of each member in the data frames; `None` before a configuration.
    blocks: Option<Vec<usize>>,
    /// DATA_RATE of the last configuration.
    data_rate: Option<i16>,
    data_on: bool,
    /// A data frame has arrived since "data on".
    data_seen: bool,
    /// Virtual time: [`ClientMessage::Streaming`] was sent in this session.
    streaming_told: bool,
    /// Engine time of the last configuration or data frame.
    last_progress: Nanos,
    /// Engine time of the last request.
    last_request: Nanos,
    /// When the last request has waited long enough for an answer (real time).
    answer_due: IoDeadline,
    watch: ConfigWatch,
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
            backoff = next_backoff(backoff, self.timing.max_backoff);
        }
    }

    /// Waits `ns` (real time: the back-off is patience with the peer) or until stopped.
    fn sleep(&self, ns: i64) {
        let until = IoDeadline::after(duration(ns));
        while !self.stopped() && !until.has_passed() {
            std::thread::sleep(until.remaining().min(POLL));
        }
    }

    fn virtual_time(&self) -> bool {
        self.shared.clock.is_virtual()
    }

    /// The tables of this connection, one bit each.
    fn member_bits(&self) -> u64 {
        self.members
            .iter()
            .filter(|m| m.index < 64)
            .fold(0, |bits, m| bits | 1 << m.index)
    }

    /// Virtual time: tells the aligning side (once per session) that every data frame
    /// the PMU produces from now on reaches this node.
    fn tell_streaming(&self, state: &mut Session) {
        if !self.virtual_time() || state.streaming_told {
            return;
        }
        let Some(data_rate) = state.data_rate else {
            return;
        };
        state.streaming_told = true;
        let message = ClientMessage::Streaming {
            pmus: self.member_bits(),
            data_rate,
        };
        if let Err(TrySendError::Full(_)) = self.shared.arrivals.try_send(message) {
            self.shared.counters.queue_full.inc();
        }
    }

    /// "Data on"; in virtual time followed by "send header", whose answer shows that
    /// the PMU has taken "data on" (commands are carried out in order).
    fn data_on(&self, link: &mut Link, state: &mut Session) -> std::io::Result<()> {
        self.command(link, CommandCode::DataOn)?;
        if self.virtual_time() && !state.streaming_told {
            self.command(link, CommandCode::SendHeader)?;
        }
        Ok(())
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

    /// The index of the block each member reads (see [`block_indexes`]).
    fn check_layout(&self, layout: &DataLayout) -> Option<Vec<usize>> {
        block_indexes(&self.members, layout)
    }

    /// Whether a frame comes from another stream (its IDCODE is not `idcode`): counted
    /// and ignored.
    fn foreign(&self, frame: &[u8]) -> bool {
        let foreign = frame_idcode(frame).is_some_and(|id| id != self.spec.idcode);
        if foreign {
            self.shared.counters.foreign_frames.inc();
        }
        foreign
    }

    /// Commanded transports send commands; `udp-listen` does not.
    fn commanded(&self) -> bool {
        self.spec.transport != Transport::UdpListen
    }

    /// `udp-listen` with `connect`: the configuration, asked once over TCP (waiting
    /// `silence` in real time for the answer); its DATA_RATE.
    fn fetch_config(&self, decoder: &mut StreamDecoder) -> Result<Option<i16>, String> {
        let Some(connect) = self.spec.connect else {
            return Ok(None);
        };
        let mut link = Link::open_tcp(connect).map_err(|e| format!("connect: {e}"))?;
        self.command(&mut link, self.config_request())
            .map_err(|e| format!("configuration request: {e}"))?;
        let until = IoDeadline::after(duration(self.timing.silence));
        let mut frames = Vec::new();
        while !until.has_passed() && !self.stopped() {
            link.receive(&mut frames)?;
            for (frame, _) in frames.drain(..) {
                self.shared.counters.frames.inc();
                if self.foreign(&frame) {
                    continue;
                }
                match decoder.decode(&frame) {
                    Ok(FrameRepr {
                        payload: Payload::Config2(config),
                        ..
                    }) => {
                        self.shared.counters.cfg2_frames.inc();
                        return Ok(Some(config.data_rate));
                    }
                    Ok(FrameRepr {
                        payload: Payload::Config3(config),
                        ..
                    }) => {
                        self.shared.counters.cfg3_frames.inc();
                        return Ok(Some(config.data_rate));
                    }
                    _ => {}
                }
            }
        }
        Err("no configuration over TCP".into())
    }

    fn session(&mut self, configured: &mut bool) -> SessionEnd {
        let clock = Arc::clone(&self.shared.clock);
        let retry = duration(self.timing.retry);
        let mut state = Session {
            decoder: StreamDecoder::new(),
            blocks: None,
            data_rate: None,
            data_on: false,
            data_seen: false,
            streaming_told: false,
            last_progress: clock.monotonic(),
            last_request: clock.monotonic(),
            answer_due: IoDeadline::after(retry),
            watch: ConfigWatch::default(),
        };
        if self.spec.transport == Transport::UdpListen {
            match self.fetch_config(&mut state.decoder) {
                Ok(data_rate) => state.data_rate = data_rate,
                Err(why) => return SessionEnd::Lost(why),
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
                    // Listening from now on: every frame the PMU sends reaches us.
                    self.tell_streaming(&mut state);
                }
                None => {
                    self.shared.counters.config_mismatch.inc();
                    return SessionEnd::Lost("configuration does not match".into());
                }
            }
        }
        let silence = self.timing.silence;
        let refresh = DATA_ON_REFRESH.min(silence / 2);
        let mut frames: Vec<(Vec<u8>, Channel)> = Vec::new();
        loop {
            if self.stopped() {
                if state.data_on {
                    let _ = self.command(&mut link, CommandCode::DataOff);
                }
                return SessionEnd::Stopped;
            }
            let now = clock.monotonic();
            if now - state.last_progress > silence {
                return SessionEnd::Lost("no data".into());
            }
            let again = (self.spec.transport == Transport::Udp)
                .then(|| {
                    udp_resend(
                        state.blocks.is_some(),
                        state.data_seen || state.streaming_told,
                        state.answer_due.has_passed(),
                        now - state.last_request > refresh,
                    )
                })
                .flatten();
            if let Some(again) = again {
                // A datagram may be lost, or the PMU may forget a silent peer: ask again.
                let counters = &self.shared.counters;
                state.last_request = now;
                state.answer_due = IoDeadline::after(retry);
                let sent = match again {
                    Resend::Config => {
                        counters.cfg_retries.inc();
                        self.command(&mut link, self.config_request())
                    }
                    Resend::DataOn => {
                        counters.data_on_retries.inc();
                        self.data_on(&mut link, &mut state)
                    }
                    Resend::Refresh => {
                        counters.data_on_refreshes.inc();
                        self.command(&mut link, CommandCode::DataOn)
                    }
                };
                if let Err(e) = sent {
                    return SessionEnd::Lost(format!("command again: {e}"));
                }
            }
            if let Some(foreign) = link.take_foreign().filter(|&n| n > 0) {
                self.shared.counters.foreign_frames.add(foreign);
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
        self.shared.counters.frames.inc();
        if self.foreign(frame) {
            return Ok(());
        }
        let counters = &self.shared.counters;
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
        let clock = Arc::clone(&self.shared.clock);
        match decoded {
            Ok(FrameRepr {
                payload: payload @ (Payload::Config2(_) | Payload::Config3(_)),
                ..
            }) => {
                state.data_rate = match &payload {
                    Payload::Config2(config) => Some(config.data_rate),
                    Payload::Config3(config) => Some(config.data_rate),
                    _ => state.data_rate,
                };
                let Some(layout) = state.decoder.layout() else {
                    return Ok(());
                };
                match self.check_layout(layout) {
                    Some(blocks) => {
                        if self.commanded() && !state.data_on {
                            if let Err(e) = self.data_on(link, state) {
                                return Err(SessionEnd::Lost(format!("data on: {e}")));
                            }
                            state.data_on = true;
                            state.last_request = clock.monotonic();
                            state.answer_due = IoDeadline::after(duration(self.timing.retry));
                        }
                        state.blocks = Some(blocks);
                        *configured = true;
                        state.last_progress = clock.monotonic();
                        if !self.commanded() {
                            // A configuration in-band: listening, every frame reaches us.
                            self.tell_streaming(state);
                        }
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
                // A data frame also shows that "data on" was taken (told before the
                // frame itself goes out).
                self.tell_streaming(state);
                let (Some(blocks), Some(layout)) = (&state.blocks, state.decoder.layout()) else {
                    counters.no_config.inc();
                    return Ok(());
                };
                let ts = header.unix_nanos(layout.time_base);
                // Virtual time may lag the PMUs' real time arbitrarily: no bound there.
                let clock = &self.shared.clock;
                if !clock.is_virtual() && too_far_ahead(ts, clock.wall()) {
                    counters.future_frames.inc();
                    return Ok(());
                }
                state.last_progress = clock.monotonic();
                state.data_seen = true;
                counters.data_frames.inc();
                let change_bit = blocks
                    .iter()
                    .filter_map(|&b| data.pmus.get(b))
                    .any(|p| p.stat.config_change);
                let ask = state.watch.data(change_bit) && self.commanded();
                let batch = self
                    .members
                    .iter()
                    .zip(blocks)
                    .filter_map(|(member, &block)| self.arrival(member, &data, layout, block, ts))
                    .collect();
                match self.shared.arrivals.try_send(ClientMessage::Frame(batch)) {
                    Ok(()) | Err(TrySendError::Disconnected(_)) => {}
                    Err(TrySendError::Full(_)) => counters.queue_full.inc(),
                }
                if ask {
                    self.ask_config_again(link)?;
                }
            }
            Ok(FrameRepr {
                payload: Payload::Header(_),
                ..
            }) if state.data_on => {
                // Virtual time: the answer to the "send header" sent after "data on".
                self.tell_streaming(state);
            }
            Ok(_) => {}
            Err(CodecError::CrcMismatch { .. }) => counters.crc_errors.inc(),
            // Before any configuration, data frames cannot be decoded.
            Err(_) if state.decoder.layout().is_none() => counters.no_config.inc(),
            Err(_) => {
                counters.decode_errors.inc();
                if state.watch.decode_error() && self.commanded() {
                    self.ask_config_again(link)?;
                }
            }
        }
        Ok(())
    }

    /// Asks for the configuration during a session (it may have changed).
    fn ask_config_again(&self, link: &mut Link) -> Result<(), SessionEnd> {
        self.shared.counters.cfg_refreshes.inc();
        self.command(link, self.config_request())
            .map_err(|e| SessionEnd::Lost(format!("configuration request: {e}")))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{DataFormat, PmuLayout};
    use crate::pdc::config::ConfigFrame;

    const S: i64 = 1_000_000_000;

    fn member(index: usize, block: u16, explicit_block: bool) -> Member {
        Member {
            index,
            spec: PmuSpec {
                name: format!("p{index}"),
                connect: None,
                idcode: 1,
                block,
                explicit_block,
                transport: Transport::Tcp,
                udp_bind: None,
                config: ConfigFrame::Cfg2,
                phasors: Vec::new(),
                analogs: Vec::new(),
                digitals: Vec::new(),
                freq: "f".into(),
                rocof: "r".into(),
                stat: None,
            },
        }
    }

    fn layout(idcodes: &[u16]) -> DataLayout {
        DataLayout {
            pmus: idcodes
                .iter()
                .map(|&idcode| PmuLayout {
                    idcode,
                    format: DataFormat::default(),
                    nominal_hz: 50.0,
                    phasors: Vec::new(),
                    analogs: Vec::new(),
                    digital_words: 0,
                })
                .collect(),
            time_base: 1_000_000,
        }
    }

    #[test]
    fn a_block_not_in_the_stream_is_a_mismatch() {
        // `pmu = 7` given: block 7 must be there.
        assert_eq!(
            block_indexes(&[member(0, 7, true)], &layout(&[5, 7])),
            Some(vec![1])
        );
        assert_eq!(block_indexes(&[member(0, 7, true)], &layout(&[5, 6])), None);
        assert_eq!(block_indexes(&[member(0, 7, true)], &layout(&[5])), None);
        // `pmu` not given: only a single-block stream may have another IDCODE.
        assert_eq!(
            block_indexes(&[member(0, 1, false)], &layout(&[5])),
            Some(vec![0])
        );
        assert_eq!(
            block_indexes(&[member(0, 1, false)], &layout(&[5, 6])),
            None
        );
        assert_eq!(
            block_indexes(&[member(0, 1, false)], &layout(&[5, 1])),
            Some(vec![1])
        );
    }

    #[test]
    fn backoff_doubles_without_overflow() {
        assert_eq!(next_backoff(100, 1_000), 200);
        assert_eq!(next_backoff(800, 1_000), 1_000);
        assert_eq!(next_backoff(i64::MAX / 2 + 1, i64::MAX), i64::MAX);
        assert_eq!(next_backoff(i64::MAX, i64::MAX), i64::MAX);
    }

    #[test]
    fn frames_far_ahead_of_the_wall_clock_are_refused() {
        let wall = 1_700_000_000 * S;
        let at = |ns: i64| u64::try_from(ns).unwrap();
        assert!(!too_far_ahead(at(wall), wall));
        assert!(!too_far_ahead(at(wall + MAX_AHEAD), wall));
        assert!(too_far_ahead(at(wall + MAX_AHEAD + 1), wall));
        // SOC = 0xFFFFFFFF: year 2106.
        assert!(too_far_ahead(0xFFFF_FFFF * 1_000_000_000, wall));
        assert!(too_far_ahead(u64::MAX, wall));
        // Old time stamps are the aligner's business.
        assert!(!too_far_ahead(0, wall));
    }

    #[test]
    fn frame_idcode_reads_bytes_4_and_5() {
        assert_eq!(
            frame_idcode(&[0xAA, 0x01, 0, 20, 0x12, 0x34, 0]),
            Some(0x1234)
        );
        assert_eq!(frame_idcode(&[0xAA, 0x01, 0, 20, 0x12]), None);
        assert_eq!(frame_idcode(&[]), None);
    }

    #[test]
    fn udp_sessions_resend_and_refresh_data_on() {
        // The retry (real time) and the refresh (engine time) run from the last request.
        let ms = |n: i64| n * 1_000_000;
        let (retry, refresh) = (ms(1_000), ms(5_000));
        let resend = |configured, streaming, since: i64| {
            udp_resend(configured, streaming, since > retry, since > refresh)
        };
        assert_eq!(resend(false, false, ms(900)), None);
        assert_eq!(resend(false, false, ms(1_001)), Some(Resend::Config));
        assert_eq!(resend(true, false, ms(1_001)), Some(Resend::DataOn));
        // Data flows: nothing before the refresh period, then "data on" again.
        assert_eq!(resend(true, true, ms(1_001)), None);
        assert_eq!(resend(true, true, ms(4_999)), None);
        assert_eq!(resend(true, true, ms(5_001)), Some(Resend::Refresh));
    }

    #[test]
    fn config_is_asked_again_on_a_stat_change_bit_edge_or_decode_errors() {
        let mut watch = ConfigWatch::default();
        assert!(!watch.data(false));
        assert!(watch.data(true), "change announced");
        assert!(!watch.data(true));
        assert!(watch.data(false), "change done");
        assert!(!watch.data(false));
        for _ in 1..DECODE_ERRORS_BEFORE_CFG {
            assert!(!watch.decode_error());
        }
        assert!(watch.decode_error());
        // A good frame resets the run.
        for _ in 1..DECODE_ERRORS_BEFORE_CFG {
            assert!(!watch.decode_error());
        }
        assert!(!watch.data(false));
        assert!(!watch.decode_error());
    }
}
