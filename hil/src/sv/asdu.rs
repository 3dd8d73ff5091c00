//! One ASDU of the savPdu: `SEQUENCE { svID [0], datSet [1] OPT, smpCnt [2],
//! confRev [3], refrTm [4] OPT, smpSynch [5], smpRate [6] OPT, seqData [7],
//! smpMod [8] OPT, gmidData [9] OPT }`.

use super::ber::{self, Writer};
use super::error::{Result, SvError};
use super::time::UtcTime;

/// BER tags of the ASDU and its fields (context-specific, primitive).
pub mod tag {
    /// ASDU (universal SEQUENCE).
    pub const ASDU: u8 = 0x30;
    /// svID.
    pub const SV_ID: u8 = 0x80;
    /// datSet.
    pub const DAT_SET: u8 = 0x81;
    /// smpCnt.
    pub const SMP_CNT: u8 = 0x82;
    /// confRev.
    pub const CONF_REV: u8 = 0x83;
    /// refrTm.
    pub const REFR_TM: u8 = 0x84;
    /// smpSynch.
    pub const SMP_SYNCH: u8 = 0x85;
    /// smpRate.
    pub const SMP_RATE: u8 = 0x86;
    /// seqData.
    pub const SEQ_DATA: u8 = 0x87;
    /// smpMod.
    pub const SMP_MOD: u8 = 0x88;
    /// gmidData.
    pub const GMID_DATA: u8 = 0x89;
}

/// Sizes libiec61850 writes for the fixed-width integers (and this codec too;
/// smpSynch is written in minimal BER form, at most two bytes).
const SMP_CNT_LEN: usize = 2;
const CONF_REV_LEN: usize = 4;
const SMP_SYNCH_LEN: usize = 1;
const SMP_RATE_LEN: usize = 2;
const SMP_MOD_LEN: usize = 2;
/// Size of gmidData (an IEEE 1588 clock identity).
pub const GMID_LEN: usize = 8;

/// Synchronisation state of the sampling clock (smpSynch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SmpSynch {
    /// 0: not synchronised.
    #[default]
    None,
    /// 1: synchronised to a local clock.
    Local,
    /// 2: synchronised to a global area clock.
    Global,
    /// 5..=254: synchronised by PTP to the grandmaster with this id (61869-9).
    Ptp(u8),
    /// 3, 4 and 255: reserved values, kept as received.
    Reserved(u8),
}

impl SmpSynch {
    /// Decodes the wire value.
    pub const fn from_u8(value: u8) -> SmpSynch {
        match value {
            0 => SmpSynch::None,
            1 => SmpSynch::Local,
            2 => SmpSynch::Global,
            5..=254 => SmpSynch::Ptp(value),
            _ => SmpSynch::Reserved(value),
        }
    }

    /// The wire value.
    pub const fn to_u8(self) -> u8 {
        match self {
            SmpSynch::None => 0,
            SmpSynch::Local => 1,
            SmpSynch::Global => 2,
            SmpSynch::Ptp(v) | SmpSynch::Reserved(v) => v,
        }
    }

    /// Whether the samples are synchronised at all.
    pub const fn is_synchronized(self) -> bool {
        !matches!(self, SmpSynch::None | SmpSynch::Reserved(_))
    }
}

/// Meaning of smpRate (smpMod).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmpMod {
    /// 0: samples per nominal period.
    SamplesPerPeriod,
    /// 1: samples per second.
    SamplesPerSecond,
    /// 2: seconds per sample.
    SecondsPerSample,
    /// Any other value, kept as received.
    Other(u16),
}

impl SmpMod {
    /// Decodes the wire value.
    pub const fn from_u16(value: u16) -> SmpMod {
        match value {
            0 => SmpMod::SamplesPerPeriod,
            1 => SmpMod::SamplesPerSecond,
            2 => SmpMod::SecondsPerSample,
            _ => SmpMod::Other(value),
        }
    }

    /// The wire value.
    pub const fn to_u16(self) -> u16 {
        match self {
            SmpMod::SamplesPerPeriod => 0,
            SmpMod::SamplesPerSecond => 1,
            SmpMod::SecondsPerSample => 2,
            SmpMod::Other(v) => v,
        }
    }
}

