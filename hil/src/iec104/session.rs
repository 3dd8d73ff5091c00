//! The link layer of one IEC 104 connection, sans-IO: send and receive sequence numbers,
//! the k and w windows, the timers t1 (acknowledgement), t2 (own acknowledgement) and t3
//! (idle test), STARTDT/STOPDT/TESTFR. Time comes in as an argument (`now`, engine
//! nanoseconds); the caller owns the socket, the ASDUs and t0 (connecting).

use super::apdu::{Apci, UFunction, SEQUENCE_MODULUS};
use gridhil_engine::units::Nanos;
use std::collections::VecDeque;
use thiserror::Error;

/// The protocol's parameters (IEC 60870-5-104 §9.6, with the standard's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    /// Most I frames sent and not yet acknowledged (default 12).
    pub k: u16,
    /// Acknowledge at the latest after this many received I frames (default 8).
    pub w: u16,
    /// t1: time-out of sent APDUs and of STARTDT/STOPDT/TESTFR (default 15 s).
    pub t1: Nanos,
    /// t2: acknowledge received I frames after this long without own data (default 10 s).
    pub t2: Nanos,
    /// t3: send TESTFR after this long idle (default 20 s).
    pub t3: Nanos,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            k: 12,
            w: 8,
            t1: 15_000_000_000,
            t2: 10_000_000_000,
            t3: 20_000_000_000,
        }
    }
}

/// Why a connection must be closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SessionError {
    /// An I frame's N(S) is not the expected receive sequence number.
    #[error("received N(S) {got}, expected {expected}")]
    SequenceNumber {
        /// The expected N(S).
        expected: u16,
        /// The N(S) received.
        got: u16,
    },
    /// An N(R) that acknowledges frames never sent.
    #[error("received N(R) {got} outside the unacknowledged range {oldest}..={next}")]
    Acknowledge {
        /// Oldest unacknowledged N(S).
        oldest: u16,
        /// Next N(S).
        next: u16,
        /// The N(R) received.
        got: u16,
    },
    /// t1 ran out: an I frame or a U function was not acknowledged in time.
    #[error("t1 expired waiting for the acknowledgement of {what}")]
    T1Expired {
        /// What was not acknowledged.
        what: &'static str,
    },
    /// An I frame arrived while data transfer is stopped.
    #[error("I frame received while data transfer is stopped")]
    NotStarted,
}

/// The state of one connection.
#[derive(Debug, Clone)]
pub struct Session {
    config: SessionConfig,
    started: bool,
    next_send: u16,
    next_receive: u16,
    /// Send times of the I frames not yet acknowledged, oldest first.
    unacknowledged: VecDeque<Nanos>,
    /// I frames received since the last acknowledgement sent, and when the first came.
    received: u16,
    received_since: Nanos,
    /// A U function waiting for its confirmation, and its t1 deadline.
    pending: Option<(UFunction, Nanos)>,
    last_received: Nanos,
    outbox: VecDeque<Apci>,
}

const fn modular(n: u16) -> u16 {
    n % SEQUENCE_MODULUS
}

impl Session {
    /// A freshly connected session at `now` (data transfer stopped).
    pub fn new(config: SessionConfig, now: Nanos) -> Session {
        Session {
            config,
            started: false,
            next_send: 0,
            next_receive: 0,
            unacknowledged: VecDeque::with_capacity(usize::from(config.k)),
            received: 0,
            received_since: now,
            pending: None,
            last_received: now,
            outbox: VecDeque::new(),
        }
    }

    /// Whether data transfer is started (STARTDT confirmed).
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// I frames sent and not yet acknowledged.
    pub fn outstanding(&self) -> usize {
        self.unacknowledged.len()
    }

    /// Asks the peer to start data transfer (the controlling station's part).
    pub fn start_data_transfer(&mut self, now: Nanos) {
        self.request(UFunction::StartDtAct, now);
    }

    /// Asks the peer to stop data transfer.
    pub fn stop_data_transfer(&mut self, now: Nanos) {
        self.request(UFunction::StopDtAct, now);
    }

    fn request(&mut self, function: UFunction, now: Nanos) {
        self.outbox.push_back(Apci::U(function));
        self.pending = Some((function, now + self.config.t1));
    }

