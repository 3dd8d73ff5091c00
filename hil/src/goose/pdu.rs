//! The goosePdu: `[APPLICATION 1] IMPLICIT SEQUENCE { gocbRef [0], timeAllowedtoLive [1],
//! datSet [2], goID [3] OPT, t [4], stNum [5], sqNum [6], simulation [7], confRev [8],
//! ndsCom [9], numDatSetEntries [10], allData [11], security [12] OPT }` (IEC 61850-8-1).

use super::data::{decode_visible, DataList};
use super::error::{GooseError, Result};
use crate::sv::ber::{self, Writer};
use crate::sv::UtcTime;

/// BER tags of the goosePdu.
pub mod tag {
    /// goosePdu ([APPLICATION 1], constructed).
    pub const GOOSE_PDU: u8 = 0x61;
    /// gocbRef.
    pub const GOCB_REF: u8 = 0x80;
    /// timeAllowedtoLive (ms).
    pub const TIME_ALLOWED_TO_LIVE: u8 = 0x81;
    /// datSet.
    pub const DAT_SET: u8 = 0x82;
    /// goID (optional).
    pub const GO_ID: u8 = 0x83;
    /// t: instant of the last state change (UtcTime).
    pub const T: u8 = 0x84;
    /// stNum.
    pub const ST_NUM: u8 = 0x85;
    /// sqNum.
    pub const SQ_NUM: u8 = 0x86;
    /// simulation (test in edition 1).
    pub const SIMULATION: u8 = 0x87;
    /// confRev.
    pub const CONF_REV: u8 = 0x88;
    /// ndsCom.
    pub const NDS_COM: u8 = 0x89;
    /// numDatSetEntries.
    pub const NUM_DAT_SET_ENTRIES: u8 = 0x8a;
    /// allData (constructed).
    pub const ALL_DATA: u8 = 0xab;
    /// security (optional, skipped).
    pub const SECURITY: u8 = 0x8c;
}

/// Zero-copy view of a goosePdu element at the start of a buffer.
#[derive(Debug, Clone)]
pub struct GoosePdu<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> GoosePdu<T> {
    /// Wraps a buffer without checks.
    pub const fn new_unchecked(buffer: T) -> Self {
        GoosePdu { buffer }
    }