/// One ASDU, borrowing its strings and seqData from the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AsduRepr<'a> {
    /// svID (VisibleString).
    pub sv_id: &'a str,
    /// datSet reference, if sent.
    pub dat_set: Option<&'a str>,
    /// Sample counter.
    pub smp_cnt: u16,
    /// Configuration revision.
    pub conf_rev: u32,
    /// Refresh time, if sent.
    pub refr_tm: Option<UtcTime>,
    /// Synchronisation state.
    pub smp_synch: SmpSynch,
    /// Sample rate, if sent.
    pub smp_rate: Option<u16>,
    /// The dataset values (see [`Dataset`](super::Dataset) to decode them).
    pub seq_data: &'a [u8],
    /// Meaning of smpRate, if sent.
    pub smp_mod: Option<SmpMod>,
    /// PTP grandmaster identity, if sent.
    pub gmid_data: Option<[u8; GMID_LEN]>,
}

/// Checks a VisibleString and borrows it as `&str`.
pub(crate) fn visible_str<'a>(bytes: &'a [u8], field: &'static str) -> Result<&'a str> {
    if let Some(&byte) = bytes.iter().find(|b| !(0x20..=0x7e).contains(*b)) {
        return Err(SvError::InvalidString { field, byte });
    }
    core::str::from_utf8(bytes).map_err(|_| SvError::InvalidString { field, byte: 0 })
}

/// Records that a field was seen; rejects duplicates.
fn mark(seen: &mut u16, bit: u8, field: &'static str) -> Result<()> {
    let mask = 1u16 << (bit & 0x0f);
    if *seen & mask != 0 {
        return Err(SvError::Duplicate { field });
    }
    *seen |= mask;
    Ok(())
}

