//! A minimal complex number type (the crate uses only `std`).

use core::ops::{Add, AddAssign, Div, Mul, Neg, Sub};

/// A complex number `re + j·im` in double precision.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl Complex {
    /// Zero.
    pub const ZERO: Complex = Complex { re: 0.0, im: 0.0 };

    /// Builds `re + j·im`.
    pub const fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }

    /// `magnitude · e^{j·angle}`.
    pub fn from_polar(magnitude: f64, angle: f64) -> Self {
        let (s, c) = angle.sin_cos();
        Self::new(magnitude * c, magnitude * s)
    }

    /// `e^{j·angle}`.
    pub fn cis(angle: f64) -> Self {
        Self::from_polar(1.0, angle)
    }

    /// Modulus.
    pub fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }

    /// Argument in (−π, π].
    pub fn arg(self) -> f64 {
        self.im.atan2(self.re)
    }

    /// Complex conjugate.
    pub fn conj(self) -> Self {
        Self::new(self.re, -self.im)
    }

    /// Multiplication by a real number.
    pub fn scale(self, k: f64) -> Self {
        Self::new(self.re * k, self.im * k)
    }
}

impl Add for Complex {
    type Output = Complex;
    fn add(self, o: Complex) -> Complex {
        Complex::new(self.re + o.re, self.im + o.im)
    }
}

impl AddAssign for Complex {
    fn add_assign(&mut self, o: Complex) {
        self.re += o.re;
        self.im += o.im;
    }
}

impl Sub for Complex {
    type Output = Complex;
    fn sub(self, o: Complex) -> Complex {
        Complex::new(self.re - o.re, self.im - o.im)
    }
}

impl Neg for Complex {
    type Output = Complex;
    fn neg(self) -> Complex {
        Complex::new(-self.re, -self.im)
    }
}

impl Mul for Complex {
    type Output = Complex;
    fn mul(self, o: Complex) -> Complex {
        Complex::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}

impl Div<f64> for Complex {
    type Output = Complex;
    fn div(self, k: f64) -> Complex {
        Complex::new(self.re / k, self.im / k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polar_round_trip() {
        let z = Complex::from_polar(2.0, 0.5);
        assert!((z.abs() - 2.0).abs() < 1e-12);
        assert!((z.arg() - 0.5).abs() < 1e-12);
        let w = z * z.conj();
        assert!((w.re - 4.0).abs() < 1e-12 && w.im.abs() < 1e-12);
    }
}
