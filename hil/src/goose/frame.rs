//! A whole GOOSE frame: the Ethernet header and APPID/Length header shared with sampled
//! values (EtherType 0x88B8 instead of 0x88BA), then the goosePdu.

use super::error::{GooseError, Result};
use super::pdu::{tag as pdu_tag, GoosePdu, GoosePduRepr};
use crate::sv::ber;
use crate::sv::header::field as header_field;
use crate::sv::{EthernetFrame, EthernetRepr, SvError, SvHeaderRepr, SvPacket};

/// EtherType of IEC 61850-8-1 GOOSE.
pub const ETHERTYPE_GOOSE: u16 = 0x88b8;

/// A parsed or to-be-emitted GOOSE frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GooseFrameRepr<'a> {
    /// Ethernet header (its `ethertype` is always 0x88B8 here).
    pub ethernet: EthernetRepr,
    /// APPID, simulation (Reserved1 bit 15) and reserved fields.
    pub header: SvHeaderRepr,
    /// The goosePdu.
    pub pdu: GoosePduRepr<'a>,
}

impl<'a> GooseFrameRepr<'a> {
    /// Parses a complete Ethernet frame (as captured, without FCS) without allocating.
    /// The Length field must end exactly where the goosePdu does; bytes after it
    /// (Ethernet padding) are ignored.
    pub fn parse(frame: &'a [u8]) -> Result<GooseFrameRepr<'a>> {
        let eth_view = EthernetFrame::new_checked(frame)?;
        let ethernet = EthernetRepr::parse(&eth_view)?;
        if ethernet.ethertype != ETHERTYPE_GOOSE {
            return Err(GooseError::WrongEtherType {
                found: ethernet.ethertype,
            });
        }
        let payload = frame.get(ethernet.buffer_len()..).unwrap_or_default();
        let packet = SvPacket::new_checked(payload).map_err(|e| match e {
            SvError::LengthField { declared, actual } => {
                GooseError::LengthField { declared, actual }
            }
            other => other.into(),
        })?;
        let header = SvHeaderRepr::parse(&packet)?;
        let declared = usize::from(packet.length());
        let after_header = payload.get(header_field::HEADER_LEN..).unwrap_or_default();
        let (_, rest) = ber::read_tagged(after_header, pdu_tag::GOOSE_PDU, "goosePdu")?;
        let actual = payload.len() - rest.len();
        if actual != declared {
            return Err(GooseError::LengthField { declared, actual });
        }
        let apdu = payload
            .get(header_field::HEADER_LEN..declared)
            .unwrap_or_default();
        let pdu = GoosePduRepr::parse_bytes(GoosePdu::new_checked(apdu)?.into_inner())?;
        Ok(GooseFrameRepr {
            ethernet,
            header,
            pdu,
        })
    }

    /// Frame size this representation emits (no padding to 60 bytes is added).
    pub fn buffer_len(&self) -> usize {
        self.ethernet.buffer_len() + self.header.buffer_len() + self.pdu.buffer_len()
    }

    /// Writes the frame at the start of `buf` without allocating; returns its length.
    /// The EtherType is always written as 0x88B8.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let needed = self.buffer_len();
        let available = buf.len();
        let frame = buf.get_mut(..needed).ok_or(SvError::BufferTooSmall {
            field: "GOOSE frame",
            needed,
            available,
        })?;
        let ethernet = EthernetRepr {
            ethertype: ETHERTYPE_GOOSE,
            ..self.ethernet
        };
        let mut eth_view = EthernetFrame::new_unchecked(&mut *frame);
        ethernet.emit(&mut eth_view)?;
        let mut packet = SvPacket::new_unchecked(eth_view.payload_mut());
        self.header.emit(&mut packet, self.pdu.buffer_len())?;
        self.pdu
            .emit(&mut GoosePdu::new_unchecked(packet.apdu_mut()))?;
        Ok(needed)
    }
}

