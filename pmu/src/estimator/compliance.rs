//! Compliance harness: generates the test signals of IEEE C37.118.1-2011
//! (and its 2014 amendment / IEC/IEEE 60255-118-1:2018), runs the estimator
//! on them and checks every measured error against each edition's limit.
//!
//! [`run_suite`] runs everything; [`render_markdown`] writes the report that
//! `cargo run -p gridhil-pmu --release --example compliance_report` saves as
//! `docs/pmu-compliance.md`.

pub mod catalog;
pub mod limits;
mod provenance;
mod report;
pub mod signal;
pub mod simulate;

pub use self::limits::{Edition, Quantity, Setting, TestFamily};
pub use self::report::render_markdown;
use super::{ConfigError, PmuClass};

/// How thoroughly to sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A few points per range, 80 samples/cycle: for `cargo test`.
    Fast,
    /// Fine sweeps, 256 samples/cycle, all step directions: for the report.
    Full,
}

/// The result of one test (all its sweep points) at one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Test name.
    pub test: String,
    /// Family (selects the limits).
    pub family: TestFamily,
    /// Class, nominal frequency, reporting rate.
    pub setting: Setting,
    /// Measured quantities: value under the 2011 and under the 2014 rules
    /// (they differ where the edition changes a threshold or an exclusion).
    pub measured: Vec<(Quantity, [f64; 2])>,
    /// Largest reporting latency seen, s.
    pub max_latency_s: f64,
    /// What was swept and where the worst case was.
    pub note: String,
}

impl Outcome {
    /// Builds an outcome.
    pub fn new(
        test: &str,
        family: TestFamily,
        setting: Setting,
        measured: Vec<(Quantity, [f64; 2])>,
        max_latency_s: f64,
        note: String,
    ) -> Self {
        Self {
            test: test.to_string(),
            family,
            setting,
            measured,
            max_latency_s,
            note,
        }
    }

    /// Every measured value against its limit in both editions.
    pub fn rows(&self) -> Vec<Row> {
        catalog::rows_for(self)
    }

    /// Rows that exceed their limit in `edition`.
    pub fn failures(&self, edition: Edition) -> Vec<Row> {
        self.rows()
            .into_iter()
            .filter(|r| r.edition == edition && !r.passes())
            .collect()
    }
}

/// One measured value against one edition's limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// What was measured.
    pub quantity: Quantity,
    /// Which edition's limit.
    pub edition: Edition,
    /// The measured value (NaN when it could not be measured).
    pub measured: f64,
    /// The limit, or `None` when the edition sets none.
    pub limit: Option<f64>,
}

impl Row {
    /// True when there is no limit or the value is within it.
    pub fn passes(&self) -> bool {
        match self.limit {
            None => true,
            Some(limit) => self.measured <= limit,
        }
    }
}

/// Every (class, f0, Fs) the standard requires: 10/25/50 frames/s at 50 Hz,
/// 10/12/15/20/30/60 frames/s at 60 Hz, for both classes.
pub fn standard_settings() -> Vec<Setting> {
    let mut v = Vec::new();
    for class in [PmuClass::P, PmuClass::M] {
        for fs in [10, 25, 50] {
            v.push(Setting {
                class,
                f0: 50.0,
                fs,
            });
        }
        for fs in [10, 12, 15, 20, 30, 60] {
            v.push(Setting {
                class,
                f0: 60.0,
                fs,
            });
        }
    }
    v
}

/// Runs all tests of all `settings`, spread over `threads` worker threads.
pub fn run_suite(
    settings: &[Setting],
    mode: Mode,
    threads: usize,
) -> Result<Vec<Outcome>, ConfigError> {
    let threads = threads.max(1);
    let mut results: Vec<Result<Vec<Outcome>, ConfigError>> = Vec::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|worker| {
                scope.spawn(move || {
                    settings
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % threads == worker)
                        .map(|(i, &s)| (i, catalog::run_setting(s, mode)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut indexed: Vec<(usize, Result<Vec<Outcome>, ConfigError>)> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect();
        indexed.sort_by_key(|(i, _)| *i);
        results = indexed.into_iter().map(|(_, r)| r).collect();
    });
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}
