//! Data frames: one block per PMU with STAT, phasors, FREQ/DFREQ, analog
//! values and digital words, read and written with a [`DataLayout`].

use super::error::{Error, Result};
use super::frame::{FrameHeader, FrameType};
use super::layout::{AnalogConversion, DataLayout, PhasorConversion, PmuLayout};
use super::stat::Stat;
use super::units::DataFormat;
use super::wire::{Reader, Writer};

/// A complex value in engineering units (V or A).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl Complex {
    /// Builds a value from rectangular parts.
    pub fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }

    /// Builds a value from magnitude and angle (radians).
    pub fn from_polar(magnitude: f64, angle: f64) -> Self {
        Self {
            re: magnitude * angle.cos(),
            im: magnitude * angle.sin(),
        }
    }

    /// Magnitude.
    pub fn magnitude(self) -> f64 {
        self.re.hypot(self.im)
    }

    /// Angle in radians.
    pub fn angle(self) -> f64 {
        self.im.atan2(self.re)
    }
}

/// One phasor as it is on the wire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawPhasor {
    /// int16 rectangular (real, imaginary); scaled by PHUNIT.
    IntRect {
        /// Real part in LSBs.
        re: i16,
        /// Imaginary part in LSBs.
        im: i16,
    },
    /// int16 polar: unsigned magnitude in LSBs, angle in radians × 10⁴.
    IntPolar {
        /// Magnitude in LSBs.
        magnitude: u16,
        /// Angle in 10⁻⁴ rad.
        angle: i16,
    },
    /// float32 rectangular in engineering units.
    FloatRect {
        /// Real part.
        re: f32,
        /// Imaginary part.
        im: f32,
    },
    /// float32 polar: magnitude in engineering units, angle in radians.
    FloatPolar {
        /// Magnitude.
        magnitude: f32,
        /// Angle in radians.
        angle: f32,
    },
}

impl RawPhasor {
    /// The zero phasor in the encoding a FORMAT word asks for.
    pub fn zero(format: DataFormat) -> Self {
        match (format.phasor_float(), format.polar()) {
            (false, false) => Self::IntRect { re: 0, im: 0 },
            (false, true) => Self::IntPolar {
                magnitude: 0,
                angle: 0,
            },
            (true, false) => Self::FloatRect { re: 0.0, im: 0.0 },
            (true, true) => Self::FloatPolar {
                magnitude: 0.0,
                angle: 0.0,
            },
        }
    }

    /// True if this value has the encoding FORMAT asks for.
    pub fn matches(&self, format: DataFormat) -> bool {
        core::mem::discriminant(self) == core::mem::discriminant(&Self::zero(format))
    }

    /// Engineering value. Integer phasors are scaled (and CFG-3 angle offsets
    /// removed); float phasors are taken as they are, as tshark does.
    pub fn to_complex(self, conv: &PhasorConversion) -> Complex {
        match self {
            Self::IntRect { re, im } => {
                let v = Complex::new(f64::from(re) * conv.scale, f64::from(im) * conv.scale);
                if conv.angle_offset == 0.0 {
                    v
                } else {
                    Complex::from_polar(v.magnitude(), v.angle() - conv.angle_offset)
                }
            }
            Self::IntPolar { magnitude, angle } => Complex::from_polar(
                f64::from(magnitude) * conv.scale,
                f64::from(angle) * 1e-4 - conv.angle_offset,
            ),
            Self::FloatRect { re, im } => Complex::new(f64::from(re), f64::from(im)),
            Self::FloatPolar { magnitude, angle } => {
                Complex::from_polar(f64::from(magnitude), f64::from(angle))
            }
        }
    }

    /// Encodes an engineering value with the given FORMAT and conversion.
    /// Integer values saturate at the wire limits; a zero integer scale is an error.
    pub fn from_complex(
        value: Complex,
        format: DataFormat,
        conv: &PhasorConversion,
    ) -> Result<Self> {
        if !format.phasor_float() && conv.scale == 0.0 {
            return Err(Error::OutOfRange {
                field: "PHUNIT",
                reason: "zero scale cannot encode integer phasors",
            });
        }
        Ok(match (format.phasor_float(), format.polar()) {
            (false, false) => {
                let v = if conv.angle_offset == 0.0 {
                    value
                } else {
                    Complex::from_polar(value.magnitude(), value.angle() + conv.angle_offset)
                };
                Self::IntRect {
                    re: sat_i16(v.re / conv.scale, 32767.0),
                    im: sat_i16(v.im / conv.scale, 32767.0),
                }
            }
            (false, true) => Self::IntPolar {
                magnitude: (value.magnitude() / conv.scale).round().clamp(0.0, 65535.0) as u16,
                angle: sat_i16((value.angle() + conv.angle_offset) * 1e4, 31416.0),
            },
            (true, false) => Self::FloatRect {
                re: value.re as f32,
                im: value.im as f32,
            },
            (true, true) => Self::FloatPolar {
                magnitude: value.magnitude() as f32,
                angle: value.angle() as f32,
            },
        })
    }

