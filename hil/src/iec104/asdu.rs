//! The ASDU of IEC 60870-5-104: data unit identifier (type, variable structure qualifier,
//! cause of transmission with originator address, common address) and information objects
//! with three-byte addresses, one by one or as a sequence (SQ = 1).

use super::element::Element;
use super::error::{Iec104Error, Result};
use super::time::Cp56Time2a;
use super::type_id::TypeId;

/// Byte ranges of the data unit identifier.
pub mod field {
    use core::ops::{Range, RangeFrom};

    /// Type identification.
    pub const TYPE_ID: usize = 0;
    /// Variable structure qualifier: SQ (bit 7) and the number of objects (bits 0–6).
    pub const VSQ: usize = 1;
    /// Cause of transmission (bits 0–5), P/N (bit 6), T (bit 7).
    pub const COT: usize = 2;
    /// Originator address.
    pub const ORIGINATOR: usize = 3;
    /// Common address of the ASDU (little endian).
    pub const COMMON_ADDRESS: Range<usize> = 4..6;
    /// Information objects.
    pub const OBJECTS: RangeFrom<usize> = 6..;
    /// Size of the data unit identifier.
    pub const HEADER_LEN: usize = 6;
    /// Size of an information object address.
    pub const IOA_LEN: usize = 3;
}

/// Causes of transmission.
pub mod cause {
    /// Periodic, cyclic.
    pub const PERIODIC: u8 = 1;
    /// Background scan.
    pub const BACKGROUND: u8 = 2;
    /// Spontaneous.
    pub const SPONTANEOUS: u8 = 3;
    /// Initialised.
    pub const INITIALISED: u8 = 4;
    /// Request or requested.
    pub const REQUEST: u8 = 5;
    /// Activation.
    pub const ACTIVATION: u8 = 6;
    /// Activation confirmation.
    pub const ACTIVATION_CON: u8 = 7;
    /// Deactivation.
    pub const DEACTIVATION: u8 = 8;
    /// Deactivation confirmation.
    pub const DEACTIVATION_CON: u8 = 9;
    /// Activation termination.
    pub const ACTIVATION_TERMINATION: u8 = 10;
    /// Interrogated by station interrogation.
    pub const INTERROGATED_BY_STATION: u8 = 20;
    /// Unknown type identification.
    pub const UNKNOWN_TYPE: u8 = 44;
    /// Unknown cause of transmission.
    pub const UNKNOWN_CAUSE: u8 = 45;
    /// Unknown common address of ASDU.
    pub const UNKNOWN_COMMON_ADDRESS: u8 = 46;
    /// Unknown information object address.
    pub const UNKNOWN_OBJECT_ADDRESS: u8 = 47;
}

/// Largest information object address (24 bits).
pub const MAX_IOA: u32 = 0x00ff_ffff;

/// Zero-copy view of an ASDU.
#[derive(Debug, Clone)]
pub struct AsduPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> AsduPacket<T> {
    /// Wraps a buffer without checks; accessors on a short buffer return zeros.
    pub const fn new_unchecked(buffer: T) -> Self {
        AsduPacket { buffer }
    }

    /// Wraps a buffer after checking that the data unit identifier is complete.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the data unit identifier is there.
    pub fn check_len(&self) -> Result<()> {
        let available = self.buffer.as_ref().len();
        if available < field::HEADER_LEN {
            return Err(Iec104Error::Truncated {
                field: "ASDU data unit identifier",
                needed: field::HEADER_LEN,
                available,
            });
        }
        Ok(())
    }

    fn byte(&self, i: usize) -> u8 {
        self.buffer.as_ref().get(i).copied().unwrap_or(0)
    }

    /// Type identification.
    pub fn type_id(&self) -> TypeId {
        TypeId(self.byte(field::TYPE_ID))
    }

    /// SQ: the objects are a sequence with consecutive addresses.
    pub fn sequence(&self) -> bool {
        self.byte(field::VSQ) & 0x80 != 0
    }

    /// Number of objects (or elements of the sequence).
    pub fn count(&self) -> u8 {
        self.byte(field::VSQ) & 0x7f
    }

    /// Cause of transmission.
    pub fn cause(&self) -> u8 {
        self.byte(field::COT) & 0x3f
    }

    /// P/N: negative confirmation.
    pub fn negative(&self) -> bool {
        self.byte(field::COT) & 0x40 != 0
    }

