//! The virtual-time scheduler: one thread, earliest deadline first over timed readers and
//! rate paths (ties: readers in node order, then paths in path order), actions exactly at
//! their instant, and after each step every path and event-driven reader until nothing
//! moves. The virtual clock jumps from deadline to deadline, so a run is as fast as the
//! machine allows and two runs are bit-identical.

use super::actions::Timeline;
use super::reader::ReaderRuntime;
use super::shared::Shared;
use super::supervisor::{drain_events, print_progress, Finished};
use crate::node::Due;
use crate::path::{PathContext, PathRuntime};
use crate::units::Nanos;

/// Rounds of [`settle`] before it gives up (a loop of paths feeding each other).
const SETTLE_ROUNDS: usize = 10_000;

/// What the scheduler runs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// A timed reader (index into the readers).
    Reader(usize),
    /// A rate path's tick (index into the paths).
    Tick(usize),
    /// A sample held back by a path's impairments is due (index into the paths).
    Release(usize),
}

/// The virtual-time scheduler of one run.
pub(crate) struct VirtualScheduler<'a> {
    shared: &'a Shared,
    readers: Vec<ReaderRuntime>,
    paths: Vec<PathRuntime>,
    timeline: Timeline,
    errors: Vec<String>,
}

impl<'a> VirtualScheduler<'a> {
    /// A scheduler over `readers` and `paths` with the actions of `timeline`.
    pub(crate) fn new(
        shared: &'a Shared,
        readers: Vec<ReaderRuntime>,
        paths: Vec<PathRuntime>,
        timeline: Timeline,
    ) -> Self {
        VirtualScheduler {
            shared,
            readers,
            paths,
            timeline,
            errors: Vec::new(),
        }
    }

    /// Runs until the end, a stop, or until nothing is left to do.
    pub(crate) fn run(mut self) -> Finished {
        let shared = self.shared;
        let mut next_progress = shared.progress.unwrap_or(Nanos::MAX);
        loop {
            self.take_injected();
            if shared.stopping() {
                break;
            }
            // The earliest step is chosen before finished sources are closed, so a rate path
            // still ticks at the instant its last input delivered its last sample.
            let earliest = self.earliest();
            self.finish_done_readers();
            let Some((t, next)) = earliest else {
                // Only event-driven sources are left: poll them; stop when nothing comes.
                self.deliver_actions(shared.clock.monotonic());
                if !self.poll_event_readers() {
                    break;
                }
                continue;
            };
            if shared.past_end(t) {
                break;
            }
            shared.clock.sleep_until(t);
            self.deliver_actions(t);
            if shared.stopping() {
                break;
            }
            let ctx = shared.path_ctx();
            match next {
                Next::Reader(i) => self.readers[i].read_and_dispatch(
                    shared.clock.as_ref(),
                    shared.cap(),
                    &shared.pool,
                    0,
                    &shared.events,
                ),
                Next::Tick(i) => self.paths[i].tick(&ctx),
                Next::Release(i) => {
                    self.paths[i].poll(&ctx);
                }
            }
            settle(&mut self.paths, &mut self.readers, shared, &ctx);
            if let Some(interval) = shared.progress {
                let run_time = t - shared.start;
                if run_time >= next_progress {
                    print_progress(run_time, shared);
                    next_progress += interval;
                }
            }
            drain_events(shared, &mut self.errors);
        }
        for r in &mut self.readers {
            r.finish(&shared.events);
        }
        let ctx = shared.path_ctx();
        settle(&mut self.paths, &mut self.readers, shared, &ctx);
        let mut summaries = vec![Vec::new(); shared.paths.len()];
        for p in &mut self.paths {
            summaries[p.index] = p.finish(&shared.events);
        }
        drain_events(shared, &mut self.errors);
        Finished {
            summaries,
            errors: self.errors,
            realtime: "virtual time (no real-time scheduling)".into(),
        }
    }

    /// Moves actions injected while running into the timeline.
    fn take_injected(&mut self) {
        while let Some(timed) = self.shared.injected.pop() {
            self.timeline.push(timed);
        }
    }

    /// Carries out every action due at or before `t`.
    fn deliver_actions(&mut self, t: Nanos) {
        for timed in self.timeline.take_due(t, 0) {
            self.shared.apply(&timed);
        }
    }

    fn finish_done_readers(&mut self) {
        for r in &mut self.readers {
            if !r.finished && r.reader.due() == Due::Done {
                r.finish(&self.shared.events);
            }
        }
    }

