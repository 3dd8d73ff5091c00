//! Signals (what a value means) and values (one reading of a signal).

use serde::Deserialize;
use std::fmt;

/// The type of a signal's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SignalType {
    /// 64-bit floating point.
    #[default]
    F64,
    /// 64-bit signed integer.
    I64,
    /// Boolean.
    Bool,
    /// Complex number (a phasor), real and imaginary part as `f64`.
    Complex,
}

impl fmt::Display for SignalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignalType::F64 => "f64",
            SignalType::I64 => "i64",
            SignalType::Bool => "bool",
            SignalType::Complex => "complex",
        })
    }
}

/// A named, typed quantity that a node produces or consumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    /// Name, unique within its node (e.g. `va`, `bus2.ia`).
    pub name: String,
    /// Unit (e.g. `V`, `A`, `Hz`); empty when dimensionless.
    pub unit: String,
    /// Value type.
    pub ty: SignalType,
}

impl Signal {
    /// A signal of the given name, unit and type.
    pub fn new(name: impl Into<String>, unit: impl Into<String>, ty: SignalType) -> Self {
        Signal {
            name: name.into(),
            unit: unit.into(),
            ty,
        }
    }

    /// A dimensionless `f64` signal.
    pub fn f64(name: impl Into<String>) -> Self {
        Signal::new(name, "", SignalType::F64)
    }

    /// Number of `f64` columns this signal takes in a table (2 for complex values).
    pub fn columns(&self) -> usize {
        if self.ty == SignalType::Complex {
            2
        } else {
            1
        }
    }
}

/// A complex value (phasor) in rectangular form.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl Complex {
    /// A complex number from its rectangular parts.
    pub fn new(re: f64, im: f64) -> Self {
        Complex { re, im }
    }
    /// A complex number from magnitude and angle (rad).
    pub fn from_polar(magnitude: f64, angle: f64) -> Self {
        Complex {
            re: magnitude * angle.cos(),
            im: magnitude * angle.sin(),
        }
    }
    /// Magnitude.
    pub fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
    /// Angle in radians.
    pub fn arg(self) -> f64 {
        self.im.atan2(self.re)
    }
}

/// One value of a signal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A floating-point value.
    F64(f64),
    /// An integer value.
    I64(i64),
    /// A boolean value.
    Bool(bool),
    /// A complex value.
    Complex(Complex),
}

impl Default for Value {
    fn default() -> Self {
        Value::F64(0.0)
    }
}

impl Value {
    /// The value as `f64` (integers converted, booleans 0/1, complex values their magnitude).
    pub fn as_f64(self) -> f64 {
        match self {
            Value::F64(v) => v,
            Value::I64(v) => v as f64,
            Value::Bool(v) => f64::from(u8::from(v)),
            Value::Complex(c) => c.abs(),
        }
    }

    /// The value as `i64` (floats rounded toward zero and saturated).
    pub fn as_i64(self) -> i64 {
        match self {
            Value::F64(v) => v as i64,
            Value::I64(v) => v,
            Value::Bool(v) => i64::from(v),
            Value::Complex(c) => c.abs() as i64,
        }
    }

    /// The value as complex (real values have zero imaginary part).
    pub fn as_complex(self) -> Complex {
        match self {
            Value::Complex(c) => c,
            other => Complex::new(other.as_f64(), 0.0),
        }
    }

    /// The value converted to the given signal type.
    pub fn convert(self, ty: SignalType) -> Value {
        match ty {
            SignalType::F64 => Value::F64(self.as_f64()),
            SignalType::I64 => Value::I64(self.as_i64()),
            SignalType::Bool => Value::Bool(self.as_f64() != 0.0),
            SignalType::Complex => Value::Complex(self.as_complex()),
        }
    }

    /// The zero value of a signal type.
    pub fn zero(ty: SignalType) -> Value {
        Value::F64(0.0).convert(ty)
    }

    /// Writes this value as table columns (one, or two for complex) into `out`, returning how many.
    pub fn write_columns(self, out: &mut [f64]) -> usize {
        match (self, out) {
            (Value::Complex(c), [re, im, ..]) => {
                *re = c.re;
                *im = c.im;
                2
            }
            (v, [slot, ..]) => {
                *slot = v.as_f64();
                1
            }
            (_, []) => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(Value::I64(3).as_f64(), 3.0);
        assert_eq!(Value::Bool(true).convert(SignalType::I64), Value::I64(1));
        assert_eq!(Value::F64(2.7).convert(SignalType::I64), Value::I64(2));
        assert_eq!(
            Value::F64(2.0).convert(SignalType::Complex),
            Value::Complex(Complex::new(2.0, 0.0))
        );
        let mut cols = [0.0; 3];
        assert_eq!(
            Value::Complex(Complex::new(1.0, -1.0)).write_columns(&mut cols),
            2
        );
        assert_eq!(cols[..2], [1.0, -1.0]);
    }
}
