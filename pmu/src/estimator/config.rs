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
    /// Reporting rate Fs in frames per second (1 ..= 2·f0).
    pub reporting_rate: u32,
    /// Number of waveform inputs pushed at each time step.
    pub channels: usize,
    /// Channel triplets (phase a, b, c) whose positive sequence is reported.
    /// The first group also provides the frequency and ROCOF.
    pub three_phase_groups: Vec<[usize; 3]>,
}

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
    /// The reporting rate is zero or above twice the nominal frequency.
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
        let max = (2.0 * self.nominal_hz) as u32;
        if self.reporting_rate == 0 || self.reporting_rate > max {
            return Err(ConfigError::ReportingRate {
                got: self.reporting_rate,
                max,
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
}
