//! `loopback`: what a path writes to this node comes back out of it as input of other
//! paths. Useful to chain paths and to test the engine without I/O.

use crate::{declared_signals, SignalDecl};
use crossbeam_queue::ArrayQueue;
use gridhil_engine::node::{
    Batch, BuildContext, Due, NodeConfig, NodeCounters, NodeError, NodeIo, NodeReader, NodeWriter,
    ReadContext, WriteContext,
};
use gridhil_engine::sample::{SamplePool, SampleRef};
use gridhil_engine::signal::Signal;
use gridhil_engine::stats::{Counter, CounterValue};
use gridhil_engine::FieldError;
use serde::Deserialize;
use std::sync::{Arc, OnceLock};
use std::thread::Thread;

/// Configuration of a `loopback` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoopbackConfig {
    /// Signals (names, or tables with name/unit/type).
    #[serde(default)]
    pub signals: Vec<SignalDecl>,
    /// Or just a count of `f64` signals `v0..`.
    pub values: Option<usize>,
    /// Samples held between write and read before new ones are dropped (counted).
    #[serde(default = "default_queue")]
    pub queue: usize,
}

fn default_queue() -> usize {
    1024
}

struct Shared {
    queue: ArrayQueue<SampleRef>,
    reader: OnceLock<Thread>,
    dropped: Counter,
    passed: Counter,
}

impl NodeCounters for Shared {
    fn snapshot(&self) -> Vec<CounterValue> {
        vec![
            CounterValue::info("looped", self.passed.get()),
            CounterValue::problem("loop_dropped", self.dropped.get()),
        ]
    }
}

impl NodeConfig for LoopbackConfig {
    fn output_signals(&self) -> Vec<Signal> {
        declared_signals(&self.signals, self.values).unwrap_or_default()
    }

    fn prepare(&mut self, _ctx: &gridhil_engine::node::ConfigContext) -> Result<(), FieldError> {
        if self.queue == 0 {
            return Err(FieldError::at("queue", "`queue` must be at least 1"));
        }
        declared_signals(&self.signals, self.values).map(|_| ())
    }

    fn accepts_input(&self) -> bool {
        true
    }

    fn connect_input(&mut self, signals: &[Signal]) -> Result<(), FieldError> {
        let declared = self.output_signals();
        if signals.len() != declared.len() {
            return Err(FieldError::new(format!(
                "loopback declares {} signals but the path writes {}",
                declared.len(),
                signals.len()
            )));
        }
        Ok(())
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let shared = Arc::new(Shared {
            queue: ArrayQueue::new(self.queue),
            reader: OnceLock::new(),
            dropped: Counter::default(),
            passed: Counter::default(),
        });
        Ok(NodeIo {
            reader: Some(Box::new(LoopbackReader {
                shared: Arc::clone(&shared),
            })),
            writer: Some(Box::new(LoopbackWriter {
                shared: Arc::clone(&shared),
                pool: Arc::clone(&ctx.pool),
            })),
            counters: Some(shared),
        })
    }
}

struct LoopbackReader {
    shared: Arc<Shared>,
}

impl NodeReader for LoopbackReader {
    fn due(&self) -> Due {
        Due::Event
    }

    fn fed_by_the_run(&self) -> bool {
        true
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        if self.shared.queue.is_empty() && ctx.timeout > 0 {
            if self.shared.reader.get().is_none() {
                let _ = self.shared.reader.set(std::thread::current());
            }
            if self.shared.queue.is_empty() {
                std::thread::park_timeout(std::time::Duration::from_nanos(ctx.timeout as u64));
            }
        }
        while !out.is_full() {
            let Some(sample) = self.shared.queue.pop() else {
                break;
            };
            if out.push(sample).is_err() {
                break;
            }
        }
        Ok(())
    }
}

struct LoopbackWriter {
    shared: Arc<Shared>,
    pool: Arc<SamplePool>,
}

impl NodeWriter for LoopbackWriter {
    fn write(&mut self, samples: &[SampleRef], _ctx: &WriteContext) -> Result<usize, NodeError> {
        let mut accepted = 0;
        for sample in samples {
            let Some(mut copy) = self.pool.alloc_copy(sample) else {
                self.shared.dropped.inc();
                continue;
            };
            copy.ts_received = 0;
            copy.ts_sent = 0;
            if self.shared.queue.push(copy).is_err() {
                self.shared.dropped.inc();
            } else {
                accepted += 1;
            }
        }
        self.shared.passed.add(accepted as u64);
        if let Some(thread) = self.shared.reader.get() {
            thread.unpark();
        }
        Ok(accepted)
    }
}
