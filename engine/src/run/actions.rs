//! Timed actions on a run: set a node input or a hook parameter, stop or start a node or a
//! path, stop the run. Given by name (from a scenario, the HTTP API, a test), checked
//! against the run's nodes, inputs, paths and hooks, kept in time order, and delivered by
//! the scheduler in charge (virtual time: exactly at their instant; real time: by the
//! supervisor, controls a little ahead so the node applies them at their instant).
//!
//! Not the transport: values reach real-time threads through [`crate::control`] queues and
//! the node/path gates of the running engine (`apply.rs` resolves and carries out actions).

use crate::control::ControlValue;
use crate::units::{Duration, Nanos};
use serde::Deserialize;

/// An action on a running engine.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Action {
    /// When, as run time since the start (absent: as soon as possible).
    #[serde(default)]
    pub at: Option<Duration>,
    /// What.
    #[serde(flatten)]
    pub kind: ActionKind,
}

/// What an action does.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ActionKind {
    /// Sets an input a node declares (a gridsim set-point or breaker, a generator's
    /// amplitude): `set grid.pv7.q_ref = 0.2`.
    Set {
        /// Node name.
        node: String,
        /// Input name, as the node declares it.
        input: String,
        /// Value (booleans as 0/1).
        value: f64,
    },
    /// Sets a parameter of a hook on a path.
    SetHook {
        /// Path name.
        path: String,
        /// The hook: its position in the chain (`"0"`) or its type when it is the only one of
        /// that type on the path (`"scale"`).
        hook: String,
        /// Parameter name, as the hook declares it.
        parameter: String,
        /// Value.
        value: f64,
    },
    /// Sets a link impairment of a path: `delay`, `jitter`, `reorder_delay` (seconds),
    /// `loss`, `duplicate`, `reorder` (probability 0–1), `outage` (not 0: drop everything).
    Impair {
        /// Path name.
        path: String,
        /// Parameter name.
        parameter: String,
        /// Value.
        value: f64,
    },
    /// Stops a node: what it reads is dropped (counted) and nothing is written to it.
    StopNode {
        /// Node name.
        node: String,
    },
    /// Starts a stopped node again.
    StartNode {
        /// Node name.
        node: String,
    },
    /// Stops a path: what reaches it is dropped (counted).
    StopPath {
        /// Path name.
        path: String,
    },
    /// Starts a stopped path again.
    StartPath {
        /// Path name.
        path: String,
    },
    /// Ends the run (as Ctrl-C does).
    StopRun,
}

/// An action that cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// No node of that name.
    #[error("no node `{node}` (nodes: {known})")]
    UnknownNode {
        /// The name given.
        node: String,
        /// The run's nodes.
        known: String,
    },
    /// The node declares no such input.
    #[error("node `{node}` has no settable input `{input}` (inputs: {known})")]
    UnknownInput {
        /// Node.
        node: String,
        /// The name given.
        input: String,
        /// The node's inputs.
        known: String,
    },
    /// No path of that name.
    #[error("no path `{path}` (paths: {known})")]
    UnknownPath {
        /// The name given.
        path: String,
        /// The run's paths.
        known: String,
    },
    /// The hook reference does not name exactly one hook of the path.
    #[error("path `{path}`: no single hook `{hook}` (hooks: {known})")]
    UnknownHook {
        /// Path.
        path: String,
        /// The reference given.
        hook: String,
        /// The path's hooks.
        known: String,
    },
    /// The hook declares no such parameter.
    #[error("path `{path}`, hook `{hook}`: no parameter `{parameter}` (parameters: {known})")]
    UnknownParameter {
        /// Path.
        path: String,
        /// Hook type.
        hook: String,
        /// The name given.
        parameter: String,
        /// The hook's parameters.
        known: String,
    },
    /// A timing impairment on a path without an `impair` table.
    #[error(
        "path `{path}`: `{parameter}` changes timing, which needs an `impair` table on the path \
         (`impair = {{}}` is enough): the path then runs on a thread of its own that wakes for \
         each delayed sample"
    )]
    ImpairTiming {
        /// Path.
        path: String,
        /// The parameter.
        parameter: String,
    },
    /// The value is not a finite number.
    #[error("the value of an action must be a finite number")]
    NotFinite,
    /// The run has ended.
    #[error("the run has ended")]
    Finished,
    /// Too many actions are waiting to be taken.
    #[error("too many pending actions")]
    Full,
}

