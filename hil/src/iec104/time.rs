//! CP56Time2a, the seven-byte time tag of IEC 60870-5: milliseconds within the minute,
//! minute, hour, day of month and week, month, year of the century, with the invalid,
//! summer-time and reserved bits kept so that a parsed tag re-emits exactly.

/// A CP56Time2a time tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Cp56Time2a {
    /// Milliseconds within the minute, 0–59 999.
    pub millisecond: u16,
    /// Minute, 0–59.
    pub minute: u8,
    /// IV: the time is invalid.
    pub invalid: bool,
    /// Hour, 0–23.
    pub hour: u8,
    /// SU: summer time.
    pub summer_time: bool,
    /// Day of month, 1–31.
    pub day: u8,
    /// Day of week, 1–7 (0: not used).
    pub day_of_week: u8,
    /// Month, 1–12.
    pub month: u8,
    /// Year of the century, 0–99 (2000 + year here).
    pub year: u8,
    /// The reserved bits (minute bit 6, hour bits 5–6, month bits 4–7, year bit 7) as
    /// they came, in the positions of the encoded bytes 2, 3, 5 and 6.
    pub reserved: [u8; 4],
}

const NANOS_PER_MS: i64 = 1_000_000;
const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Cp56Time2a {
    /// Encoded size.
    pub const LEN: usize = 7;

    /// Decodes the seven bytes.
    pub fn from_bytes(b: [u8; 7]) -> Cp56Time2a {
        Cp56Time2a {
            millisecond: u16::from_le_bytes([b[0], b[1]]),
            minute: b[2] & 0x3f,
            invalid: b[2] & 0x80 != 0,
            hour: b[3] & 0x1f,
            summer_time: b[3] & 0x80 != 0,
            day: b[4] & 0x1f,
            day_of_week: b[4] >> 5,
            month: b[5] & 0x0f,
            year: b[6] & 0x7f,
            reserved: [b[2] & 0x40, b[3] & 0x60, b[5] & 0xf0, b[6] & 0x80],
        }
    }

    /// Encodes the seven bytes (fields are masked to their widths).
    pub fn to_bytes(&self) -> [u8; 7] {
        let [ms0, ms1] = self.millisecond.to_le_bytes();
        let [r2, r3, r5, r6] = self.reserved;
        [
            ms0,
            ms1,
            (self.minute & 0x3f) | (r2 & 0x40) | if self.invalid { 0x80 } else { 0 },
            (self.hour & 0x1f) | (r3 & 0x60) | if self.summer_time { 0x80 } else { 0 },
            (self.day & 0x1f) | ((self.day_of_week & 7) << 5),
            (self.month & 0x0f) | (r5 & 0xf0),
            (self.year & 0x7f) | (r6 & 0x80),
        ]
    }

    /// The UTC time tag of Unix nanoseconds (years 2000–2099; others clamp), truncated to
    /// the millisecond, with the day of week set.
    pub fn from_unix_nanos(nanos: i64) -> Cp56Time2a {
        let lo = days_from_civil(2000, 1, 1) * MS_PER_DAY;
        let hi = days_from_civil(2100, 1, 1) * MS_PER_DAY - 1;
        let ms = nanos.div_euclid(NANOS_PER_MS).clamp(lo, hi);
        let days = ms.div_euclid(MS_PER_DAY);
        let within = ms.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        // 1970-01-01 was a Thursday (4); Monday is 1, Sunday 7.
        let dow = (days + 3).rem_euclid(7) + 1;
        Cp56Time2a {
            millisecond: (within % 60_000) as u16,
            minute: (within / 60_000 % 60) as u8,
            invalid: false,
            hour: (within / 3_600_000) as u8,
            summer_time: false,
            day: day as u8,
            day_of_week: dow as u8,
            month: month as u8,
            year: (year - 2000) as u8,
            reserved: [0; 4],
        }
    }

    /// Unix nanoseconds of the tag read as UTC in 2000–2099 (the summer-time bit is not
    /// applied); `None` for a date that does not exist.
    pub fn to_unix_nanos(&self) -> Option<i64> {
        let valid = self.millisecond < 60_000
            && self.minute < 60
            && self.hour < 24
            && (1..=12).contains(&self.month)
            && (1..=31).contains(&self.day)
            && self.year < 100;
        if !valid {
            return None;
        }
        let year = 2000 + i64::from(self.year);
        let days = days_from_civil(year, i64::from(self.month), i64::from(self.day));
        if civil_from_days(days).2 != i64::from(self.day) {
            return None;
        }
        let ms = days * MS_PER_DAY
            + i64::from(self.hour) * 3_600_000
            + i64::from(self.minute) * 60_000
            + i64::from(self.millisecond);
        Some(ms * NANOS_PER_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_round_trips_to_the_millisecond() {
        // 2023-11-14 22:13:20.123 UTC, a Tuesday.
        let nanos = 1_700_000_000_123_456_789;
        let t = Cp56Time2a::from_unix_nanos(nanos);
        assert_eq!(
            (
                t.year,
                t.month,
                t.day,
                t.hour,
                t.minute,
                t.millisecond,
                t.day_of_week
            ),
            (23, 11, 14, 22, 13, 20_123, 2)
        );
        assert_eq!(t.to_unix_nanos(), Some(1_700_000_000_123_000_000));
        assert_eq!(Cp56Time2a::from_bytes(t.to_bytes()), t);
        let leap = Cp56Time2a::from_unix_nanos(951_782_400_000_000_000); // 2000-02-29
        assert_eq!((leap.month, leap.day), (2, 29));
        let mut bad = t;
        bad.month = 2;
        bad.day = 30;
        assert_eq!(bad.to_unix_nanos(), None);
    }

    #[test]
    fn every_bit_is_kept() {
        let raw = [0x10, 0x27, 0xff, 0xff, 0xff, 0xff, 0xff];
        let t = Cp56Time2a::from_bytes(raw);
        assert!(t.invalid && t.summer_time);
        assert_eq!(t.to_bytes(), raw);
    }
}
