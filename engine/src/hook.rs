//! The hook interface: per-path processing of samples in place.

use crate::event::EventSink;
use crate::field::FieldError;
use crate::sample::{Sample, SamplePool};
use crate::signal::Signal;
use crate::units::Nanos;
use std::sync::Arc;

/// What a hook decided about a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookAction {
    /// Pass the sample on to the next hook and the outputs.
    Pass,
    /// Drop the sample (counted in the path's stats).
    Drop,
}

/// What a hook sees when it is built.
#[derive(Clone)]
pub struct HookBuildContext {
    /// Name of the path the hook belongs to.
    pub path_name: String,
    /// Index of the path.
    pub path_index: usize,
}

/// What a hook sees for each sample.
pub struct HookContext<'a> {
    /// The engine's monotonic time when the path began processing.
    pub now: Nanos,
    /// Wall-clock time when the path began processing (ns since the Unix epoch).
    pub wall: Nanos,
    /// The run's sample pool (for hooks that copy samples off the real-time path).
    pub pool: &'a Arc<SamplePool>,
    /// Channel to the supervising thread.
    pub events: &'a EventSink,
    /// Index of the path.
    pub path_index: usize,
}

/// Configuration and factory of one hook type.
pub trait HookConfig: Send + Sync + std::fmt::Debug {
    /// Builds the hook for samples carrying `input` signals; returns it with the signals it
    /// passes on (the same list unless the hook changes the sample's shape). An error names
    /// the field it is about, when it is about one.
    fn build(
        &self,
        input: &[Signal],
        ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError>;
}

/// A hook instance, owned by one path's thread.
pub trait Hook: Send {
    /// Processes one sample in place. Must not allocate, lock or log.
    fn process(&mut self, sample: &mut Sample, ctx: &HookContext<'_>) -> HookAction;
    /// A summary for the end of the run (off the real-time path).
    fn summary(&self) -> Option<String> {
        None
    }
    /// Names of the parameters an action may change while the run goes on (e.g. `gain`).
    fn parameters(&self) -> Vec<&'static str> {
        Vec::new()
    }
    /// Sets parameter `index` of [`Hook::parameters`] (on the path's thread: must not
    /// allocate, lock or log). The engine only passes indices and finite values it checked.
    fn set_parameter(&mut self, _index: usize, _value: f64) {}
}