    /// Takes in one received APCI. `Ok(true)`: an I frame whose ASDU the caller handles.
    pub fn receive(&mut self, apci: Apci, now: Nanos) -> Result<bool, SessionError> {
        self.last_received = now;
        match apci {
            Apci::I { send, receive } => {
                if !self.started {
                    return Err(SessionError::NotStarted);
                }
                if send != self.next_receive {
                    return Err(SessionError::SequenceNumber {
                        expected: self.next_receive,
                        got: send,
                    });
                }
                self.acknowledge(receive)?;
                self.next_receive = modular(self.next_receive + 1);
                if self.received == 0 {
                    self.received_since = now;
                }
                self.received += 1;
                if self.received >= self.config.w {
                    self.send_acknowledgement();
                }
                Ok(true)
            }
            Apci::S { receive } => {
                self.acknowledge(receive)?;
                Ok(false)
            }
            Apci::U(function) => {
                match function {
                    UFunction::StartDtAct => {
                        self.started = true;
                        self.outbox.push_back(Apci::U(UFunction::StartDtCon));
                    }
                    UFunction::StopDtAct => {
                        // Acknowledge what came before stopping.
                        if self.received > 0 {
                            self.send_acknowledgement();
                        }
                        self.started = false;
                        self.outbox.push_back(Apci::U(UFunction::StopDtCon));
                    }
                    UFunction::TestFrAct => self.outbox.push_back(Apci::U(UFunction::TestFrCon)),
                    UFunction::StartDtCon | UFunction::StopDtCon | UFunction::TestFrCon => {
                        let expected = match function {
                            UFunction::StartDtCon => UFunction::StartDtAct,
                            UFunction::StopDtCon => UFunction::StopDtAct,
                            _ => UFunction::TestFrAct,
                        };
                        if self.pending.is_some_and(|(f, _)| f == expected) {
                            self.pending = None;
                        }
                        match function {
                            UFunction::StartDtCon => self.started = true,
                            UFunction::StopDtCon => self.started = false,
                            _ => {}
                        }
                    }
                }
                Ok(false)
            }
        }
    }

    fn acknowledge(&mut self, receive: u16) -> Result<(), SessionError> {
        let outstanding = self.unacknowledged.len() as u16;
        let oldest = modular(self.next_send.wrapping_add(SEQUENCE_MODULUS) - outstanding);
        let acked = modular(receive.wrapping_add(SEQUENCE_MODULUS) - oldest);
        if acked > outstanding {
            return Err(SessionError::Acknowledge {
                oldest,
                next: self.next_send,
                got: receive,
            });
        }
        self.unacknowledged.drain(..usize::from(acked));
        Ok(())
    }

    fn send_acknowledgement(&mut self) {
        self.outbox.push_back(Apci::S {
            receive: self.next_receive,
        });
        self.received = 0;
    }

    /// Whether an I frame may be sent now (started, fewer than k outstanding).
    pub fn can_send(&self) -> bool {
        self.started && self.unacknowledged.len() < usize::from(self.config.k)
    }

    /// The APCI of the next I frame, sent at `now` (it acknowledges what was received).
    pub fn send(&mut self, now: Nanos) -> Apci {
        let apci = Apci::I {
            send: self.next_send,
            receive: self.next_receive,
        };
        self.next_send = modular(self.next_send + 1);
        self.unacknowledged.push_back(now);
        self.received = 0;
        apci
    }

