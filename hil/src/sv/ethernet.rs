//! Ethernet II frames with an optional IEEE 802.1Q tag, as sampled values use them.

use core::fmt;
use core::str::FromStr;

use super::error::{Result, SvError};

/// EtherType of IEC 61850-9-2 sampled values.
pub const ETHERTYPE_SV: u16 = 0x88ba;
/// EtherType (TPID) of an IEEE 802.1Q tag.
pub const ETHERTYPE_VLAN: u16 = 0x8100;

/// Byte ranges of the Ethernet header fields.
pub mod field {
    use core::ops::Range;

    /// Destination MAC address.
    pub const DST: Range<usize> = 0..6;
    /// Source MAC address.
    pub const SRC: Range<usize> = 6..12;
    /// EtherType of an untagged frame, or TPID 0x8100 of a tagged one.
    pub const TYPE_OR_TPID: Range<usize> = 12..14;
    /// 802.1Q tag control information (PCP, DEI, VID) of a tagged frame.
    pub const TCI: Range<usize> = 14..16;
    /// EtherType of a tagged frame.
    pub const TAGGED_TYPE: Range<usize> = 16..18;
    /// Header length of an untagged frame.
    pub const UNTAGGED_HEADER_LEN: usize = 14;
    /// Header length of a tagged frame.
    pub const TAGGED_HEADER_LEN: usize = 18;
}

/// A 48-bit MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MacAddress(pub [u8; 6]);

impl MacAddress {
    /// First multicast address reserved for sampled values (01-0C-CD-04-00-00).
    pub const SV_MULTICAST_BASE: MacAddress = MacAddress([0x01, 0x0c, 0xcd, 0x04, 0x00, 0x00]);

    /// The multicast address 01-0C-CD-04-0x-yy whose last nine bits are `index`.
    pub const fn sv_multicast(index: u16) -> MacAddress {
        let [hi, lo] = (index & 0x01ff).to_be_bytes();
        MacAddress([0x01, 0x0c, 0xcd, 0x04, hi, lo])
    }

    /// Whether the group bit is set.
    pub const fn is_multicast(&self) -> bool {
        self.0[0] & 1 == 1
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl FromStr for MacAddress {
    type Err = SvError;

    /// Parses `01:0c:cd:04:00:01` or `01-0C-CD-04-00-01`.
    fn from_str(text: &str) -> Result<Self> {
        let bad = || SvError::UnknownName {
            field: "MAC address",
            name: text.to_owned(),
        };
        let mut out = [0u8; 6];
        let mut parts = text.split([':', '-']);
        for byte in out.iter_mut() {
            let part = parts.next().filter(|p| p.len() == 2).ok_or_else(bad)?;
            *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(MacAddress(out))
    }
}

/// An IEEE 802.1Q tag: priority code point, drop-eligible indicator, VLAN id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VlanTag {
    /// Priority code point, 0..=7 (sampled values usually use 4).
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN identifier, 0..=4095 (0 = priority tag only).
    pub vid: u16,
}

impl VlanTag {
    /// The priority-only tag libiec61850 writes by default (priority 4, VLAN 0).
    pub const DEFAULT_SV: VlanTag = VlanTag {
        pcp: 4,
        dei: false,
        vid: 0,
    };

    /// Decodes the tag control information.
    pub const fn from_tci(tci: u16) -> VlanTag {
        VlanTag {
            pcp: (tci >> 13) as u8,
            dei: tci & 0x1000 != 0,
            vid: tci & 0x0fff,
        }
    }

    /// Encodes the tag control information; fails when a field is out of range.
    pub fn to_tci(&self) -> Result<u16> {
        if self.pcp > 7 {
            return Err(SvError::OutOfRange {
                field: "VLAN PCP",
                value: u64::from(self.pcp),
            });
        }
        if self.vid > 0x0fff {
            return Err(SvError::OutOfRange {
                field: "VLAN VID",
                value: u64::from(self.vid),
            });
        }
        Ok((u16::from(self.pcp) << 13) | (u16::from(self.dei) << 12) | self.vid)
    }
}

/// Zero-copy view of an Ethernet II frame with an optional 802.1Q tag.
#[derive(Debug, Clone)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

fn be16(bytes: &[u8], range: core::ops::Range<usize>) -> u16 {
    match bytes.get(range) {
        Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]),
        _ => 0,
    }
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Wraps a buffer without checking it; accessors on a too-short buffer return zeros.
    pub const fn new_unchecked(buffer: T) -> Self {
        EthernetFrame { buffer }
    }

