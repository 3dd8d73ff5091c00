//! The real `gridhil` binary in tests: run it to completion, or keep it as a child process
//! that is killed when its guard is dropped (a failing test leaves no process behind).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Path of a file in the repository.
pub fn repo(path: &str) -> PathBuf {
    repo_root().join(path)
}

/// The shared reference folder beside the repository (`../shared`: captures, standards,
/// peers), or `None` — with a skip message, a failure under `GRIDHIL_STRICT_TESTS=1` —
/// when it is absent.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = repo_root().join("../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        crate::skip(&format!("the shared folder {} is absent", dir.display()));
        None
    }
}

/// The `gridhil` binary that cargo built beside this test binary (`target/<profile>/gridhil`;
/// test binaries live in `target/<profile>/deps/`).
pub fn gridhil_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binaries live in target/<profile>/deps");
    let binary = profile_dir.join("gridhil");
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo test` at the workspace root",
        binary.display()
    );
    binary
}

/// A command for the `gridhil` binary.
pub fn gridhil() -> Command {
    Command::new(gridhil_binary())
}

/// Runs the binary with `args` to completion; panics if it could not start.
pub fn run(args: &[&str]) -> Output {
    gridhil().args(args).output().expect("start gridhil")
}

/// Text of stdout followed by stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Writes a config file into `dir` and returns its path.
pub fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write config");
    path
}

/// A child process that is killed (and reaped) when the guard is dropped.
pub struct ChildGuard {
    child: Child,
}

impl ChildGuard {
    /// Spawns `command` with stdout and stderr piped.
    pub fn spawn(command: &mut Command) -> ChildGuard {
        let child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {command:?}: {e}"));
        ChildGuard { child }
    }

    /// Guards a child that was spawned elsewhere.
    pub fn adopt(child: Child) -> ChildGuard {
        ChildGuard { child }
    }

    /// `gridhil run CONFIG --duration DURATION [--set S]…` with piped output.
    pub fn gridhil_run(config: &Path, duration: &str, sets: &[String]) -> ChildGuard {
        let mut command = gridhil();
        command
            .arg("run")
            .arg(config)
            .args(["--duration", duration]);
        for set in sets {
            command.args(["--set", set]);
        }
        ChildGuard::spawn(&mut command)
    }

    /// The child process, e.g. to take its stdout.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Whether the child has exited.
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits at most `timeout` for the child to end on its own (killing it after that) and
    /// returns its whole output (stdout, then stderr) and whether it exited successfully.
    pub fn finish_within(mut self, timeout: Duration) -> (bool, String) {
        let deadline = Instant::now() + timeout;
        let mut success = false;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    success = status.success();
                    break;
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
            }
        }
        let mut out = String::new();
        if let Some(mut stdout) = self.child.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut out);
        }
        (success, out)
    }

    /// Asks the child to stop (SIGTERM, as a lab's Ctrl-C would), waits at most 10 s for it,
    /// kills it after that, and returns its output and whether it exited successfully.
    pub fn stop(self) -> (bool, String) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill only sends a signal to the child this guard owns.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        self.finish_within(Duration::from_secs(10))
    }

    /// [`ChildGuard::finish_within`] 60 s, returning the output only.
    pub fn finish(self) -> String {
        self.finish_within(Duration::from_secs(60)).1
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
