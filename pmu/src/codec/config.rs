//! CFG-1 and CFG-2 frames: TIME_BASE, the PMU blocks with 16-byte channel
//! names and integer units, and DATA_RATE.

use super::error::{Error, Result};
use super::frame::{FrameHeader, FrameType};
use super::layout::{AnalogConversion, DataLayout, PhasorConversion, PmuLayout};
use super::name::Name16;
use super::units::{AnalogUnit, DataFormat, DigitalUnit, NominalFrequency, PhasorUnit};
use super::wire::{count_u16, Reader, Writer};

/// One phasor channel: name and PHUNIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhasorChannel {
    /// Channel name.
    pub name: Name16,
    /// Kind (voltage/current) and integer scale.
    pub unit: PhasorUnit,
}

/// One analog channel: name and ANUNIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalogChannel {
    /// Channel name.
    pub name: Name16,
    /// Kind and user scale.
    pub unit: AnalogUnit,
}

/// One digital status word: 16 bit labels and DIGUNIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DigitalWord {
    /// Labels of bits 0 … 15 in wire order.
    pub names: [Name16; 16],
    /// Normal-state and valid-bit masks.
    pub unit: DigitalUnit,
}

/// One PMU block of a CFG-1/2 frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PmuConfig {
    /// STN: station name.
    pub station: Name16,
    /// IDCODE of the data source.
    pub idcode: u16,
    /// FORMAT of the values in data frames.
    pub format: DataFormat,
    /// Phasor channels (PHNMR of them).
    pub phasors: Vec<PhasorChannel>,
    /// Analog channels (ANNMR of them).
    pub analogs: Vec<AnalogChannel>,
    /// Digital status words (DGNMR of them).
    pub digitals: Vec<DigitalWord>,
    /// FNOM: nominal frequency.
    pub nominal: NominalFrequency,
    /// CFGCNT: configuration change count.
    pub cfgcnt: u16,
}

impl PmuConfig {
    /// A PMU block with no channels yet; add them with the `with_*` builders.
    pub fn new(station: &str, idcode: u16, format: DataFormat, nominal: NominalFrequency) -> Self {
        Self {
            station: Name16::new(station),
            idcode,
            format,
            phasors: Vec::new(),
            analogs: Vec::new(),
            digitals: Vec::new(),
            nominal,
            cfgcnt: 0,
        }
    }

    /// Adds a phasor channel.
    pub fn with_phasor(mut self, name: &str, unit: PhasorUnit) -> Self {
        self.phasors.push(PhasorChannel {
            name: Name16::new(name),
            unit,
        });
        self
    }

    /// Adds an analog channel.
    pub fn with_analog(mut self, name: &str, unit: AnalogUnit) -> Self {
        self.analogs.push(AnalogChannel {
            name: Name16::new(name),
            unit,
        });
        self
    }

    /// Adds a digital status word with up to 16 bit labels.
    pub fn with_digital(mut self, labels: &[&str], unit: DigitalUnit) -> Self {
        let mut word = DigitalWord {
            unit,
            ..DigitalWord::default()
        };
        for (slot, label) in word.names.iter_mut().zip(labels) {
            *slot = Name16::new(label);
        }
        self.digitals.push(word);
        self
    }

    /// The data-frame layout of this block.
    pub fn layout(&self) -> PmuLayout {
        PmuLayout {
            idcode: self.idcode,
            format: self.format,
            nominal_hz: self.nominal.hz(),
            phasors: self
                .phasors
                .iter()
                .map(|p| PhasorConversion {
                    scale: p.unit.scale(),
                    angle_offset: 0.0,
                })
                .collect(),
            analogs: self
                .analogs
                .iter()
                .map(|a| AnalogConversion {
                    scale: f64::from(a.unit.scale()),
                    offset: 0.0,
                })
                .collect(),
            digital_words: self.digitals.len(),
        }
    }

    fn wire_len(&self) -> usize {
        16 + 2
            + 2
            + 6
            + 16 * (self.phasors.len() + self.analogs.len() + 16 * self.digitals.len())
            + 4 * (self.phasors.len() + self.analogs.len() + self.digitals.len())
            + 4
    }

