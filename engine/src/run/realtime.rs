//! The real-time scheduler: the threads of the plan (one per reader, with its inline path,
//! and one per other path), pinned and at SCHED_FIFO where permitted, timed readers on
//! absolute deadlines, path threads parked until a reader pushes; the supervisor watches
//! from the calling thread until every thread has ended.
//!
//! What is not permitted (priority, pinning, memory locking, an RT kernel) is collected and
//! reported once; the run goes on.

use super::actions::Timeline;
use super::plan::{ThreadJob, ThreadPlan};
use super::reader::ReaderRuntime;
use super::shared::Shared;
use super::supervisor::{Finished, Supervisor};
use super::EngineError;
use crate::config::RealtimeSettings;
use crate::node::Due;
use crate::path::PathRuntime;
use std::cell::Cell;
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

thread_local! {
    static RT_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Whether the calling thread is one of the engine's real-time threads (node readers and
/// path workers) and is past its start-up. Used by tests that count allocations.
pub fn is_rt_thread() -> bool {
    RT_THREAD.with(Cell::get)
}

/// Marks (or unmarks) the calling thread as a real-time thread, as the engine does for its
/// readers and path workers once they are set up (see [`is_rt_thread`]).
pub fn mark_rt_thread(on: bool) {
    RT_THREAD.with(|c| c.set(on));
}

/// How long an event-driven read may block before the reader looks at the stop flag again.
const EVENT_READ_TIMEOUT: i64 = 50_000_000;

/// What a finished thread hands back: the path it ran, with its hooks' summaries.
type PathDone = (PathRuntime, Vec<String>);

/// The threads of a real-time run.
struct RtThreads {
    handles: Vec<JoinHandle<Option<PathDone>>>,
    failures: Arc<Mutex<Vec<String>>>,
}

impl RtThreads {
    fn all_finished(&self) -> bool {
        self.handles.iter().all(JoinHandle::is_finished)
    }

    fn failures(&self) -> Vec<String> {
        self.failures.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// Applies a thread's real-time settings, collecting what was refused.
fn apply_settings(plan: &ThreadPlan, priority: Option<u8>, failures: &Mutex<Vec<String>>) {
    let settings = gridhil_rt::ThreadRt {
        cpu: plan.cpu,
        fifo_priority: priority,
        timer_slack_ns: Some(1),
    };
    let refused = gridhil_rt::apply_to_current_thread(&settings).failures();
    if !refused.is_empty() {
        if let Ok(mut list) = failures.lock() {
            list.extend(refused);
        }
    }
}

/// Starts one thread per entry of `threads`, taking the readers and paths they run.
fn spawn_threads(
    shared: &Arc<Shared>,
    threads: &[ThreadPlan],
    readers: Vec<ReaderRuntime>,
    paths: Vec<PathRuntime>,
    priority: Option<u8>,
) -> Result<RtThreads, EngineError> {
    let mut readers: Vec<Option<ReaderRuntime>> = readers.into_iter().map(Some).collect();
    let mut paths: Vec<Option<PathRuntime>> = paths.into_iter().map(Some).collect();
    let failures = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for plan in threads {
        let job = match &plan.job {
            ThreadJob::Reader { node, inline_path } => {
                let Some(mut reader) = readers
                    .iter_mut()
                    .find(|r| r.as_ref().is_some_and(|r| r.node == *node))
                    .and_then(Option::take)
                else {
                    continue;
                };
                reader.inline = inline_path.and_then(|p| paths.get_mut(p).and_then(Option::take));
                Job::Reader(Box::new(reader))
            }
            ThreadJob::Path { path } => match paths.get_mut(*path).and_then(Option::take) {
                Some(path) => Job::Path(Box::new(path)),
                None => continue,
            },
        };
        let shared = Arc::clone(shared);
        let failures = Arc::clone(&failures);
        let thread_plan = plan.clone();
        let handle = std::thread::Builder::new()
            .name(plan.name.clone())
            .spawn(move || {
                apply_settings(&thread_plan, priority, &failures);
                job.run(&shared)
            })
            .map_err(|e| EngineError::Thread {
                name: plan.name.clone(),
                message: e.to_string(),
            })?;
        handles.push(handle);
    }
    Ok(RtThreads { handles, failures })
}

/// What one real-time thread runs.
enum Job {
    Reader(Box<ReaderRuntime>),
    Path(Box<PathRuntime>),
}

impl Job {
    fn run(self, shared: &Shared) -> Option<PathDone> {
        match self {
            Job::Reader(mut reader) => {
                mark_rt_thread(true);
                reader_loop(&mut reader, shared);
                mark_rt_thread(false);
                reader.finish(&shared.events);
                reader.inline.take().map(|mut path| {
                    path.poll(&shared.path_ctx());
                    let summaries = path.finish(&shared.events);
                    (path, summaries)
                })
            }
            Job::Path(mut path) => {
                for input in &path.inputs {
                    input.queue.set_consumer(std::thread::current());
                }
                mark_rt_thread(true);
                path_loop(&mut path, shared);
                mark_rt_thread(false);
                let summaries = path.finish(&shared.events);
                Some((*path, summaries))
            }
        }
    }
}

/// A reader thread: timed readers sleep to their deadline, event-driven readers block for at
/// most [`EVENT_READ_TIMEOUT`]; the inline path runs after each read.
fn reader_loop(reader: &mut ReaderRuntime, shared: &Shared) {
    let clock = shared.clock.as_ref();
    let ctx = shared.path_ctx();
    while !reader.finished && !shared.stopping() {
        match reader.reader.due() {
            Due::Done => break,
            Due::At(t) => {
                if shared.past_end(t) {
                    break;
                }
                clock.sleep_until(t);
                if shared.stopping() {
                    break;
                }
                reader.read_and_dispatch(clock, shared.cap(), &shared.pool, 0, &shared.events);
                if let Some(path) = reader.inline.as_mut() {
                    path.poll(&ctx);
                }
                if let Due::At(next) = reader.reader.due() {
                    if next <= clock.monotonic() {
                        reader.counters.late_wakeups.inc();
                    }
                }
            }
            Due::Event => {
                let now = clock.monotonic();
                if shared.past_end(now) {
                    break;
                }
                let timeout = shared.end.map_or(EVENT_READ_TIMEOUT, |end| {
                    (end - now).clamp(0, EVENT_READ_TIMEOUT)
                });
                reader.read_and_dispatch(clock, None, &shared.pool, timeout, &shared.events);
                if let Some(path) = reader.inline.as_mut() {
                    path.poll(&ctx);
                }
            }
        }
    }
}

/// A path thread: rate paths sleep to their next tick (or an impairment's next release);
/// others poll and park until a reader pushes, a held sample is due, or 20 ms pass, until
/// their inputs are finished and drained and nothing is held for before the end.
fn path_loop(path: &mut PathRuntime, shared: &Shared) {
    let ctx = shared.path_ctx();
    let clock = shared.clock.as_ref();
    let release_pending = |path: &PathRuntime| {
        path.next_release()
            .is_some_and(|r| !shared.past_end(r) && !shared.stopping())
    };
    loop {
        if let Some(tick) = path.next_tick() {
            let inputs_done = path.inputs_finished() && path.queues_empty();
            if shared.past_end(tick) || shared.stopping() || (inputs_done && !release_pending(path))
            {
                break;
            }
            let release = path.next_release().filter(|r| *r < tick);
            match release {
                Some(r) => {
                    clock.sleep_until(r);
                    path.poll(&ctx);
                }
                None => {
                    clock.sleep_until(tick);
                    path.tick(&ctx);
                }
            }
            continue;
        }
        let taken = path.poll(&ctx);
        if taken > 0 {
            continue;
        }
        let now = clock.monotonic();
        match path.next_release() {
            Some(r) if r <= now => continue,
            Some(r) if release_pending(path) => {
                let wait = (r - now).min(PARK_NS);
                std::thread::park_timeout(std::time::Duration::from_nanos(wait as u64));
            }
            _ if path.inputs_finished() && path.queues_empty() => {
                // One last look: a reader may have pushed right before finishing.
                path.poll(&ctx);
                break;
            }
            _ => std::thread::park_timeout(std::time::Duration::from_nanos(PARK_NS as u64)),
        }
    }
}

/// Longest park of an idle path thread.
const PARK_NS: i64 = 20_000_000;

/// The one line that says what real-time scheduling the run got.
fn status_line(rt: &RealtimeSettings, reasons: &[String]) -> String {
    if reasons.is_empty() {
        if rt.enabled {
            format!("SCHED_FIFO priority {}, timer slack 1 ns", rt.priority)
        } else {
            "real-time scheduling disabled by config".to_string()
        }
    } else {
        format!("degraded: {}", reasons.join("; "))
    }
}

/// Notes of the process set-up followed by each distinct refusal of the threads.
fn reasons(notes: &[String], failures: Vec<String>) -> Vec<String> {
    let mut all = notes.to_vec();
    let mut seen: BTreeSet<String> = all.iter().cloned().collect();
    for reason in failures {
        if seen.insert(reason.clone()) {
            all.push(reason);
        }
    }
    all
}

/// Runs the plan's threads and supervises them until they end.
pub(crate) fn run_realtime(
    shared: &Arc<Shared>,
    threads: &[ThreadPlan],
    readers: Vec<ReaderRuntime>,
    paths: Vec<PathRuntime>,
    rt: &RealtimeSettings,
    notes: Vec<String>,
    timeline: Timeline,
) -> Result<Finished, EngineError> {
    let path_count = shared.paths.len();
    // Controls due within the lead reach their nodes before any thread runs.
    let mut supervisor = Supervisor::new(shared, timeline);
    supervisor.deliver_actions();
    let running = spawn_threads(
        shared,
        threads,
        readers,
        paths,
        rt.enabled.then_some(rt.priority),
    )?;
    let mut warned = false;
    let errors = supervisor.watch(
        || running.all_finished(),
        || {
            if warned {
                return;
            }
            let list = reasons(&notes, running.failures());
            if !list.is_empty() {
                tracing::warn!(
                    "not fully real-time, running anyway: {} (see `gridhil rt check`)",
                    list.join("; ")
                );
                warned = true;
            }
        },
    );
    let failures = running.failures();
    let mut summaries = vec![Vec::new(); path_count];
    for handle in running.handles {
        let done = handle.join().map_err(|_| EngineError::Thread {
            name: "real-time thread".into(),
            message: "panicked".into(),
        })?;
        if let Some((path, hooks)) = done {
            if let Some(slot) = summaries.get_mut(path.index) {
                *slot = hooks;
            }
        }
    }
    shared.finished.store(true, Ordering::Release);
    Ok(Finished {
        summaries,
        errors,
        realtime: status_line(rt, &reasons(&notes, failures)),
    })
}

#[cfg(test)]
mod tests {
    use super::super::actions::{Action, ActionKind};
    use super::super::testkit::Kit;
    use super::*;
    use crate::units::{Duration, Nanos};

    fn run(kit: &mut Kit) -> Finished {
        let parts = kit.build();
        run_realtime(
            &parts.shared,
            &parts.plan.threads,
            parts.readers,
            parts.paths,
            &RealtimeSettings {
                enabled: false,
                lock_memory: false,
                ..RealtimeSettings::default()
            },
            Vec::new(),
            parts.timeline,
        )
        .expect("run")
    }

    #[test]
    fn every_due_sample_reaches_its_path_and_none_after_the_end() {
        // 50 ms at 1 kHz: samples due at 0 … 49 ms, however late the threads wake.
        let mut kit = Kit::real_time(Some(50_000_000));
        let a = kit.timed_reader("a", 1_000_000, None);
        let b = kit.timed_reader("b", 5_000_000, None);
        let inline = kit.any_path("inline", a);
        let shared_input = kit.any_path("b1", b);
        let shared_input2 = kit.any_path("b2", b);
        let finished = run(&mut kit);
        assert!(finished.errors.is_empty(), "{:?}", finished.errors);
        assert_eq!(
            kit.values(inline),
            (0..50).map(f64::from).collect::<Vec<_>>()
        );
        assert_eq!(kit.values(shared_input).len(), 10);
        assert_eq!(kit.values(shared_input2).len(), 10);
        assert_eq!(finished.realtime, "real-time scheduling disabled by config");
    }

    #[test]
    fn the_plan_puts_an_only_path_on_its_readers_thread() {
        let mut kit = Kit::real_time(Some(1_000_000));
        let a = kit.timed_reader("a", 1_000_000, None);
        kit.any_path("p", a);
        let parts = kit.build();
        assert_eq!(
            parts
                .plan
                .threads
                .iter()
                .map(|t| &t.job)
                .collect::<Vec<_>>(),
            vec![&ThreadJob::Reader {
                node: 0,
                inline_path: Some(0)
            }]
        );
    }

    #[test]
    fn a_control_applies_at_its_instant_however_late_the_threads_start() {
        // Controls due within the lead reach the node before any thread runs, and a timed
        // reader catches up on every due sample: exact whatever the machine's load.
        let mut kit = Kit::real_time(Some(60_000_000));
        let a = kit.timed_reader("a", 1_000_000, None);
        let p = kit.any_path("p", a);
        kit.schedule(Action {
            at: Some(Duration(30_000_000)),
            kind: ActionKind::Set {
                node: "a".into(),
                input: "gain".into(),
                value: -1.0,
            },
        });
        run(&mut kit);
        let expected: Vec<f64> = (0..60)
            .map(|k| if k < 30 { k as f64 } else { -(k as f64) })
            .collect();
        assert_eq!(kit.values(p), expected);
    }

    #[test]
    fn a_stop_run_action_ends_a_run_without_duration() {
        let mut kit = Kit::real_time(None);
        let a = kit.timed_reader("a", 1_000_000, None);
        let p = kit.any_path("p", a);
        kit.schedule(Action {
            at: Some(Duration(20_000_000)),
            kind: ActionKind::StopRun,
        });
        run(&mut kit);
        assert!(kit.values(p).len() < 10_000, "the run ended");
    }

    #[test]
    fn an_impaired_path_runs_on_its_own_thread_and_delays_every_sample() {
        let mut kit = Kit::real_time(Some(60_000_000));
        let a = kit.timed_reader("a", 1_000_000, None);
        kit.path("late", a, "impair = { delay = \"5ms\" }");
        let parts_check = {
            let mut probe = Kit::real_time(Some(1_000_000));
            let a = probe.timed_reader("a", 1_000_000, None);
            probe.path("late", a, "impair = { delay = \"5ms\" }");
            probe.build().plan.threads
        };
        assert!(
            parts_check
                .iter()
                .any(|t| t.job == ThreadJob::Path { path: 0 }),
            "{parts_check:?}"
        );
        run(&mut kit);
        let sent = kit.sent_times();
        assert!(
            sent.len() >= 50,
            "samples due before 55 ms are released: {}",
            sent.len()
        );
        for (k, (_, ts_sent)) in sent.iter().enumerate() {
            assert!(
                *ts_sent >= k as Nanos * 1_000_000 + 5_000_000,
                "sample {k} left at {ts_sent} ns"
            );
        }
    }
}
