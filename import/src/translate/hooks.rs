//! VILLASnode hooks to gridhil hooks: the same names where gridhil has them, settings
//! renamed where they differ (docs/hooks.md lists each difference), the rest noted.

use super::{int, s, seconds, Context};
use crate::value::Value;
use toml::Table;

/// Hooks that change the sample's signals (the width after them is not followed here).
const RESHAPING: &[&str] = &[
    "power",
    "average",
    "dp",
    "ebm",
    "jitter_calc",
    "digest",
    "expr",
    "pmu",
];

/// A VILLASnode value as TOML.
fn to_toml(value: &Value) -> Option<toml::Value> {
    Some(match value {
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Int(i) => toml::Value::Integer(*i),
        Value::Float(f) => toml::Value::Float(*f),
        Value::Str(t) => toml::Value::String(t.clone()),
        Value::List(items) => toml::Value::Array(items.iter().map(to_toml).collect::<Option<_>>()?),
        Value::Group(members) => {
            let mut t = Table::new();
            for (k, v) in members {
                t.insert(k.clone(), to_toml(v)?);
            }
            toml::Value::Table(t)
        }
        Value::Null => return None,
    })
}

/// Settings every VILLASnode hook may have.
fn generic(item: &str, key: &str, ctx: &mut Context) -> bool {
    match key {
        "type" | "enabled" => true,
        "priority" => {
            ctx.info(format!("{item}.priority"), "gridhil runs hooks in the order written (the translation keeps VILLASnode's order of the file)");
            true
        }
        _ => false,
    }
}

/// Translates a path's hook list; returns the hooks and the path's width after them
/// (when it is known and no hook reshapes the sample).
pub(crate) fn translate(
    path_item: &str,
    list: &Value,
    signals: Option<Vec<String>>,
    ctx: &mut Context,
) -> (Vec<toml::Value>, Option<usize>) {
    let mut out = Vec::new();
    let mut width = signals.as_ref().map(Vec::len);
    for (j, hook) in list.as_list().into_iter().enumerate() {
        let item = format!("{path_item}.hooks[{j}]");
        let Some(kind) = hook.get("type").and_then(Value::as_str) else {
            ctx.untranslated(item, "hook without `type`");
            continue;
        };
        if hook.get("enabled").and_then(Value::as_bool) == Some(false) {
            ctx.info(item, format!("`{kind}` disabled: left out"));
            continue;
        }
        if let Some(table) = one(&item, kind, hook, signals.as_deref(), ctx) {
            let gridhil_kind = table
                .get("type")
                .and_then(|t| t.as_str())
                .unwrap_or_default()
                .to_string();
            if RESHAPING.contains(&gridhil_kind.as_str()) {
                width = None;
            }
            out.push(toml::Value::Table(table));
        }
    }
    (out, width)
}

