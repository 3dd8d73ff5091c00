//! VILLASnode node types to gridhil node types: `signal` (and `signal.v2`), `loopback`,
//! `file`, `socket` (UDP), `test_rtt`, `iec61850-9-2`, `c37.118`. Other types are listed
//! as not translated with the reason.

use super::{float, int, s, Context, NodeInfo, PathOut};
use crate::value::Value;
use toml::Table;

/// Translates the `nodes` group; each node that translates comes back with its name.
pub(crate) fn translate(nodes: &Value, ctx: &mut Context) -> Vec<(String, NodeInfo)> {
    let mut out = Vec::new();
    for (name, node) in nodes.members() {
        let item = format!("nodes.{name}");
        let Some(kind) = node.get("type").and_then(Value::as_str) else {
            ctx.untranslated(item, "no `type`");
            continue;
        };
        if node.get("enabled").and_then(Value::as_bool) == Some(false) {
            ctx.info(item, "disabled: left out");
            continue;
        }
        let translated = match kind {
            "signal" | "signal.v2" => signal(&item, node, ctx),
            "loopback" | "loopback_internal" => loopback(&item, node, ctx),
            "file" => file(&item, node, ctx),
            "socket" => socket(&item, node, ctx),
            "test_rtt" => test_rtt(&item, node, ctx),
            "iec61850-9-2" => sampled_values(&item, node, ctx),
            "c37.118" => c37118(&item, node, ctx),
            "mqtt" | "amqp" | "kafka" | "redis" | "nanomsg" | "zeromq" | "websocket" | "webrtc"
            | "ngsi" | "influxdb" => {
                ctx.untranslated(item.clone(), format!("`{kind}`: gridhil has no {kind} node in this version (broker and web nodes are planned)"));
                None
            }
            other => {
                ctx.untranslated(
                    item.clone(),
                    format!("`{other}`: no gridhil node type for it"),
                );
                None
            }
        };
        if let Some(info) = translated {
            for (key, _) in node.members() {
                if matches!(key.as_str(), "hooks") {
                    ctx.untranslated(format!("{item}.hooks"), "node hooks: gridhil runs hooks on paths; add them to the paths that read this node");
                }
            }
            out.push((name.clone(), info));
        }
    }
    out
}

fn common_ignored(item: &str, key: &str, ctx: &mut Context) -> bool {
    match key {
        "type" | "enabled" | "hooks" => true,
        "builtin" => {
            ctx.info(format!("{item}.builtin"), "gridhil adds no built-in hooks");
            true
        }
        "vectorize" | "samplelen" | "description" => {
            ctx.info(
                format!("{item}.{key}"),
                "gridhil sizes batches and samples itself (engine.batch)",
            );
            true
        }
        _ => false,
    }
}

/// A VILLASnode signal list (`in.signals`): a list of `{ name, type, unit }`, or
/// `{ count, type }`, or a count. Returns gridhil `signals` entries and their names.
fn signal_list(
    item: &str,
    signals: &Value,
    ctx: &mut Context,
) -> Option<(Vec<toml::Value>, Vec<String>)> {
    let (count, ty) = match signals {
        Value::Int(n) => (Some(*n), None),
        Value::Group(_) => (
            signals.get("count").and_then(Value::as_i64),
            signals.get("type").and_then(Value::as_str),
        ),
        Value::List(_) => (None, None),
        _ => {
            ctx.untranslated(item, "signals: neither a list nor a count");
            return None;
        }
    };
    let list: Vec<Value> = match count {
        Some(n) if (1..=4096).contains(&n) => (0..n)
            .map(|i| {
                let mut members = vec![("name".to_string(), Value::Str(format!("signal{i}")))];
                if let Some(ty) = ty {
                    members.push(("type".into(), Value::Str(ty.into())));
                }
                Value::Group(members)
            })
            .collect(),
        Some(n) => {
            ctx.untranslated(item, format!("{n} signals: gridhil takes 1 to 4096"));
            return None;
        }
        None => signals.as_list().into_iter().cloned().collect(),
    };
    let mut out = Vec::new();
    let mut names = Vec::new();
    for (i, sig) in list.iter().enumerate() {
        let mut t = Table::new();
        let name = sig
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("signal{i}"));
        if names.contains(&name) {
            ctx.untranslated(
                format!("{item}[{i}]"),
                format!("signal name `{name}` repeats: gridhil needs unique names"),
            );
            return None;
        }
        t.insert("name".into(), s(name.clone()));
        if let Some(unit) = sig.get("unit").and_then(Value::as_str) {
            t.insert("unit".into(), s(unit));
        }
        if let Some(ty) = sig.get("type").and_then(Value::as_str) {
            let ty = match ty {
                "float" => "f64",
                "integer" => "i64",
                "boolean" => "bool",
                "complex" => "complex",
                other => {
                    ctx.untranslated(
                        format!("{item}[{i}].type"),
                        format!("unknown signal type `{other}`: f64 used"),
                    );
                    "f64"
                }
            };
            t.insert("type".into(), s(ty));
        }
        for (key, _) in sig.members() {
            if !matches!(key.as_str(), "name" | "unit" | "type" | "init") {
                ctx.untranslated(
                    format!("{item}[{i}].{key}"),
                    "signal setting without gridhil equivalent",
                );
            }
        }
        names.push(name);
        out.push(toml::Value::Table(t));
    }
    Some((out, names))
}

