//! Which sequence numbers have come back: a fixed bitmap over the newest [`WINDOW`] numbers.
//!
//! Allocated once; marking a number never allocates. A number older than the window can no
//! longer be told apart from a duplicate and is reported as [`Arrival::TooOld`].

/// Sequence numbers remembered behind the newest one (2^20: 10 s at 100 kHz, 128 KiB).
pub const WINDOW: u64 = 1 << 20;

const WORDS: usize = (WINDOW / 64) as usize;

/// What an arriving sequence number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// The first copy.
    First,
    /// Already seen.
    Duplicate,
    /// Older than the window: cannot be checked.
    TooOld,
}

/// Seen-bits of the sequence numbers in `[horizon − WINDOW, horizon)`.
pub struct SeenWindow {
    bits: Vec<u64>,
    /// One past the highest number marked so far.
    horizon: u64,
}

impl Default for SeenWindow {
    fn default() -> Self {
        Self::new()
    }
}

impl SeenWindow {
    /// An empty window (allocates its bitmap now).
    pub fn new() -> Self {
        SeenWindow {
            bits: vec![0; WORDS],
            horizon: 0,
        }
    }

    /// Marks `seq` as arrived and says whether it is a first copy.
    pub fn mark(&mut self, seq: u64) -> Arrival {
        if seq >= self.horizon {
            self.forget(self.horizon, seq);
            self.horizon = seq + 1;
        } else if self.horizon - seq > WINDOW {
            return Arrival::TooOld;
        }
        let word = ((seq % WINDOW) / 64) as usize;
        let mask = 1u64 << (seq % 64);
        match self.bits.get_mut(word) {
            Some(bits) if *bits & mask != 0 => Arrival::Duplicate,
            Some(bits) => {
                *bits |= mask;
                Arrival::First
            }
            None => Arrival::TooOld,
        }
    }

    /// Clears the bits of `from..=to` (numbers entering the window; they reuse old slots).
    fn forget(&mut self, from: u64, to: u64) {
        if to - from >= WINDOW {
            self.bits.fill(0);
            return;
        }
        let mut seq = from;
        while seq <= to {
            let word = ((seq % WINDOW) / 64) as usize;
            let Some(bits) = self.bits.get_mut(word) else {
                return;
            };
            if seq % 64 == 0 && to - seq >= 63 {
                *bits = 0;
                seq += 64;
            } else {
                *bits &= !(1u64 << (seq % 64));
                seq += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_duplicate_and_too_old() {
        let mut w = SeenWindow::new();
        assert_eq!(w.mark(5), Arrival::First);
        assert_eq!(w.mark(5), Arrival::Duplicate);
        assert_eq!(w.mark(3), Arrival::First, "late but within the window");
        assert_eq!(w.mark(3), Arrival::Duplicate);
        assert_eq!(w.mark(5 + WINDOW), Arrival::First);
        assert_eq!(w.mark(5), Arrival::TooOld);
        assert_eq!(w.mark(6), Arrival::First, "slot reused after a jump");
    }

    #[test]
    fn slots_are_cleared_when_the_window_moves() {
        let mut w = SeenWindow::new();
        for seq in 0..1000 {
            assert_eq!(w.mark(seq), Arrival::First);
        }
        // Jump by exactly one window: every slot is reused and must read as unseen.
        for seq in WINDOW..WINDOW + 1000 {
            assert_eq!(w.mark(seq), Arrival::First, "{seq}");
        }
        // A jump larger than the window clears everything.
        assert_eq!(w.mark(10 * WINDOW + 7), Arrival::First);
        assert_eq!(w.mark(10 * WINDOW + 6), Arrival::First);
        assert_eq!(w.mark(10 * WINDOW + 7), Arrival::Duplicate);
    }

    #[test]
    fn partial_word_clears_keep_newer_bits() {
        let mut w = SeenWindow::new();
        assert_eq!(w.mark(70), Arrival::First);
        // Moving to 200 clears 71..=200 but not 70.
        assert_eq!(w.mark(200), Arrival::First);
        assert_eq!(w.mark(70), Arrival::Duplicate);
        assert_eq!(w.mark(100), Arrival::First);
    }
}
