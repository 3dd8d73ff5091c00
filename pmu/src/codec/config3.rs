//! CFG-3 frames (2011): length-prefixed names, global PMU ID, float scaling
//! (PHSCALE/ANSCALE), position, service class, window and group delay.
//!
//! Only complete (unfragmented, CONT_IDX = 0) frames are decoded into a
//! [`Config3`]; fragments are reported as raw bytes by the frame parser.

use super::error::{Error, Result};
use super::frame::{FrameHeader, FrameType};
use super::layout::{AnalogConversion, DataLayout, PhasorConversion, PmuLayout};
use super::name::VarName;
use super::units::{AnalogScale, DataFormat, DigitalUnit, NominalFrequency, PhasorScale};
use super::wire::{count_u16, Reader, Writer};

/// One CFG-3 phasor channel.
#[derive(Debug, Clone, PartialEq)]
pub struct PhasorChannel3 {
    /// Channel name.
    pub name: VarName,
    /// PHSCALE record.
    pub scale: PhasorScale,
}

/// One CFG-3 analog channel.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalogChannel3 {
    /// Channel name.
    pub name: VarName,
    /// ANSCALE record.
    pub scale: AnalogScale,
}

/// One CFG-3 digital status word.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DigitalWord3 {
    /// Labels of the 16 bits in wire order (always 16 on the wire).
    pub names: Vec<VarName>,
    /// Normal-state and valid-bit masks.
    pub unit: DigitalUnit,
}

/// One PMU block of a CFG-3 frame.
#[derive(Debug, Clone, PartialEq)]
pub struct PmuConfig3 {
    /// STN: station name.
    pub station: VarName,
    /// IDCODE of the data source.
    pub idcode: u16,
    /// G_PMU_ID: 16-byte global PMU identifier.
    pub global_pmu_id: [u8; 16],
    /// FORMAT of the values in data frames.
    pub format: DataFormat,
    /// Phasor channels.
    pub phasors: Vec<PhasorChannel3>,
    /// Analog channels.
    pub analogs: Vec<AnalogChannel3>,
    /// Digital status words.
    pub digitals: Vec<DigitalWord3>,
    /// PMU_LAT in degrees (WGS84); +/-infinity = unspecified.
    pub latitude: f32,
    /// PMU_LON in degrees (WGS84); +/-infinity = unspecified.
    pub longitude: f32,
    /// PMU_ELEV in metres; +/-infinity = unspecified.
    pub elevation: f32,
    /// SVC_CLASS: b'P' protection or b'M' measurement.
    pub service_class: u8,
    /// WINDOW: measurement window length (µs; negative = ms per the standard's convention).
    pub window: i32,
    /// GRP_DLY: group delay (µs; negative = ms).
    pub group_delay: i32,
    /// FNOM: nominal frequency.
    pub nominal: NominalFrequency,
    /// CFGCNT: configuration change count.
    pub cfgcnt: u16,
}

