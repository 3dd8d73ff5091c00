//! The APDU of IEC 60870-5-104: START 0x68, length, four control octets (I, S or U format
//! with the send and receive sequence numbers), then for I frames one ASDU. Also the
//! framing of a TCP byte stream into APDUs.

use super::asdu::{AsduPacket, AsduRepr};
use super::error::{Iec104Error, Result};

/// Byte ranges of the APCI.
pub mod field {
    use core::ops::{Range, RangeFrom};

    /// START (0x68).
    pub const START: usize = 0;
    /// Length of the APDU after this byte (4–253).
    pub const LENGTH: usize = 1;
    /// The four control octets.
    pub const CONTROL: Range<usize> = 2..6;
    /// The ASDU of an I frame.
    pub const ASDU: RangeFrom<usize> = 6..;
    /// Size of the APCI.
    pub const APCI_LEN: usize = 6;
}

/// START byte.
pub const START: u8 = 0x68;
/// Largest APDU (START and length included).
pub const MAX_APDU_LEN: usize = 255;
/// Largest ASDU.
pub const MAX_ASDU_LEN: usize = MAX_APDU_LEN - field::APCI_LEN;
/// Sequence numbers count modulo 2^15.
pub const SEQUENCE_MODULUS: u16 = 1 << 15;

/// The function of a U frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UFunction {
    /// STARTDT act.
    StartDtAct,
    /// STARTDT con.
    StartDtCon,
    /// STOPDT act.
    StopDtAct,
    /// STOPDT con.
    StopDtCon,
    /// TESTFR act.
    TestFrAct,
    /// TESTFR con.
    TestFrCon,
}

impl UFunction {
    /// The first control octet.
    pub const fn control(self) -> u8 {
        match self {
            UFunction::StartDtAct => 0x07,
            UFunction::StartDtCon => 0x0b,
            UFunction::StopDtAct => 0x13,
            UFunction::StopDtCon => 0x23,
            UFunction::TestFrAct => 0x43,
            UFunction::TestFrCon => 0x83,
        }
    }

    fn from_control(byte: u8) -> Option<UFunction> {
        Some(match byte {
            0x07 => UFunction::StartDtAct,
            0x0b => UFunction::StartDtCon,
            0x13 => UFunction::StopDtAct,
            0x23 => UFunction::StopDtCon,
            0x43 => UFunction::TestFrAct,
            0x83 => UFunction::TestFrCon,
            _ => return None,
        })
    }
}

/// The APCI's format and numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Apci {
    /// Numbered information transfer.
    I {
        /// N(S).
        send: u16,
        /// N(R).
        receive: u16,
    },
    /// Numbered supervisory function (acknowledges up to N(R)).
    S {
        /// N(R).
        receive: u16,
    },
    /// Unnumbered control function.
    U(UFunction),
}

/// The size of the APDU at the start of `stream`: `Ok(None)` when its first two bytes are
/// not there yet, an error when the stream is not IEC 104 from here on.
pub fn apdu_len(stream: &[u8]) -> Result<Option<usize>> {
    match stream {
        [] => Ok(None),
        [first, ..] if *first != START => Err(Iec104Error::StartByte { found: *first }),
        [_] => Ok(None),
        [_, length, ..] if !(4..=253).contains(length) => {
            Err(Iec104Error::ApduLength { length: *length })
        }
        [_, length, ..] => Ok(Some(usize::from(*length) + 2)),
    }
}

/// Zero-copy view of one APDU.
#[derive(Debug, Clone)]
pub struct ApduPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ApduPacket<T> {
    /// Wraps a buffer without checks.
    pub const fn new_unchecked(buffer: T) -> Self {
        ApduPacket { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks START, the length field and that the buffer holds the whole APDU.
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        let needed = apdu_len(buf)?.unwrap_or(field::APCI_LEN);
        if buf.len() < needed {
            return Err(Iec104Error::Truncated {
                field: "APDU",
                needed,
                available: buf.len(),
            });
        }
        Ok(())
    }

    /// The length field.
    pub fn length(&self) -> u8 {
        self.buffer
            .as_ref()
            .get(field::LENGTH)
            .copied()
            .unwrap_or(0)
    }

    /// The four control octets.
    pub fn control(&self) -> [u8; 4] {
        let mut out = [0u8; 4];
        if let Some(bytes) = self.buffer.as_ref().get(field::CONTROL) {
            out.copy_from_slice(bytes);
        }
        out
    }

    /// The ASDU bytes (empty for S and U frames).
    pub fn asdu(&self) -> &[u8] {
        let end = usize::from(self.length()) + 2;
        self.buffer
            .as_ref()
            .get(field::APCI_LEN..end)
            .unwrap_or_default()
    }
}

/// A parsed or to-be-emitted APDU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApduRepr<'a> {
    /// Format and sequence numbers.
    pub apci: Apci,
    /// The ASDU of an I frame.
    pub asdu: Option<AsduRepr<'a>>,
}

impl Apci {
    /// Decodes the four control octets.
    pub fn from_control(c: [u8; 4]) -> Result<Apci> {
        let seq = |lo: u8, hi: u8| u16::from_le_bytes([lo, hi]) >> 1;
        if c[0] & 1 == 0 {
            if c[2] & 1 != 0 {
                return Err(Iec104Error::Control { bytes: c });
            }
            Ok(Apci::I {
                send: seq(c[0], c[1]),
                receive: seq(c[2], c[3]),
            })
        } else if c[0] & 3 == 1 {
            if c[0] != 1 || c[1] != 0 || c[2] & 1 != 0 {
                return Err(Iec104Error::Control { bytes: c });
            }
            Ok(Apci::S {
                receive: seq(c[2], c[3]),
            })
        } else {
            match (UFunction::from_control(c[0]), c[1], c[2], c[3]) {
                (Some(f), 0, 0, 0) => Ok(Apci::U(f)),
                _ => Err(Iec104Error::Control { bytes: c }),
            }
        }
    }

