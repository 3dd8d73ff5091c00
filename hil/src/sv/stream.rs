//! [`SvStream`]: the description of one published stream, and frame building
//! from it straight into a caller's buffer (no allocation per frame).

use super::asdu::{visible_str, AsduRepr, SmpMod, SmpSynch, GMID_LEN};
use super::ber::{self, Writer};
use super::dataset::{Dataset, RawValue};
use super::error::{Result, SvError};
use super::ethernet::{EthernetFrame, EthernetRepr, MacAddress, VlanTag, ETHERTYPE_SV};
use super::frame::{MAX_FRAME_LEN, MIN_FRAME_LEN};
use super::header::{SvHeaderRepr, SvPacket};
use super::pdu::{AsduList, SavPduRepr};
use super::profile::Profile;
use super::quality::Quality;
use super::time::UtcTime;

/// One published sampled-values stream (one svID, one APPID).
#[derive(Debug, Clone, PartialEq)]
pub struct SvStream {
    /// svID (VisibleString).
    pub sv_id: String,
    /// datSet reference, sent when set (9-2LE leaves it out).
    pub dat_set: Option<String>,
    /// APPID.
    pub app_id: u16,
    /// Destination MAC (01-0C-CD-04-00-00 ... 01-0C-CD-04-01-FF).
    pub dst: MacAddress,
    /// Source MAC (the interface's address; set by the publisher node).
    pub src: MacAddress,
    /// 802.1Q tag; `None` sends untagged frames.
    pub vlan: Option<VlanTag>,
    /// confRev.
    pub conf_rev: u32,
    /// smpSynch written into every ASDU.
    pub smp_synch: SmpSynch,
    /// smpRate, sent when set.
    pub smp_rate: Option<u16>,
    /// smpMod, sent when set.
    pub smp_mod: Option<SmpMod>,
    /// gmidData, sent when set.
    pub gmid_data: Option<[u8; GMID_LEN]>,
    /// Simulation flag (Reserved1 bit 15).
    pub simulation: bool,
    /// seqData layout.
    pub dataset: Dataset,
    /// ASDUs per frame.
    pub asdus_per_frame: u8,
    /// smpCnt wraps to 0 at this value (samples per second), 1..=65536.
    pub smp_cnt_wrap: u32,
}

impl SvStream {
    /// A stream following `profile`: multicast 01-0C-CD-04-00-01, VLAN priority 4
    /// id 0 (as libiec61850), confRev 1, smpSynch none, no optional fields.
    pub fn new(sv_id: &str, app_id: u16, profile: &Profile) -> Result<SvStream> {
        SvStream::with_dataset(
            sv_id,
            app_id,
            profile.dataset(),
            profile.asdus_per_frame,
            profile.smp_cnt_wrap(),
        )
    }

    /// A stream with a custom dataset.
    pub fn with_dataset(
        sv_id: &str,
        app_id: u16,
        dataset: Dataset,
        asdus_per_frame: u8,
        smp_cnt_wrap: u32,
    ) -> Result<SvStream> {
        let stream = SvStream {
            sv_id: sv_id.to_owned(),
            dat_set: None,
            app_id,
            dst: MacAddress::sv_multicast(1),
            src: MacAddress::default(),
            vlan: Some(VlanTag::DEFAULT_SV),
            conf_rev: 1,
            smp_synch: SmpSynch::None,
            smp_rate: None,
            smp_mod: None,
            gmid_data: None,
            simulation: false,
            dataset,
            asdus_per_frame,
            smp_cnt_wrap,
        };
        stream.validate()?;
        Ok(stream)
    }

    /// Checks every field (call again after changing public fields).
    pub fn validate(&self) -> Result<()> {
        visible_str(self.sv_id.as_bytes(), "svID")?;
        if let Some(dat_set) = &self.dat_set {
            visible_str(dat_set.as_bytes(), "datSet")?;
        }
        if self.asdus_per_frame == 0 {
            return Err(SvError::OutOfRange {
                field: "ASDUs per frame",
                value: 0,
            });
        }
        if self.smp_cnt_wrap == 0 || self.smp_cnt_wrap > 65536 {
            return Err(SvError::OutOfRange {
                field: "smpCnt wrap",
                value: u64::from(self.smp_cnt_wrap),
            });
        }
        if let Some(tag) = self.vlan {
            tag.to_tci()?;
        }
        let len = self.unpadded_len();
        if len > MAX_FRAME_LEN {
            return Err(SvError::OutOfRange {
                field: "SV frame length",
                value: len as u64,
            });
        }
        Ok(())
    }

    /// Values (and qualities) one frame carries: channels × ASDUs per frame.
    pub fn values_per_frame(&self) -> usize {
        self.dataset.len() * usize::from(self.asdus_per_frame)
    }

    /// smpCnt of ASDU `index` of a frame whose first ASDU has `first`.
    pub fn smp_cnt_at(&self, first: u16, index: usize) -> u16 {
        let wrap = u64::from(self.smp_cnt_wrap.max(1));
        ((u64::from(first) + index as u64) % wrap) as u16
    }

