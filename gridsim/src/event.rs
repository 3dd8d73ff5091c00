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
/// An event takes effect in the first step whose end time is at or after
/// `time_ns`; events in the past take effect in the next step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Simulation time in nanoseconds.
    pub time_ns: i64,
    /// Index into [`crate::Simulator::input_names`].
    pub input: usize,
    /// The action.
    pub action: EventAction,
}