fn signal(item: &str, node: &Value, ctx: &mut Context) -> Option<NodeInfo> {
    // VILLASnode: `signal` (a type or a list), `values`, and per-signal lists or scalars.
    let values = node
        .get("values")
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .clamp(1, 4096) as usize;
    let kinds: Vec<String> = match node.get("signal") {
        Some(Value::List(list)) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::Str(one)) => vec![one.clone(); values],
        _ => vec!["mixed".to_string(); values],
    };
    let n = values.max(kinds.len());
    let at = |key: &str, i: usize, default: f64| -> f64 {
        match node.get(key) {
            Some(Value::List(list)) => list.get(i).and_then(Value::as_f64).unwrap_or(default),
            Some(v) => v.as_f64().unwrap_or(default),
            None => default,
        }
    };
    const MIXED: [&str; 7] = [
        "random", "sine", "square", "triangle", "ramp", "counter", "constant",
    ];
    let mut names: Vec<String> = Vec::new();
    let mut signals = Vec::new();
    for i in 0..n {
        let mut kind = kinds
            .get(i)
            .cloned()
            .unwrap_or_else(|| kinds.last().cloned().unwrap_or_else(|| "mixed".into()));
        if kind == "mixed" {
            kind = MIXED[i % 7].to_string();
        }
        let waveform = match kind.as_str() {
            "sine" => "sine",
            "square" => "square",
            "triangle" => "triangle",
            "ramp" => "ramp",
            "counter" => "counter",
            "constant" => "constant",
            "random" => {
                ctx.untranslated(
                    format!("{item}.signal[{i}]"),
                    "`random` is a random walk in VILLASnode; gridhil's `noise` is white noise",
                );
                "noise"
            }
            "pulse" => {
                ctx.untranslated(
                    format!("{item}.signal[{i}]"),
                    "`pulse` has no gridhil waveform: `square` used",
                );
                "square"
            }
            other => {
                ctx.untranslated(
                    format!("{item}.signal[{i}]"),
                    format!("unknown signal type `{other}`: `sine` used"),
                );
                "sine"
            }
        };
        let mut name = kind.clone();
        if names.contains(&name)
            || kinds.iter().filter(|k| **k == kind).count() > 1
            || n > kinds.len()
        {
            name = format!("{kind}{i}");
        }
        let mut t = Table::new();
        t.insert("name".into(), s(name.clone()));
        t.insert("waveform".into(), s(waveform));
        t.insert("amplitude".into(), float(at("amplitude", i, 1.0)));
        t.insert("frequency".into(), float(at("frequency", i, 1.0)));
        let phase = at("phase", i, 0.0);
        if phase != 0.0 {
            // VILLASnode's phase is in radians, gridhil's in degrees.
            t.insert("phase".into(), float(phase.to_degrees()));
        }
        let offset = at("offset", i, 0.0);
        if offset != 0.0 {
            t.insert("offset".into(), float(offset));
        }
        names.push(name);
        signals.push(toml::Value::Table(t));
    }
    let mut table = Table::new();
    let rate = node.get("rate").and_then(Value::as_f64).unwrap_or(10.0);
    table.insert("rate".into(), s(format!("{rate}Hz")));
    table.insert("signals".into(), toml::Value::Array(signals));
    if let Some(limit) = node.get("limit").and_then(Value::as_i64).filter(|l| *l > 0) {
        table.insert("limit".into(), int(limit));
    }
    for (key, _) in node.members() {
        if common_ignored(item, key, ctx) {
            continue;
        }
        match key.as_str() {
            "signal" | "values" | "rate" | "amplitude" | "frequency" | "phase" | "offset"
            | "limit" => {}
            "realtime" => ctx.info(
                format!("{item}.realtime"),
                "gridhil's signal node always paces itself (in virtual time, by the virtual clock)",
            ),
            "monitor_missed" => ctx.info(
                format!("{item}.monitor_missed"),
                "gridhil always counts missed steps",
            ),
            "stddev" => ctx.untranslated(
                format!("{item}.stddev"),
                "noise level: gridhil's noise waveform uses `amplitude`",
            ),
            "in" => {
                if let Some(list) = node.get("in").and_then(|i| i.get("signals")) {
                    // signal.v2 lists the signals explicitly; keep their names where given.
                    let given: Vec<&Value> = list.as_list();
                    for (k, sig) in given.iter().enumerate() {
                        if let (Some(name), Some(toml::Value::Table(t))) = (
                            sig.get("name").and_then(Value::as_str),
                            table
                                .get_mut("signals")
                                .and_then(|v| v.as_array_mut())
                                .and_then(|a| a.get_mut(k)),
                        ) {
                            t.insert("name".into(), s(name));
                            names[k] = name.to_string();
                        }
                    }
                }
            }
            other => ctx.untranslated(format!("{item}.{other}"), "no gridhil equivalent"),
        }
    }
    Some(NodeInfo {
        kind: "signal",
        signals: Some(names),
        table,
        impair: None,
    })
}

