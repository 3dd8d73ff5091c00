//! `udp`: samples over UDP (IPv4/IPv6, unicast and multicast) in any wire format of
//! `gridhil-formats`, with batched `recvmmsg`/`sendmmsg`, kernel receive timestamps,
//! socket buffer sizes, DSCP, and an optional busy-poll receive mode. The datagrams move
//! through `recvmmsg`/`sendmmsg` or `io_uring`, chosen per node by `backend`.

mod mmsg;
mod uring;

use crate::{declared_signals, SignalDecl};
use gridhil_engine::node::{
    Batch, BuildContext, ConfigContext, Due, NodeConfig, NodeCounters, NodeError, NodeIo,
    NodeReader, NodeWriter, ReadContext, Resource, WriteContext,
};
use gridhil_engine::sample::{SampleFlags, SampleRef};
use gridhil_engine::signal::Signal;
use gridhil_engine::stats::{Counter, CounterValue};
use gridhil_engine::FieldError;
use gridhil_formats::{Format, FormatConfig, FormatError};
use gridhil_netio::sockopt::set_int_option;
use serde::Deserialize;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// How the receiving thread waits for datagrams.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ReceiveMode {
    /// Sleep in `poll` until a datagram arrives.
    #[default]
    Blocking,
    /// Spin on non-blocking receives (lowest latency; takes a whole core).
    BusyPoll,
}

/// Which kernel interface moves the datagrams.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// `recvmmsg`/`sendmmsg` and `poll`: works on every Linux kernel.
    Mmsg,
    /// `io_uring`: a multishot `RECVMSG` over registered buffers and linked `SENDMSG`
    /// batches. Building the node fails where the kernel or a sandbox forbids it.
    IoUring,
    /// The faster of the two on kernels that support both (measured: `mmsg`), with a
    /// fall-back to `mmsg` where `io_uring` is unavailable.
    #[default]
    Auto,
}

/// Whether `auto` tries `io_uring` first. Measured with `benches/udp_backends.rs`
/// (docs/benchmarks.md, "UDP backends"): on Linux 6.18 `io_uring` sent 10–45 % slower than
/// `sendmmsg` and received no faster than `recvmmsg`, so `auto` is `mmsg` for now.
const AUTO_PREFERS_IO_URING: bool = false;

pub use gridhil_netio::ReceiveTimestamps;

/// Multicast settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MulticastConfig {
    /// Group to join for receiving (and usually the remote address for sending).
    pub group: IpAddr,
    /// Local interface address to join on (IPv4) or interface index (IPv6, as a number).
    #[serde(default)]
    pub interface: Option<String>,
    /// Time to live / hop limit of sent datagrams.
    #[serde(default = "default_ttl")]
    pub ttl: u32,
    /// Whether sent datagrams loop back to local receivers.
    #[serde(default = "default_loop", rename = "loop")]
    pub loopback: bool,
}

fn default_ttl() -> u32 {
    1
}
fn default_loop() -> bool {
    true
}

/// Configuration of a `udp` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UdpConfig {
    /// Local address to bind and receive on (e.g. `"0.0.0.0:12000"`, `"[::]:12000"`).
    pub local: Option<SocketAddr>,
    /// Remote address to send to.
    pub remote: Option<SocketAddr>,
    /// Wire format: a name (`"villas.binary"`) or a table (`{ type = "gtnet", ... }`).
    #[serde(default)]
    pub format: FormatConfig,
    /// Signals of received samples (names, or tables with name/unit/type).
    #[serde(default)]
    pub signals: Vec<SignalDecl>,
    /// Or a count of `f64` signals `v0..`.
    pub values: Option<usize>,
    /// Multicast group and options.
    pub multicast: Option<MulticastConfig>,
    /// Receive mode.
    #[serde(default)]
    pub receive: ReceiveMode,
    /// Source of `ts_received`.
    #[serde(default)]
    pub timestamps: ReceiveTimestamps,
    /// Kernel interface: `"mmsg"`, `"io-uring"` or `"auto"`.
    #[serde(default)]
    pub backend: Backend,
    /// Datagrams per `recvmmsg`/`sendmmsg` call.
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// Largest datagram received, in bytes.
    #[serde(default = "default_max_datagram")]
    pub max_datagram: usize,
    /// Samples packed into one sent datagram (formats that carry several).
    #[serde(default = "one")]
    pub samples_per_datagram: usize,
    /// `SO_RCVBUF` in bytes.
    pub receive_buffer: Option<usize>,
    /// `SO_SNDBUF` in bytes.
    pub send_buffer: Option<usize>,
    /// DSCP of sent datagrams (0–63, e.g. 46 for expedited forwarding).
    pub dscp: Option<u8>,
    #[serde(skip)]
    input_signals: Vec<Signal>,
}