    /// T: test.
    pub fn test(&self) -> bool {
        self.byte(field::COT) & 0x80 != 0
    }

    /// Originator address.
    pub fn originator(&self) -> u8 {
        self.byte(field::ORIGINATOR)
    }

    /// Common address.
    pub fn common_address(&self) -> u16 {
        u16::from_le_bytes([self.byte(4), self.byte(5)])
    }

    /// The information objects' bytes.
    pub fn objects(&self) -> &[u8] {
        self.buffer.as_ref().get(field::OBJECTS).unwrap_or_default()
    }
}

/// One information object.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InformationObject<'a> {
    /// Information object address (24 bits).
    pub address: u32,
    /// Its element.
    pub element: Element<'a>,
    /// Its time tag (types with CP56Time2a).
    pub time: Option<Cp56Time2a>,
}

/// The objects of an ASDU: as parsed (validated bytes) or a caller's slice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ObjectList<'a> {
    /// The object bytes of a parsed ASDU.
    Encoded(&'a [u8]),
    /// Objects supplied by the caller.
    Items(&'a [InformationObject<'a>]),
}

/// A parsed or to-be-emitted ASDU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AsduRepr<'a> {
    /// Type identification.
    pub type_id: TypeId,
    /// SQ: one address, then consecutive elements.
    pub sequence: bool,
    /// Number of objects.
    pub count: u8,
    /// Cause of transmission (0–63).
    pub cause: u8,
    /// P/N.
    pub negative: bool,
    /// T.
    pub test: bool,
    /// Originator address.
    pub originator: u8,
    /// Common address.
    pub common_address: u16,
    /// The objects.
    pub objects: ObjectList<'a>,
}

fn ioa(bytes: &[u8]) -> u32 {
    match bytes {
        [a, b, c, ..] => u32::from_le_bytes([*a, *b, *c, 0]),
        _ => 0,
    }
}

fn time_at(bytes: &[u8]) -> Option<Cp56Time2a> {
    let raw: [u8; 7] = bytes.get(..Cp56Time2a::LEN)?.try_into().ok()?;
    Some(Cp56Time2a::from_bytes(raw))
}

impl<'a> AsduRepr<'a> {
    /// Bytes the objects of `count` elements of `type_id` take.
    fn objects_len(type_id: TypeId, sequence: bool, count: u8) -> Result<usize> {
        let element = type_id
            .element_len()
            .ok_or(Iec104Error::UnsupportedType { type_id: type_id.0 })?;
        let n = usize::from(count);
        Ok(if sequence {
            if n == 0 {
                0
            } else {
                field::IOA_LEN + n * element
            }
        } else {
            n * (field::IOA_LEN + element)
        })
    }