impl<'a> AsduRepr<'a> {
    /// Parses the content of one ASDU (the bytes inside its `0x30` element).
    ///
    /// Fields are found by tag; unknown context-specific primitive tags (future
    /// extensions) are skipped, duplicates and missing mandatory fields rejected.
    pub fn parse(content: &'a [u8]) -> Result<AsduRepr<'a>> {
        let mut sv_id = None;
        let mut dat_set = None;
        let mut smp_cnt = None;
        let mut conf_rev = None;
        let mut refr_tm = None;
        let mut smp_synch = None;
        let mut smp_rate = None;
        let mut seq_data = None;
        let mut smp_mod = None;
        let mut gmid_data = None;
        let mut seen = 0u16;
        let mut rest = content;
        while !rest.is_empty() {
            let (tlv, after) = ber::read_tlv(rest, "ASDU field")?;
            rest = after;
            let value = tlv.value;
            match tlv.tag {
                tag::SV_ID => {
                    mark(&mut seen, 0, "svID")?;
                    sv_id = Some(visible_str(value, "svID")?);
                }
                tag::DAT_SET => {
                    mark(&mut seen, 1, "datSet")?;
                    dat_set = Some(visible_str(value, "datSet")?);
                }
                tag::SMP_CNT => {
                    mark(&mut seen, 2, "smpCnt")?;
                    smp_cnt = Some(ber::decode_unsigned(value, SMP_CNT_LEN, "smpCnt")? as u16);
                }
                tag::CONF_REV => {
                    mark(&mut seen, 3, "confRev")?;
                    conf_rev = Some(ber::decode_unsigned(value, CONF_REV_LEN, "confRev")? as u32);
                }
                tag::REFR_TM => {
                    mark(&mut seen, 4, "refrTm")?;
                    let bytes: [u8; 8] = value.try_into().map_err(|_| SvError::Truncated {
                        field: "refrTm",
                        needed: UtcTime::LEN,
                        available: value.len(),
                    })?;
                    refr_tm = Some(UtcTime::from_bytes(bytes));
                }
                tag::SMP_SYNCH => {
                    mark(&mut seen, 5, "smpSynch")?;
                    let raw = ber::decode_unsigned(value, SMP_SYNCH_LEN, "smpSynch")?;
                    smp_synch = Some(SmpSynch::from_u8(raw as u8));
                }
                tag::SMP_RATE => {
                    mark(&mut seen, 6, "smpRate")?;
                    smp_rate = Some(ber::decode_unsigned(value, SMP_RATE_LEN, "smpRate")? as u16);
                }
                tag::SEQ_DATA => {
                    mark(&mut seen, 7, "seqData")?;
                    seq_data = Some(value);
                }
                tag::SMP_MOD => {
                    mark(&mut seen, 8, "smpMod")?;
                    let raw = ber::decode_unsigned(value, SMP_MOD_LEN, "smpMod")?;
                    smp_mod = Some(SmpMod::from_u16(raw as u16));
                }
                tag::GMID_DATA => {
                    mark(&mut seen, 9, "gmidData")?;
                    let bytes: [u8; GMID_LEN] =
                        value.try_into().map_err(|_| SvError::Truncated {
                            field: "gmidData",
                            needed: GMID_LEN,
                            available: value.len(),
                        })?;
                    gmid_data = Some(bytes);
                }
                0x8a..=0x9e => {}
                found => {
                    return Err(SvError::UnexpectedTag {
                        field: "ASDU field",
                        expected: tag::SV_ID,
                        found,
                    })
                }
            }
        }
        Ok(AsduRepr {
            sv_id: sv_id.ok_or(SvError::Missing { field: "svID" })?,
            dat_set,
            smp_cnt: smp_cnt.ok_or(SvError::Missing { field: "smpCnt" })?,
            conf_rev: conf_rev.ok_or(SvError::Missing { field: "confRev" })?,
            refr_tm,
            smp_synch: smp_synch.ok_or(SvError::Missing { field: "smpSynch" })?,
            smp_rate,
            seq_data: seq_data.ok_or(SvError::Missing { field: "seqData" })?,
            smp_mod,
            gmid_data,
        })
    }

    /// Size of the ASDU content (inside its `0x30` element) for a seqData of
    /// `seq_data_len` bytes.
    pub fn content_len_with(&self, seq_data_len: usize) -> usize {
        let mut len = ber::tlv_len(self.sv_id.len())
            + ber::tlv_len(SMP_CNT_LEN)
            + ber::tlv_len(CONF_REV_LEN)
            + ber::tlv_len(ber::unsigned_min_len(u64::from(self.smp_synch.to_u8())))
            + ber::tlv_len(seq_data_len);
        if let Some(dat_set) = self.dat_set {
            len += ber::tlv_len(dat_set.len());
        }
        if self.refr_tm.is_some() {
            len += ber::tlv_len(UtcTime::LEN);
        }
        if self.smp_rate.is_some() {
            len += ber::tlv_len(SMP_RATE_LEN);
        }
        if self.smp_mod.is_some() {
            len += ber::tlv_len(SMP_MOD_LEN);
        }
        if self.gmid_data.is_some() {
            len += ber::tlv_len(GMID_LEN);
        }
        len
    }

    /// Size of the whole ASDU element (tag, length and content).
    pub fn buffer_len(&self) -> usize {
        ber::tlv_len(self.content_len_with(self.seq_data.len()))
    }

    /// Writes the whole ASDU element into `buf`; returns the bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let mut writer = Writer::new(buf);
        self.emit_with(&mut writer, self.seq_data.len(), |out| {
            out.copy_from_slice(self.seq_data);
            Ok(())
        })?;
        Ok(writer.position())
    }