/// Where an action goes, after its names were resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Operation {
    /// A value for a node's control queue.
    NodeControl {
        /// Node index.
        node: usize,
        /// The value.
        value: ControlValue,
    },
    /// A value for a path's hook-parameter queue.
    PathControl {
        /// Path index.
        path: usize,
        /// The value.
        value: ControlValue,
    },
    /// Stop (`false`) or start (`true`) a node.
    NodeGate {
        /// Node index.
        node: usize,
        /// Running afterwards.
        on: bool,
    },
    /// Stop or start a path.
    PathGate {
        /// Path index.
        path: usize,
        /// Running afterwards.
        on: bool,
    },
    /// End the run.
    StopRun,
}

/// A resolved action at an instant of the engine's monotonic clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Timed {
    /// Monotonic instant.
    pub at: Nanos,
    /// What.
    pub operation: Operation,
}

/// Pending actions in time order (ties in the order they were given).
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    pending: Vec<Timed>,
}

impl Timeline {
    /// Adds an action.
    pub(crate) fn push(&mut self, timed: Timed) {
        let position = self.pending.partition_point(|t| t.at <= timed.at);
        self.pending.insert(position, timed);
    }

    /// The instant of the earliest pending action.
    pub(crate) fn next_at(&self) -> Option<Nanos> {
        self.pending.first().map(|t| t.at)
    }

    /// Removes and returns, in order, every action due at or before `now`, and every control
    /// value due before `now + lead` (sent ahead: the receiver applies it at its instant).
    pub(crate) fn take_due(&mut self, now: Nanos, lead: Nanos) -> Vec<Timed> {
        let mut due = Vec::new();
        self.pending.retain(|t| {
            let control = matches!(
                t.operation,
                Operation::NodeControl { .. } | Operation::PathControl { .. }
            );
            let take = t.at <= now || (control && t.at <= now.saturating_add(lead));
            if take {
                due.push(*t);
            }
            !take
        });
        due
    }

    /// Whether nothing is pending.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(at: Nanos, node: usize) -> Timed {
        Timed {
            at,
            operation: Operation::NodeGate { node, on: false },
        }
    }

    fn control(at: Nanos, node: usize) -> Timed {
        Timed {
            at,
            operation: Operation::NodeControl {
                node,
                value: ControlValue {
                    index: 0,
                    hook: 0,
                    value: 1.0,
                    at,
                },
            },
        }
    }

    #[test]
    fn the_timeline_keeps_time_order_and_ties_in_given_order() {
        let mut t = Timeline::default();
        t.push(gate(30, 0));
        t.push(gate(10, 1));
        t.push(gate(30, 2));
        t.push(gate(20, 3));
        assert_eq!(t.next_at(), Some(10));
        let order: Vec<Nanos> = t.take_due(100, 0).iter().map(|x| x.at).collect();
        assert_eq!(order, vec![10, 20, 30, 30]);
        assert!(t.is_empty());
        t.push(gate(30, 0));
        t.push(gate(30, 2));
        let nodes: Vec<Operation> = t.take_due(30, 0).iter().map(|x| x.operation).collect();
        assert_eq!(
            nodes,
            vec![
                Operation::NodeGate { node: 0, on: false },
                Operation::NodeGate { node: 2, on: false }
            ]
        );
    }

    #[test]
    fn controls_are_sent_ahead_by_the_lead_gates_only_when_due() {
        let mut t = Timeline::default();
        t.push(control(50, 0));
        t.push(gate(50, 1));
        t.push(control(200, 2));
        let due = t.take_due(10, 100);
        assert_eq!(due, vec![control(50, 0)]);
        assert_eq!(t.take_due(50, 0), vec![gate(50, 1)]);
        assert_eq!(t.take_due(150, 100), vec![control(200, 2)]);
    }
}
