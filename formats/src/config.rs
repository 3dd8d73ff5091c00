//! Format configuration as written in a node's TOML table.
//!
//! The `format` key of a node takes either a format name, for the defaults, or a table
//! whose `type` names the format and whose other keys configure it:
//!
//! ```toml
//! format = "villas.binary"
//! format = { type = "villas.binary", source_index = 3, validate_source_index = true }
//! format = { type = "gtnet", fake = true }
//! format = { type = "raw", bits = 16, endian = "big", values = "int", header = ["sequence"] }
//! format = { type = "opal.asyncip", dev_id = 1 }
//! ```
//!
//! Unknown keys are errors.

use crate::byte_order::ByteOrder;
use crate::words::WordKind;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

/// Settings of `villas.binary` and `villas.web`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VillasBinaryConfig {
    /// Source index written into byte 1 of every message (default 0).
    #[serde(default)]
    pub source_index: u8,
    /// Whether received messages with another source index are skipped (default false).
    #[serde(default)]
    pub validate_source_index: bool,
}

/// Settings of `villas.human` (none yet).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VillasHumanConfig {}

/// Settings of `gtnet`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GtnetConfig {
    /// Whether the first three words are a "fake header" of sequence, seconds and
    /// nanoseconds, as VILLASnode's `fake` option (default false).
    #[serde(default)]
    pub fake: bool,
}

/// A header word of the `raw` format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeaderField {
    /// The sample's sequence number (truncated to the word width).
    Sequence,
    /// Whole seconds of the origin timestamp (truncated to the word width).
    Seconds,
    /// Nanoseconds within the second of the origin timestamp.
    Nanoseconds,
    /// The origin timestamp in nanoseconds since the epoch (meant for 64-bit words).
    Timestamp,
}

/// Settings of `raw`: a fixed layout of equally wide words.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawFields")]
pub struct RawConfig {
    bits: u32,
    endian: ByteOrder,
    values: WordKind,
    header: Vec<HeaderField>,
}

/// `raw` settings as written, before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFields {
    #[serde(default = "default_bits")]
    bits: u32,
    #[serde(default, alias = "endianess")]
    endian: ByteOrder,
    #[serde(default)]
    values: WordKind,
    #[serde(default)]
    header: Vec<HeaderField>,
}

fn default_bits() -> u32 {
    32
}

impl TryFrom<RawFields> for RawConfig {
    type Error = String;
    fn try_from(fields: RawFields) -> Result<Self, String> {
        RawConfig::new(fields.bits, fields.endian, fields.values, fields.header)
    }
}

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            bits: 32,
            endian: ByteOrder::Little,
            values: WordKind::Auto,
            header: Vec::new(),
        }
    }
}

impl RawConfig {
    /// A validated layout: `bits` is 8, 16, 32 or 64; `float` values need 32 or 64 bits;
    /// each header field appears at most once.
    pub fn new(
        bits: u32,
        endian: ByteOrder,
        values: WordKind,
        header: Vec<HeaderField>,
    ) -> Result<Self, String> {
        if !matches!(bits, 8 | 16 | 32 | 64) {
            return Err(format!(
                "raw format: bits = {bits}, expected 8, 16, 32 or 64"
            ));
        }
        if values == WordKind::Float && bits < 32 {
            return Err(format!(
                "raw format: float values need bits = 32 or 64, not {bits}"
            ));
        }
        for (i, field) in header.iter().enumerate() {
            if header.get(..i).is_some_and(|before| before.contains(field)) {
                return Err(format!("raw format: header field {field:?} appears twice"));
            }
        }
        Ok(RawConfig {
            bits,
            endian,
            values,
            header,
        })
    }

    /// A layout known to be valid (built in code, not read from a file).
    pub(crate) fn new_unchecked(
        bits: u32,
        endian: ByteOrder,
        values: WordKind,
        header: Vec<HeaderField>,
    ) -> Self {
        RawConfig {
            bits,
            endian,
            values,
            header,
        }
    }

    /// Word width in bits.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Byte order of every word.
    pub fn endian(&self) -> ByteOrder {
        self.endian
    }

    /// How value words encode numbers.
    pub fn values(&self) -> WordKind {
        self.values
    }

    /// Header words, in wire order, before the values.
    pub fn header(&self) -> &[HeaderField] {
        &self.header
    }
}

/// Settings of `opal.asyncip`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpalAsyncipConfig {
    /// Device id written into every message (default 0); not checked on receipt.
    #[serde(default)]
    pub dev_id: i16,
}

/// Settings of `csv` (none yet).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvConfig {}

/// Settings of `json` (none yet).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonConfig {}