    /// Wraps a buffer after checking the goosePdu tag and that its length fits.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let pdu = Self::new_unchecked(buffer);
        pdu.check_len()?;
        Ok(pdu)
    }

    /// Checks the outer tag and length.
    pub fn check_len(&self) -> Result<()> {
        ber::read_tagged(self.buffer.as_ref(), tag::GOOSE_PDU, "goosePdu")?;
        Ok(())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The content of the goosePdu element (empty when malformed).
    pub fn content(&self) -> &[u8] {
        ber::read_tagged(self.buffer.as_ref(), tag::GOOSE_PDU, "goosePdu")
            .map(|(content, _)| content)
            .unwrap_or_default()
    }

    /// Size of the whole goosePdu element (0 when malformed).
    pub fn total_len(&self) -> usize {
        let buf = self.buffer.as_ref();
        ber::read_tagged(buf, tag::GOOSE_PDU, "goosePdu")
            .map(|(_, rest)| buf.len() - rest.len())
            .unwrap_or(0)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> GoosePdu<T> {
    /// The whole buffer, to emit into.
    pub fn buffer_mut(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }
}

/// A parsed or to-be-emitted goosePdu. Strings and allData borrow from the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GoosePduRepr<'a> {
    /// GOOSE control block reference (`LD/LLN0$GO$name`).
    pub gocb_ref: &'a str,
    /// How long the message is valid, in milliseconds.
    pub time_allowed_to_live: u32,
    /// Dataset reference (`LD/LLN0$name`).
    pub dat_set: &'a str,
    /// goID.
    pub go_id: Option<&'a str>,
    /// Instant of the last state change.
    pub t: UtcTime,
    /// State number: incremented on every change of the dataset.
    pub st_num: u32,
    /// Sequence number: counts the repeats of one state.
    pub sq_num: u32,
    /// Simulation (edition 2; "test" in edition 1).
    pub simulation: bool,
    /// Configuration revision.
    pub conf_rev: u32,
    /// Needs commissioning.
    pub nds_com: bool,
    /// Number of dataset entries.
    pub num_dat_set_entries: u32,
    /// The dataset's values.
    pub all_data: DataList<'a>,
}

/// Reads a field that must come next with `tag`.
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn take(&mut self, tag: u8, field: &'static str) -> Result<&'a [u8]> {
        match self.peek() {
            None => Err(GooseError::Missing { field }),
            Some(found) if found != tag => {
                // A tag of a later field means this one is missing; anything else is
                // out of place.
                if found > tag && found & 0xc0 == 0x80 {
                    Err(GooseError::Missing { field })
                } else {
                    Err(GooseError::Order { field })
                }
            }
            Some(_) => {
                let (value, rest) = ber::read_tagged(self.rest, tag, field)?;
                self.rest = rest;
                Ok(value)
            }
        }
    }

    fn optional(&mut self, tag: u8, field: &'static str) -> Result<Option<&'a [u8]>> {
        if self.peek() == Some(tag) {
            self.take(tag, field).map(Some)
        } else {
            Ok(None)
        }
    }

    fn unsigned32(&mut self, tag: u8, field: &'static str) -> Result<u32> {
        let value = self.take(tag, field)?;
        let number = ber::decode_unsigned(value, 4, field)?;
        u32::try_from(number).map_err(|_| GooseError::Encoding {
            field,
            length: value.len(),
        })
    }

    fn boolean(&mut self, tag: u8, field: &'static str) -> Result<bool> {
        match self.take(tag, field)? {
            [b] => Ok(*b != 0),
            other => Err(GooseError::Encoding {
                field,
                length: other.len(),
            }),
        }
    }
}

impl<'a> GoosePduRepr<'a> {
    /// Parses a checked goosePdu, validating allData (nested structures included) and
    /// that it holds numDatSetEntries values.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(pdu: &GoosePdu<&'a T>) -> Result<GoosePduRepr<'a>> {
        let buffer: &'a T = pdu.buffer;
        let (content, _) = ber::read_tagged(buffer.as_ref(), tag::GOOSE_PDU, "goosePdu")?;
        Self::parse_content(content)
    }

    /// Parses a goosePdu element at the start of `bytes`.
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<GoosePduRepr<'a>> {
        let (content, _) = ber::read_tagged(bytes, tag::GOOSE_PDU, "goosePdu")?;
        Self::parse_content(content)
    }

    fn parse_content(content: &'a [u8]) -> Result<GoosePduRepr<'a>> {
        let mut f = Fields { rest: content };
        let gocb_ref = decode_visible(f.take(tag::GOCB_REF, "gocbRef")?, "gocbRef")?;
        let time_allowed_to_live = f.unsigned32(tag::TIME_ALLOWED_TO_LIVE, "timeAllowedtoLive")?;
        let dat_set = decode_visible(f.take(tag::DAT_SET, "datSet")?, "datSet")?;
        let go_id = f
            .optional(tag::GO_ID, "goID")?
            .map(|v| decode_visible(v, "goID"))
            .transpose()?;
        let t = match <[u8; 8]>::try_from(f.take(tag::T, "t")?) {
            Ok(bytes) => UtcTime::from_bytes(bytes),
            Err(_) => {
                return Err(GooseError::Encoding {
                    field: "t",
                    length: 0,
                })
            }
        };
        let st_num = f.unsigned32(tag::ST_NUM, "stNum")?;
        let sq_num = f.unsigned32(tag::SQ_NUM, "sqNum")?;
        let simulation = f.boolean(tag::SIMULATION, "simulation")?;
        let conf_rev = f.unsigned32(tag::CONF_REV, "confRev")?;
        let nds_com = f.boolean(tag::NDS_COM, "ndsCom")?;
        let num_dat_set_entries = f.unsigned32(tag::NUM_DAT_SET_ENTRIES, "numDatSetEntries")?;
        let all_data = DataList::parse(f.take(tag::ALL_DATA, "allData")?, 1)?;
        f.optional(tag::SECURITY, "security")?;
        if let Some(found) = f.peek() {
            return Err(GooseError::UnknownData { tag: found });
        }
        if usize::try_from(num_dat_set_entries).ok() != Some(all_data.len()) {
            return Err(GooseError::EntryCount {
                declared: num_dat_set_entries,
                found: all_data.len(),
            });
        }
        Ok(GoosePduRepr {
            gocb_ref,
            time_allowed_to_live,
            dat_set,
            go_id,
            t,
            st_num,
            sq_num,
            simulation,
            conf_rev,
            nds_com,
            num_dat_set_entries,
            all_data,
        })
    }

    fn content_len(&self) -> usize {
        ber::tlv_len(self.gocb_ref.len())
            + ber::tlv_len(ber::unsigned_min_len(u64::from(self.time_allowed_to_live)))
            + ber::tlv_len(self.dat_set.len())
            + self.go_id.map_or(0, |id| ber::tlv_len(id.len()))
            + ber::tlv_len(UtcTime::LEN)
            + ber::tlv_len(ber::unsigned_min_len(u64::from(self.st_num)))
            + ber::tlv_len(ber::unsigned_min_len(u64::from(self.sq_num)))
            + ber::tlv_len(1)
            + ber::tlv_len(ber::unsigned_min_len(u64::from(self.conf_rev)))
            + ber::tlv_len(1)
            + ber::tlv_len(ber::unsigned_min_len(u64::from(self.num_dat_set_entries)))
            + ber::tlv_len(self.all_data.content_len())
    }

    /// Size of the whole goosePdu element.
    pub fn buffer_len(&self) -> usize {
        ber::tlv_len(self.content_len())
    }

    /// Writes the goosePdu at the start of the view's buffer; returns its size.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, pdu: &mut GoosePdu<T>) -> Result<usize> {
        let mut w = Writer::new(pdu.buffer_mut());
        self.emit_into(&mut w)?;
        Ok(w.position())
    }

    /// Writes the goosePdu with a BER writer.
    pub fn emit_into(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put_tag_length(tag::GOOSE_PDU, self.content_len(), "goosePdu")?;
        w.put_tlv(tag::GOCB_REF, self.gocb_ref.as_bytes(), "gocbRef")?;
        w.put_unsigned_min(
            tag::TIME_ALLOWED_TO_LIVE,
            u64::from(self.time_allowed_to_live),
            "timeAllowedtoLive",
        )?;
        w.put_tlv(tag::DAT_SET, self.dat_set.as_bytes(), "datSet")?;
        if let Some(id) = self.go_id {
            w.put_tlv(tag::GO_ID, id.as_bytes(), "goID")?;
        }
        w.put_tlv(tag::T, &self.t.to_bytes(), "t")?;
        w.put_unsigned_min(tag::ST_NUM, u64::from(self.st_num), "stNum")?;
        w.put_unsigned_min(tag::SQ_NUM, u64::from(self.sq_num), "sqNum")?;
        w.put_tlv(tag::SIMULATION, &[u8::from(self.simulation)], "simulation")?;
        w.put_unsigned_min(tag::CONF_REV, u64::from(self.conf_rev), "confRev")?;
        w.put_tlv(tag::NDS_COM, &[u8::from(self.nds_com)], "ndsCom")?;
        w.put_unsigned_min(
            tag::NUM_DAT_SET_ENTRIES,
            u64::from(self.num_dat_set_entries),
            "numDatSetEntries",
        )?;
        w.put_tag_length(tag::ALL_DATA, self.all_data.content_len(), "allData")?;
        self.all_data.emit_content(w)
    }
}
