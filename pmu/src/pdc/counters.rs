//! Counters of a `pdc` node: what its client threads, its aligner and its virtual-time
//! reader count, each declaring whether it is a problem.

use super::config::PmuSpec;
use gridhil_engine::node::NodeCounters;
use gridhil_engine::stats::{Counter, CounterValue};

/// Counters of a `pdc` node (summed over its PMUs, except `missing_<pmu>`).
#[derive(Debug, Default)]
pub struct PdcCounters {
    pub(super) connects: Counter,
    pub(super) reconnects: Counter,
    pub(super) frames: Counter,
    pub(super) data_frames: Counter,
    pub(super) crc_errors: Counter,
    pub(super) decode_errors: Counter,
    pub(super) config_mismatch: Counter,
    pub(super) cfg2_frames: Counter,
    pub(super) cfg3_frames: Counter,
    pub(super) cfg_retries: Counter,
    pub(super) data_on_retries: Counter,
    pub(super) no_config: Counter,
    pub(super) queue_full: Counter,
    pub(super) invalid_data: Counter,
    pub(super) rows: Counter,
    pub(super) rows_unread: Counter,
    pub(super) partial_rows: Counter,
    pub(super) missing: Counter,
    pub(super) late: Counter,
    pub(super) duplicates: Counter,
    pub(super) time_jumps: Counter,
    pub(super) future_frames: Counter,
    pub(super) foreign_frames: Counter,
    pub(super) data_on_refreshes: Counter,
    pub(super) cfg_refreshes: Counter,
    pub(super) virtual_timeouts: Counter,
    pub(super) per_pmu_missing: Vec<(&'static str, Counter)>,
}

impl PdcCounters {
    /// Counters with a `missing_<name>` counter per PMU when there are several.
    pub(super) fn for_pmus(specs: &[PmuSpec]) -> Self {
        let per_pmu_missing = if specs.len() > 1 {
            specs
                .iter()
                // Counter names are `&'static str`: built once per node at build time.
                .map(|s| {
                    let name: &'static str = Box::leak(format!("missing_{}", s.name).into());
                    (name, Counter::default())
                })
                .collect()
        } else {
            Vec::new()
        };
        PdcCounters {
            per_pmu_missing,
            ..PdcCounters::default()
        }
    }

    /// Counts a row with the PMUs of `missing` (one bit each) absent.
    pub(super) fn count_row(&self, missing: u64) {
        self.rows.inc();
        if missing != 0 {
            self.partial_rows.inc();
            self.missing.add(u64::from(missing.count_ones()));
            for (index, (_, counter)) in self.per_pmu_missing.iter().enumerate() {
                if index < 64 && missing & (1 << index) != 0 {
                    counter.inc();
                }
            }
        }
    }
}

impl NodeCounters for PdcCounters {
    fn snapshot(&self) -> Vec<CounterValue> {
        let mut all = vec![
            CounterValue::info("connects", self.connects.get()),
            CounterValue::problem("reconnects", self.reconnects.get()),
            CounterValue::info("frames", self.frames.get()),
            CounterValue::info("data_frames", self.data_frames.get()),
            CounterValue::problem("crc_errors", self.crc_errors.get()),
            CounterValue::problem("decode_errors", self.decode_errors.get()),
            CounterValue::problem("config_mismatch", self.config_mismatch.get()),
            CounterValue::info("cfg2_frames", self.cfg2_frames.get()),
            CounterValue::info("cfg3_frames", self.cfg3_frames.get()),
            CounterValue::info("cfg_retries", self.cfg_retries.get()),
            CounterValue::info("data_on_retries", self.data_on_retries.get()),
            CounterValue::problem("no_config", self.no_config.get()),
            CounterValue::problem("queue_full", self.queue_full.get()),
            CounterValue::problem("invalid_data", self.invalid_data.get()),
            CounterValue::info("rows", self.rows.get()),
            CounterValue::problem("rows_unread", self.rows_unread.get()),
            CounterValue::problem("partial_rows", self.partial_rows.get()),
            CounterValue::problem("missing", self.missing.get()),
            CounterValue::problem("late", self.late.get()),
            CounterValue::problem("duplicates", self.duplicates.get()),
            CounterValue::problem("time_jumps", self.time_jumps.get()),
            CounterValue::problem("future_frames", self.future_frames.get()),
            CounterValue::problem("foreign_frames", self.foreign_frames.get()),
            CounterValue::info("data_on_refreshes", self.data_on_refreshes.get()),
            CounterValue::info("cfg_refreshes", self.cfg_refreshes.get()),
            CounterValue::problem("virtual_timeouts", self.virtual_timeouts.get()),
        ];
        all.extend(
            self.per_pmu_missing
                .iter()
                .map(|(n, c)| CounterValue::problem(n, c.get())),
        );
        all
    }
}
