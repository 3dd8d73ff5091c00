//! Clocks injected into the engine.
//!
//! The engine core never reads the operating system's clock: every instant comes from a
//! [`Clock`]. [`RealClock`] reads `CLOCK_MONOTONIC` and `CLOCK_REALTIME` (or `CLOCK_TAI`)
//! and sleeps to absolute deadlines; [`VirtualClock`] is advanced by the virtual-time
//! scheduler, so a run in virtual time is deterministic and as fast as the machine allows.
//! [`IoDeadline`] is the one way a node thread waits for the world outside the run in
//! real time even in virtual time (a peer's answer, a reconnection delay).

use crate::units::{Nanos, NANOS_PER_SEC};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Source of time for a run.
pub trait Clock: Send + Sync {
    /// The engine's monotonic timeline in ns (deadlines are on this timeline).
    fn monotonic(&self) -> Nanos;
    /// Wall-clock time in ns since the Unix epoch.
    fn wall(&self) -> Nanos;
    /// Blocks until the monotonic time reaches `deadline` (returns at once when it has).
    fn sleep_until(&self, deadline: Nanos);
    /// Whether this is virtual time.
    fn is_virtual(&self) -> bool;
    /// Converts a monotonic instant to wall time.
    fn wall_at(&self, monotonic: Nanos) -> Nanos {
        monotonic - self.monotonic() + self.wall()
    }
}

/// Which kernel clock gives wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WallSource {
    /// `CLOCK_REALTIME` (UTC).
    #[default]
    Realtime,
    /// `CLOCK_TAI` (for PTP-disciplined hosts).
    Tai,
}

/// Wall-clock time from the kernel, with absolute-deadline sleeps.
#[derive(Debug, Clone)]
pub struct RealClock {
    wall_source: WallSource,
    busy_wait_ns: Nanos,
}

fn read_clock(id: libc::clockid_t) -> Nanos {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; clock_gettime only writes into it.
    unsafe { libc::clock_gettime(id, &mut ts) };
    ts.tv_sec as Nanos * NANOS_PER_SEC + ts.tv_nsec as Nanos
}

impl RealClock {
    /// A real clock. With `busy_wait_ns > 0` a sleep ends that long before the deadline
    /// and spins the rest, which trades CPU for sub-10 µs wake-up jitter.
    pub fn new(wall_source: WallSource, busy_wait_ns: Nanos) -> Self {
        RealClock {
            wall_source,
            busy_wait_ns: busy_wait_ns.max(0),
        }
    }
}

impl Default for RealClock {
    fn default() -> Self {
        RealClock::new(WallSource::Realtime, 0)
    }
}

impl Clock for RealClock {
    fn monotonic(&self) -> Nanos {
        read_clock(libc::CLOCK_MONOTONIC)
    }

    fn wall(&self) -> Nanos {
        match self.wall_source {
            WallSource::Realtime => read_clock(libc::CLOCK_REALTIME),
            WallSource::Tai => read_clock(libc::CLOCK_TAI),
        }
    }

    fn sleep_until(&self, deadline: Nanos) {
        let sleep_to = deadline - self.busy_wait_ns;
        loop {
            if self.monotonic() >= sleep_to {
                break;
            }
            let ts = libc::timespec {
                tv_sec: (sleep_to / NANOS_PER_SEC) as libc::time_t,
                tv_nsec: (sleep_to % NANOS_PER_SEC) as libc::c_long,
            };
            // SAFETY: `ts` is a valid timespec; the remaining-time pointer may be null
            // for TIMER_ABSTIME sleeps.
            let rc = unsafe {
                libc::clock_nanosleep(
                    libc::CLOCK_MONOTONIC,
                    libc::TIMER_ABSTIME,
                    &ts,
                    std::ptr::null_mut(),
                )
            };
            if rc != libc::EINTR {
                break;
            }
        }
        if self.busy_wait_ns > 0 {
            while self.monotonic() < deadline {
                std::hint::spin_loop();
            }
        }
    }

    fn is_virtual(&self) -> bool {
        false
    }
}