fn default_batch() -> usize {
    32
}
fn default_max_datagram() -> usize {
    9000
}
fn one() -> usize {
    1
}

/// Counters of a `udp` node.
#[derive(Debug, Default)]
pub struct UdpCounters {
    datagrams_received: Counter,
    samples_received: Counter,
    malformed: Counter,
    too_few_values: Counter,
    truncated: Counter,
    batch_overflow: Counter,
    datagrams_sent: Counter,
    send_errors: Counter,
    encode_errors: Counter,
    receive_errors: Counter,
    backend_io_uring: Counter,
}

impl NodeCounters for UdpCounters {
    fn snapshot(&self) -> Vec<CounterValue> {
        vec![
            CounterValue::info("datagrams_received", self.datagrams_received.get()),
            CounterValue::info("samples_received", self.samples_received.get()),
            CounterValue::problem("malformed", self.malformed.get()),
            CounterValue::problem("too_few_values", self.too_few_values.get()),
            CounterValue::problem("truncated", self.truncated.get()),
            CounterValue::problem("batch_overflow", self.batch_overflow.get()),
            CounterValue::info("datagrams_sent", self.datagrams_sent.get()),
            CounterValue::problem("send_errors", self.send_errors.get()),
            CounterValue::problem("encode_errors", self.encode_errors.get()),
            CounterValue::problem("receive_errors", self.receive_errors.get()),
            CounterValue::info("backend_io_uring", self.backend_io_uring.get()),
        ]
    }
}

impl UdpConfig {
    fn receiving_signals(&self) -> Result<Vec<Signal>, FieldError> {
        if self.local.is_none() {
            return Ok(Vec::new());
        }
        declared_signals(&self.signals, self.values).map_err(|e| FieldError {
            message: format!("{} (the signals of received samples)", e.message),
            ..e
        })
    }

    fn open_socket(&self) -> Result<Socket, NodeError> {
        let family_of = self
            .local
            .or(self.remote)
            .map(|a| a.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let domain = if family_of.is_ipv6() {
            Domain::IPV6
        } else {
            Domain::IPV4
        };
        let io = |what: &str| {
            let what = what.to_string();
            move |e| NodeError::io(what, e)
        };
        let socket = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))
            .map_err(io("cannot create UDP socket"))?;
        if let Some(size) = self.receive_buffer {
            socket.set_recv_buffer_size(size).map_err(io("SO_RCVBUF"))?;
            // The kernel caps SO_RCVBUF at net.core.rmem_max; with CAP_NET_ADMIN force it.
            if socket.recv_buffer_size().unwrap_or(0) < size {
                let _ = force_receive_buffer(&socket, size);
            }
        }
        if let Some(size) = self.send_buffer {
            socket.set_send_buffer_size(size).map_err(io("SO_SNDBUF"))?;
        }
        if let Some(dscp) = self.dscp {
            let tos = u32::from(dscp) << 2;
            if domain == Domain::IPV6 {
                socket.set_tclass_v6(tos).map_err(io("IPV6_TCLASS"))?;
            } else {
                socket.set_tos(tos).map_err(io("IP_TOS"))?;
            }
        }
        if self.timestamps == ReceiveTimestamps::Kernel {
            set_timestamping(&socket).map_err(io("SO_TIMESTAMPNS"))?;
        }
        if let Some(multicast) = &self.multicast {
            socket.set_reuse_address(true).map_err(io("SO_REUSEADDR"))?;
            match multicast.group {
                IpAddr::V4(_) => {
                    socket
                        .set_multicast_ttl_v4(multicast.ttl)
                        .map_err(io("IP_MULTICAST_TTL"))?;
                    socket
                        .set_multicast_loop_v4(multicast.loopback)
                        .map_err(io("IP_MULTICAST_LOOP"))?;
                }
                IpAddr::V6(_) => {
                    socket
                        .set_multicast_hops_v6(multicast.ttl)
                        .map_err(io("IPV6_MULTICAST_HOPS"))?;
                    socket
                        .set_multicast_loop_v6(multicast.loopback)
                        .map_err(io("IPV6_MULTICAST_LOOP"))?;
                }
            }
        }
        let bind_to = self.local.unwrap_or_else(|| {
            if domain == Domain::IPV6 {
                SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, 0))
            } else {
                SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))
            }
        });
        socket
            .bind(&SockAddr::from(bind_to))
            .map_err(io(&format!("cannot bind {bind_to}")))?;
        if let (Some(multicast), Some(_)) = (&self.multicast, self.local) {
            match multicast.group {
                IpAddr::V4(group) => {
                    let interface = match &multicast.interface {
                        Some(text) => text.parse::<Ipv4Addr>().map_err(|_| {
                            NodeError::Config(format!(
                                "multicast.interface `{text}` is not an IPv4 address"
                            ))
                        })?,
                        None => Ipv4Addr::UNSPECIFIED,
                    };
                    socket
                        .join_multicast_v4(&group, &interface)
                        .map_err(io(&format!("cannot join {group}")))?;
                }
                IpAddr::V6(group) => {
                    let index = match &multicast.interface {
                        Some(text) => text.parse::<u32>().map_err(|_| {
                            NodeError::Config(format!(
                                "multicast.interface `{text}` must be an interface index for IPv6"
                            ))
                        })?,
                        None => 0,
                    };
                    socket
                        .join_multicast_v6(&group, index)
                        .map_err(io(&format!("cannot join {group}")))?;
                }
            }
        }
        Ok(socket)
    }
}

