//! The `pdc` node in virtual time: a timed reader due at each reporting instant plus the
//! wait window, which aligns that instant's frames itself, so every run gives the same rows.
//!
//! In virtual time the engine's clock stands still while a reader works, and the PMUs
//! it reads (usually `pmu-server` nodes of the same run) produce their frames as virtual
//! time advances, so the rows must not depend on how fast frames cross the network:
//!
//! * At the start of the run the reader is due once: it waits (in real time, at most
//!   [`PATIENCE`]) until every connection says the PMU has taken "data on"
//!   ([`ClientMessage::Streaming`]) and learns the reporting rate from the
//!   configuration; the rows are then the instants of that rate after the start.
//! * For each instant T it is due at T + `wait`. By then the run has done everything up
//!   to that virtual time, so every frame stamped T or earlier that a PMU will send in
//!   time has been sent: the reader waits (real time, at most [`PATIENCE`]) until each
//!   PMU has delivered a frame stamped T or later (streams are in order), aligns the
//!   frames up to T and emits their rows, stamped with the call's wall time. Frames for
//!   later instants are held for their own call.
//! * A PMU that misses that patience is counted (`virtual_timeouts`) and not waited for
//!   again until it sends something; from then on the run is no longer repeatable.

use super::align::Arrival;
use super::client::ClientMessage;
use super::concentrator::Concentrator;
use super::counters::PdcCounters;
use super::handoff::Handoff;
use super::rows::AlignedRows;
use gridhil_engine::clock::IoDeadline;
use gridhil_engine::node::{Batch, Due, NodeError, NodeReader, ReadContext};
use gridhil_engine::units::{Nanos, NANOS_PER_SEC};
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

/// How long (real time) the virtual-time reader waits for the PMUs to start streaming,
/// and then at each row for the PMUs to deliver its instant.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Data frames held for later rows at most (the oldest are dropped, `queue_full`).
const MAX_HELD: usize = 4096;

/// The reporting instants of a stream: on the grid of whole seconds since the Unix epoch,
/// DATA_RATE frames per second (a negative DATA_RATE: one frame every −DATA_RATE s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    frames: i128,
    seconds: i128,
}

impl Grid {
    /// The grid of a DATA_RATE; `None` for 0.
    pub fn new(data_rate: i16) -> Option<Grid> {
        match data_rate {
            0 => None,
            r if r > 0 => Some(Grid {
                frames: i128::from(r),
                seconds: 1,
            }),
            r => Some(Grid {
                frames: 1,
                seconds: -i128::from(r),
            }),
        }
    }

    /// Instant `n` of the grid (ns since the Unix epoch, rounded down).
    pub fn instant(&self, n: i64) -> Nanos {
        let ns = (i128::from(n) * i128::from(NANOS_PER_SEC) * self.seconds).div_euclid(self.frames);
        Nanos::try_from(ns).unwrap_or(Nanos::MAX)
    }

    /// The index of the instant nearest to `ts` (a frame's time stamp, which its
    /// TIME_BASE may have rounded).
    pub fn nearest(&self, ts: Nanos) -> i64 {
        let unit = i128::from(NANOS_PER_SEC) * self.seconds;
        let n = (2 * i128::from(ts) * self.frames + unit).div_euclid(2 * unit);
        i64::try_from(n).unwrap_or(i64::MAX)
    }

    /// The index of the first instant strictly after `wall`.
    pub fn first_after(&self, wall: Nanos) -> i64 {
        let unit = i128::from(NANOS_PER_SEC) * self.seconds;
        let mut n =
            i64::try_from((i128::from(wall) * self.frames).div_euclid(unit)).unwrap_or(i64::MAX);
        while n > i64::MIN && self.instant(n - 1) > wall {
            n -= 1;
        }
        while n < i64::MAX && self.instant(n) <= wall {
            n += 1;
        }
        n
    }
}