    /// The next S or U frame to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Apci> {
        self.outbox.pop_front()
    }

    /// Runs the timers: t1 errors, t2 queues an S frame, t3 a TESTFR.
    pub fn handle_timeout(&mut self, now: Nanos) -> Result<(), SessionError> {
        if self
            .unacknowledged
            .front()
            .is_some_and(|&sent| now >= sent + self.config.t1)
        {
            return Err(SessionError::T1Expired { what: "an I frame" });
        }
        if let Some((function, deadline)) = self.pending {
            if now >= deadline {
                return Err(SessionError::T1Expired {
                    what: match function {
                        UFunction::StartDtAct => "STARTDT",
                        UFunction::StopDtAct => "STOPDT",
                        _ => "TESTFR",
                    },
                });
            }
        }
        if self.received > 0 && now >= self.received_since + self.config.t2 {
            self.send_acknowledgement();
        }
        if self.pending.is_none() && now >= self.last_received + self.config.t3 {
            self.request(UFunction::TestFrAct, now);
            self.last_received = now;
        }
        Ok(())
    }

    /// The next instant [`handle_timeout`](Self::handle_timeout) has something to do.
    pub fn poll_timeout(&self) -> Nanos {
        let mut next = self.last_received + self.config.t3;
        if let Some(&sent) = self.unacknowledged.front() {
            next = next.min(sent + self.config.t1);
        }
        if let Some((_, deadline)) = self.pending {
            next = next.min(deadline);
        }
        if self.received > 0 {
            next = next.min(self.received_since + self.config.t2);
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    fn drain(s: &mut Session) -> Vec<Apci> {
        std::iter::from_fn(|| s.poll_transmit()).collect()
    }

    #[test]
    fn startdt_windows_and_acknowledgements() {
        let mut server = Session::new(SessionConfig::default(), 0);
        assert!(!server.can_send());
        assert_eq!(server.receive(Apci::U(UFunction::StartDtAct), 0), Ok(false));
        assert_eq!(drain(&mut server), [Apci::U(UFunction::StartDtCon)]);
        // k = 12: the 13th I frame waits for an acknowledgement.
        for n in 0..12 {
            assert!(server.can_send());
            assert_eq!(
                server.send(S),
                Apci::I {
                    send: n,
                    receive: 0
                }
            );
        }
        assert!(!server.can_send());
        assert_eq!(server.receive(Apci::S { receive: 5 }, 2 * S), Ok(false));
        assert_eq!(server.outstanding(), 7);
        assert!(server.can_send());
        // Acknowledging frames never sent is an error.
        assert!(matches!(
            server.receive(Apci::S { receive: 13 }, 2 * S),
            Err(SessionError::Acknowledge { .. })
        ));
        // w = 8: the eighth I frame received is acknowledged at once.
        for n in 0..8 {
            assert_eq!(
                server.receive(
                    Apci::I {
                        send: n,
                        receive: 12
                    },
                    3 * S
                ),
                Ok(true)
            );
        }
        assert_eq!(drain(&mut server), [Apci::S { receive: 8 }]);
        assert_eq!(server.outstanding(), 0);
        // An N(S) out of sequence closes the connection.
        assert_eq!(
            server.receive(
                Apci::I {
                    send: 9,
                    receive: 12
                },
                3 * S
            ),
            Err(SessionError::SequenceNumber {
                expected: 8,
                got: 9
            })
        );
    }

    #[test]
    fn timers_t1_t2_t3() {
        let config = SessionConfig::default();
        let mut s = Session::new(config, 0);
        s.receive(Apci::U(UFunction::StartDtAct), 0).unwrap();
        drain(&mut s);
        // t2: one I frame received, nothing sent: an S frame after 10 s.
        s.receive(
            Apci::I {
                send: 0,
                receive: 0,
            },
            S,
        )
        .unwrap();
        assert_eq!(s.poll_timeout(), S + config.t2);
        s.handle_timeout(S + config.t2).unwrap();
        assert_eq!(drain(&mut s), [Apci::S { receive: 1 }]);
        // t3: idle 20 s after the last frame: TESTFR act, then t1 for its confirmation.
        s.handle_timeout(S + config.t3).unwrap();
        assert_eq!(drain(&mut s), [Apci::U(UFunction::TestFrAct)]);
        s.receive(Apci::U(UFunction::TestFrCon), S + config.t3 + S)
            .unwrap();
        s.handle_timeout(S + config.t3 + 2 * S).unwrap();
        // t1: an I frame never acknowledged.
        s.send(30 * S);
        assert_eq!(
            s.handle_timeout(30 * S + config.t1),
            Err(SessionError::T1Expired { what: "an I frame" })
        );
        // A client's STARTDT without confirmation.
        let mut c = Session::new(config, 0);
        c.start_data_transfer(0);
        assert_eq!(drain(&mut c), [Apci::U(UFunction::StartDtAct)]);
        assert!(c.handle_timeout(config.t1).is_err());
        let mut c = Session::new(config, 0);
        c.start_data_transfer(0);
        c.receive(Apci::U(UFunction::StartDtCon), S).unwrap();
        assert!(c.is_started() && c.handle_timeout(config.t1).is_ok());
        // I frames while stopped.
        let mut stopped = Session::new(config, 0);
        assert_eq!(
            stopped.receive(
                Apci::I {
                    send: 0,
                    receive: 0
                },
                0
            ),
            Err(SessionError::NotStarted)
        );
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut s = Session::new(SessionConfig::default(), 0);
        s.receive(Apci::U(UFunction::StartDtAct), 0).unwrap();
        s.next_send = SEQUENCE_MODULUS - 1;
        s.next_receive = SEQUENCE_MODULUS - 1;
        assert_eq!(
            s.send(0),
            Apci::I {
                send: 32767,
                receive: 32767
            }
        );
        assert_eq!(
            s.send(0),
            Apci::I {
                send: 0,
                receive: 32767
            }
        );
        assert_eq!(
            s.receive(
                Apci::I {
                    send: 32767,
                    receive: 1
                },
                0
            ),
            Ok(true)
        );
        assert_eq!(s.outstanding(), 0);
        assert_eq!(
            s.receive(
                Apci::I {
                    send: 0,
                    receive: 1
                },
                0
            ),
            Ok(true)
        );
    }
}