fn loopback(item: &str, node: &Value, ctx: &mut Context) -> Option<NodeInfo> {
    let mut table = Table::new();
    let mut names = None;
    if let Some(signals) = node.get("in").and_then(|i| i.get("signals")) {
        let (list, n) = signal_list(&format!("{item}.in.signals"), signals, ctx)?;
        table.insert("signals".into(), toml::Value::Array(list));
        names = Some(n);
    }
    for (key, value) in node.members() {
        if common_ignored(item, key, ctx) {
            continue;
        }
        match key.as_str() {
            "queuelen" => {
                if let Some(q) = value.as_i64().filter(|q| *q > 0) {
                    table.insert("queue".into(), int(q));
                }
            }
            "mode" => ctx.info(
                format!("{item}.mode"),
                "gridhil's loopback is a lock-free queue; no wake-up mode to choose",
            ),
            "in" => {}
            other => ctx.untranslated(format!("{item}.{other}"), "no gridhil equivalent"),
        }
    }
    Some(NodeInfo {
        kind: "loopback",
        signals: names,
        table,
        impair: None,
    })
}

/// Gives each loopback without signals the width of the path that writes to it.
pub(crate) fn size_loopbacks(
    nodes: &mut [(String, NodeInfo)],
    paths: &[PathOut],
    ctx: &mut Context,
) {
    for (name, info) in nodes.iter_mut() {
        if info.kind != "loopback" || info.table.contains_key("signals") {
            continue;
        }
        let width = paths
            .iter()
            .find(|p| p.outputs.contains(name))
            .and_then(|p| p.width);
        match width {
            Some(n) => {
                info.table.insert("values".into(), int(n as i64));
                info.signals = Some((0..n).map(|i| format!("v{i}")).collect());
            }
            None => {
                info.table.insert("values".into(), int(1));
                ctx.untranslated(format!("nodes.{name}"), "loopback: no signal list and no path writing a known width to it; `values = 1` set, adjust it");
            }
        }
    }
}