fn force_receive_buffer(socket: &Socket, size: usize) -> std::io::Result<()> {
    let value = libc::c_int::try_from(size).unwrap_or(libc::c_int::MAX);
    set_int_option(socket, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, value)
}

fn set_timestamping(socket: &Socket) -> std::io::Result<()> {
    set_int_option(socket, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)
}

/// The `io_uring` halves a node needs, or the error that rules `io_uring` out.
type IoUringHalves = (Option<uring::Receiver>, Option<uring::Sender>);

impl UdpConfig {
    fn io_uring_halves(
        &self,
        (reader_socket, writer_socket): (Option<&Socket>, &Socket),
        receive_batch: usize,
        remote: Option<&SockAddr>,
        send_datagram: usize,
    ) -> std::io::Result<IoUringHalves> {
        let receiver = match reader_socket {
            Some(socket) => Some(uring::Receiver::new(
                socket,
                receive_batch,
                self.max_datagram,
            )?),
            None => None,
        };
        let sender = match remote {
            Some(remote) => Some(uring::Sender::new(
                writer_socket,
                remote.clone(),
                self.batch,
                send_datagram,
            )?),
            None => None,
        };
        Ok((receiver, sender))
    }
}

impl NodeConfig for UdpConfig {
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), FieldError> {
        if self.local.is_none() && self.remote.is_none() {
            return Err("a udp node needs `local` (to receive) and/or `remote` (to send)".into());
        }
        if let (Some(local), Some(remote)) = (self.local, self.remote) {
            if local.is_ipv4() != remote.is_ipv4() {
                return Err(FieldError::at(
                    "remote",
                    "`local` and `remote` must both be IPv4 or both IPv6",
                ));
            }
        }
        if self.batch == 0 || self.batch > 1024 {
            return Err(FieldError::at("batch", "`batch` must be 1–1024"));
        }
        if self.max_datagram < 16 || self.max_datagram > 65_535 {
            return Err(FieldError::at(
                "max_datagram",
                "`max_datagram` must be 16–65535 bytes",
            ));
        }
        if self.samples_per_datagram == 0 {
            return Err(FieldError::at(
                "samples_per_datagram",
                "`samples_per_datagram` must be at least 1",
            ));
        }
        if self.dscp.is_some_and(|d| d > 63) {
            return Err(FieldError::at("dscp", "`dscp` must be 0–63"));
        }
        if let Some(m) = &self.multicast {
            if !m.group.is_multicast() {
                return Err(FieldError::at(
                    "multicast.group",
                    format!("{} is not a multicast address", m.group),
                ));
            }
        }
        self.receiving_signals().map(|_| ())
    }

    fn output_signals(&self) -> Vec<Signal> {
        self.receiving_signals().unwrap_or_default()
    }

    fn accepts_input(&self) -> bool {
        self.remote.is_some()
    }

    fn connect_input(&mut self, signals: &[Signal]) -> Result<(), FieldError> {
        let format = gridhil_formats::build(&self.format);
        if self.samples_per_datagram > format.max_samples_per_datagram() {
            return Err(FieldError::at(
                "samples_per_datagram",
                format!(
                    "format `{}` carries at most {} sample(s) per datagram",
                    format.name(),
                    format.max_samples_per_datagram()
                ),
            ));
        }
        let needed = format.max_encoded_len(signals) * self.samples_per_datagram;
        if needed > 65_507 {
            return Err(FieldError::new(format!(
                "{} signals need {needed} bytes per datagram: more than UDP carries",
                signals.len()
            )));
        }
        self.input_signals = signals.to_vec();
        Ok(())
    }

    fn resources(&self) -> Vec<Resource> {
        match self.local {
            Some(local) if local.port() != 0 && self.multicast.is_none() => {
                vec![Resource::UdpPort(local)]
            }
            _ => Vec::new(),
        }
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let socket = self.open_socket()?;
        let counters = Arc::new(UdpCounters::default());
        let signals = self
            .receiving_signals()
            .map_err(|e| NodeError::Config(e.to_string()))?;
        let receive_batch = self.batch.min(ctx.batch_size);
        let format = gridhil_formats::build(&self.format);
        let send_datagram =
            (format.max_encoded_len(&self.input_signals) * self.samples_per_datagram).max(64);
        let remote = self.remote.map(SockAddr::from);
        // The reader owns its own descriptor: the writer's may close first.
        let reader_socket = match self.local {
            Some(_) => Some(
                socket
                    .try_clone()
                    .map_err(|e| NodeError::io("cannot duplicate socket", e))?,
            ),
            None => None,
        };
        let sockets = (reader_socket.as_ref(), &socket);
        let (receiver, sender) = match self.backend {
            Backend::Mmsg => (None, None),
            Backend::IoUring => self
                .io_uring_halves(sockets, receive_batch, remote.as_ref(), send_datagram)
                .map_err(|e| NodeError::io("io_uring unavailable (backend = \"io-uring\")", e))?,
            Backend::Auto if AUTO_PREFERS_IO_URING => self
                .io_uring_halves(sockets, receive_batch, remote.as_ref(), send_datagram)
                .unwrap_or_else(|e| {
                    tracing::info!(node = %ctx.name, "udp: io_uring unavailable ({e}); using recvmmsg/sendmmsg");
                    (None, None)
                }),
            Backend::Auto => (None, None),
        };
        let uses_io_uring = receiver.is_some() || sender.is_some();
        counters.backend_io_uring.add(u64::from(uses_io_uring));
        let reader: Option<Box<dyn NodeReader>> = if let Some(socket) = reader_socket {
            let receiver = match receiver {
                Some(receiver) => ReceiveBackend::IoUring(Box::new(receiver)),
                None => ReceiveBackend::Mmsg(mmsg::Receiver::new(
                    &socket,
                    receive_batch,
                    self.max_datagram,
                )),
            };
            Some(Box::new(UdpReader {
                socket,
                receiver,
                format: gridhil_formats::build(&self.format),
                signals,
                mode: self.receive,
                kernel_timestamps: self.timestamps == ReceiveTimestamps::Kernel
                    && !ctx.virtual_time(),
                counters: Arc::clone(&counters),
            }))
        } else {
            None
        };
        let writer: Option<Box<dyn NodeWriter>> = match remote {
            Some(remote) => {
                let sender = match sender {
                    Some(sender) => SendBackend::IoUring(Box::new(sender)),
                    None => SendBackend::Mmsg(Box::new(mmsg::Sender::new(
                        &socket,
                        remote,
                        self.batch,
                        send_datagram,
                    ))),
                };
                Some(Box::new(UdpWriter {
                    _socket: socket,
                    sender,
                    format,
                    signals: self.input_signals.clone(),
                    per_datagram: self.samples_per_datagram,
                    counters: Arc::clone(&counters),
                }))
            }
            None => None,
        };
        Ok(NodeIo {
            reader,
            writer,
            counters: Some(counters),
        })
    }
}