    fn read(r: &mut Reader<'_>, format: DataFormat) -> Result<Self> {
        const F: &str = "PHASORS";
        Ok(match (format.phasor_float(), format.polar()) {
            (false, false) => Self::IntRect {
                re: r.i16(F)?,
                im: r.i16(F)?,
            },
            (false, true) => Self::IntPolar {
                magnitude: r.u16(F)?,
                angle: r.i16(F)?,
            },
            (true, false) => Self::FloatRect {
                re: r.f32(F)?,
                im: r.f32(F)?,
            },
            (true, true) => Self::FloatPolar {
                magnitude: r.f32(F)?,
                angle: r.f32(F)?,
            },
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        match *self {
            Self::IntRect { re, im } => {
                w.i16(re)?;
                w.i16(im)
            }
            Self::IntPolar { magnitude, angle } => {
                w.u16(magnitude)?;
                w.i16(angle)
            }
            Self::FloatRect { re, im } => {
                w.f32(re)?;
                w.f32(im)
            }
            Self::FloatPolar { magnitude, angle } => {
                w.f32(magnitude)?;
                w.f32(angle)
            }
        }
    }

    fn wire_len(&self) -> usize {
        match self {
            Self::IntRect { .. } | Self::IntPolar { .. } => 4,
            Self::FloatRect { .. } | Self::FloatPolar { .. } => 8,
        }
    }
}

fn sat_i16(v: f64, limit: f64) -> i16 {
    v.round().clamp(-limit, limit) as i16
}

/// An int16 or float32 value as on the wire (FREQ, DFREQ, ANALOG).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawValue {
    /// 16-bit signed integer.
    Int(i16),
    /// 32-bit IEEE float.
    Float(f32),
}

impl RawValue {
    fn zero(float: bool) -> Self {
        if float {
            Self::Float(0.0)
        } else {
            Self::Int(0)
        }
    }

    fn is_float(&self) -> bool {
        matches!(self, Self::Float(_))
    }

    fn read(r: &mut Reader<'_>, float: bool, field: &'static str) -> Result<Self> {
        Ok(if float {
            Self::Float(r.f32(field)?)
        } else {
            Self::Int(r.i16(field)?)
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        match *self {
            Self::Int(v) => w.i16(v),
            Self::Float(v) => w.f32(v),
        }
    }

    fn wire_len(&self) -> usize {
        match self {
            Self::Int(_) => 2,
            Self::Float(_) => 4,
        }
    }

    /// The value as f64 without any scaling.
    pub fn as_f64(self) -> f64 {
        match self {
            Self::Int(v) => f64::from(v),
            Self::Float(v) => f64::from(v),
        }
    }
}

/// Engineering-unit values of one PMU block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PmuValues {
    /// Phasors in V or A.
    pub phasors: Vec<Complex>,
    /// Frequency in Hz.
    pub frequency_hz: f64,
    /// Rate of change of frequency in Hz/s.
    pub rocof_hz_per_s: f64,
    /// Analog values, scaled.
    pub analogs: Vec<f64>,
    /// Digital status words.
    pub digitals: Vec<u16>,
}

/// One PMU block of a data frame, raw.
#[derive(Debug, Clone, PartialEq)]
pub struct PmuData {
    /// STAT word, decoded.
    pub stat: Stat,
    /// Phasors as on the wire.
    pub phasors: Vec<RawPhasor>,
    /// FREQ: int = mHz deviation from nominal, float = Hz.
    pub freq: RawValue,
    /// DFREQ: int = ROCOF × 100 (Hz/s), float = Hz/s.
    pub dfreq: RawValue,
    /// Analog values as on the wire.
    pub analogs: Vec<RawValue>,
    /// Digital status words.
    pub digitals: Vec<u16>,
}

impl PmuData {
    /// A block of zeros shaped by `layout`.
    pub fn zeroed(layout: &PmuLayout) -> Self {
        let f = layout.format;
        Self {
            stat: Stat::default(),
            phasors: vec![RawPhasor::zero(f); layout.phasors.len()],
            freq: RawValue::zero(f.freq_float()),
            dfreq: RawValue::zero(f.freq_float()),
            analogs: vec![RawValue::zero(f.analog_float()); layout.analogs.len()],
            digitals: vec![0; layout.digital_words],
        }
    }

