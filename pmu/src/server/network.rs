//! The network side of `pmu-server`: a thread (not real-time) that serves commanded TCP
//! clients, commanded UDP peers and TCP-config/UDP-data clients, and sends spontaneous
//! UDP data frames. Every instant it stamps or times comes from the run's clock; only its
//! patience with slow peers at the end passes in real time ([`IoDeadline`]).

use super::peers::{Added, UdpPeers};
use super::ring::FrameRing;
use super::{PmuServerCounters, UdpDataTarget};
use crate::codec::{
    crc_ccitt, CommandCode, Config, Config3, FrameHeader, FrameRepr, FrameSplitter, HeaderText,
    Payload, MAX_FRAME_LEN,
};
use gridhil_engine::clock::{Clock, IoDeadline};
use gridhil_engine::node::NodeError;
use gridhil_engine::units::Nanos;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Most datagrams read from the commanded UDP socket per round of the network loop.
const UDP_COMMANDS_PER_ROUND: usize = 256;

/// Most bytes read from one TCP client per round of the network loop, so that a client
/// flooding commands cannot keep the thread from forwarding data frames.
const TCP_BYTES_PER_ROUND: usize = 64 * 1024;

/// How long, in all, the data frames still queued for TCP clients may take to leave
/// when the server stops (real time, also in virtual time: the run's clock has stopped).
const FINAL_FLUSH: Duration = Duration::from_millis(500);

/// What the network thread serves.
pub struct ServerSettings {
    /// Commanded TCP listening address.
    pub tcp: Option<SocketAddr>,
    /// Spontaneous UDP destination.
    pub udp: Option<SocketAddr>,
    /// Commanded UDP listening address.
    pub udp_listen: Option<SocketAddr>,
    /// TCP-config/UDP-data listening address.
    pub tcp_udp: Option<SocketAddr>,
    /// Where TCP-config/UDP-data clients get their data frames.
    pub tcp_udp_data: UdpDataTarget,
    /// How long (ns, on the run's clock) a silent commanded UDP peer is kept (`None`:
    /// until "data off").
    pub udp_peer_timeout: Option<Nanos>,
    /// IDCODE of the stream (in the header of every frame the server sends).
    pub idcode: u16,
    /// The configuration (CFG-2; CFG-1 and CFG-3 are derived from it).
    pub config: Config,
    /// Text of the header frame.
    pub header: String,
    /// Most bytes queued per client.
    pub client_buffer: usize,
    /// Most TCP clients served at once.
    pub max_clients: usize,
    /// The run's clock: answers are stamped with its wall time (TAI when configured,
    /// virtual wall time in virtual time) and peers are timed on its monotonic time.
    pub clock: Arc<dyn Clock>,
}

/// Handle of the running network thread.
pub struct Server {
    thread: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    /// Where the commanded TCP server listens (the port the kernel chose for port 0).
    #[cfg(test)]
    tcp_addr: Option<SocketAddr>,
}

