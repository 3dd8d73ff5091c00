//! The network side of `pmu-server`: a thread (not real-time) that serves commanded TCP
//! clients, commanded UDP peers and TCP-config/UDP-data clients, and sends spontaneous
//! UDP data frames.

use super::peers::{Added, UdpPeers};
use super::ring::FrameRing;
use super::{PmuServerCounters, UdpDataTarget};
use crate::codec::{
    CommandCode, Config, Config3, FrameHeader, FrameRepr, FrameSplitter, HeaderText, Payload,
};
use gridhil_engine::node::NodeError;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Most datagrams read from the commanded UDP socket per round of the network loop.
const UDP_COMMANDS_PER_ROUND: usize = 256;

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
    /// How long a silent commanded UDP peer is kept (`None`: until "data off").
    pub udp_peer_timeout: Option<Duration>,
    /// IDCODE of the stream (in the header of every frame the server sends).
    pub idcode: u16,
    /// The configuration (CFG-2; CFG-1 and CFG-3 are derived from it).
    pub config: Config,
    /// Text of the header frame.
    pub header: String,
    /// Most bytes queued per client.
    pub client_buffer: usize,
}

/// Handle of the running network thread.
pub struct Server {
    thread: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Binds the sockets and starts the thread.
    pub fn start(
        settings: ServerSettings,
        ring: Arc<FrameRing>,
        counters: Arc<PmuServerCounters>,
    ) -> Result<Server, NodeError> {
        let listener = settings.tcp.map(listen).transpose()?;
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
            clients: Vec::new(),
            ring,
            counters,
            stop: Arc::clone(&stop),
        };
        let thread = std::thread::Builder::new()
            .name("pmu-server".into())
            .spawn(move || worker.run())
            .map_err(|e| NodeError::io("cannot start the pmu-server thread", e))?;
        Ok(Server {
            thread: Some(thread),
            stop,
        })
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

/// Configuration and header frames, encoded on request.
struct Responses {
    config: Config,
    config3: Config3,
    header: HeaderText,
    idcode: u16,
}

impl Responses {
    fn new(idcode: u16, config: Config, header: String) -> Self {
        Responses {
            config3: Config3::from_config(&config),
            config,
            header: HeaderText::new(&header),
            idcode,
        }
    }

    fn encode(&self, code: CommandCode) -> Option<Vec<u8>> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let header = FrameHeader::at_unix_nanos(self.idcode, now, self.config.time_base);
        let result = match code {
            CommandCode::SendConfig1 | CommandCode::SendConfig2 => {
                let mut buf = vec![0; self.config.buffer_len()];
                self.config
                    .encode(code == CommandCode::SendConfig1, &header, &mut buf)
                    .map(|n| (buf, n))
            }
            CommandCode::SendConfig3 => {
                let mut buf = vec![0; self.config3.buffer_len()];
                self.config3.encode(&header, &mut buf).map(|n| (buf, n))
            }
            CommandCode::SendHeader => {
                let mut buf = vec![0; self.header.buffer_len()];
                self.header.encode(&header, &mut buf).map(|n| (buf, n))
            }
            _ => return None,
        };
        result.ok().map(|(mut buf, n)| {
            buf.truncate(n);
            buf
        })
    }
}

/// One TCP client.
struct Client {
    stream: TcpStream,
    splitter: FrameSplitter,
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
            splitter: FrameSplitter::new(65_535),
            pending: Vec::new(),
            data_on: false,
            closed: false,
            udp_data,
        }
    }

    /// Reads what the client sent; returns the commands in it.
    fn read_commands(&mut self, counters: &PmuServerCounters) -> Vec<CommandCode> {
        let mut commands = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.closed = true;
                    break;
                }
                Ok(n) => {
                    self.splitter.feed(buf.get(..n).unwrap_or(&[]), |frame| {
                        match FrameRepr::parse_bytes(frame, None) {
                            Ok(FrameRepr {
                                payload: Payload::Command(command),
                                ..
                            }) => {
                                counters.commands.inc();
                                commands.push(command.code);
                            }
                            _ => counters.bad_commands.inc(),
                        }
                    });
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.closed = true;
                    break;
                }
            }
        }
        commands
    }

    fn queue(&mut self, bytes: &[u8], limit: usize) {
        if self.pending.len() + bytes.len() > limit {
            self.closed = true;
            return;
        }
        self.pending.extend_from_slice(bytes);
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

struct Worker {
    listener: Option<TcpListener>,
    mixed_listener: Option<TcpListener>,
    tcp_udp_data: UdpDataTarget,
    udp: Option<(UdpSocket, SocketAddr)>,
    udp_server: Option<UdpSocket>,
    peers: UdpPeers,
    udp_peer_timeout: Option<Duration>,
    data_sockets: DataSockets,
    responses: Responses,
    client_buffer: usize,
    clients: Vec<Client>,
    ring: Arc<FrameRing>,
    counters: Arc<PmuServerCounters>,
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
        // Data frames still queued go out before the connections close.
        self.forward_frames();
        for client in &mut self.clients {
            let _ = client.stream.set_nonblocking(false);
            let _ = client
                .stream
                .set_write_timeout(Some(Duration::from_millis(200)));
            client.flush();
        }
    }

    fn accept(&mut self) -> bool {
        let target = self.tcp_udp_data;
        let mut accepted = Vec::new();
        if let Some(listener) = &self.listener {
            accept_all(listener, &mut accepted, |_| None);
        }
        if let Some(listener) = &self.mixed_listener {
            accept_all(listener, &mut accepted, |peer| {
                Some(match target {
                    UdpDataTarget::Port(port) => SocketAddr::new(peer.ip(), port),
                    UdpDataTarget::Address(addr) => addr,
                })
            });
        }
        self.counters.clients_accepted.add(accepted.len() as u64);
        let any = !accepted.is_empty();
        self.clients.append(&mut accepted);
        any
    }

    /// Answers the commands that arrived on the commanded UDP socket.
    fn serve_udp_commands(&mut self) -> bool {
        let Some(socket) = &self.udp_server else {
            return false;
        };
        let now = Instant::now();
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
                    payload: Payload::Command(command),
                    ..
                }) => command.code,
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
                other => match self.responses.encode(other) {
                    Some(bytes) => {
                        if socket.send_to(&bytes, from).is_err() {
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
            for code in client.read_commands(&self.counters) {
                any = true;
                match code {
                    CommandCode::DataOn => client.data_on = true,
                    CommandCode::DataOff => client.data_on = false,
                    other => match self.responses.encode(other) {
                        Some(bytes) => client.queue(&bytes, self.client_buffer),
                        None => self.counters.bad_commands.inc(),
                    },
                }
            }
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

/// Accepts every pending connection of `listener` into `clients`; `udp_data` says where
/// the data frames of a client from that peer address go (`None`: over its TCP stream).
fn accept_all(
    listener: &TcpListener,
    clients: &mut Vec<Client>,
    udp_data: impl Fn(SocketAddr) -> Option<SocketAddr>,
) {
    loop {
        match listener.accept() {
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
}