    /// smpCnt of the first ASDU of the frame after one that started at `first`.
    pub fn next_smp_cnt(&self, first: u16) -> u16 {
        self.smp_cnt_at(first, usize::from(self.asdus_per_frame))
    }

    fn asdu_template(&self, smp_cnt: u16, refr_tm: Option<UtcTime>) -> AsduRepr<'_> {
        AsduRepr {
            sv_id: &self.sv_id,
            dat_set: self.dat_set.as_deref(),
            smp_cnt,
            conf_rev: self.conf_rev,
            refr_tm,
            smp_synch: self.smp_synch,
            smp_rate: self.smp_rate,
            seq_data: &[],
            smp_mod: self.smp_mod,
            gmid_data: self.gmid_data,
        }
    }

    fn ethernet(&self) -> EthernetRepr {
        EthernetRepr {
            dst: self.dst,
            src: self.src,
            vlan: self.vlan,
            ethertype: ETHERTYPE_SV,
        }
    }

    fn pdu_shell(&self) -> SavPduRepr<'static> {
        SavPduRepr {
            security: None,
            asdus: AsduList::Encoded {
                count: usize::from(self.asdus_per_frame),
                bytes: &[],
            },
        }
    }

    fn seq_asdu_len(&self, with_refr_tm: bool) -> usize {
        let refr_tm = with_refr_tm.then_some(UtcTime::default());
        let content = self
            .asdu_template(0, refr_tm)
            .content_len_with(self.dataset.seq_data_len());
        ber::tlv_len(content) * usize::from(self.asdus_per_frame)
    }

    fn unpadded_len_with(&self, with_refr_tm: bool) -> usize {
        let seq = self.seq_asdu_len(with_refr_tm);
        let pdu_len = ber::tlv_len(
            ber::tlv_len(ber::unsigned_min_len(u64::from(self.asdus_per_frame)))
                + ber::tlv_len(seq),
        );
        self.ethernet().buffer_len() + SvHeaderRepr::default().buffer_len() + pdu_len
    }

    fn unpadded_len(&self) -> usize {
        self.unpadded_len_with(true)
    }

    /// Size of a frame without refrTm, padded to the 60-byte Ethernet minimum.
    pub fn frame_len(&self) -> usize {
        self.unpadded_len_with(false).max(MIN_FRAME_LEN)
    }

    /// Size of a frame with refrTm in every ASDU, padded to 60 bytes.
    pub fn frame_len_with_refr_tm(&self) -> usize {
        self.unpadded_len_with(true).max(MIN_FRAME_LEN)
    }

    /// Builds a frame from values in engineering units, ASDU-major
    /// (`values[asdu * channels + channel]`), into `buf`; returns its length.
    /// `qualities` is empty (all good) or one per value. `refr_tm`, when given,
    /// is written into every ASDU. smpCnt of ASDU i is (first_smp_cnt + i) mod wrap.
    pub fn build_frame(
        &self,
        buf: &mut [u8],
        first_smp_cnt: u16,
        values: &[f64],
        qualities: &[Quality],
        refr_tm: Option<UtcTime>,
    ) -> Result<usize> {
        self.build_with(
            buf,
            first_smp_cnt,
            values.len(),
            qualities,
            refr_tm,
            |range, q, out| {
                self.dataset
                    .encode(values.get(range).unwrap_or_default(), q, out)
            },
        )
    }

    /// Like [`build_frame`](Self::build_frame) with raw wire values.
    pub fn build_frame_raw(
        &self,
        buf: &mut [u8],
        first_smp_cnt: u16,
        values: &[RawValue],
        qualities: &[Quality],
        refr_tm: Option<UtcTime>,
    ) -> Result<usize> {
        self.build_with(
            buf,
            first_smp_cnt,
            values.len(),
            qualities,
            refr_tm,
            |range, q, out| {
                self.dataset
                    .encode_raw(values.get(range).unwrap_or_default(), q, out)
            },
        )
    }

    fn build_with(
        &self,
        buf: &mut [u8],
        first_smp_cnt: u16,
        value_count: usize,
        qualities: &[Quality],
        refr_tm: Option<UtcTime>,
        encode: impl Fn(core::ops::Range<usize>, &[Quality], &mut [u8]) -> Result<()>,
    ) -> Result<usize> {
        let per_frame = self.values_per_frame();
        if value_count != per_frame {
            return Err(SvError::Count {
                field: "values per frame",
                given: value_count,
                expected: per_frame,
            });
        }
        if !qualities.is_empty() && qualities.len() != per_frame {
            return Err(SvError::Count {
                field: "qualities per frame",
                given: qualities.len(),
                expected: per_frame,
            });
        }
        let unpadded = self.unpadded_len_with(refr_tm.is_some());
        let total = unpadded.max(MIN_FRAME_LEN);
        let available = buf.len();
        let frame = buf.get_mut(..total).ok_or(SvError::BufferTooSmall {
            field: "SV frame",
            needed: total,
            available,
        })?;
        let mut eth_view = EthernetFrame::new_unchecked(&mut *frame);
        self.ethernet().emit(&mut eth_view)?;
        let header = SvHeaderRepr {
            app_id: self.app_id,
            simulation: self.simulation,
            reserved1: 0,
            reserved2: 0,
        };
        let pdu = self.pdu_shell();
        let seq_len = self.seq_asdu_len(refr_tm.is_some());
        let pdu_len = pdu_buffer_len(&pdu, seq_len);
        let mut packet = SvPacket::new_unchecked(eth_view.payload_mut());
        header.emit(&mut packet, pdu_len)?;
        let mut writer = Writer::new(packet.apdu_mut());
        let channels = self.dataset.len();
        let seq_data_len = self.dataset.seq_data_len();
        pdu.emit_with(&mut writer, seq_len, |w| {
            for index in 0..usize::from(self.asdus_per_frame) {
                let asdu = self.asdu_template(self.smp_cnt_at(first_smp_cnt, index), refr_tm);
                let range = index * channels..(index + 1) * channels;
                let q = qualities.get(range.clone()).unwrap_or_default();
                asdu.emit_with(w, seq_data_len, |out| encode(range, q, out))?;
            }
            Ok(())
        })?;
        if let Some(padding) = frame.get_mut(unpadded..) {
            padding.fill(0);
        }
        Ok(total)
    }
}

