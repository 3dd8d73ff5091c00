//! The network side of `iec104-client`, on a thread of its own (never a real-time one):
//! connects to an outstation (t0, reconnect with back-off), starts data transfer, sends a
//! station interrogation, and hands every monitored value of the configured points to the
//! node's reader; commands the node's writer queues are sent as activations. Bounded queues
//! on both sides.

use super::outstation::{Command, Update};
use super::points::{CommandConfig, PointConfig};
use crate::iec104::{
    apdu_len, cause, Apci, ApduRepr, AsduRepr, Element, InformationObject, ObjectList, Session,
    SessionConfig, TypeId, MAX_APDU_LEN,
};
use crossbeam_queue::ArrayQueue;
use gridhil_engine::clock::Clock;
use gridhil_engine::stats::{Counter, CounterValue};
use gridhil_engine::units::Nanos;
use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration as StdDuration;

/// Counters of an `iec104-client` node.
#[derive(Debug, Default)]
pub struct ClientCounters {
    pub(super) connections: Counter,
    pub(super) connect_failures: Counter,
    pub(super) disconnects: Counter,
    pub(super) apdus_received: Counter,
    pub(super) values: Counter,
    pub(super) unknown_points: Counter,
    pub(super) commands_sent: Counter,
    pub(super) commands_confirmed: Counter,
    pub(super) commands_refused: Counter,
    pub(super) commands_dropped: Counter,
    pub(super) values_dropped: Counter,
    pub(super) protocol_errors: Counter,
    pub(super) malformed: Counter,
}

impl ClientCounters {
    /// The counters with their meaning.
    pub fn values(&self) -> Vec<CounterValue> {
        vec![
            CounterValue::info("connections", self.connections.get()),
            CounterValue::problem("connect_failures", self.connect_failures.get()),
            CounterValue::problem("disconnects", self.disconnects.get()),
            CounterValue::info("apdus_received", self.apdus_received.get()),
            CounterValue::info("values", self.values.get()),
            CounterValue::info("unknown_points", self.unknown_points.get()),
            CounterValue::info("commands_sent", self.commands_sent.get()),
            CounterValue::info("commands_confirmed", self.commands_confirmed.get()),
            CounterValue::problem("commands_refused", self.commands_refused.get()),
            CounterValue::problem("commands_dropped", self.commands_dropped.get()),
            CounterValue::problem("values_dropped", self.values_dropped.get()),
            CounterValue::problem("protocol_errors", self.protocol_errors.get()),
            CounterValue::problem("malformed", self.malformed.get()),
        ]
    }
}

/// Everything the thread needs.
pub(super) struct Station {
    pub address: SocketAddr,
    pub session: SessionConfig,
    pub t0: Nanos,
    pub common_address: u16,
    pub points: Vec<PointConfig>,
    pub commands: Vec<CommandConfig>,
    /// Values for the reader.
    pub values: Arc<ArrayQueue<Update>>,
    /// Commands from the writer.
    pub outgoing: Arc<ArrayQueue<Command>>,
    pub wake: UnixDatagram,
    pub clock: Arc<dyn Clock>,
    pub counters: Arc<ClientCounters>,
    pub stop: Arc<AtomicBool>,
}

const TICK: StdDuration = StdDuration::from_millis(5);
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Nanos = 10_000_000_000;

