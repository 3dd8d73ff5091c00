//! Nothing in the node crates reads the operating system's clock: every instant comes
//! from the engine (the run's `Clock`, or `IoDeadline` for patience with peers).
//!
//! This test reads the `src/` trees of those crates and fails naming each file:line
//! that reads a clock (`SystemTime::now`, `Instant::now`, `.elapsed()`,
//! `clock_gettime`, `gettimeofday`, the `CLOCK_MONOTONIC`/`REALTIME`/`TAI`/`BOOTTIME`
//! ids, chrono's and time's `now`). Comments do not count; kernel receive time stamps
//! from control messages (`SO_TIMESTAMPNS`) are not clock reads; benches and examples
//! are not searched.

use std::path::{Path, PathBuf};

/// The trees searched: every crate that a run's nodes and hooks come from.
const TREES: &[&str] = &[
    "nodes/src",
    "pmu/src",
    "hil/src",
    "gridsim/src",
    "formats/src",
    "netio/src",
    "hooks/src",
    "import/src",
];

/// Text that reads a clock wherever it appears in code.
const CALLS: &[&str] = &[
    "SystemTime::now",
    "Instant::now",
    ".elapsed()",
    "clock_gettime",
    "gettimeofday",
    "Utc::now",
    "Local::now",
    "OffsetDateTime::now",
    "libc::time(",
];

/// Kernel clock ids (a prefix: `CLOCK_MONOTONIC_RAW`, `CLOCK_REALTIME_COARSE`, …).
const CLOCK_IDS: &[&str] = &[
    "CLOCK_MONOTONIC",
    "CLOCK_REALTIME",
    "CLOCK_TAI",
    "CLOCK_BOOTTIME",
];

/// The code of a line, without its `//` comment.
fn code_of(line: &str) -> &str {
    line.find("//").map_or(line, |at| &line[..at])
}

/// Whether `id` occurs in `code` as the start of an identifier (not inside another
/// one, like `UtcTime::CLOCK_NOT_SYNCHRONIZED`).
fn has_identifier(code: &str, id: &str) -> bool {
    code.match_indices(id).any(|(at, _)| {
        !code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// What a line reads the clock with, if anything.
fn clock_read(line: &str) -> Option<&'static str> {
    let code = code_of(line);
    CALLS
        .iter()
        .find(|call| code.contains(**call))
        .or_else(|| CLOCK_IDS.iter().find(|id| has_identifier(code, id)))
        .copied()
        .or_else(|| (code.contains("chrono") && code.contains("now(")).then_some("chrono now"))
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn node_crates_read_no_clock_of_their_own() {
    let mut files = Vec::new();
    for tree in TREES {
        rust_files(&gridhil_test_support::process::repo(tree), &mut files);
    }
    assert!(files.len() > 50, "only {} files found", files.len());
    let root = gridhil_test_support::process::repo("");
    let mut reads = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            if let Some(what) = clock_read(line) {
                let name = file.strip_prefix(&root).unwrap_or(file).display();
                reads.push(format!("{name}:{}: {what}: {}", number + 1, line.trim()));
            }
        }
    }
    assert!(
        reads.is_empty(),
        "clock reads outside the engine (take `now`/`wall` from the read or write \
         context, the run's clock from the build context, or `IoDeadline` for patience \
         with peers):\n{}",
        reads.join("\n")
    );
}

#[test]
fn the_search_finds_each_kind_of_clock_read_and_nothing_else() {
    let reads = [
        "let now = SystemTime::now();",
        "let t = std::time::Instant::now();",
        "if last.elapsed() > silence {",
        "unsafe { libc::clock_gettime(id, &mut ts) };",
        "libc::gettimeofday(&mut tv, std::ptr::null_mut());",
        "read(libc::CLOCK_MONOTONIC)",
        "read(libc::CLOCK_MONOTONIC_RAW)",
        "read(CLOCK_REALTIME)",
        "read(libc::CLOCK_TAI)",
        "read(libc::CLOCK_BOOTTIME)",
        "let d = chrono::Utc::now();",
        "let d = Local::now();",
        "let d = time::OffsetDateTime::now_utc();",
        "let t = unsafe { libc::time(std::ptr::null_mut()) };",
    ];
    for line in reads {
        assert!(clock_read(line).is_some(), "not found: {line}");
    }
    let not_reads = [
        "/// Kernel receive time (CLOCK_REALTIME ns), when the kernel gave one.",
        "let ts = now; // not Instant::now()",
        "UtcTime::CLOCK_NOT_SYNCHRONIZED | 24",
        "setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one)",
        "let deadline = IoDeadline::after(FINAL_FLUSH);",
        "let wall = ctx.wall;",
        "/// Instantaneous three-phase active power",
    ];
    for line in not_reads {
        assert_eq!(clock_read(line), None, "{line}");
    }
}
