//! The plan of a run, decided before anything is built: pool size, queues, which node feeds
//! which path input, the run log, and (in real time) which thread runs what on which CPU.
//!
//! Pure data computed from the configuration's shape: no thread, socket, file or clock, so
//! it is unit-tested on its own. Building and scheduling follow it.

use crate::config::{EngineSettings, EngineSpec, Trigger};
use crate::runlog::LogFileOptions;
use crate::units::{Nanos, NANOS_PER_SEC};
use std::path::PathBuf;

/// The shape of a configuration, as far as planning needs it.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    /// Per node: how many signals it produces.
    pub node_signals: Vec<usize>,
    /// Per enabled path, in configuration order.
    pub paths: Vec<PathShape>,
}

/// The shape of one path.
#[derive(Debug, Clone, Default)]
pub struct PathShape {
    /// Name (thread names).
    pub name: String,
    /// Node index of each input, in input order.
    pub inputs: Vec<usize>,
    /// Capacity of each input queue.
    pub queue: usize,
    /// Whether the path runs at a fixed rate (its own thread in real time).
    pub rate_trigger: bool,
    /// Signals after input mapping.
    pub input_signals: usize,
    /// Signals after the hook chain.
    pub output_signals: usize,
    /// Most values a sample holds anywhere in the path (input, within the hook chain, output).
    pub widest_signals: usize,
    /// Whether the path goes to the run log.
    pub logged: bool,
    /// Whether the path has an `impair` table (it then needs its own thread in real time:
    /// it wakes for each delayed sample).
    pub impaired: bool,
}

impl Topology {
    /// The shape of a validated configuration.
    pub fn of(spec: &EngineSpec) -> Self {
        Topology {
            node_signals: spec.nodes.iter().map(|n| n.signals.len()).collect(),
            paths: spec
                .paths
                .iter()
                .map(|p| PathShape {
                    name: p.name.clone(),
                    inputs: p.inputs.iter().map(|i| i.node).collect(),
                    queue: p.queue,
                    rate_trigger: p.trigger == Trigger::Rate,
                    input_signals: p.input_signals.len(),
                    output_signals: p.output_signals.len(),
                    widest_signals: p.widest_signals,
                    logged: p.log,
                    impaired: p.impair.is_some(),
                })
                .collect(),
        }
    }
}

/// What the caller asked for on top of the configuration.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// Virtual time (from the options or `engine.virtual_time`).
    pub virtual_time: bool,
    /// Run length (from the options or `engine.duration`).
    pub duration: Option<Nanos>,
    /// HDF5 run log file (from the options or `engine.log.hdf5`).
    pub log_file: Option<PathBuf>,
    /// Whether something besides the HDF5 file reads the logged rows (taps).
    pub log_taps: bool,
}

/// The run log's part of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPlan {
    /// HDF5 file, when one is written.
    pub file: Option<PathBuf>,
    /// Samples the log queue holds.
    pub queue: usize,
    /// How the HDF5 file is written (chunk rows, crash safety, compression).
    pub format: LogFileOptions,
    /// How often the log thread flushes the file.
    pub flush_interval: std::time::Duration,
}

/// One input of one path, fed by a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscription {
    /// Path index.
    pub path: usize,
    /// Input index within the path.
    pub input: usize,
}

/// What a real-time thread runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadJob {
    /// A node's reader, with the path that runs on the same thread (a path whose only input
    /// is this reader, which feeds nothing else: one wake-up per sample instead of two).
    Reader {
        /// Node index.
        node: usize,
        /// Path run on this thread after each read.
        inline_path: Option<usize>,
    },
    /// A path on a thread of its own (several inputs, a shared input, or a rate trigger).
    Path {
        /// Path index.
        path: usize,
    },
}

/// One real-time thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPlan {
    /// Thread name (`gridhil-…`, at most 15 bytes are shown by the kernel).
    pub name: String,
    /// CPU to pin to (round-robin over `engine.realtime.cpus`).
    pub cpu: Option<usize>,
    /// What it runs.
    pub job: ThreadJob,
}