impl Station {
    /// Connects, serves, reconnects with back-off (0.5 s doubling up to 10 s) until stopped.
    pub fn run(self) {
        let mut backoff: Nanos = 500_000_000;
        while !self.stop.load(Ordering::Relaxed) {
            let timeout = StdDuration::from_nanos(self.t0.max(1) as u64);
            match TcpStream::connect_timeout(&self.address, timeout) {
                Ok(stream) => {
                    self.counters.connections.inc();
                    backoff = 500_000_000;
                    self.serve(stream);
                    self.counters.disconnects.inc();
                }
                Err(_) => self.counters.connect_failures.inc(),
            }
            // Back-off in small steps so that a stop is seen at once.
            let mut waited: Nanos = 0;
            while waited < backoff && !self.stop.load(Ordering::Relaxed) {
                std::thread::sleep(TICK);
                waited += TICK.as_nanos() as Nanos;
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    fn now(&self) -> Nanos {
        self.clock.monotonic()
    }

    fn serve(&self, mut stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        if stream.set_read_timeout(Some(TICK)).is_err() {
            return;
        }
        let mut session = Session::new(self.session, self.now());
        session.start_data_transfer(self.now());
        let mut interrogated = false;
        let mut rx: Vec<u8> = Vec::with_capacity(4096);
        let mut backlog: VecDeque<Vec<u8>> = VecDeque::new();
        let mut buf = [0u8; 4096];
        while !self.stop.load(Ordering::Relaxed) {
            match stream.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => rx.extend_from_slice(buf.get(..n).unwrap_or_default()),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return,
            }
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
                        self.counters.malformed.inc();
                        match raw
                            .get(2..6)
                            .and_then(|c| c.try_into().ok())
                            .map(Apci::from_control)
                        {
                            Some(Ok(apci)) if session.receive(apci, self.now()).is_ok() => continue,
                            _ => {
                                self.counters.protocol_errors.inc();
                                return;
                            }
                        }
                    }
                };
                match session.receive(apdu.apci, self.now()) {
                    Ok(true) => {
                        if let Some(asdu) = apdu.asdu {
                            self.handle(&asdu);
                        }
                    }
                    Ok(false) => {}
                    Err(_) => {
                        self.counters.protocol_errors.inc();
                        return;
                    }
                }
            }
            if session.is_started() && !interrogated {
                interrogated = true;
                backlog.extend(self.asdu(TypeId::C_IC_NA_1, 0, Element::Interrogation { qoi: 20 }));
            }
            while let Some(command) = self.outgoing.pop() {
                match self.command_asdu(&command) {
                    Some(bytes) if session.is_started() => {
                        backlog.push_back(bytes);
                        self.counters.commands_sent.inc();
                    }
                    _ => self.counters.commands_dropped.inc(),
                }
            }
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
                return;
            }
            if session.handle_timeout(self.now()).is_err() {
                self.counters.protocol_errors.inc();
                return;
            }
        }
    }

    fn asdu(&self, type_id: TypeId, address: u32, element: Element<'_>) -> Option<Vec<u8>> {
        let objects = [InformationObject {
            address,
            element,
            time: None,
        }];
        let asdu = AsduRepr {
            type_id,
            sequence: false,
            count: 1,
            cause: cause::ACTIVATION,
            negative: false,
            test: false,
            originator: 0,
            common_address: self.common_address,
            objects: ObjectList::Items(&objects),
        };
        let mut buf = [0u8; MAX_APDU_LEN];
        let n = asdu.emit(&mut buf).ok()?;
        Some(buf.get(..n)?.to_vec())
    }

    fn command_asdu(&self, command: &Command) -> Option<Vec<u8>> {
        let config = self.commands.get(command.command)?;
        let (type_id, element) = config.kind.element(command.value);
        self.asdu(type_id, config.ioa, element)
    }

    fn handle(&self, asdu: &AsduRepr<'_>) {
        if asdu.type_id.is_control_direction() {
            match asdu.cause {
                cause::ACTIVATION_CON if asdu.negative => self.counters.commands_refused.inc(),
                cause::ACTIVATION_CON if asdu.type_id != TypeId::C_IC_NA_1 => {
                    self.counters.commands_confirmed.inc()
                }
                _ => {}
            }
            return;
        }
        for object in asdu.iter() {
            let Some(point) = self.points.iter().position(|p| p.ioa == object.address) else {
                self.counters.unknown_points.inc();
                continue;
            };
            let Some(value) = object.element.value() else {
                continue;
            };
            let invalid = object
                .element
                .quality()
                .is_some_and(|q| q & crate::iec104::quality::INVALID != 0);
            let time = object
                .time
                .and_then(|t| t.to_unix_nanos())
                .unwrap_or_else(|| self.clock.wall());
            let update = Update {
                point,
                value,
                invalid,
                time,
            };
            if self.values.push(update).is_err() {
                self.counters.values_dropped.inc();
            } else {
                self.counters.values.inc();
            }
        }
        let _ = self.wake.send(&[1]);
    }
}

fn push_apdu(out: &mut Vec<u8>, apci: Apci, asdu: &[u8]) {
    out.push(crate::iec104::START);
    out.push((4 + asdu.len()) as u8);
    out.extend_from_slice(&apci.to_control());
    out.extend_from_slice(asdu);
}
