//! `average`: the mean of several signals as one new signal, inserted at a position.

use crate::common::select;
use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Signal, Value};
use serde::Deserialize;

/// Configuration of the `average` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AverageConfig {
    /// Signals to average (default: every f64/i64 signal).
    #[serde(default)]
    pub signals: Vec<String>,
    /// Position of the new signal in the sample (VILLASnode's `offset`; default: at the end).
    pub offset: Option<usize>,
    /// Name of the new signal.
    #[serde(default = "default_name")]
    pub name: String,
    /// Unit of the new signal.
    #[serde(default)]
    pub unit: String,
}

fn default_name() -> String {
    "average".into()
}

struct Average {
    indices: Vec<usize>,
    offset: usize,
    width: usize,
    capacity_errors: u64,
}

impl HookConfig for AverageConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        let indices = select(input, &self.signals, true)?;
        if indices.is_empty() {
            return Err(FieldError::new("no numeric signal to average"));
        }
        let offset = self.offset.unwrap_or(input.len());
        if offset > input.len() {
            return Err(FieldError::at(
                "offset",
                format!("is past the end of the {} signals", input.len()),
            ));
        }
        if input.iter().any(|s| s.name == self.name) {
            return Err(FieldError::at(
                "name",
                format!("signal `{}` exists already", self.name),
            ));
        }
        let mut output = input.to_vec();
        output.insert(
            offset,
            Signal::new(self.name.clone(), self.unit.clone(), Default::default()),
        );
        Ok((
            Box::new(Average {
                indices,
                offset,
                width: input.len(),
                capacity_errors: 0,
            }),
            output,
        ))
    }
}

/// Inserts `value` at `offset` of a sample of `width` values; false when it does not fit.
pub(crate) fn insert_value(sample: &mut Sample, width: usize, offset: usize, value: Value) -> bool {
    if sample.values().len() != width || sample.resize(width + 1).is_err() {
        return false;
    }
    let values = sample.values_mut();
    values[offset..].rotate_right(1);
    values[offset] = value;
    true
}

impl Hook for Average {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let values = sample.values();
        let sum: f64 = self
            .indices
            .iter()
            .map(|&i| values.get(i).map_or(f64::NAN, |v| v.as_f64()))
            .sum();
        let mean = sum / self.indices.len() as f64;
        if insert_value(sample, self.width, self.offset, Value::F64(mean)) {
            HookAction::Pass
        } else {
            self.capacity_errors += 1;
            HookAction::Drop
        }
    }

    fn summary(&self) -> Option<String> {
        (self.capacity_errors > 0).then(|| {
            format!(
                "average: {} samples dropped (wrong width or full)",
                self.capacity_errors
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn the_mean_goes_in_at_its_offset() {
        let mut r = rig::<AverageConfig>("signals = [\"a\", \"c\"]\noffset = 1", &["a", "b", "c"]);
        assert_eq!(r.signals[1].name, "average");
        let out = r.feed(1, &[vec![1.0, 100.0, 4.0]]);
        assert_eq!(out[0].1, vec![1.0, 2.5, 100.0, 4.0]);
    }

    #[test]
    fn bad_settings_are_refused() {
        for text in ["offset = 9", "signals = [\"x\"]", "name = \"a\""] {
            let config: AverageConfig = toml::from_str(text).unwrap();
            let ctx = HookBuildContext {
                path_name: "p".into(),
                path_index: 0,
            };
            assert!(config.build(&[Signal::f64("a")], &ctx).is_err(), "{text}");
        }
    }
}