/// A file node without an `in` or `out` group replays when a path reads it and records
/// when one writes it: the direction not used is taken out.
pub(crate) fn settle_files(nodes: &mut [(String, NodeInfo)], paths: &[PathOut]) {
    for (name, info) in nodes.iter_mut() {
        if info.kind != "file" || !(info.table.contains_key("in") && info.table.contains_key("out"))
        {
            continue;
        }
        let read = paths.iter().any(|p| {
            p.table
                .get("in")
                .and_then(|i| i.as_array())
                .is_some_and(|ins| {
                    ins.iter().any(|e| {
                        e.as_str()
                            .is_some_and(|e| e == name || e.starts_with(&format!("{name}.")))
                    })
                })
        });
        let written = paths.iter().any(|p| p.outputs.contains(name));
        // Written, or used by no path at all: a recording (replay needs the file to exist).
        if !read {
            info.table.remove("in");
        } else if read && !written {
            info.table.remove("out");
        }
    }
}

fn file(item: &str, node: &Value, ctx: &mut Context) -> Option<NodeInfo> {
    let Some(uri) = node.get("uri").and_then(Value::as_str) else {
        ctx.untranslated(item, "file node without `uri`");
        return None;
    };
    let format = match node.get("format") {
        Some(Value::Str(f)) => f.clone(),
        Some(g) => g
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string(),
        None => "villas.human".into(),
    };
    if format != "csv" {
        ctx.untranslated(format!("{item}.format"), format!("`{format}`: gridhil's file node reads and writes CSV only (its own `seq,ts_origin_ns,values…` columns)"));
    }
    let mut table = Table::new();
    let has_in = node.get("in").is_some();
    let has_out = node.get("out").is_some();
    // Without an `in`/`out` group the direction is not known; both are given and the
    // path decides (a file node read by a path replays, one written records).
    if has_in || !has_out {
        table.insert("in".into(), s(uri));
    }
    if has_out || !has_in {
        table.insert("out".into(), s(uri));
    }
    if let Some(input) = node.get("in") {
        for (key, value) in input.members() {
            match key.as_str() {
                "rate" => {
                    if let Some(r) = value.as_f64().filter(|r| *r > 0.0) {
                        table.insert("replay".into(), s("rate"));
                        table.insert("rate".into(), s(format!("{r}Hz")));
                    }
                }
                "eof" => match value.as_str() {
                    Some("rewind") => {
                        table.insert("loop".into(), toml::Value::Boolean(true));
                    }
                    Some("stop") | Some("exit") => {}
                    _ => ctx.untranslated(format!("{item}.in.eof"), format!("{}: gridhil stops or loops (`loop`)", value.brief())),
                },
                "epoch_mode" | "epoch" => ctx.untranslated(format!("{item}.in.{key}"), "gridhil replays with the recorded spacing (`replay = \"original\"`) or at a rate; no epoch shift"),
                "buffer_size" => {}
                other => ctx.untranslated(format!("{item}.in.{other}"), "no gridhil equivalent"),
            }
        }
    }
    for (key, _) in node.members() {
        if common_ignored(item, key, ctx) {
            continue;
        }
        if !matches!(key.as_str(), "uri" | "format" | "in" | "out") {
            ctx.untranslated(format!("{item}.{key}"), "no gridhil equivalent");
        }
    }
    Some(NodeInfo {
        kind: "file",
        signals: None,
        table,
        impair: None,
    })
}

/// `"*:12000"`, `"127.0.0.1:12000"`, `"localhost:1"` as a gridhil socket address.
fn address(text: &str) -> Option<String> {
    let (host, port) = text.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let host = match host {
        "*" | "" => "0.0.0.0",
        "localhost" => "127.0.0.1",
        h if h.parse::<std::net::IpAddr>().is_ok() => h,
        h if h.starts_with('[') => h,
        _ => return None,
    };
    Some(format!("{host}:{port}"))
}

