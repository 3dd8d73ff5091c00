//! The client thread of a `pdc` node: connection, commands, decoding, reconnection.

use super::reader::{Handoff, Notifier};
use super::PdcCounters;
use crate::codec::{
    Command, CommandCode, DataError, DataFrame, DataLayout, Error as CodecError, FrameHeader,
    FrameRepr, FrameSplitter, Payload, StreamDecoder,
};
use gridhil_engine::clock::Clock;
use gridhil_engine::node::NodeError;
use gridhil_engine::sample::SampleFlags;
use gridhil_engine::signal::{Complex, Value};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the client connects to and expects.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// The PMU's TCP address.
    pub connect: SocketAddr,
    /// IDCODE written into commands.
    pub idcode: u16,
    /// IDCODE of the PMU block to read.
    pub pmu: u16,
    /// Declared phasor count.
    pub phasors: usize,
    /// Declared analog count.
    pub analogs: usize,
    /// Declared digital word count.
    pub digitals: usize,
    /// First reconnection delay, ns.
    pub backoff: i64,
    /// Longest reconnection delay, ns.
    pub max_backoff: i64,
    /// Longest time without a data frame before reconnecting, ns.
    pub silence: i64,
}

/// Handle of the client thread.
pub struct Client {
    thread: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Client {
    /// Starts the client thread.
    pub fn start(
        settings: ClientSettings,
        handoff: Arc<Handoff>,
        notifier: Notifier,
        clock: Arc<dyn Clock>,
        counters: Arc<PdcCounters>,
    ) -> Result<Client, NodeError> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut worker = Worker {
            settings,
            handoff,
            notifier,
            clock,
            counters,
            stop: Arc::clone(&stop),
            seq: 0,
        };
        let thread = std::thread::Builder::new()
            .name("pdc".into())
            .spawn(move || worker.run())
            .map_err(|e| NodeError::io("cannot start the pdc thread", e))?;
        Ok(Client {
            thread: Some(thread),
            stop,
        })
    }

