//! The publisher's retransmission curve (IEC 61850-8-1 §18.1): on a change, a new state
//! goes out at once, repeats follow after the first interval, doubling up to the
//! heartbeat T0. Sans-IO: time comes in as an argument; no clock, no socket.

use gridhil_engine::units::Nanos;

/// What to put in the next frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmission {
    /// stNum.
    pub st_num: u32,
    /// sqNum.
    pub sq_num: u32,
    /// timeAllowedtoLive in milliseconds: the factor times the gap to the next frame.
    pub time_allowed_to_live: u32,
}

/// stNum/sqNum and the timing of repeats of one GOOSE control block.
#[derive(Debug, Clone)]
pub struct RetransmissionCurve {
    first: Nanos,
    heartbeat: Nanos,
    tal_factor: u32,
    st_num: u32,
    sq_num: u32,
    gap: Nanos,
    next_due: Option<Nanos>,
}

/// The number after `n` in a counter that skips 0 when it wraps (stNum, sqNum repeats).
const fn next_skipping_zero(n: u32) -> u32 {
    match n.checked_add(1) {
        Some(next) => next,
        None => 1,
    }
}

impl RetransmissionCurve {
    /// A curve with the first repeat after `first`, doubling up to `heartbeat` (T0);
    /// timeAllowedtoLive is `tal_factor` times the gap to the next frame. Intervals
    /// below 1 ns count as 1 ns, and `heartbeat` is at least `first`.
    pub fn new(first: Nanos, heartbeat: Nanos, tal_factor: u32) -> RetransmissionCurve {
        let first = first.max(1);
        RetransmissionCurve {
            first,
            heartbeat: heartbeat.max(first),
            tal_factor: tal_factor.max(1),
            st_num: 0,
            sq_num: 0,
            gap: first,
            next_due: None,
        }
    }

    fn transmission(&self) -> Transmission {
        let ms = (i128::from(self.gap) * i128::from(self.tal_factor) + 999_999) / 1_000_000;
        Transmission {
            st_num: self.st_num,
            sq_num: self.sq_num,
            time_allowed_to_live: u32::try_from(ms.max(1)).unwrap_or(u32::MAX),
        }
    }

    /// A new state at `now`: stNum advances (1 for the first; after 2³²−1 comes 1),
    /// sqNum is 0, the first repeat is due after the first interval.
    pub fn change(&mut self, now: Nanos) -> Transmission {
        self.st_num = next_skipping_zero(self.st_num);
        self.sq_num = 0;
        self.gap = self.first;
        self.next_due = Some(now.saturating_add(self.gap));
        self.transmission()
    }

    /// A repeat when one is due at `now`: sqNum advances, the gap doubles up to the
    /// heartbeat. A caller late by several gaps gets one repeat, not a burst.
    pub fn poll(&mut self, now: Nanos) -> Option<Transmission> {
        let due = self.next_due?;
        if now < due {
            return None;
        }
        self.sq_num = next_skipping_zero(self.sq_num);
        self.gap = self.gap.saturating_mul(2).min(self.heartbeat);
        let next = due.saturating_add(self.gap);
        self.next_due = Some(if next <= now {
            now.saturating_add(self.gap)
        } else {
            next
        });
        Some(self.transmission())
    }

    /// When the next repeat is due (`None` before the first state).
    pub fn next_due(&self) -> Option<Nanos> {
        self.next_due
    }

    /// The current stNum (0 before the first state).
    pub fn st_num(&self) -> u32 {
        self.st_num
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Nanos = 1_000_000;

    #[test]
    fn repeats_double_up_to_the_heartbeat() {
        let mut curve = RetransmissionCurve::new(2 * MS, 1000 * MS, 2);
        assert_eq!(curve.poll(0), None);
        let first = curve.change(10 * MS);
        assert_eq!(
            first,
            Transmission {
                st_num: 1,
                sq_num: 0,
                time_allowed_to_live: 4
            }
        );
        // Polled every millisecond for 3 s: repeats at +2, +6, +14, +30, … ms, then every 1 s.
        let mut times = Vec::new();
        let mut tals = Vec::new();
        for ms in 11..3010 {
            if let Some(t) = curve.poll(ms * MS) {
                times.push(ms - 10);
                tals.push(t.time_allowed_to_live);
                assert_eq!(t.st_num, 1);
                assert_eq!(t.sq_num as usize, times.len());
            }
        }
        assert_eq!(
            times,
            [2, 6, 14, 30, 62, 126, 254, 510, 1022, 2022, 3022].map(|t| t as i64)[..times.len()]
        );
        assert_eq!(&tals[..3], &[8, 16, 32]);
        assert_eq!(*tals.last().unwrap(), 2000);
        // A change starts over: stNum 2, sqNum 0, first interval again.
        let t = curve.change(3100 * MS);
        assert_eq!((t.st_num, t.sq_num, t.time_allowed_to_live), (2, 0, 4));
        assert_eq!(curve.next_due(), Some(3102 * MS));
    }

    #[test]
    fn late_polls_give_one_repeat_and_counters_skip_zero() {
        let mut curve = RetransmissionCurve::new(MS, 4 * MS, 3);
        curve.change(0);
        assert!(curve.poll(100 * MS).is_some());
        assert_eq!(curve.poll(100 * MS), None);
        assert_eq!(curve.next_due(), Some(102 * MS));
        curve.st_num = u32::MAX;
        assert_eq!(curve.change(200 * MS).st_num, 1);
        curve.sq_num = u32::MAX;
        assert_eq!(curve.poll(201 * MS).map(|t| t.sq_num), Some(1));
    }
}