fn format_of(item: &str, format: Option<&Value>, ctx: &mut Context) -> Option<toml::Value> {
    let (name, group) = match format {
        None => ("villas.binary".to_string(), None),
        Some(Value::Str(f)) => (f.clone(), None),
        Some(g) => (
            g.get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            Some(g),
        ),
    };
    let known = [
        "villas.binary",
        "villas.web",
        "villas.human",
        "gtnet",
        "raw",
        "opal.asyncip",
        "csv",
        "json",
    ];
    if !known.contains(&name.as_str()) {
        ctx.untranslated(
            format!("{item}.format"),
            format!(
                "`{name}`: no gridhil wire format of that name (gridhil has {})",
                known.join(", ")
            ),
        );
        return None;
    }
    let Some(group) = group else {
        return Some(s(name));
    };
    let mut t = Table::new();
    t.insert("type".into(), s(name.clone()));
    for (key, value) in group.members() {
        match (key.as_str(), value) {
            ("type", _) => {}
            ("bits", v) if v.as_i64().is_some() => {
                t.insert("bits".into(), int(v.as_i64().unwrap_or(32)));
            }
            ("endianess" | "endianness", Value::Str(e)) => {
                t.insert("endianess".into(), s(e.clone()));
            }
            ("fake", Value::Bool(b)) => {
                t.insert("fake".into(), toml::Value::Boolean(*b));
            }
            (other, v) => ctx.untranslated(
                format!("{item}.format.{other}"),
                format!("{}: no gridhil format setting of that name", v.brief()),
            ),
        }
    }
    Some(toml::Value::Table(t))
}

fn socket(item: &str, node: &Value, ctx: &mut Context) -> Option<NodeInfo> {
    let layer = node.get("layer").and_then(Value::as_str).unwrap_or("udp");
    if layer != "udp" {
        ctx.untranslated(item, format!("socket layer `{layer}`: gridhil's socket node speaks UDP (raw Ethernet is the sv nodes' job)"));
        return None;
    }
    let mut table = Table::new();
    let mut names = None;
    if let Some(input) = node.get("in") {
        if let Some(a) = input.get("address").and_then(Value::as_str) {
            match address(a) {
                Some(a) => {
                    table.insert("local".into(), s(a));
                }
                None => ctx.untranslated(
                    format!("{item}.in.address"),
                    format!("`{a}`: not an IP address and port"),
                ),
            }
        }
        if let Some(signals) = input.get("signals") {
            if let Some((list, n)) = signal_list(&format!("{item}.in.signals"), signals, ctx) {
                table.insert("signals".into(), toml::Value::Array(list));
                names = Some(n);
            }
        }
        if let Some(m) = input.get("multicast") {
            if m.get("enabled").and_then(Value::as_bool) != Some(false) {
                let mut t = Table::new();
                if let Some(g) = m.get("group").and_then(Value::as_str) {
                    t.insert("group".into(), s(g));
                }
                if let Some(ttl) = m.get("ttl").and_then(Value::as_i64) {
                    t.insert("ttl".into(), int(ttl));
                }
                if let Some(l) = m.get("loop").and_then(Value::as_bool) {
                    t.insert("loop".into(), toml::Value::Boolean(l));
                }
                if let Some(i) = m.get("interface").and_then(Value::as_str) {
                    t.insert("interface".into(), s(i));
                }
                table.insert("multicast".into(), toml::Value::Table(t));
            }
        }
        for (key, _) in input.members() {
            match key.as_str() {
                "address" | "signals" | "multicast" | "hooks" => {}
                "verify_source" => ctx.untranslated(
                    format!("{item}.in.verify_source"),
                    "gridhil accepts datagrams from any sender",
                ),
                other => ctx.untranslated(format!("{item}.in.{other}"), "no gridhil equivalent"),
            }
        }
    }
    if let Some(output) = node.get("out") {
        if let Some(a) = output.get("address").and_then(Value::as_str) {
            match address(a) {
                Some(a) => {
                    table.insert("remote".into(), s(a));
                }
                None => ctx.untranslated(
                    format!("{item}.out.address"),
                    format!("`{a}`: not an IP address and port"),
                ),
            }
        }
        for (key, _) in output.members() {
            match key.as_str() {
                "address" | "netem" | "hooks" => {}
                other => ctx.untranslated(format!("{item}.out.{other}"), "no gridhil equivalent"),
            }
        }
    }
    let impair = node
        .get("out")
        .and_then(|o| o.get("netem"))
        .filter(|n| n.get("enabled").and_then(Value::as_bool) != Some(false))
        .map(|n| netem(&format!("{item}.out.netem"), n, ctx));
    if table.contains_key("local") && !table.contains_key("signals") {
        // VILLASnode's default: 64 float signals.
        table.insert("values".into(), int(64));
        names = Some((0..64).map(|i| format!("v{i}")).collect());
        ctx.info(
            format!("{item}.in.signals"),
            "none given: 64 f64 values, as VILLASnode's default",
        );
    }
    if !table.contains_key("local") && !table.contains_key("remote") {
        ctx.untranslated(item, "no usable address: left out");
        return None;
    }
    if let Some(f) = format_of(item, node.get("format"), ctx) {
        table.insert("format".into(), f);
    } else {
        return None;
    }
    if let Some(v) = node
        .get("vectorize")
        .and_then(Value::as_i64)
        .filter(|v| *v > 1)
    {
        table.insert("samples_per_datagram".into(), int(v));
    }
    for (key, _) in node.members() {
        if matches!(key.as_str(), "vectorize") || common_ignored(item, key, ctx) {
            continue;
        }
        if !matches!(key.as_str(), "layer" | "in" | "out" | "format") {
            ctx.untranslated(format!("{item}.{key}"), "no gridhil equivalent");
        }
    }
    Some(NodeInfo {
        kind: "udp",
        signals: names,
        table,
        impair,
    })
}

