//! [`SmpCntTracker`]: classifies the smpCnt of each received ASDU of one stream.

/// What one received smpCnt means relative to the previous ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmpCntEvent {
    /// The first sample seen.
    First,
    /// The expected next sample.
    InOrder,
    /// Newer than expected: `missed` samples were skipped (lost).
    Lost {
        /// Number of samples missing before this one.
        missed: u32,
    },
    /// The same smpCnt as the previous sample.
    Duplicate,
    /// Older than expected (`behind` samples before the previous one).
    OutOfOrder {
        /// How far behind the previous sample it is.
        behind: u32,
    },
    /// smpCnt not below the wrap value: ignored.
    OutOfRange,
}

/// Running counters of a [`SmpCntTracker`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SmpCntStats {
    /// Samples observed (every event).
    pub received: u64,
    /// Samples in order (including the first).
    pub in_order: u64,
    /// Samples reported missing.
    pub lost: u64,
    /// Duplicates.
    pub duplicates: u64,
    /// Out-of-order samples.
    pub out_of_order: u64,
    /// smpCnt values not below the wrap.
    pub out_of_range: u64,
}

/// Follows the smpCnt sequence of one stream, with wrap at samples per second.
///
/// A jump forward by less than half the wrap counts as loss; anything further
/// is taken as an old (out-of-order) sample. Out-of-order and duplicate samples
/// do not move the expected position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmpCntTracker {
    wrap: u32,
    last: Option<u32>,
    stats: SmpCntStats,
}

impl SmpCntTracker {
    /// A tracker for a stream whose smpCnt wraps to 0 at `wrap` (at least 1).
    pub fn new(wrap: u32) -> SmpCntTracker {
        SmpCntTracker {
            wrap: wrap.max(1),
            last: None,
            stats: SmpCntStats::default(),
        }
    }

    /// Classifies one received smpCnt and updates the counters.
    pub fn observe(&mut self, smp_cnt: u16) -> SmpCntEvent {
        let cnt = u32::from(smp_cnt);
        self.stats.received += 1;
        let event = if cnt >= self.wrap {
            SmpCntEvent::OutOfRange
        } else {
            match self.last {
                None => SmpCntEvent::First,
                Some(last) if last == cnt => SmpCntEvent::Duplicate,
                Some(last) => {
                    let expected = (last + 1) % self.wrap;
                    let ahead = (cnt + self.wrap - expected) % self.wrap;
                    if ahead == 0 {
                        SmpCntEvent::InOrder
                    } else if ahead < self.wrap / 2 {
                        SmpCntEvent::Lost { missed: ahead }
                    } else {
                        SmpCntEvent::OutOfOrder {
                            behind: (last + self.wrap - cnt) % self.wrap,
                        }
                    }
                }
            }
        };
        match event {
            SmpCntEvent::First | SmpCntEvent::InOrder => {
                self.stats.in_order += 1;
                self.last = Some(cnt);
            }
            SmpCntEvent::Lost { missed } => {
                self.stats.lost += u64::from(missed);
                self.last = Some(cnt);
            }
            SmpCntEvent::Duplicate => self.stats.duplicates += 1,
            SmpCntEvent::OutOfOrder { .. } => self.stats.out_of_order += 1,
            SmpCntEvent::OutOfRange => self.stats.out_of_range += 1,
        }
        event
    }

    /// The counters so far.
    pub fn stats(&self) -> SmpCntStats {
        self.stats
    }

    /// The last in-sequence smpCnt, if any.
    pub fn last(&self) -> Option<u16> {
        self.last.map(|v| v as u16)
    }

    /// Forgets the position (e.g. after a confRev change); keeps the counters.
    pub fn reset(&mut self) {
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_each_case_across_the_wrap() {
        let mut t = SmpCntTracker::new(4000);
        assert_eq!(t.observe(3998), SmpCntEvent::First);
        assert_eq!(t.observe(3999), SmpCntEvent::InOrder);
        assert_eq!(t.observe(0), SmpCntEvent::InOrder);
        assert_eq!(t.observe(3), SmpCntEvent::Lost { missed: 2 });
        assert_eq!(t.observe(3), SmpCntEvent::Duplicate);
        assert_eq!(t.observe(1), SmpCntEvent::OutOfOrder { behind: 2 });
        assert_eq!(t.observe(3998), SmpCntEvent::OutOfOrder { behind: 5 });
        assert_eq!(t.observe(4), SmpCntEvent::InOrder);
        assert_eq!(t.observe(4000), SmpCntEvent::OutOfRange);
        assert_eq!(t.observe(3990), SmpCntEvent::OutOfOrder { behind: 14 });
        assert_eq!(t.observe(1990), SmpCntEvent::Lost { missed: 1985 });
        assert_eq!(t.last(), Some(1990));
        let s = t.stats();
        assert_eq!(
            (
                s.received,
                s.in_order,
                s.lost,
                s.duplicates,
                s.out_of_order,
                s.out_of_range
            ),
            (11, 4, 1987, 1, 3, 1)
        );
        t.reset();
        assert_eq!(t.observe(7), SmpCntEvent::First);
    }

    #[test]
    fn full_u16_range_wraps() {
        let mut t = SmpCntTracker::new(65536);
        t.observe(65535);
        assert_eq!(t.observe(0), SmpCntEvent::InOrder);
        assert_eq!(t.observe(65535), SmpCntEvent::OutOfOrder { behind: 1 });
    }
}
