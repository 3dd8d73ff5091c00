//! `cast`: changes one signal's type, name or unit; its values are converted to the new type.

use crate::ebm::SignalRef;
use gridhil_engine::field::{FieldError, FieldPath};
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Signal, SignalType};
use serde::Deserialize;

/// Configuration of the `cast` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CastConfig {
    /// The signal (name or position).
    pub signal: SignalRef,
    /// New type (`f64`, `i64`, `bool`, `complex`; VILLASnode's `float`/`integer`/`boolean` too).
    pub new_type: Option<String>,
    /// New name.
    pub new_name: Option<String>,
    /// New unit.
    pub new_unit: Option<String>,
}

/// A signal type by its gridhil or VILLASnode name.
pub(crate) fn signal_type(name: &str) -> Option<SignalType> {
    Some(match name {
        "f64" | "float" | "double" => SignalType::F64,
        "i64" | "integer" | "int" => SignalType::I64,
        "bool" | "boolean" => SignalType::Bool,
        "complex" => SignalType::Complex,
        _ => return None,
    })
}

struct Cast {
    index: usize,
    ty: SignalType,
}

impl HookConfig for CastConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        let field = FieldPath::root().key("signal");
        let index = match &self.signal {
            SignalRef::Index(i) if *i < input.len() => *i,
            SignalRef::Index(i) => {
                return Err(FieldError::at_path(
                    field,
                    format!("signal {i} is past the {} signals", input.len()),
                ))
            }
            SignalRef::Name(name) => crate::common::find_signal(input, name, field)?,
        };
        let mut output = input.to_vec();
        let signal = &mut output[index];
        if let Some(ty) = &self.new_type {
            signal.ty = signal_type(ty).ok_or_else(|| {
                FieldError::at(
                    "new_type",
                    format!("unknown type `{ty}`: use f64, i64, bool or complex"),
                )
            })?;
        }
        if let Some(name) = &self.new_name {
            if input
                .iter()
                .enumerate()
                .any(|(k, s)| k != index && &s.name == name)
            {
                return Err(FieldError::at(
                    "new_name",
                    format!("signal `{name}` exists already"),
                ));
            }
            signal.name = name.clone();
        }
        if let Some(unit) = &self.new_unit {
            signal.unit = unit.clone();
        }
        let ty = signal.ty;
        Ok((Box::new(Cast { index, ty }), output))
    }
}

impl Hook for Cast {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        if let Some(value) = sample.values_mut().get_mut(self.index) {
            *value = value.convert(self.ty);
        }
        HookAction::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;
    use gridhil_engine::signal::Value;

    #[test]
    fn casts_type_name_and_unit() {
        let mut r = rig::<CastConfig>(
            "signal = 1\nnew_type = \"integer\"\nnew_name = \"n\"\nnew_unit = \"A\"",
            &["a", "b"],
        );
        assert_eq!(r.signals[1], Signal::new("n", "A", SignalType::I64));
        let mut s = r.sample(0, 0, &[1.5, 2.7]);
        r.process(&mut s, 0);
        assert_eq!(s.values(), &[Value::F64(1.5), Value::I64(2)]);
    }
}
