//! The "Limits used" section of the compliance report: every limit with
//! where it comes from, and the per-rate 2014/2018 modulation limits read
//! back from [`Setting::limit`] so the table cannot drift from the code.

use super::limits::{Edition, Quantity, Setting, TestFamily};
use crate::estimator::PmuClass;
use core::fmt::Write;

/// Repository and commit of the NIST specification files.
const NIST_SOURCE: &str = "NIST `usnistgov/PMUCalPostProcessing`, \
`Specifications/spec_<F0>F0_<Fs>Fs_<P|M>.csv` (last changed in commit \
`e0f583b784ddc6d09a136b77e8d089143e954c20`, 2021-01-21; identical at the snapshot read, \
`22be2193641a652fe71b442c3fc12bdb9e749152`)";

/// The rates of the NIST files (50 Hz: 10/25/50; 60 Hz: 10/12/15/20/30/60),
/// merged: the limits depend on Fs only.
const RATES: [u32; 8] = [10, 12, 15, 20, 25, 30, 50, 60];

fn fmt_opt(v: Option<f64>) -> String {
    match v {
        Some(v) => format!("{v}"),
        None => "—".to_string(),
    }
}

/// Per-rate 2014/2018 modulation FE/RFE limits, as the code applies them.
fn modulation_table() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| Fs (fps) | P fm max (Hz) | P FE (Hz) | P RFE (Hz/s) | M fm max (Hz) | M FE (Hz) | M RFE (Hz/s) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for fs in RATES {
        let mut cells = Vec::new();
        for class in [PmuClass::P, PmuClass::M] {
            let setting = Setting {
                class,
                f0: 60.0,
                fs,
            };
            let limit = |q| setting.limit(Edition::Ieee2014, TestFamily::Modulation, q);
            cells.push(format!(
                "{} | {} | {}",
                setting.max_modulation_hz(),
                fmt_opt(limit(Quantity::MaxFe)),
                fmt_opt(limit(Quantity::MaxRfe))
            ));
        }
        let _ = writeln!(s, "| {fs} | {} | {} |", cells[0], cells[1]);
    }
    s
}

/// The limits table and its sources.
const TABLE: &str = "\
| test | quantity | P class | M class | 2014/2018 source |\n\
|---|---|---|---|---|\n\
| frequency range | TVE | 1 % | 1 % | NIST `FreqRng` |\n\
| ″ | FE | 0.005 Hz | 0.005 Hz | NIST `FreqRng` |\n\
| ″ | RFE | 0.01 Hz/s (2011) → 0.4 Hz/s | 0.01 Hz/s (2011) → 0.1 Hz/s | NIST `FreqRng` |\n\
| ″ | range covered | f0 ± 2 Hz | ±2 Hz (Fs<10), ±Fs/5 (10≤Fs<25), ±5 Hz (Fs≥25) | test condition, not in the NIST files (README) |\n\
| magnitude 10 %–200 % | TVE | 1 % | 1 % | NIST `MagRng` |\n\
| ″ | FE / RFE | 0.005 Hz / 0.01 Hz/s (2011) → none | 0.005 Hz / 0.01 Hz/s (2011) → none | NIST `MagRng` (`Inf`) |\n\
| phase angle −π..π | TVE / FE / RFE | as frequency range | as frequency range | not in the NIST files: the TVE limit is the README's; FE/RFE there are our choice (*unconfirmed*) |\n\
| harmonics 2..50 (1 % P, 10 % M) | TVE | 1 % | 1 % | NIST `Harm` |\n\
| ″ | FE | 0.005 Hz | 0.025 Hz (Fs>20), 0.005 Hz (Fs≤20) | NIST `Harm` |\n\
| ″ | RFE | 0.01 Hz/s (2011) → 0.4 Hz/s | 6 Hz/s (Fs>20), 2 Hz/s (Fs≤20) (2011) → none | NIST `Harm` (M: `Inf`) |\n\
| out-of-band 10 %, \\|f−f0\\| ≥ Fs/2 | TVE | — | 1.3 % | NIST `OOB` |\n\
| ″ | FE | — | 0.01 Hz | NIST `OOB` (2011: same value, *recalled*) |\n\
| ″ | RFE | — | 0.1 Hz/s (2011, *recalled*) → none | NIST `OOB` (`Inf`) |\n\
| modulation kx = 0.1, ka = 0.1 rad | fm range | 0.1…min(Fs/10, 2) Hz | 0.1…min(Fs/5, 5) Hz | test condition, not in the NIST files (README); matches the NIST FE/RFE values, see below |\n\
| ″ | TVE | 3 % | 3 % | NIST `PhaseMod`, `AmplMod` |\n\
| ″ | FE / RFE | 0.06 Hz / 3 Hz/s (2011) → per rate, table below | 0.3 Hz / 30 Hz/s (2011) → per rate, table below | NIST `PhaseMod`, `AmplMod` (equal) |\n\
| ramp ±1 Hz/s | range | ±2 Hz | ±min(Fs/5, 5) Hz | test condition, not in the NIST files (README) |\n\
| ″ | TVE | 1 % | 1 % | NIST `RampPos`, `RampNeg` |\n\
| ″ | FE | 0.01 Hz | 0.005 Hz (2011, *recalled*) → 0.01 Hz | NIST `RampPos`, `RampNeg` |\n\
| ″ | RFE | 0.1 Hz/s (2011, *recalled*) → 0.4 Hz/s | 0.1 Hz/s (2011, *recalled*) → 0.2 Hz/s | NIST `RampPos`, `RampNeg` |\n\
| ″ | exclusion after start / before end | 2/Fs | 2/Fs (2011) → 7/Fs | not in the NIST files: README only (a third-party 60255-118-1 suite), *weakly supported* |\n\
| steps ±10 %, ±10° | TVE response | 1.7/f0 (2011, *recalled*) → 2/f0 | 2011 Table 11 (10: 0.595, 12: 0.493, 15: 0.394, 20: 0.282, 25: 0.231, 30: 0.182, 50: 0.199, 60: 0.079 s; *recalled*, the 50 fps value also quoted in the README) → 7/Fs | NIST `PhaseStepRespTime`, `MagStepResponseTime` (TVE row) |\n\
| ″ | FE response | 3.5/f0 (2011, *recalled*) → 4.5/f0 | 14/Fs | NIST, FE row |\n\
| ″ | RFE response | 4/f0 (2011, *recalled*) → 6/f0 | 14/Fs | NIST, RFE row |\n\
| ″ | \\|delay\\| | 1/(4·Fs) | 1/(4·Fs) | NIST `PhaseStepDelayTime`, `MagStepDelayTime` |\n\
| ″ | overshoot | 5 % | 10 % | NIST `PhaseStepOvershoot`; `MagStepOvershoot` is `Inf` in the files, but the tool's `MATLAB/Classes/@PmuCalReport/plotStepOsUs.m` (citing 60255-118-1 clause 5.2.4) applies 5 % / 10 % by class to the magnitude step too — kept for both |\n\
| reporting latency | | 2/Fs | 5/Fs | not in the NIST files (README) |\n";

