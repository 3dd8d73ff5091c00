//! The scenario file (TOML): which configuration to run and how long, the timeline of
//! actions, the assertions and the golden traces; loaded into checked, typed values with
//! file:line errors. Not the run: nothing here knows a run's signals (`runner.rs` checks
//! names against the built run before it starts).

use crate::check::{Curve, Edge, StepLimits};
use crate::error::{line_at, ScenarioError};
use gridhil_engine::units::Duration;
use gridhil_engine::Action;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Whether a scenario runs in virtual time (deterministic, as fast as the machine allows)
/// or on the wall clock (a lab run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    /// Virtual time (the default).
    #[default]
    Virtual,
    /// Real time.
    Realtime,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    scenario: RawHeader,
    #[serde(default)]
    timeline: Vec<Spanned<toml::Table>>,
    #[serde(default, rename = "assert")]
    asserts: Vec<Spanned<RawAssert>>,
    #[serde(default)]
    golden: Option<Spanned<RawGolden>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Option<String>,
    #[serde(default)]
    description: String,
    config: Spanned<String>,
    #[serde(default)]
    set: Vec<String>,
    duration: Spanned<Duration>,
    #[serde(default)]
    clock: Clock,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssert {
    name: Option<String>,
    kind: Spanned<String>,
    path: Option<String>,
    signal: Option<Spanned<String>>,
    window: Option<Spanned<[Duration; 2]>>,
    base: Option<Spanned<f64>>,
    min: Option<f64>,
    max: Option<f64>,
    within: Option<Duration>,
    initial: Option<f64>,
    target: Option<f64>,
    band: Option<f64>,
    rise_time: Option<Duration>,
    overshoot: Option<f64>,
    settling_time: Option<Duration>,
    steady_state_error: Option<f64>,
    origin: Option<Duration>,
    lower: Option<Spanned<Vec<[f64; 2]>>>,
    upper: Option<Spanned<Vec<[f64; 2]>>>,
    over: Option<Duration>,
    reference: Option<Spanned<String>>,
    reference_path: Option<String>,
    tolerance: Option<f64>,
    delay: Option<Duration>,
    above: Option<f64>,
    below: Option<f64>,
    before: Option<Duration>,
    #[serde(default)]
    allow: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGolden {
    file: Spanned<String>,
    #[serde(default)]
    shift: Duration,
    window: Option<Spanned<[Duration; 2]>>,
    signals: Vec<Spanned<RawGoldenSignal>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGoldenSignal {
    signal: String,
    path: Option<String>,
    #[serde(default)]
    abs: f64,
    #[serde(default)]
    rel: f64,
}

/// A logged signal an assertion reads: `signal` of path `path` (any logged path that has
/// it, when `path` is not given).
#[derive(Debug, Clone, PartialEq)]
pub struct SignalRef {
    /// The path, when named.
    pub path: Option<String>,
    /// The signal name (`mv7.vrms_a`).
    pub name: String,
    /// Line of the reference in the scenario file.
    pub line: usize,
}

impl std::fmt::Display for SignalRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{path}:{}", self.name),
            None => write!(f, "{}", self.name),
        }
    }
}