impl Server {
    /// Binds the sockets and starts the thread.
    pub fn start(
        settings: ServerSettings,
        ring: Arc<FrameRing>,
        counters: Arc<PmuServerCounters>,
    ) -> Result<Server, NodeError> {
        let listener = settings.tcp.map(listen).transpose()?;
        #[cfg(test)]
        let tcp_addr = listener.as_ref().and_then(|l| l.local_addr().ok());
        let mixed_listener = settings.tcp_udp.map(listen).transpose()?;
        let udp = match settings.udp {
            Some(dest) => Some((unbound_udp(dest)?, dest)),
            None => None,
        };
        let udp_server = match settings.udp_listen {
            Some(addr) => {
                let socket = UdpSocket::bind(addr)
                    .map_err(|e| NodeError::io(format!("cannot bind UDP {addr}"), e))?;
                socket
                    .set_nonblocking(true)
                    .map_err(|e| NodeError::io("set_nonblocking", e))?;
                Some(socket)
            }
            None => None,
        };
        let data_sockets = match settings.tcp_udp {
            Some(_) => DataSockets {
                v4: Some(unbound_udp(([0, 0, 0, 0], 0).into())?),
                v6: unbound_udp((std::net::Ipv6Addr::UNSPECIFIED, 0).into()).ok(),
            },
            None => DataSockets::default(),
        };
        let stop = Arc::new(AtomicBool::new(false));
        let mut worker = Worker {
            listener,
            mixed_listener,
            tcp_udp_data: settings.tcp_udp_data,
            udp,
            udp_server,
            peers: UdpPeers::new(),
            udp_peer_timeout: settings.udp_peer_timeout,
            data_sockets,
            responses: Responses::new(settings.idcode, settings.config, settings.header),
            client_buffer: settings.client_buffer,
            max_clients: settings.max_clients.max(1),
            clients: Vec::new(),
            ring,
            counters,
            clock: settings.clock,
            stop: Arc::clone(&stop),
        };
        let thread = std::thread::Builder::new()
            .name("pmu-server".into())
            .spawn(move || worker.run())
            .map_err(|e| NodeError::io("cannot start the pmu-server thread", e))?;
        Ok(Server {
            thread: Some(thread),
            stop,
            #[cfg(test)]
            tcp_addr,
        })
    }

    /// Where the commanded TCP server listens.
    #[cfg(test)]
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp_addr
    }

    /// Wakes the thread up (new frames are queued). Does not block or allocate.
    pub fn wake(&self) {
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
    }

    /// Stops the thread and closes every connection.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn listen(addr: SocketAddr) -> Result<TcpListener, NodeError> {
    let listener = TcpListener::bind(addr)
        .map_err(|e| NodeError::io(format!("cannot listen on {addr}"), e))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| NodeError::io("set_nonblocking", e))?;
    Ok(listener)
}

/// A UDP socket on an ephemeral port of the family of `dest`, to send from.
fn unbound_udp(dest: SocketAddr) -> Result<UdpSocket, NodeError> {
    let local: SocketAddr = if dest.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    UdpSocket::bind(local).map_err(|e| NodeError::io("cannot create UDP socket", e))
}

/// Sockets the data frames of TCP-config/UDP-data clients leave from, per family.
#[derive(Default)]
struct DataSockets {
    v4: Option<UdpSocket>,
    v6: Option<UdpSocket>,
}

impl DataSockets {
    fn for_dest(&self, dest: &SocketAddr) -> Option<&UdpSocket> {
        if dest.is_ipv4() {
            self.v4.as_ref()
        } else {
            self.v6.as_ref()
        }
    }
}

/// Configuration and header frames, encoded once; each answer is a copy re-stamped
/// with the run's wall time of the answer (SOC, FRACSEC and CHK rewritten).
struct Responses {
    cfg1: Vec<u8>,
    cfg2: Vec<u8>,
    cfg3: Vec<u8>,
    header: Vec<u8>,
    /// The answer being sent (capacity for the longest one: re-stamping allocates
    /// nothing).
    scratch: Vec<u8>,
    time_base: u32,
    idcode: u16,
}

/// Bytes 6..14 of every frame: SOC and FRACSEC.
const TIME_FIELDS: std::ops::Range<usize> = 6..14;

impl Responses {
    fn new(idcode: u16, config: Config, header: String) -> Self {
        let stamp = FrameHeader::at_unix_nanos(idcode, 0, config.time_base);
        let encoded = |len: usize, encode: &dyn Fn(&mut [u8]) -> crate::codec::Result<usize>| {
            let mut buf = vec![0; len];
            match encode(&mut buf) {
                Ok(n) => {
                    buf.truncate(n);
                    buf
                }
                // Sizes are checked when the node is configured; an empty answer is
                // never sent.
                Err(_) => Vec::new(),
            }
        };
        let config3 = Config3::from_config(&config);
        let text = HeaderText::new(&header);
        let cfg1 = encoded(config.buffer_len(), &|b| config.encode(true, &stamp, b));
        let cfg2 = encoded(config.buffer_len(), &|b| config.encode(false, &stamp, b));
        let cfg3 = encoded(config3.buffer_len(), &|b| config3.encode(&stamp, b));
        let header = encoded(text.buffer_len(), &|b| text.encode(&stamp, b));
        let longest = [&cfg1, &cfg2, &cfg3, &header]
            .iter()
            .map(|f| f.len())
            .max()
            .unwrap_or(0);
        Responses {
            cfg1,
            cfg2,
            cfg3,
            header,
            scratch: Vec::with_capacity(longest),
            time_base: config.time_base,
            idcode,
        }
    }