    /// Wraps a buffer after checking that it holds the whole header.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let frame = Self::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
    }

    /// Checks that the buffer holds the (tagged or untagged) header.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        let needed = if len < field::UNTAGGED_HEADER_LEN {
            field::UNTAGGED_HEADER_LEN
        } else {
            self.header_len()
        };
        if len < needed {
            return Err(SvError::Truncated {
                field: "Ethernet header",
                needed,
                available: len,
            });
        }
        Ok(())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Destination address.
    pub fn dst(&self) -> MacAddress {
        let mut mac = [0u8; 6];
        if let Some(bytes) = self.buffer.as_ref().get(field::DST) {
            mac.copy_from_slice(bytes);
        }
        MacAddress(mac)
    }

    /// Source address.
    pub fn src(&self) -> MacAddress {
        let mut mac = [0u8; 6];
        if let Some(bytes) = self.buffer.as_ref().get(field::SRC) {
            mac.copy_from_slice(bytes);
        }
        MacAddress(mac)
    }

    /// Whether an 802.1Q tag follows the source address.
    pub fn is_tagged(&self) -> bool {
        be16(self.buffer.as_ref(), field::TYPE_OR_TPID) == ETHERTYPE_VLAN
    }

    /// The 802.1Q tag, if any.
    pub fn vlan(&self) -> Option<VlanTag> {
        self.is_tagged()
            .then(|| VlanTag::from_tci(be16(self.buffer.as_ref(), field::TCI)))
    }

    /// EtherType of the payload (after the tag when tagged).
    pub fn ethertype(&self) -> u16 {
        if self.is_tagged() {
            be16(self.buffer.as_ref(), field::TAGGED_TYPE)
        } else {
            be16(self.buffer.as_ref(), field::TYPE_OR_TPID)
        }
    }

    /// Header length: 18 bytes when tagged, else 14.
    pub fn header_len(&self) -> usize {
        if self.is_tagged() {
            field::TAGGED_HEADER_LEN
        } else {
            field::UNTAGGED_HEADER_LEN
        }
    }

    /// The bytes after the header (including any Ethernet padding).
    pub fn payload(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(self.header_len()..)
            .unwrap_or_default()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    /// Mutable bytes after the header.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        self.buffer.as_mut().get_mut(start..).unwrap_or_default()
    }
}

/// Parsed Ethernet header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthernetRepr {
    /// Destination address.
    pub dst: MacAddress,
    /// Source address.
    pub src: MacAddress,
    /// Optional 802.1Q tag.
    pub vlan: Option<VlanTag>,
    /// EtherType of the payload.
    pub ethertype: u16,
}

impl EthernetRepr {
    /// Reads the header of a checked frame.
    pub fn parse<T: AsRef<[u8]>>(frame: &EthernetFrame<T>) -> Result<EthernetRepr> {
        frame.check_len()?;
        Ok(EthernetRepr {
            dst: frame.dst(),
            src: frame.src(),
            vlan: frame.vlan(),
            ethertype: frame.ethertype(),
        })
    }

    /// Header length this representation emits.
    pub const fn buffer_len(&self) -> usize {
        if self.vlan.is_some() {
            field::TAGGED_HEADER_LEN
        } else {
            field::UNTAGGED_HEADER_LEN
        }
    }

    /// Writes the header at the start of the frame's buffer.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut EthernetFrame<T>) -> Result<()> {
        let buf = frame.buffer.as_mut();
        let needed = self.buffer_len();
        let available = buf.len();
        let header = buf.get_mut(..needed).ok_or(SvError::BufferTooSmall {
            field: "Ethernet header",
            needed,
            available,
        })?;
        header[field::DST].copy_from_slice(&self.dst.0);
        header[field::SRC].copy_from_slice(&self.src.0);
        match self.vlan {
            Some(tag) => {
                header[field::TYPE_OR_TPID].copy_from_slice(&ETHERTYPE_VLAN.to_be_bytes());
                header[field::TCI].copy_from_slice(&tag.to_tci()?.to_be_bytes());
                header[field::TAGGED_TYPE].copy_from_slice(&self.ethertype.to_be_bytes());
            }
            None => {
                header[field::TYPE_OR_TPID].copy_from_slice(&self.ethertype.to_be_bytes());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_header_round_trips() {
        let repr = EthernetRepr {
            dst: MacAddress::sv_multicast(1),
            src: MacAddress([2, 0, 0, 0, 0, 1]),
            vlan: Some(VlanTag {
                pcp: 4,
                dei: true,
                vid: 0x123,
            }),
            ethertype: ETHERTYPE_SV,
        };
        let mut buf = [0u8; 18];
        repr.emit(&mut EthernetFrame::new_unchecked(&mut buf[..]))
            .unwrap();
        assert_eq!(&buf[12..18], &[0x81, 0x00, 0x91, 0x23, 0x88, 0xba]);
        let frame = EthernetFrame::new_checked(&buf[..]).unwrap();
        assert_eq!(EthernetRepr::parse(&frame).unwrap(), repr);
        assert!(frame.payload().is_empty());
    }

    #[test]
    fn untagged_and_short_frames() {
        let mut buf = [0u8; 16];
        buf[12..14].copy_from_slice(&ETHERTYPE_SV.to_be_bytes());
        let frame = EthernetFrame::new_checked(&buf[..]).unwrap();
        assert_eq!(
            (frame.vlan(), frame.ethertype(), frame.payload().len()),
            (None, ETHERTYPE_SV, 2)
        );
        buf[12..14].copy_from_slice(&ETHERTYPE_VLAN.to_be_bytes());
        assert!(EthernetFrame::new_checked(&buf[..]).is_err());
        assert!(EthernetFrame::new_checked(&buf[..5]).is_err());
    }

    #[test]
    fn mac_addresses_parse_and_print() {
        let mac: MacAddress = "01-0C-CD-04-00-1f".parse().unwrap();
        assert_eq!(mac, MacAddress::sv_multicast(0x1f));
        assert_eq!(mac.to_string(), "01:0c:cd:04:00:1f");
        assert!("01:0c:cd:04:00".parse::<MacAddress>().is_err());
        assert!("01:0c:cd:04:00:00:00".parse::<MacAddress>().is_err());
        assert!("zz:0c:cd:04:00:00".parse::<MacAddress>().is_err());
        assert!(VlanTag {
            pcp: 8,
            dei: false,
            vid: 0
        }
        .to_tci()
        .is_err());
    }
}
