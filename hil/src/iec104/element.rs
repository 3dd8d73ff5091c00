//! Information elements: what one information object carries after its address, by type
//! (without the time tag, which `asdu.rs` reads). Quality descriptors and command
//! qualifiers stay raw bytes, with masks to read them, so that everything re-emits exactly.

use super::error::{Iec104Error, Result};
use super::time::Cp56Time2a;
use super::type_id::TypeId;

/// Bits of the quality descriptors (QDS, SIQ, DIQ).
pub mod quality {
    /// OV: overflow (QDS only).
    pub const OVERFLOW: u8 = 0x01;
    /// BL: blocked.
    pub const BLOCKED: u8 = 0x10;
    /// SB: substituted.
    pub const SUBSTITUTED: u8 = 0x20;
    /// NT: not topical.
    pub const NOT_TOPICAL: u8 = 0x40;
    /// IV: invalid.
    pub const INVALID: u8 = 0x80;
}

/// Bits of command qualifiers (SCO, DCO, RCO, QOS).
pub mod qualifier {
    /// S/E: select (1) or execute (0).
    pub const SELECT: u8 = 0x80;
}

/// One information element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Element<'a> {
    /// SIQ (M_SP_*): the state and the quality bits.
    SinglePoint {
        /// SPI.
        on: bool,
        /// Quality bits (BL, SB, NT, IV).
        quality: u8,
    },
    /// DIQ (M_DP_*): 0 indeterminate, 1 off, 2 on, 3 indeterminate.
    DoublePoint {
        /// DPI.
        state: u8,
        /// Quality bits.
        quality: u8,
    },
    /// VTI + QDS (M_ST_*).
    StepPosition {
        /// Value −64…63.
        value: i8,
        /// Transient.
        transient: bool,
        /// QDS.
        quality: u8,
    },
    /// BSI + QDS (M_BO_*).
    Bitstring {
        /// The 32 bits.
        bits: u32,
        /// QDS.
        quality: u8,
    },
    /// NVA + QDS (M_ME_NA_1, M_ME_TD_1) or NVA alone (M_ME_ND_1: `quality` None).
    Normalized {
        /// −32768…32767 for −1…1−2⁻¹⁵.
        value: i16,
        /// QDS.
        quality: Option<u8>,
    },
    /// SVA + QDS (M_ME_NB_1, M_ME_TE_1).
    Scaled {
        /// The value.
        value: i16,
        /// QDS.
        quality: u8,
    },
    /// IEEE 754 + QDS (M_ME_NC_1, M_ME_TF_1).
    ShortFloat {
        /// The value.
        value: f32,
        /// QDS.
        quality: u8,
    },
    /// BCR (M_IT_*): the counter and its sequence/flags byte.
    IntegratedTotal {
        /// Counter reading.
        counter: i32,
        /// Sequence number (bits 0–4), CY, CA, IV.
        flags: u8,
    },
    /// SCO (C_SC_*): bit 0 the state, bits 2–6 the qualifier, bit 7 select.
    SingleCommand {
        /// The SCO byte.
        sco: u8,
    },
    /// DCO (C_DC_*): bits 0–1 the state (1 off, 2 on), bits 2–6 qualifier, bit 7 select.
    DoubleCommand {
        /// The DCO byte.
        dco: u8,
    },
    /// RCO (C_RC_*): bits 0–1 (1 lower, 2 higher), qualifier, select.
    RegulatingStep {
        /// The RCO byte.
        rco: u8,
    },
    /// NVA + QOS (C_SE_NA_1, C_SE_TA_1).
    SetpointNormalized {
        /// The value.
        value: i16,
        /// QOS: bits 0–6 QL, bit 7 select.
        qos: u8,
    },
    /// SVA + QOS (C_SE_NB_1, C_SE_TB_1).
    SetpointScaled {
        /// The value.
        value: i16,
        /// QOS.
        qos: u8,
    },
    /// IEEE 754 + QOS (C_SE_NC_1, C_SE_TC_1).
    SetpointFloat {
        /// The value.
        value: f32,
        /// QOS.
        qos: u8,
    },
    /// BSI (C_BO_*).
    BitstringCommand {
        /// The 32 bits.
        bits: u32,
    },
    /// COI (M_EI_NA_1).
    EndOfInitialisation {
        /// Cause of initialisation.
        coi: u8,
    },
    /// QOI (C_IC_NA_1): 20 station interrogation, 21–36 groups 1–16.
    Interrogation {
        /// Qualifier of interrogation.
        qoi: u8,
    },
    /// QCC (C_CI_NA_1).
    CounterInterrogation {
        /// Qualifier of counter interrogation.
        qcc: u8,
    },
    /// C_RD_NA_1: no element.
    Read,
    /// C_CS_NA_1: the time to set.
    ClockSync {
        /// The time.
        time: Cp56Time2a,
    },
    /// Any other known type (protection events, parameters, test and reset commands):
    /// the element's bytes, without the time tag.
    Raw(&'a [u8]),
}

fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = bytes.get(..N) {
        out.copy_from_slice(src);
    }
    out
}

impl<'a> Element<'a> {
    /// Decodes an element of `type_id` from exactly its bytes (time tag excluded).
    pub fn parse(type_id: TypeId, bytes: &'a [u8]) -> Result<Element<'a>> {
        let b = |i: usize| bytes.get(i).copied().unwrap_or(0);
        let i16_at = |i: usize| i16::from_le_bytes([b(i), b(i + 1)]);
        let f32_at = |i: usize| f32::from_le_bytes(array::<4>(bytes.get(i..).unwrap_or_default()));
        let u32_at = |i: usize| u32::from_le_bytes(array::<4>(bytes.get(i..).unwrap_or_default()));
        Ok(match type_id.0 {
            1 | 30 => Element::SinglePoint {
                on: b(0) & 1 != 0,
                quality: b(0) & 0xfe,
            },
            3 | 31 => Element::DoublePoint {
                state: b(0) & 3,
                quality: b(0) & 0xfc,
            },
            5 | 32 => Element::StepPosition {
                value: (((b(0) & 0x7f) << 1) as i8) >> 1,
                transient: b(0) & 0x80 != 0,
                quality: b(1),
            },
            7 | 33 => Element::Bitstring {
                bits: u32_at(0),
                quality: b(4),
            },
            9 | 34 => Element::Normalized {
                value: i16_at(0),
                quality: Some(b(2)),
            },
            21 => Element::Normalized {
                value: i16_at(0),
                quality: None,
            },
            11 | 35 => Element::Scaled {
                value: i16_at(0),
                quality: b(2),
            },
            13 | 36 => Element::ShortFloat {
                value: f32_at(0),
                quality: b(4),
            },
            15 | 37 => Element::IntegratedTotal {
                counter: u32_at(0) as i32,
                flags: b(4),
            },
            45 | 58 => Element::SingleCommand { sco: b(0) },
            46 | 59 => Element::DoubleCommand { dco: b(0) },
            47 | 60 => Element::RegulatingStep { rco: b(0) },
            48 | 61 => Element::SetpointNormalized {
                value: i16_at(0),
                qos: b(2),
            },
            49 | 62 => Element::SetpointScaled {
                value: i16_at(0),
                qos: b(2),
            },
            50 | 63 => Element::SetpointFloat {
                value: f32_at(0),
                qos: b(4),
            },
            51 | 64 => Element::BitstringCommand { bits: u32_at(0) },
            70 => Element::EndOfInitialisation { coi: b(0) },
            100 => Element::Interrogation { qoi: b(0) },
            101 => Element::CounterInterrogation { qcc: b(0) },
            102 => Element::Read,
            103 => Element::ClockSync {
                time: Cp56Time2a::from_bytes(array::<7>(bytes)),
            },
            _ if type_id.is_known() => Element::Raw(bytes),
            other => return Err(Iec104Error::UnsupportedType { type_id: other }),
        })
    }

    /// Whether the element can be sent in an ASDU of `type_id`.
    pub fn fits(&self, type_id: TypeId) -> bool {
        let t = type_id.0;
        match self {
            Element::SinglePoint { .. } => matches!(t, 1 | 30),
            Element::DoublePoint { .. } => matches!(t, 3 | 31),
            Element::StepPosition { .. } => matches!(t, 5 | 32),
            Element::Bitstring { .. } => matches!(t, 7 | 33),
            Element::Normalized {
                quality: Some(_), ..
            } => matches!(t, 9 | 34),
            Element::Normalized { quality: None, .. } => t == 21,
            Element::Scaled { .. } => matches!(t, 11 | 35),
            Element::ShortFloat { .. } => matches!(t, 13 | 36),
            Element::IntegratedTotal { .. } => matches!(t, 15 | 37),
            Element::SingleCommand { .. } => matches!(t, 45 | 58),
            Element::DoubleCommand { .. } => matches!(t, 46 | 59),
            Element::RegulatingStep { .. } => matches!(t, 47 | 60),
            Element::SetpointNormalized { .. } => matches!(t, 48 | 61),
            Element::SetpointScaled { .. } => matches!(t, 49 | 62),
            Element::SetpointFloat { .. } => matches!(t, 50 | 63),
            Element::BitstringCommand { .. } => matches!(t, 51 | 64),
            Element::EndOfInitialisation { .. } => t == 70,
            Element::Interrogation { .. } => t == 100,
            Element::CounterInterrogation { .. } => t == 101,
            Element::Read => t == 102,
            Element::ClockSync { .. } => t == 103,
            Element::Raw(bytes) => {
                let base = type_id.element_len().map(|n| {
                    n - if type_id.has_time() {
                        Cp56Time2a::LEN
                    } else {
                        0
                    }
                });
                base == Some(bytes.len())
            }
        }
    }

    /// Writes the element into `out` (exactly its size for the type); returns the size.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        let mut buf = [0u8; 16];
        let len = match *self {
            Element::SinglePoint { on, quality } => {
                buf[0] = (quality & 0xfe) | u8::from(on);
                1
            }
            Element::DoublePoint { state, quality } => {
                buf[0] = (quality & 0xfc) | (state & 3);
                1
            }
            Element::StepPosition {
                value,
                transient,
                quality,
            } => {
                buf[0] = (value as u8 & 0x7f) | if transient { 0x80 } else { 0 };
                buf[1] = quality;
                2
            }
            Element::Bitstring { bits, quality } => {
                buf[..4].copy_from_slice(&bits.to_le_bytes());
                buf[4] = quality;
                5
            }
            Element::Normalized { value, quality } => {
                buf[..2].copy_from_slice(&value.to_le_bytes());
                match quality {
                    Some(q) => {
                        buf[2] = q;
                        3
                    }
                    None => 2,
                }
            }
            Element::Scaled { value, quality } => {
                buf[..2].copy_from_slice(&value.to_le_bytes());
                buf[2] = quality;
                3
            }
            Element::ShortFloat { value, quality } => {
                buf[..4].copy_from_slice(&value.to_le_bytes());
                buf[4] = quality;
                5
            }
            Element::IntegratedTotal { counter, flags } => {
                buf[..4].copy_from_slice(&counter.to_le_bytes());
                buf[4] = flags;
                5
            }
            Element::SingleCommand { sco: x }
            | Element::DoubleCommand { dco: x }
            | Element::RegulatingStep { rco: x }
            | Element::EndOfInitialisation { coi: x }
            | Element::Interrogation { qoi: x }
            | Element::CounterInterrogation { qcc: x } => {
                buf[0] = x;
                1
            }
            Element::SetpointNormalized { value, qos } | Element::SetpointScaled { value, qos } => {
                buf[..2].copy_from_slice(&value.to_le_bytes());
                buf[2] = qos;
                3
            }
            Element::SetpointFloat { value, qos } => {
                buf[..4].copy_from_slice(&value.to_le_bytes());
                buf[4] = qos;
                5
            }
            Element::BitstringCommand { bits } => {
                buf[..4].copy_from_slice(&bits.to_le_bytes());
                4
            }
            Element::Read => 0,
            Element::ClockSync { time } => {
                buf[..7].copy_from_slice(&time.to_bytes());
                7
            }
            Element::Raw(bytes) => {
                let available = out.len();
                let dst = out
                    .get_mut(..bytes.len())
                    .ok_or(Iec104Error::BufferTooSmall {
                        field: "information element",
                        needed: bytes.len(),
                        available,
                    })?;
                dst.copy_from_slice(bytes);
                return Ok(bytes.len());
            }
        };
        let available = out.len();
        let dst = out.get_mut(..len).ok_or(Iec104Error::BufferTooSmall {
            field: "information element",
            needed: len,
            available,
        })?;
        dst.copy_from_slice(buf.get(..len).unwrap_or_default());
        Ok(len)
    }

