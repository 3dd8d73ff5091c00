//! Durations and rates written with units in configuration files (`"50us"`, `"10kHz"`).

use serde::{de, Deserialize, Deserializer};
use std::fmt;

/// Integer nanoseconds: every time in gridhil is an `i64` count of nanoseconds.
pub type Nanos = i64;

/// Nanoseconds per second.
pub const NANOS_PER_SEC: Nanos = 1_000_000_000;

/// Error for a duration or rate that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnitError(pub String);

/// A non-negative duration in nanoseconds, written as `"50us"`, `"1.5ms"`, `"10s"`, `"2min"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub Nanos);

impl Duration {
    /// The duration in nanoseconds.
    pub fn as_nanos(self) -> Nanos {
        self.0
    }
    /// The duration in seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scaled(
            f,
            self.0 as f64,
            &[(1e9, "s"), (1e6, "ms"), (1e3, "us"), (1.0, "ns")],
        )
    }
}

/// A positive rate in hertz, written as `"10kHz"`, `"50Hz"`, `"1.2MHz"` or a plain number of Hz.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Rate(pub f64);

impl Rate {
    /// The rate in hertz.
    pub fn hz(self) -> f64 {
        self.0
    }
    /// The period of this rate in nanoseconds, rounded to the nearest nanosecond.
    pub fn period_ns(self) -> Nanos {
        (NANOS_PER_SEC as f64 / self.0).round() as Nanos
    }
    /// The instant of tick `k` counted from `start`, computed without accumulating rounding error.
    pub fn tick(self, start: Nanos, k: u64) -> Nanos {
        start + ((k as f64) * NANOS_PER_SEC as f64 / self.0).round() as Nanos
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scaled(f, self.0, &[(1e6, "MHz"), (1e3, "kHz"), (1.0, "Hz")])
    }
}

fn write_scaled(f: &mut fmt::Formatter<'_>, value: f64, scales: &[(f64, &str)]) -> fmt::Result {
    for &(scale, unit) in scales {
        if value.abs() >= scale {
            return write!(f, "{}{}", value / scale, unit);
        }
    }
    write!(f, "0{}", scales.last().map(|s| s.1).unwrap_or(""))
}

fn split_number(text: &str) -> Result<(f64, &str), UnitError> {
    let text = text.trim();
    let end = text
        .find(|c: char| {
            !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')
        })
        .unwrap_or(text.len());
    // "e" may start a unit only when no digit follows; units here never start with e.
    let (num, unit) = text.split_at(end);
    let value: f64 = num
        .parse()
        .map_err(|_| UnitError(format!("`{text}` does not start with a number")))?;
    if !value.is_finite() {
        return Err(UnitError(format!("`{text}` is not a finite number")));
    }
    Ok((value, unit.trim()))
}

/// Parses a duration such as `"50us"`, `"1.5ms"`, `"10s"`, `"2min"`, `"1h"` (also `µs`).
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    let (value, unit) = split_number(text)?;
    let scale = match unit {
        "ns" => 1.0,
        "us" | "µs" | "μs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "min" => 60e9,
        "h" => 3600e9,
        "" => {
            return Err(UnitError(format!(
                "duration `{text}` has no unit: write e.g. \"50us\", \"20ms\" or \"10s\""
            )))
        }
        other => {
            return Err(UnitError(format!(
                "unknown duration unit `{other}` in `{text}`: use ns, us, ms, s, min or h"
            )))
        }
    };
    if value < 0.0 {
        return Err(UnitError(format!("duration `{text}` is negative")));
    }
    let nanos = value * scale;
    if nanos > i64::MAX as f64 {
        return Err(UnitError(format!("duration `{text}` is too long")));
    }
    Ok(Duration(nanos.round() as Nanos))
}

/// Parses a rate such as `"10kHz"`, `"50Hz"`, `"1MHz"` or `"4000"` (Hz).
pub fn parse_rate(text: &str) -> Result<Rate, UnitError> {
    let (value, unit) = split_number(text)?;
    let scale = match unit {
        "" | "Hz" | "hz" => 1.0,
        "kHz" | "khz" => 1e3,
        "MHz" | "mhz" => 1e6,
        other => {
            return Err(UnitError(format!(
                "unknown rate unit `{other}` in `{text}`: use Hz, kHz or MHz"
            )))
        }
    };
    rate_from_hz(value * scale, text)
}

fn rate_from_hz(hz: f64, text: &str) -> Result<Rate, UnitError> {
    if !(hz > 0.0 && hz.is_finite()) {
        return Err(UnitError(format!("rate `{text}` must be positive")));
    }
    if hz > 1e9 {
        return Err(UnitError(format!("rate `{text}` is above 1 GHz")));
    }
    Ok(Rate(hz))
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration with a unit, e.g. \"50us\" or \"10s\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                parse_duration(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Rate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a rate, e.g. \"10kHz\" or 50")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Rate, E> {
                parse_rate(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Rate, E> {
                rate_from_hz(v as f64, &v.to_string()).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Rate, E> {
                rate_from_hz(v as f64, &v.to_string()).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Rate, E> {
                rate_from_hz(v, &v.to_string()).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("50us").unwrap(), Duration(50_000));
        assert_eq!(parse_duration("1.5ms").unwrap(), Duration(1_500_000));
        assert_eq!(parse_duration("10s").unwrap(), Duration(10 * NANOS_PER_SEC));
        assert_eq!(
            parse_duration(" 2min ").unwrap(),
            Duration(120 * NANOS_PER_SEC)
        );
        assert_eq!(parse_duration("3µs").unwrap(), Duration(3_000));
    }

    #[test]
    fn durations_reject_bad_input() {
        for bad in ["", "10", "10 parsecs", "-1s", "abc", "1e400s", "nan s"] {
            assert!(parse_duration(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn rates_parse_with_units() {
        assert_eq!(parse_rate("10kHz").unwrap(), Rate(10_000.0));
        assert_eq!(parse_rate("50Hz").unwrap(), Rate(50.0));
        assert_eq!(parse_rate("4000").unwrap(), Rate(4000.0));
        assert_eq!(parse_rate("1MHz").unwrap().period_ns(), 1_000);
        assert!(parse_rate("0Hz").is_err());
        assert!(parse_rate("10 kW").is_err());
    }

    #[test]
    fn ticks_do_not_drift() {
        let rate = Rate(3.0);
        assert_eq!(rate.tick(0, 3), NANOS_PER_SEC);
        assert_eq!(rate.tick(5, 300), 100 * NANOS_PER_SEC + 5);
    }

    #[test]
    fn display_picks_a_readable_unit() {
        assert_eq!(Duration(50_000).to_string(), "50us");
        assert_eq!(Rate(10_000.0).to_string(), "10kHz");
    }
}
