//! The network side of `iec104-server`, on a thread of its own (never a real-time one):
//! accepts one master at a time, runs its [`Session`], answers interrogations, clock
//! synchronisation and read commands, sends the updates the node's writer queues as
//! spontaneous messages, and hands executed commands to the node's reader. Bounded queues
//! on both sides; the real-time halves never wait for it.

use super::points::{CommandConfig, PointConfig};
use crate::iec104::{
    apdu_len, cause, Apci, ApduRepr, AsduRepr, Cp56Time2a, Element, InformationObject, ObjectList,
    Session, SessionConfig, TypeId, MAX_APDU_LEN,
};
use crossbeam_queue::ArrayQueue;
use gridhil_engine::clock::Clock;
use gridhil_engine::stats::{Counter, CounterValue};
use gridhil_engine::units::Nanos;
use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration as StdDuration;

/// A point's new value, from the writer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Update {
    pub point: usize,
    pub value: f64,
    pub invalid: bool,
    /// The sample's `ts_origin` (ns since the Unix epoch).
    pub time: Nanos,
}

/// An executed command, for the reader.
#[derive(Debug, Clone, Copy)]
pub(super) struct Command {
    pub command: usize,
    pub value: f64,
    /// Wall time of reception.
    pub time: Nanos,
}

/// Counters of an `iec104-server` node.
#[derive(Debug, Default)]
pub struct ServerCounters {
    pub(super) connections: Counter,
    pub(super) disconnects: Counter,
    pub(super) apdus_received: Counter,
    pub(super) apdus_sent: Counter,
    pub(super) spontaneous: Counter,
    pub(super) interrogations: Counter,
    pub(super) commands: Counter,
    pub(super) commands_rejected: Counter,
    pub(super) updates_dropped: Counter,
    pub(super) backlog_dropped: Counter,
    pub(super) protocol_errors: Counter,
    pub(super) malformed: Counter,
    pub(super) io_errors: Counter,
}

impl ServerCounters {
    /// The counters with their meaning.
    pub fn values(&self) -> Vec<CounterValue> {
        vec![
            CounterValue::info("connections", self.connections.get()),
            CounterValue::info("disconnects", self.disconnects.get()),
            CounterValue::info("apdus_received", self.apdus_received.get()),
            CounterValue::info("apdus_sent", self.apdus_sent.get()),
            CounterValue::info("spontaneous", self.spontaneous.get()),
            CounterValue::info("interrogations", self.interrogations.get()),
            CounterValue::info("commands", self.commands.get()),
            CounterValue::problem("commands_rejected", self.commands_rejected.get()),
            CounterValue::problem("updates_dropped", self.updates_dropped.get()),
            CounterValue::problem("backlog_dropped", self.backlog_dropped.get()),
            CounterValue::problem("protocol_errors", self.protocol_errors.get()),
            CounterValue::problem("malformed", self.malformed.get()),
            CounterValue::problem("io_errors", self.io_errors.get()),
        ]
    }
}

/// Everything the thread needs.
pub(super) struct Outstation {
    pub listener: TcpListener,
    pub session: SessionConfig,
    pub common_address: u16,
    pub points: Vec<PointConfig>,
    pub commands: Vec<CommandConfig>,
    pub updates: Arc<ArrayQueue<Update>>,
    pub executed: Arc<ArrayQueue<Command>>,
    pub wake: UnixDatagram,
    pub clock: Arc<dyn Clock>,
    pub counters: Arc<ServerCounters>,
    pub stop: Arc<AtomicBool>,
    /// ASDUs waiting for the k window, at most this many.
    pub backlog: usize,
}

/// The latest value of each point.
#[derive(Debug, Clone, Copy)]
struct Latest {
    value: f64,
    invalid: bool,
}

/// How often the thread looks at its queues and the stop flag.
const TICK: StdDuration = StdDuration::from_millis(5);