    fn parse(r: &mut Reader<'_>, layout: &PmuLayout) -> Result<Self> {
        let f = layout.format;
        let stat = Stat::from_bits(r.u16("STAT")?);
        let phasors = (0..layout.phasors.len())
            .map(|_| RawPhasor::read(r, f))
            .collect::<Result<Vec<_>>>()?;
        let freq = RawValue::read(r, f.freq_float(), "FREQ")?;
        let dfreq = RawValue::read(r, f.freq_float(), "DFREQ")?;
        let analogs = (0..layout.analogs.len())
            .map(|_| RawValue::read(r, f.analog_float(), "ANALOG"))
            .collect::<Result<Vec<_>>>()?;
        let digitals = (0..layout.digital_words)
            .map(|_| r.u16("DIGITAL"))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            stat,
            phasors,
            freq,
            dfreq,
            analogs,
            digitals,
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u16(self.stat.to_bits())?;
        for p in &self.phasors {
            p.write(w)?;
        }
        self.freq.write(w)?;
        self.dfreq.write(w)?;
        for a in &self.analogs {
            a.write(w)?;
        }
        for d in &self.digitals {
            w.u16(*d)?;
        }
        Ok(())
    }

    /// Bytes this block takes on the wire.
    pub fn wire_len(&self) -> usize {
        2 + self.phasors.iter().map(RawPhasor::wire_len).sum::<usize>()
            + self.freq.wire_len()
            + self.dfreq.wire_len()
            + self.analogs.iter().map(RawValue::wire_len).sum::<usize>()
            + 2 * self.digitals.len()
    }

    /// Checks counts and encodings against a layout.
    pub fn check_layout(&self, layout: &PmuLayout) -> Result<()> {
        let f = layout.format;
        if self.phasors.len() != layout.phasors.len() {
            return Err(Error::LayoutMismatch("phasor count"));
        }
        if self.analogs.len() != layout.analogs.len() {
            return Err(Error::LayoutMismatch("analog count"));
        }
        if self.digitals.len() != layout.digital_words {
            return Err(Error::LayoutMismatch("digital word count"));
        }
        if !self.phasors.iter().all(|p| p.matches(f)) {
            return Err(Error::LayoutMismatch("phasor format"));
        }
        if self.freq.is_float() != f.freq_float() || self.dfreq.is_float() != f.freq_float() {
            return Err(Error::LayoutMismatch("FREQ/DFREQ format"));
        }
        if !self
            .analogs
            .iter()
            .all(|a| a.is_float() == f.analog_float())
        {
            return Err(Error::LayoutMismatch("analog format"));
        }
        Ok(())
    }

    /// Phasor `index` in V or A.
    pub fn phasor(&self, index: usize, layout: &PmuLayout) -> Option<Complex> {
        let raw = self.phasors.get(index)?;
        let conv = layout.phasors.get(index)?;
        Some(raw.to_complex(conv))
    }

    /// Frequency in Hz (int FREQ is mHz deviation from nominal).
    pub fn frequency_hz(&self, layout: &PmuLayout) -> f64 {
        match self.freq {
            RawValue::Int(v) => layout.nominal_hz + f64::from(v) / 1000.0,
            RawValue::Float(v) => f64::from(v),
        }
    }

    /// Rate of change of frequency in Hz/s (int DFREQ is ROCOF × 100).
    pub fn rocof_hz_per_s(&self) -> f64 {
        match self.dfreq {
            RawValue::Int(v) => f64::from(v) / 100.0,
            RawValue::Float(v) => f64::from(v),
        }
    }

    /// Analog value `index`: int values scaled (scale × raw + offset), floats as they are.
    pub fn analog(&self, index: usize, layout: &PmuLayout) -> Option<f64> {
        let raw = *self.analogs.get(index)?;
        let conv = layout.analogs.get(index)?;
        Some(match raw {
            RawValue::Int(v) => f64::from(v) * conv.scale + conv.offset,
            RawValue::Float(v) => f64::from(v),
        })
    }

    /// All values in engineering units.
    pub fn values(&self, layout: &PmuLayout) -> PmuValues {
        PmuValues {
            phasors: (0..self.phasors.len())
                .filter_map(|i| self.phasor(i, layout))
                .collect(),
            frequency_hz: self.frequency_hz(layout),
            rocof_hz_per_s: self.rocof_hz_per_s(),
            analogs: (0..self.analogs.len())
                .filter_map(|i| self.analog(i, layout))
                .collect(),
            digitals: self.digitals.clone(),
        }
    }