/// What an assertion checks (see `docs/scenarios.md`).
#[derive(Debug, Clone, PartialEq)]
pub enum AssertKind {
    /// Every value in `[min, max]`.
    Band {
        /// Lower limit.
        min: f64,
        /// Upper limit.
        max: f64,
    },
    /// Into `[min, max]` within `within` seconds of the window's start, and stays.
    Settle {
        /// Lower limit.
        min: f64,
        /// Upper limit.
        max: f64,
        /// Longest time to settle (s).
        within: f64,
    },
    /// Step-response metrics of a step at the window's start.
    Step {
        /// Value before the step (default: the first of the window).
        initial: Option<f64>,
        /// Target after the step.
        target: f64,
        /// Settling band, fraction of the step.
        band: f64,
        /// The limits.
        limits: StepLimits,
    },
    /// Between curves over time since `origin`.
    Envelope {
        /// Origin of the curves' time (s of run time).
        origin: f64,
        /// Lower curve.
        lower: Option<Curve>,
        /// Upper curve.
        upper: Option<Curve>,
    },
    /// Lowest value at least `min`.
    Nadir {
        /// The limit.
        min: f64,
    },
    /// |rate of change| over `over` at most `max` per second.
    Rocof {
        /// Interval of the difference (s).
        over: f64,
        /// The limit.
        max: f64,
    },
    /// Follows `reference` within `tolerance`, lagging at most `delay`.
    Tracks {
        /// The reference signal.
        reference: SignalRef,
        /// Largest deviation.
        tolerance: f64,
        /// Largest lag (s).
        delay: f64,
    },
    /// Crosses a threshold before `before`.
    Event {
        /// The crossing.
        edge: Edge,
        /// The deadline (s of run time).
        before: f64,
    },
    /// No problem counter above zero (less `allow`).
    NoProblems {
        /// Counters that may count.
        allow: Vec<String>,
    },
}

/// One assertion: a name, the signal, the window, what it checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    /// Name (default: kind and signal).
    pub name: String,
    /// Kind as written (`band`, `settle`, ...).
    pub kind_name: String,
    /// Line of the assertion's table.
    pub line: usize,
    /// The signal (all kinds but `no-problems`).
    pub signal: Option<SignalRef>,
    /// The window in seconds of run time.
    pub window: (f64, f64),
    /// Values are divided by this before the check (per-unit values).
    pub base: f64,
    /// What it checks.
    pub kind: AssertKind,
}

/// One signal of a golden trace.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldenSignal {
    /// The signal.
    pub signal: SignalRef,
    /// Absolute tolerance.
    pub abs: f64,
    /// Relative tolerance (of the golden value's magnitude).
    pub rel: f64,
}

/// The golden-trace comparison of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Golden {
    /// The reference run log (HDF5), resolved from the scenario's folder.
    pub file: PathBuf,
    /// Line of `file`.
    pub line: usize,
    /// The run's time is compared at golden time + shift (s).
    pub shift: f64,
    /// Window compared (s of the golden's time).
    pub window: (f64, f64),
    /// Signals and tolerances.
    pub signals: Vec<GoldenSignal>,
}

/// What starts a conditional action: the first sample of a signal (divided by `base`), at
/// or after `after`, that meets `edge`; the action is taken `delay` after that sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The watched signal.
    pub signal: SignalRef,
    /// Values are divided by this first.
    pub base: f64,
    /// The crossing.
    pub edge: Edge,
    /// Watching starts here (s of run time).
    pub after: f64,
    /// From the crossing to the action (s): a reaction time.
    pub delay: f64,
}

/// A timeline entry: an engine action at its line, at a time or on a condition.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedAction {
    /// The action (`at` is `None` for a conditional one until its instant is known).
    pub action: Action,
    /// Line of its table.
    pub line: usize,
    /// The condition that starts it, if it is not timed.
    pub when: Option<Condition>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    signal: String,
    path: Option<String>,
    above: Option<f64>,
    below: Option<f64>,
    base: Option<f64>,
    #[serde(default)]
    after: Duration,
}

