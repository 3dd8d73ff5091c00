//! The savPdu: `[APPLICATION 0] { noASDU [0], security [1] OPT, seqASDU [2] }`.

use super::asdu::{tag as asdu_tag, AsduRepr};
use super::ber::{self, Writer};
use super::error::{Result, SvError};

/// BER tags of the savPdu.
pub mod tag {
    /// savPdu ([APPLICATION 0], constructed).
    pub const SAV_PDU: u8 = 0x60;
    /// noASDU.
    pub const NO_ASDU: u8 = 0x80;
    /// security (ANY, optional; not used by 9-2LE or 61869-9).
    pub const SECURITY: u8 = 0x81;
    /// seqASDU (constructed).
    pub const SEQ_ASDU: u8 = 0xa2;
}

/// Zero-copy view of a savPdu element at the start of a buffer.
#[derive(Debug, Clone)]
pub struct SavPdu<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> SavPdu<T> {
    /// Wraps a buffer without checks.
    pub const fn new_unchecked(buffer: T) -> Self {
        SavPdu { buffer }
    }

    /// Wraps a buffer after checking the savPdu tag and that its length fits.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let pdu = Self::new_unchecked(buffer);
        pdu.check_len()?;
        Ok(pdu)
    }

    /// Checks the outer tag and length.
    pub fn check_len(&self) -> Result<()> {
        ber::read_tagged(self.buffer.as_ref(), tag::SAV_PDU, "savPdu").map(|_| ())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The content of the savPdu element (empty when malformed).
    pub fn content(&self) -> &[u8] {
        ber::read_tagged(self.buffer.as_ref(), tag::SAV_PDU, "savPdu")
            .map(|(content, _)| content)
            .unwrap_or_default()
    }

    /// Size of the whole savPdu element (0 when malformed).
    pub fn total_len(&self) -> usize {
        let buf = self.buffer.as_ref();
        ber::read_tagged(buf, tag::SAV_PDU, "savPdu")
            .map(|(_, rest)| buf.len() - rest.len())
            .unwrap_or(0)
    }
}

/// The ASDUs of a savPdu: still encoded (as parsed) or a caller's slice (to emit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AsduList<'a> {
    /// The content of a parsed seqASDU, already validated, with its ASDU count.
    Encoded {
        /// Number of ASDUs.
        count: usize,
        /// Content of the seqASDU element.
        bytes: &'a [u8],
    },
    /// ASDUs supplied by the caller.
    Slice(&'a [AsduRepr<'a>]),
}

impl<'a> AsduList<'a> {
    /// Number of ASDUs.
    pub fn len(&self) -> usize {
        match self {
            AsduList::Encoded { count, .. } => *count,
            AsduList::Slice(list) => list.len(),
        }
    }

    /// Whether there is no ASDU.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Iterates over the ASDUs without allocating.
    pub fn iter(&self) -> AsduIter<'a> {
        match *self {
            AsduList::Encoded { bytes, .. } => AsduIter::Encoded(bytes),
            AsduList::Slice(list) => AsduIter::Slice(list.iter()),
        }
    }

    /// The `index`-th ASDU.
    pub fn get(&self, index: usize) -> Option<Result<AsduRepr<'a>>> {
        self.iter().nth(index)
    }

    fn content_len(&self) -> usize {
        match self {
            AsduList::Encoded { bytes, .. } => bytes.len(),
            AsduList::Slice(list) => list.iter().map(AsduRepr::buffer_len).sum(),
        }
    }
}

/// Iterator over the ASDUs of an [`AsduList`].
#[derive(Debug, Clone)]
pub enum AsduIter<'a> {
    /// Decoding from seqASDU bytes.
    Encoded(&'a [u8]),
    /// Walking a slice.
    Slice(core::slice::Iter<'a, AsduRepr<'a>>),
}

impl<'a> Iterator for AsduIter<'a> {
    type Item = Result<AsduRepr<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            AsduIter::Slice(iter) => iter.next().copied().map(Ok),
            AsduIter::Encoded(rest) => {
                if rest.is_empty() {
                    return None;
                }
                let item =
                    ber::read_tagged(rest, asdu_tag::ASDU, "ASDU").and_then(|(content, after)| {
                        *rest = after;
                        AsduRepr::parse(content)
                    });
                if item.is_err() {
                    *rest = &[];
                }
                Some(item)
            }
        }
    }
}

/// Parsed savPdu.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SavPduRepr<'a> {
    /// Content of the security element, if present (kept, not interpreted).
    pub security: Option<&'a [u8]>,
    /// The ASDUs.
    pub asdus: AsduList<'a>,
}

