//! The common frame envelope: SYNC, FRAMESIZE, IDCODE, SOC, FRACSEC … CHK.
//!
//! [`Frame`] is a zero-copy view over a buffer (smoltcp style); [`FrameHeader`]
//! is the plain representation of the header fields that every frame kind shares.
//! The envelope is written around a payload that writes only itself
//! (`Frame::emit_around`, `encode_frame`); no payload writes a header or a CHK.

use super::crc::crc_ccitt;
use super::error::{Error, Result};
use super::wire::Writer;

/// The SYNC byte that starts every frame.
pub const SYNC_BYTE: u8 = 0xAA;
/// Length of the common header (SYNC … FRACSEC).
pub const HEADER_LEN: usize = 14;
/// Length of the CHK trailer.
pub const CHK_LEN: usize = 2;
/// Shortest possible frame: header plus CHK.
pub const MIN_FRAME_LEN: usize = HEADER_LEN + CHK_LEN;
/// Longest possible frame (FRAMESIZE is a u16).
pub const MAX_FRAME_LEN: usize = u16::MAX as usize;

/// Byte ranges of the common header fields.
pub mod field {
    use core::ops::Range;
    /// SYNC word: 0xAA, then frame type and version.
    pub const SYNC: Range<usize> = 0..2;
    /// FRAMESIZE: total frame length including CHK.
    pub const FRAMESIZE: Range<usize> = 2..4;
    /// IDCODE: stream source identifier.
    pub const IDCODE: Range<usize> = 4..6;
    /// SOC: second-of-century (Unix seconds).
    pub const SOC: Range<usize> = 6..10;
    /// FRACSEC: time-quality byte and 24-bit fraction of second.
    pub const FRACSEC: Range<usize> = 10..14;
    /// Start of the frame-specific payload.
    pub const PAYLOAD_START: usize = 14;
}

/// Frame type, bits 6–4 of the second SYNC byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameType {
    /// Data frame (000).
    Data,
    /// Header frame (001), human-readable text.
    Header,
    /// Configuration frame 1 (010): PMU capabilities.
    Config1,
    /// Configuration frame 2 (011): what the data frames carry.
    Config2,
    /// Command frame (100).
    Command,
    /// Configuration frame 3 (101), 2011 only.
    Config3,
}

impl FrameType {
    /// Decodes the 3-bit frame type code.
    pub fn from_code(code: u8) -> Result<Self> {
        Ok(match code {
            0 => Self::Data,
            1 => Self::Header,
            2 => Self::Config1,
            3 => Self::Config2,
            4 => Self::Command,
            5 => Self::Config3,
            other => return Err(Error::BadFrameType(other)),
        })
    }

    /// The 3-bit frame type code.
    pub fn code(self) -> u8 {
        match self {
            Self::Data => 0,
            Self::Header => 1,
            Self::Config1 => 2,
            Self::Config2 => 3,
            Self::Command => 4,
            Self::Config3 => 5,
        }
    }
}

/// Protocol version of IEEE C37.118-2005 frames.
pub const VERSION_2005: u8 = 1;
/// Protocol version of IEEE C37.118.2-2011 frames.
pub const VERSION_2011: u8 = 2;

/// Time-quality byte: the top 8 bits of FRACSEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct TimeQuality {
    /// Bit 7, reserved (kept so that encoding is lossless).
    pub reserved: bool,
    /// Bit 6: leap second direction (raw bit: 0 = add, 1 = delete per the 2011 text).
    pub leap_second_direction: bool,
    /// Bit 5: leap second occurred.
    pub leap_second_occurred: bool,
    /// Bit 4: leap second pending.
    pub leap_second_pending: bool,
    /// Bits 3–0: message time quality code (0 = locked … 0xF = clock failure).
    pub quality_code: u8,
}

impl TimeQuality {
    /// Decodes the time-quality byte.
    pub fn from_byte(b: u8) -> Self {
        Self {
            reserved: b & 0x80 != 0,
            leap_second_direction: b & 0x40 != 0,
            leap_second_occurred: b & 0x20 != 0,
            leap_second_pending: b & 0x10 != 0,
            quality_code: b & 0x0F,
        }
    }

    /// Encodes the time-quality byte.
    pub fn to_byte(self) -> u8 {
        (u8::from(self.reserved) << 7)
            | (u8::from(self.leap_second_direction) << 6)
            | (u8::from(self.leap_second_occurred) << 5)
            | (u8::from(self.leap_second_pending) << 4)
            | (self.quality_code & 0x0F)
    }
}