    /// Writes the ASDU with a seqData of `seq_data_len` bytes that `fill` writes
    /// in place (`self.seq_data` is ignored). Lets publishers encode values
    /// straight into the frame.
    pub(crate) fn emit_with(
        &self,
        writer: &mut Writer<'_>,
        seq_data_len: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<()>,
    ) -> Result<()> {
        visible_str(self.sv_id.as_bytes(), "svID")?;
        writer.put_tag_length(tag::ASDU, self.content_len_with(seq_data_len), "ASDU")?;
        writer.put_tlv(tag::SV_ID, self.sv_id.as_bytes(), "svID")?;
        if let Some(dat_set) = self.dat_set {
            visible_str(dat_set.as_bytes(), "datSet")?;
            writer.put_tlv(tag::DAT_SET, dat_set.as_bytes(), "datSet")?;
        }
        writer.put_tlv(tag::SMP_CNT, &self.smp_cnt.to_be_bytes(), "smpCnt")?;
        writer.put_tlv(tag::CONF_REV, &self.conf_rev.to_be_bytes(), "confRev")?;
        if let Some(refr_tm) = self.refr_tm {
            writer.put_tlv(tag::REFR_TM, &refr_tm.to_bytes(), "refrTm")?;
        }
        // Minimal BER, so 128..=255 get a leading zero byte: tshark and other BER
        // decoders read a lone 0xfe as -2. (libiec61850 always writes one byte.)
        writer.put_unsigned_min(
            tag::SMP_SYNCH,
            u64::from(self.smp_synch.to_u8()),
            "smpSynch",
        )?;
        if let Some(smp_rate) = self.smp_rate {
            writer.put_tlv(tag::SMP_RATE, &smp_rate.to_be_bytes(), "smpRate")?;
        }
        writer.put_tag_length(tag::SEQ_DATA, seq_data_len, "seqData")?;
        fill(writer.reserve(seq_data_len, "seqData")?)?;
        if let Some(smp_mod) = self.smp_mod {
            writer.put_tlv(tag::SMP_MOD, &smp_mod.to_u16().to_be_bytes(), "smpMod")?;
        }
        if let Some(gmid) = self.gmid_data {
            writer.put_tlv(tag::GMID_DATA, &gmid, "gmidData")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> AsduRepr<'static> {
        AsduRepr {
            sv_id: "MU01",
            dat_set: Some("IED/LLN0$PhsMeas1"),
            smp_cnt: 0x8001,
            conf_rev: 0x8000_0001,
            refr_tm: Some(UtcTime {
                seconds: 1_700_000_000,
                fraction: 0x12_3456,
                quality: 0x0a,
            }),
            smp_synch: SmpSynch::Ptp(7),
            smp_rate: Some(4800),
            seq_data: &[1, 2, 3, 4, 5, 6, 7, 8],
            smp_mod: Some(SmpMod::SamplesPerSecond),
            gmid_data: Some([1, 2, 3, 4, 5, 6, 7, 8]),
        }
    }

    #[test]
    fn every_field_round_trips() {
        let asdu = full();
        let mut buf = vec![0u8; asdu.buffer_len()];
        assert_eq!(asdu.emit(&mut buf).unwrap(), buf.len());
        let (content, rest) = ber::read_tagged(&buf, tag::ASDU, "ASDU").unwrap();
        assert!(rest.is_empty());
        assert_eq!(AsduRepr::parse(content).unwrap(), asdu);
    }

    #[test]
    fn minimal_integers_and_extensions_are_accepted() {
        // svID "A", smpCnt 1 byte, confRev 1 byte, smpSynch, seqData, unknown [10].
        let content = [
            0x80, 1, b'A', 0x82, 1, 5, 0x83, 1, 1, 0x85, 1, 2, 0x87, 0, 0x8a, 1, 0xff,
        ];
        let asdu = AsduRepr::parse(&content).unwrap();
        assert_eq!(
            (asdu.smp_cnt, asdu.conf_rev, asdu.smp_synch),
            (5, 1, SmpSynch::Global)
        );
    }

    #[test]
    fn missing_duplicate_and_bad_fields_are_named() {
        let no_synch = [0x80, 1, b'A', 0x82, 1, 5, 0x83, 1, 1, 0x87, 0];
        assert_eq!(
            AsduRepr::parse(&no_synch),
            Err(SvError::Missing { field: "smpSynch" })
        );
        let dup = [0x80, 1, b'A', 0x80, 1, b'B'];
        assert_eq!(
            AsduRepr::parse(&dup),
            Err(SvError::Duplicate { field: "svID" })
        );
        let bad_str = [0x80, 1, 0x07];
        assert!(matches!(
            AsduRepr::parse(&bad_str),
            Err(SvError::InvalidString {
                field: "svID",
                byte: 7
            })
        ));
        let wide = [0x82, 3, 1, 0, 0];
        assert!(matches!(
            AsduRepr::parse(&wide),
            Err(SvError::IntegerWidth {
                field: "smpCnt",
                ..
            })
        ));
        let bad_time = [0x84, 2, 0, 0];
        assert!(matches!(
            AsduRepr::parse(&bad_time),
            Err(SvError::Truncated {
                field: "refrTm",
                ..
            })
        ));
    }

    #[test]
    fn smp_synch_values_map_both_ways() {
        for v in 0..=255u8 {
            assert_eq!(SmpSynch::from_u8(v).to_u8(), v);
        }
        assert!(SmpSynch::Ptp(9).is_synchronized());
        assert!(!SmpSynch::None.is_synchronized());
        for v in [0u16, 1, 2, 3, 0xffff] {
            assert_eq!(SmpMod::from_u16(v).to_u16(), v);
        }
    }
}
