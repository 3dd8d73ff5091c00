//! The 8-byte UtcTime of refrTm: seconds, 24-bit fraction of second, time quality.

/// IEC 61850 UtcTime (IEC 61850-8-1 / 9-2 encoding, 8 bytes big-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UtcTime {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub seconds: u32,
    /// Fraction of the second in units of 2^-24 s (24 bits).
    pub fraction: u32,
    /// Time quality: bit 7 leap second known, 6 clock failure, 5 clock not
    /// synchronised, 4..0 number of significant fraction bits (31 = unspecified).
    pub quality: u8,
}

impl UtcTime {
    /// Encoded size.
    pub const LEN: usize = 8;
    /// Time-quality bit: leap seconds known.
    pub const LEAP_SECOND_KNOWN: u8 = 0x80;
    /// Time-quality bit: clock failure.
    pub const CLOCK_FAILURE: u8 = 0x40;
    /// Time-quality bit: clock not synchronised.
    pub const CLOCK_NOT_SYNCHRONIZED: u8 = 0x20;

    /// Builds a time from Unix nanoseconds (negative times clamp to the epoch,
    /// times after 2106 clamp to the last representable second).
    pub fn from_unix_nanos(nanos: i64, quality: u8) -> UtcTime {
        let nanos = nanos.max(0);
        let seconds = u32::try_from(nanos / 1_000_000_000).unwrap_or(u32::MAX);
        let sub = (nanos % 1_000_000_000) as u64;
        let fraction = ((sub << 24) / 1_000_000_000) as u32;
        UtcTime {
            seconds,
            fraction: fraction & 0x00ff_ffff,
            quality,
        }
    }

    /// Unix nanoseconds (the fraction truncated to whole nanoseconds).
    pub fn to_unix_nanos(&self) -> i64 {
        let sub = (u64::from(self.fraction & 0x00ff_ffff) * 1_000_000_000) >> 24;
        i64::from(self.seconds) * 1_000_000_000 + sub as i64
    }

    /// Decodes the 8 bytes.
    pub fn from_bytes(bytes: [u8; 8]) -> UtcTime {
        let [s0, s1, s2, s3, f0, f1, f2, quality] = bytes;
        UtcTime {
            seconds: u32::from_be_bytes([s0, s1, s2, s3]),
            fraction: u32::from_be_bytes([0, f0, f1, f2]),
            quality,
        }
    }

    /// Encodes the 8 bytes (fraction bits above 24 are dropped).
    pub fn to_bytes(&self) -> [u8; 8] {
        let [s0, s1, s2, s3] = self.seconds.to_be_bytes();
        let [_, f0, f1, f2] = self.fraction.to_be_bytes();
        [s0, s1, s2, s3, f0, f1, f2, self.quality]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_round_trip_within_one_fraction_step() {
        for nanos in [0i64, 1, 999_999_999, 1_700_000_000_500_000_000] {
            let t = UtcTime::from_unix_nanos(nanos, 0x0a);
            let back = t.to_unix_nanos();
            assert!(nanos - back >= 0 && nanos - back < 60, "{nanos} {back}");
            assert_eq!(UtcTime::from_bytes(t.to_bytes()), t);
        }
        assert_eq!(UtcTime::from_unix_nanos(500_000_000, 0).fraction, 0x80_0000);
    }
}