    /// The element's main value as a number: states and counters as integers, measured
    /// values as given (normalised values in −1…1), `None` for system commands.
    pub fn value(&self) -> Option<f64> {
        Some(match *self {
            Element::SinglePoint { on, .. } => f64::from(u8::from(on)),
            Element::DoublePoint { state, .. } => f64::from(state),
            Element::StepPosition { value, .. } => f64::from(value),
            Element::Bitstring { bits, .. } | Element::BitstringCommand { bits } => f64::from(bits),
            Element::Normalized { value, .. } | Element::SetpointNormalized { value, .. } => {
                f64::from(value) / 32768.0
            }
            Element::Scaled { value, .. } | Element::SetpointScaled { value, .. } => {
                f64::from(value)
            }
            Element::ShortFloat { value, .. } | Element::SetpointFloat { value, .. } => {
                f64::from(value)
            }
            Element::IntegratedTotal { counter, .. } => f64::from(counter),
            Element::SingleCommand { sco } => f64::from(sco & 1),
            Element::DoubleCommand { dco } => f64::from(dco & 3),
            Element::RegulatingStep { rco } => f64::from(rco & 3),
            _ => return None,
        })
    }

    /// The quality descriptor of monitoring elements (0 = good).
    pub fn quality(&self) -> Option<u8> {
        match *self {
            Element::SinglePoint { quality, .. }
            | Element::DoublePoint { quality, .. }
            | Element::StepPosition { quality, .. }
            | Element::Bitstring { quality, .. }
            | Element::Scaled { quality, .. }
            | Element::ShortFloat { quality, .. } => Some(quality),
            Element::Normalized { quality, .. } => quality,
            _ => None,
        }
    }

