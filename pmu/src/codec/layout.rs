//! What a data frame looks like, distilled from a CFG-1/2/3 frame: per PMU
//! block the FORMAT, channel counts and the conversions to engineering units.

use super::units::DataFormat;

/// Conversion of one integer phasor channel to volts or amperes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhasorConversion {
    /// Engineering units per integer LSB (PHUNIT × 10⁻⁵, or the CFG-3 PHSCALE factor).
    pub scale: f64,
    /// Angle offset in radians subtracted from the measured angle (CFG-3 only).
    pub angle_offset: f64,
}

/// Conversion of one integer analog channel: value = scale × raw + offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalogConversion {
    /// Multiplier (the signed ANUNIT scale for CFG-1/2, ANSCALE for CFG-3).
    pub scale: f64,
    /// Offset (CFG-3 only).
    pub offset: f64,
}

/// Layout of one PMU block in a data frame.
#[derive(Debug, Clone, PartialEq)]
pub struct PmuLayout {
    /// IDCODE of the PMU (data source).
    pub idcode: u16,
    /// FORMAT word.
    pub format: DataFormat,
    /// Nominal frequency in Hz (the base of integer FREQ).
    pub nominal_hz: f64,
    /// One conversion per phasor channel.
    pub phasors: Vec<PhasorConversion>,
    /// One conversion per analog channel.
    pub analogs: Vec<AnalogConversion>,
    /// Number of digital status words.
    pub digital_words: usize,
}

impl PmuLayout {
    /// Bytes this PMU block takes in a data frame.
    pub fn block_len(&self) -> usize {
        2 + self.phasors.len() * self.format.phasor_len()
            + 2 * self.format.freq_len()
            + self.analogs.len() * self.format.analog_len()
            + 2 * self.digital_words
    }
}

/// Layout of a whole data frame: one block per PMU, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataLayout {
    /// PMU blocks in frame order.
    pub pmus: Vec<PmuLayout>,
    /// TIME_BASE of the configuration (ticks per second, low 24 bits).
    pub time_base: u32,
}

impl DataLayout {
    /// Payload bytes (between FRACSEC and CHK) of a matching data frame.
    pub fn payload_len(&self) -> usize {
        self.pmus.iter().map(PmuLayout::block_len).sum()
    }

    /// Total frame length of a matching data frame.
    pub fn frame_len(&self) -> usize {
        super::frame::MIN_FRAME_LEN + self.payload_len()
    }
}