/// Whether a frame carries EtherType 0x88B8, directly or after one 802.1Q tag.
pub fn is_goose(frame: &[u8]) -> bool {
    let ethertype = |at: usize| {
        frame
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    match ethertype(12) {
        Some(ETHERTYPE_GOOSE) => true,
        Some(0x8100) => ethertype(16) == Some(ETHERTYPE_GOOSE),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goose::data::{BitString, Data, DataList};
    use crate::sv::{MacAddress, UtcTime, VlanTag};

    fn sample_frame<'a>(items: &'a [Data<'a>]) -> GooseFrameRepr<'a> {
        GooseFrameRepr {
            ethernet: EthernetRepr {
                dst: MacAddress([0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01]),
                src: MacAddress([2, 0, 0, 0, 0, 1]),
                vlan: Some(VlanTag {
                    pcp: 4,
                    dei: false,
                    vid: 0,
                }),
                ethertype: ETHERTYPE_GOOSE,
            },
            header: SvHeaderRepr {
                app_id: 0x1000,
                simulation: false,
                reserved1: 0,
                reserved2: 0,
            },
            pdu: GoosePduRepr {
                gocb_ref: "IED1LD0/LLN0$GO$gcb01",
                time_allowed_to_live: 2000,
                dat_set: "IED1LD0/LLN0$DS1",
                go_id: Some("IED1_TRIP"),
                t: UtcTime::from_unix_nanos(1_700_000_000_250_000_000, 0x0a),
                st_num: 7,
                sq_num: 0,
                simulation: false,
                conf_rev: 1,
                nds_com: false,
                num_dat_set_entries: items.len() as u32,
                all_data: DataList::Items(items),
            },
        }
    }

    #[test]
    fn frames_round_trip_and_bad_ones_are_named() {
        let inner = [
            Data::BitString(BitString {
                padding: 6,
                bytes: &[0x80],
            }),
            Data::BitString(BitString {
                padding: 3,
                bytes: &[0, 0],
            }),
        ];
        let items = [
            Data::Boolean(true),
            Data::Structure(DataList::Items(&inner)),
            Data::Float32(50.0),
            Data::Integer(-3),
        ];
        let repr = sample_frame(&items);
        let mut buf = [0u8; 256];
        let len = repr.emit(&mut buf).unwrap();
        assert_eq!(len, repr.buffer_len());
        let back = GooseFrameRepr::parse(&buf[..len]).unwrap();
        assert_eq!(back.ethernet, repr.ethernet);
        assert_eq!(back.header, repr.header);
        assert_eq!(back.pdu.gocb_ref, repr.pdu.gocb_ref);
        assert_eq!((back.pdu.st_num, back.pdu.t), (7, repr.pdu.t));
        assert!(back.pdu.all_data.equivalent(&repr.pdu.all_data));
        // Emitting the parsed frame gives the same bytes.
        let mut again = [0u8; 256];
        assert_eq!(back.emit(&mut again).unwrap(), len);
        assert_eq!(&again[..len], &buf[..len]);
        // Trailing padding is fine; a wrong Length or truncation is not.
        assert!(GooseFrameRepr::parse(&buf[..len + 10]).is_ok());
        assert!(matches!(
            GooseFrameRepr::parse(&buf[..len - 1]),
            Err(GooseError::Envelope(_) | GooseError::LengthField { .. })
        ));
        let mut wrong = buf;
        wrong[21] = wrong[21].wrapping_add(1);
        assert!(matches!(
            GooseFrameRepr::parse(&wrong[..len + 10]),
            Err(GooseError::LengthField { .. })
        ));
        let mut sv = buf;
        sv[16..18].copy_from_slice(&0x88bau16.to_be_bytes());
        assert_eq!(
            GooseFrameRepr::parse(&sv[..len]),
            Err(GooseError::WrongEtherType { found: 0x88ba })
        );
        assert!(is_goose(&buf[..len]) && !is_goose(&sv[..len]));
    }

    #[test]
    fn entry_count_and_missing_fields_are_errors() {
        let items = [Data::Boolean(true)];
        let mut repr = sample_frame(&items);
        repr.pdu.num_dat_set_entries = 2;
        let mut buf = [0u8; 256];
        let len = repr.emit(&mut buf).unwrap();
        assert_eq!(
            GooseFrameRepr::parse(&buf[..len]),
            Err(GooseError::EntryCount {
                declared: 2,
                found: 1
            })
        );
        // A goosePdu without its gocbRef.
        assert_eq!(
            GoosePduRepr::parse_bytes(&[0x61, 0x03, 0x81, 0x01, 0x05]),
            Err(GooseError::Missing { field: "gocbRef" })
        );
    }
}