    /// Stops the thread (turning data off on the connection).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Why a session ended.
#[derive(Debug)]
enum SessionEnd {
    Stopped,
    Lost(String),
}

struct Worker {
    settings: ClientSettings,
    handoff: Arc<Handoff>,
    notifier: Notifier,
    clock: Arc<dyn Clock>,
    counters: Arc<PdcCounters>,
    stop: Arc<AtomicBool>,
    seq: u64,
}

const POLL: Duration = Duration::from_millis(100);

impl Worker {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn run(&mut self) {
        let mut backoff = self.settings.backoff;
        let mut first = true;
        while !self.stopped() {
            if !first {
                self.counters.reconnects.inc();
            }
            first = false;
            let mut configured = false;
            match self.session(&mut configured) {
                SessionEnd::Stopped => break,
                SessionEnd::Lost(_why) => {}
            }
            if configured {
                backoff = self.settings.backoff;
            }
            self.sleep(backoff);
            backoff = (backoff * 2).min(self.settings.max_backoff);
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

    fn command(&self, stream: &mut TcpStream, code: CommandCode) -> std::io::Result<()> {
        let now = u64::try_from(self.clock.wall()).unwrap_or(0);
        let header = FrameHeader::at_unix_nanos(self.settings.idcode, now, 1_000_000);
        let command = Command::new(code);
        let mut buf = vec![0; command.buffer_len()];
        let n = command
            .encode(&header, &mut buf)
            .map_err(|e| std::io::Error::new(ErrorKind::InvalidData, e.to_string()))?;
        stream.write_all(buf.get(..n).unwrap_or(&[]))
    }

    /// The index of the PMU block to read, when the layout matches the declaration.
    fn check_layout(&self, layout: &DataLayout) -> Option<usize> {
        let index = layout
            .pmus
            .iter()
            .position(|p| p.idcode == self.settings.pmu)
            .unwrap_or(0);
        let pmu = layout.pmus.get(index)?;
        let s = &self.settings;
        if pmu.phasors.len() == s.phasors
            && pmu.analogs.len() == s.analogs
            && pmu.digital_words == s.digitals
        {
            Some(index)
        } else {
            None
        }
    }

    fn session(&mut self, configured: &mut bool) -> SessionEnd {
        let mut stream =
            match TcpStream::connect_timeout(&self.settings.connect, Duration::from_secs(2)) {
                Ok(s) => s,
                Err(e) => return SessionEnd::Lost(format!("connect: {e}")),
            };
        self.counters.connects.inc();
        let _ = stream.set_nodelay(true);
        if stream.set_read_timeout(Some(POLL)).is_err() {
            return SessionEnd::Lost("set_read_timeout".into());
        }
        if let Err(e) = self.command(&mut stream, CommandCode::SendConfig2) {
            return SessionEnd::Lost(format!("send CFG-2 request: {e}"));
        }
        let mut decoder = StreamDecoder::new();
        let mut splitter = FrameSplitter::new(65_535);
        let mut block: Option<usize> = None;
        let mut last_progress = Instant::now();
        let silence = Duration::from_nanos(self.settings.silence.unsigned_abs());
        let mut buf = vec![0u8; 65_536];
        let mut frames: Vec<Vec<u8>> = Vec::new();
        loop {
            if self.stopped() {
                if block.is_some() {
                    let _ = self.command(&mut stream, CommandCode::DataOff);
                }
                return SessionEnd::Stopped;
            }
            if last_progress.elapsed() > silence {
                return SessionEnd::Lost("no data".into());
            }
            let n = match stream.read(&mut buf) {
                Ok(0) => return SessionEnd::Lost("closed by the PMU".into()),
                Ok(n) => n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    continue
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return SessionEnd::Lost(format!("read: {e}")),
            };
            let received = self.clock.wall();
            splitter.feed(buf.get(..n).unwrap_or(&[]), |f| frames.push(f.to_vec()));
            for frame in frames.drain(..) {
                self.counters.frames.inc();
                match decoder.decode(&frame) {
                    Ok(FrameRepr {
                        payload: Payload::Config2(_) | Payload::Config3(_),
                        ..
                    }) => {
                        let Some(layout) = decoder.layout() else {
                            continue;
                        };
                        match self.check_layout(layout) {
                            Some(index) => {
                                if block.is_none() {
                                    if let Err(e) = self.command(&mut stream, CommandCode::DataOn) {
                                        return SessionEnd::Lost(format!("data on: {e}"));
                                    }
                                }
                                block = Some(index);
                                *configured = true;
                                last_progress = Instant::now();
                            }
                            None => {
                                self.counters.config_mismatch.inc();
                                return SessionEnd::Lost("configuration does not match".into());
                            }
                        }
                    }
                    Ok(FrameRepr {
                        header,
                        payload: Payload::Data(data),
                    }) => {
                        let (Some(index), Some(layout)) = (block, decoder.layout()) else {
                            continue;
                        };
                        last_progress = Instant::now();
                        self.counters.data_frames.inc();
                        let ts = header.unix_nanos(layout.time_base);
                        self.deliver(&data, layout, index, ts, received);
                    }
                    Ok(_) => {}
                    Err(CodecError::CrcMismatch { .. }) => self.counters.crc_errors.inc(),
                    Err(_) => self.counters.decode_errors.inc(),
                }
            }
        }
    }

    fn deliver(
        &mut self,
        data: &DataFrame,
        layout: &DataLayout,
        index: usize,
        ts: u64,
        received: i64,
    ) {
        let (Some(pmu), Some(pmu_layout)) = (data.pmus.get(index), layout.pmus.get(index)) else {
            return;
        };
        let Some(mut record) = self.handoff.take_free() else {
            self.counters.queue_full.inc();
            return;
        };
        let values = pmu.values(pmu_layout);
        let mut flags = SampleFlags::default();
        match pmu.stat.data_error {
            DataError::Good => {}
            DataError::TestMode => flags.set(SampleFlags::TEST, true),
            DataError::PmuError | DataError::DoNotUse => {
                flags.set(SampleFlags::INVALID, true);
                self.counters.invalid_data.inc();
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
        for (slot, value) in record
            .values
            .iter_mut()
            .zip(phasors.chain(rest).chain(analogs).chain(digitals))
        {
            *slot = value;
        }
        record.seq = self.seq;
        self.seq += 1;
        record.ts_origin = i64::try_from(ts).unwrap_or(i64::MAX);
        record.ts_received = received;
        record.flags = flags.0;
        self.handoff.submit(record);
        self.notifier.notify();
    }
}
