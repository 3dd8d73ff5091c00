//! `step`: step-response metrics of a signal that moves from an initial value to a target
//! after a step at the window's start: rise time (10 % → 90 %), overshoot, settling time
//! (into ± a band of the step around the target, for good) and steady-state error.

use super::{num, secs, Check};
use crate::series::Series;

/// The metrics of one step response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepMetrics {
    /// From the first sample at 10 % of the step to the first at 90 % (s); infinite when
    /// it never gets there.
    pub rise_time: f64,
    /// Highest excursion beyond the target, in % of the step (0 when none).
    pub overshoot_percent: f64,
    /// From the window's start to the first sample of the final stretch within the band
    /// (s); infinite when the last sample is outside.
    pub settling_time: f64,
    /// |mean of the last 10 % of the samples − target|.
    pub steady_state_error: f64,
}

/// Limits of a step response (each optional).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepLimits {
    /// Longest rise time (s).
    pub rise_time: Option<f64>,
    /// Largest overshoot (% of the step).
    pub overshoot_percent: Option<f64>,
    /// Longest settling time (s).
    pub settling_time: Option<f64>,
    /// Largest steady-state error (signal units).
    pub steady_state_error: Option<f64>,
}

/// The metrics of `s` for a step from `initial` to `target` at `start`; `band` is the
/// settling band as a fraction of the step (0.02: ±2 %).
pub fn step_metrics(s: &Series, start: f64, initial: f64, target: f64, band: f64) -> StepMetrics {
    let height = target - initial;
    let progress = |v: f64| {
        if height == 0.0 {
            1.0
        } else {
            (v - initial) / height
        }
    };
    let first_at = |level: f64| {
        s.v.iter()
            .position(|&v| progress(v) >= level)
            .map(|i| s.t[i])
    };
    let rise_time = match (first_at(0.1), first_at(0.9)) {
        (Some(a), Some(b)) => b - a,
        _ => f64::INFINITY,
    };
    let peak =
        s.v.iter()
            .map(|&v| progress(v))
            .fold(f64::NEG_INFINITY, f64::max);
    let overshoot_percent = ((peak - 1.0) * 100.0).max(0.0);
    let tolerance = band * height.abs();
    let last_outside = s.v.iter().rposition(|&v| (v - target).abs() > tolerance);
    let settling_time = match last_outside {
        None => s.t.first().map_or(f64::INFINITY, |t| t - start),
        Some(i) if i + 1 < s.len() => s.t[i + 1] - start,
        Some(_) => f64::INFINITY,
    };
    let tail = (s.len() / 10).max(1).min(s.len());
    let tail_mean = s.v[s.len() - tail..].iter().sum::<f64>() / tail as f64;
    StepMetrics {
        rise_time,
        overshoot_percent,
        settling_time,
        steady_state_error: (tail_mean - target).abs(),
    }
}

/// Checks the step response against `limits`; the measured value is that of the first
/// limit broken (or the settling time when all hold).
pub fn step(
    s: &Series,
    start: f64,
    initial: Option<f64>,
    target: f64,
    band: f64,
    limits: &StepLimits,
) -> Check {
    if s.is_empty() {
        return Check::no_samples();
    }
    let initial = initial.unwrap_or(s.v[0]);
    let m = step_metrics(s, start, initial, target, band);
    let rows = [
        ("rise time", m.rise_time, limits.rise_time, "s"),
        (
            "overshoot",
            m.overshoot_percent,
            limits.overshoot_percent,
            "%",
        ),
        ("settling time", m.settling_time, limits.settling_time, "s"),
        (
            "steady-state error",
            m.steady_state_error,
            limits.steady_state_error,
            "",
        ),
    ];
    let show = |value: f64, unit: &str| match unit {
        "s" => secs(value),
        "%" => format!("{} %", num(value)),
        _ => num(value),
    };
    let mut parts = Vec::new();
    let mut failed = None;
    for (name, value, limit, unit) in rows {
        if let Some(limit) = limit {
            let ok = value <= limit;
            parts.push(format!(
                "{name} {} {} {}",
                show(value, unit),
                if ok { "<=" } else { ">" },
                show(limit, unit)
            ));
            if !ok && failed.is_none() {
                failed = Some((value, limit));
            }
        }
    }
    let message = format!(
        "step {} -> {}: {}",
        num(initial),
        num(target),
        parts.join(", ")
    );
    match failed {
        Some((value, limit)) => Check::new(false, value, limit, None, message),
        None => Check::new(
            true,
            m.settling_time,
            limits.settling_time.unwrap_or(f64::INFINITY),
            None,
            message,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Second-order step response, ζ = 0.5, ωn = 20 rad/s, sampled at 10 kHz: overshoot
    /// e^(−πζ/√(1−ζ²)) = 16.303 %, 10–90 % rise time 0.08 s within a sample or so.
    fn second_order() -> Series {
        let (zeta, wn) = (0.5_f64, 20.0_f64);
        let wd = wn * (1.0 - zeta * zeta).sqrt();
        let phi = (1.0 - zeta * zeta).sqrt().atan2(zeta);
        let t: Vec<f64> = (0..=20_000).map(|k| k as f64 * 1e-4).collect();
        let v = t
            .iter()
            .map(|&t| {
                1.0 - (-zeta * wn * t).exp() / (1.0 - zeta * zeta).sqrt() * (wd * t + phi).sin()
            })
            .collect();
        Series::new(t, v)
    }

    #[test]
    fn second_order_overshoot_matches_the_closed_form() {
        let m = step_metrics(&second_order(), 0.0, 0.0, 1.0, 0.02);
        let expected = 100.0 * (-std::f64::consts::PI * 0.5 / 0.75_f64.sqrt()).exp();
        assert!((m.overshoot_percent - expected).abs() < 1e-3, "{m:?}");
        // Rise time of ζ = 0.5 is 1.6390/ωn (tabulated normalised 10–90 % rise time).
        assert!((m.rise_time - 1.6390 / 20.0).abs() < 2e-4, "{m:?}");
        // 2 % settling: about 4/(ζωn) = 0.4 s (the envelope estimate), here a bit less.
        assert!(m.settling_time > 0.25 && m.settling_time < 0.45, "{m:?}");
        assert!(m.steady_state_error < 1e-6, "{m:?}");
    }

    #[test]
    fn limits_fail_with_the_measured_value_in_the_message() {
        let limits = StepLimits {
            overshoot_percent: Some(10.0),
            ..StepLimits::default()
        };
        let c = step(&second_order(), 0.0, Some(0.0), 1.0, 0.02, &limits);
        assert!(!c.passed);
        assert!(c.message.contains("overshoot 16.30"), "{}", c.message);
        let limits = StepLimits {
            overshoot_percent: Some(20.0),
            rise_time: Some(0.1),
            ..StepLimits::default()
        };
        assert!(step(&second_order(), 0.0, Some(0.0), 1.0, 0.02, &limits).passed);
    }
}