    /// Encodes the four control octets (sequence numbers modulo 2^15).
    pub fn to_control(self) -> [u8; 4] {
        let seq = |n: u16| ((n % SEQUENCE_MODULUS) << 1).to_le_bytes();
        match self {
            Apci::I { send, receive } => {
                let [a, b] = seq(send);
                let [c, d] = seq(receive);
                [a, b, c, d]
            }
            Apci::S { receive } => {
                let [c, d] = seq(receive);
                [1, 0, c, d]
            }
            Apci::U(f) => [f.control(), 0, 0, 0],
        }
    }
}

impl<'a> ApduRepr<'a> {
    /// Parses the APDU at the start of `bytes` (bytes after it are ignored).
    pub fn parse(bytes: &'a [u8]) -> Result<ApduRepr<'a>> {
        let packet = ApduPacket::new_checked(bytes)?;
        let apci = Apci::from_control(packet.control())?;
        let length = packet.length();
        let asdu = match apci {
            Apci::I { .. } => {
                if length < 4 + super::asdu::field::HEADER_LEN as u8 {
                    return Err(Iec104Error::FormatLength {
                        format: "I",
                        length,
                    });
                }
                let end = usize::from(length) + 2;
                let asdu = bytes.get(field::APCI_LEN..end).unwrap_or_default();
                Some(AsduRepr::parse(&AsduPacket::new_checked(asdu)?)?)
            }
            Apci::S { .. } | Apci::U(_) if length != 4 => {
                let format = if matches!(apci, Apci::S { .. }) {
                    "S"
                } else {
                    "U"
                };
                return Err(Iec104Error::FormatLength { format, length });
            }
            _ => None,
        };
        Ok(ApduRepr { apci, asdu })
    }

    /// Size of the APDU.
    pub fn buffer_len(&self) -> usize {
        field::APCI_LEN + self.asdu.map_or(0, |a| a.buffer_len())
    }

    /// Writes the APDU at the start of `out`; returns its size.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len();
        if len > MAX_APDU_LEN {
            return Err(Iec104Error::OutOfRange {
                field: "APDU length",
                value: len as u64,
            });
        }
        let available = out.len();
        let buf = out.get_mut(..len).ok_or(Iec104Error::BufferTooSmall {
            field: "APDU",
            needed: len,
            available,
        })?;
        if matches!(self.apci, Apci::I { .. }) != self.asdu.is_some() {
            return Err(Iec104Error::FormatLength {
                format: "I",
                length: (len - 2) as u8,
            });
        }
        let (apci, rest) = buf.split_at_mut(field::APCI_LEN);
        apci[field::START] = START;
        apci[field::LENGTH] = (len - 2) as u8;
        apci[field::CONTROL].copy_from_slice(&self.apci.to_control());
        if let Some(asdu) = &self.asdu {
            asdu.emit(rest)?;
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_fields_round_trip() {
        for apci in [
            Apci::I {
                send: 0,
                receive: 32767,
            },
            Apci::I {
                send: 12345,
                receive: 1,
            },
            Apci::S { receive: 300 },
            Apci::U(UFunction::StartDtAct),
            Apci::U(UFunction::TestFrCon),
        ] {
            assert_eq!(Apci::from_control(apci.to_control()), Ok(apci));
        }
        assert_eq!(
            Apci::from_control([0x02, 0x00, 0x02, 0x00]),
            Ok(Apci::I {
                send: 1,
                receive: 1
            })
        );
        assert!(Apci::from_control([0x0f, 0, 0, 0]).is_err());
        assert!(Apci::from_control([0x07, 1, 0, 0]).is_err());
    }

    #[test]
    fn apdus_frame_and_round_trip() {
        let stream = [
            0x68, 0x04, 0x07, 0, 0, 0, // STARTDT act
            0x68, 0x0e, 0, 0, 0, 0, 100, 1, 6, 0, 10, 0, 0, 0, 0, 20, // C_IC_NA_1
            0x68, 0x04,
        ];
        assert_eq!(apdu_len(&stream), Ok(Some(6)));
        let u = ApduRepr::parse(&stream).unwrap();
        assert_eq!(u.apci, Apci::U(UFunction::StartDtAct));
        let i = ApduRepr::parse(&stream[6..]).unwrap();
        assert_eq!(i.buffer_len(), 16);
        let mut out = [0u8; 32];
        assert_eq!(i.emit(&mut out).unwrap(), 16);
        assert_eq!(&out[..16], &stream[6..22]);
        assert!(matches!(
            ApduRepr::parse(&stream[22..]),
            Err(Iec104Error::Truncated { .. })
        ));
        assert_eq!(
            apdu_len(&[0x69]),
            Err(Iec104Error::StartByte { found: 0x69 })
        );
        assert_eq!(
            apdu_len(&[0x68, 2]),
            Err(Iec104Error::ApduLength { length: 2 })
        );
        // An S frame with an ASDU.
        assert!(matches!(
            ApduRepr::parse(&[0x68, 5, 1, 0, 0, 0, 9]),
            Err(Iec104Error::FormatLength { .. })
        ));
    }
}
