//! Raw serde structures of the network file, exactly as written.
//!
//! Values are converted and checked in [`super::validate`]; see
//! `docs/gridsim.md` for the reference of every field.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::units::Quantity;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    /// `[system]`: nominal frequency and defaults.
    #[serde(default)]
    pub system: RawSystem,
    /// `[buses.NAME]`.
    #[serde(default)]
    pub buses: BTreeMap<String, RawBus>,
    /// `[sources.NAME]`.
    #[serde(default)]
    pub sources: BTreeMap<String, RawSource>,
    /// `[branches.NAME]`.
    #[serde(default)]
    pub branches: BTreeMap<String, RawBranch>,
    /// `[lines.NAME]`.
    #[serde(default)]
    pub lines: BTreeMap<String, RawLine>,
    /// `[transformers.NAME]`.
    #[serde(default)]
    pub transformers: BTreeMap<String, RawTransformer>,
    /// `[loads.NAME]`.
    #[serde(default)]
    pub loads: BTreeMap<String, RawLoad>,
    /// `[switches.NAME]`.
    #[serde(default)]
    pub switches: BTreeMap<String, RawSwitch>,
    /// `[faults.NAME]`.
    #[serde(default)]
    pub faults: BTreeMap<String, RawFault>,
    /// `[inverters.NAME]`.
    #[serde(default)]
    pub inverters: BTreeMap<String, RawInverter>,
    /// `[[events]]`.
    #[serde(default)]
    pub events: Vec<RawEvent>,
}

/// `[system]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSystem {
    /// Nominal frequency (Hz), default 50 Hz.
    pub frequency: Option<Quantity>,
    /// Measurements added to every bus (`"rms"`, `"freq"`).
    #[serde(default)]
    pub measure: Vec<String>,
}

/// `[buses.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBus {
    /// Nominal line-to-line RMS voltage (V).
    pub voltage: Quantity,
    /// Optional measurements: `"rms"`, `"freq"`.
    #[serde(default)]
    pub measure: Vec<String>,
}

/// `[sources.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// Bus the source feeds.
    pub bus: String,
    /// Internal EMF, line-to-line RMS (V).
    pub voltage: Quantity,
    /// Phase of phase a at t = 0 (deg).
    pub phase: Option<Quantity>,
    /// Frequency (Hz); defaults to the system frequency.
    pub frequency: Option<Quantity>,
    /// Series resistance per phase (ohm).
    pub r: Option<Quantity>,
    /// Series inductance per phase (H).
    pub l: Option<Quantity>,
    /// Short-circuit power (VA), alternative to `r`/`l`.
    pub sc_power: Option<Quantity>,
    /// X/R ratio used with `sc_power`.
    pub x_r: Option<Quantity>,
    /// Swing-equation (inertia) behaviour.
    pub swing: Option<RawSwing>,
}

/// `swing = { ... }` inside a source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSwing {
    /// Rating, base of the per-unit swing equation (VA).
    pub s_rated: Quantity,
    /// Inertia constant H (s).
    pub h: Quantity,
    /// Damping D (pu power per pu speed).
    pub damping: Option<Quantity>,
    /// Droop R (pu speed per pu power); absent = no governor.
    pub droop: Option<Quantity>,
    /// Governor time constant (s); 0 = instantaneous.
    pub governor_t: Option<Quantity>,
    /// Mechanical power set-point (W).
    pub p_set: Quantity,
}

/// `[branches.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBranch {
    /// From bus.
    pub from: String,
    /// To bus, or `"ground"`.
    pub to: String,
    /// Series resistance (ohm).
    pub r: Option<Quantity>,
    /// Series inductance (H).
    pub l: Option<Quantity>,
    /// Series capacitance (F).
    pub c: Option<Quantity>,
}

/// `[lines.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLine {
    /// From bus.
    pub from: String,
    /// To bus.
    pub to: String,
    /// Length (m).
    pub length: Quantity,
    /// Series resistance per km (ohm).
    pub r_per_km: Quantity,
    /// Series reactance per km at the system frequency (ohm).
    pub x_per_km: Option<Quantity>,
    /// Series inductance per km (H).
    pub l_per_km: Option<Quantity>,
    /// Shunt capacitance per km (F).
    pub c_per_km: Option<Quantity>,
}