/// Renders the "Limits used" section.
pub(super) fn limits_section() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Limits used\n");
    let _ = writeln!(
        s,
        "Sources. **2014/2018**: every limit the NIST PMU-calibration post-processing tool's \
         specification files hold was checked against them and is used as given: {NIST_SOURCE}. \
         The 18 files cover 50 Hz at 10/25/50 fps and 60 Hz at 10/12/15/20/30/60 fps, both \
         classes (no 100/120 fps files); they hold the IEC/IEEE 60255-118-1:2018 limits (the \
         tool cites that standard), which for these limits equal C37.118.1-2011 as amended by \
         C37.118.1a-2014; `Inf` there means no requirement (\"none\" / — below). \
         `pmu/tests/compliance.rs` carries a transcription of the 18 files and fails if any \
         2014/2018 limit here differs from them. Where a row's source says \"not in the NIST files\" \
         the value comes from `shared/standards/README.md` (collected from public sources) and is \
         unconfirmed. **2011**: from `shared/standards/README.md` only; no primary text of the \
         2011 edition was available, and the NIST files do not cover it, so the 2011 limits are \
         unconfirmed — values that exist only in 2011 are marked *recalled*.\n"
    );
    s.push_str(TABLE);
    let _ = writeln!(
        s,
        "\nModulation FE / RFE under 2014/2018, per reporting rate (identical at 50 and 60 Hz; \
         the NIST files list them for every rate above). They are FE = 0.03·fm (P) / 0.06·fm (M) \
         and RFE = 0.18·π·fm², fm the highest modulation frequency, rounded to two digits; the \
         harness uses the tabulated values (the unrounded formula only for rates the files do not \
         list):\n"
    );
    s.push_str(&modulation_table());
    s.push_str(
        "\nResponse times use the steady-state FE (0.005 Hz) and RFE limits of the same edition as \
thresholds; TVE threshold 1 %. A response time is the span from the first to the last \
equivalent-time sample above the threshold, plus one resolution step. Delay is the \
interpolated 50 % crossing of the positive-sequence magnitude (or phase) relative to the \
step; its resolution is bounded by the sample period (the sampled step lies up to one \
sample after the nominal step instant). Latency is measured: time from the report instant \
to the time stamp of the sample whose push returned the report (computation time excluded).\n",
    );
    s
}