/// A node's wire format and its settings.
///
/// Deserializes from a plain name (`"villas.binary"`, the defaults) or from a table whose
/// `type` key names the format (`{ type = "gtnet", fake = true }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatConfig {
    /// VILLASnode binary messages, big-endian.
    VillasBinary(VillasBinaryConfig),
    /// VILLASnode binary messages, little-endian.
    VillasWeb(VillasBinaryConfig),
    /// VILLASnode's human-readable lines.
    VillasHuman(VillasHumanConfig),
    /// RTDS GTNET-SKT: big-endian 32-bit words.
    Gtnet(GtnetConfig),
    /// Equally wide words of configurable width, kind and byte order.
    Raw(RawConfig),
    /// OPAL-RT's AsyncIP example layout.
    OpalAsyncip(OpalAsyncipConfig),
    /// One comma-separated line per sample (debugging).
    Csv(CsvConfig),
    /// One JSON object per datagram (debugging).
    Json(JsonConfig),
}

/// The table form of [`FormatConfig`], tagged by `type`.
#[derive(Deserialize)]
#[serde(tag = "type")]
enum TaggedConfig {
    #[serde(rename = "villas.binary")]
    VillasBinary(VillasBinaryConfig),
    #[serde(rename = "villas.web")]
    VillasWeb(VillasBinaryConfig),
    #[serde(rename = "villas.human")]
    VillasHuman(VillasHumanConfig),
    #[serde(rename = "gtnet")]
    Gtnet(GtnetConfig),
    #[serde(rename = "raw")]
    Raw(RawConfig),
    #[serde(rename = "opal.asyncip")]
    OpalAsyncip(OpalAsyncipConfig),
    #[serde(rename = "csv")]
    Csv(CsvConfig),
    #[serde(rename = "json")]
    Json(JsonConfig),
}

impl From<TaggedConfig> for FormatConfig {
    fn from(tagged: TaggedConfig) -> Self {
        match tagged {
            TaggedConfig::VillasBinary(c) => FormatConfig::VillasBinary(c),
            TaggedConfig::VillasWeb(c) => FormatConfig::VillasWeb(c),
            TaggedConfig::VillasHuman(c) => FormatConfig::VillasHuman(c),
            TaggedConfig::Gtnet(c) => FormatConfig::Gtnet(c),
            TaggedConfig::Raw(c) => FormatConfig::Raw(c),
            TaggedConfig::OpalAsyncip(c) => FormatConfig::OpalAsyncip(c),
            TaggedConfig::Csv(c) => FormatConfig::Csv(c),
            TaggedConfig::Json(c) => FormatConfig::Json(c),
        }
    }
}

impl<'de> Deserialize<'de> for FormatConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SpecVisitor)
    }
}

impl Default for FormatConfig {
    fn default() -> Self {
        FormatConfig::VillasBinary(VillasBinaryConfig::default())
    }
}

impl FormatConfig {
    /// Every format name, as written in `type` or as a plain string.
    pub const NAMES: &'static [&'static str] = &[
        "villas.binary",
        "villas.web",
        "villas.human",
        "gtnet",
        "raw",
        "opal.asyncip",
        "csv",
        "json",
    ];

    /// The format's name.
    pub fn name(&self) -> &'static str {
        match self {
            FormatConfig::VillasBinary(_) => "villas.binary",
            FormatConfig::VillasWeb(_) => "villas.web",
            FormatConfig::VillasHuman(_) => "villas.human",
            FormatConfig::Gtnet(_) => "gtnet",
            FormatConfig::Raw(_) => "raw",
            FormatConfig::OpalAsyncip(_) => "opal.asyncip",
            FormatConfig::Csv(_) => "csv",
            FormatConfig::Json(_) => "json",
        }
    }

    /// The named format with default settings; `None` for an unknown name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "villas.binary" => FormatConfig::VillasBinary(VillasBinaryConfig::default()),
            "villas.web" => FormatConfig::VillasWeb(VillasBinaryConfig::default()),
            "villas.human" => FormatConfig::VillasHuman(VillasHumanConfig::default()),
            "gtnet" => FormatConfig::Gtnet(GtnetConfig::default()),
            "raw" => FormatConfig::Raw(RawConfig::default()),
            "opal.asyncip" => FormatConfig::OpalAsyncip(OpalAsyncipConfig::default()),
            "csv" => FormatConfig::Csv(CsvConfig::default()),
            "json" => FormatConfig::Json(JsonConfig::default()),
            _ => return None,
        })
    }
}

/// Reads a name or a table.
struct SpecVisitor;

impl<'de> Visitor<'de> for SpecVisitor {
    type Value = FormatConfig;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a format name such as \"villas.binary\" or a table with a `type` key")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<FormatConfig, E> {
        FormatConfig::from_name(name).ok_or_else(|| E::unknown_variant(name, FormatConfig::NAMES))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FormatConfig, A::Error> {
        TaggedConfig::deserialize(de::value::MapAccessDeserializer::new(map))
            .map(FormatConfig::from)
    }
}
