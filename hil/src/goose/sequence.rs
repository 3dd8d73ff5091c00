//! The subscriber's stNum/sqNum check: what a relay tester reports about a GOOSE stream
//! (new state, repeat, missed messages, duplicates, out of order, publisher restart).
//! Sans-IO; TAL expiry is the node's, since it needs time.

/// What one received message is, compared with the last accepted one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceEvent {
    /// The first message of the stream.
    First,
    /// A new state (stNum advanced). `missed_states` states were never seen;
    /// `missed_repeats` messages of this state came before this one (sqNum > 0).
    NewState {
        /// States skipped.
        missed_states: u32,
        /// Messages of the new state missed before this one.
        missed_repeats: u32,
    },
    /// A repeat of the current state; `missed` repeats were skipped.
    Repeat {
        /// Repeats skipped.
        missed: u32,
    },
    /// The same stNum and sqNum again.
    Duplicate,
    /// An older state or an older repeat: not accepted.
    OutOfOrder,
    /// stNum back to 1 with sqNum 0 after a higher stNum: the publisher restarted.
    Restart,
}

/// Follows stNum and sqNum of one stream.
#[derive(Debug, Clone, Default)]
pub struct SequenceTracker {
    last: Option<(u32, u32)>,
}

/// Forward distance from `from` to `to` in a counter that skips 0 when it wraps; `None`
/// when `to` is behind (more than half the range ahead).
fn forward(from: u32, to: u32) -> Option<u32> {
    let d = if to >= from {
        to - from
    } else {
        // Wrapped: from → u32::MAX, then 1 → to (0 is skipped).
        (u32::MAX - from).wrapping_add(to)
    };
    (d < 1 << 31).then_some(d)
}

impl SequenceTracker {
    /// A tracker that has seen nothing.
    pub fn new() -> SequenceTracker {
        SequenceTracker::default()
    }

    /// Forgets the stream (after its time allowed to live expired).
    pub fn reset(&mut self) {
        self.last = None;
    }

    /// The last accepted (stNum, sqNum).
    pub fn last(&self) -> Option<(u32, u32)> {
        self.last
    }

    /// Classifies a message and, when it is accepted, remembers it.
    pub fn observe(&mut self, st_num: u32, sq_num: u32) -> SequenceEvent {
        let Some((last_st, last_sq)) = self.last else {
            self.last = Some((st_num, sq_num));
            return SequenceEvent::First;
        };
        let event = if st_num == last_st {
            match forward(last_sq, sq_num) {
                Some(0) => SequenceEvent::Duplicate,
                Some(d) => SequenceEvent::Repeat { missed: d - 1 },
                None => SequenceEvent::OutOfOrder,
            }
        } else {
            match forward(last_st, st_num) {
                Some(d) => SequenceEvent::NewState {
                    missed_states: d.saturating_sub(1),
                    missed_repeats: sq_num,
                },
                None if st_num == 1 && sq_num == 0 => SequenceEvent::Restart,
                None => SequenceEvent::OutOfOrder,
            }
        };
        if !matches!(event, SequenceEvent::Duplicate | SequenceEvent::OutOfOrder) {
            self.last = Some((st_num, sq_num));
        }
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SequenceEvent::*;

    #[test]
    fn a_relay_testers_view_of_a_stream() {
        let mut t = SequenceTracker::new();
        let seen: Vec<SequenceEvent> = [
            (5, 3),
            (5, 4),
            (5, 4),
            (5, 7),
            (5, 6),
            (6, 0),
            (8, 2),
            (7, 0),
            (1, 0),
            (1, 1),
        ]
        .iter()
        .map(|&(st, sq)| t.observe(st, sq))
        .collect();
        assert_eq!(
            seen,
            [
                First,
                Repeat { missed: 0 },
                Duplicate,
                Repeat { missed: 2 },
                OutOfOrder,
                NewState {
                    missed_states: 0,
                    missed_repeats: 0
                },
                NewState {
                    missed_states: 1,
                    missed_repeats: 2
                },
                OutOfOrder,
                Restart,
                Repeat { missed: 0 },
            ]
        );
    }

    #[test]
    fn counters_wrap_to_one() {
        let mut t = SequenceTracker::new();
        t.observe(u32::MAX, u32::MAX);
        assert_eq!(t.observe(u32::MAX, 1), Repeat { missed: 0 });
        assert_eq!(
            t.observe(1, 0),
            NewState {
                missed_states: 0,
                missed_repeats: 0
            }
        );
    }
}