    /// The earliest timed reader, rate tick or impairment release (ties: readers first, in
    /// order, then ticks, then releases).
    fn earliest(&self) -> Option<(Nanos, Next)> {
        let readers = self
            .readers
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.finished)
            .filter_map(|(i, r)| match r.reader.due() {
                Due::At(t) => Some((t, Next::Reader(i))),
                _ => None,
            });
        let ticks = self
            .paths
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.inputs_finished())
            .filter_map(|(i, p)| p.next_tick().map(|t| (t, Next::Tick(i))));
        let releases = self
            .paths
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.next_release().map(|t| (t, Next::Release(i))));
        let mut best: Option<(Nanos, Next)> = None;
        for (t, next) in readers.chain(ticks).chain(releases) {
            if best.is_none_or(|(b, _)| t < b) {
                best = Some((t, next));
            }
        }
        best
    }

    /// Reads every event-driven reader once; whether any produced samples.
    fn poll_event_readers(&mut self) -> bool {
        let shared = self.shared;
        let mut any = false;
        for r in self.readers.iter_mut().filter(|r| !r.finished) {
            let before = r.counters.read.get();
            r.read_and_dispatch(shared.clock.as_ref(), None, &shared.pool, 0, &shared.events);
            any |= r.counters.read.get() > before;
        }
        if any {
            let ctx = shared.path_ctx();
            settle(&mut self.paths, &mut self.readers, shared, &ctx);
        }
        any
    }
}