/// The receiving half of a backend.
enum ReceiveBackend {
    Mmsg(mmsg::Receiver),
    IoUring(Box<uring::Receiver>),
}

impl ReceiveBackend {
    /// What an error of `receive` is reported as.
    fn operation(&self) -> &'static str {
        match self {
            ReceiveBackend::Mmsg(_) => "recvmmsg",
            ReceiveBackend::IoUring(_) => "io_uring recvmsg",
        }
    }

    fn receive(&mut self, max: usize) -> std::io::Result<usize> {
        match self {
            ReceiveBackend::Mmsg(receiver) => receiver.receive(max),
            ReceiveBackend::IoUring(receiver) => receiver.receive(max),
        }
    }

    fn datagram(&self, i: usize) -> mmsg::Datagram<'_> {
        match self {
            ReceiveBackend::Mmsg(receiver) => receiver.datagram(i),
            ReceiveBackend::IoUring(receiver) => receiver.datagram(i),
        }
    }

    fn wait(
        &mut self,
        socket: &Socket,
        timeout: gridhil_engine::units::Nanos,
    ) -> std::io::Result<bool> {
        match self {
            ReceiveBackend::Mmsg(_) => mmsg::wait_readable(socket, timeout),
            ReceiveBackend::IoUring(receiver) => receiver.wait(timeout),
        }
    }
}

