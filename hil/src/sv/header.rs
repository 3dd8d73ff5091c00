//! The eight-byte sampled-values header after the EtherType: APPID, Length,
//! Reserved1 (bit 15 = simulation), Reserved2.

use super::error::{Result, SvError};

/// Byte ranges of the SV header.
pub mod field {
    use core::ops::{Range, RangeFrom};

    /// Application identifier.
    pub const APPID: Range<usize> = 0..2;
    /// Length in bytes from APPID to the end of the APDU.
    pub const LENGTH: Range<usize> = 2..4;
    /// Reserved1; bit 15 is the simulation flag (IEC 61850-9-2 Ed. 2.1).
    pub const RESERVED1: Range<usize> = 4..6;
    /// Reserved2.
    pub const RESERVED2: Range<usize> = 6..8;
    /// The APDU (savPdu).
    pub const APDU: RangeFrom<usize> = 8..;
    /// Header length.
    pub const HEADER_LEN: usize = 8;
}

/// Simulation flag in Reserved1.
pub const SIMULATION_BIT: u16 = 0x8000;

/// Zero-copy view of the SV header and APDU (the Ethernet payload).
#[derive(Debug, Clone)]
pub struct SvPacket<T: AsRef<[u8]>> {
    buffer: T,
}

fn be16(bytes: &[u8], range: core::ops::Range<usize>) -> u16 {
    match bytes.get(range) {
        Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]),
        _ => 0,
    }
}

impl<T: AsRef<[u8]>> SvPacket<T> {
    /// Wraps a buffer without checks; accessors on a short buffer return zeros.
    pub const fn new_unchecked(buffer: T) -> Self {
        SvPacket { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the header is present and that the Length field lies between
    /// the header size and the buffer size (trailing Ethernet padding is allowed).
    pub fn check_len(&self) -> Result<()> {
        let available = self.buffer.as_ref().len();
        if available < field::HEADER_LEN {
            return Err(SvError::Truncated {
                field: "SV header",
                needed: field::HEADER_LEN,
                available,
            });
        }
        let declared = usize::from(self.length());
        if declared < field::HEADER_LEN || declared > available {
            return Err(SvError::LengthField {
                declared,
                actual: available,
            });
        }
        Ok(())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// APPID.
    pub fn app_id(&self) -> u16 {
        be16(self.buffer.as_ref(), field::APPID)
    }

    /// Length field (APPID to end of APDU).
    pub fn length(&self) -> u16 {
        be16(self.buffer.as_ref(), field::LENGTH)
    }

    /// Raw Reserved1.
    pub fn reserved1(&self) -> u16 {
        be16(self.buffer.as_ref(), field::RESERVED1)
    }

    /// Raw Reserved2.
    pub fn reserved2(&self) -> u16 {
        be16(self.buffer.as_ref(), field::RESERVED2)
    }

    /// Simulation flag (Reserved1 bit 15).
    pub fn simulation(&self) -> bool {
        self.reserved1() & SIMULATION_BIT != 0
    }

    /// The APDU bytes the Length field covers (empty if Length is inconsistent).
    pub fn apdu(&self) -> &[u8] {
        let end = usize::from(self.length());
        self.buffer
            .as_ref()
            .get(field::HEADER_LEN..end)
            .unwrap_or_default()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> SvPacket<T> {
    /// Mutable APDU area: everything after the header, regardless of Length.
    pub fn apdu_mut(&mut self) -> &mut [u8] {
        self.buffer
            .as_mut()
            .get_mut(field::APDU)
            .unwrap_or_default()
    }
}

/// Parsed SV header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SvHeaderRepr {
    /// APPID (usually 0x4000..=0x7fff).
    pub app_id: u16,
    /// Simulation flag (Reserved1 bit 15).
    pub simulation: bool,
    /// The other 15 bits of Reserved1 (normally zero).
    pub reserved1: u16,
    /// Reserved2 (normally zero).
    pub reserved2: u16,
}

impl SvHeaderRepr {
    /// Reads the header of a checked packet.
    pub fn parse<T: AsRef<[u8]>>(packet: &SvPacket<T>) -> Result<SvHeaderRepr> {
        packet.check_len()?;
        Ok(SvHeaderRepr {
            app_id: packet.app_id(),
            simulation: packet.simulation(),
            reserved1: packet.reserved1() & !SIMULATION_BIT,
            reserved2: packet.reserved2(),
        })
    }

    /// Header length.
    pub const fn buffer_len(&self) -> usize {
        field::HEADER_LEN
    }

    /// Writes the header; `apdu_len` is the size of the savPdu that follows.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut SvPacket<T>,
        apdu_len: usize,
    ) -> Result<()> {
        let length = apdu_len + field::HEADER_LEN;
        let length = u16::try_from(length).map_err(|_| SvError::OutOfRange {
            field: "SV Length field",
            value: length as u64,
        })?;
        let buf = packet.buffer.as_mut();
        let available = buf.len();
        let header = buf
            .get_mut(..field::HEADER_LEN)
            .ok_or(SvError::BufferTooSmall {
                field: "SV header",
                needed: field::HEADER_LEN,
                available,
            })?;
        let reserved1 =
            (self.reserved1 & !SIMULATION_BIT) | if self.simulation { SIMULATION_BIT } else { 0 };
        header[field::APPID].copy_from_slice(&self.app_id.to_be_bytes());
        header[field::LENGTH].copy_from_slice(&length.to_be_bytes());
        header[field::RESERVED1].copy_from_slice(&reserved1.to_be_bytes());
        header[field::RESERVED2].copy_from_slice(&self.reserved2.to_be_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_with_simulation() {
        let repr = SvHeaderRepr {
            app_id: 0x4001,
            simulation: true,
            reserved1: 0,
            reserved2: 7,
        };
        let mut buf = [0u8; 12];
        repr.emit(&mut SvPacket::new_unchecked(&mut buf[..]), 4)
            .unwrap();
        assert_eq!(&buf[..8], &[0x40, 0x01, 0, 12, 0x80, 0, 0, 7]);
        let packet = SvPacket::new_checked(&buf[..]).unwrap();
        assert_eq!(SvHeaderRepr::parse(&packet).unwrap(), repr);
        assert_eq!(packet.apdu().len(), 4);
    }

    #[test]
    fn inconsistent_length_is_reported() {
        let buf = [0x40, 0, 0, 20, 0, 0, 0, 0, 1, 2];
        assert_eq!(
            SvPacket::new_checked(&buf[..]).unwrap_err(),
            SvError::LengthField {
                declared: 20,
                actual: 10
            }
        );
        let short = [0x40, 0, 0, 4, 0, 0, 0, 0];
        assert!(SvPacket::new_checked(&short[..]).is_err());
        assert!(SvPacket::new_checked(&short[..3]).is_err());
    }
}