    /// Sets phasor `index` from a value in V or A (no allocation).
    pub fn set_phasor(&mut self, index: usize, value: Complex, layout: &PmuLayout) -> Result<()> {
        let conv = layout
            .phasors
            .get(index)
            .ok_or(Error::LayoutMismatch("phasor index"))?;
        let slot = self
            .phasors
            .get_mut(index)
            .ok_or(Error::LayoutMismatch("phasor index"))?;
        *slot = RawPhasor::from_complex(value, layout.format, conv)?;
        Ok(())
    }

    /// Sets FREQ from a frequency in Hz (int: saturating mHz deviation).
    pub fn set_frequency_hz(&mut self, hz: f64, layout: &PmuLayout) {
        self.freq = if layout.format.freq_float() {
            RawValue::Float(hz as f32)
        } else {
            RawValue::Int(sat_i16((hz - layout.nominal_hz) * 1000.0, 32767.0))
        };
    }

    /// Sets DFREQ from a ROCOF in Hz/s (int: saturating ROCOF × 100).
    pub fn set_rocof_hz_per_s(&mut self, rocof: f64, layout: &PmuLayout) {
        self.dfreq = if layout.format.freq_float() {
            RawValue::Float(rocof as f32)
        } else {
            RawValue::Int(sat_i16(rocof * 100.0, 32767.0))
        };
    }

    /// Sets analog `index` from an engineering value (int: inverse of scale/offset).
    pub fn set_analog(&mut self, index: usize, value: f64, layout: &PmuLayout) -> Result<()> {
        let conv: &AnalogConversion = layout
            .analogs
            .get(index)
            .ok_or(Error::LayoutMismatch("analog index"))?;
        let raw = if layout.format.analog_float() {
            RawValue::Float(value as f32)
        } else {
            if conv.scale == 0.0 {
                return Err(Error::OutOfRange {
                    field: "ANUNIT",
                    reason: "zero scale cannot encode integer analogs",
                });
            }
            RawValue::Int(sat_i16((value - conv.offset) / conv.scale, 32768.0))
        };
        let slot = self
            .analogs
            .get_mut(index)
            .ok_or(Error::LayoutMismatch("analog index"))?;
        *slot = raw;
        Ok(())
    }
}

/// A data frame's payload: one block per PMU.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataFrame {
    /// PMU blocks, in configuration order.
    pub pmus: Vec<PmuData>,
}

impl DataFrame {
    /// A frame of zeros shaped by `layout`, ready to be filled and encoded
    /// repeatedly without allocating.
    pub fn zeroed(layout: &DataLayout) -> Self {
        Self {
            pmus: layout.pmus.iter().map(PmuData::zeroed).collect(),
        }
    }

    /// Decodes a data frame payload (the bytes between FRACSEC and CHK).
    pub fn parse(payload: &[u8], layout: &DataLayout) -> Result<Self> {
        let expected = layout.payload_len();
        if payload.len() != expected {
            return Err(Error::ConfigMismatch {
                expected,
                actual: payload.len(),
            });
        }
        let mut r = Reader::new(payload);
        let pmus = layout
            .pmus
            .iter()
            .map(|pmu| PmuData::parse(&mut r, pmu))
            .collect::<Result<Vec<_>>>()?;
        r.finish("DIGITAL")?;
        Ok(Self { pmus })
    }

    /// Payload bytes on the wire.
    pub fn payload_len(&self) -> usize {
        self.pmus.iter().map(PmuData::wire_len).sum()
    }

    /// Total frame length when encoded.
    pub fn buffer_len(&self) -> usize {
        super::frame::MIN_FRAME_LEN + self.payload_len()
    }

    /// Checks counts and encodings against a layout.
    pub fn check_layout(&self, layout: &DataLayout) -> Result<()> {
        if self.pmus.len() != layout.pmus.len() {
            return Err(Error::LayoutMismatch("PMU count"));
        }
        self.pmus
            .iter()
            .zip(&layout.pmus)
            .try_for_each(|(d, l)| d.check_layout(l))
    }

    pub(crate) fn write_payload(&self, w: &mut Writer<'_>) -> Result<()> {
        self.pmus.iter().try_for_each(|p| p.write(w))
    }

    /// Encodes a complete data frame into `buf` without allocating; returns the
    /// frame length.
    pub fn encode(&self, header: &FrameHeader, buf: &mut [u8]) -> Result<usize> {
        super::frame::encode_frame(FrameType::Data, header, self.payload_len(), buf, |w| {
            self.write_payload(w)
        })
    }
}
