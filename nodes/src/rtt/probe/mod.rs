//! The standalone round-trip probe behind `gridhil rtt`: latency through any UDP echo (a
//! gridhil path, VILLASnode, a device) without an engine run. See `docs/rtt.md`.
//!
//! A sender thread sends one timestamped sample per period on absolute deadlines (the
//! shared [`crate::timed::Schedule`]), in the chosen wire format; a receiver thread takes
//! the echoes with their kernel receive time and computes each round trip from the send
//! time recorded for that sequence number. [`Plan::new`] checks a [`Request`],
//! [`Probe::bind`] opens the socket, [`Probe::run`] measures and gives a [`Measurement`],
//! which [`Summary`] turns into text or JSON and [`write_log`] into an HDF5 file. Nothing
//! here prints; the command line does.

mod h5log;
mod plan;
mod realtime;
mod receiver;
mod report;
mod sender;
mod seq;
mod socket;
mod timeline;

pub use h5log::{write_log, LogInfo};
pub use plan::{parse_format, Plan, Request, MAX_SAMPLES};
pub use receiver::ReceiverResult;
pub use report::Summary;
pub use sender::SenderResult;
pub use seq::{SeqCarrier, SeqCodec};
pub use socket::ProbeSocket;

use gridhil_engine::units::Nanos;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use timeline::Timeline;

/// Error of the probe. An OS error's cause is its `source()`, not part of its message, so
/// a printed chain says each thing once.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The request cannot be measured (an address, the format, the counts).
    #[error("{0}")]
    Plan(String),
    /// An operating-system call failed.
    #[error("{context}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The measurement could not go on (a thread panicked, a sample could not be encoded).
    #[error("{0}")]
    Run(String),
    /// The HDF5 log could not be written.
    #[error("writing the rtt log {file}")]
    Log {
        /// The log file.
        file: String,
        /// The error.
        #[source]
        source: hdf5::Error,
    },
}

impl ProbeError {
    fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ProbeError::Io {
            context: context.into(),
            source,
        }
    }
}

/// A probe with its socket bound, ready to measure.
pub struct Probe {
    plan: Plan,
    socket: ProbeSocket,
    bound: SocketAddr,
}

/// What one measurement saw.
pub struct Measurement {
    /// The address actually bound.
    pub bound: SocketAddr,
    /// The sender's outcome.
    pub sender: SenderResult,
    /// The receiver's outcome.
    pub receiver: ReceiverResult,
    /// Send time per sequence number (`-1` when never sent), for the log.
    pub send_times: Vec<Nanos>,
}

impl Probe {
    /// Binds the socket the plan asks for (kernel timestamps, larger buffers).
    pub fn bind(plan: Plan) -> Result<Probe, ProbeError> {
        let socket = ProbeSocket::bind(plan.bind)?;
        let bound = socket.local_addr()?;
        Ok(Probe {
            plan,
            socket,
            bound,
        })
    }

    /// The validated settings.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The address bound (with the port the kernel chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.bound
    }

    /// Whether the kernel agreed to stamp received datagrams (`SO_TIMESTAMPNS`); without,
    /// receive times are taken after `recvmmsg` returns.
    pub fn kernel_timestamps(&self) -> bool {
        self.socket.kernel_timestamps
    }

    /// Sends every planned sample and receives the echoes; `stop` ends sending early
    /// (Ctrl-C) and the measurement still completes with what was sent.
    pub fn run(&self, stop: &AtomicBool) -> Result<Measurement, ProbeError> {
        let plan = &self.plan;
        let send_socket = self.socket.try_clone()?;
        let total = usize::try_from(plan.total_samples()).map_err(|_| {
            ProbeError::Run(format!(
                "{} samples do not fit in memory",
                plan.total_samples()
            ))
        })?;
        let timeline = Timeline::new(total);
        let socket = &self.socket;
        let (sender, receiver) = std::thread::scope(|scope| {
            let receiver = std::thread::Builder::new()
                .name("rtt-receiver".into())
                .spawn_scoped(scope, || {
                    receiver::run_receiver(plan, socket, &timeline, stop)
                })
                .map_err(|e| ProbeError::io("starting the receiver thread", e))?;
            let sender = std::thread::Builder::new()
                .name("rtt-sender".into())
                .spawn_scoped(scope, || {
                    sender::run_sender(plan, send_socket, &timeline, stop)
                });
            let sender = match sender {
                Ok(handle) => handle
                    .join()
                    .map_err(|_| ProbeError::Run("the sender thread panicked".into()))?,
                Err(e) => {
                    // The receiver waits for the sender: release it.
                    timeline.finish_sending(0);
                    Err(ProbeError::io("starting the sender thread", e))
                }
            };
            let receiver = receiver
                .join()
                .map_err(|_| ProbeError::Run("the receiver thread panicked".into()))?;
            Ok::<_, ProbeError>((sender?, receiver))
        })?;
        Ok(Measurement {
            bound: self.bound,
            sender,
            receiver,
            send_times: timeline.send_times(),
        })
    }
}