/// Takes `when` and `delay` out of a timeline table (the rest is the engine action).
fn condition(
    table: &mut toml::Table,
    file: &str,
    line: usize,
) -> Result<Option<Condition>, ScenarioError> {
    let bad = |m: String| ScenarioError::at(file, Some(line), format!("timeline: {m}"));
    let delay = match table.remove("delay") {
        None => Duration(0),
        Some(v) => v
            .try_into::<Duration>()
            .map_err(|e| bad(format!("`delay`: {}", e.message().trim())))?,
    };
    let Some(when) = table.remove("when") else {
        if delay.0 != 0 {
            return Err(bad("`delay` goes with `when`".into()));
        }
        return Ok(None);
    };
    if table.contains_key("at") {
        return Err(bad("give `at` or `when`, not both".into()));
    }
    let raw: RawWhen = when
        .try_into()
        .map_err(|e: toml::de::Error| bad(format!("`when`: {}", e.message().trim())))?;
    let edge = match (raw.above, raw.below) {
        (Some(x), None) => Edge::Above(x),
        (None, Some(x)) => Edge::Below(x),
        _ => return Err(bad("`when` needs exactly one of `above` and `below`".into())),
    };
    let base = raw.base.unwrap_or(1.0);
    if !base.is_finite() || base == 0.0 || delay.0 < 0 || raw.after.0 < 0 {
        return Err(bad(
            "`when.base` must be finite and not 0, `delay` and `when.after` not negative".into(),
        ));
    }
    Ok(Some(Condition {
        signal: SignalRef {
            path: raw.path,
            name: raw.signal,
            line,
        },
        base,
        edge,
        after: raw.after.as_secs_f64(),
        delay: delay.as_secs_f64(),
    }))
}

/// A loaded, checked scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The scenario file.
    pub file: PathBuf,
    /// Name (default: the file's stem).
    pub name: String,
    /// Description.
    pub description: String,
    /// The gridhil configuration, resolved from the scenario's folder.
    pub config: PathBuf,
    /// Line of `config`.
    pub config_line: usize,
    /// `--set` overrides of the configuration.
    pub set: Vec<String>,
    /// Run length.
    pub duration: Duration,
    /// Virtual or real time.
    pub clock: Clock,
    /// Actions.
    pub timeline: Vec<TimedAction>,
    /// Assertions.
    pub asserts: Vec<Assertion>,
    /// Golden traces.
    pub golden: Option<Golden>,
}

/// Whether `text` is a scenario file (has a `[scenario]` table): `gridhil test` skips the
/// other TOML files of a folder (configurations, grid models).
pub fn is_scenario(text: &str) -> bool {
    text.parse::<toml::Table>()
        .map(|t| t.contains_key("scenario"))
        .unwrap_or_else(|_| text.lines().any(|l| l.trim() == "[scenario]"))
}

/// Reads and checks the scenario file at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::at(&name, None, format!("cannot read: {e}")))?;
    parse(path, &text)
}

/// Checks scenario `text` as if read from `path`.
pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let line = |offset: usize| line_at(text, offset);
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        ScenarioError::at(
            &file,
            e.span().map(|s| line(s.start)),
            e.message().trim().to_string(),
        )
    })?;
    let err =
        |offset: usize, message: String| ScenarioError::at(&file, Some(line(offset)), message);
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let header = raw.scenario;
    let duration = *header.duration.get_ref();
    if duration.0 <= 0 {
        return Err(err(
            header.duration.span().start,
            "`duration` must be longer than 0".into(),
        ));
    }
    let run_end = duration.as_secs_f64();
    let mut timeline = Vec::new();
    for entry in raw.timeline {
        let at_line = line(entry.span().start);
        let mut table = entry.into_inner();
        let when = condition(&mut table, &file, at_line)?;
        let action: Action =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    ScenarioError::at(
                        &file,
                        Some(at_line),
                        format!("timeline: {}", e.message().trim()),
                    )
                })?;
        match action.at {
            Some(at) if at.0 < 0 || at.0 > duration.0 => {
                return Err(ScenarioError::at(
                    &file,
                    Some(at_line),
                    format!("timeline: `at` {at} is outside the run (0 .. {duration})"),
                ))
            }
            _ => {}
        }
        timeline.push(TimedAction {
            action,
            line: at_line,
            when,
        });
    }
    let mut asserts = Vec::new();
    for (index, entry) in raw.asserts.into_iter().enumerate() {
        let table_line = line(entry.span().start);
        asserts.push(assertion(
            &file,
            text,
            index,
            table_line,
            entry.into_inner(),
            run_end,
        )?);
    }
    let golden = match raw.golden {
        None => None,
        Some(g) => Some(golden(&file, text, &dir, g.into_inner(), run_end)?),
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Scenario {
        file: path.to_path_buf(),
        name: header.name.unwrap_or(stem),
        description: header.description,
        config: dir.join(header.config.get_ref()),
        config_line: line(header.config.span().start),
        set: header.set,
        duration,
        clock: header.clock,
        timeline,
        asserts,
        golden,
    })
}

