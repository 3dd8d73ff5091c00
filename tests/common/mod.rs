//! Helpers shared by the end-to-end tests: run the real binary, read its HDF5 run log.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The `gridhil` binary built for this test run.
pub fn gridhil() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gridhil"))
}

/// Path of a file in the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs the binary with arguments; panics with its output if it could not start.
pub fn run(args: &[&str]) -> Output {
    let output = gridhil().args(args).output().expect("start gridhil");
    output
}

/// Text of stdout and stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// One path's datasets from a run log.
pub struct PathLog {
    pub seq: Vec<u64>,
    pub ts_origin: Vec<i64>,
    pub ts_received: Vec<i64>,
    pub ts_sent: Vec<i64>,
    pub values: Vec<Vec<f64>>,
    pub signals: Vec<String>,
}

/// Reads `/paths/<name>` of a run log.
pub fn read_path(file: &Path, name: &str) -> PathLog {
    let file = hdf5::File::open(file).expect("open run log");
    let group = file.group(&format!("paths/{name}")).expect("path group");
    let values_ds = group.dataset("values").expect("values");
    let values = values_ds.read_2d::<f64>().expect("read values");
    let signals: Vec<String> = values_ds
        .attr("signals")
        .and_then(|a| a.read_raw::<hdf5::types::VarLenUnicode>())
        .expect("signals attribute")
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    PathLog {
        seq: group.dataset("seq").unwrap().read_raw::<u64>().unwrap(),
        ts_origin: group
            .dataset("ts_origin")
            .unwrap()
            .read_raw::<i64>()
            .unwrap(),
        ts_received: group
            .dataset("ts_received")
            .unwrap()
            .read_raw::<i64>()
            .unwrap(),
        ts_sent: group.dataset("ts_sent").unwrap().read_raw::<i64>().unwrap(),
        values: values.outer_iter().map(|row| row.to_vec()).collect(),
        signals,
    }
}

/// Writes a config file into `dir` and returns its path.
pub fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write config");
    path
}

/// Counter `name` of node `node` from a run log (`/nodes/<node>` attributes); panics when absent.
pub fn node_counter(file: &Path, node: &str, name: &str) -> u64 {
    let file = hdf5::File::open(file).expect("open run log");
    let group = file.group(&format!("nodes/{node}")).expect("node group");
    group
        .attr(name)
        .and_then(|a| a.read_scalar::<u64>())
        .unwrap_or_else(|e| panic!("counter {node}.{name}: {e}"))
}

#[allow(unused_imports)]
pub use gridhil_test_support::net::{free_tcp_port, free_udp_port};

/// A TCP connection to a local port, tried again until a server listens there (at most
/// 20 s), with a 10 s read timeout.
pub fn connect_tcp(port: u16) -> std::net::TcpStream {
    let start = std::time::Instant::now();
    loop {
        match std::net::TcpStream::connect((std::net::Ipv4Addr::LOCALHOST, port)) {
            Ok(stream) => {
                stream
                    .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                    .expect("read timeout");
                return stream;
            }
            Err(e) if start.elapsed() > std::time::Duration::from_secs(20) => {
                panic!("connect to port {port}: {e}")
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
}

/// The Python of the test peers' virtual environment (`setup.sh` creates it), if present.
pub fn venv_python() -> Option<PathBuf> {
    let python = repo(".venv/bin/python");
    python.exists().then_some(python)
}

/// Starts `examples/pmu-server.toml` on the given TCP (commanded) and UDP (spontaneous)
/// ports for `duration`, with its output piped.
pub fn spawn_pmu_server_example(tcp: u16, udp: u16, duration: &str) -> Child {
    gridhil()
        .arg("run")
        .arg(repo("examples/pmu-server.toml"))
        .args(["--duration", duration, "--set"])
        .arg(format!("nodes.pmu.tcp=\"127.0.0.1:{tcp}\""))
        .arg("--set")
        .arg(format!("nodes.pmu.udp=\"127.0.0.1:{udp}\""))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the pmu-server example")
}

/// A `gridhil run` child process with piped output; killed when dropped.
pub struct GridhilProcess(Child);

impl GridhilProcess {
    /// Runs `config` for `duration` with `--set` overrides.
    pub fn start(config: &Path, duration: &str, sets: &[String]) -> GridhilProcess {
        let mut command = gridhil();
        command
            .arg("run")
            .arg(config)
            .args(["--duration", duration]);
        for set in sets {
            command.args(["--set", set]);
        }
        let child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start gridhil");
        GridhilProcess(child)
    }

    /// Waits (at most 30 s) for the end of the run and returns its output.
    pub fn finish(mut self) -> String {
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(30) {
            if let Ok(Some(_)) = self.0.try_wait() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let mut out = String::new();
        if let Some(mut stdout) = self.0.stdout.take() {
            let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
        }
        if let Some(mut stderr) = self.0.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut stderr, &mut out);
        }
        out
    }
}

impl Drop for GridhilProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