/// The sending half of a backend.
enum SendBackend {
    Mmsg(Box<mmsg::Sender>),
    IoUring(Box<uring::Sender>),
}

impl SendBackend {
    fn next_buffer(&mut self) -> Option<&mut [u8]> {
        match self {
            SendBackend::Mmsg(sender) => sender.next_buffer(),
            SendBackend::IoUring(sender) => sender.next_buffer(),
        }
    }

    fn commit(&mut self, len: usize) {
        match self {
            SendBackend::Mmsg(sender) => sender.commit(len),
            SendBackend::IoUring(sender) => sender.commit(len),
        }
    }

    fn pending(&self) -> usize {
        match self {
            SendBackend::Mmsg(sender) => sender.pending(),
            SendBackend::IoUring(sender) => sender.pending(),
        }
    }

    fn flush(&mut self) -> std::io::Result<usize> {
        match self {
            SendBackend::Mmsg(sender) => sender.flush(),
            SendBackend::IoUring(sender) => sender.flush(),
        }
    }
}

struct UdpReader {
    socket: Socket,
    receiver: ReceiveBackend,
    format: Box<dyn Format>,
    signals: Vec<Signal>,
    mode: ReceiveMode,
    kernel_timestamps: bool,
    counters: Arc<UdpCounters>,
}

impl UdpReader {
    fn wait(&mut self, ctx: &ReadContext<'_>) -> Result<bool, NodeError> {
        match self.mode {
            ReceiveMode::Blocking => self
                .receiver
                .wait(&self.socket, ctx.timeout)
                .map_err(|e| NodeError::io("wait for datagrams", e)),
            ReceiveMode::BusyPoll => Ok(true),
        }
    }

    fn receive_once(
        &mut self,
        ctx: &mut ReadContext<'_>,
        out: &mut Batch,
    ) -> Result<usize, NodeError> {
        let n = match self.receiver.receive(out.remaining()) {
            Ok(n) => n,
            Err(e) => {
                self.counters.receive_errors.inc();
                return Err(NodeError::io(self.receiver.operation(), e));
            }
        };
        // Without a kernel time stamp the engine stamps the sample when the read returns.
        let fallback = 0;
        for i in 0..n {
            let datagram = self.receiver.datagram(i);
            self.counters.datagrams_received.inc();
            if datagram.truncated {
                self.counters.truncated.inc();
                continue;
            }
            let before = out.len();
            let result = self
                .format
                .decode(datagram.data, &self.signals, ctx.pool, out);
            let ts = match (self.kernel_timestamps, datagram.kernel_ts) {
                (true, Some(ts)) => ts,
                _ => fallback,
            };
            for sample in &mut out.as_mut_slice()[before..] {
                sample.ts_received = ts;
            }
            self.counters
                .samples_received
                .add((out.len() - before) as u64);
            match result {
                Ok(_) => {}
                Err(FormatError::TooFewValues { .. }) => self.counters.too_few_values.inc(),
                Err(FormatError::BatchFull) | Err(FormatError::PoolExhausted) => {
                    self.counters.batch_overflow.inc()
                }
                Err(_) => self.counters.malformed.inc(),
            }
        }
        Ok(n)
    }
}