fn window(
    file: &str,
    text: &str,
    window: Option<Spanned<[Duration; 2]>>,
    run_end: f64,
) -> Result<(f64, f64), ScenarioError> {
    let Some(w) = window else {
        return Ok((0.0, run_end));
    };
    let line = line_at(text, w.span().start);
    let [from, to] = *w.get_ref();
    let (a, b) = (from.as_secs_f64(), to.as_secs_f64());
    if a < 0.0 || b > run_end + 1e-12 || a > b {
        return Err(ScenarioError::at(
            file,
            Some(line),
            format!(
                "window [{from}, {to}] is outside the run (0 .. {} s) or reversed",
                run_end
            ),
        ));
    }
    Ok((a, b))
}

fn signal_ref(text: &str, path: Option<String>, name: Spanned<String>) -> SignalRef {
    SignalRef {
        path,
        line: line_at(text, name.span().start),
        name: name.into_inner(),
    }
}

fn assertion(
    file: &str,
    text: &str,
    index: usize,
    table_line: usize,
    raw: RawAssert,
    run_end: f64,
) -> Result<Assertion, ScenarioError> {
    let kind_line = line_at(text, raw.kind.span().start);
    let kind_name = raw.kind.get_ref().clone();
    let missing = |field: &str| {
        ScenarioError::at(
            file,
            Some(table_line),
            format!("assert[{index}] ({kind_name}): `{field}` is required"),
        )
    };
    let bad = |line: usize, message: String| {
        ScenarioError::at(
            file,
            Some(line),
            format!("assert[{index}] ({kind_name}): {message}"),
        )
    };
    let secs = |d: Duration| d.as_secs_f64();
    let win = window(file, text, raw.window, run_end)?;
    let kind = match kind_name.as_str() {
        "band" => AssertKind::Band {
            min: raw.min.unwrap_or(f64::NEG_INFINITY),
            max: raw.max.unwrap_or(f64::INFINITY),
        },
        "settle" => AssertKind::Settle {
            min: raw.min.ok_or_else(|| missing("min"))?,
            max: raw.max.ok_or_else(|| missing("max"))?,
            within: secs(raw.within.ok_or_else(|| missing("within"))?),
        },
        "step" => AssertKind::Step {
            initial: raw.initial,
            target: raw.target.ok_or_else(|| missing("target"))?,
            band: raw.band.unwrap_or(0.02),
            limits: StepLimits {
                rise_time: raw.rise_time.map(secs),
                overshoot_percent: raw.overshoot,
                settling_time: raw.settling_time.map(secs),
                steady_state_error: raw.steady_state_error,
            },
        },
        "envelope" => {
            let curve =
                |c: Option<Spanned<Vec<[f64; 2]>>>| -> Result<Option<Curve>, ScenarioError> {
                    match c {
                        None => Ok(None),
                        Some(c) => {
                            let line = line_at(text, c.span().start);
                            Curve::new(c.into_inner())
                                .map(Some)
                                .map_err(|m| bad(line, m))
                        }
                    }
                };
            let (lower, upper) = (curve(raw.lower)?, curve(raw.upper)?);
            if lower.is_none() && upper.is_none() {
                return Err(missing("lower` or `upper"));
            }
            AssertKind::Envelope {
                origin: raw.origin.map(secs).unwrap_or(win.0),
                lower,
                upper,
            }
        }
        "nadir" => AssertKind::Nadir {
            min: raw.min.ok_or_else(|| missing("min"))?,
        },
        "rocof" => AssertKind::Rocof {
            over: raw.over.map(secs).unwrap_or(0.0),
            max: raw.max.ok_or_else(|| missing("max"))?,
        },
        "tracks" => AssertKind::Tracks {
            reference: signal_ref(
                text,
                raw.reference_path,
                raw.reference.ok_or_else(|| missing("reference"))?,
            ),
            tolerance: raw.tolerance.ok_or_else(|| missing("tolerance"))?,
            delay: raw.delay.map(secs).unwrap_or(0.0),
        },
        "event" => AssertKind::Event {
            edge: match (raw.above, raw.below) {
                (Some(x), None) => Edge::Above(x),
                (None, Some(x)) => Edge::Below(x),
                _ => {
                    return Err(bad(
                        table_line,
                        "give exactly one of `above` and `below`".into(),
                    ))
                }
            },
            before: secs(raw.before.ok_or_else(|| missing("before"))?),
        },
        "no-problems" => AssertKind::NoProblems { allow: raw.allow },
        other => {
            return Err(ScenarioError::at(
                file,
                Some(kind_line),
                format!(
                    "assert[{index}]: unknown kind `{other}` (kinds: band, settle, step, envelope, \
                     nadir, rocof, tracks, event, no-problems)"
                ),
            ))
        }
    };
    let signal = match (&kind, raw.signal) {
        (AssertKind::NoProblems { .. }, _) => None,
        (_, Some(s)) => Some(signal_ref(text, raw.path, s)),
        (_, None) => return Err(missing("signal")),
    };
    let base = match raw.base {
        None => 1.0,
        Some(b) if b.get_ref().is_finite() && *b.get_ref() != 0.0 => *b.get_ref(),
        Some(b) => {
            return Err(bad(
                line_at(text, b.span().start),
                "`base` must be a finite number other than 0".into(),
            ))
        }
    };
    let name = raw.name.unwrap_or_else(|| match &signal {
        Some(s) => format!("{kind_name} {s}"),
        None => kind_name.clone(),
    });
    Ok(Assertion {
        name,
        kind_name,
        line: table_line,
        signal,
        window: win,
        base,
        kind,
    })
}

