//! Network model: file schema, units, validation and the checked model.

mod schema;
pub(crate) mod units;
mod validate;

use crate::error::ModelError;
use crate::event::Event;
use units::Unit;

/// A validated three-phase network, ready to be simulated.
///
/// Build it with [`NetworkModel::from_toml_str`] or [`NetworkModel::from_file`];
/// the schema is documented in `docs/gridsim.md`.
#[derive(Debug, Clone)]
pub struct NetworkModel {
    pub(crate) file: String,
    pub(crate) frequency: f64,
    pub(crate) buses: Vec<Bus>,
    pub(crate) sources: Vec<Source>,
    pub(crate) branches: Vec<Branch>,
    pub(crate) lines: Vec<Line>,
    pub(crate) transformers: Vec<Transformer>,
    pub(crate) loads: Vec<Load>,
    pub(crate) switches: Vec<Switch>,
    pub(crate) faults: Vec<Fault>,
    pub(crate) inverters: Vec<Inverter>,
    pub(crate) inputs: Vec<InputSpec>,
    pub(crate) events: Vec<Event>,
}

impl NetworkModel {
    /// Parses and validates a network file's text. `file` is only used in
    /// error messages.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self, ModelError> {
        let raw: schema::RawModel = toml::from_str(text).map_err(|e| ModelError::Syntax {
            file: file.to_string(),
            table: e
                .span()
                .and_then(|span| enclosing_table(text, span.start))
                .unwrap_or_default(),
            message: e.to_string().trim_end().to_string(),
        })?;
        validate::validate(raw, file)
    }

    /// Reads, parses and validates a network file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, ModelError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ModelError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Self::from_toml_str(&text, &file)
    }

    /// File name the model was read from (as given).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Nominal system frequency in Hz.
    pub fn frequency(&self) -> f64 {
        self.frequency
    }

    /// Bus names, in model order (sorted by name).
    pub fn bus_names(&self) -> impl Iterator<Item = &str> {
        self.buses.iter().map(|b| b.name.as_str())
    }

    /// Number of three-phase buses.
    pub fn bus_count(&self) -> usize {
        self.buses.len()
    }

    /// Events declared in the file, sorted by time.
    pub fn events(&self) -> &[Event] {
        &self.events
    }
}

/// Name of the `[table]` or `[[table]]` whose body contains byte `offset`
/// (`None` at top level or on a header line).
fn enclosing_table(text: &str, offset: usize) -> Option<String> {
    let mut cut = offset.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = text.get(..cut)?;
    let mut lines = head.lines().rev();
    let current = lines.next().map_or("", str::trim_start);
    if current.starts_with('[') {
        return None;
    }
    lines.map(str::trim).find(|l| l.starts_with('[')).map(|l| {
        let inner = l.split(']').next().unwrap_or(l);
        inner.trim_start_matches('[').trim().to_string()
    })
}

/// A three-phase bus.
#[derive(Debug, Clone)]
pub(crate) struct Bus {
    pub name: String,
    /// Nominal line-to-line RMS voltage (V).
    pub v_ll: f64,
    pub rms: bool,
    pub freq: bool,
}

/// Series R-L impedance per phase.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeriesRl {
    pub r: f64,
    pub l: f64,
}

/// Voltage source (ideal, Thevenin, or swing-equation machine).
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub name: String,
    pub bus: usize,
    pub v_ll: f64,
    pub phase_deg: f64,
    pub freq: f64,
    /// `None`: ideal source.
    pub z: Option<SeriesRl>,
    pub swing: Option<Swing>,
}

/// Swing-equation parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Swing {
    pub s_rated: f64,
    pub h: f64,
    pub damping: f64,
    pub droop: Option<f64>,
    pub governor_t: f64,
    pub p_set: f64,
}

/// Series branch (R, L, C in series) between buses or to ground.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub name: String,
    pub from: usize,
    pub to: Option<usize>,
    pub r: f64,
    pub l: f64,
    /// `None`: no series capacitor.
    pub c: Option<f64>,
}

/// π-model line, totals for the whole length.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub name: String,
    pub from: usize,
    pub to: usize,
    pub r: f64,
    pub l: f64,
    /// Total shunt capacitance per phase (half at each end).
    pub c: f64,
}

/// Winding connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Winding {
    /// Star with solidly grounded neutral.
    Wye,
    /// Delta.
    Delta,
}

/// Two-winding three-phase transformer (bank of three single-phase units).
#[derive(Debug, Clone)]
pub(crate) struct Transformer {
    pub name: String,
    pub from: usize,
    pub to: usize,
    pub hv: Winding,
    pub lv: Winding,
    /// Clock number: 0, 1 or 11.
    pub clock: u8,
    pub s_rated: f64,
    pub v1: f64,
    pub v2: f64,
    pub r_pu: f64,
    pub x_pu: f64,
    pub tap: f64,
}

/// Load.
#[derive(Debug, Clone)]
pub(crate) struct Load {
    pub name: String,
    pub bus: usize,
    pub p: f64,
    pub q: f64,
    pub constant_power: bool,
    pub phases: [bool; 3],
    pub v_min: f64,
}

/// Switch or breaker.
#[derive(Debug, Clone)]
pub(crate) struct Switch {
    pub name: String,
    pub from: usize,
    pub to: usize,
    pub breaker: bool,
    pub closed: bool,
    pub r_closed: f64,
    pub r_open: f64,
}

/// Fault to ground.
#[derive(Debug, Clone)]
pub(crate) struct Fault {
    pub name: String,
    pub bus: usize,
    pub phases: [bool; 3],
    pub r: f64,
    pub on: bool,
}

/// Grid-following inverter.
#[derive(Debug, Clone)]
pub(crate) struct Inverter {
    pub name: String,
    pub bus: usize,
    pub s_rated: f64,
    pub l: f64,
    pub r: f64,
    pub p_ref: f64,
    pub q_ref: f64,
    pub pll: bool,
    pub i_max: f64,
    pub current_bandwidth: f64,
    pub pll_bandwidth: f64,
}

/// What an input drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InputTarget {
    SourceVoltage(usize),
    SourcePhase(usize),
    SourceFrequency(usize),
    SwingPower(usize),
    LoadP(usize),
    LoadQ(usize),
    SwitchClosed(usize),
    FaultOn(usize),
    InverterP(usize),
    InverterQ(usize),
    TransformerTap(usize),
}

impl InputTarget {
    /// True when a change needs the network matrix to be refactorised
    /// (such inputs cannot be ramped).
    pub fn changes_matrix(self) -> bool {
        matches!(
            self,
            InputTarget::LoadP(_)
                | InputTarget::LoadQ(_)
                | InputTarget::SwitchClosed(_)
                | InputTarget::FaultOn(_)
                | InputTarget::TransformerTap(_)
        )
    }
}

/// A named input of the model.
#[derive(Debug, Clone)]
pub(crate) struct InputSpec {
    pub name: String,
    pub unit: Unit,
    pub target: InputTarget,
    pub initial: f64,
}
