//! A whole sampled-values frame: Ethernet header, SV header and savPdu.

use super::ber;
use super::error::{Result, SvError};
use super::ethernet::{EthernetFrame, EthernetRepr, ETHERTYPE_SV};
use super::header::{field as header_field, SvHeaderRepr, SvPacket};
use super::pdu::{tag as pdu_tag, SavPdu, SavPduRepr};

/// Largest Ethernet frame (without FCS) a publisher should send.
pub const MAX_FRAME_LEN: usize = 1518;
/// Smallest Ethernet frame (without FCS); shorter frames are padded with zeros.
pub const MIN_FRAME_LEN: usize = 60;

/// A parsed or to-be-emitted sampled-values frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvFrameRepr<'a> {
    /// Ethernet header (its `ethertype` is always 0x88BA here).
    pub ethernet: EthernetRepr,
    /// APPID, simulation and reserved fields.
    pub header: SvHeaderRepr,
    /// The savPdu with its ASDUs.
    pub pdu: SavPduRepr<'a>,
}

impl<'a> SvFrameRepr<'a> {
    /// Parses a complete Ethernet frame (as captured, without FCS) without
    /// allocating; strings and seqData borrow from `frame`.
    ///
    /// The Length field must cover exactly the SV header and savPdu; bytes after
    /// it (Ethernet padding) are ignored.
    pub fn parse(frame: &'a [u8]) -> Result<SvFrameRepr<'a>> {
        let eth_view = EthernetFrame::new_checked(frame)?;
        let ethernet = EthernetRepr::parse(&eth_view)?;
        if ethernet.ethertype != ETHERTYPE_SV {
            return Err(SvError::WrongEtherType {
                found: ethernet.ethertype,
            });
        }
        let payload = frame.get(ethernet.buffer_len()..).unwrap_or_default();
        let packet = SvPacket::new_checked(payload)?;
        let header = SvHeaderRepr::parse(&packet)?;
        let declared = usize::from(packet.length());
        Self::check_length_field(payload, declared)?;
        let apdu = payload
            .get(header_field::HEADER_LEN..declared)
            .unwrap_or_default();
        let pdu = SavPduRepr::parse(&SavPdu::new_checked(apdu)?)?;
        Ok(SvFrameRepr {
            ethernet,
            header,
            pdu,
        })
    }

    /// Compares the Length field with the end of the savPdu, read from the whole
    /// payload, so that a wrong Length is named as such (and not as a BER error).
    fn check_length_field(payload: &[u8], declared: usize) -> Result<()> {
        let after_header = payload.get(header_field::HEADER_LEN..).unwrap_or_default();
        if let Ok((_, rest)) = ber::read_tagged(after_header, pdu_tag::SAV_PDU, "savPdu") {
            let actual = payload.len() - rest.len();
            if actual != declared {
                return Err(SvError::LengthField { declared, actual });
            }
        }
        Ok(())
    }

    /// Frame size this representation emits (before any padding to 60 bytes).
    pub fn buffer_len(&self) -> usize {
        self.ethernet.buffer_len() + self.header.buffer_len() + self.pdu.buffer_len()
    }

    /// Writes the frame at the start of `buf` without allocating; returns its
    /// length. The EtherType is always written as 0x88BA. No padding is added.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let needed = self.buffer_len();
        let available = buf.len();
        let frame = buf.get_mut(..needed).ok_or(SvError::BufferTooSmall {
            field: "SV frame",
            needed,
            available,
        })?;
        let ethernet = EthernetRepr {
            ethertype: ETHERTYPE_SV,
            ..self.ethernet
        };
        let mut eth_view = EthernetFrame::new_unchecked(&mut *frame);
        ethernet.emit(&mut eth_view)?;
        let mut packet = SvPacket::new_unchecked(eth_view.payload_mut());
        self.header.emit(&mut packet, self.pdu.buffer_len())?;
        self.pdu
            .emit(&mut SavPdu::new_unchecked(packet.apdu_mut()))?;
        Ok(needed)
    }
}