fn pdu_buffer_len(pdu: &SavPduRepr<'_>, seq_len: usize) -> usize {
    ber::tlv_len(
        ber::tlv_len(ber::unsigned_min_len(pdu.asdus.len() as u64))
            + pdu.security.map_or(0, |s| ber::tlv_len(s.len()))
            + ber::tlv_len(seq_len),
    )
}

#[cfg(test)]
mod tests {
    use super::super::dataset::{Channel, Measurement, ValueType};
    use super::super::frame::SvFrameRepr;
    use super::*;

    #[test]
    fn built_frames_parse_back_for_every_profile() {
        for profile in Profile::ALL {
            let stream = SvStream::new("MU01", 0x4000, &profile).unwrap();
            let n = stream.values_per_frame();
            let values: Vec<f64> = (0..n).map(|i| i as f64 * 0.5 - 3.0).collect();
            let mut buf = [0u8; MAX_FRAME_LEN];
            let first = (profile.sample_rate - 1) as u16;
            let len = stream
                .build_frame(&mut buf, first, &values, &[], None)
                .unwrap();
            assert_eq!(len, stream.frame_len());
            let frame = SvFrameRepr::parse(&buf[..len]).unwrap();
            assert_eq!(frame.header.app_id, 0x4000);
            assert_eq!(frame.pdu.asdus.len(), usize::from(profile.asdus_per_frame));
            let mut out = vec![Measurement::default(); stream.dataset.len()];
            for (i, asdu) in frame.pdu.asdus.iter().enumerate() {
                let asdu = asdu.unwrap();
                assert_eq!(asdu.smp_cnt, stream.smp_cnt_at(first, i));
                stream.dataset.decode(asdu.seq_data, &mut out).unwrap();
                for (c, m) in out.iter().enumerate() {
                    assert!((m.value - values[i * 8 + c]).abs() < 1e-9);
                }
            }
            assert_eq!(stream.smp_cnt_at(first, 1), 0, "{profile} wraps");
        }
    }

    #[test]
    fn small_frames_are_padded_and_bad_inputs_rejected() {
        let ds = Dataset::new(vec![Channel::new("x", ValueType::Int8, 1.0, false)]);
        let mut stream = SvStream::with_dataset("a", 0x4000, ds, 1, 100).unwrap();
        stream.vlan = None;
        let mut buf = [0xffu8; 100];
        let len = stream.build_frame(&mut buf, 99, &[5.0], &[], None).unwrap();
        assert_eq!(len, MIN_FRAME_LEN);
        let frame = SvFrameRepr::parse(&buf[..len]).unwrap();
        assert_eq!(frame.pdu.asdus.get(0).unwrap().unwrap().seq_data, &[5]);
        assert!(stream
            .build_frame(&mut buf, 0, &[1.0, 2.0], &[], None)
            .is_err());
        assert!(stream
            .build_frame(&mut buf[..20], 0, &[1.0], &[], None)
            .is_err());
        assert!(SvStream::new("bad\u{7f}", 1, &Profile::F4000S1).is_err());
        let too_big = Dataset::new(vec![Channel::new("x", ValueType::Int64, 1.0, true); 40]);
        assert!(SvStream::with_dataset("a", 1, too_big, 4, 4000).is_err());
        assert!(SvStream::with_dataset("a", 1, Dataset::le_9_2(), 0, 4000).is_err());
        assert!(SvStream::with_dataset("a", 1, Dataset::le_9_2(), 1, 70000).is_err());
    }
}
