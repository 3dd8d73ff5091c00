//! `dump`: copies samples to a text file or a UDP socket off the real-time thread. The
//! path's thread puts a copy (a slot of the run's pool) into a bounded queue; a writer
//! thread of the hook's own formats and writes it (one line per sample; one datagram per
//! line to a socket). A full queue or an empty pool drops the copy and counts it; the path
//! never waits. The file or socket is opened at the first sample, not at `gridhil check`.

use crossbeam_queue::ArrayQueue;
use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::{Sample, SampleRef};
use gridhil_engine::signal::{Signal, Value};
use serde::Deserialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Configuration of the `dump` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DumpConfig {
    /// The file written (replaced): a header line, then one tab-separated line a sample.
    pub file: Option<PathBuf>,
    /// Or: a UDP address (`"127.0.0.1:9000"`) that gets one datagram per sample (the line).
    pub udp: Option<std::net::SocketAddr>,
    /// Samples the queue to the writer holds (default 1024, at most 65536).
    #[serde(default = "default_queue")]
    pub queue: usize,
    /// Dump one sample in `every` (default 1).
    #[serde(default = "one")]
    pub every: u64,
}

fn default_queue() -> usize {
    1024
}

fn one() -> u64 {
    1
}

struct Shared {
    queue: ArrayQueue<SampleRef>,
    closed: AtomicBool,
    written: AtomicU64,
    write_errors: AtomicU64,
}

struct Dump {
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
    every: u64,
    count: u64,
    dropped: u64,
}

impl HookConfig for DumpConfig {
    fn build(
        &self,
        input: &[Signal],
        ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        if !(1..=65536).contains(&self.queue) {
            return Err(FieldError::at("queue", "must be 1 to 65536"));
        }
        if self.every == 0 {
            return Err(FieldError::at("every", "must be at least 1"));
        }
        let target = match (&self.file, self.udp) {
            (Some(file), None) => {
                if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                    if !parent.is_dir() {
                        return Err(FieldError::at(
                            "file",
                            format!("folder {} does not exist", parent.display()),
                        ));
                    }
                }
                Target::File(file.clone())
            }
            (None, Some(address)) => Target::Udp(address),
            _ => return Err(FieldError::new("give one of `file` and `udp`")),
        };
        let shared = Arc::new(Shared {
            queue: ArrayQueue::new(self.queue),
            closed: AtomicBool::new(false),
            written: AtomicU64::new(0),
            write_errors: AtomicU64::new(0),
        });
        let header = header(input);
        let writer = std::thread::Builder::new()
            .name(format!("dump-{}", ctx.path_index))
            .spawn({
                let shared = Arc::clone(&shared);
                move || write_loop(&shared, &target, &header)
            })
            .map_err(|e| FieldError::new(format!("cannot start the dump writer thread: {e}")))?;
        Ok((
            Box::new(Dump {
                shared,
                writer: Some(writer),
                every: self.every,
                count: 0,
                dropped: 0,
            }),
            input.to_vec(),
        ))
    }
}

fn header(signals: &[Signal]) -> String {
    let mut line = String::from("# seq\tts_origin\tts_received\tflags");
    for s in signals {
        line.push('\t');
        line.push_str(&s.name);
        if !s.unit.is_empty() {
            line.push_str(&format!("[{}]", s.unit));
        }
    }
    line
}

/// One line for a sample: integers as they are, floats in the shortest form that reads
/// back to the same bits, complex values as `re+imi`.
fn line(sample: &Sample, out: &mut String) {
    use std::fmt::Write as _;
    let _ = write!(
        out,
        "{}\t{}\t{}\t{}",
        sample.seq, sample.ts_origin, sample.ts_received, sample.flags.0
    );
    for v in sample.values() {
        let _ = match v {
            Value::F64(x) => write!(out, "\t{x:?}"),
            Value::I64(x) => write!(out, "\t{x}"),
            Value::Bool(x) => write!(out, "\t{}", u8::from(*x)),
            Value::Complex(c) => write!(out, "\t{:?}{:+?}i", c.re, c.im),
        };
    }
    out.push('\n');
}

/// Where the lines go.
enum Target {
    File(PathBuf),
    Udp(std::net::SocketAddr),
}

/// An opened target.
enum Sink {
    File(std::io::BufWriter<std::fs::File>),
    Udp(std::net::UdpSocket, std::net::SocketAddr),
}

