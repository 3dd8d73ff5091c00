//! STAT: the per-PMU status word of a data frame (2011 layout, read the same
//! way for 2005 frames whose bits 8–4 are then zero/reserved).

/// Bits 15–14 of STAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum DataError {
    /// 00: good measurement data, no errors.
    #[default]
    Good,
    /// 01: PMU error, no information about data.
    PmuError,
    /// 10: PMU in test mode (or absent data tags inserted by a PDC).
    TestMode,
    /// 11: PMU error, do not use values.
    DoNotUse,
}

impl DataError {
    /// Decodes the two-bit code.
    pub fn from_bits(bits: u16) -> Self {
        match bits & 0b11 {
            0 => Self::Good,
            1 => Self::PmuError,
            2 => Self::TestMode,
            _ => Self::DoNotUse,
        }
    }

    /// The two-bit code.
    pub fn bits(self) -> u16 {
        match self {
            Self::Good => 0,
            Self::PmuError => 1,
            Self::TestMode => 2,
            Self::DoNotUse => 3,
        }
    }
}

/// Every bit of the STAT word, decoded. Round trips losslessly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Stat {
    /// Bits 15–14: data error code.
    pub data_error: DataError,
    /// Bit 13: PMU not synchronised to UTC (sync lost).
    pub sync_lost: bool,
    /// Bit 12: data sorted by arrival instead of by timestamp.
    pub sorted_by_arrival: bool,
    /// Bit 11: PMU trigger detected.
    pub trigger: bool,
    /// Bit 10: configuration change pending (set for one minute before a change).
    pub config_change: bool,
    /// Bit 9: data modified by post-processing.
    pub data_modified: bool,
    /// Bits 8–6: PMU time quality (0 = not used, 1 < 100 ns … 7 > 10 ms).
    pub time_quality: u8,
    /// Bits 5–4: unlocked time (0 < 10 s, 1 < 100 s, 2 < 1000 s, 3 > 1000 s).
    pub unlocked_time: u8,
    /// Bits 3–0: trigger reason (0 manual, 1 magnitude low, … 7 digital, 8–15 user).
    pub trigger_reason: u8,
}

impl Stat {
    /// Decodes a raw STAT word.
    pub fn from_bits(raw: u16) -> Self {
        Self {
            data_error: DataError::from_bits(raw >> 14),
            sync_lost: raw & (1 << 13) != 0,
            sorted_by_arrival: raw & (1 << 12) != 0,
            trigger: raw & (1 << 11) != 0,
            config_change: raw & (1 << 10) != 0,
            data_modified: raw & (1 << 9) != 0,
            time_quality: ((raw >> 6) & 0b111) as u8,
            unlocked_time: ((raw >> 4) & 0b11) as u8,
            trigger_reason: (raw & 0x0F) as u8,
        }
    }

    /// Encodes the raw STAT word (fields are masked to their widths).
    pub fn to_bits(self) -> u16 {
        (self.data_error.bits() << 14)
            | (u16::from(self.sync_lost) << 13)
            | (u16::from(self.sorted_by_arrival) << 12)
            | (u16::from(self.trigger) << 11)
            | (u16::from(self.config_change) << 10)
            | (u16::from(self.data_modified) << 9)
            | (u16::from(self.time_quality & 0b111) << 6)
            | (u16::from(self.unlocked_time & 0b11) << 4)
            | u16::from(self.trigger_reason & 0x0F)
    }

    /// True when the values may be used: no data error and in sync.
    pub fn is_valid(self) -> bool {
        self.data_error == DataError::Good && !self.sync_lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips() {
        for raw in 0..=u16::MAX {
            assert_eq!(Stat::from_bits(raw).to_bits(), raw);
        }
    }

    #[test]
    fn named_bits() {
        let s = Stat::from_bits(0b1110_1010_1101_0111);
        assert_eq!(s.data_error, DataError::DoNotUse);
        assert!(s.sync_lost);
        assert!(!s.sorted_by_arrival);
        assert!(s.trigger);
        assert!(!s.config_change);
        assert!(s.data_modified);
        assert_eq!(s.time_quality, 0b011);
        assert_eq!(s.unlocked_time, 0b01);
        assert_eq!(s.trigger_reason, 0b0111);
    }
}