    /// The answer to `code`, stamped with `wall` (ns since the Unix epoch on the run's
    /// clock); `None` for a command that has none.
    fn answer(&mut self, code: CommandCode, wall: Nanos) -> Option<&[u8]> {
        let cached = match code {
            CommandCode::SendConfig1 => &self.cfg1,
            CommandCode::SendConfig2 => &self.cfg2,
            CommandCode::SendConfig3 => &self.cfg3,
            CommandCode::SendHeader => &self.header,
            _ => return None,
        };
        if cached.len() < MIN_ANSWER_LEN {
            return None;
        }
        let now = u64::try_from(wall).unwrap_or(0);
        let stamp = FrameHeader::at_unix_nanos(self.idcode, now, self.time_base);
        let mut time = [0u8; 8];
        time[..4].copy_from_slice(&stamp.soc.to_be_bytes());
        time[4..].copy_from_slice(&stamp.fracsec.to_raw().to_be_bytes());
        self.scratch.clear();
        self.scratch.extend_from_slice(cached);
        let body = self.scratch.len() - 2;
        self.scratch.get_mut(TIME_FIELDS)?.copy_from_slice(&time);
        let crc = crc_ccitt(self.scratch.get(..body)?);
        self.scratch
            .get_mut(body..)?
            .copy_from_slice(&crc.to_be_bytes());
        Some(&self.scratch)
    }
}

/// Shortest frame: header, CHK.
const MIN_ANSWER_LEN: usize = crate::codec::MIN_FRAME_LEN;

/// One TCP client.
struct Client {
    stream: TcpStream,
    /// Allocated when the client first sends something.
    splitter: Option<FrameSplitter>,
    pending: Vec<u8>,
    data_on: bool,
    closed: bool,
    /// TCP-config/UDP-data client: where its data frames go.
    udp_data: Option<SocketAddr>,
}

impl Client {
    fn new(stream: TcpStream, udp_data: Option<SocketAddr>) -> Self {
        Client {
            stream,
            splitter: None,
            pending: Vec::new(),
            data_on: false,
            closed: false,
            udp_data,
        }
    }

    /// Reads about `budget` bytes at most (one 4 KiB read more at worst; the network
    /// loop gives [`TCP_BYTES_PER_ROUND`]) of what the client sent and carries out
    /// the commands in it (answers are queued, up to `limit` bytes: past that the
    /// client is closed and nothing more is read from it). Returns whether anything
    /// was read.
    fn serve(
        &mut self,
        responses: &mut Responses,
        clock: &dyn Clock,
        counters: &PmuServerCounters,
        limit: usize,
        budget: usize,
    ) -> bool {
        let mut buf = [0u8; 4096];
        let mut read = 0;
        while read < budget && !self.closed {
            let n = match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.closed = true;
                    break;
                }
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.closed = true;
                    break;
                }
            };
            read += n;
            let splitter = self
                .splitter
                .get_or_insert_with(|| FrameSplitter::new(MAX_FRAME_LEN));
            let (pending, data_on, closed) =
                (&mut self.pending, &mut self.data_on, &mut self.closed);
            splitter.feed(buf.get(..n).unwrap_or(&[]), |frame| {
                if *closed {
                    return;
                }
                let command = match FrameRepr::parse_bytes(frame, None) {
                    Ok(FrameRepr {
                        header,
                        payload: Payload::Command(command),
                    }) => {
                        if header.idcode != responses.idcode {
                            counters.foreign_idcode_commands.inc();
                        }
                        command
                    }
                    _ => {
                        counters.bad_commands.inc();
                        return;
                    }
                };
                counters.commands.inc();
                match command.code {
                    CommandCode::DataOn => *data_on = true,
                    CommandCode::DataOff => *data_on = false,
                    other => match responses.answer(other, clock.wall()) {
                        Some(bytes) => queue_bounded(pending, closed, bytes, limit),
                        None => counters.bad_commands.inc(),
                    },
                }
            });
        }
        read > 0
    }

    fn queue(&mut self, bytes: &[u8], limit: usize) {
        queue_bounded(&mut self.pending, &mut self.closed, bytes, limit);
    }

    fn flush(&mut self) {
        while !self.pending.is_empty() && !self.closed {
            match self.stream.write(&self.pending) {
                Ok(0) => self.closed = true,
                Ok(n) => {
                    self.pending.drain(..n);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => self.closed = true,
            }
        }
    }
}