/// FRACSEC: time quality plus the 24-bit fraction of second (in TIME_BASE ticks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Fracsec {
    /// Time-quality flags.
    pub time_quality: TimeQuality,
    /// Fraction of second in units of 1/TIME_BASE (24 bits).
    pub fraction: u32,
}

impl Fracsec {
    /// Decodes the raw 32-bit FRACSEC word.
    pub fn from_raw(raw: u32) -> Self {
        Self {
            time_quality: TimeQuality::from_byte((raw >> 24) as u8),
            fraction: raw & 0x00FF_FFFF,
        }
    }

    /// Encodes the raw 32-bit FRACSEC word (the fraction is masked to 24 bits).
    pub fn to_raw(self) -> u32 {
        (u32::from(self.time_quality.to_byte()) << 24) | (self.fraction & 0x00FF_FFFF)
    }

    /// Fraction of second as seconds, given the configuration's TIME_BASE.
    pub fn seconds(self, time_base: u32) -> f64 {
        let base = time_base & 0x00FF_FFFF;
        if base == 0 {
            return 0.0;
        }
        f64::from(self.fraction) / f64::from(base)
    }
}

/// Header fields shared by every frame kind (the frame type and FRAMESIZE follow
/// from the payload when encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct FrameHeader {
    /// Protocol version (1 = 2005, 2 = 2011).
    pub version: u8,
    /// IDCODE: data stream (or PMU) identifier.
    pub idcode: u16,
    /// SOC: seconds since 1970-01-01 UTC.
    pub soc: u32,
    /// FRACSEC: time quality and fraction of second.
    pub fracsec: Fracsec,
}

impl FrameHeader {
    /// A 2011 header with the given IDCODE and time.
    pub fn new(idcode: u16, soc: u32, fraction: u32) -> Self {
        Self {
            version: VERSION_2011,
            idcode,
            soc,
            fracsec: Fracsec {
                time_quality: TimeQuality::default(),
                fraction,
            },
        }
    }

    /// A 2011 header for the instant `unix_ns` (nanoseconds since 1970-01-01
    /// UTC), the fraction rounded to the nearest of `time_base` ticks per second.
    pub fn at_unix_nanos(idcode: u16, unix_ns: u64, time_base: u32) -> Self {
        let base = u64::from(time_base & 0x00FF_FFFF).max(1);
        let mut soc = unix_ns / NANOS_PER_SECOND;
        let rem = unix_ns % NANOS_PER_SECOND;
        // rem < 1e9 and base < 2^24: the product fits easily in u64.
        let mut fraction = (rem * base + NANOS_PER_SECOND / 2) / NANOS_PER_SECOND;
        if fraction >= base {
            soc += 1;
            fraction -= base;
        }
        Self::new(
            idcode,
            u32::try_from(soc).unwrap_or(u32::MAX),
            u32::try_from(fraction).unwrap_or(0),
        )
    }

    /// The instant this header describes, in nanoseconds since 1970-01-01 UTC
    /// (fraction rounded to the nearest nanosecond).
    pub fn unix_nanos(&self, time_base: u32) -> u64 {
        let base = u64::from(time_base & 0x00FF_FFFF).max(1);
        let frac = u64::from(self.fracsec.fraction);
        u64::from(self.soc) * NANOS_PER_SECOND + (frac * NANOS_PER_SECOND + base / 2) / base
    }
}

const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// Zero-copy view over one C37.118 frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<T: AsRef<[u8]>> {
    buffer: T,
}

fn be16(b: &[u8], range: core::ops::Range<usize>) -> u16 {
    b.get(range)
        .and_then(|s| <[u8; 2]>::try_from(s).ok())
        .map_or(0, u16::from_be_bytes)
}

