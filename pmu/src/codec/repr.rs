//! [`FrameRepr`]: a whole frame as plain data, parsed from and emitted to a
//! [`Frame`] view. The envelope (header, CHK) is [`frame`]'s; a payload writes only itself.

use super::command::{Command, HeaderText};
use super::config::Config;
use super::config3::Config3;
use super::data::DataFrame;
use super::error::{Error, Result};
use super::frame::{self, Frame, FrameHeader, FrameType, MIN_FRAME_LEN};
use super::layout::DataLayout;
use super::wire::Writer;

/// The frame-specific content of a frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// Data frame.
    Data(DataFrame),
    /// Header frame.
    Header(HeaderText),
    /// CFG-1.
    Config1(Config),
    /// CFG-2.
    Config2(Config),
    /// Complete CFG-3 (CONT_IDX = 0).
    Config3(Config3),
    /// One fragment of a fragmented CFG-3 (CONT_IDX ≠ 0), payload kept raw.
    Config3Fragment {
        /// CONT_IDX of the fragment.
        cont_idx: u16,
        /// The whole payload, CONT_IDX included.
        bytes: Vec<u8>,
    },
    /// Command frame.
    Command(Command),
}

impl Payload {
    /// The frame type this payload is carried in.
    pub fn frame_type(&self) -> FrameType {
        match self {
            Self::Data(_) => FrameType::Data,
            Self::Header(_) => FrameType::Header,
            Self::Config1(_) => FrameType::Config1,
            Self::Config2(_) => FrameType::Config2,
            Self::Config3(_) | Self::Config3Fragment { .. } => FrameType::Config3,
            Self::Command(_) => FrameType::Command,
        }
    }

    /// Payload bytes on the wire.
    pub fn payload_len(&self) -> usize {
        match self {
            Self::Data(d) => d.payload_len(),
            Self::Header(h) => h.bytes.len(),
            Self::Config1(c) | Self::Config2(c) => c.payload_len(),
            Self::Config3(c) => c.payload_len(),
            Self::Config3Fragment { bytes, .. } => bytes.len(),
            Self::Command(c) => c.payload_len(),
        }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        match self {
            Self::Data(d) => d.write_payload(w),
            Self::Header(h) => w.bytes(&h.bytes),
            Self::Config1(c) | Self::Config2(c) => c.write_payload(w),
            Self::Config3(c) => c.write_payload(w),
            Self::Config3Fragment { bytes, .. } => w.bytes(bytes),
            Self::Command(c) => c.write_payload(w),
        }
    }
}

/// A whole frame as plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameRepr {
    /// Common header fields.
    pub header: FrameHeader,
    /// Frame-specific content.
    pub payload: Payload,
}

impl FrameRepr {
    /// Parses a checked frame: verifies the CRC, then decodes the payload.
    /// Data frames need the layout of the stream's configuration.
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame<T>, layout: Option<&DataLayout>) -> Result<Self> {
        frame.check_len()?;
        frame.check_crc()?;
        let payload_bytes = frame.payload();
        let payload = match frame.frame_type()? {
            FrameType::Data => Payload::Data(DataFrame::parse(
                payload_bytes,
                layout.ok_or(Error::MissingConfig)?,
            )?),
            FrameType::Header => Payload::Header(HeaderText {
                bytes: payload_bytes.to_vec(),
            }),
            FrameType::Config1 => Payload::Config1(Config::parse(payload_bytes)?),
            FrameType::Config2 => Payload::Config2(Config::parse(payload_bytes)?),
            FrameType::Config3 => {
                let cont_idx = payload_bytes
                    .get(..2)
                    .and_then(|b| <[u8; 2]>::try_from(b).ok())
                    .map(u16::from_be_bytes)
                    .ok_or(Error::Truncated { field: "CONT_IDX" })?;
                if cont_idx == 0 {
                    Payload::Config3(Config3::parse(payload_bytes)?)
                } else {
                    Payload::Config3Fragment {
                        cont_idx,
                        bytes: payload_bytes.to_vec(),
                    }
                }
            }
            FrameType::Command => Payload::Command(Command::parse(payload_bytes)?),
        };
        Ok(Self {
            header: frame.header(),
            payload,
        })
    }

    /// Convenience: checks and parses a byte slice holding exactly one frame.
    pub fn parse_bytes(bytes: &[u8], layout: Option<&DataLayout>) -> Result<Self> {
        Self::parse(&Frame::new_checked(bytes)?, layout)
    }

    /// Encoded frame length.
    pub fn buffer_len(&self) -> usize {
        MIN_FRAME_LEN + self.payload.payload_len()
    }

    /// Writes the frame into a view whose buffer is exactly [`Self::buffer_len`]
    /// bytes long (header, payload and CHK). Does not allocate.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut Frame<T>) -> Result<()> {
        let needed = self.buffer_len();
        let available = frame.as_bytes().len();
        if available != needed {
            return Err(Error::LengthMismatch {
                declared: needed,
                actual: available,
            });
        }
        frame.emit_around(self.payload.frame_type(), &self.header, |w| {
            self.payload.write(w)
        })
    }

    /// Encodes the frame into the front of `buf`; returns its length. Does not allocate.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize> {
        frame::encode_frame(
            self.payload.frame_type(),
            &self.header,
            self.payload.payload_len(),
            buf,
            |w| self.payload.write(w),
        )
    }

    /// Encodes the frame into a new vector.
    pub fn to_vec(&self) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; self.buffer_len()];
        self.encode(&mut buf)?;
        Ok(buf)
    }
}