/// Appends `bytes` to a client's `pending` bytes, or closes it (`closed`) when that
/// would make them more than `limit`.
fn queue_bounded(pending: &mut Vec<u8>, closed: &mut bool, bytes: &[u8], limit: usize) {
    if pending.len() + bytes.len() > limit {
        *closed = true;
        return;
    }
    pending.extend_from_slice(bytes);
}

struct Worker {
    listener: Option<TcpListener>,
    mixed_listener: Option<TcpListener>,
    tcp_udp_data: UdpDataTarget,
    udp: Option<(UdpSocket, SocketAddr)>,
    udp_server: Option<UdpSocket>,
    peers: UdpPeers,
    udp_peer_timeout: Option<Nanos>,
    data_sockets: DataSockets,
    responses: Responses,
    client_buffer: usize,
    max_clients: usize,
    clients: Vec<Client>,
    ring: Arc<FrameRing>,
    counters: Arc<PmuServerCounters>,
    clock: Arc<dyn Clock>,
    stop: Arc<AtomicBool>,
}

impl Worker {
    fn run(&mut self) {
        while !self.stop.load(Ordering::Relaxed) {
            let mut busy = self.accept();
            busy |= self.serve_commands();
            busy |= self.serve_udp_commands();
            busy |= self.forward_frames();
            for client in &mut self.clients {
                client.flush();
            }
            let before = self.clients.len();
            self.clients.retain(|c| !c.closed);
            self.counters
                .clients_dropped
                .add((before - self.clients.len()) as u64);
            if !busy {
                std::thread::park_timeout(Duration::from_millis(2));
            }
        }
        // Data frames still queued go out before the connections close, within one
        // deadline for all clients together.
        self.forward_frames();
        let deadline = IoDeadline::after(FINAL_FLUSH);
        loop {
            let mut waiting = false;
            for client in &mut self.clients {
                client.flush();
                waiting |= !client.closed && !client.pending.is_empty();
            }
            if !waiting || deadline.has_passed() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn accept(&mut self) -> bool {
        let target = self.tcp_udp_data;
        let before = self.clients.len();
        let mut refused = 0;
        if let Some(listener) = &self.listener {
            refused += accept_all(listener, &mut self.clients, self.max_clients, |_| None);
        }
        if let Some(listener) = &self.mixed_listener {
            refused += accept_all(listener, &mut self.clients, self.max_clients, |peer| {
                Some(match target {
                    UdpDataTarget::Port(port) => SocketAddr::new(peer.ip(), port),
                    UdpDataTarget::Address(addr) => addr,
                })
            });
        }
        let accepted = self.clients.len() - before;
        self.counters.clients_accepted.add(accepted as u64);
        self.counters.clients_refused.add(refused as u64);
        accepted + refused > 0
    }

    /// Answers the commands that arrived on the commanded UDP socket.
    fn serve_udp_commands(&mut self) -> bool {
        let Some(socket) = &self.udp_server else {
            return false;
        };
        let now = self.clock.monotonic();
        let mut any = false;
        let mut buf = [0u8; 2048];
        // Bounded per round, so a flood of datagrams cannot starve the data frames.
        for _ in 0..UDP_COMMANDS_PER_ROUND {
            let (n, from) = match socket.recv_from(&mut buf) {
                Ok(got) => got,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // WouldBlock: nothing more; any other error is retried on the next round.
                Err(_) => break,
            };
            any = true;
            let code = match FrameRepr::parse_bytes(buf.get(..n).unwrap_or(&[]), None) {
                Ok(FrameRepr {
                    header,
                    payload: Payload::Command(command),
                }) => {
                    if header.idcode != self.responses.idcode {
                        self.counters.foreign_idcode_commands.inc();
                    }
                    command.code
                }
                _ => {
                    self.counters.bad_commands.inc();
                    continue;
                }
            };
            self.counters.commands.inc();
            self.peers.touch(from, now);
            match code {
                CommandCode::DataOn => match self.peers.data_on(from, now) {
                    Added::New => self.counters.udp_peers_added.inc(),
                    Added::Known => {}
                    Added::Refused => self.counters.udp_peers_refused.inc(),
                },
                CommandCode::DataOff => self.peers.data_off(from),
                other => match self.responses.answer(other, self.clock.wall()) {
                    Some(bytes) => {
                        if socket.send_to(bytes, from).is_err() {
                            self.counters.send_errors.inc();
                        }
                    }
                    None => self.counters.bad_commands.inc(),
                },
            }
        }
        if let Some(timeout) = self.udp_peer_timeout {
            let forgotten = self.peers.expire(now, timeout);
            self.counters.udp_peers_forgotten.add(forgotten as u64);
        }
        any
    }

    fn serve_commands(&mut self) -> bool {
        let mut any = false;
        for client in &mut self.clients {
            any |= client.serve(
                &mut self.responses,
                self.clock.as_ref(),
                &self.counters,
                self.client_buffer,
                TCP_BYTES_PER_ROUND,
            );
        }
        any
    }

    fn forward_frames(&mut self) -> bool {
        let mut any = false;
        while let Some(buffer) = self.ring.take_filled() {
            any = true;
            let frame = buffer.frame();
            let send = |socket: &UdpSocket, dest: &SocketAddr| match socket.send_to(frame, dest) {
                Ok(_) => self.counters.udp_frames_sent.inc(),
                Err(_) => self.counters.send_errors.inc(),
            };
            if let Some((socket, dest)) = &self.udp {
                send(socket, dest);
            }
            if let Some(socket) = &self.udp_server {
                for peer in self.peers.addresses() {
                    send(socket, &peer);
                }
            }
            for client in self.clients.iter_mut().filter(|c| c.data_on && !c.closed) {
                match client.udp_data {
                    Some(dest) => match self.data_sockets.for_dest(&dest) {
                        Some(socket) => send(socket, &dest),
                        None => self.counters.send_errors.inc(),
                    },
                    None => {
                        client.queue(frame, self.client_buffer);
                        self.counters.tcp_frames_sent.inc();
                    }
                }
            }
            self.ring.release(buffer);
        }
        any
    }
}

/// Accepts every pending connection of `listener` into `clients` while they are fewer
/// than `max`, and closes the others at once; returns how many were refused. `udp_data`
/// says where the data frames of a client from that peer address go (`None`: over its
/// TCP stream).
fn accept_all(
    listener: &TcpListener,
    clients: &mut Vec<Client>,
    max: usize,
    udp_data: impl Fn(SocketAddr) -> Option<SocketAddr>,
) -> usize {
    let mut refused = 0;
    loop {
        match listener.accept() {
            Ok((stream, _)) if clients.len() >= max => {
                drop(stream);
                refused += 1;
            }
            Ok((stream, peer)) => {
                if stream.set_nonblocking(true).is_err() {
                    continue;
                }
                let _ = stream.set_nodelay(true);
                clients.push(Client::new(stream, udp_data(peer)));
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Command;
    use gridhil_engine::clock::{RealClock, VirtualClock, VIRTUAL_EPOCH_NS};
    use gridhil_engine::node::NodeCounters;
    use gridhil_engine::signal::{Signal, SignalType};
    use std::net::Ipv4Addr;
    use std::sync::atomic::AtomicBool;

    const IDCODE: u16 = 7;

    fn config() -> Config {
        let settings: super::super::PmuServerConfig = toml::from_str(
            "idcode = 7\nstation = \"S\"\nnominal = \"60Hz\"\nrate = 60\ntcp = \"127.0.0.1:0\"",
        )
        .unwrap();
        let signals = [
            Signal::new("va", "V", SignalType::Complex),
            Signal::new("freq", "Hz", SignalType::F64),
        ];
        settings.config(&signals).unwrap().0
    }

    fn command(code: CommandCode, idcode: u16) -> Vec<u8> {
        let command = Command::new(code);
        let mut buf = vec![0; command.buffer_len()];
        let n = command
            .encode(&FrameHeader::new(idcode, 0, 0), &mut buf)
            .unwrap();
        buf.truncate(n);
        buf
    }

    fn counter(counters: &PmuServerCounters, name: &str) -> u64 {
        counters
            .snapshot()
            .into_iter()
            .find(|c| c.name == name)
            .map(|c| c.value)
            .unwrap()
    }

    fn start(
        max_clients: usize,
        client_buffer: usize,
    ) -> (Server, Arc<FrameRing>, Arc<PmuServerCounters>) {
        start_on(max_clients, client_buffer, Arc::new(RealClock::default()))
    }

    fn start_on(
        max_clients: usize,
        client_buffer: usize,
        clock: Arc<dyn Clock>,
    ) -> (Server, Arc<FrameRing>, Arc<PmuServerCounters>) {
        let ring = FrameRing::new(8, 64);
        let counters = Arc::new(PmuServerCounters::default());
        let server = Server::start(
            ServerSettings {
                tcp: Some((Ipv4Addr::LOCALHOST, 0).into()),
                udp: None,
                udp_listen: None,
                tcp_udp: None,
                tcp_udp_data: UdpDataTarget::default(),
                udp_peer_timeout: None,
                idcode: IDCODE,
                config: config(),
                header: "test".into(),
                client_buffer,
                max_clients,
                clock,
            },
            Arc::clone(&ring),
            Arc::clone(&counters),
        )
        .unwrap();
        (server, ring, counters)
    }

    fn connect(server: &Server) -> TcpStream {
        let stream = TcpStream::connect(server.tcp_addr().unwrap()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream
    }

    /// Sends "send header" and waits for the answer: the server has accepted the
    /// client and carried out everything sent before.
    fn round_trip(stream: &mut TcpStream) {
        stream
            .write_all(&command(CommandCode::SendHeader, IDCODE))
            .unwrap();
        let mut splitter = FrameSplitter::new(MAX_FRAME_LEN);
        let mut buf = [0u8; 4096];
        let mut got = false;
        while !got {
            let n = stream.read(&mut buf).expect("answer to send header");
            assert!(n > 0, "connection closed");
            splitter.feed(&buf[..n], |f| {
                got |= f.get(1).is_some_and(|b| b >> 4 & 7 == 1)
            });
        }
    }

    #[test]
    fn answers_are_cached_and_restamped() {
        let config = config();
        let mut responses = Responses::new(IDCODE, config.clone(), "hello".into());
        // 2023-11-14T22:13:20.1234565 (to be rounded to the µs of TIME_BASE 10⁶).
        let wall: Nanos = 1_700_000_000_123_456_500;
        assert!(responses.answer(CommandCode::DataOn, wall).is_none());
        for code in [
            CommandCode::SendConfig1,
            CommandCode::SendConfig2,
            CommandCode::SendConfig3,
            CommandCode::SendHeader,
        ] {
            let frame = responses.answer(code, wall).unwrap().to_vec();
            let body = frame.len() - 2;
            assert_eq!(
                crc_ccitt(&frame[..body]).to_be_bytes(),
                frame[body..],
                "{code:?}: CHK"
            );
            let repr = FrameRepr::parse_bytes(&frame, None).unwrap();
            assert_eq!(repr.header.idcode, IDCODE);
            // Stamped with the given time, not at the time the frame was first encoded
            // (1970).
            assert_eq!(
                (repr.header.soc, repr.header.fracsec.fraction),
                (1_700_000_000, 123_457),
                "{code:?}: SOC, FRACSEC"
            );
            match (code, repr.payload) {
                (CommandCode::SendConfig1, Payload::Config1(c))
                | (CommandCode::SendConfig2, Payload::Config2(c)) => assert_eq!(c, config),
                (CommandCode::SendConfig3, Payload::Config3(c)) => {
                    assert_eq!(c.pmus.len(), 1)
                }
                (CommandCode::SendHeader, Payload::Header(h)) => {
                    assert_eq!(h.text(), "hello")
                }
                (code, other) => panic!("{code:?} answered with {other:?}"),
            }
        }
    }

    /// A client that has sent far more than one round's worth is read only in part;
    /// once its answers exceed the client buffer it is closed and read no further.
    #[test]
    fn a_flooding_client_is_read_a_bounded_amount_per_round() {
        // A small budget, so that the test does not depend on large socket buffers.
        const BUDGET: usize = 8192;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let mut flooder = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        accepted.set_nonblocking(true).unwrap();
        let frame = command(CommandCode::DataOn, IDCODE);
        let flood: Vec<u8> = frame
            .iter()
            .copied()
            .cycle()
            .take(frame.len() * 20_000)
            .collect();
        flooder.set_nonblocking(true).unwrap();
        let mut written = 0;
        while written < 4 * BUDGET {
            match flooder.write(&flood[written..]) {
                Ok(n) => written += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(written >= 4 * BUDGET, "loopback buffers too small");
        // Wait until the bytes are there to be read.
        let mut peek = vec![0u8; 3 * BUDGET];
        while accepted.peek(&mut peek).unwrap_or(0) < 3 * BUDGET {
            std::thread::yield_now();
        }

        let counters = PmuServerCounters::default();
        let mut responses = Responses::new(IDCODE, config(), "hello".into());
        let mut client = Client::new(accepted, None);
        let clock = RealClock::default();
        assert!(client.serve(&mut responses, &clock, &counters, 1 << 20, BUDGET));
        let most = (BUDGET + 4096) / frame.len() + 1;
        let commands = counter(&counters, "commands");
        assert!(
            commands > 0 && commands as usize <= most,
            "{commands} commands in one round"
        );
        assert!(client.data_on && !client.closed);
        // What is left waits for the next round.
        assert!(client.stream.peek(&mut peek).unwrap() > 0);

        // Answers past the client buffer: closed, nothing more read.
        let mut flood = Vec::new();
        for _ in 0..4_000 {
            flood.extend(command(CommandCode::SendHeader, IDCODE));
        }
        flooder.set_nonblocking(false).unwrap();
        let writer = std::thread::spawn(move || {
            let _ = flooder.write_all(&flood);
            flooder
        });
        while !client.closed {
            client.serve(&mut responses, &clock, &counters, 65_536, BUDGET);
        }
        assert!(client.pending.len() <= 65_536);
        let when_closed = counter(&counters, "commands");
        assert!(!client.serve(&mut responses, &clock, &counters, 65_536, BUDGET));
        assert_eq!(counter(&counters, "commands"), when_closed);
        drop(client);
        drop(writer.join());
    }

    /// One client floods "send header" without reading its answers while another
    /// has data on: the data frames keep flowing and the flooder is disconnected.
    #[test]
    fn a_command_flood_does_not_stop_the_data_frames() {
        let (server, ring, counters) = start(4, 65_536);
        let mut data_client = connect(&server);
        data_client
            .write_all(&command(CommandCode::DataOn, IDCODE))
            .unwrap();
        round_trip(&mut data_client);

        let mut flooder = connect(&server);
        round_trip(&mut flooder);
        let stop = Arc::new(AtomicBool::new(false));
        let flooding = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let burst: Vec<u8> = (0..200)
                    .flat_map(|_| command(CommandCode::SendHeader, IDCODE))
                    .collect();
                while !stop.load(Ordering::Relaxed) {
                    if flooder.write_all(&burst).is_err() {
                        return true;
                    }
                }
                false
            })
        };

        let marker = [0xA5u8; 20];
        let mut received = 0;
        let mut buf = [0u8; 4096];
        while received < 100 * marker.len() {
            if let Some(mut buffer) = ring.take_free() {
                buffer.space()[..marker.len()].copy_from_slice(&marker);
                buffer.set_len(marker.len());
                ring.submit(buffer);
                server.wake();
            }
            let n = data_client.read(&mut buf).expect("data frames");
            assert!(n > 0, "data client closed");
            assert!(buf[..n].iter().all(|b| *b == 0xA5));
            received += n;
        }
        // The flooder never reads its answers: past the client buffer it is dropped.
        while counter(&counters, "clients_dropped") == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::Relaxed);
        assert!(flooding.join().unwrap(), "the flooder was not disconnected");
        assert_eq!(counter(&counters, "clients_dropped"), 1);
        drop(server);
    }

    #[test]
    fn clients_beyond_max_clients_are_refused() {
        let (server, _ring, counters) = start(2, 65_536);
        let mut first = connect(&server);
        let mut second = connect(&server);
        round_trip(&mut first);
        round_trip(&mut second);
        let mut third = connect(&server);
        let _ = third.write_all(&command(CommandCode::SendHeader, IDCODE));
        let mut buf = [0u8; 64];
        match third.read(&mut buf) {
            Ok(0) => {}
            Err(e) if e.kind() != ErrorKind::WouldBlock && e.kind() != ErrorKind::TimedOut => {}
            other => panic!("the third client was served: {other:?}"),
        }
        while counter(&counters, "clients_refused") == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(counter(&counters, "clients_accepted"), 2);
        // The others are still served.
        round_trip(&mut first);
        drop(first);
        drop(server);
    }

    #[test]
    fn commands_for_another_idcode_are_answered_and_counted() {
        let (server, _ring, counters) = start(2, 65_536);
        let mut client = connect(&server);
        client
            .write_all(&command(CommandCode::SendConfig2, 99))
            .unwrap();
        round_trip(&mut client);
        assert_eq!(counter(&counters, "foreign_idcode_commands"), 1);
        assert_eq!(counter(&counters, "commands"), 2);
        drop(server);
    }

    /// In virtual time the configuration answer carries the virtual wall time:
    /// `VIRTUAL_EPOCH_NS` plus the virtual time, whatever the host's clock says.
    #[test]
    fn a_cfg2_answer_carries_the_run_clock_s_virtual_time() {
        let clock = Arc::new(VirtualClock::new(VIRTUAL_EPOCH_NS));
        clock.advance_to(12_345_678_900);
        let (server, _ring, _counters) = start_on(2, 65_536, Arc::clone(&clock) as _);
        let mut stream = connect(&server);
        stream
            .write_all(&command(CommandCode::SendConfig2, IDCODE))
            .unwrap();
        let mut splitter = FrameSplitter::new(MAX_FRAME_LEN);
        let mut buf = [0u8; 4096];
        let mut cfg2 = None;
        while cfg2.is_none() {
            let n = stream.read(&mut buf).expect("CFG-2 answer");
            assert!(n > 0, "connection closed");
            splitter.feed(&buf[..n], |f| cfg2 = Some(f.to_vec()));
        }
        let repr = FrameRepr::parse_bytes(&cfg2.unwrap(), None).unwrap();
        assert!(matches!(repr.payload, Payload::Config2(_)));
        let epoch_s = u32::try_from(VIRTUAL_EPOCH_NS / 1_000_000_000).unwrap();
        // 12.3456789 s after the virtual epoch, at the µs of TIME_BASE 10⁶.
        assert_eq!(
            (repr.header.soc, repr.header.fracsec.fraction),
            (epoch_s + 12, 345_679)
        );
        drop(server);
    }
}
