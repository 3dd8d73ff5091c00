//! Limits of IEEE C37.118.1-2011 and of its 2014 amendment
//! (C37.118.1a-2014, carried into IEC/IEEE 60255-118-1:2018).
//!
//! The 2014/2018 limits are checked against NIST's specification files
//! (`usnistgov/PMUCalPostProcessing`, `Specifications/spec_<F0>F0_<Fs>Fs_<P|M>.csv`,
//! commit e0f583b7): every value those files hold is used as given. The
//! 2011 limits come from `shared/standards/README.md`; the ones marked
//! "recalled" in `docs/pmu-compliance.md` ("Limits used") could not be
//! checked against a primary text.

use crate::estimator::PmuClass;

/// Edition of the standard a limit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edition {
    /// IEEE C37.118.1-2011.
    Ieee2011,
    /// IEEE C37.118.1a-2014 amendment / IEC/IEEE 60255-118-1:2018.
    Ieee2014,
}

impl Edition {
    /// Both editions, oldest first.
    pub const ALL: [Edition; 2] = [Edition::Ieee2011, Edition::Ieee2014];

    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            Edition::Ieee2011 => "2011",
            Edition::Ieee2014 => "2014/2018",
        }
    }
}

/// The family a test belongs to (decides which limits apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TestFamily {
    /// Steady state: frequency range and phase angle (TVE, FE and RFE).
    SteadyState,
    /// Steady state over the magnitude range (the 2014/2018 edition sets a
    /// TVE limit only).
    MagnitudeRange,
    /// Harmonic distortion.
    Harmonics,
    /// Out-of-band interference (M class).
    OutOfBand,
    /// Amplitude or phase modulation.
    Modulation,
    /// Linear frequency ramp.
    Ramp,
    /// Magnitude or phase step.
    Step,
    /// Reporting latency.
    Latency,
}

/// A measured quantity and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantity {
    /// Maximum total vector error, %.
    MaxTve,
    /// Maximum frequency error, Hz.
    MaxFe,
    /// Maximum ROCOF error, Hz/s.
    MaxRfe,
    /// TVE response time, s.
    TveResponse,
    /// Frequency response time, s.
    FeResponse,
    /// ROCOF response time, s.
    RfeResponse,
    /// Delay time (absolute), s.
    DelayTime,
    /// Overshoot or undershoot, % of the step.
    Overshoot,
    /// Reporting latency, s.
    Latency,
}

impl Quantity {
    /// Name and unit for reports.
    pub fn label(self) -> &'static str {
        match self {
            Quantity::MaxTve => "max TVE (%)",
            Quantity::MaxFe => "max FE (Hz)",
            Quantity::MaxRfe => "max RFE (Hz/s)",
            Quantity::TveResponse => "TVE response (s)",
            Quantity::FeResponse => "FE response (s)",
            Quantity::RfeResponse => "RFE response (s)",
            Quantity::DelayTime => "abs. delay (s)",
            Quantity::Overshoot => "overshoot (%)",
            Quantity::Latency => "latency (s)",
        }
    }
}

/// Where a test is run: class, nominal frequency, reporting rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting {
    /// Performance class.
    pub class: PmuClass,
    /// Nominal frequency, Hz.
    pub f0: f64,
    /// Reporting rate, frames/s.
    pub fs: u32,
}

impl Setting {
    fn rate(&self) -> f64 {
        f64::from(self.fs)
    }

    /// Half width of the frequency range to cover, Hz.
    pub fn frequency_range_hz(&self) -> f64 {
        match self.class {
            PmuClass::P => 2.0,
            PmuClass::M => {
                if self.fs < 10 {
                    2.0
                } else if self.fs < 25 {
                    self.rate() / 5.0
                } else {
                    5.0
                }
            }
        }
    }

    /// Highest modulation frequency, Hz: min(Fs/10, 2) for P and
    /// min(Fs/5, 5) for M.
    pub fn max_modulation_hz(&self) -> f64 {
        match self.class {
            PmuClass::P => (self.rate() / 10.0).min(2.0),
            PmuClass::M => (self.rate() / 5.0).min(5.0),
        }
    }

    /// Half width of the ramp, Hz.
    pub fn ramp_range_hz(&self) -> f64 {
        match self.class {
            PmuClass::P => 2.0,
            PmuClass::M => (self.rate() / 5.0).min(5.0),
        }
    }

    /// Reports excluded after the start and before the end of a ramp, s.
    pub fn ramp_exclusion_s(&self, edition: Edition) -> f64 {
        match (self.class, edition) {
            (PmuClass::M, Edition::Ieee2014) => 7.0 / self.rate(),
            _ => 2.0 / self.rate(),
        }
    }

    /// Harmonic amplitude relative to the fundamental.
    pub fn harmonic_ratio(&self) -> f64 {
        match self.class {
            PmuClass::P => 0.01,
            PmuClass::M => 0.1,
        }
    }

    /// Steady-state ROCOF error limit (also the RFE response threshold).
    pub fn steady_rfe(&self, edition: Edition) -> f64 {
        match (edition, self.class) {
            (Edition::Ieee2011, _) => 0.01,
            (Edition::Ieee2014, PmuClass::P) => 0.4,
            (Edition::Ieee2014, PmuClass::M) => 0.1,
        }
    }