impl<'a> SavPduRepr<'a> {
    /// Parses and validates a savPdu, including every ASDU in it.
    pub fn parse(pdu: &SavPdu<&'a [u8]>) -> Result<SavPduRepr<'a>> {
        Self::parse_bytes(pdu.buffer)
    }

    /// Parses a savPdu element at the start of `bytes` (trailing bytes ignored).
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<SavPduRepr<'a>> {
        let (content, _) = ber::read_tagged(bytes, tag::SAV_PDU, "savPdu")?;
        let (no_asdu, rest) = ber::read_tagged(content, tag::NO_ASDU, "noASDU")?;
        let declared = ber::decode_unsigned(no_asdu, 2, "noASDU")?;
        let (next, mut rest) = ber::read_tlv(rest, "seqASDU")?;
        let mut security = None;
        let seq = if next.tag == tag::SECURITY {
            security = Some(next.value);
            let (seq, after) = ber::read_tagged(rest, tag::SEQ_ASDU, "seqASDU")?;
            rest = after;
            seq
        } else if next.tag == tag::SEQ_ASDU {
            next.value
        } else {
            return Err(SvError::UnexpectedTag {
                field: "seqASDU",
                expected: tag::SEQ_ASDU,
                found: next.tag,
            });
        };
        if let Some(&found) = rest.first() {
            return Err(SvError::UnexpectedTag {
                field: "savPdu end",
                expected: 0,
                found,
            });
        }
        let mut count = 0usize;
        for asdu in AsduIter::Encoded(seq) {
            asdu?;
            count += 1;
        }
        if declared != count as u64 {
            return Err(SvError::AsduCount {
                declared,
                found: count,
            });
        }
        Ok(SavPduRepr {
            security,
            asdus: AsduList::Encoded { count, bytes: seq },
        })
    }

    fn content_len(&self, seq_content_len: usize) -> usize {
        ber::tlv_len(ber::unsigned_min_len(self.asdus.len() as u64))
            + self.security.map_or(0, |s| ber::tlv_len(s.len()))
            + ber::tlv_len(seq_content_len)
    }

    /// Size of the whole savPdu element.
    pub fn buffer_len(&self) -> usize {
        ber::tlv_len(self.content_len(self.asdus.content_len()))
    }

    /// Writes the savPdu at the start of the view's buffer; returns its size.
    pub fn emit(&self, pdu: &mut SavPdu<&mut [u8]>) -> Result<usize> {
        let mut writer = Writer::new(pdu.buffer);
        let asdus = self.asdus;
        self.emit_with(&mut writer, asdus.content_len(), |w| match asdus {
            AsduList::Encoded { bytes, .. } => w.put(bytes, "seqASDU"),
            AsduList::Slice(list) => list.iter().try_for_each(|asdu| {
                asdu.emit_with(w, asdu.seq_data.len(), |out| {
                    out.copy_from_slice(asdu.seq_data);
                    Ok(())
                })
            }),
        })?;
        Ok(writer.position())
    }

    /// Writes the savPdu header and lets `write_asdus` write `seq_content_len`
    /// bytes of ASDUs. `self.asdus` only supplies the ASDU count.
    pub(crate) fn emit_with(
        &self,
        writer: &mut Writer<'_>,
        seq_content_len: usize,
        write_asdus: impl FnOnce(&mut Writer<'_>) -> Result<()>,
    ) -> Result<()> {
        writer.put_tag_length(tag::SAV_PDU, self.content_len(seq_content_len), "savPdu")?;
        writer.put_unsigned_min(tag::NO_ASDU, self.asdus.len() as u64, "noASDU")?;
        if let Some(security) = self.security {
            writer.put_tlv(tag::SECURITY, security, "security")?;
        }
        writer.put_tag_length(tag::SEQ_ASDU, seq_content_len, "seqASDU")?;
        let start = writer.position();
        write_asdus(writer)?;
        let written = writer.position() - start;
        if written != seq_content_len {
            return Err(SvError::Count {
                field: "seqASDU bytes",
                given: written,
                expected: seq_content_len,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::asdu::SmpSynch;
    use super::*;

    fn asdu(smp_cnt: u16) -> AsduRepr<'static> {
        AsduRepr {
            sv_id: "MU",
            dat_set: None,
            smp_cnt,
            conf_rev: 1,
            refr_tm: None,
            smp_synch: SmpSynch::Global,
            smp_rate: None,
            seq_data: &[0; 16],
            smp_mod: None,
            gmid_data: None,
        }
    }

    #[test]
    fn slice_emit_parses_back_with_security() {
        let list = [asdu(1), asdu(2), asdu(3)];
        let repr = SavPduRepr {
            security: Some(&[9, 9]),
            asdus: AsduList::Slice(&list),
        };
        let mut buf = vec![0u8; repr.buffer_len()];
        assert_eq!(
            repr.emit(&mut SavPdu::new_unchecked(&mut buf[..])).unwrap(),
            buf.len()
        );
        let view = SavPdu::new_checked(&buf[..]).unwrap();
        assert_eq!(view.total_len(), buf.len());
        let parsed = SavPduRepr::parse(&view).unwrap();
        assert_eq!(parsed.security, Some(&[9u8, 9][..]));
        let counts: Vec<u16> = parsed.asdus.iter().map(|a| a.unwrap().smp_cnt).collect();
        assert_eq!(counts, [1, 2, 3]);
        // Re-emitting the encoded list gives the same bytes.
        let mut again = vec![0u8; parsed.buffer_len()];
        parsed
            .emit(&mut SavPdu::new_unchecked(&mut again[..]))
            .unwrap();
        assert_eq!(again, buf);
    }

    #[test]
    fn wrong_count_is_reported() {
        let list = [asdu(1), asdu(2)];
        let repr = SavPduRepr {
            security: None,
            asdus: AsduList::Slice(&list),
        };
        let mut buf = vec![0u8; repr.buffer_len()];
        repr.emit(&mut SavPdu::new_unchecked(&mut buf[..])).unwrap();
        assert_eq!(&buf[2..5], &[0x80, 1, 2]);
        buf[4] = 3;
        assert_eq!(
            SavPduRepr::parse_bytes(&buf),
            Err(SvError::AsduCount {
                declared: 3,
                found: 2
            })
        );
    }
}
