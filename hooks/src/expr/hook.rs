//! The `expr` hook: new or replaced signals from expressions over the sample's signals,
//! computed in the order given (a later expression may use an earlier result).

use super::Program;
use gridhil_engine::field::{FieldError, FieldPath};
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Signal, SignalType, Value};
use serde::Deserialize;

/// One computed signal.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExprOutput {
    /// Name: an existing signal is replaced (it becomes f64), a new one is appended.
    pub name: String,
    /// The expression.
    pub expr: String,
    /// Unit of the result (default: the replaced signal's, or none).
    pub unit: Option<String>,
}

/// Configuration of the `expr` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExprConfig {
    /// The signals computed, in order.
    pub signals: Vec<ExprOutput>,
}

struct Expr {
    /// Program and the position it writes; `width` values before it is applied.
    steps: Vec<(Program, usize)>,
    width: usize,
    capacity_errors: u64,
}

impl HookConfig for ExprConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        if self.signals.is_empty() {
            return Err(FieldError::at(
                "signals",
                "needs at least one { name, expr }",
            ));
        }
        let mut signals = input.to_vec();
        let mut steps = Vec::new();
        for (k, out) in self.signals.iter().enumerate() {
            let at = FieldPath::root().key("signals").index(k);
            let names: Vec<&str> = signals.iter().map(|s| s.name.as_str()).collect();
            let program = Program::compile(&out.expr, &names)
                .map_err(|e| FieldError::at_path(at.key("expr"), format!("`{}`: {e}", out.expr)))?;
            for read in program.reads() {
                if signals[read].ty == SignalType::Complex {
                    return Err(FieldError::at_path(
                        at.key("expr"),
                        format!("signal `{}` is complex: expressions read real values (convert it with `cast` first)", signals[read].name),
                    ));
                }
            }
            if out.name.is_empty() {
                return Err(FieldError::at_path(at.key("name"), "must not be empty"));
            }
            let position = match signals.iter().position(|s| s.name == out.name) {
                Some(i) => {
                    signals[i].ty = SignalType::F64;
                    if let Some(unit) = &out.unit {
                        signals[i].unit = unit.clone();
                    }
                    i
                }
                None => {
                    signals.push(Signal::new(
                        out.name.clone(),
                        out.unit.clone().unwrap_or_default(),
                        SignalType::F64,
                    ));
                    signals.len() - 1
                }
            };
            steps.push((program, position));
        }
        Ok((
            Box::new(Expr {
                steps,
                width: input.len(),
                capacity_errors: 0,
            }),
            signals,
        ))
    }
}

impl Hook for Expr {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        if sample.values().len() != self.width {
            self.capacity_errors += 1;
            return HookAction::Drop;
        }
        for (program, position) in &self.steps {
            let value = Value::F64(program.eval(sample.values()));
            if *position < sample.values().len() {
                sample.values_mut()[*position] = value;
            } else if sample.push(value).is_err() {
                self.capacity_errors += 1;
                return HookAction::Drop;
            }
        }
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        (self.capacity_errors > 0).then(|| {
            format!(
                "expr: {} samples of the wrong width or too small",
                self.capacity_errors
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::{rig, rig_with};

    #[test]
    fn computes_in_order_replacing_and_appending() {
        let mut r = rig::<ExprConfig>(
            "signals = [{ name = \"p\", expr = \"v * i\", unit = \"W\" }, { name = \"v\", expr = \"clamp(v, -1, 1)\" }, { name = \"q\", expr = \"p / 2 + v\" }]",
            &["v", "i"],
        );
        let names: Vec<&str> = r.signals.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["v", "i", "p", "q"]);
        assert_eq!(r.signals[2].unit, "W");
        assert_eq!(r.feed(1, &[vec![3.0, 2.0]])[0].1, vec![1.0, 2.0, 6.0, 4.0]);
    }

    #[test]
    fn errors_point_at_the_expression_and_column() {
        let e = rig_with::<ExprConfig>(
            "signals = [{ name = \"x\", expr = \"v +* 2\" }]",
            &[Signal::f64("v")],
        )
        .err()
        .unwrap();
        assert_eq!(e.field.unwrap().to_string(), "signals[0].expr");
        assert_eq!(
            e.message,
            "`v +* 2`: column 4: expected a number, a name or `(`, found `*`"
        );
    }
}