impl Sink {
    fn open(target: &Target, header: &str) -> std::io::Result<Sink> {
        match target {
            Target::File(path) => {
                let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
                writeln!(w, "{header}")?;
                Ok(Sink::File(w))
            }
            Target::Udp(address) => {
                let bind: std::net::SocketAddr = if address.is_ipv4() {
                    ([0, 0, 0, 0], 0).into()
                } else {
                    (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
                };
                Ok(Sink::Udp(std::net::UdpSocket::bind(bind)?, *address))
            }
        }
    }

    fn write(&mut self, line: &str) -> std::io::Result<()> {
        match self {
            Sink::File(w) => w.write_all(line.as_bytes()),
            Sink::Udp(socket, to) => socket.send_to(line.trim_end().as_bytes(), *to).map(|_| ()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(w) => w.flush(),
            Sink::Udp(..) => Ok(()),
        }
    }
}

fn write_loop(shared: &Shared, target: &Target, header: &str) {
    let mut out: Option<Sink> = None;
    let mut text = String::new();
    loop {
        let closed = shared.closed.load(Ordering::Acquire);
        let mut any = false;
        while let Some(sample) = shared.queue.pop() {
            any = true;
            if out.is_none() {
                match Sink::open(target, header) {
                    Ok(sink) => out = Some(sink),
                    Err(_) => {
                        shared.write_errors.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                }
            }
            text.clear();
            line(&sample, &mut text);
            drop(sample);
            if let Some(sink) = out.as_mut() {
                match sink.write(&text) {
                    Ok(()) => shared.written.fetch_add(1, Ordering::Relaxed),
                    Err(_) => shared.write_errors.fetch_add(1, Ordering::Relaxed),
                };
            }
        }
        if closed {
            break;
        }
        if !any {
            if let Some(sink) = out.as_mut() {
                let _ = sink.flush();
            }
            std::thread::park_timeout(std::time::Duration::from_millis(5));
        }
    }
    if let Some(mut sink) = out {
        if sink.flush().is_err() {
            shared.write_errors.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Hook for Dump {
    fn process(&mut self, sample: &mut Sample, ctx: &HookContext<'_>) -> HookAction {
        let due = self.count % self.every == 0;
        self.count = self.count.wrapping_add(1);
        if due {
            match ctx.pool.alloc_copy(sample) {
                Some(copy) => {
                    if self.shared.queue.push(copy).is_err() {
                        self.dropped += 1;
                    }
                }
                None => self.dropped += 1,
            }
        }
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!(
            "dump: {} written so far, {} dropped (queue full or pool empty), {} write errors",
            self.shared.written.load(Ordering::Relaxed),
            self.dropped,
            self.shared.write_errors.load(Ordering::Relaxed)
        ))
    }
}

impl Drop for Dump {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        if let Some(writer) = self.writer.take() {
            writer.thread().unpark();
            let _ = writer.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn writes_every_sample_and_finishes_on_drop() {
        let dir = std::env::temp_dir().join(format!("gridhil-dump-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("out.tsv");
        let mut r = rig::<DumpConfig>(
            &format!("file = {:?}\nevery = 2", file.to_str().unwrap()),
            &["a", "b"],
        );
        let rows: Vec<Vec<f64>> = (0..10).map(|k| vec![k as f64 * 0.1, -(k as f64)]).collect();
        assert_eq!(r.feed(1000, &rows).len(), 10, "dump passes every sample");
        drop(r);
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "# seq\tts_origin\tts_received\tflags\ta\tb");
        assert_eq!(lines.len(), 6);
        assert_eq!(lines[2], "2\t2000\t2000\t0\t0.2\t-2.0");
        let back: f64 = lines[4].split('\t').nth(4).unwrap().parse().unwrap();
        assert_eq!(back, 6.0 * 0.1, "floats read back bit for bit");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_full_queue_drops_and_counts() {
        let dir = std::env::temp_dir().join(format!("gridhil-dump-full-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut r = rig::<DumpConfig>(
            &format!("file = {:?}\nqueue = 1", dir.join("x").to_str().unwrap()),
            &["a"],
        );
        let rows = vec![vec![1.0]; 60];
        r.feed(1, &rows);
        let summary = r.hook.summary().unwrap();
        let dropped: u64 = summary
            .split(", ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let written: u64 = summary.split(' ').nth(1).unwrap().parse().unwrap();
        assert!(dropped > 0 || written > 0);
        drop(r);
        let lines = std::fs::read_to_string(dir.join("x"))
            .unwrap()
            .lines()
            .count() as u64;
        assert_eq!(
            lines - 1 + dropped,
            60,
            "every sample is written or counted as dropped"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn sends_a_datagram_per_sample() {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let address = socket.local_addr().unwrap();
        let mut r = rig::<DumpConfig>(&format!("udp = \"{address}\""), &["a"]);
        r.feed(1000, &[vec![1.5], vec![-2.0]]);
        drop(r);
        let mut buf = [0u8; 256];
        let mut lines = Vec::new();
        for _ in 0..2 {
            let n = socket.recv(&mut buf).unwrap();
            lines.push(String::from_utf8_lossy(&buf[..n]).to_string());
        }
        assert_eq!(lines, ["0\t0\t0\t0\t1.5", "1\t1000\t1000\t0\t-2.0"]);
        let both = "file = \"x\"\nudp = \"127.0.0.1:1\"";
        assert!(crate::common::testing::rig_with::<DumpConfig>(both, &[Signal::f64("a")]).is_err());
    }
}
