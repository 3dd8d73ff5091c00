//! The network side of `pmu-server`: a thread (not real-time) that serves commanded TCP
//! clients and sends spontaneous UDP data frames.

use super::ring::FrameRing;
use super::PmuServerCounters;
use crate::codec::{
    CommandCode, Config, Config3, FrameHeader, FrameRepr, FrameSplitter, HeaderText, Payload,
};
use gridhil_engine::node::NodeError;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the network thread serves.
pub struct ServerSettings {
    /// Commanded TCP listening address.
    pub tcp: Option<SocketAddr>,
    /// Spontaneous UDP destination.
    pub udp: Option<SocketAddr>,
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
        let listener = match settings.tcp {
            Some(addr) => {
                let listener = TcpListener::bind(addr)
                    .map_err(|e| NodeError::io(format!("cannot listen on {addr}"), e))?;
                listener
                    .set_nonblocking(true)
                    .map_err(|e| NodeError::io("set_nonblocking", e))?;
                Some(listener)
            }
            None => None,
        };
        let udp = match settings.udp {
            Some(dest) => {
                let local: SocketAddr = if dest.is_ipv4() {
                    ([0, 0, 0, 0], 0).into()
                } else {
                    (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
                };
                let socket = UdpSocket::bind(local)
                    .map_err(|e| NodeError::io("cannot create UDP socket", e))?;
                Some((socket, dest))
            }
            None => None,
        };
        let stop = Arc::new(AtomicBool::new(false));
        let mut worker = Worker {
            listener,
            udp,
            responses: Responses::new(settings.config, settings.header),
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

/// Configuration and header frames, encoded on request.
struct Responses {
    config: Config,
    config3: Config3,
    header: HeaderText,
    idcode: u16,
}

impl Responses {
    fn new(config: Config, header: String) -> Self {
        let idcode = config.pmus.first().map_or(0, |p| p.idcode);
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
}

impl Client {
    fn new(stream: TcpStream) -> Self {
        Client {
            stream,
            splitter: FrameSplitter::new(65_535),
            pending: Vec::new(),
            data_on: false,
            closed: false,
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
    udp: Option<(UdpSocket, SocketAddr)>,
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
        let Some(listener) = &self.listener else {
            return false;
        };
        let mut accepted = false;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    let _ = stream.set_nodelay(true);
                    self.clients.push(Client::new(stream));
                    self.counters.clients_accepted.inc();
                    accepted = true;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        accepted
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
            if let Some((socket, dest)) = &self.udp {
                match socket.send_to(frame, dest) {
                    Ok(_) => self.counters.udp_frames_sent.inc(),
                    Err(_) => self.counters.send_errors.inc(),
                }
            }
            for client in self.clients.iter_mut().filter(|c| c.data_on && !c.closed) {
                client.queue(frame, self.client_buffer);
                self.counters.tcp_frames_sent.inc();
            }
            self.ring.release(buffer);
        }
        any
    }
}
