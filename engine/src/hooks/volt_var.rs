//! `volt_var`: a volt-var (Q(U) droop) controller as a hook, with a first-order lag and a
//! watchdog that falls back to a safe set-point when its measurement stops changing.
//!
//! Not a transport: a path carries the measurement in and the set-point out (to a `gridsim`
//! input such as `pv7.q_ref`); the hook only computes, without clock, allocation or lock.

use crate::field::{FieldError, FieldPath};
use crate::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use crate::sample::{Sample, SampleFlags};
use crate::signal::{Signal, SignalType, Value};
use crate::units::{Duration, Nanos};
use serde::Deserialize;

/// Configuration of the `volt_var` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoltVarConfig {
    /// The measured voltage: a signal of the path (e.g. `mv7.vrms_a`).
    pub voltage: String,
    /// Name of the one signal the hook passes on: the reactive power set-point (e.g.
    /// `pv7.q_ref`, an input of a `gridsim` node).
    pub output: String,
    /// The voltage that is 1 pu, in the measurement's unit (default 1: the measurement is
    /// in pu already).
    #[serde(default = "one")]
    pub base: f64,
    /// The volt-var curve: `[pu, var]` points with rising voltages, linear in between and
    /// flat beyond the ends (IEEE 1547-2018 style: supply below nominal, absorb above).
    pub curve: Vec<[f64; 2]>,
    /// First-order lag of the set-point (the "open-loop response time" / 2.3), default 0.
    #[serde(default)]
    pub time_constant: Duration,
    /// Watchdog: a measurement that has not changed for this long is taken as lost
    /// (a live RMS value changes at every sample), and the set-point goes to `fallback`.
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// The set-point while the measurement is lost or the controller is inactive (var).
    #[serde(default)]
    pub fallback: f64,
}

fn one() -> f64 {
    1.0
}

/// The volt-var curve, checked: voltages strictly rising, values finite.
#[derive(Debug, Clone)]
struct Curve {
    points: Vec<[f64; 2]>,
}

impl Curve {
    fn new(points: &[[f64; 2]]) -> Result<Self, FieldError> {
        if points.is_empty() {
            return Err(FieldError::at(
                "curve",
                "needs at least one [pu, var] point",
            ));
        }
        for (i, p) in points.iter().enumerate() {
            if !p[0].is_finite() || !p[1].is_finite() {
                return Err(FieldError::at_path(
                    FieldPath::root().key("curve").index(i),
                    "must be finite numbers",
                ));
            }
            if i > 0 && p[0] <= points[i - 1][0] {
                return Err(FieldError::at_path(
                    FieldPath::root().key("curve").index(i),
                    "voltages must rise from point to point",
                ));
            }
        }
        Ok(Curve {
            points: points.to_vec(),
        })
    }

    /// The curve's value at `pu` (flat beyond its ends).
    fn at(&self, pu: f64) -> f64 {
        let first = self.points[0];
        if pu <= first[0] {
            return first[1];
        }
        for pair in self.points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if pu <= b[0] {
                return a[1] + (b[1] - a[1]) * (pu - a[0]) / (b[0] - a[0]);
            }
        }
        self.points[self.points.len() - 1][1]
    }
}

struct VoltVar {
    input: usize,
    base: f64,
    curve: Curve,
    tau: f64,
    timeout: Option<Nanos>,
    fallback: f64,
    active: bool,
    last_bits: Option<u64>,
    last_change: Nanos,
    last_now: Option<Nanos>,
    q: f64,
}