/// Where a data frame belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Before the first row: dropped.
    BeforeFirst,
    /// At or before the row due now: aligned now.
    Now,
    /// After the row due now: held for a later one.
    Later,
}

/// Which row is due and which PMUs it still waits for (pure logic, no clock).
#[derive(Debug, Clone)]
pub struct Lockstep {
    grid: Grid,
    first: i64,
    row: i64,
    /// Per PMU, the highest instant index delivered.
    reached: Vec<i64>,
    /// PMUs not waited for (given up on, until they send again).
    absent: u64,
}

impl Lockstep {
    /// Rows from instant `first` of `grid` for `pmus` PMUs, of which `absent` (one bit
    /// each) are not waited for.
    pub fn new(grid: Grid, first: i64, pmus: usize, absent: u64) -> Self {
        Lockstep {
            grid,
            first,
            row: first,
            reached: vec![i64::MIN; pmus],
            absent,
        }
    }

    /// The instant (ns since the Unix epoch) of the row due next.
    pub fn row_instant(&self) -> Nanos {
        self.grid.instant(self.row)
    }

    /// Where the blocks of one data frame belong; notes that their PMUs have reached
    /// its instant (and are no longer absent).
    pub fn place(&mut self, batch: &[Arrival]) -> Place {
        let Some(ts) = batch.first().map(|a| a.ts) else {
            return Place::BeforeFirst;
        };
        let index = self.grid.nearest(ts);
        for arrival in batch {
            if let Some(reached) = self.reached.get_mut(arrival.pmu) {
                *reached = (*reached).max(index);
            }
            self.heard_from(bit(arrival.pmu));
        }
        if index < self.first {
            Place::BeforeFirst
        } else if index <= self.row {
            Place::Now
        } else {
            Place::Later
        }
    }

    /// The PMUs (one bit each) waited for that have not delivered the row's instant.
    pub fn waiting_for(&self) -> u64 {
        self.reached
            .iter()
            .enumerate()
            .filter(|&(_, &reached)| reached < self.row)
            .fold(0, |bits, (pmu, _)| bits | bit(pmu))
            & !self.absent
    }

    /// Stops waiting for the PMUs still waited for; returns how many.
    pub fn give_up(&mut self) -> u32 {
        let late = self.waiting_for();
        self.absent |= late;
        late.count_ones()
    }

    /// The PMUs `pmus` are there again: waited for from now on.
    pub fn heard_from(&mut self, pmus: u64) {
        self.absent &= !pmus;
    }

    /// The next row is due.
    pub fn next_row(&mut self) {
        self.row += 1;
    }
}

/// Bit of PMU `pmu` (none past 64).
fn bit(pmu: usize) -> u64 {
    u32::try_from(pmu)
        .ok()
        .and_then(|p| 1u64.checked_shl(p))
        .unwrap_or(0)
}

/// What the virtual-time reader is set up with.
pub struct LockstepSettings {
    /// Number of PMU tables.
    pub pmus: usize,
    /// The run's first instant (monotonic): when the reader is first due.
    pub start: Nanos,
    /// Wall time minus monotonic time of the run.
    pub wall_offset: Nanos,
    /// The wait window: a row is due this long after its instant.
    pub wait: Nanos,
    /// How long to wait for the PMUs (real time), [`PATIENCE`] in a run.
    pub patience: Duration,
}

/// The reader half of a `pdc` node in virtual time.
pub struct LockstepReader {
    settings: LockstepSettings,
    concentrator: Concentrator,
    messages: Receiver<ClientMessage>,
    rows: AlignedRows,
    handoff: Arc<Handoff>,
    counters: Arc<PdcCounters>,
    lockstep: Option<Lockstep>,
    held: VecDeque<Vec<Arrival>>,
}