    fn parse(r: &mut Reader<'_>) -> Result<Self> {
        let station = Name16::read(r, "STN")?;
        let idcode = r.u16("IDCODE")?;
        let format = DataFormat {
            raw: r.u16("FORMAT")?,
        };
        let phnmr = usize::from(r.u16("PHNMR")?);
        let annmr = usize::from(r.u16("ANNMR")?);
        let dgnmr = usize::from(r.u16("DGNMR")?);
        // Check the whole block fits before allocating for the counts.
        let fixed = 16 * (phnmr + annmr + 16 * dgnmr) + 4 * (phnmr + annmr + dgnmr) + 4;
        if r.remaining() < fixed {
            return Err(Error::Truncated { field: "CHNAM" });
        }
        let ph_names = (0..phnmr)
            .map(|_| Name16::read(r, "CHNAM"))
            .collect::<Result<Vec<_>>>()?;
        let an_names = (0..annmr)
            .map(|_| Name16::read(r, "CHNAM"))
            .collect::<Result<Vec<_>>>()?;
        let mut digitals = vec![DigitalWord::default(); dgnmr];
        for word in &mut digitals {
            for name in &mut word.names {
                *name = Name16::read(r, "CHNAM")?;
            }
        }
        let phasors = ph_names
            .into_iter()
            .map(|name| {
                Ok(PhasorChannel {
                    name,
                    unit: PhasorUnit {
                        raw: r.u32("PHUNIT")?,
                    },
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let analogs = an_names
            .into_iter()
            .map(|name| {
                Ok(AnalogChannel {
                    name,
                    unit: AnalogUnit {
                        raw: r.u32("ANUNIT")?,
                    },
                })
            })
            .collect::<Result<Vec<_>>>()?;
        for word in &mut digitals {
            word.unit = DigitalUnit {
                normal: r.u16("DIGUNIT")?,
                valid: r.u16("DIGUNIT")?,
            };
        }
        let nominal = NominalFrequency {
            raw: r.u16("FNOM")?,
        };
        let cfgcnt = r.u16("CFGCNT")?;
        Ok(Self {
            station,
            idcode,
            format,
            phasors,
            analogs,
            digitals,
            nominal,
            cfgcnt,
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        self.station.write(w)?;
        w.u16(self.idcode)?;
        w.u16(self.format.raw)?;
        w.u16(count_u16(self.phasors.len(), "PHNMR")?)?;
        w.u16(count_u16(self.analogs.len(), "ANNMR")?)?;
        w.u16(count_u16(self.digitals.len(), "DGNMR")?)?;
        for p in &self.phasors {
            p.name.write(w)?;
        }
        for a in &self.analogs {
            a.name.write(w)?;
        }
        for d in &self.digitals {
            for n in &d.names {
                n.write(w)?;
            }
        }
        for p in &self.phasors {
            w.u32(p.unit.raw)?;
        }
        for a in &self.analogs {
            w.u32(a.unit.raw)?;
        }
        for d in &self.digitals {
            w.u16(d.unit.normal)?;
            w.u16(d.unit.valid)?;
        }
        w.u16(self.nominal.raw)?;
        w.u16(self.cfgcnt)
    }
}

/// Payload of a CFG-1 or CFG-2 frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// TIME_BASE word: low 24 bits = FRACSEC ticks per second, top byte reserved.
    pub time_base: u32,
    /// PMU blocks (NUM_PMU of them).
    pub pmus: Vec<PmuConfig>,
    /// DATA_RATE: frames per second if positive, seconds per frame if negative.
    pub data_rate: i16,
}

impl Config {
    /// A configuration with the given TIME_BASE, data rate and PMU blocks.
    pub fn new(time_base: u32, data_rate: i16, pmus: Vec<PmuConfig>) -> Self {
        Self {
            time_base,
            pmus,
            data_rate,
        }
    }

    /// FRACSEC ticks per second.
    pub fn ticks_per_second(&self) -> u32 {
        self.time_base & 0x00FF_FFFF
    }

    /// Frame rate in frames per second (negative DATA_RATE = seconds per frame).
    pub fn frames_per_second(&self) -> f64 {
        rate_fps(self.data_rate)
    }

    /// Data-frame layout described by this configuration.
    pub fn layout(&self) -> DataLayout {
        DataLayout {
            pmus: self.pmus.iter().map(PmuConfig::layout).collect(),
            time_base: self.ticks_per_second(),
        }
    }

    /// Decodes a CFG-1/2 payload (the bytes between FRACSEC and CHK).
    pub fn parse(payload: &[u8]) -> Result<Self> {
        let mut r = Reader::new(payload);
        let time_base = r.u32("TIME_BASE")?;
        let num_pmu = r.u16("NUM_PMU")?;
        let pmus = (0..num_pmu)
            .map(|_| PmuConfig::parse(&mut r))
            .collect::<Result<Vec<_>>>()?;
        let data_rate = r.i16("DATA_RATE")?;
        r.finish("DATA_RATE")?;
        Ok(Self {
            time_base,
            pmus,
            data_rate,
        })
    }

    /// Payload bytes on the wire.
    pub fn payload_len(&self) -> usize {
        4 + 2 + self.pmus.iter().map(PmuConfig::wire_len).sum::<usize>() + 2
    }

    /// Total frame length when encoded.
    pub fn buffer_len(&self) -> usize {
        super::frame::MIN_FRAME_LEN + self.payload_len()
    }

    pub(crate) fn write_payload(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u32(self.time_base)?;
        w.u16(count_u16(self.pmus.len(), "NUM_PMU")?)?;
        for p in &self.pmus {
            p.write(w)?;
        }
        w.i16(self.data_rate)
    }

    /// Encodes a complete CFG-1 (`cfg1 == true`) or CFG-2 frame into `buf`;
    /// returns the frame length.
    pub fn encode(&self, cfg1: bool, header: &FrameHeader, buf: &mut [u8]) -> Result<usize> {
        let ty = if cfg1 {
            FrameType::Config1
        } else {
            FrameType::Config2
        };
        super::frame::encode_frame(ty, header, self.payload_len(), buf, |w| {
            self.write_payload(w)
        })
    }
}

/// DATA_RATE to frames per second.
pub(crate) fn rate_fps(data_rate: i16) -> f64 {
    match data_rate {
        0 => 0.0,
        r if r > 0 => f64::from(r),
        r => -1.0 / f64::from(r),
    }
}