impl Outstation {
    /// Runs until the stop flag is set.
    pub fn run(mut self) {
        let mut latest: Vec<Option<Latest>> = vec![None; self.points.len()];
        if self.listener.set_nonblocking(true).is_err() {
            self.counters.io_errors.inc();
        }
        while !self.stop.load(Ordering::Relaxed) {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    self.counters.connections.inc();
                    self.serve(stream, &mut latest);
                    self.counters.disconnects.inc();
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    while let Some(u) = self.updates.pop() {
                        store(&mut latest, &u);
                    }
                    std::thread::sleep(TICK);
                }
                Err(_) => {
                    self.counters.io_errors.inc();
                    std::thread::sleep(TICK);
                }
            }
        }
    }

    fn now(&self) -> Nanos {
        self.clock.monotonic()
    }

    /// Serves one connection until it closes, fails, or the node stops.
    fn serve(&mut self, mut stream: TcpStream, latest: &mut [Option<Latest>]) {
        let _ = stream.set_nodelay(true);
        if stream.set_read_timeout(Some(TICK)).is_err() {
            self.counters.io_errors.inc();
            return;
        }
        let mut session = Session::new(self.session, self.now());
        let mut rx: Vec<u8> = Vec::with_capacity(4096);
        let mut backlog: VecDeque<Vec<u8>> = VecDeque::new();
        let mut selected: Option<u32> = None;
        let mut buf = [0u8; 4096];
        while !self.stop.load(Ordering::Relaxed) {
            match stream.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => rx.extend_from_slice(buf.get(..n).unwrap_or_default()),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => {
                    self.counters.io_errors.inc();
                    return;
                }
            }
            // Received APDUs.
            loop {
                let n = match apdu_len(&rx) {
                    Ok(Some(n)) if rx.len() >= n => n,
                    Ok(_) => break,
                    Err(_) => {
                        self.counters.malformed.inc();
                        return;
                    }
                };
                let raw: Vec<u8> = rx.drain(..n).collect();
                self.counters.apdus_received.inc();
                let apdu = match ApduRepr::parse(&raw) {
                    Ok(apdu) => apdu,
                    Err(_) => {
                        // A well-framed APDU whose ASDU we cannot read: answer an unknown
                        // type if it is one, else count it.
                        self.counters.malformed.inc();
                        if let Some(reply) = unknown_type_reply(&raw) {
                            backlog.push_back(reply);
                        }
                        // Its N(S) must still be counted.
                        if let Ok(apci) = Apci::from_control([raw[2], raw[3], raw[4], raw[5]]) {
                            if session.receive(apci, self.now()).is_err() {
                                self.counters.protocol_errors.inc();
                                return;
                            }
                        }
                        continue;
                    }
                };
                match session.receive(apdu.apci, self.now()) {
                    Ok(true) => {
                        if let Some(asdu) = apdu.asdu {
                            self.handle(&asdu, latest, &mut selected, &mut backlog);
                        }
                    }
                    Ok(false) => {}
                    Err(_) => {
                        self.counters.protocol_errors.inc();
                        return;
                    }
                }
            }
            // Updates from the writer.
            while let Some(u) = self.updates.pop() {
                store(latest, &u);
                if session.is_started() {
                    if backlog.len() >= self.backlog {
                        self.counters.backlog_dropped.inc();
                        continue;
                    }
                    if let Some(bytes) = self.spontaneous(&u) {
                        backlog.push_back(bytes);
                        self.counters.spontaneous.inc();
                    }
                }
            }
            // S and U frames first (a STARTDT con before any data), then what the window
            // allows.
            let mut out: Vec<u8> = Vec::new();
            while let Some(apci) = session.poll_transmit() {
                push_apdu(&mut out, apci, &[]);
            }
            while session.can_send() {
                let Some(asdu) = backlog.pop_front() else {
                    break;
                };
                let apci = session.send(self.now());
                push_apdu(&mut out, apci, &asdu);
            }
            if !out.is_empty() && stream.write_all(&out).is_err() {
                self.counters.io_errors.inc();
                return;
            }
            if session.handle_timeout(self.now()).is_err() {
                self.counters.protocol_errors.inc();
                return;
            }
        }
    }

    /// One ASDU with one object, the given cause.
    fn asdu(
        &self,
        type_id: TypeId,
        cause: u8,
        negative: bool,
        object: InformationObject<'_>,
    ) -> Option<Vec<u8>> {
        let objects = [object];
        let asdu = AsduRepr {
            type_id,
            sequence: false,
            count: 1,
            cause,
            negative,
            test: false,
            originator: 0,
            common_address: self.common_address,
            objects: ObjectList::Items(&objects),
        };
        let mut buf = [0u8; MAX_APDU_LEN];
        let n = asdu.emit(&mut buf).ok()?;
        Some(buf.get(..n)?.to_vec())
    }

    fn spontaneous(&self, u: &Update) -> Option<Vec<u8>> {
        let point = self.points.get(u.point)?;
        let object = InformationObject {
            address: point.ioa,
            element: point.kind.element(u.value, u.invalid),
            time: point.time.then(|| Cp56Time2a::from_unix_nanos(u.time)),
        };
        self.asdu(
            point.kind.type_id(point.time),
            cause::SPONTANEOUS,
            false,
            object,
        )
    }

    /// The mirror of a received ASDU with another cause (confirmations, terminations).
    fn mirror(asdu: &AsduRepr<'_>, cause: u8, negative: bool) -> Option<Vec<u8>> {
        let mirrored = AsduRepr {
            cause,
            negative,
            ..*asdu
        };
        let mut buf = [0u8; MAX_APDU_LEN];
        let n = mirrored.emit(&mut buf).ok()?;
        Some(buf.get(..n)?.to_vec())
    }

    fn handle(
        &mut self,
        asdu: &AsduRepr<'_>,
        latest: &[Option<Latest>],
        selected: &mut Option<u32>,
        backlog: &mut VecDeque<Vec<u8>>,
    ) {
        let mut reply = |bytes: Option<Vec<u8>>| {
            if let Some(b) = bytes {
                backlog.push_back(b);
            }
        };
        if asdu.common_address != self.common_address && asdu.common_address != 0xffff {
            reply(Self::mirror(asdu, cause::UNKNOWN_COMMON_ADDRESS, true));
            return;
        }
        let Some(object) = asdu.iter().next() else {
            return;
        };
        match asdu.type_id {
            TypeId::C_IC_NA_1 => {
                if asdu.cause != cause::ACTIVATION {
                    reply(Self::mirror(asdu, cause::UNKNOWN_CAUSE, true));
                    return;
                }
                self.counters.interrogations.inc();
                reply(Self::mirror(asdu, cause::ACTIVATION_CON, false));
                let station = matches!(object.element, Element::Interrogation { qoi: 20 });
                if station {
                    for (point, value) in self.points.iter().zip(latest) {
                        // A point without a value yet is reported invalid (IV).
                        let v = value.unwrap_or(Latest {
                            value: 0.0,
                            invalid: true,
                        });
                        let object = InformationObject {
                            address: point.ioa,
                            element: point.kind.element(v.value, v.invalid),
                            time: None,
                        };
                        reply(self.asdu(
                            point.kind.type_id(false),
                            cause::INTERROGATED_BY_STATION,
                            false,
                            object,
                        ));
                    }
                }
                reply(Self::mirror(asdu, cause::ACTIVATION_TERMINATION, false));
            }
            TypeId::C_CS_NA_1 => {
                // The run's clock is not set from the network: confirm and keep it.
                reply(Self::mirror(asdu, cause::ACTIVATION_CON, false));
            }
            TypeId::C_RD_NA_1 => {
                let found = self
                    .points
                    .iter()
                    .zip(latest)
                    .find(|(p, _)| p.ioa == object.address);
                match found {
                    Some((point, Some(v))) => {
                        let object = InformationObject {
                            address: point.ioa,
                            element: point.kind.element(v.value, v.invalid),
                            time: None,
                        };
                        reply(self.asdu(point.kind.type_id(false), cause::REQUEST, false, object));
                    }
                    _ => reply(Self::mirror(asdu, cause::UNKNOWN_OBJECT_ADDRESS, true)),
                }
            }
            t if t.is_control_direction() => {
                let Some(index) = self.commands.iter().position(|c| c.ioa == object.address) else {
                    self.counters.commands_rejected.inc();
                    reply(Self::mirror(asdu, cause::UNKNOWN_OBJECT_ADDRESS, true));
                    return;
                };
                let command = &self.commands[index];
                if !command.kind.accepts(t) {
                    self.counters.commands_rejected.inc();
                    reply(Self::mirror(asdu, cause::UNKNOWN_TYPE, true));
                    return;
                }
                if asdu.cause == cause::DEACTIVATION {
                    *selected = None;
                    reply(Self::mirror(asdu, cause::DEACTIVATION_CON, false));
                    return;
                }
                if asdu.cause != cause::ACTIVATION {
                    self.counters.commands_rejected.inc();
                    reply(Self::mirror(asdu, cause::UNKNOWN_CAUSE, true));
                    return;
                }
                if object.element.is_select() {
                    *selected = Some(object.address);
                    reply(Self::mirror(asdu, cause::ACTIVATION_CON, false));
                    return;
                }
                if command.select_before_operate && *selected != Some(object.address) {
                    self.counters.commands_rejected.inc();
                    reply(Self::mirror(asdu, cause::ACTIVATION_CON, true));
                    return;
                }
                *selected = None;
                let value = object.element.value().unwrap_or(0.0);
                let executed = Command {
                    command: index,
                    value,
                    time: self.clock.wall(),
                };
                if self.executed.push(executed).is_err() {
                    self.counters.commands_rejected.inc();
                    reply(Self::mirror(asdu, cause::ACTIVATION_CON, true));
                    return;
                }
                let _ = self.wake.send(&[1]);
                self.counters.commands.inc();
                reply(Self::mirror(asdu, cause::ACTIVATION_CON, false));
                reply(Self::mirror(asdu, cause::ACTIVATION_TERMINATION, false));
            }
            _ => {
                // Monitoring information sent to an outstation.
                reply(Self::mirror(asdu, cause::UNKNOWN_TYPE, true));
            }
        }
    }
}

fn store(latest: &mut [Option<Latest>], u: &Update) {
    if let Some(slot) = latest.get_mut(u.point) {
        *slot = Some(Latest {
            value: u.value,
            invalid: u.invalid,
        });
    }
}

/// An I frame's APCI and ASDU appended to `out`.
fn push_apdu(out: &mut Vec<u8>, apci: Apci, asdu: &[u8]) {
    out.push(crate::iec104::START);
    out.push((4 + asdu.len()) as u8);
    out.extend_from_slice(&apci.to_control());
    out.extend_from_slice(asdu);
}

/// The negative confirmation (cause 44) of an I frame with an unknown type.
fn unknown_type_reply(raw: &[u8]) -> Option<Vec<u8>> {
    let asdu = raw.get(6..)?;
    if TypeId(*asdu.first()?).is_known() {
        return None;
    }
    let mut reply = asdu.to_vec();
    let cot = reply.get_mut(2)?;
    *cot = cause::UNKNOWN_TYPE | 0x40;
    Some(reply)
}