    /// Whether a command element asks to select (rather than execute).
    pub fn is_select(&self) -> bool {
        match *self {
            Element::SingleCommand { sco: x }
            | Element::DoubleCommand { dco: x }
            | Element::RegulatingStep { rco: x }
            | Element::SetpointNormalized { qos: x, .. }
            | Element::SetpointScaled { qos: x, .. }
            | Element::SetpointFloat { qos: x, .. } => x & qualifier::SELECT != 0,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_round_trip() {
        let cases: &[(u8, &[u8])] = &[
            (1, &[0x81]),
            (3, &[0x42]),
            (5, &[0xc1, 0x10]),
            (5, &[0x7f, 0x00]),
            (7, &[1, 2, 3, 4, 0x80]),
            (9, &[0x00, 0x80, 0x01]),
            (21, &[0xff, 0x7f]),
            (11, &[0x10, 0x27, 0x00]),
            (13, &[0x00, 0x00, 0x48, 0x42, 0x00]),
            (15, &[0xff, 0xff, 0xff, 0xff, 0x25]),
            (45, &[0x81]),
            (46, &[0x02]),
            (48, &[0x00, 0x40, 0x80]),
            (50, &[0, 0, 0x80, 0x3f, 0]),
            (51, &[9, 8, 7, 6]),
            (100, &[20]),
            (103, &[0x10, 0x27, 0x3b, 0x17, 0x3f, 0x0c, 0x63]),
            (110, &[1, 2, 3]),
        ];
        for (t, bytes) in cases {
            let e = Element::parse(TypeId(*t), bytes).unwrap();
            assert!(e.fits(TypeId(*t)), "{t}: {e:?}");
            let mut out = [0u8; 16];
            let n = e.emit(&mut out).unwrap();
            assert_eq!(&out[..n], *bytes, "type {t}");
        }
        assert_eq!(
            Element::parse(TypeId(5), &[0x41, 0]).unwrap(),
            Element::StepPosition {
                value: -63,
                transient: false,
                quality: 0
            }
        );
        assert_eq!(
            Element::parse(TypeId(13), &[0, 0, 0x48, 0x42, 0x80])
                .unwrap()
                .value(),
            Some(50.0)
        );
        assert!(Element::parse(TypeId(120), &[]).is_err());
        assert!(Element::SetpointFloat {
            value: 1.0,
            qos: 0x80
        }
        .is_select());
    }
}
