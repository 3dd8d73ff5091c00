//! Small fixed-size configuration fields: FORMAT, PHUNIT, ANUNIT, DIGUNIT,
//! FNOM and the CFG-3 scaling records PHSCALE / ANSCALE.

/// FORMAT: how a PMU block encodes its values in data frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct DataFormat {
    /// The raw FORMAT word (bits 15–4 are unused and kept as read).
    pub raw: u16,
}

impl DataFormat {
    /// Builds FORMAT from its four flags.
    pub fn new(phasor_float: bool, polar: bool, analog_float: bool, freq_float: bool) -> Self {
        Self {
            raw: u16::from(polar)
                | (u16::from(phasor_float) << 1)
                | (u16::from(analog_float) << 2)
                | (u16::from(freq_float) << 3),
        }
    }

    /// Bit 0: phasors in polar (magnitude, angle) rather than rectangular form.
    pub fn polar(self) -> bool {
        self.raw & 0x1 != 0
    }

    /// Bit 1: phasors as float32 pairs rather than int16 pairs.
    pub fn phasor_float(self) -> bool {
        self.raw & 0x2 != 0
    }

    /// Bit 2: analog values as float32 rather than int16.
    pub fn analog_float(self) -> bool {
        self.raw & 0x4 != 0
    }

    /// Bit 3: FREQ/DFREQ as float32 rather than int16.
    pub fn freq_float(self) -> bool {
        self.raw & 0x8 != 0
    }

    /// Bytes per phasor in a data frame.
    pub fn phasor_len(self) -> usize {
        if self.phasor_float() {
            8
        } else {
            4
        }
    }

    /// Bytes per FREQ (and per DFREQ) value.
    pub fn freq_len(self) -> usize {
        if self.freq_float() {
            4
        } else {
            2
        }
    }

    /// Bytes per analog value.
    pub fn analog_len(self) -> usize {
        if self.analog_float() {
            4
        } else {
            2
        }
    }
}

/// PHUNIT: phasor kind and integer scale (CFG-1/2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PhasorUnit {
    /// The raw word: MSB 0 = voltage, 1 = current; low 24 bits = 10⁻⁵ V or A per bit.
    pub raw: u32,
}

impl PhasorUnit {
    /// A voltage phasor whose integer LSB is `scale_1e5` × 10⁻⁵ V.
    pub fn voltage(scale_1e5: u32) -> Self {
        Self {
            raw: scale_1e5 & 0x00FF_FFFF,
        }
    }

    /// A current phasor whose integer LSB is `scale_1e5` × 10⁻⁵ A.
    pub fn current(scale_1e5: u32) -> Self {
        Self {
            raw: 0x0100_0000 | (scale_1e5 & 0x00FF_FFFF),
        }
    }

    /// True for a current phasor (MSB non-zero).
    pub fn is_current(self) -> bool {
        self.raw >> 24 != 0
    }

    /// Engineering units (V or A) per integer LSB.
    pub fn scale(self) -> f64 {
        f64::from(self.raw & 0x00FF_FFFF) * 1e-5
    }
}

/// ANUNIT: analog kind and signed 24-bit user scale (CFG-1/2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct AnalogUnit {
    /// The raw word: MSB 0 = point-on-wave, 1 = RMS, 2 = peak; low 24 bits signed scale.
    pub raw: u32,
}

impl AnalogUnit {
    /// Builds ANUNIT from a kind byte and a signed 24-bit scale.
    pub fn new(kind: u8, scale: i32) -> Self {
        Self {
            raw: (u32::from(kind) << 24) | (scale as u32 & 0x00FF_FFFF),
        }
    }

    /// The kind byte (0 point-on-wave, 1 RMS, 2 peak, 65–255 user).
    pub fn kind(self) -> u8 {
        (self.raw >> 24) as u8
    }

    /// The signed 24-bit user scale.
    pub fn scale(self) -> i32 {
        ((self.raw << 8) as i32) >> 8
    }
}

/// DIGUNIT: two masks per digital status word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct DigitalUnit {
    /// Normal status of the inputs.
    pub normal: u16,
    /// Which bits of the word are valid.
    pub valid: u16,
}

/// FNOM: nominal line frequency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct NominalFrequency {
    /// The raw word: bit 0 set = 50 Hz, clear = 60 Hz; other bits reserved.
    pub raw: u16,
}

impl NominalFrequency {
    /// 50 Hz.
    pub const HZ50: Self = Self { raw: 1 };
    /// 60 Hz.
    pub const HZ60: Self = Self { raw: 0 };

    /// Nominal frequency in Hz.
    pub fn hz(self) -> f64 {
        if self.raw & 1 != 0 {
            50.0
        } else {
            60.0
        }
    }
}

/// PHSCALE (CFG-3): flags, magnitude scale and angle offset of one phasor.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PhasorScale {
    /// Bytes 1–2: modification flags (bit 1 up-sampled … bit 15 user).
    pub modification_flags: u16,
    /// Byte 3: phasor type (bit 3: 1 = current; bits 2–0: component).
    pub phasor_type: u8,
    /// Byte 4: user-designated flags.
    pub user_flags: u8,
    /// Magnitude scale factor (engineering units per integer LSB).
    pub scale: f32,
    /// Angle offset in radians, subtracted from the measured angle.
    pub angle_offset: f32,
}

impl PhasorScale {
    /// True for a current phasor.
    pub fn is_current(&self) -> bool {
        self.phasor_type & 0x08 != 0
    }
}

/// ANSCALE (CFG-3): value = scale × raw + offset.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AnalogScale {
    /// Magnitude scale factor.
    pub scale: f32,
    /// Offset added after scaling.
    pub offset: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analog_unit_sign_extends() {
        let u = AnalogUnit::new(1, -5);
        assert_eq!(u.kind(), 1);
        assert_eq!(u.scale(), -5);
        assert_eq!(AnalogUnit { raw: 0x0000_0001 }.scale(), 1);
    }

    #[test]
    fn phasor_unit_scale() {
        let u = PhasorUnit::current(915_527);
        assert!(u.is_current());
        assert!((u.scale() - 9.15527).abs() < 1e-12);
    }

    #[test]
    fn format_flags() {
        let f = DataFormat::new(true, false, true, false);
        assert_eq!(f.raw, 6);
        assert_eq!((f.phasor_len(), f.freq_len(), f.analog_len()), (8, 2, 4));
    }
}