impl PmuConfig3 {
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
                    scale: f64::from(p.scale.scale),
                    angle_offset: f64::from(p.scale.angle_offset),
                })
                .collect(),
            analogs: self
                .analogs
                .iter()
                .map(|a| AnalogConversion {
                    scale: f64::from(a.scale.scale),
                    offset: f64::from(a.scale.offset),
                })
                .collect(),
            digital_words: self.digitals.len(),
        }
    }

    fn wire_len(&self) -> usize {
        self.station.wire_len()
            + 2
            + 16
            + 2
            + 6
            + self
                .phasors
                .iter()
                .map(|p| p.name.wire_len() + 12)
                .sum::<usize>()
            + self
                .analogs
                .iter()
                .map(|a| a.name.wire_len() + 8)
                .sum::<usize>()
            + self
                .digitals
                .iter()
                .map(|d| d.names.iter().map(VarName::wire_len).sum::<usize>() + 4)
                .sum::<usize>()
            + 12
            + 1
            + 4
            + 4
            + 2
            + 2
    }

    fn parse(r: &mut Reader<'_>) -> Result<Self> {
        let station = VarName::read(r, "STN")?;
        let idcode = r.u16("IDCODE")?;
        let global_pmu_id = r.array("G_PMU_ID")?;
        let format = DataFormat {
            raw: r.u16("FORMAT")?,
        };
        let phnmr = usize::from(r.u16("PHNMR")?);
        let annmr = usize::from(r.u16("ANNMR")?);
        let dgnmr = usize::from(r.u16("DGNMR")?);
        // Every name takes at least its length byte: bound the counts before allocating.
        if r.remaining() < phnmr * 13 + annmr * 9 + dgnmr * 20 {
            return Err(Error::Truncated { field: "CHNAM" });
        }
        let ph_names = (0..phnmr)
            .map(|_| VarName::read(r, "CHNAM"))
            .collect::<Result<Vec<_>>>()?;
        let an_names = (0..annmr)
            .map(|_| VarName::read(r, "CHNAM"))
            .collect::<Result<Vec<_>>>()?;
        let mut digitals = (0..dgnmr)
            .map(|_| {
                Ok(DigitalWord3 {
                    names: (0..16)
                        .map(|_| VarName::read(r, "CHNAM"))
                        .collect::<Result<Vec<_>>>()?,
                    unit: DigitalUnit::default(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let phasors = ph_names
            .into_iter()
            .map(|name| {
                Ok(PhasorChannel3 {
                    name,
                    scale: PhasorScale {
                        modification_flags: r.u16("PHSCALE")?,
                        phasor_type: r.u8("PHSCALE")?,
                        user_flags: r.u8("PHSCALE")?,
                        scale: r.f32("PHSCALE")?,
                        angle_offset: r.f32("PHSCALE")?,
                    },
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let analogs = an_names
            .into_iter()
            .map(|name| {
                Ok(AnalogChannel3 {
                    name,
                    scale: AnalogScale {
                        scale: r.f32("ANSCALE")?,
                        offset: r.f32("ANSCALE")?,
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
        Ok(Self {
            station,
            idcode,
            global_pmu_id,
            format,
            phasors,
            analogs,
            digitals,
            latitude: r.f32("PMU_LAT")?,
            longitude: r.f32("PMU_LON")?,
            elevation: r.f32("PMU_ELEV")?,
            service_class: r.u8("SVC_CLASS")?,
            window: r.i32("WINDOW")?,
            group_delay: r.i32("GRP_DLY")?,
            nominal: NominalFrequency {
                raw: r.u16("FNOM")?,
            },
            cfgcnt: r.u16("CFGCNT")?,
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        self.station.write(w)?;
        w.u16(self.idcode)?;
        w.bytes(&self.global_pmu_id)?;
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
            if d.names.len() != 16 {
                return Err(Error::LayoutMismatch("CFG-3 digital word needs 16 labels"));
            }
            for n in &d.names {
                n.write(w)?;
            }
        }
        for p in &self.phasors {
            let s = &p.scale;
            w.u16(s.modification_flags)?;
            w.u8(s.phasor_type)?;
            w.u8(s.user_flags)?;
            w.f32(s.scale)?;
            w.f32(s.angle_offset)?;
        }
        for a in &self.analogs {
            w.f32(a.scale.scale)?;
            w.f32(a.scale.offset)?;
        }
        for d in &self.digitals {
            w.u16(d.unit.normal)?;
            w.u16(d.unit.valid)?;
        }
        w.f32(self.latitude)?;
        w.f32(self.longitude)?;
        w.f32(self.elevation)?;
        w.u8(self.service_class)?;
        w.i32(self.window)?;
        w.i32(self.group_delay)?;
        w.u16(self.nominal.raw)?;
        w.u16(self.cfgcnt)
    }
}

/// Payload of a complete (CONT_IDX = 0) CFG-3 frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Config3 {
    /// CONT_IDX: 0 for an unfragmented configuration.
    pub cont_idx: u16,
    /// TIME_BASE word: low 24 bits = FRACSEC ticks per second.
    pub time_base: u32,
    /// PMU blocks.
    pub pmus: Vec<PmuConfig3>,
    /// DATA_RATE: frames per second if positive, seconds per frame if negative.
    pub data_rate: i16,
}

impl Config3 {
    /// The CFG-3 equivalent of a CFG-1/2 configuration, so that a PMU described
    /// once can serve CFG-2 and CFG-3: names trimmed, PHUNIT/ANUNIT turned into
    /// PHSCALE/ANSCALE factors, no global ID, position unspecified (infinity),
    /// service class `b'M'`, WINDOW and GRP_DLY zero.
    pub fn from_config(cfg: &super::config::Config) -> Self {
        let name = |n: &super::name::Name16| VarName::new(&n.trimmed());
        let pmus = cfg
            .pmus
            .iter()
            .map(|p| PmuConfig3 {
                station: name(&p.station),
                idcode: p.idcode,
                global_pmu_id: [0; 16],
                format: p.format,
                phasors: p
                    .phasors
                    .iter()
                    .map(|c| PhasorChannel3 {
                        name: name(&c.name),
                        scale: PhasorScale {
                            modification_flags: 0,
                            phasor_type: if c.unit.is_current() { 0x08 } else { 0x00 },
                            user_flags: 0,
                            scale: c.unit.scale() as f32,
                            angle_offset: 0.0,
                        },
                    })
                    .collect(),
                analogs: p
                    .analogs
                    .iter()
                    .map(|c| AnalogChannel3 {
                        name: name(&c.name),
                        scale: AnalogScale {
                            scale: c.unit.scale() as f32,
                            offset: 0.0,
                        },
                    })
                    .collect(),
                digitals: p
                    .digitals
                    .iter()
                    .map(|d| DigitalWord3 {
                        names: d.names.iter().map(name).collect(),
                        unit: d.unit,
                    })
                    .collect(),
                latitude: f32::INFINITY,
                longitude: f32::INFINITY,
                elevation: f32::INFINITY,
                service_class: b'M',
                window: 0,
                group_delay: 0,
                nominal: p.nominal,
                cfgcnt: p.cfgcnt,
            })
            .collect();
        Self {
            cont_idx: 0,
            time_base: cfg.time_base,
            pmus,
            data_rate: cfg.data_rate,
        }
    }

    /// FRACSEC ticks per second.
    pub fn ticks_per_second(&self) -> u32 {
        self.time_base & 0x00FF_FFFF
    }

    /// Data-frame layout described by this configuration.
    pub fn layout(&self) -> DataLayout {
        DataLayout {
            pmus: self.pmus.iter().map(PmuConfig3::layout).collect(),
            time_base: self.ticks_per_second(),
        }
    }

    /// Decodes a CFG-3 payload (bytes between FRACSEC and CHK).
    pub fn parse(payload: &[u8]) -> Result<Self> {
        let mut r = Reader::new(payload);
        let cont_idx = r.u16("CONT_IDX")?;
        let time_base = r.u32("TIME_BASE")?;
        let num_pmu = r.u16("NUM_PMU")?;
        let pmus = (0..num_pmu)
            .map(|_| PmuConfig3::parse(&mut r))
            .collect::<Result<Vec<_>>>()?;
        let data_rate = r.i16("DATA_RATE")?;
        r.finish("DATA_RATE")?;
        Ok(Self {
            cont_idx,
            time_base,
            pmus,
            data_rate,
        })
    }

    /// Payload bytes on the wire.
    pub fn payload_len(&self) -> usize {
        2 + 4 + 2 + self.pmus.iter().map(PmuConfig3::wire_len).sum::<usize>() + 2
    }

    /// Total frame length when encoded.
    pub fn buffer_len(&self) -> usize {
        super::frame::MIN_FRAME_LEN + self.payload_len()
    }

    pub(crate) fn write_payload(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u16(self.cont_idx)?;
        w.u32(self.time_base)?;
        w.u16(count_u16(self.pmus.len(), "NUM_PMU")?)?;
        for p in &self.pmus {
            p.write(w)?;
        }
        w.i16(self.data_rate)
    }

    /// Encodes a complete CFG-3 frame into `buf`; returns the frame length.
    pub fn encode(&self, header: &FrameHeader, buf: &mut [u8]) -> Result<usize> {
        super::frame::encode_frame(FrameType::Config3, header, self.payload_len(), buf, |w| {
            self.write_payload(w)
        })
    }
}
