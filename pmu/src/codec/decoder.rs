//! [`StreamDecoder`]: decodes the frames of one stream, remembering the
//! latest configuration so that data frames can be interpreted.

use super::error::Result;
use super::layout::DataLayout;
use super::repr::{FrameRepr, Payload};

/// Per-stream decoder state: the data layout from the last CFG-2/CFG-3
/// (or CFG-1 while no CFG-2/3 has been seen).
#[derive(Debug, Clone, Default)]
pub struct StreamDecoder {
    layout: Option<DataLayout>,
    from_cfg1: bool,
}

impl StreamDecoder {
    /// A decoder that has seen no configuration yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder primed with a known layout.
    pub fn with_layout(layout: DataLayout) -> Self {
        Self {
            layout: Some(layout),
            from_cfg1: false,
        }
    }

    /// The layout data frames are currently decoded with.
    pub fn layout(&self) -> Option<&DataLayout> {
        self.layout.as_ref()
    }

    /// Checks and decodes one complete frame; configuration frames update the layout.
    pub fn decode(&mut self, bytes: &[u8]) -> Result<FrameRepr> {
        let repr = FrameRepr::parse_bytes(bytes, self.layout.as_ref())?;
        match &repr.payload {
            Payload::Config2(cfg) => {
                self.layout = Some(cfg.layout());
                self.from_cfg1 = false;
            }
            Payload::Config3(cfg) => {
                self.layout = Some(cfg.layout());
                self.from_cfg1 = false;
            }
            Payload::Config1(cfg) if self.layout.is_none() || self.from_cfg1 => {
                self.layout = Some(cfg.layout());
                self.from_cfg1 = true;
            }
            _ => {}
        }
        Ok(repr)
    }
}