fn be32(b: &[u8], range: core::ops::Range<usize>) -> u32 {
    b.get(range)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map_or(0, u32::from_be_bytes)
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// Wraps a buffer without checking anything; accessors then return zeros or
    /// empty slices for fields beyond the buffer instead of panicking.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer that must hold exactly one frame: SYNC byte, a known frame
    /// type, a non-zero version and FRAMESIZE equal to the buffer length.
    /// The CRC is not checked here; see [`Frame::check_crc`].
    pub fn new_checked(buffer: T) -> Result<Self> {
        let frame = Self::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
    }

    /// Checks SYNC, frame type, version and length (not the CRC).
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        let actual = b.len();
        let sync = *b.first().ok_or(Error::Truncated { field: "SYNC" })?;
        if sync != SYNC_BYTE {
            return Err(Error::BadSync(sync));
        }
        let second = *b.get(1).ok_or(Error::Truncated { field: "SYNC" })?;
        if second & 0x80 != 0 {
            return Err(Error::BadFrameType(second >> 4));
        }
        FrameType::from_code((second >> 4) & 0x07)?;
        if second & 0x0F == 0 {
            return Err(Error::BadVersion(0));
        }
        if actual < field::FRAMESIZE.end {
            return Err(Error::Truncated { field: "FRAMESIZE" });
        }
        let declared = usize::from(self.frame_size());
        if declared < MIN_FRAME_LEN || declared != actual {
            return Err(Error::LengthMismatch { declared, actual });
        }
        Ok(())
    }

    /// Checks the CHK field against the CRC of the frame.
    pub fn check_crc(&self) -> Result<()> {
        let received = self.checksum();
        let computed = self.compute_checksum();
        if received == computed {
            Ok(())
        } else {
            Err(Error::CrcMismatch { received, computed })
        }
    }

    /// Consumes the view and returns the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole frame.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Frame type (from bits 6–4 of the second SYNC byte).
    pub fn frame_type(&self) -> Result<FrameType> {
        let second = self.buffer.as_ref().get(1).copied().unwrap_or(0xFF);
        if second & 0x80 != 0 {
            return Err(Error::BadFrameType(second >> 4));
        }
        FrameType::from_code((second >> 4) & 0x07)
    }

    /// Protocol version (bits 3–0 of the second SYNC byte).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref().get(1).map_or(0, |b| b & 0x0F)
    }

    /// FRAMESIZE field.
    pub fn frame_size(&self) -> u16 {
        be16(self.buffer.as_ref(), field::FRAMESIZE)
    }

    /// IDCODE field.
    pub fn idcode(&self) -> u16 {
        be16(self.buffer.as_ref(), field::IDCODE)
    }

    /// SOC field.
    pub fn soc(&self) -> u32 {
        be32(self.buffer.as_ref(), field::SOC)
    }

    /// Raw FRACSEC word.
    pub fn fracsec_raw(&self) -> u32 {
        be32(self.buffer.as_ref(), field::FRACSEC)
    }

    /// Decoded FRACSEC.
    pub fn fracsec(&self) -> Fracsec {
        Fracsec::from_raw(self.fracsec_raw())
    }

    /// The frame-specific bytes between FRACSEC and CHK.
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let end = b.len().saturating_sub(CHK_LEN);
        b.get(field::PAYLOAD_START..end).unwrap_or(&[])
    }

    /// CHK field (last two bytes).
    pub fn checksum(&self) -> u16 {
        let b = self.buffer.as_ref();
        be16(b, b.len().saturating_sub(CHK_LEN)..b.len())
    }

    /// CRC-CCITT over everything but CHK.
    pub fn compute_checksum(&self) -> u16 {
        let b = self.buffer.as_ref();
        crc_ccitt(b.get(..b.len().saturating_sub(CHK_LEN)).unwrap_or(&[]))
    }

    /// The common header as a plain struct.
    pub fn header(&self) -> FrameHeader {
        FrameHeader {
            version: self.version(),
            idcode: self.idcode(),
            soc: self.soc(),
            fracsec: self.fracsec(),
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Frame<T> {
    fn put(&mut self, range: core::ops::Range<usize>, bytes: &[u8]) {
        if let Some(dst) = self.buffer.as_mut().get_mut(range) {
            dst.copy_from_slice(bytes);
        }
    }

    /// Writes the SYNC word.
    pub fn set_sync(&mut self, frame_type: FrameType, version: u8) {
        let second = (frame_type.code() << 4) | (version & 0x0F);
        self.put(field::SYNC, &[SYNC_BYTE, second]);
    }

    /// Writes FRAMESIZE.
    pub fn set_frame_size(&mut self, size: u16) {
        self.put(field::FRAMESIZE, &size.to_be_bytes());
    }

    /// Writes IDCODE.
    pub fn set_idcode(&mut self, idcode: u16) {
        self.put(field::IDCODE, &idcode.to_be_bytes());
    }

    /// Writes SOC.
    pub fn set_soc(&mut self, soc: u32) {
        self.put(field::SOC, &soc.to_be_bytes());
    }

    /// Writes FRACSEC.
    pub fn set_fracsec(&mut self, fracsec: Fracsec) {
        self.put(field::FRACSEC, &fracsec.to_raw().to_be_bytes());
    }

    /// Mutable payload bytes between FRACSEC and CHK.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let b = self.buffer.as_mut();
        let end = b.len().saturating_sub(CHK_LEN);
        b.get_mut(field::PAYLOAD_START..end).unwrap_or(&mut [])
    }

    /// Computes the CRC and writes it into CHK.
    pub fn fill_checksum(&mut self) {
        let crc = self.compute_checksum();
        let len = self.buffer.as_ref().len();
        self.put(len.saturating_sub(CHK_LEN)..len, &crc.to_be_bytes());
    }

    /// Writes all header fields, FRAMESIZE from the buffer length.
    pub fn emit_header(&mut self, frame_type: FrameType, header: &FrameHeader) -> Result<()> {
        let len = self.buffer.as_ref().len();
        let size = u16::try_from(len).map_err(|_| Error::OutOfRange {
            field: "FRAMESIZE",
            reason: "frame longer than 65535 bytes",
        })?;
        if len < MIN_FRAME_LEN {
            return Err(Error::BufferTooSmall {
                needed: MIN_FRAME_LEN,
                available: len,
            });
        }
        self.set_sync(frame_type, header.version);
        self.set_frame_size(size);
        self.set_idcode(header.idcode);
        self.set_soc(header.soc);
        self.set_fracsec(header.fracsec);
        Ok(())
    }

    /// Writes the envelope around a payload: the header (FRAMESIZE from the buffer
    /// length), the payload written by `write_payload`, which must fill the payload
    /// exactly, and CHK.
    pub(crate) fn emit_around(
        &mut self,
        frame_type: FrameType,
        header: &FrameHeader,
        write_payload: impl FnOnce(&mut Writer<'_>) -> Result<()>,
    ) -> Result<()> {
        self.emit_header(frame_type, header)?;
        let payload = self.payload_mut();
        let payload_len = payload.len();
        let mut w = Writer::new(payload);
        write_payload(&mut w)?;
        if w.position() != payload_len {
            return Err(Error::LengthMismatch {
                declared: payload_len,
                actual: w.position(),
            });
        }
        self.fill_checksum();
        Ok(())
    }
}

/// Encodes a frame into the front of `buf`: the header, `payload_len` payload bytes written
/// by `write_payload`, and CHK. Returns the frame length. Does not allocate.
pub(crate) fn encode_frame(
    frame_type: FrameType,
    header: &FrameHeader,
    payload_len: usize,
    buf: &mut [u8],
    write_payload: impl FnOnce(&mut Writer<'_>) -> Result<()>,
) -> Result<usize> {
    let total = MIN_FRAME_LEN + payload_len;
    if total > MAX_FRAME_LEN {
        return Err(Error::OutOfRange {
            field: "FRAMESIZE",
            reason: "frame longer than 65535 bytes",
        });
    }
    let available = buf.len();
    let slot = buf.get_mut(..total).ok_or(Error::BufferTooSmall {
        needed: total,
        available,
    })?;
    Frame::new_unchecked(slot).emit_around(frame_type, header, write_payload)?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fracsec_round_trip_all_bits() {
        for raw in [0u32, 0xFFFF_FFFF, 0x5A12_3456, 0x8F00_0001] {
            assert_eq!(Fracsec::from_raw(raw).to_raw(), raw);
        }
    }

    #[test]
    fn unix_nanos_round_trip() {
        let h = FrameHeader::at_unix_nanos(1, 1_700_000_000_999_999_999, 1_000_000);
        assert_eq!((h.soc, h.fracsec.fraction), (1_700_000_001, 0));
        let h = FrameHeader::at_unix_nanos(1, 1_700_000_000_020_000_000, 1_000_000);
        assert_eq!((h.soc, h.fracsec.fraction), (1_700_000_000, 20_000));
        assert_eq!(h.unix_nanos(1_000_000), 1_700_000_000_020_000_000);
        let h = FrameHeader::at_unix_nanos(1, 1_000_000_000 / 3, 0x00FF_FFFF);
        assert!(h.unix_nanos(0x00FF_FFFF).abs_diff(1_000_000_000 / 3) < 60);
    }

    #[test]
    fn unchecked_view_of_short_buffer_does_not_panic() {
        let frame = Frame::new_unchecked(&[0xAA_u8][..]);
        assert_eq!(frame.frame_size(), 0);
        assert_eq!(frame.payload(), &[] as &[u8]);
        assert_eq!(frame.checksum(), 0);
        assert!(frame.check_len().is_err());
    }

    #[test]
    fn checked_rejects_bad_sync_and_length() {
        let mut buf = [0u8; 16];
        assert_eq!(Frame::new_checked(&buf[..]).unwrap_err(), Error::BadSync(0));
        buf[0] = 0xAA;
        buf[1] = 0x71;
        assert_eq!(
            Frame::new_checked(&buf[..]).unwrap_err(),
            Error::BadFrameType(7)
        );
        buf[1] = 0x01;
        buf[3] = 17;
        assert_eq!(
            Frame::new_checked(&buf[..]).unwrap_err(),
            Error::LengthMismatch {
                declared: 17,
                actual: 16
            }
        );
    }
}