impl NodeReader for UdpReader {
    fn due(&self) -> Due {
        Due::Event
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        // One wait of at most `timeout` (none when busy-polling), one batch: the engine
        // calls again.
        if ctx.timeout > 0 && !self.wait(ctx)? {
            return Ok(());
        }
        if self.receive_once(ctx, out)? == 0 && self.mode == ReceiveMode::BusyPoll {
            std::hint::spin_loop();
        }
        Ok(())
    }
}

/// Where the datagram that starts at `samples[start]` ends: after at most `per_datagram`
/// samples, and before a sample that starts a frame (`SampleFlags::NEW_FRAME`, set by the
/// `frame` hook).
fn datagram_end(samples: &[SampleRef], start: usize, per_datagram: usize) -> usize {
    (start + 1..samples.len())
        .take(per_datagram.saturating_sub(1))
        .find(|&i| samples[i].flags.contains(SampleFlags::NEW_FRAME))
        .unwrap_or_else(|| (start + per_datagram.max(1)).min(samples.len()))
}

struct UdpWriter {
    _socket: Socket,
    sender: SendBackend,
    format: Box<dyn Format>,
    signals: Vec<Signal>,
    per_datagram: usize,
    counters: Arc<UdpCounters>,
}

impl UdpWriter {
    fn flush(&mut self) {
        let pending = self.sender.pending();
        match self.sender.flush() {
            Ok(sent) => {
                self.counters.datagrams_sent.add(sent as u64);
                self.counters.send_errors.add((pending - sent) as u64);
            }
            Err(_) => self.counters.send_errors.add(pending as u64),
        }
    }
}

impl NodeWriter for UdpWriter {
    fn write(&mut self, samples: &[SampleRef], _ctx: &WriteContext) -> Result<usize, NodeError> {
        let mut encoded = 0;
        let mut start = 0;
        while start < samples.len() {
            let end = datagram_end(samples, start, self.per_datagram);
            let chunk = &samples[start..end];
            start = end;
            if self.sender.next_buffer().is_none() {
                self.flush();
            }
            let Some(buffer) = self.sender.next_buffer() else {
                break;
            };
            match self.format.encode(chunk, &self.signals, buffer) {
                Ok(len) => {
                    self.sender.commit(len);
                    encoded += chunk.len();
                }
                Err(_) => self.counters.encode_errors.inc(),
            }
        }
        self.flush();
        Ok(encoded)
    }
}

#[cfg(test)]
mod tests {
    use super::datagram_end;
    use gridhil_engine::sample::{SampleFlags, SamplePool, SampleRef};

    fn samples(frame_starts: &[usize], n: usize) -> Vec<SampleRef> {
        let pool = SamplePool::new(n, 1);
        (0..n)
            .map(|i| {
                let mut s = pool.alloc().expect("pool slot");
                s.seq = i as u64;
                s.flags
                    .set(SampleFlags::NEW_FRAME, frame_starts.contains(&i));
                s
            })
            .collect()
    }

    fn datagrams(samples: &[SampleRef], per: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = 0;
        while start < samples.len() {
            let end = datagram_end(samples, start, per);
            out.push((start, end));
            start = end;
        }
        out
    }

    #[test]
    fn datagrams_hold_at_most_their_samples_and_never_cross_a_frame() {
        // No frames: groups of 4, the rest last.
        assert_eq!(datagrams(&samples(&[], 10), 4), [(0, 4), (4, 8), (8, 10)]);
        // Frames of 3 (the `frame` hook with a sequence interval of 3).
        assert_eq!(
            datagrams(&samples(&[0, 3, 6, 9], 10), 8),
            [(0, 3), (3, 6), (6, 9), (9, 10)]
        );
        // A frame longer than a datagram is split; a frame start inside cuts it short.
        assert_eq!(
            datagrams(&samples(&[0, 6], 10), 4),
            [(0, 4), (4, 6), (6, 10)]
        );
        // One sample per datagram whatever the frames.
        assert_eq!(datagrams(&samples(&[1], 3), 1), [(0, 1), (1, 2), (2, 3)]);
    }
}
