//! Resolving actions against a running engine (names to node, input, path, hook and
//! parameter indices) and carrying them out (control queues, gates, the stop flag).

use super::actions::{Action, ActionError, ActionKind, Operation, Timed};
use super::shared::{HookLive, Shared};
use crate::control::ControlValue;
use crate::impair::{IMPAIR_PARAMETERS, TIMING_PARAMETERS};
use crate::path::IMPAIRMENT;
use crate::units::Nanos;

fn names<'a>(list: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = list.collect();
    if all.is_empty() {
        "none".into()
    } else {
        all.join(", ")
    }
}

impl Shared {
    fn node_index(&self, node: &str) -> Result<usize, ActionError> {
        self.nodes
            .iter()
            .position(|n| n.name == node)
            .ok_or_else(|| ActionError::UnknownNode {
                node: node.into(),
                known: names(self.nodes.iter().map(|n| n.name.as_str())),
            })
    }

    fn path_index(&self, path: &str) -> Result<usize, ActionError> {
        self.paths
            .iter()
            .position(|p| p.name == path)
            .ok_or_else(|| ActionError::UnknownPath {
                path: path.into(),
                known: names(self.paths.iter().map(|p| p.name.as_str())),
            })
    }

    /// Checks an action against the run and turns it into an operation at an instant;
    /// `now` is the engine's present monotonic time (used when the action has no `at`).
    pub(crate) fn resolve(&self, action: &Action, now: Nanos) -> Result<Timed, ActionError> {
        let at = action
            .at
            .map_or(now, |d| self.start.saturating_add(d.as_nanos()));
        let control = |index, hook, value: f64| {
            if !value.is_finite() {
                return Err(ActionError::NotFinite);
            }
            Ok(ControlValue {
                index,
                hook,
                value,
                at,
            })
        };
        let operation = match &action.kind {
            ActionKind::Set { node, input, value } => {
                let (node, input) = self.node_input(node, input)?;
                Operation::NodeControl {
                    node,
                    value: control(input, 0, *value)?,
                }
            }
            ActionKind::SetHook {
                path,
                hook,
                parameter,
                value,
            } => {
                let (path, hook, parameter) = self.hook_parameter(path, hook, parameter)?;
                Operation::PathControl {
                    path,
                    value: control(parameter, hook, *value)?,
                }
            }
            ActionKind::Impair {
                path,
                parameter,
                value,
            } => {
                let (path, parameter) = self.impairment(path, parameter)?;
                Operation::PathControl {
                    path,
                    value: control(parameter, IMPAIRMENT, *value)?,
                }
            }
            ActionKind::StopNode { node } => Operation::NodeGate {
                node: self.node_index(node)?,
                on: false,
            },
            ActionKind::StartNode { node } => Operation::NodeGate {
                node: self.node_index(node)?,
                on: true,
            },
            ActionKind::StopPath { path } => Operation::PathGate {
                path: self.path_index(path)?,
                on: false,
            },
            ActionKind::StartPath { path } => Operation::PathGate {
                path: self.path_index(path)?,
                on: true,
            },
            ActionKind::StopRun => Operation::StopRun,
        };
        Ok(Timed { at, operation })
    }

    /// (node index, control index) of `node.input`.
    fn node_input(&self, node: &str, input: &str) -> Result<(usize, usize), ActionError> {
        let index = self.node_index(node)?;
        let live = &self.nodes[index];
        let input_index = live
            .controls
            .iter()
            .position(|c| c.name == input)
            .ok_or_else(|| ActionError::UnknownInput {
                node: node.into(),
                input: input.into(),
                known: names(live.controls.iter().map(|c| c.name.as_str())),
            })?;
        Ok((index, input_index))
    }

    /// (path index, hook index, parameter index) of a hook parameter.
    fn hook_parameter(
        &self,
        path: &str,
        hook: &str,
        parameter: &str,
    ) -> Result<(usize, usize, usize), ActionError> {
        let index = self.path_index(path)?;
        let live = &self.paths[index];
        let hook_index = find_hook(&live.hooks, hook).ok_or_else(|| ActionError::UnknownHook {
            path: path.into(),
            hook: hook.into(),
            known: names(live.hooks.iter().map(|h| h.kind.as_str())),
        })?;
        let hook_live = &live.hooks[hook_index];
        let parameter_index = hook_live
            .parameters
            .iter()
            .position(|p| *p == parameter)
            .ok_or_else(|| ActionError::UnknownParameter {
                path: path.into(),
                hook: hook_live.kind.clone(),
                parameter: parameter.into(),
                known: names(hook_live.parameters.iter().copied()),
            })?;
        Ok((index, hook_index, parameter_index))
    }

    /// (path index, parameter index) of a link impairment; timing ones need an `impair`
    /// table on the path.
    fn impairment(&self, path: &str, parameter: &str) -> Result<(usize, usize), ActionError> {
        let index = self.path_index(path)?;
        let parameter_index = IMPAIR_PARAMETERS
            .iter()
            .position(|p| *p == parameter)
            .ok_or_else(|| ActionError::UnknownParameter {
                path: path.into(),
                hook: "impair".into(),
                parameter: parameter.into(),
                known: IMPAIR_PARAMETERS.join(", "),
            })?;
        if TIMING_PARAMETERS.contains(&parameter) && !self.paths[index].impair_timing {
            return Err(ActionError::ImpairTiming {
                path: path.into(),
                parameter: parameter.into(),
            });
        }
        Ok((index, parameter_index))
    }

    /// Carries out an operation now. A control value that finds its queue full is counted
    /// in `actions_dropped`.
    pub(crate) fn apply(&self, timed: &Timed) {
        use std::sync::atomic::Ordering;
        let delivered = match timed.operation {
            Operation::NodeControl { node, value } => self
                .nodes
                .get(node)
                .and_then(|n| n.control_sender.as_ref())
                .is_some_and(|tx| tx.send(value).is_ok()),
            Operation::PathControl { path, value } => self
                .paths
                .get(path)
                .is_some_and(|p| p.control_sender.send(value).is_ok()),
            Operation::NodeGate { node, on } => {
                if let Some(n) = self.nodes.get(node) {
                    n.running.store(on, Ordering::Release);
                }
                true
            }
            Operation::PathGate { path, on } => {
                if let Some(p) = self.paths.get(path) {
                    p.running.store(on, Ordering::Release);
                }
                true
            }
            Operation::StopRun => {
                self.stop.store(true, Ordering::Release);
                true
            }
        };
        if delivered {
            self.actions_applied.inc();
        } else {
            self.actions_dropped.inc();
        }
    }
}

/// The hook a reference names: a position, or a type that occurs once on the path.
fn find_hook(hooks: &[HookLive], reference: &str) -> Option<usize> {
    if let Ok(index) = reference.parse::<usize>() {
        return (index < hooks.len()).then_some(index);
    }
    let mut matching = hooks
        .iter()
        .enumerate()
        .filter(|(_, h)| h.kind == reference);
    match (matching.next(), matching.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}
