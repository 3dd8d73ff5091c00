//! IEEE C37.118.1 P/M-class synchrophasor estimator and compliance harness.
//!
//! The estimator follows the reference model of C37.118.1-2011 Annex C
//! (quadrature demodulation at nominal frequency, symmetric FIR low-pass,
//! magnitude compensation at off-nominal frequency, frequency and ROCOF from
//! the positive-sequence phase) with filters designed per class and reporting
//! rate. See `docs/pmu-estimator.md`.

mod complex;
pub mod compliance;
mod config;
mod core;
mod fir;

pub use self::complex::Complex;
pub use self::config::{ConfigError, EstimatorConfig, PmuClass};
pub use self::core::{Estimator, Report};
pub use self::fir::{
    m_frequency_attenuation_db, FilterSpec, FirFilter, GainTable, M_PHASOR_ATTENUATION_DB,
};
