//! Runs the C37.118.1 compliance harness and prints the Markdown report.
//!
//! ```text
//! cargo run -p gridhil-pmu --release --example compliance_report > docs/pmu-compliance.md
//! ```
//!
//! Options: `--fast` (reduced sweeps, as `cargo test` runs them),
//! `--class P|M`, `--f0 50|60`, `--fs N` to run a subset.

use gridhil_pmu::estimator::compliance::{render_markdown, run_suite, standard_settings, Mode};
use gridhil_pmu::estimator::PmuClass;

const COMMAND: &str =
    "cargo run -p gridhil-pmu --release --example compliance_report > docs/pmu-compliance.md";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut mode = Mode::Full;
    let mut class = None;
    let mut f0 = None;
    let mut fs = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--fast" => mode = Mode::Fast,
            "--full" => mode = Mode::Full,
            "--class" => {
                class = match it.next().map(String::as_str) {
                    Some("P") => Some(PmuClass::P),
                    Some("M") => Some(PmuClass::M),
                    _ => usage(),
                }
            }
            "--f0" => {
                f0 = it
                    .next()
                    .and_then(|v| v.parse::<f64>().ok())
                    .or_else(|| usage())
            }
            "--fs" => {
                fs = it
                    .next()
                    .and_then(|v| v.parse::<u32>().ok())
                    .or_else(|| usage())
            }
            _ => usage(),
        }
    }
    let settings: Vec<_> = standard_settings()
        .into_iter()
        .filter(|s| class.is_none_or(|c| s.class == c))
        .filter(|s| f0.is_none_or(|f| s.f0 == f))
        .filter(|s| fs.is_none_or(|r| s.fs == r))
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    match run_suite(&settings, mode, threads) {
        Ok(outcomes) => print!("{}", render_markdown(&outcomes, mode, COMMAND)),
        Err(e) => {
            eprintln!("compliance_report: {e}");
            std::process::exit(1);
        }
    }
}

fn usage() -> ! {
    eprintln!("usage: compliance_report [--fast|--full] [--class P|M] [--f0 50|60] [--fs N]");
    std::process::exit(2)
}
