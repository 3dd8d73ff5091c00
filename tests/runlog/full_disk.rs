//! A full disk: the run log lives on a 1 MiB tmpfs that fills after a few thousand rows.
//! The real-time path keeps running (every sample reaches the CSV file on the normal
//! disk), the log stops at its last flush and stays readable, the rows lost are counted,
//! the exit status is 3 ("run log incomplete"), and the error is said once.

use crate::read_log;
use gridhil_test_support::net::is_root;
use gridhil_test_support::prelude::{gridhil, python_with, repo, text};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs of `size` mounted on a fresh folder; unmounted (and the folder removed) when
/// dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(size: &str) -> Result<SmallDisk, String> {
        if !is_root() {
            return Err("mounting a tmpfs needs root".into());
        }
        let dir = std::env::temp_dir().join(format!("gridhil-full-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir(&dir);
            return Err(format!(
                "cannot mount a tmpfs: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[test]
fn a_full_disk_stops_the_log_cleanly_and_the_paths_keep_running() {
    let Some(python) = python_with(&["h5py", "numpy"]) else {
        return;
    };
    let disk = match SmallDisk::mount("1m") {
        Ok(disk) => disk,
        Err(why) => return gridhil_test_support::skip(&why),
    };
    let dir = tempfile::tempdir().unwrap();
    let log = disk.path().join("full.h5");
    let csv = dir.path().join("signals.csv");
    let output = gridhil()
        .arg("run")
        .arg(repo("examples/signals.toml"))
        .args(["--duration", "3s", "--quiet", "--log"])
        .arg(&log)
        .args(["--set", &format!("nodes.csv.out=\"{}\"", csv.display())])
        .args(["--set", "engine.log.flush_interval=\"100ms\""])
        .args(["--set", "engine.log.compression=\"none\""])
        .output()
        .expect("run gridhil");
    let out = text(&output);
    assert_eq!(output.status.code(), Some(3), "exit status 3: {out}");
    assert!(
        out.contains("30000 in, 30000 out"),
        "the path kept running: {out}"
    );
    assert!(out.contains("node csv (file): rows 30000"), "{out}");
    assert_eq!(
        out.matches("No space left on device").count(),
        1,
        "the error is said once: {out}"
    );
    let incomplete = out
        .lines()
        .find(|l| l.contains("is INCOMPLETE"))
        .unwrap_or_else(|| panic!("no INCOMPLETE line: {out}"));
    // "run log: FILE is INCOMPLETE: 7340 rows kept (up to its last flush), 22660 rows lost"
    let number_before = |word: &str| -> u64 {
        let at = incomplete
            .find(word)
            .unwrap_or_else(|| panic!("{word}: {incomplete}"));
        incomplete[..at]
            .split_whitespace()
            .last()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{word}: {incomplete}"))
    };
    let (kept, lost) = (number_before(" rows kept"), number_before(" rows lost"));
    assert!(kept > 0 && lost > 0, "{incomplete}");
    assert_eq!(kept + lost, 30000, "{incomplete}");
    let report = read_log(&python, &log);
    assert_eq!(report["plain_open"], true, "closed cleanly: {report}");
    let signals = &report["paths"]["signals"];
    assert_eq!(signals["rows"].as_u64(), Some(kept), "{report}");
    assert_eq!(signals["seq_consecutive"], true, "{report}");
    assert!(signals["va_max_error"].as_f64().unwrap() < 1e-6, "{report}");
}
