//! VILLASnode's global settings: `affinity`, `priority`, `stats`, `logging`, and the ones
//! gridhil has no use for.

use super::{int, seconds, Context};
use crate::value::Value;
use toml::Table;

fn realtime(engine: &mut Table) -> &mut Table {
    let entry = engine
        .entry("realtime")
        .or_insert_with(|| toml::Value::Table(Table::new()));
    match entry {
        toml::Value::Table(t) => t,
        _ => unreachable!("engine.realtime is only ever a table here"),
    }
}

/// Translates one global setting into `engine`.
pub(crate) fn translate(key: &str, value: &Value, engine: &mut Table, ctx: &mut Context) {
    match key {
        "affinity" => match value.as_i64() {
            Some(mask) if mask > 0 => {
                let cpus: Vec<toml::Value> = (0..63).filter(|b| mask & (1 << b) != 0).map(int).collect();
                realtime(engine).insert("cpus".into(), toml::Value::Array(cpus));
            }
            _ => ctx.untranslated("affinity", format!("{} is not a CPU bit mask", value.brief())),
        },
        "priority" => match value.as_i64() {
            Some(p) if (1..=99).contains(&p) => {
                realtime(engine).insert("priority".into(), int(p));
            }
            _ => ctx.untranslated("priority", format!("{} is not a SCHED_FIFO priority 1–99", value.brief())),
        },
        "stats" => match value.as_f64() {
            Some(s) if s > 0.0 => {
                engine.insert("stats_interval".into(), super::s(seconds(s)));
            }
            _ => ctx.info("stats", "statistics off: gridhil always counts, the interval stays at its default"),
        },
        "hugepages" => ctx.info("hugepages", "gridhil preallocates its sample pool and locks memory (engine.realtime.lock_memory); no huge pages"),
        "name" | "uuid" | "description" => ctx.info(key, "identification only; kept in the run log as part of the source configuration"),
        "logging" => ctx.info(
            "logging",
            "gridhil logs to stderr, level from RUST_LOG; a log file or syslog is the service manager's job",
        ),
        "http" => match value.get("enabled").and_then(Value::as_bool) {
            Some(false) => ctx.info("http", "disabled; gridhil has no HTTP API in this version"),
            _ => ctx.untranslated("http", "gridhil has no HTTP API in this version"),
        },
        "idle_stop" => ctx.info("idle_stop", "gridhil stops when its sources end"),
        "secret" | "kernel" => ctx.info(key, "not used by gridhil"),
        other => ctx.untranslated(other, "unknown global setting"),
    }
}