/// The plan of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Virtual time (one deterministic thread) or real time (threads below).
    pub virtual_time: bool,
    /// Run length.
    pub duration: Option<Nanos>,
    /// Most samples one read returns.
    pub batch: usize,
    /// Samples in the pool.
    pub pool_slots: usize,
    /// Values per sample.
    pub pool_width: usize,
    /// The run log, when rows are logged.
    pub log: Option<LogPlan>,
    /// Per node, the path inputs it feeds, in path order.
    pub subscriptions: Vec<Vec<Subscription>>,
    /// Real-time threads (empty in virtual time).
    pub threads: Vec<ThreadPlan>,
    /// Interval of progress lines.
    pub progress_interval: Nanos,
}

/// Extra pool slots beyond queues, batches and the log queue.
const POOL_SPARE: usize = 1024;

impl Plan {
    /// Plans a run of `topology` with `settings` (the `[engine]` table) and `request`.
    pub fn new(topology: &Topology, settings: &EngineSettings, request: &PlanRequest) -> Plan {
        let batch = settings.batch.unwrap_or(64).max(1);
        let log = (request.log_file.is_some() || request.log_taps).then(|| LogPlan {
            file: request.log_file.clone(),
            queue: settings.log.queue.max(1),
            format: LogFileOptions {
                chunk: settings.log.chunk,
                crash_safe: settings.log.crash_safe,
                compression: settings.log.compression,
            },
            flush_interval: std::time::Duration::from_nanos(
                settings.log.flush_interval.0.max(1_000_000).unsigned_abs(),
            ),
        });
        let subscriptions = subscriptions(topology);
        let threads = if request.virtual_time {
            Vec::new()
        } else {
            place_threads(topology, &subscriptions, &settings.realtime.cpus)
        };
        Plan {
            virtual_time: request.virtual_time,
            duration: request.duration,
            batch,
            pool_slots: settings
                .pool
                .unwrap_or_else(|| pool_slots(topology, batch, log.as_ref())),
            pool_width: pool_width(topology),
            log,
            subscriptions,
            threads,
            progress_interval: settings
                .stats_interval
                .map_or(NANOS_PER_SEC, |d| d.as_nanos()),
        }
    }

    /// Nodes whose reader runs (they feed at least one path), in node order.
    pub fn readers(&self) -> impl Iterator<Item = usize> + '_ {
        self.subscriptions
            .iter()
            .enumerate()
            .filter(|(_, subs)| !subs.is_empty())
            .map(|(node, _)| node)
    }
}

/// Which path inputs each node feeds.
fn subscriptions(topology: &Topology) -> Vec<Vec<Subscription>> {
    let mut subs = vec![Vec::new(); topology.node_signals.len()];
    for (path, shape) in topology.paths.iter().enumerate() {
        for (input, &node) in shape.inputs.iter().enumerate() {
            if let Some(list) = subs.get_mut(node) {
                list.push(Subscription { path, input });
            }
        }
    }
    subs
}

/// Every queue, batch and the log queue can be full at once, with spare room.
fn pool_slots(topology: &Topology, batch: usize, log: Option<&LogPlan>) -> usize {
    let queues: usize = topology
        .paths
        .iter()
        .map(|p| p.queue * p.inputs.len())
        .sum();
    let batches = batch * (topology.node_signals.len() + topology.paths.len() + 2);
    queues + log.map_or(0, |l| l.queue) + batches + POOL_SPARE
}

/// The widest signal list of the run.
fn pool_width(topology: &Topology) -> usize {
    topology
        .node_signals
        .iter()
        .copied()
        .chain(
            topology
                .paths
                .iter()
                .map(|p| p.output_signals.max(p.input_signals).max(p.widest_signals)),
        )
        .max()
        .unwrap_or(1)
        .max(1)
}