/// VILLASnode's netem settings (µs, percent) as a gridhil `impair` table.
fn netem(item: &str, netem: &Value, ctx: &mut Context) -> Table {
    let mut t = Table::new();
    for (key, value) in netem.members() {
        let number = value.as_f64().filter(|v| *v >= 0.0);
        match (key.as_str(), number) {
            ("enabled", _) => {}
            ("delay" | "jitter", Some(us)) => {
                t.insert(key.clone(), s(format!("{us}us")));
            }
            ("loss" | "duplicate", Some(percent)) => {
                t.insert(key.clone(), float((percent / 100.0).min(1.0)));
            }
            ("distribution", _) => {
                if value.as_str() != Some("uniform") {
                    ctx.untranslated(
                        format!("{item}.distribution"),
                        format!(
                            "{}: gridhil's jitter is uniform (delay ± jitter)",
                            value.brief()
                        ),
                    );
                }
            }
            ("limit", _) => ctx.info(
                format!("{item}.limit"),
                "gridhil holds up to the path's queue (`impair.hold`)",
            ),
            (other, _) => ctx.untranslated(
                format!("{item}.{other}"),
                format!(
                    "{}: gridhil's impairments are delay, jitter, loss, duplication and reordering",
                    value.brief()
                ),
            ),
        }
    }
    ctx.info(item, "netem acts on the node's sending side; gridhil impairs the path that writes to the node (`impair`), in virtual time too");
    t
}

fn test_rtt(item: &str, node: &Value, ctx: &mut Context) -> Option<NodeInfo> {
    let cases = node.get("cases").map(Value::as_list).unwrap_or_default();
    let Some(first) = cases.first() else {
        ctx.untranslated(item, "test_rtt without cases");
        return None;
    };
    let rate = first
        .get("rates")
        .and_then(|r| r.as_list().first().and_then(|v| v.as_f64()))
        .unwrap_or(10.0);
    let values = first
        .get("values")
        .and_then(|r| r.as_list().first().and_then(|v| v.as_i64()))
        .unwrap_or(1)
        .clamp(1, 4096);
    let mut table = Table::new();
    table.insert("rate".into(), s(format!("{rate}Hz")));
    table.insert("values".into(), int(values));
    if let Some(count) = first.get("count").and_then(Value::as_i64) {
        table.insert("limit".into(), int(count));
    } else if let Some(d) = first.get("duration").and_then(Value::as_f64) {
        table.insert("limit".into(), int((d * rate).round() as i64));
    }
    let combos: usize = cases
        .iter()
        .map(|c| {
            c.get("rates").map_or(1, |r| r.as_list().len())
                * c.get("values").map_or(1, |v| v.as_list().len())
        })
        .sum();
    if combos > 1 {
        ctx.untranslated(
            format!("{item}.cases"),
            format!("gridhil's rtt probe runs one rate and payload per run: the first of {combos} cases ({rate} Hz, {values} values) is kept; run `gridhil rtt` for a sweep"),
        );
    }
    for key in ["output", "prefix", "format", "cooldown", "shutdown", "mode"] {
        if node.get(key).is_some() {
            ctx.untranslated(
                format!("{item}.{key}"),
                "the probe reports into the run log and its counters instead of result files",
            );
        }
    }
    Some(NodeInfo {
        kind: "rtt",
        signals: Some((0..values).map(|i| format!("v{i}")).collect()),
        table,
        impair: None,
    })
}

