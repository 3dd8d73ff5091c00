//! Command frames: CMD word plus optional extended data.

use super::error::Result;
use super::frame::{FrameHeader, FrameType};
use super::wire::{Reader, Writer};

/// The CMD word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandCode {
    /// 1: turn off transmission of data frames.
    DataOff,
    /// 2: turn on transmission of data frames.
    DataOn,
    /// 3: send the header frame.
    SendHeader,
    /// 4: send CFG-1.
    SendConfig1,
    /// 5: send CFG-2.
    SendConfig2,
    /// 6: send CFG-3.
    SendConfig3,
    /// 8: extended frame (extra data follows CMD).
    Extended,
    /// Any other (reserved or user-defined) code.
    Other(u16),
}

impl CommandCode {
    /// Decodes the CMD word.
    pub fn from_u16(v: u16) -> Self {
        match v {
            1 => Self::DataOff,
            2 => Self::DataOn,
            3 => Self::SendHeader,
            4 => Self::SendConfig1,
            5 => Self::SendConfig2,
            6 => Self::SendConfig3,
            8 => Self::Extended,
            other => Self::Other(other),
        }
    }

    /// The CMD word.
    pub fn to_u16(self) -> u16 {
        match self {
            Self::DataOff => 1,
            Self::DataOn => 2,
            Self::SendHeader => 3,
            Self::SendConfig1 => 4,
            Self::SendConfig2 => 5,
            Self::SendConfig3 => 6,
            Self::Extended => 8,
            Self::Other(v) => v,
        }
    }
}

/// Payload of a command frame.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Command {
    /// CMD word.
    pub code: CommandCode,
    /// Extended frame data (bytes after CMD; usually empty unless `Extended`).
    pub extended: Vec<u8>,
}

impl Command {
    /// A command without extended data.
    pub fn new(code: CommandCode) -> Self {
        Self {
            code,
            extended: Vec::new(),
        }
    }

    /// Decodes a command payload.
    pub fn parse(payload: &[u8]) -> Result<Self> {
        let mut r = Reader::new(payload);
        let code = CommandCode::from_u16(r.u16("CMD")?);
        let rest = r.remaining();
        let extended = r.bytes(rest, "EXTFRAME")?.to_vec();
        Ok(Self { code, extended })
    }

    /// Payload bytes on the wire.
    pub fn payload_len(&self) -> usize {
        2 + self.extended.len()
    }

    /// Total frame length when encoded.
    pub fn buffer_len(&self) -> usize {
        super::frame::MIN_FRAME_LEN + self.payload_len()
    }

    pub(crate) fn write_payload(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u16(self.code.to_u16())?;
        w.bytes(&self.extended)
    }

    /// Encodes a complete command frame into `buf`; returns the frame length.
    pub fn encode(&self, header: &FrameHeader, buf: &mut [u8]) -> Result<usize> {
        super::frame::encode_frame(FrameType::Command, header, self.payload_len(), buf, |w| {
            self.write_payload(w)
        })
    }
}

/// Payload of a header frame: free ASCII text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct HeaderText {
    /// The raw text bytes.
    pub bytes: Vec<u8>,
}

impl HeaderText {
    /// Builds a header frame payload from text.
    pub fn new(text: &str) -> Self {
        Self {
            bytes: text.as_bytes().to_vec(),
        }
    }

    /// The text (lossy for non-UTF-8 bytes).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Total frame length when encoded.
    pub fn buffer_len(&self) -> usize {
        super::frame::MIN_FRAME_LEN + self.bytes.len()
    }

    /// Encodes a complete header frame into `buf`; returns the frame length.
    pub fn encode(&self, header: &FrameHeader, buf: &mut [u8]) -> Result<usize> {
        super::frame::encode_frame(FrameType::Header, header, self.bytes.len(), buf, |w| {
            w.bytes(&self.bytes)
        })
    }
}