/// Lets every path and event-driven reader run until nothing moves.
fn settle(
    paths: &mut [PathRuntime],
    readers: &mut [ReaderRuntime],
    shared: &Shared,
    ctx: &PathContext<'_>,
) {
    for _ in 0..SETTLE_ROUNDS {
        let mut moved = 0;
        for p in paths.iter_mut() {
            if p.next_tick().is_none() {
                moved += p.poll(ctx);
            }
        }
        for r in readers
            .iter_mut()
            .filter(|r| !r.finished && r.reader.due() == Due::Event)
        {
            let before = r.counters.read.get();
            r.read_and_dispatch(shared.clock.as_ref(), None, &shared.pool, 0, &shared.events);
            moved += (r.counters.read.get() - before) as usize;
        }
        if moved == 0 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::actions::{Action, ActionKind};
    use super::super::testkit::Kit;
    use super::*;
    use crate::units::Duration;

    #[test]
    fn timed_readers_and_ticks_run_in_deadline_order_until_the_end() {
        // Reader a every 3 ms, reader b every 5 ms, a 4 ms rate path on a: 0..=10 ms.
        let mut kit = Kit::virtual_time(Some(11_000_000));
        let a = kit.timed_reader("a", 3_000_000, None);
        let b = kit.timed_reader("b", 5_000_000, None);
        let pa = kit.any_path("pa", a);
        let pb = kit.any_path("pb", b);
        let tick = kit.rate_path("tick", a, 250.0);
        let run = kit.build();
        let finished =
            VirtualScheduler::new(&run.shared, run.readers, run.paths, run.timeline).run();
        assert!(finished.errors.is_empty(), "{:?}", finished.errors);
        assert_eq!(kit.times(pa), [0, 3, 6, 9].map(|ms| ms * 1_000_000));
        assert_eq!(kit.times(pb), [0, 5, 10].map(|ms| ms * 1_000_000));
        // Ticks at 0, 4, 8 ms carry the latest value of `a` read at or before them.
        assert_eq!(kit.values(tick), vec![0.0, 1.0, 2.0]);
        assert_eq!(kit.log_order(), {
            // Ties at 0: reader a, then b, then the tick; a's path and b's path settle after
            // each read.
            vec![
                "pa", "pb", "tick", "pa", "tick", "pb", "pa", "tick", "pa", "pb",
            ]
        });
    }

    #[test]
    fn actions_apply_exactly_at_their_instant() {
        let mut kit = Kit::virtual_time(Some(10_000_000));
        let a = kit.timed_reader("a", 1_000_000, None);
        let p = kit.any_path("p", a);
        kit.schedule(Action {
            at: Some(Duration(3_000_000)),
            kind: ActionKind::StopNode { node: "a".into() },
        });
        kit.schedule(Action {
            at: Some(Duration(6_000_000)),
            kind: ActionKind::StartNode { node: "a".into() },
        });
        kit.schedule(Action {
            at: Some(Duration(8_000_000)),
            kind: ActionKind::StopRun,
        });
        let run = kit.build();
        let shared = std::sync::Arc::clone(&run.shared);
        VirtualScheduler::new(&run.shared, run.readers, run.paths, run.timeline).run();
        assert_eq!(
            kit.times(p),
            [0, 1, 2, 6, 7].map(|ms| ms * 1_000_000),
            "stopped from 3 ms, started at 6 ms, run stopped at 8 ms"
        );
        assert_eq!(shared.nodes[a].run_counters.stopped_dropped.get(), 3);
        assert_eq!(shared.actions_applied.get(), 3);
    }

    #[test]
    fn a_finished_source_ends_the_run_and_its_paths_drain() {
        let mut kit = Kit::virtual_time(None);
        let a = kit.timed_reader("a", 1_000_000, Some(5));
        let p = kit.any_path("p", a);
        let run = kit.build();
        VirtualScheduler::new(&run.shared, run.readers, run.paths, run.timeline).run();
        assert_eq!(kit.times(p).len(), 5);
    }

    #[test]
    fn a_rate_path_whose_inputs_finished_stops_ticking() {
        let mut kit = Kit::virtual_time(None);
        let a = kit.timed_reader("a", 1_000_000, Some(3));
        let tick = kit.rate_path("tick", a, 2000.0);
        let run = kit.build();
        VirtualScheduler::new(&run.shared, run.readers, run.paths, run.timeline).run();
        // Reads at 0, 1, 2 ms; ticks every 0.5 ms while `a` is live (0 … 2 ms).
        assert_eq!(kit.times(tick).len(), 5);
    }

    #[test]
    fn a_node_control_applies_from_its_instant() {
        let mut kit = Kit::virtual_time(Some(8_000_000));
        let a = kit.timed_reader("a", 1_000_000, None);
        let p = kit.any_path("p", a);
        kit.schedule(Action {
            at: Some(Duration(5_000_000)),
            kind: ActionKind::Set {
                node: "a".into(),
                input: "gain".into(),
                value: 2.0,
            },
        });
        let run = kit.build();
        VirtualScheduler::new(&run.shared, run.readers, run.paths, run.timeline).run();
        assert_eq!(
            kit.values(p),
            vec![0.0, 1.0, 2.0, 3.0, 4.0, 10.0, 12.0, 14.0],
            "sample k is k · gain, gain 2 from 5 ms"
        );
    }

    #[test]
    fn a_bad_action_is_refused_before_the_run() {
        let mut kit = Kit::virtual_time(Some(1_000_000));
        kit.timed_reader("a", 1_000_000, None);
        kit.any_path("p", 0);
        let run = kit.build();
        let unknown_input = Action {
            at: None,
            kind: ActionKind::Set {
                node: "a".into(),
                input: "speed".into(),
                value: 1.0,
            },
        };
        let error = run.shared.resolve(&unknown_input, 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "node `a` has no settable input `speed` (inputs: gain)"
        );
        let unknown_node = Action {
            at: None,
            kind: ActionKind::StopNode { node: "b".into() },
        };
        assert!(matches!(
            run.shared.resolve(&unknown_node, 0),
            Err(crate::run::ActionError::UnknownNode { .. })
        ));
        let scale = Action {
            at: None,
            kind: ActionKind::SetHook {
                path: "p".into(),
                hook: "scale".into(),
                parameter: "gain".into(),
                value: f64::NAN,
            },
        };
        assert!(run.shared.resolve(&scale, 0).is_err(), "no scale hook on p");
    }

    #[test]
    fn impaired_samples_are_released_exactly_after_their_delay() {
        let mut kit = Kit::virtual_time(Some(10_000_000));
        let a = kit.timed_reader("a", 1_000_000, None);
        kit.path("late", a, "impair = { delay = \"2500us\" }");
        let run = kit.build();
        let shared = std::sync::Arc::clone(&run.shared);
        VirtualScheduler::new(&run.shared, run.readers, run.paths, run.timeline).run();
        let sent: Vec<Nanos> = kit.sent_times().iter().map(|r| r.1).collect();
        // Samples 0 … 7 are released at k ms + 2.5 ms, before the end at 10 ms.
        let expected: Vec<Nanos> = (0..8).map(|k| k * 1_000_000 + 2_500_000).collect();
        assert_eq!(sent, expected);
        assert_eq!(
            shared.paths[0].impair.unreleased.get(),
            2,
            "9 and 10 ms in flight"
        );
    }

    #[test]
    fn an_outage_action_drops_exactly_its_window() {
        let mut kit = Kit::virtual_time(Some(30_000_000));
        let a = kit.timed_reader("a", 1_000_000, None);
        let p = kit.any_path("p", a);
        for (at, value) in [(10_000_000, 1.0), (20_000_000, 0.0)] {
            kit.schedule(Action {
                at: Some(Duration(at)),
                kind: ActionKind::Impair {
                    path: "p".into(),
                    parameter: "outage".into(),
                    value,
                },
            });
        }
        let run = kit.build();
        let shared = std::sync::Arc::clone(&run.shared);
        VirtualScheduler::new(&run.shared, run.readers, run.paths, run.timeline).run();
        let values = kit.values(p);
        let expected: Vec<f64> = (0..30)
            .filter(|k| !(10..20).contains(k))
            .map(f64::from)
            .collect();
        assert_eq!(values, expected);
        assert_eq!(shared.paths[p].impair.outage_dropped.get(), 10);
        // A timing impairment needs an `impair` table on the path.
        let delay = Action {
            at: None,
            kind: ActionKind::Impair {
                path: "p".into(),
                parameter: "delay".into(),
                value: 0.001,
            },
        };
        assert!(matches!(
            shared.resolve(&delay, 0),
            Err(crate::run::ActionError::ImpairTiming { .. })
        ));
    }
}
