//! `no-problems`: no drops, no late steps, no counter in problem state: read from the run's
//! report, the one place that holds every path's and node's counters with their severity.

use gridhil_engine::stats::Severity;
use gridhil_engine::RunReport;

/// A counter that is not zero and should be.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterProblem {
    /// `path NAME` or `node NAME`.
    pub owner: String,
    /// Counter name.
    pub counter: String,
    /// Its value.
    pub value: u64,
}

/// Every problem counter above zero (path drops, overruns, write errors, pool and log
/// drops; node counters of severity `Problem`), less those named in `allow` (`"name"` or
/// `"owner.name"`). Link impairments and stopped nodes or paths are what a scenario asks
/// for, and are not problems. Node errors come as `errors`.
pub fn problem_counters(report: &RunReport, allow: &[String]) -> Vec<CounterProblem> {
    let allowed = |owner: &str, name: &str| {
        allow
            .iter()
            .any(|a| a == name || *a == format!("{owner}.{name}"))
    };
    let mut out = Vec::new();
    for p in &report.paths {
        let counters = [
            ("queue_dropped", p.queue_dropped),
            ("hook_dropped", p.hook_dropped),
            ("pool_exhausted", p.pool_exhausted),
            ("overruns", p.overruns),
            ("write_errors", p.write_errors),
            ("log_dropped", p.log_dropped),
        ];
        for (name, value) in counters {
            if value > 0 && !allowed(&p.name, name) {
                out.push(CounterProblem {
                    owner: format!("path {}", p.name),
                    counter: name.into(),
                    value,
                });
            }
        }
    }
    for n in &report.nodes {
        for c in &n.counters {
            if c.severity == Severity::Problem && c.value > 0 && !allowed(&n.name, c.name) {
                out.push(CounterProblem {
                    owner: format!("node {}", n.name),
                    counter: c.name.into(),
                    value: c.value,
                });
            }
        }
    }
    if report.pool_exhausted > 0 && !allowed("run", "pool_exhausted") {
        out.push(CounterProblem {
            owner: "run".into(),
            counter: "pool_exhausted".into(),
            value: report.pool_exhausted,
        });
    }
    out
}