    /// Parses a checked ASDU: the type must be known and the objects must fill it exactly.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &AsduPacket<&'a T>) -> Result<AsduRepr<'a>> {
        let buffer: &'a T = packet.buffer;
        Self::parse_bytes(buffer.as_ref())
    }

    /// Parses an ASDU from its bytes.
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<AsduRepr<'a>> {
        let packet = AsduPacket::new_checked(bytes)?;
        let type_id = packet.type_id();
        let objects = bytes.get(field::OBJECTS).unwrap_or_default();
        let needed = Self::objects_len(type_id, packet.sequence(), packet.count())?;
        if needed != objects.len() {
            return Err(Iec104Error::ObjectsLength {
                type_id: type_id.0,
                objects: packet.count(),
                needed,
                available: objects.len(),
            });
        }
        let repr = AsduRepr {
            type_id,
            sequence: packet.sequence(),
            count: packet.count(),
            cause: packet.cause(),
            negative: packet.negative(),
            test: packet.test(),
            originator: packet.originator(),
            common_address: packet.common_address(),
            objects: ObjectList::Encoded(objects),
        };
        // Every element decodes (the type is known, the sizes fit): nothing to fail later.
        for object in repr.iter() {
            let _ = object;
        }
        Ok(repr)
    }

    /// The objects in order (no allocation).
    pub fn iter(&self) -> ObjectIter<'a> {
        ObjectIter {
            type_id: self.type_id,
            sequence: self.sequence,
            remaining: usize::from(self.count),
            index: 0,
            list: self.objects,
        }
    }

    /// Size of the objects this representation emits.
    fn emitted_objects_len(&self) -> usize {
        match self.objects {
            ObjectList::Encoded(bytes) => bytes.len(),
            ObjectList::Items(items) => {
                let element = self.type_id.element_len().unwrap_or(0);
                Self::objects_len(self.type_id, self.sequence, items.len().min(127) as u8)
                    .unwrap_or(items.len() * (field::IOA_LEN + element))
            }
        }
    }

    /// Size of the whole ASDU.
    pub fn buffer_len(&self) -> usize {
        field::HEADER_LEN + self.emitted_objects_len()
    }

    /// Writes the ASDU at the start of `out`; returns its size. With `Items`, `count`
    /// is taken from the slice (at most 127), a sequence's addresses must be consecutive,
    /// each element must fit the type and carry a time tag exactly when the type has one.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len();
        let available = out.len();
        let buf = out.get_mut(..len).ok_or(Iec104Error::BufferTooSmall {
            field: "ASDU",
            needed: len,
            available,
        })?;
        let count = match self.objects {
            ObjectList::Encoded(_) => self.count,
            ObjectList::Items(items) => u8::try_from(items.len())
                .ok()
                .filter(|&n| n <= 127)
                .ok_or(Iec104Error::OutOfRange {
                    field: "number of objects",
                    value: items.len() as u64,
                })?,
        };
        if self.cause > 63 {
            return Err(Iec104Error::OutOfRange {
                field: "cause of transmission",
                value: u64::from(self.cause),
            });
        }
        let (header, objects) = buf.split_at_mut(field::HEADER_LEN);
        header[field::TYPE_ID] = self.type_id.0;
        header[field::VSQ] = (count & 0x7f) | if self.sequence { 0x80 } else { 0 };
        header[field::COT] =
            self.cause | if self.negative { 0x40 } else { 0 } | if self.test { 0x80 } else { 0 };
        header[field::ORIGINATOR] = self.originator;
        header[field::COMMON_ADDRESS].copy_from_slice(&self.common_address.to_le_bytes());
        match self.objects {
            ObjectList::Encoded(bytes) => objects.copy_from_slice(bytes),
            ObjectList::Items(items) => self.emit_items(items, objects)?,
        }
        Ok(len)
    }

    fn emit_items(&self, items: &[InformationObject<'_>], out: &mut [u8]) -> Result<()> {
        let mut pos = 0;
        let available = out.len();
        for (i, object) in items.iter().enumerate() {
            if object.address > MAX_IOA {
                return Err(Iec104Error::OutOfRange {
                    field: "information object address",
                    value: u64::from(object.address),
                });
            }
            if !object.element.fits(self.type_id)
                || object.time.is_some() != self.type_id.has_time()
            {
                return Err(Iec104Error::ElementType {
                    ioa: object.address,
                    type_id: self.type_id.0,
                });
            }
            let first = items.first().map_or(0, |o| o.address);
            if self.sequence && object.address != first + i as u32 {
                return Err(Iec104Error::OutOfRange {
                    field: "address in a sequence (SQ = 1)",
                    value: u64::from(object.address),
                });
            }
            if !self.sequence || i == 0 {
                let dst =
                    out.get_mut(pos..pos + field::IOA_LEN)
                        .ok_or(Iec104Error::BufferTooSmall {
                            field: "information object address",
                            needed: pos + field::IOA_LEN,
                            available,
                        })?;
                dst.copy_from_slice(&object.address.to_le_bytes()[..3]);
                pos += field::IOA_LEN;
            }
            pos += object
                .element
                .emit(out.get_mut(pos..).unwrap_or_default())?;
            if let Some(time) = object.time {
                let dst =
                    out.get_mut(pos..pos + Cp56Time2a::LEN)
                        .ok_or(Iec104Error::BufferTooSmall {
                            field: "CP56Time2a",
                            needed: pos + Cp56Time2a::LEN,
                            available,
                        })?;
                dst.copy_from_slice(&time.to_bytes());
                pos += Cp56Time2a::LEN;
            }
        }
        Ok(())
    }
}

/// Iterator over the objects of an [`AsduRepr`].
#[derive(Debug, Clone)]
pub struct ObjectIter<'a> {
    type_id: TypeId,
    sequence: bool,
    remaining: usize,
    index: usize,
    list: ObjectList<'a>,
}

impl<'a> Iterator for ObjectIter<'a> {
    type Item = InformationObject<'a>;