    /// 2014/2018 modulation limits `(FE Hz, RFE Hz/s)`.
    ///
    /// The values of NIST's specification files for every rate they list
    /// (P: 10, 12, 15 and ≥ 20 fps; M: 10, 12, 15, 20 and ≥ 25 fps). They are
    /// FE = 0.03·fm (P) / 0.06·fm (M) and RFE = 0.18·π·fm², fm the highest
    /// modulation frequency, rounded to two digits — so the table, not the
    /// formula, is used; the unrounded formula only covers rates the files
    /// do not list (below 10 fps or between the listed ones).
    fn modulation_2014(&self) -> (f64, f64) {
        match (self.class, self.fs) {
            (PmuClass::P, fs) if fs >= 20 => (0.06, 2.3),
            (PmuClass::P, 15) => (0.05, 1.3),
            (PmuClass::P, 12) => (0.04, 0.8),
            (PmuClass::P, 10) => (0.03, 0.6),
            (PmuClass::M, fs) if fs >= 25 => (0.3, 14.0),
            (PmuClass::M, 20) => (0.24, 9.0),
            (PmuClass::M, 15) => (0.18, 5.1),
            (PmuClass::M, 12) => (0.14, 3.3),
            (PmuClass::M, 10) => (0.12, 2.3),
            (class, _) => {
                let fm = self.max_modulation_hz();
                let k = match class {
                    PmuClass::P => 0.03,
                    PmuClass::M => 0.06,
                };
                (k * fm, 0.18 * core::f64::consts::PI * fm * fm)
            }
        }
    }

    /// 2011 Table 11 M-class TVE response times by reporting rate (s).
    fn m_tve_response_2011(&self) -> f64 {
        match self.fs {
            10 => 0.595,
            12 => 0.493,
            15 => 0.394,
            20 => 0.282,
            25 => 0.231,
            30 => 0.182,
            50 => 0.199,
            60 => 0.079,
            _ => 7.0 / self.rate(),
        }
    }

    /// The limit of `quantity` in `family` under `edition`; `None` when the
    /// edition sets no requirement.
    pub fn limit(&self, edition: Edition, family: TestFamily, quantity: Quantity) -> Option<f64> {
        use Edition::*;
        use PmuClass::*;
        use Quantity::*;
        use TestFamily::*;
        let rate = self.rate();
        let f0 = self.f0;
        match (family, quantity) {
            (SteadyState, MaxTve)
            | (MagnitudeRange, MaxTve)
            | (Harmonics, MaxTve)
            | (Ramp, MaxTve) => Some(1.0),
            (SteadyState, MaxFe) => Some(0.005),
            (SteadyState, MaxRfe) => Some(self.steady_rfe(edition)),
            (MagnitudeRange, MaxFe) => match edition {
                Ieee2011 => Some(0.005),
                Ieee2014 => None,
            },
            (MagnitudeRange, MaxRfe) => match edition {
                Ieee2011 => Some(self.steady_rfe(edition)),
                Ieee2014 => None,
            },
            (Harmonics, MaxFe) => Some(match self.class {
                P => 0.005,
                M if self.fs > 20 => 0.025,
                M => 0.005,
            }),
            (Harmonics, MaxRfe) => match (self.class, edition) {
                (P, Ieee2011) => Some(0.01),
                (P, Ieee2014) => Some(0.4),
                (M, Ieee2011) if self.fs > 20 => Some(6.0),
                (M, Ieee2011) => Some(2.0),
                (M, Ieee2014) => None,
            },
            (OutOfBand, MaxTve) => Some(1.3),
            (OutOfBand, MaxFe) => Some(0.01),
            (OutOfBand, MaxRfe) => match edition {
                Ieee2011 => Some(0.1),
                Ieee2014 => None,
            },
            (Modulation, MaxTve) => Some(3.0),
            (Modulation, MaxFe) => Some(match (self.class, edition) {
                (P, Ieee2011) => 0.06,
                (M, Ieee2011) => 0.3,
                (_, Ieee2014) => self.modulation_2014().0,
            }),
            (Modulation, MaxRfe) => Some(match (self.class, edition) {
                (P, Ieee2011) => 3.0,
                (M, Ieee2011) => 30.0,
                (_, Ieee2014) => self.modulation_2014().1,
            }),
            (Ramp, MaxFe) => Some(match (self.class, edition) {
                (P, _) => 0.01,
                (M, Ieee2011) => 0.005,
                (M, Ieee2014) => 0.01,
            }),
            (Ramp, MaxRfe) => Some(match (self.class, edition) {
                (P, Ieee2011) => 0.1,
                (P, Ieee2014) => 0.4,
                (M, Ieee2011) => 0.1,
                (M, Ieee2014) => 0.2,
            }),
            (Step, TveResponse) => Some(match (self.class, edition) {
                (P, Ieee2011) => 1.7 / f0,
                (P, Ieee2014) => 2.0 / f0,
                (M, Ieee2011) => self.m_tve_response_2011(),
                (M, Ieee2014) => 7.0 / rate,
            }),
            (Step, FeResponse) => Some(match (self.class, edition) {
                (P, Ieee2011) => 3.5 / f0,
                (P, Ieee2014) => 4.5 / f0,
                (M, _) => 14.0 / rate,
            }),
            (Step, RfeResponse) => Some(match (self.class, edition) {
                (P, Ieee2011) => 4.0 / f0,
                (P, Ieee2014) => 6.0 / f0,
                (M, _) => 14.0 / rate,
            }),
            (Step, DelayTime) => Some(1.0 / (4.0 * rate)),
            (Step, Overshoot) => Some(match self.class {
                P => 5.0,
                M => 10.0,
            }),
            (TestFamily::Latency, Quantity::Latency) => Some(match self.class {
                P => 2.0 / rate,
                M => 5.0 / rate,
            }),
            _ => None,
        }
    }
}