fn one(
    item: &str,
    kind: &str,
    hook: &Value,
    signals: Option<&[String]>,
    ctx: &mut Context,
) -> Option<Table> {
    let mut t = Table::new();
    // (VILLASnode key, gridhil key) pairs copied as they are.
    let (gridhil, keys): (&str, &[(&str, &str)]) = match kind {
        "stats" => ("stats", &[]),
        "print" => ("print", &[]),
        "ts" => ("ts", &[]),
        "decimate" => ("decimate", &[("ratio", "ratio")]),
        "limit_rate" => ("limit_rate", &[("rate", "rate")]),
        "scale" => ("scale", &[("scale", "gain"), ("offset", "offset")]),
        "rms" => ("rms", &[("window_size", "window_size")]),
        "ma" => ("ma", &[("window_size", "window_size")]),
        "average" => ("average", &[("offset", "offset")]),
        "power" => (
            "power",
            &[
                ("window_size", "window_size"),
                ("timestamp_align", "timestamp_align"),
                ("add_channel_name", "add_channel_name"),
                ("active_power", "active_power"),
                ("reactive_power", "reactive_power"),
                ("apparent_power", "apparent_power"),
                ("cos_phi", "cos_phi"),
            ],
        ),
        "dp" => (
            "dp",
            &[
                ("signal", "signal"),
                ("f0", "f0"),
                ("rate", "rate"),
                ("harmonics", "harmonics"),
                ("inverse", "inverse"),
            ],
        ),
        "ebm" => ("ebm", &[("phases", "phases")]),
        "jitter_calc" => ("jitter_calc", &[]),
        "cast" => (
            "cast",
            &[
                ("new_type", "new_type"),
                ("new_name", "new_name"),
                ("new_unit", "new_unit"),
            ],
        ),
        "round" => ("round", &[("precision", "precision")]),
        "limit_value" => ("limit_value", &[("min", "min"), ("max", "max")]),
        "gate" => (
            "gate",
            &[
                ("signal", "signal"),
                ("mode", "mode"),
                ("threshold", "threshold"),
                ("duration", "duration"),
                ("samples", "samples"),
            ],
        ),
        "drop" => ("drop", &[]),
        "skip_first" => (
            "skip_first",
            &[("seconds", "seconds"), ("samples", "samples")],
        ),
        "shift_ts" => ("shift_ts", &[("offset", "offset"), ("mode", "mode")]),
        "shift_seq" => ("shift_seq", &[("offset", "offset")]),
        "reorder_ts" => ("reorder_ts", &[("window_size", "window_size")]),
        "fix" => ("fix", &[]),
        "restart" => ("restart", &[]),
        "frame" => ("frame", &[("trigger", "trigger"), ("interval", "interval")]),
        "pps_ts" => (
            "pps_ts",
            &[
                ("signal", "signal"),
                ("threshold", "threshold"),
                ("expected_smp_rate", "expected_rate"),
            ],
        ),
        "dump" => ("dump", &[]),
        "digest" => ("digest", &[]),
        "lua" => return lua(item, hook, signals, ctx),
        "pmu" | "pmu_dft" | "ip-dft-pmu" | "pmu_ipdft" => {
            ctx.untranslated(item, format!("`{kind}`: gridhil's `pmu` hook is an IEEE C37.118.1 P/M-class estimator with other settings (class, nominal, rate, voltages, currents); configure it by hand"));
            return None;
        }
        other => {
            ctx.untranslated(item, format!("`{other}`: no gridhil hook of that name"));
            return None;
        }
    };
    t.insert("type".into(), s(gridhil));
    for (key, value) in hook.members() {
        if generic(item, key, ctx) {
            continue;
        }
        if let Some((_, to)) = keys.iter().find(|(from, _)| from == key) {
            match to_toml(value) {
                Some(v) => {
                    t.insert((*to).into(), v);
                }
                None => ctx.untranslated(format!("{item}.{key}"), "null value"),
            }
            continue;
        }
        if !special(item, kind, key, value, &mut t, signals, ctx) {
            return None;
        }
    }
    fill_defaults(item, kind, &mut t, ctx);
    Some(t)
}

/// Settings that need more than a rename.
fn special(
    item: &str,
    kind: &str,
    key: &str,
    value: &Value,
    t: &mut Table,
    known: Option<&[String]>,
    ctx: &mut Context,
) -> bool {
    let at = format!("{item}.{key}");
    match (kind, key) {
        (_, "signal") | (_, "signals") if !matches!(kind, "power" | "ebm") => {
            // Names stay names; positions become names where the path's signals are known.
            let entries = value.as_list();
            let names: Vec<toml::Value> = entries
                .iter()
                .filter_map(|v| match v {
                    Value::Str(name) => Some(s(name.clone())),
                    Value::Int(i) => known
                        .and_then(|k| k.get(usize::try_from(*i).ok()?))
                        .map(|name| s(name.clone())),
                    _ => None,
                })
                .collect();
            if names.len() != entries.len() || names.is_empty() {
                ctx.untranslated(
                    item,
                    format!("left out: `{key}` gives positions of signals not known here ({}); name them", value.brief()),
                );
                return false;
            }
            if kind == "cast" {
                if let Some(first) = names.into_iter().next() {
                    t.insert("signal".into(), first);
                }
            } else {
                t.insert("signals".into(), toml::Value::Array(names));
            }
        }
        ("power", "signals") => ctx.info(at, "gridhil takes the signals from `pairings`"),
        ("power", "pairings") => {
            let pairs: Vec<toml::Value> = value
                .as_list()
                .into_iter()
                .filter_map(|p| {
                    let mut pair = Table::new();
                    pair.insert("voltage".into(), s(p.get("voltage")?.as_str()?));
                    pair.insert("current".into(), s(p.get("current")?.as_str()?));
                    Some(toml::Value::Table(pair))
                })
                .collect();
            t.insert("pairings".into(), toml::Value::Array(pairs));
        }
        ("power", "angle_unit") => ctx.untranslated(at, "gridhil's `cos_phi` is the power factor P/S, not an angle"),
        ("limit_rate", "mode") => match value.as_str() {
            Some(m @ ("origin" | "received")) => {
                t.insert("timestamp".into(), s(m));
            }
            _ => ctx.untranslated(at, format!("{}: gridhil measures on `origin` or `received`", value.brief())),
        },
        ("dp", "dt") => {
            if let Some(dt) = value.as_f64() {
                t.insert("dt".into(), s(seconds(dt)));
            }
        }
        ("pps_ts", "mode") => {
            if value.as_str() != Some("simple") {
                ctx.untranslated(at, "gridhil's pps_ts measures the period between pulses; no horizon estimation");
            }
        }
        ("stats", _) | ("print", _) => ctx.untranslated(at, format!("`{kind}` prints at the end of the run / on the terminal; no `{key}`")),
        ("digest", _) => ctx.untranslated(at, "gridhil's digest is a running FNV-1a hash carried as signals and in the summary, not a file of SHA digests"),
        ("dump", _) => ctx.untranslated(at, "no gridhil dump setting of that name"),
        _ => ctx.untranslated(at, format!("{}: no `{key}` in gridhil's `{kind}`", value.brief())),
    }
    true
}