fn sampled_values(item: &str, node: &Value, ctx: &mut Context) -> Option<NodeInfo> {
    let interface = node
        .get("interface")
        .and_then(Value::as_str)
        .unwrap_or("eth0");
    let (kind, dir) = match (node.get("out"), node.get("in")) {
        (Some(out), input) => {
            if input.is_some() {
                ctx.untranslated(format!("{item}.in"), "gridhil publishes and subscribes with two nodes: the subscriber side is left out (add an `sv-subscriber`)");
            }
            ("sv-publisher", out)
        }
        (None, Some(input)) => ("sv-subscriber", input),
        (None, None) => {
            ctx.untranslated(item, "neither `in` nor `out`");
            return None;
        }
    };
    let mut table = Table::new();
    table.insert("interface".into(), s(interface));
    if kind == "sv-publisher" {
        if let Some(id) = dir.get("sv_id").and_then(Value::as_str) {
            table.insert("sv_id".into(), s(id));
        }
        if let Some(rev) = dir.get("conf_rev").and_then(Value::as_i64) {
            table.insert("conf_rev".into(), int(rev));
        }
        let app_id = dir.get("app_id").and_then(Value::as_i64).unwrap_or(0x4000);
        table.insert("app_id".into(), int(app_id));
        if let Some(dst) = node.get("dst_address").and_then(Value::as_str) {
            table.insert("dst".into(), s(dst.to_ascii_uppercase()));
        }
        ctx.untranslated(
            format!("{item}.out.signals"),
            "VILLASnode sends any list of IEC types; gridhil publishes the 9-2LE data set (4 currents, 4 voltages as INT32 with quality) or a 61869-9 profile",
        );
    } else {
        ctx.untranslated(format!("{item}.in.signals"), "gridhil's subscriber decodes the 9-2LE / 61869-9 data sets, not a free list of IEC types");
    }
    Some(NodeInfo {
        kind,
        signals: None,
        table,
        impair: None,
    })
}

fn c37118(item: &str, node: &Value, ctx: &mut Context) -> Option<NodeInfo> {
    if let Some(out) = node.get("out") {
        if node.get("in").is_some() {
            ctx.untranslated(format!("{item}.in"), "gridhil serves (pmu-server) and reads (pdc) with two nodes: the reading side is left out");
        }
        let mut table = Table::new();
        let idcode = out.get("idcode").and_then(Value::as_i64).unwrap_or(1);
        table.insert("idcode".into(), int(idcode));
        let station = out
            .get("pmus")
            .and_then(|p| {
                p.as_list()
                    .first()
                    .and_then(|p| p.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "VILLASNODE".into());
        table.insert(
            "station".into(),
            s(station.chars().take(16).collect::<String>()),
        );
        table.insert("tcp".into(), s("0.0.0.0:4712"));
        table.insert(
            "rate".into(),
            int(out.get("data_rate").and_then(Value::as_i64).unwrap_or(50)),
        );
        table.insert("nominal".into(), s("50Hz"));
        ctx.untranslated(
            format!("{item}.out"),
            "pmu-server listens on TCP 4712 (VILLASnode's `address` names no port); its phasors are the path's complex signals in order, not mapped by `pmus[].phasor` names; nominal 50 Hz",
        );
        return Some(NodeInfo {
            kind: "pmu-server",
            signals: None,
            table,
            impair: None,
        });
    }
    let input = node.get("in")?;
    let mut table = Table::new();
    let host = input
        .get("address")
        .and_then(Value::as_str)
        .unwrap_or("127.0.0.1");
    let host = if host == "localhost" {
        "127.0.0.1"
    } else {
        host
    };
    table.insert(
        "connect".into(),
        s(if host.contains(':') {
            host.to_string()
        } else {
            format!("{host}:4712")
        }),
    );
    table.insert(
        "idcode".into(),
        int(input.get("idcode").and_then(Value::as_i64).unwrap_or(1)),
    );
    ctx.untranslated(
        format!("{item}.in"),
        "pdc: phasor names are not in the VILLASnode configuration; add `phasors = [...]`",
    );
    Some(NodeInfo {
        kind: "pdc",
        signals: None,
        table,
        impair: None,
    })
}