/// `[transformers.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransformer {
    /// High-voltage (winding 1) bus.
    pub from: String,
    /// Low-voltage (winding 2) bus.
    pub to: String,
    /// Vector group, e.g. `"Dyn11"`.
    pub vector_group: String,
    /// Rated power (VA).
    pub s_rated: Quantity,
    /// Rated line-to-line voltage of winding 1 (V).
    pub v1: Quantity,
    /// Rated line-to-line voltage of winding 2 (V).
    pub v2: Quantity,
    /// Winding resistance (pu on rating).
    pub r: Option<Quantity>,
    /// Leakage reactance (pu on rating).
    pub x: Quantity,
    /// Off-nominal tap of winding 1 (pu), default 1.
    pub tap: Option<Quantity>,
}

/// `[loads.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoad {
    /// Bus.
    pub bus: String,
    /// Active power at nominal voltage (W).
    pub p: Quantity,
    /// Reactive power at nominal voltage (var), positive inductive.
    pub q: Option<Quantity>,
    /// `"impedance"` (default) or `"power"`.
    pub model: Option<String>,
    /// Connected phases, e.g. `"abc"` (default) or `"a"`.
    pub phases: Option<String>,
    /// Constant-power loads become constant impedance below this voltage (pu).
    pub v_min: Option<Quantity>,
}

/// `[switches.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSwitch {
    /// From bus.
    pub from: String,
    /// To bus.
    pub to: String,
    /// `"switch"` (default, opens at once) or `"breaker"` (opens each pole at
    /// its current zero).
    pub kind: Option<String>,
    /// Initial state, default closed.
    pub closed: Option<bool>,
    /// Resistance when closed (ohm).
    pub r_closed: Option<Quantity>,
    /// Resistance when open (ohm).
    pub r_open: Option<Quantity>,
}

/// `[faults.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    /// Faulted bus.
    pub bus: String,
    /// Faulted phases to ground, default `"abc"`.
    pub phases: Option<String>,
    /// Fault resistance per phase (ohm).
    pub r: Option<Quantity>,
    /// Initially on, default false.
    pub on: Option<bool>,
}

/// `[inverters.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInverter {
    /// Bus.
    pub bus: String,
    /// Rating (VA).
    pub s_rated: Quantity,
    /// Filter inductance per phase (H).
    pub l: Quantity,
    /// Filter resistance per phase (ohm).
    pub r: Option<Quantity>,
    /// Initial active power set-point (W).
    pub p_ref: Option<Quantity>,
    /// Initial reactive power set-point (var).
    pub q_ref: Option<Quantity>,
    /// `"pll"` (default) or `"ideal"`.
    pub sync: Option<String>,
    /// Current limit (pu of rated current), default 1.1.
    pub i_max: Option<Quantity>,
    /// Current-control bandwidth (Hz), default 500 Hz.
    pub current_bandwidth: Option<Quantity>,
    /// PLL bandwidth (Hz), default 20 Hz.
    pub pll_bandwidth: Option<Quantity>,
}

/// `[[events]]`: one timed action; exactly one of the action keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    /// Time of the event (s).
    pub at: Quantity,
    /// Open a switch or breaker.
    pub open: Option<String>,
    /// Close a switch or breaker.
    pub close: Option<String>,
    /// Apply a fault.
    pub fault_on: Option<String>,
    /// Clear a fault.
    pub fault_off: Option<String>,
    /// Step an input (`NAME.INPUT`) to `value`.
    pub set: Option<String>,
    /// Ramp an input linearly to `to` over `duration`.
    pub ramp: Option<String>,
    /// Value for `set`, in the input's unit.
    pub value: Option<Quantity>,
    /// Target for `ramp`, in the input's unit.
    pub to: Option<Quantity>,
    /// Duration of `ramp` (s).
    pub duration: Option<Quantity>,
}