impl LockstepReader {
    /// A reader of the client threads' `messages` (the threads of `concentrator`),
    /// aligning into `rows`, whose records come out of `handoff`.
    pub fn new(
        settings: LockstepSettings,
        concentrator: Concentrator,
        messages: Receiver<ClientMessage>,
        rows: AlignedRows,
        handoff: Arc<Handoff>,
        counters: Arc<PdcCounters>,
    ) -> Self {
        LockstepReader {
            settings,
            concentrator,
            messages,
            rows,
            handoff,
            counters,
            lockstep: None,
            held: VecDeque::new(),
        }
    }

    fn all_pmus(&self) -> u64 {
        (0..self.settings.pmus).fold(0, |bits, pmu| bits | bit(pmu))
    }

    /// The first call: waits until every connection streams, then sets the rows up.
    fn start_streams(&mut self, ctx: &ReadContext<'_>) -> Result<Lockstep, NodeError> {
        let deadline = IoDeadline::after(self.settings.patience);
        let all = self.all_pmus();
        let mut streaming = 0u64;
        let mut rate: Option<i16> = None;
        while streaming & all != all {
            match self.messages.recv_timeout(deadline.remaining()) {
                Ok(ClientMessage::Streaming { pmus, data_rate }) => {
                    if rate.is_some_and(|r| r != data_rate) {
                        return Err(NodeError::Protocol(format!(
                            "in virtual time every PMU of a pdc must report at one rate: \
                             DATA_RATE {} and {data_rate}",
                            rate.unwrap_or_default()
                        )));
                    }
                    rate = Some(data_rate);
                    streaming |= pmus;
                }
                Ok(ClientMessage::Frame(batch)) => self.held.push_back(batch),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        let Some(grid) = rate.and_then(Grid::new) else {
            return Err(NodeError::Protocol(format!(
                "in virtual time no PMU of this pdc was streaming (configuration checked, \
                 \"data on\" taken) within {} s",
                self.settings.patience.as_secs()
            )));
        };
        let absent = all & !streaming;
        self.counters
            .virtual_timeouts
            .add(u64::from(absent.count_ones()));
        let first = grid.first_after(ctx.wall);
        Ok(Lockstep::new(grid, first, self.settings.pmus, absent))
    }

    /// A row's call: waits until every PMU waited for has reached the row's instant,
    /// aligns what belongs to it and emits the rows, stamped with the call's time.
    fn take_row(&mut self, lockstep: &mut Lockstep, ctx: &ReadContext<'_>) {
        let deadline = IoDeadline::after(self.settings.patience);
        for batch in std::mem::take(&mut self.held) {
            self.take(lockstep, batch, ctx);
        }
        loop {
            let message = if lockstep.waiting_for() != 0 {
                match self.messages.recv_timeout(deadline.remaining()) {
                    Ok(message) => message,
                    Err(RecvTimeoutError::Timeout) => {
                        let given_up = lockstep.give_up();
                        self.counters.virtual_timeouts.add(u64::from(given_up));
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            } else {
                // Nothing more to wait for: take what is there already (a PMU given up
                // on comes back this way), never more.
                match self.messages.try_recv() {
                    Ok(message) => message,
                    Err(_) => break,
                }
            };
            match message {
                ClientMessage::Frame(batch) => self.take(lockstep, batch, ctx),
                ClientMessage::Streaming { pmus, .. } => lockstep.heard_from(pmus),
            }
        }
        self.rows.flush(ctx.wall);
        lockstep.next_row();
    }

    /// One data frame: aligned now, held, or dropped.
    fn take(&mut self, lockstep: &mut Lockstep, batch: Vec<Arrival>, ctx: &ReadContext<'_>) {
        match lockstep.place(&batch) {
            Place::BeforeFirst => {}
            Place::Now => self.rows.insert(&batch, ctx.now, ctx.wall),
            Place::Later => {
                if self.held.len() >= MAX_HELD {
                    self.held.pop_front();
                    self.counters.queue_full.inc();
                }
                self.held.push_back(batch);
            }
        }
    }
}

impl NodeReader for LockstepReader {
    fn due(&self) -> Due {
        match &self.lockstep {
            None => Due::At(self.settings.start),
            Some(lockstep) => {
                Due::At(lockstep.row_instant() - self.settings.wall_offset + self.settings.wait)
            }
        }
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        match self.lockstep.take() {
            None => self.lockstep = Some(self.start_streams(ctx)?),
            Some(mut lockstep) => {
                self.take_row(&mut lockstep, ctx);
                self.lockstep = Some(lockstep);
            }
        }
        self.handoff.drain_into(ctx.pool, out);
        Ok(())
    }

    fn stop(&mut self) -> Result<(), NodeError> {
        self.concentrator.stop();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdc::config::PmuSpec;
    use gridhil_engine::clock::{VirtualClock, VIRTUAL_EPOCH_NS};
    use gridhil_engine::sample::{SampleFlags, SamplePool};
    use gridhil_engine::signal::Value;
    use std::sync::mpsc::{sync_channel, SyncSender};

    const MS: Nanos = 1_000_000;

    #[test]
    fn grids_of_every_rate_sign() {
        let g50 = Grid::new(50).unwrap();
        assert_eq!(g50.instant(3), 60 * MS);
        assert_eq!(g50.nearest(60 * MS), 3);
        // A time stamp rounded to the µs still finds its instant.
        let g240 = Grid::new(240).unwrap();
        assert_eq!(g240.instant(1), 4_166_666);
        assert_eq!(g240.nearest(4_167_000), 1);
        assert_eq!(
            g240.nearest(VIRTUAL_EPOCH_NS + 4_167_000),
            240 * 1_767_225_600 + 1
        );
        // One frame every 2 s.
        let slow = Grid::new(-2).unwrap();
        assert_eq!(slow.instant(5), 10 * NANOS_PER_SEC);
        assert_eq!(slow.nearest(10 * NANOS_PER_SEC + 3), 5);
        assert_eq!(Grid::new(0), None);
        // The first instant strictly after a time, on and between instants.
        assert_eq!(g50.first_after(60 * MS), 4);
        assert_eq!(g50.first_after(61 * MS), 4);
        assert_eq!(g50.first_after(59 * MS), 3);
        assert_eq!(g240.first_after(4_166_666), 2);
        assert_eq!(g240.first_after(4_166_665), 1);
        assert_eq!(slow.first_after(9 * NANOS_PER_SEC), 5);
    }

    fn arrival(pmu: usize, ts: Nanos, v: f64) -> Arrival {
        Arrival {
            pmu,
            ts,
            flags: 0,
            values: vec![Value::F64(v), Value::F64(50.0), Value::F64(0.0)],
        }
    }

    #[test]
    fn a_row_waits_for_every_pmu_to_reach_its_instant() {
        let grid = Grid::new(50).unwrap();
        let mut lockstep = Lockstep::new(grid, 1, 2, 0);
        assert_eq!(lockstep.row_instant(), 20 * MS);
        assert_eq!(lockstep.waiting_for(), 0b11);
        assert_eq!(lockstep.place(&[arrival(0, 0, 1.0)]), Place::BeforeFirst);
        assert_eq!(lockstep.place(&[arrival(0, 20 * MS, 1.0)]), Place::Now);
        assert_eq!(lockstep.waiting_for(), 0b10);
        // PMU 1 skipped 20 ms: its 40 ms frame shows it has passed the row.
        assert_eq!(lockstep.place(&[arrival(1, 40 * MS, 1.0)]), Place::Later);
        assert_eq!(lockstep.waiting_for(), 0);
        lockstep.next_row();
        assert_eq!(lockstep.waiting_for(), 0b01);
        // Given up on, PMU 0 is waited for again once it sends.
        assert_eq!(lockstep.give_up(), 1);
        assert_eq!(lockstep.waiting_for(), 0);
        lockstep.next_row();
        assert_eq!(lockstep.waiting_for(), 0b10);
        assert_eq!(lockstep.place(&[arrival(0, 40 * MS, 1.0)]), Place::Now);
        assert_eq!(lockstep.waiting_for(), 0b11);
    }

    /// A block with analog `x` only.
    fn spec(name: &str) -> PmuSpec {
        PmuSpec {
            phasors: Vec::new(),
            digitals: Vec::new(),
            stat: None,
            ..PmuSpec::fixture(name)
        }
    }

    struct Bench {
        reader: LockstepReader,
        messages: SyncSender<ClientMessage>,
        clock: VirtualClock,
        pool: Arc<SamplePool>,
        counters: Arc<PdcCounters>,
    }

    /// A virtual-time reader of two PMUs whose client messages the test sends.
    fn bench(patience: Duration) -> Bench {
        let specs = [spec("a"), spec("b")];
        let counters = Arc::new(PdcCounters::for_pmus(&specs));
        let (handoff, notifier) = Handoff::new(16, 6).unwrap();
        let rows = AlignedRows::new(
            &specs,
            50 * MS,
            Arc::clone(&handoff),
            notifier,
            Arc::clone(&counters),
        );
        let (concentrator, _unused) = Concentrator::start_clients(
            Vec::new(),
            crate::pdc::client::Timing {
                backoff: MS,
                max_backoff: MS,
                silence: 1_000 * MS,
                retry: 10 * MS,
            },
            Arc::new(VirtualClock::default()),
            Arc::clone(&counters),
        )
        .unwrap();
        let (tx, rx) = sync_channel(64);
        let settings = LockstepSettings {
            pmus: 2,
            start: 0,
            wall_offset: VIRTUAL_EPOCH_NS,
            wait: 50 * MS,
            patience,
        };
        Bench {
            reader: LockstepReader::new(
                settings,
                concentrator,
                rx,
                rows,
                handoff,
                Arc::clone(&counters),
            ),
            messages: tx,
            clock: VirtualClock::default(),
            pool: SamplePool::new(16, 6),
            counters,
        }
    }

    /// A sample as read: seq, ts_origin, ts_received, STALE, first value of each PMU.
    type Got = (u64, Nanos, Nanos, bool, f64, f64);

    impl Bench {
        /// Moves virtual time to the reader's next due instant and reads.
        fn read(&mut self) -> Result<Vec<Got>, NodeError> {
            let Due::At(t) = self.reader.due() else {
                panic!("the virtual-time reader is timed");
            };
            self.clock.advance_to(t);
            let mut ctx = ReadContext::new(&self.clock, &self.pool, 0, None);
            let mut out = Batch::with_capacity(8);
            self.reader.read(&mut ctx, &mut out)?;
            Ok(out
                .as_slice()
                .iter()
                .map(|s| {
                    let value = |i: usize| match s.values()[i] {
                        Value::F64(x) => x,
                        _ => f64::NAN,
                    };
                    let stale = s.flags.contains(SampleFlags::STALE);
                    (s.seq, s.ts_origin, s.ts_received, stale, value(0), value(3))
                })
                .collect())
        }

        fn send(&self, message: ClientMessage) {
            self.messages.send(message).unwrap();
        }

        fn counter(&self, name: &str) -> u64 {
            use gridhil_engine::node::NodeCounters;
            self.counters
                .snapshot()
                .into_iter()
                .find(|c| c.name == name)
                .map_or(0, |c| c.value)
        }
    }

    fn streaming(pmus: u64) -> ClientMessage {
        ClientMessage::Streaming {
            pmus,
            data_rate: 50,
        }
    }

    fn frame(pmu: usize, ms: Nanos, v: f64) -> ClientMessage {
        ClientMessage::Frame(vec![arrival(pmu, VIRTUAL_EPOCH_NS + ms * MS, v)])
    }

    #[test]
    fn rows_come_at_their_instant_plus_wait_and_wait_for_late_frames() {
        let mut bench = bench(PATIENCE);
        assert_eq!(bench.reader.due(), Due::At(0));
        // A frame from before the first row, then both connections stream.
        bench.send(frame(0, 0, 9.0));
        bench.send(streaming(0b01));
        bench.send(streaming(0b10));
        assert!(bench.read().unwrap().is_empty());
        // Rows from 20 ms, each due 50 ms after its instant.
        assert_eq!(bench.reader.due(), Due::At(70 * MS));
        bench.send(frame(0, 20, 1.0));
        bench.send(frame(1, 20, 2.0));
        // PMU 1 skips 40 ms; 60 ms arrives early and is held for its own row.
        bench.send(frame(0, 40, 3.0));
        bench.send(frame(0, 60, 5.0));
        bench.send(frame(1, 60, 6.0));
        let wall = |ms: Nanos| VIRTUAL_EPOCH_NS + ms * MS;
        assert_eq!(
            bench.read().unwrap(),
            vec![(0, wall(20), wall(70), false, 1.0, 2.0)]
        );
        let row = bench.read().unwrap();
        assert_eq!(row.len(), 1);
        assert_eq!((row[0].0, row[0].1, row[0].2), (1, wall(40), wall(90)));
        assert!(row[0].3, "PMU 1 is missing: the row is stale");
        assert!(row[0].5.is_nan(), "PMU 1 is missing: {row:?}");
        assert_eq!(
            bench.read().unwrap(),
            vec![(2, wall(60), wall(110), false, 5.0, 6.0)]
        );
        // The reader waits (real time) for a frame that is on its way.
        let late = bench.messages.clone();
        let sender = std::thread::spawn(move || {
            late.send(frame(0, 80, 7.0)).unwrap();
            std::thread::sleep(Duration::from_millis(30));
            late.send(frame(1, 80, 8.0)).unwrap();
        });
        assert_eq!(
            bench.read().unwrap(),
            vec![(3, wall(80), wall(130), false, 7.0, 8.0)]
        );
        sender.join().unwrap();
        assert_eq!(bench.counter("virtual_timeouts"), 0);
        assert_eq!(bench.counter("rows"), 4);
    }

    #[test]
    fn a_pmu_that_does_not_come_is_given_up_and_waited_for_again_when_it_sends() {
        let mut bench = bench(Duration::from_millis(50));
        // Only PMU 0 streams: PMU 1 is given up on at the start.
        bench.send(streaming(0b01));
        assert!(bench.read().unwrap().is_empty());
        assert_eq!(bench.counter("virtual_timeouts"), 1);
        bench.send(frame(0, 20, 1.0));
        let row = bench.read().unwrap();
        assert_eq!((row.len(), row[0].3, row[0].4), (1, true, 1.0));
        // PMU 0 does not send 40 ms: given up after the patience; the row has nothing.
        assert!(bench.read().unwrap().is_empty());
        assert_eq!(bench.counter("virtual_timeouts"), 2);
        // Both send again: both are waited for again.
        bench.send(frame(0, 60, 5.0));
        bench.send(frame(1, 60, 6.0));
        let row = bench.read().unwrap();
        assert_eq!(
            (row.len(), row[0].3, row[0].4, row[0].5),
            (1, false, 5.0, 6.0)
        );
        assert_eq!(bench.counter("virtual_timeouts"), 2);
    }

    #[test]
    fn pmus_at_two_rates_or_none_at_all_are_refused() {
        let mut two_rates = bench(Duration::from_millis(20));
        two_rates.send(streaming(0b01));
        two_rates.send(ClientMessage::Streaming {
            pmus: 0b10,
            data_rate: 25,
        });
        let err = two_rates.read().unwrap_err().to_string();
        assert!(err.contains("DATA_RATE 50 and 25"), "{err}");
        let mut silent = bench(Duration::from_millis(20));
        let err = silent.read().unwrap_err().to_string();
        assert!(err.contains("no PMU of this pdc was streaming"), "{err}");
    }
}