impl HookConfig for VoltVarConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        let index = input
            .iter()
            .position(|s| s.name == self.voltage)
            .ok_or_else(|| {
                let known: Vec<&str> = input.iter().map(|s| s.name.as_str()).collect();
                FieldError::at(
                    "voltage",
                    format!(
                        "no signal `{}` in this path (it has: {})",
                        self.voltage,
                        known.join(", ")
                    ),
                )
            })?;
        if matches!(input[index].ty, SignalType::Bool | SignalType::Complex) {
            return Err(FieldError::at("voltage", "must be a real-valued signal"));
        }
        if !(self.base.is_finite() && self.base > 0.0) {
            return Err(FieldError::at("base", "must be a positive number"));
        }
        if !self.fallback.is_finite() {
            return Err(FieldError::at("fallback", "must be a finite number"));
        }
        if self.output.is_empty() {
            return Err(FieldError::at("output", "must name the set-point signal"));
        }
        if self.time_constant.0 < 0 {
            return Err(FieldError::at("time_constant", "must not be negative"));
        }
        if let Some(timeout) = self.timeout {
            if timeout.0 <= 0 {
                return Err(FieldError::at("timeout", "must be longer than 0"));
            }
        }
        let curve = Curve::new(&self.curve)?;
        Ok((
            Box::new(VoltVar {
                input: index,
                base: self.base,
                curve,
                tau: self.time_constant.as_secs_f64(),
                timeout: self.timeout.map(|t| t.0),
                fallback: self.fallback,
                active: true,
                last_bits: None,
                last_change: 0,
                last_now: None,
                q: 0.0,
            }),
            vec![Signal::new(self.output.clone(), "var", SignalType::F64)],
        ))
    }
}

impl VoltVar {
    /// Whether the measurement counts as lost at `now` (it never came, or stood still).
    fn lost(&mut self, value: f64, fresh: bool, now: Nanos) -> bool {
        if !fresh {
            return true;
        }
        let bits = value.to_bits();
        if self.last_bits != Some(bits) {
            self.last_bits = Some(bits);
            self.last_change = now;
        }
        match self.timeout {
            Some(timeout) => now - self.last_change > timeout,
            None => false,
        }
    }
}

impl Hook for VoltVar {
    fn parameters(&self) -> Vec<&'static str> {
        vec!["fallback", "active"]
    }

    fn set_parameter(&mut self, index: usize, value: f64) {
        match index {
            0 => self.fallback = value,
            1 => self.active = value != 0.0,
            _ => {}
        }
    }

    fn process(&mut self, sample: &mut Sample, ctx: &HookContext<'_>) -> HookAction {
        let value = sample
            .values()
            .get(self.input)
            .map(|v| v.as_f64())
            .unwrap_or(f64::NAN);
        let fresh = !sample.flags.contains(SampleFlags::STALE) && value.is_finite();
        let lost = self.lost(value, fresh, ctx.now);
        let target = if lost || !self.active {
            self.fallback
        } else {
            self.curve.at(value / self.base)
        };
        self.q = match self.last_now {
            Some(previous) if self.tau > 0.0 => {
                let dt = (ctx.now - previous).max(0) as f64 * 1e-9;
                self.q + (target - self.q) * (1.0 - (-dt / self.tau).exp())
            }
            _ => target,
        };
        self.last_now = Some(ctx.now);
        if sample.set_values(&[Value::F64(self.q)]).is_err() {
            return HookAction::Drop;
        }
        HookAction::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(timeout: Option<Nanos>, tau: f64) -> VoltVar {
        VoltVar {
            input: 0,
            base: 1.0,
            curve: Curve::new(&[[0.92, 440.0], [0.98, 0.0], [1.02, 0.0], [1.08, -440.0]]).unwrap(),
            tau,
            timeout,
            fallback: 7.0,
            active: true,
            last_bits: None,
            last_change: 0,
            last_now: None,
            q: 0.0,
        }
    }

    #[test]
    fn the_curve_is_linear_between_points_and_flat_beyond() {
        let h = hook(None, 0.0);
        assert_eq!(h.curve.at(0.5), 440.0);
        assert!((h.curve.at(0.95) - 220.0).abs() < 1e-9);
        assert_eq!(h.curve.at(1.0), 0.0);
        assert!((h.curve.at(1.05) + 220.0).abs() < 1e-9);
        assert_eq!(h.curve.at(1.3), -440.0);
    }

    #[test]
    fn a_curve_with_falling_voltages_is_refused() {
        let e = Curve::new(&[[1.0, 0.0], [0.9, 1.0]]).unwrap_err();
        assert!(e.to_string().contains("rise"), "{e}");
    }

    #[test]
    fn a_measurement_standing_still_past_the_timeout_counts_as_lost() {
        let mut h = hook(Some(10), 0.0);
        assert!(!h.lost(1.0, true, 0));
        assert!(!h.lost(1.0, true, 10));
        assert!(h.lost(1.0, true, 11));
        assert!(!h.lost(1.01, true, 12), "a new value is news again");
        assert!(
            h.lost(1.01, false, 13),
            "a stale sample never counts as fresh"
        );
    }
}