fn golden(
    file: &str,
    text: &str,
    dir: &Path,
    raw: RawGolden,
    run_end: f64,
) -> Result<Golden, ScenarioError> {
    let line = line_at(text, raw.file.span().start);
    let window = window(file, text, raw.window, run_end)?;
    if raw.signals.is_empty() {
        return Err(ScenarioError::at(
            file,
            Some(line),
            "golden: `signals` is empty",
        ));
    }
    let mut signals = Vec::new();
    for s in raw.signals {
        let sline = line_at(text, s.span().start);
        let s = s.into_inner();
        if !(s.abs >= 0.0 && s.rel >= 0.0) {
            return Err(ScenarioError::at(
                file,
                Some(sline),
                "golden: `abs` and `rel` must not be negative",
            ));
        }
        signals.push(GoldenSignal {
            signal: SignalRef {
                path: s.path,
                name: s.signal,
                line: sline,
            },
            abs: s.abs,
            rel: s.rel,
        });
    }
    Ok(Golden {
        file: dir.join(raw.file.get_ref()),
        line,
        shift: raw.shift.as_secs_f64(),
        window,
        signals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[scenario]
config = "../configs/x.toml"
duration = "1s"

[[timeline]]
at = "200ms"
action = "set"
node = "grid"
input = "ld7.p"
value = 2.5e6

[[assert]]
name = "in band"
kind = "band"
signal = "mv7.vrms_a"
window = ["0.5s", "1s"]
base = 11547.0
min = 0.97
max = 1.03

[[assert]]
kind = "no-problems"
"#;

    #[test]
    fn a_good_file_loads_with_its_lines() {
        let s = parse(Path::new("dir/a.toml"), GOOD).unwrap();
        assert_eq!(s.name, "a");
        assert_eq!(s.config, Path::new("dir/../configs/x.toml"));
        assert_eq!(s.timeline.len(), 1);
        assert_eq!(s.timeline[0].line, 6);
        assert_eq!(s.asserts[0].line, 13);
        assert_eq!(s.asserts[0].window, (0.5, 1.0));
        assert_eq!(s.asserts[0].signal.as_ref().unwrap().line, 16);
        assert_eq!(s.asserts[1].name, "no-problems");
    }

    fn error(text: &str) -> String {
        parse(Path::new("s.toml"), text).unwrap_err().to_string()
    }

    #[test]
    fn bad_input_is_named_with_file_and_line() {
        let e = error(&GOOD.replace("[\"0.5s\", \"1s\"]", "[\"0.5s\", \"2s\"]"));
        assert!(e.starts_with("s.toml:17: window"), "{e}");
        let e = error(&GOOD.replace("kind = \"band\"", "kind = \"bend\""));
        assert!(
            e.starts_with("s.toml:15: assert[0]: unknown kind `bend`"),
            "{e}"
        );
        let e = error(&GOOD.replace("at = \"200ms\"", "at = \"3s\""));
        assert!(
            e.starts_with("s.toml:6: timeline: `at` 3s is outside"),
            "{e}"
        );
        let e = error(&GOOD.replace("action = \"set\"", "action = \"sett\""));
        assert!(
            e.starts_with("s.toml:6: timeline: unknown variant `sett`"),
            "{e}"
        );
        let e = error(&GOOD.replace("min = 0.97", "minn = 0.97"));
        assert!(e.starts_with("s.toml:19:"), "{e}");
        assert!(e.contains("unknown field `minn`"), "{e}");
    }

    #[test]
    fn a_conditional_action_takes_its_condition_out_of_the_action() {
        let text = GOOD.replace(
            "at = \"200ms\"",
            "when = { signal = \"mv7.vrms_a\", below = 0.98, base = 11547.0, after = \"100ms\" }\ndelay = \"20ms\"",
        );
        let s = parse(Path::new("s.toml"), &text).unwrap();
        let t = &s.timeline[0];
        assert_eq!(t.action.at, None);
        let c = t.when.as_ref().unwrap();
        assert_eq!(
            (c.edge, c.after, c.delay, c.base),
            (Edge::Below(0.98), 0.1, 0.02, 11547.0)
        );
        let both = text.replace("delay = \"20ms\"", "delay = \"20ms\"\nat = \"1ms\"");
        let e = parse(Path::new("s.toml"), &both).unwrap_err().to_string();
        assert!(e.contains("give `at` or `when`, not both"), "{e}");
    }

    #[test]
    fn only_files_with_a_scenario_table_are_scenarios() {
        assert!(is_scenario(GOOD));
        assert!(!is_scenario("[engine]\nduration = \"1s\"\n"));
    }

    /// What the fuzz target (fuzz/fuzz_targets/scenario_file.rs) does, on every prefix of a
    /// good file and on each byte replaced by characters TOML cares about: no panic.
    #[test]
    fn truncated_and_mangled_files_give_errors_not_panics() {
        let text = GOOD;
        for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            let _ = parse(Path::new("s.toml"), &text[..end]);
        }
        for (i, _) in text.char_indices() {
            for c in ['"', '[', ']', '=', '\n', '-', '9', '.'] {
                let mut mangled = text.to_string();
                mangled.replace_range(i..i + 1, &c.to_string());
                if let Err(e) = parse(Path::new("s.toml"), &mangled) {
                    assert!(e.to_string().starts_with("s.toml"), "{e}");
                }
            }
        }
    }
}
