//! What the bits of two GOOSE bit strings mean: the 2-bit double point position
//! (Dbpos) and the 13-bit quality (IEC 61850-7-3 / 8-1). Not here: BER itself.

use super::data::BitString;
use crate::sv::Quality;

/// A double point position (IEC 61850-7-3 Dbpos), two bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dbpos {
    /// `00`: between positions (moving).
    #[default]
    Intermediate,
    /// `01`: off (open).
    Off,
    /// `10`: on (closed).
    On,
    /// `11`: bad state.
    Bad,
}

impl Dbpos {
    /// Number of bits in the encoding.
    pub const BITS: usize = 2;

    /// From the bit string (bit 0 first); `None` when it holds fewer than two bits.
    pub fn from_bits(bits: &BitString<'_>) -> Option<Dbpos> {
        (bits.len() >= Self::BITS)
            .then(|| Self::from_code((u8::from(bits.bit(0)) << 1) | u8::from(bits.bit(1))))
    }

    /// From its number 0–3 (`00` intermediate, `01` off, `10` on, `11` bad).
    pub const fn from_code(code: u8) -> Dbpos {
        match code & 3 {
            0 => Dbpos::Intermediate,
            1 => Dbpos::Off,
            2 => Dbpos::On,
            _ => Dbpos::Bad,
        }
    }

    /// Its number 0–3.
    pub const fn code(self) -> u8 {
        match self {
            Dbpos::Intermediate => 0,
            Dbpos::Off => 1,
            Dbpos::On => 2,
            Dbpos::Bad => 3,
        }
    }

    /// The content of its bit string: one byte, six padding bits.
    pub const fn to_byte(self) -> [u8; 1] {
        [self.code() << 6]
    }

    /// Padding bits of its bit string.
    pub const PADDING: u8 = 6;
}

/// Number of bits of a GOOSE quality.
pub const QUALITY_BITS: usize = 13;
/// Padding of a 13-bit quality in two bytes.
pub const QUALITY_PADDING: u8 = 3;

/// A quality from its bit string: validity from bits 0–1 (`00` good, `01` invalid, `11`
/// questionable), the detail bits 2–12 in the same places as the sampled-values quality
/// word. Missing bits read as 0.
pub fn quality_from_bits(bits: &BitString<'_>) -> Quality {
    let validity = (u32::from(bits.bit(0)) << 1) | u32::from(bits.bit(1));
    let detail = (2..QUALITY_BITS).fold(0u32, |acc, i| acc | (u32::from(bits.bit(i)) << i));
    Quality::from_u32(validity | detail)
}

/// The two content bytes of a 13-bit quality bit string (padding [`QUALITY_PADDING`]).
pub fn quality_to_bytes(quality: Quality) -> [u8; 2] {
    let word = quality.to_u32();
    let validity = word & 3;
    let mut out = [0u8; 2];
    let mut set = |i: usize| {
        if let Some(byte) = out.get_mut(i / 8) {
            *byte |= 0x80 >> (i % 8);
        }
    };
    if validity & 2 != 0 {
        set(0);
    }
    if validity & 1 != 0 {
        set(1);
    }
    for i in 2..QUALITY_BITS {
        if word & (1 << i) != 0 {
            set(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sv::Validity;

    #[test]
    fn dbpos_codes_and_bits() {
        for code in 0..4u8 {
            let pos = Dbpos::from_code(code);
            let byte = pos.to_byte();
            let bits = BitString {
                padding: Dbpos::PADDING,
                bytes: &byte,
            };
            assert_eq!(Dbpos::from_bits(&bits), Some(pos));
        }
        assert_eq!(Dbpos::On.to_byte(), [0x80]);
        assert_eq!(Dbpos::Off.to_byte(), [0x40]);
        let short = BitString {
            padding: 7,
            bytes: &[0x80],
        };
        assert_eq!(Dbpos::from_bits(&short), None);
    }

    #[test]
    fn quality_bits_follow_61850_8_1() {
        let mut q = Quality::GOOD;
        q.validity = Validity::Invalid;
        q.test = true;
        let bytes = quality_to_bytes(q);
        // invalid = "01" (bit 1), test = bit 11.
        assert_eq!(bytes, [0x40, 0x10]);
        let bits = BitString {
            padding: QUALITY_PADDING,
            bytes: &bytes,
        };
        assert_eq!(quality_from_bits(&bits), q);
        q.validity = Validity::Questionable;
        q.test = false;
        assert_eq!(quality_to_bytes(q), [0xc0, 0]);
    }
}