/// The node reader that can host `path` on its thread, if any.
fn inline_host(shape: &PathShape, subscriptions: &[Vec<Subscription>]) -> Option<usize> {
    match shape.inputs.as_slice() {
        [node]
            if !shape.rate_trigger
                && !shape.impaired
                && subscriptions.get(*node).map(Vec::len) == Some(1) =>
        {
            Some(*node)
        }
        _ => None,
    }
}

/// Real-time threads: one per path that cannot run inline, then one per reader; CPUs are
/// given round-robin in that order.
fn place_threads(
    topology: &Topology,
    subscriptions: &[Vec<Subscription>],
    cpus: &[usize],
) -> Vec<ThreadPlan> {
    let mut inline: Vec<Option<usize>> = vec![None; subscriptions.len()];
    let mut jobs = Vec::new();
    for (path, shape) in topology.paths.iter().enumerate() {
        match inline_host(shape, subscriptions) {
            Some(node) => inline[node] = Some(path),
            None => jobs.push((
                format!("gridhil-path-{}", shape.name),
                ThreadJob::Path { path },
            )),
        }
    }
    for (node, subs) in subscriptions.iter().enumerate() {
        if !subs.is_empty() {
            jobs.push((
                format!("gridhil-read-{node}"),
                ThreadJob::Reader {
                    node,
                    inline_path: inline[node],
                },
            ));
        }
    }
    jobs.into_iter()
        .enumerate()
        .map(|(i, (name, job))| ThreadPlan {
            name,
            cpu: (!cpus.is_empty()).then(|| cpus[i % cpus.len()]),
            job,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(name: &str, inputs: &[usize], rate: bool) -> PathShape {
        PathShape {
            name: name.into(),
            inputs: inputs.to_vec(),
            queue: 100,
            rate_trigger: rate,
            input_signals: 3,
            output_signals: 5,
            widest_signals: 5,
            logged: true,
            impaired: false,
        }
    }

    /// Nodes: 0 gen (8 signals, feeds `solo` and `tick`), 1 shared (2 signals, feeds `a`
    /// and `b`), 2 a sink (no signals). `tick` has a rate trigger.
    fn topology() -> Topology {
        Topology {
            node_signals: vec![8, 2, 0],
            paths: vec![
                path("solo", &[0], false),
                path("a", &[1], false),
                path("b", &[1], false),
                path("tick", &[0], true),
            ],
        }
    }

    fn settings(cpus: &[usize]) -> EngineSettings {
        let mut s = EngineSettings::default();
        s.realtime.cpus = cpus.to_vec();
        s
    }

    #[test]
    fn subscriptions_list_each_path_input_in_path_order() {
        let plan = Plan::new(&topology(), &settings(&[]), &PlanRequest::default());
        assert_eq!(
            plan.subscriptions[0],
            vec![
                Subscription { path: 0, input: 0 },
                Subscription { path: 3, input: 0 }
            ]
        );
        assert_eq!(plan.subscriptions[1].len(), 2);
        assert!(plan.subscriptions[2].is_empty());
        assert_eq!(plan.readers().collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn a_path_runs_inline_only_on_a_reader_that_feeds_nothing_else() {
        let topology = Topology {
            node_signals: vec![1, 1, 1],
            paths: vec![
                path("alone", &[0], false),
                path("shared1", &[1], false),
                path("shared2", &[1], false),
                path("two", &[0, 2], false),
            ],
        };
        // Node 0 feeds `alone` and `two`: nothing inline there.
        let plan = Plan::new(&topology, &settings(&[]), &PlanRequest::default());
        let jobs: Vec<&ThreadJob> = plan.threads.iter().map(|t| &t.job).collect();
        assert_eq!(
            jobs,
            vec![
                &ThreadJob::Path { path: 0 },
                &ThreadJob::Path { path: 1 },
                &ThreadJob::Path { path: 2 },
                &ThreadJob::Path { path: 3 },
                &ThreadJob::Reader {
                    node: 0,
                    inline_path: None
                },
                &ThreadJob::Reader {
                    node: 1,
                    inline_path: None
                },
                &ThreadJob::Reader {
                    node: 2,
                    inline_path: None
                },
            ]
        );
        let single = Topology {
            node_signals: vec![1, 1],
            paths: vec![path("p", &[0], false), path("r", &[1], true)],
        };
        let plan = Plan::new(&single, &settings(&[]), &PlanRequest::default());
        let jobs: Vec<&ThreadJob> = plan.threads.iter().map(|t| &t.job).collect();
        assert_eq!(
            jobs,
            vec![
                &ThreadJob::Path { path: 1 },
                &ThreadJob::Reader {
                    node: 0,
                    inline_path: Some(0)
                },
                &ThreadJob::Reader {
                    node: 1,
                    inline_path: None
                },
            ],
            "a rate path never runs inline"
        );
    }

    #[test]
    fn cpus_are_given_round_robin_paths_first() {
        let plan = Plan::new(&topology(), &settings(&[2, 3]), &PlanRequest::default());
        let placed: Vec<(&str, Option<usize>)> = plan
            .threads
            .iter()
            .map(|t| (t.name.as_str(), t.cpu))
            .collect();
        assert_eq!(
            placed,
            vec![
                ("gridhil-path-solo", Some(2)),
                ("gridhil-path-a", Some(3)),
                ("gridhil-path-b", Some(2)),
                ("gridhil-path-tick", Some(3)),
                ("gridhil-read-0", Some(2)),
                ("gridhil-read-1", Some(3)),
            ]
        );
        let unpinned = Plan::new(&topology(), &settings(&[]), &PlanRequest::default());
        assert!(unpinned.threads.iter().all(|t| t.cpu.is_none()));
    }

    #[test]
    fn virtual_time_plans_no_threads() {
        let request = PlanRequest {
            virtual_time: true,
            ..PlanRequest::default()
        };
        let plan = Plan::new(&topology(), &settings(&[2]), &request);
        assert!(plan.threads.is_empty());
        assert!(plan.virtual_time);
    }

    #[test]
    fn the_pool_holds_every_queue_batch_and_the_log_queue() {
        let request = PlanRequest {
            log_file: Some("run.h5".into()),
            ..PlanRequest::default()
        };
        let mut s = settings(&[]);
        s.batch = Some(10);
        s.log.queue = 500;
        let plan = Plan::new(&topology(), &s, &request);
        // 4 paths × 1 input × 100 + log 500 + 10 × (3 nodes + 4 paths + 2) + spare.
        assert_eq!(plan.pool_slots, 400 + 500 + 90 + POOL_SPARE);
        assert_eq!(plan.pool_width, 8);
        assert_eq!(
            plan.log,
            Some(LogPlan {
                file: Some("run.h5".into()),
                queue: 500,
                format: LogFileOptions {
                    chunk: s.log.chunk,
                    crash_safe: true,
                    compression: crate::config::LogCompression::Deflate,
                },
                flush_interval: std::time::Duration::from_secs(1),
            })
        );
        let no_log = Plan::new(&topology(), &s, &PlanRequest::default());
        assert_eq!(no_log.log, None);
        assert_eq!(no_log.pool_slots, 400 + 90 + POOL_SPARE);
        let taps = PlanRequest {
            log_taps: true,
            ..PlanRequest::default()
        };
        let tapped = Plan::new(&topology(), &s, &taps);
        assert_eq!(tapped.log.map(|l| l.file), Some(None));
        s.pool = Some(77);
        assert_eq!(Plan::new(&topology(), &s, &request).pool_slots, 77);
    }

    #[test]
    fn the_pool_holds_the_widest_sample_within_a_hook_chain() {
        let mut topology = topology();
        topology.paths[0].widest_signals = 12;
        let plan = Plan::new(&topology, &settings(&[]), &PlanRequest::default());
        assert_eq!(plan.pool_width, 12);
    }
}
