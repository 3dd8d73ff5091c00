//! The 32-bit quality word that follows each value in 9-2LE and 61869-9 datasets
//! (IEC 61850-7-3 Quality; bit 0 is the least significant bit, as in tshark's
//! `sv.meas_quality` fields and the UCA 9-2LE guideline).

/// Validity (bits 0..1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Validity {
    /// 0: good.
    #[default]
    Good,
    /// 1: invalid.
    Invalid,
    /// 2: reserved.
    Reserved,
    /// 3: questionable.
    Questionable,
}

impl Validity {
    /// From the two validity bits.
    pub const fn from_bits(bits: u32) -> Validity {
        match bits & 3 {
            0 => Validity::Good,
            1 => Validity::Invalid,
            2 => Validity::Reserved,
            _ => Validity::Questionable,
        }
    }

    /// The two validity bits.
    pub const fn bits(self) -> u32 {
        match self {
            Validity::Good => 0,
            Validity::Invalid => 1,
            Validity::Reserved => 2,
            Validity::Questionable => 3,
        }
    }
}

/// Bit masks of the quality word.
pub mod bits {
    /// Validity (two bits).
    pub const VALIDITY: u32 = 0x0003;
    /// detailQual.overflow.
    pub const OVERFLOW: u32 = 1 << 2;
    /// detailQual.outOfRange.
    pub const OUT_OF_RANGE: u32 = 1 << 3;
    /// detailQual.badReference.
    pub const BAD_REFERENCE: u32 = 1 << 4;
    /// detailQual.oscillatory.
    pub const OSCILLATORY: u32 = 1 << 5;
    /// detailQual.failure.
    pub const FAILURE: u32 = 1 << 6;
    /// detailQual.oldData.
    pub const OLD_DATA: u32 = 1 << 7;
    /// detailQual.inconsistent.
    pub const INCONSISTENT: u32 = 1 << 8;
    /// detailQual.inaccurate.
    pub const INACCURATE: u32 = 1 << 9;
    /// source: 0 process, 1 substituted.
    pub const SOURCE_SUBSTITUTED: u32 = 1 << 10;
    /// test.
    pub const TEST: u32 = 1 << 11;
    /// operatorBlocked.
    pub const OPERATOR_BLOCKED: u32 = 1 << 12;
    /// derived (UCA 9-2LE guideline).
    pub const DERIVED: u32 = 1 << 13;
    /// Every bit above that is defined.
    pub const DEFINED: u32 = (1 << 14) - 1;
}

/// Decoded quality word; [`Quality::from_u32`] and [`Quality::to_u32`] are exact
/// inverses (undefined bits are kept in `reserved`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Quality {
    /// Validity.
    pub validity: Validity,
    /// Overflow.
    pub overflow: bool,
    /// Out of range.
    pub out_of_range: bool,
    /// Bad reference.
    pub bad_reference: bool,
    /// Oscillatory.
    pub oscillatory: bool,
    /// Failure.
    pub failure: bool,
    /// Old data.
    pub old_data: bool,
    /// Inconsistent.
    pub inconsistent: bool,
    /// Inaccurate.
    pub inaccurate: bool,
    /// Source is substituted (otherwise process).
    pub source_substituted: bool,
    /// Test.
    pub test: bool,
    /// Operator blocked.
    pub operator_blocked: bool,
    /// Derived value (e.g. IN computed from the phases).
    pub derived: bool,
    /// Bits 14..31, which the standards leave undefined, as received.
    pub reserved: u32,
}

const fn flag(set: bool, bit: u32) -> u32 {
    if set {
        bit
    } else {
        0
    }
}

impl Quality {
    /// Good quality: all bits zero.
    pub const GOOD: Quality = Quality::from_u32(0);

    /// Decodes a quality word.
    pub const fn from_u32(word: u32) -> Quality {
        Quality {
            validity: Validity::from_bits(word),
            overflow: word & bits::OVERFLOW != 0,
            out_of_range: word & bits::OUT_OF_RANGE != 0,
            bad_reference: word & bits::BAD_REFERENCE != 0,
            oscillatory: word & bits::OSCILLATORY != 0,
            failure: word & bits::FAILURE != 0,
            old_data: word & bits::OLD_DATA != 0,
            inconsistent: word & bits::INCONSISTENT != 0,
            inaccurate: word & bits::INACCURATE != 0,
            source_substituted: word & bits::SOURCE_SUBSTITUTED != 0,
            test: word & bits::TEST != 0,
            operator_blocked: word & bits::OPERATOR_BLOCKED != 0,
            derived: word & bits::DERIVED != 0,
            reserved: word & !bits::DEFINED,
        }
    }

    /// Encodes the quality word.
    pub const fn to_u32(&self) -> u32 {
        self.validity.bits()
            | flag(self.overflow, bits::OVERFLOW)
            | flag(self.out_of_range, bits::OUT_OF_RANGE)
            | flag(self.bad_reference, bits::BAD_REFERENCE)
            | flag(self.oscillatory, bits::OSCILLATORY)
            | flag(self.failure, bits::FAILURE)
            | flag(self.old_data, bits::OLD_DATA)
            | flag(self.inconsistent, bits::INCONSISTENT)
            | flag(self.inaccurate, bits::INACCURATE)
            | flag(self.source_substituted, bits::SOURCE_SUBSTITUTED)
            | flag(self.test, bits::TEST)
            | flag(self.operator_blocked, bits::OPERATOR_BLOCKED)
            | flag(self.derived, bits::DERIVED)
            | (self.reserved & !bits::DEFINED)
    }

    /// Whether validity is good.
    pub const fn is_good(&self) -> bool {
        matches!(self.validity, Validity::Good)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips() {
        let mut word = 0x9e37_79b9u32;
        for shift in 0..32 {
            for w in [1u32 << shift, word, !word] {
                assert_eq!(Quality::from_u32(w).to_u32(), w);
            }
            word = word.rotate_left(7) ^ 0x5bd1_e995;
        }
    }

    #[test]
    fn flags_land_on_tshark_bits() {
        let q = Quality {
            validity: Validity::Questionable,
            derived: true,
            test: true,
            ..Quality::GOOD
        };
        assert_eq!(q.to_u32(), 0x2803);
        assert!(Quality::from_u32(0x2000).derived);
        assert_eq!(Quality::from_u32(1).validity, Validity::Invalid);
        assert!(Quality::GOOD.is_good());
    }
}
