//! Estimator configuration and its validation errors.

/// Performance class of IEEE C37.118.1 / IEC/IEEE 60255-118-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PmuClass {
    /// Protection class: short window (two cycles), low latency.
    P,
    /// Measurement class: anti-alias filtered, rejects out-of-band interference.
    M,
}

impl PmuClass {
    /// "P" or "M".
    pub fn name(self) -> &'static str {
        match self {
            PmuClass::P => "P",
            PmuClass::M => "M",
        }
    }
}

/// What an [`Estimator`](super::Estimator) measures and how often it reports.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimatorConfig {
    /// Performance class.
    pub class: PmuClass,
    /// Nominal system frequency f0: 50.0 or 60.0 Hz.
    pub nominal_hz: f64,
    /// Waveform sample rate in samples per second (1 kHz ..= 100 kHz).
    pub sample_rate_hz: f64,
    /// Reporting rate Fs in frames per second (1 ..= [`MAX_REPORTING_RATE`]). Above
    /// 2·f0 (the highest rate C37.118.1 lists) the M-class filter is the one designed
    /// for 2·f0 (see [`EstimatorConfig::filter_design_rate`]); the P-class filter does
    /// not depend on the rate.
    pub reporting_rate: u32,
    /// Number of waveform inputs pushed at each time step.
    pub channels: usize,
    /// Channel triplets (phase a, b, c) whose positive sequence is reported.
    /// The first group also provides the frequency and ROCOF.
    pub three_phase_groups: Vec<[usize; 3]>,
}

/// Highest reporting rate accepted, in frames per second.
pub const MAX_REPORTING_RATE: u32 = 240;

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// f0 is not 50 or 60 Hz.
    #[error("nominal frequency must be 50 or 60 Hz, got {0}")]
    NominalFrequency(f64),
    /// The sample rate is not finite, below 1 kHz or above 100 kHz (filter
    /// lengths and buffers grow with it; decimate faster streams first).
    #[error("sample rate must be within 1 kHz ..= 100 kHz, got {0}")]
    SampleRate(f64),
    /// The reporting rate is zero or above [`MAX_REPORTING_RATE`].
    #[error("reporting rate must be within 1 ..= {max} frames/s, got {got}")]
    ReportingRate {
        /// The rate asked for.
        got: u32,
        /// The highest rate accepted.
        max: u32,
    },
    /// No channel.
    #[error("at least one channel is required")]
    NoChannel,
    /// A three-phase group names a channel that does not exist.
    #[error(
        "three-phase group {group} refers to channel {channel}, but there are {channels} channels"
    )]
    GroupChannel {
        /// Index of the group.
        group: usize,
        /// The channel index named.
        channel: usize,
        /// Number of channels configured.
        channels: usize,
    },
    /// The filter would not fit the sample rate (window shorter than a few samples).
    #[error("sample rate {sample_rate} Hz is too low for reporting rate {reporting_rate}")]
    FilterTooShort {
        /// Sample rate asked for.
        sample_rate: f64,
        /// Reporting rate asked for.
        reporting_rate: u32,
    },
}

impl EstimatorConfig {
    /// Checks every field; the estimator is built only from a valid configuration.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.nominal_hz != 50.0 && self.nominal_hz != 60.0 {
            return Err(ConfigError::NominalFrequency(self.nominal_hz));
        }
        if !self.sample_rate_hz.is_finite() || !(1_000.0..=100_000.0).contains(&self.sample_rate_hz)
        {
            return Err(ConfigError::SampleRate(self.sample_rate_hz));
        }
        if self.reporting_rate == 0 || self.reporting_rate > MAX_REPORTING_RATE {
            return Err(ConfigError::ReportingRate {
                got: self.reporting_rate,
                max: MAX_REPORTING_RATE,
            });
        }
        if self.channels == 0 {
            return Err(ConfigError::NoChannel);
        }
        for (group, triplet) in self.three_phase_groups.iter().enumerate() {
            if let Some(&channel) = triplet.iter().find(|&&c| c >= self.channels) {
                return Err(ConfigError::GroupChannel {
                    group,
                    channel,
                    channels: self.channels,
                });
            }
        }
        Ok(())
    }

    /// The reporting rate the M-class filters are designed for: the reporting rate,
    /// capped at 2·f0 (the highest rate C37.118.1 lists; its out-of-band band and
    /// latency limit are defined up to there).
    pub fn filter_design_rate(&self) -> f64 {
        f64::from(self.reporting_rate).min(2.0 * self.nominal_hz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(class: PmuClass, rate: u32) -> EstimatorConfig {
        EstimatorConfig {
            class,
            nominal_hz: 60.0,
            sample_rate_hz: 12_000.0,
            reporting_rate: rate,
            channels: 1,
            three_phase_groups: Vec::new(),
        }
    }

    #[test]
    fn reporting_rates_up_to_240_are_accepted() {
        for class in [PmuClass::P, PmuClass::M] {
            for rate in [1, 60, 120, 121, 200, 240] {
                assert_eq!(config(class, rate).validate(), Ok(()), "{class:?} {rate}");
            }
            assert!(matches!(
                config(class, 241).validate(),
                Err(ConfigError::ReportingRate { max: 240, .. })
            ));
        }
    }

    #[test]
    fn m_class_filters_stop_at_twice_nominal() {
        assert_eq!(config(PmuClass::M, 60).filter_design_rate(), 60.0);
        assert_eq!(config(PmuClass::M, 120).filter_design_rate(), 120.0);
        assert_eq!(config(PmuClass::M, 240).filter_design_rate(), 120.0);
    }
}