/// A deadline for patience with the world outside the run — a peer's answer, a
/// reconnection delay, the last bytes a connection may take to leave — on the kernel's
/// monotonic clock.
///
/// It passes in real time even in virtual time, where the run's clock stands still while
/// a node waits for a peer (a node thread waiting for the network on the virtual clock
/// would wait forever; one that called [`Clock::sleep_until`] on it would move virtual
/// time). Only for how long to wait on sockets and peers: every instant a run computes,
/// stamps or logs, and every timer that is part of a protocol's behaviour, comes from
/// the run's [`Clock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct IoDeadline {
    at: Nanos,
}

impl IoDeadline {
    /// The deadline `patience` from now.
    pub fn after(patience: Duration) -> Self {
        let patience = Nanos::try_from(patience.as_nanos()).unwrap_or(Nanos::MAX);
        IoDeadline {
            at: read_clock(libc::CLOCK_MONOTONIC).saturating_add(patience),
        }
    }

    /// Whether the deadline has passed.
    pub fn has_passed(&self) -> bool {
        read_clock(libc::CLOCK_MONOTONIC) >= self.at
    }

    /// The time left until the deadline (zero once it has passed).
    pub fn remaining(&self) -> Duration {
        let left = self.at.saturating_sub(read_clock(libc::CLOCK_MONOTONIC));
        Duration::from_nanos(u64::try_from(left).unwrap_or(0))
    }
}

/// Default wall-clock epoch of virtual time: 2026-01-01T00:00:00Z.
pub const VIRTUAL_EPOCH_NS: Nanos = 1_767_225_600 * NANOS_PER_SEC;

/// Deterministic time advanced by the virtual-time scheduler.
#[derive(Debug)]
pub struct VirtualClock {
    now: AtomicI64,
    wall_epoch: Nanos,
    poses_as_real_time: bool,
}

impl VirtualClock {
    /// Virtual time starting at monotonic 0, wall time `wall_epoch`.
    pub fn new(wall_epoch: Nanos) -> Self {
        VirtualClock {
            now: AtomicI64::new(0),
            wall_epoch,
            poses_as_real_time: false,
        }
    }

    /// A clock moved by hand that says it is real time (`is_virtual()` is false): for tests
    /// of a node's real-time behaviour (lookahead, lateness) at chosen instants.
    pub fn manual_real_time(wall_epoch: Nanos) -> Self {
        VirtualClock {
            poses_as_real_time: true,
            ..VirtualClock::new(wall_epoch)
        }
    }

    /// Moves time forward to `to` (never backwards).
    pub fn advance_to(&self, to: Nanos) {
        self.now.fetch_max(to, Ordering::SeqCst);
    }
}

impl Default for VirtualClock {
    fn default() -> Self {
        VirtualClock::new(VIRTUAL_EPOCH_NS)
    }
}

impl Clock for VirtualClock {
    fn monotonic(&self) -> Nanos {
        self.now.load(Ordering::SeqCst)
    }

    fn wall(&self) -> Nanos {
        self.wall_epoch + self.monotonic()
    }

    fn sleep_until(&self, deadline: Nanos) {
        self.advance_to(deadline);
    }

    fn is_virtual(&self) -> bool {
        !self.poses_as_real_time
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_only_moves_forward() {
        let clock = VirtualClock::new(1_000);
        clock.sleep_until(500);
        clock.advance_to(100);
        assert_eq!(clock.monotonic(), 500);
        assert_eq!(clock.wall(), 1_500);
        assert_eq!(clock.wall_at(700), 1_700);
    }

    #[test]
    fn an_io_deadline_passes_in_real_time_whatever_the_run_clock_does() {
        let virtual_clock = VirtualClock::default();
        let deadline = IoDeadline::after(Duration::from_millis(20));
        assert!(!deadline.has_passed());
        assert!(deadline.remaining() <= Duration::from_millis(20));
        std::thread::sleep(deadline.remaining());
        assert!(deadline.has_passed());
        assert_eq!(deadline.remaining(), Duration::ZERO);
        // Virtual time stood still all along.
        assert_eq!(virtual_clock.monotonic(), 0);
        assert!(IoDeadline::after(Duration::MAX) > deadline);
    }

    #[test]
    fn real_clock_sleeps_to_an_absolute_deadline() {
        let clock = RealClock::new(WallSource::Realtime, 10_000);
        let deadline = clock.monotonic() + 1_000_000;
        clock.sleep_until(deadline);
        assert!(clock.monotonic() >= deadline);
    }
}
