//! Timed actions on simulator inputs.

/// What an [`Event`] does to its input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventAction {
    /// Step the input to this value.
    Set(f64),
    /// Ramp the input linearly from its value at the event time to `to`
    /// over `duration_ns`. Not allowed on inputs that change the network
    /// matrix (switches, faults, loads, taps).
    Ramp {
        /// Final value.
        to: f64,
        /// Ramp duration in nanoseconds (> 0).
        duration_ns: i64,
    },
}

/// A timed action on one input (see [`crate::Simulator::input_names`]).
///
/// A set-point or EMF change at `time_ns` is in effect in the solution at the first
/// step end at or after it. A change of the network (switch, fault, load, tap) is made
/// at the instant `time_ns` itself: at a step boundary the sample at that time still
/// shows the network before it; inside a step by interpolation (see
/// [`crate::Simulator::step`]). Events in the past take effect in the next step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Simulation time in nanoseconds.
    pub time_ns: i64,
    /// Index into [`crate::Simulator::input_names`].
    pub input: usize,
    /// The action.
    pub action: EventAction,
}

/// A change of the network matrix as the solver made it: which input, when it was
/// asked for and the instant the solution switched at (see
/// [`crate::Simulator::switchings`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switching {
    /// Index into [`crate::Simulator::input_names`] (a switch, fault, load or tap input).
    pub input: usize,
    /// The breaker pole (0 = a, 1 = b, 2 = c) that opened at its current zero; `None`
    /// when the input changed as a whole.
    pub pole: Option<u8>,
    /// When it was asked for: the event time, the time of the
    /// [`crate::Simulator::set_input`] call, or the current zero of a breaker pole
    /// (found by interpolation).
    pub requested_ns: i64,
    /// The instant at which the network changed in the solution: the requested time,
    /// or the start of the step in which a late request arrived.
    pub instant_ns: i64,
}
