//! Physical quantities in model files: plain numbers or strings with a unit.
//!
//! A field declares its [`Unit`]. A plain TOML number is taken in that unit;
//! a string must end with that unit's symbol, optionally preceded by one SI
//! prefix (`p n u µ m k M G`), e.g. `"11kV"`, `"10mH"`, `"50Hz"`, `"2.5 MW"`.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A raw quantity as written in the file, not yet converted.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantity {
    /// A plain number in the field's unit.
    Number(f64),
    /// A number with a unit suffix, e.g. `"11kV"`.
    Text(String),
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(QuantityVisitor)
    }
}

struct QuantityVisitor;

impl Visitor<'_> for QuantityVisitor {
    type Value = Quantity;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or a string with a unit, such as \"11kV\"")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
        Ok(Quantity::Number(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
        Ok(Quantity::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
        Ok(Quantity::Number(v as f64))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
        Ok(Quantity::Text(v.to_string()))
    }
}

/// Units that model fields can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Volt (`V`).
    Volt,
    /// Hertz (`Hz`).
    Hertz,
    /// Second (`s`).
    Second,
    /// Ohm (`ohm` or `Ω`).
    Ohm,
    /// Henry (`H`).
    Henry,
    /// Farad (`F`).
    Farad,
    /// Watt (`W`).
    Watt,
    /// Volt-ampere reactive (`var`).
    Var,
    /// Volt-ampere (`VA`).
    VoltAmpere,
    /// Degree of angle (`deg` or `°`).
    Degree,
    /// Metre (`m`).
    Metre,
    /// A plain number (per unit, ratio, boolean as 0/1).
    Plain,
}

impl Unit {
    /// Symbols accepted as suffix for this unit, longest first.
    fn symbols(self) -> &'static [&'static str] {
        match self {
            Unit::Volt => &["V"],
            Unit::Hertz => &["Hz"],
            Unit::Second => &["s"],
            Unit::Ohm => &["ohm", "Ohm", "Ω"],
            Unit::Henry => &["H"],
            Unit::Farad => &["F"],
            Unit::Watt => &["W"],
            Unit::Var => &["var", "VAr", "VAR"],
            Unit::VoltAmpere => &["VA"],
            Unit::Degree => &["deg", "°"],
            Unit::Metre => &["m"],
            Unit::Plain => &["pu", ""],
        }
    }

    /// Symbol of the unit as used for signals (`""` for plain numbers).
    pub fn signal_symbol(self) -> &'static str {
        match self {
            Unit::Plain => "",
            other => other.symbol(),
        }
    }

    /// Main symbol, for messages and documentation.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Plain => "(plain number)",
            other => other.symbols().first().copied().unwrap_or(""),
        }
    }
}

/// Converts a raw quantity to a number in the unit `unit`.
///
/// Returns a message (without the field name) on failure.
pub fn convert(q: &Quantity, unit: Unit) -> Result<f64, String> {
    let value = match q {
        Quantity::Number(v) => *v,
        Quantity::Text(s) => parse_text(s.trim(), unit)?,
    };
    if value.is_finite() {
        Ok(value)
    } else {
        Err("value is not a finite number".to_string())
    }
}

fn parse_text(s: &str, unit: Unit) -> Result<f64, String> {
    let bad = || {
        format!(
            "cannot read {s:?} as a quantity in {} (write e.g. \"{}\")",
            unit.symbol(),
            example(unit)
        )
    };
    let body = unit
        .symbols()
        .iter()
        .find_map(|sym| s.strip_suffix(sym))
        .ok_or_else(bad)?
        .trim_end();
    if let Ok(v) = body.parse::<f64>() {
        return Ok(v);
    }
    let (number, scale) = split_prefix(body).ok_or_else(bad)?;
    let v: f64 = number.trim_end().parse().map_err(|_| bad())?;
    Ok(v * scale)
}

fn split_prefix(body: &str) -> Option<(&str, f64)> {
    let prefix = body.chars().last()?;
    let scale = match prefix {
        'p' => 1e-12,
        'n' => 1e-9,
        'u' | 'µ' | 'μ' => 1e-6,
        'm' => 1e-3,
        'k' => 1e3,
        'M' => 1e6,
        'G' => 1e9,
        _ => return None,
    };
    let cut = body.len() - prefix.len_utf8();
    Some((body.get(..cut)?, scale))
}

fn example(unit: Unit) -> &'static str {
    match unit {
        Unit::Volt => "11kV",
        Unit::Hertz => "50Hz",
        Unit::Second => "100ms",
        Unit::Ohm => "0.5ohm",
        Unit::Henry => "10mH",
        Unit::Farad => "2uF",
        Unit::Watt => "1.5MW",
        Unit::Var => "300kvar",
        Unit::VoltAmpere => "1MVA",
        Unit::Degree => "30deg",
        Unit::Metre => "2.5km",
        Unit::Plain => "0.05",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str, u: Unit) -> Result<f64, String> {
        convert(&Quantity::Text(s.to_string()), u)
    }

    #[test]
    fn parses_units_and_prefixes() {
        assert_eq!(t("11kV", Unit::Volt), Ok(11e3));
        assert_eq!(t("50Hz", Unit::Hertz), Ok(50.0));
        assert_eq!(t("10 mH", Unit::Henry), Ok(10e-3));
        assert_eq!(t("2.5km", Unit::Metre), Ok(2500.0));
        assert_eq!(t("5m", Unit::Metre), Ok(5.0));
        assert_eq!(t("100ms", Unit::Second), Ok(0.1));
        assert_eq!(t("1.5MW", Unit::Watt), Ok(1.5e6));
        assert_eq!(t("300kvar", Unit::Var), Ok(3e5));
        assert_eq!(t("-30deg", Unit::Degree), Ok(-30.0));
        assert_eq!(t("3µF", Unit::Farad), Ok(3e-6));
        assert_eq!(t("0.5Ω", Unit::Ohm), Ok(0.5));
        assert_eq!(t("0.05", Unit::Plain), Ok(0.05));
        assert_eq!(convert(&Quantity::Number(7.0), Unit::Volt), Ok(7.0));
    }

    #[test]
    fn rejects_wrong_units() {
        assert!(t("11kA", Unit::Volt).is_err());
        assert!(t("kV", Unit::Volt).is_err());
        assert!(t("1xV", Unit::Volt).is_err());
        assert!(t("", Unit::Volt).is_err());
        assert!(t("nanV", Unit::Volt).is_err());
        assert!(t("1e999V", Unit::Volt).is_err());
        assert!(t("µ", Unit::Plain).is_err());
    }
}