/// Required gridhil settings that VILLASnode has defaults for.
fn fill_defaults(item: &str, kind: &str, t: &mut Table, ctx: &mut Context) {
    match kind {
        "ma" if !t.contains_key("window_size") => {
            t.insert("window_size".into(), int(10));
        }
        "dump" if !t.contains_key("file") => {
            t.insert("file".into(), s("dump.tsv"));
            ctx.untranslated(
                item,
                "VILLASnode's dump hook prints; gridhil's writes `dump.tsv` (set `file`)",
            );
        }
        "pps_ts" if !t.contains_key("expected_rate") => {
            t.insert("expected_rate".into(), int(5000));
        }
        "gate"
            if matches!(
                t.get("mode").and_then(|m| m.as_str()),
                Some("above" | "below")
            ) =>
        {
            for key in ["duration", "samples"] {
                if t.remove(key).is_some() {
                    ctx.info(
                        format!("{item}.{key}"),
                        "VILLASnode ignores it in the level modes `above`/`below`; left out",
                    );
                }
            }
        }
        "digest" => {
            t.insert("signals".into(), toml::Value::Boolean(false));
        }
        _ => {}
    }
}

/// The Lua hook's `signals` with `expression`s become an `expr` hook where each
/// expression is plain arithmetic over the path's signals; scripts cannot be translated.
fn lua(item: &str, hook: &Value, signals: Option<&[String]>, ctx: &mut Context) -> Option<Table> {
    if hook.get("script").is_some() {
        ctx.untranslated(format!("{item}.script"), "Lua scripts have no gridhil equivalent (the `expr` hook covers arithmetic expressions)");
    }
    let mut outputs = Vec::new();
    for (k, sig) in hook
        .get("signals")
        .map(Value::as_list)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let at = format!("{item}.signals[{k}]");
        let (Some(name), Some(expression)) = (
            sig.get("name").and_then(Value::as_str),
            sig.get("expression").and_then(Value::as_str),
        ) else {
            ctx.untranslated(at, "no `name` and `expression`");
            continue;
        };
        let text = expression
            .replace("smp.data.", "")
            .replace("math.pi", "pi")
            .replace("math.", "");
        let known: Vec<&str> = signals
            .map(|s| s.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let mut visible = known.clone();
        visible.extend(
            outputs
                .iter()
                .map(|(n, _, _): &(String, String, Option<String>)| n.as_str()),
        );
        match gridhil_hooks_expr_check(&text, &visible) {
            Ok(()) => outputs.push((
                name.to_string(),
                text,
                sig.get("unit").and_then(Value::as_str).map(str::to_string),
            )),
            Err(why) => ctx.untranslated(at, format!("`{expression}`: {why}")),
        }
    }
    for (key, _) in hook.members() {
        if !matches!(
            key.as_str(),
            "type" | "script" | "signals" | "enabled" | "priority"
        ) {
            ctx.untranslated(
                format!("{item}.{key}"),
                "Lua global settings have no gridhil equivalent",
            );
        }
    }
    if outputs.is_empty() {
        return None;
    }
    let mut t = Table::new();
    t.insert("type".into(), s("expr"));
    let list = outputs
        .into_iter()
        .map(|(name, expr, unit)| {
            let mut o = Table::new();
            o.insert("name".into(), s(name));
            o.insert("expr".into(), s(expr));
            if let Some(unit) = unit {
                o.insert("unit".into(), s(unit));
            }
            toml::Value::Table(o)
        })
        .collect();
    t.insert("signals".into(), toml::Value::Array(list));
    Some(t)
}

/// Whether `text` is an `expr` expression over `names` (names must resolve).
fn gridhil_hooks_expr_check(text: &str, names: &[&str]) -> Result<(), String> {
    gridhil_hooks::expr::Program::compile(text, names)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