    fn next(&mut self) -> Option<InformationObject<'a>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let i = self.index;
        self.index += 1;
        match self.list {
            ObjectList::Items(items) => items.get(i).copied(),
            ObjectList::Encoded(bytes) => {
                let element_len = self.type_id.element_len()?;
                let time_len = if self.type_id.has_time() {
                    Cp56Time2a::LEN
                } else {
                    0
                };
                let value_len = element_len - time_len;
                let (address, at) = if self.sequence {
                    (ioa(bytes) + i as u32, field::IOA_LEN + i * element_len)
                } else {
                    let start = i * (field::IOA_LEN + element_len);
                    (ioa(bytes.get(start..)?), start + field::IOA_LEN)
                };
                let value = bytes.get(at..at + value_len)?;
                let element = Element::parse(self.type_id, value).ok()?;
                let time = if time_len > 0 {
                    Some(time_at(bytes.get(at + value_len..)?)?)
                } else {
                    None
                };
                Some(InformationObject {
                    address: address & MAX_IOA,
                    element,
                    time,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_and_single_objects_round_trip() {
        // M_SP_NA_1, SQ = 1, four objects from IOA 100 (as IEC104_SQ.pcapng).
        let bytes = [1, 0x84, 20, 0, 0x1e, 0x04, 100, 0, 0, 1, 0, 0x81, 1];
        let asdu = AsduRepr::parse_bytes(&bytes).unwrap();
        let objects: Vec<_> = asdu.iter().collect();
        assert_eq!(objects.len(), 4);
        assert_eq!(objects[3].address, 103);
        assert_eq!(
            objects[2].element,
            Element::SinglePoint {
                on: true,
                quality: 0x80
            }
        );
        assert_eq!(asdu.common_address, 1054);
        let mut out = [0u8; 64];
        assert_eq!(asdu.emit(&mut out).unwrap(), bytes.len());
        assert_eq!(&out[..bytes.len()], &bytes);
        // Rebuilt from items, the same bytes.
        let rebuilt = AsduRepr {
            objects: ObjectList::Items(&objects),
            ..asdu
        };
        assert_eq!(rebuilt.emit(&mut out).unwrap(), bytes.len());
        assert_eq!(&out[..bytes.len()], &bytes);

        // M_ME_TF_1, two objects with time tags.
        let t = Cp56Time2a::from_unix_nanos(1_700_000_000_000_000_000);
        let items = [
            InformationObject {
                address: 0x01_0203,
                element: Element::ShortFloat {
                    value: 50.01,
                    quality: 0,
                },
                time: Some(t),
            },
            InformationObject {
                address: 7,
                element: Element::ShortFloat {
                    value: -1.5,
                    quality: 0x80,
                },
                time: Some(t),
            },
        ];
        let asdu = AsduRepr {
            type_id: TypeId::M_ME_TF_1,
            sequence: false,
            count: 2,
            cause: cause::SPONTANEOUS,
            negative: false,
            test: true,
            originator: 3,
            common_address: 0xbeef,
            objects: ObjectList::Items(&items),
        };
        let n = asdu.emit(&mut out).unwrap();
        assert_eq!(n, 6 + 2 * (3 + 5 + 7));
        let back = AsduRepr::parse_bytes(&out[..n]).unwrap();
        assert!(back.iter().eq(items.iter().copied()));
        assert!((back.test, back.originator, back.common_address) == (true, 3, 0xbeef));
    }

    #[test]
    fn bad_asdus_are_errors() {
        // Three objects declared, two present.
        assert!(matches!(
            AsduRepr::parse_bytes(&[1, 3, 3, 0, 1, 0, 1, 0, 0, 1, 2, 0, 0, 0]),
            Err(Iec104Error::ObjectsLength { .. })
        ));
        assert!(matches!(
            AsduRepr::parse_bytes(&[120, 1, 13, 0, 1, 0, 1, 0, 0]),
            Err(Iec104Error::UnsupportedType { type_id: 120 })
        ));
        assert!(AsduRepr::parse_bytes(&[1, 1, 3]).is_err());
        // An element of another type is refused.
        let items = [InformationObject {
            address: 1,
            element: Element::Interrogation { qoi: 20 },
            time: None,
        }];
        let asdu = AsduRepr {
            type_id: TypeId::M_SP_NA_1,
            sequence: false,
            count: 1,
            cause: 3,
            negative: false,
            test: false,
            originator: 0,
            common_address: 1,
            objects: ObjectList::Items(&items),
        };
        assert!(matches!(
            asdu.emit(&mut [0u8; 32]),
            Err(Iec104Error::ElementType { .. })
        ));
    }
}
