//! Conversions between integer nanoseconds and (seconds, nanoseconds) pairs.

/// Nanoseconds per second.
pub const NANOS_PER_SEC: i64 = 1_000_000_000;

/// Splits nanoseconds since the epoch into whole seconds (rounded down) and nanoseconds `0..1e9`.
pub fn split_ns(ns: i64) -> (i64, u32) {
    // rem_euclid of a positive divisor is in 0..1e9, which fits u32.
    (
        ns.div_euclid(NANOS_PER_SEC),
        ns.rem_euclid(NANOS_PER_SEC) as u32,
    )
}

/// Joins seconds and nanoseconds into nanoseconds since the epoch, saturating at the i64 range.
///
/// `nsec` is not required to be below one second: a peer's `1.1500000000` means 2.5 s.
pub fn join_ns(sec: i64, nsec: u64) -> i64 {
    let nsec = i64::try_from(nsec).unwrap_or(i64::MAX);
    sec.saturating_mul(NANOS_PER_SEC).saturating_add(nsec)
}

/// Splits nanoseconds into `u32` seconds and nanoseconds, as 32-bit wire headers carry them.
pub fn split_ns_u32(ns: i64) -> Result<(u32, u32), crate::FormatError> {
    let (sec, nsec) = split_ns(ns);
    let sec = u32::try_from(sec).map_err(|_| {
        crate::FormatError::Unrepresentable("timestamp outside 1970..2106 (u32 seconds)")
    })?;
    Ok((sec, nsec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_join() {
        assert_eq!(split_ns(1_500_000_000), (1, 500_000_000));
        assert_eq!(split_ns(-1), (-1, 999_999_999));
        assert_eq!(join_ns(-1, 999_999_999), -1);
        assert_eq!(join_ns(i64::MAX, 5), i64::MAX);
        assert_eq!(join_ns(1, u64::MAX), i64::MAX);
        assert!(split_ns_u32(-1).is_err());
        assert_eq!(
            split_ns_u32(4_294_967_295_999_999_999).unwrap(),
            (u32::MAX, 999_999_999)
        );
    }
}
