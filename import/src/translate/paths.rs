//! VILLASnode paths: inputs with their signal mappings, outputs, trigger (`rate`, `mode`),
//! queue length, `reverse`, and the hook chain (`hooks.rs`).

use super::{hooks, int, s, Context, NodeInfo, PathOut};
use crate::value::Value;
use toml::Table;

/// One VILLASnode input mapping as gridhil `in` entries and their signal names (when known).
fn mapping(
    entry: &str,
    nodes: &[(String, NodeInfo)],
) -> Result<(Vec<String>, Option<Vec<String>>), String> {
    let (node, rest) = match entry.split_once('.') {
        Some((n, r)) => (n, Some(r)),
        None => (entry, None),
    };
    let Some((_, info)) = nodes.iter().find(|(name, _)| name == node) else {
        return Err(format!("reads node `{node}`, which is not translated"));
    };
    let known = info.signals.clone();
    match rest {
        None | Some("data") => Ok((vec![node.to_string()], known)),
        Some(rest) => {
            let inner = rest.strip_prefix("data[").and_then(|r| r.strip_suffix(']'));
            let Some(inner) = inner else {
                return Err(format!("mapping `{entry}`: gridhil maps signals only (no header, time-stamp or statistics fields)"));
            };
            let range = inner.split_once('-').and_then(|(a, b)| {
                Some((
                    a.trim().parse::<usize>().ok()?,
                    b.trim().parse::<usize>().ok()?,
                ))
            });
            let index = inner.trim().parse::<usize>().ok().map(|i| (i, i));
            match range.or(index) {
                Some((a, b)) => {
                    let Some(names) = known else {
                        return Err(format!("mapping `{entry}`: the signals of `{node}` are not known here; name them"));
                    };
                    if a > b || b >= names.len() {
                        return Err(format!(
                            "mapping `{entry}`: `{node}` has {} signals",
                            names.len()
                        ));
                    }
                    let picked: Vec<String> = names[a..=b].to_vec();
                    Ok((
                        picked.iter().map(|n| format!("{node}.{n}")).collect(),
                        Some(picked),
                    ))
                }
                None => Ok((
                    vec![format!("{node}.{}", inner.trim())],
                    Some(vec![inner.trim().to_string()]),
                )),
            }
        }
    }
}

fn names(value: Option<&Value>) -> Vec<String> {
    value
        .map(|v| {
            v.as_list()
                .into_iter()
                .filter_map(|e| e.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Translates the `paths` list.
pub(crate) fn translate(
    paths: &Value,
    nodes: &mut [(String, NodeInfo)],
    ctx: &mut Context,
) -> Vec<PathOut> {
    let mut out = Vec::new();
    for (i, path) in paths.as_list().into_iter().enumerate() {
        let item = format!("paths[{i}]");
        if path.get("enabled").and_then(Value::as_bool) == Some(false) {
            ctx.info(item, "disabled: left out");
            continue;
        }
        let mut inputs = Vec::new();
        let mut input_nodes = Vec::new();
        let mut signals: Option<Vec<String>> = Some(Vec::new());
        let mut failed = None;
        for entry in names(path.get("in")) {
            match mapping(&entry, nodes) {
                Ok((ins, sigs)) => {
                    inputs.extend(ins);
                    input_nodes.push(entry.split('.').next().unwrap_or_default().to_string());
                    match (signals.as_mut(), sigs) {
                        (Some(all), Some(sigs)) => all.extend(sigs),
                        _ => signals = None,
                    }
                }
                Err(reason) => failed = Some(reason),
            }
        }
        if let Some(reason) = failed {
            ctx.untranslated(item, format!("left out: {reason}"));
            continue;
        }
        if inputs.is_empty() {
            ctx.untranslated(item, "left out: no input");
            continue;
        }
        let mut outputs = Vec::new();
        for name in names(path.get("out")) {
            if nodes.iter().any(|(n, _)| *n == name) {
                outputs.push(name);
            } else {
                ctx.untranslated(
                    format!("{item}.out"),
                    format!("node `{name}` is not translated: not written"),
                );
            }
        }
        let mut table = Table::new();
        let impaired: Vec<Table> = outputs
            .iter()
            .filter_map(|o| {
                nodes
                    .iter()
                    .find(|(n, _)| n == o)
                    .and_then(|(_, info)| info.impair.clone())
            })
            .collect();
        match impaired.as_slice() {
            [] => {}
            [impair] if outputs.len() == 1 => {
                table.insert("impair".into(), toml::Value::Table(impair.clone()));
            }
            _ => ctx.untranslated(
                format!("{item}.out"),
                "several outputs, some with netem: gridhil impairs a path as a whole; split the path",
            ),
        }
        table.insert(
            "in".into(),
            toml::Value::Array(inputs.iter().map(|s| super::s(s.clone())).collect()),
        );
        if !outputs.is_empty() {
            table.insert(
                "out".into(),
                toml::Value::Array(outputs.iter().map(|n| s(n.clone())).collect()),
            );
        }
        let rate = path
            .get("rate")
            .and_then(Value::as_f64)
            .filter(|r| *r > 0.0);
        match (rate, path.get("mode").and_then(Value::as_str)) {
            (Some(r), _) => {
                table.insert("trigger".into(), s("rate"));
                table.insert("rate".into(), s(format!("{r}Hz")));
            }
            (None, Some("all")) => {
                table.insert("trigger".into(), s("all"));
            }
            _ => {}
        }
        if let Some(q) = path
            .get("queuelen")
            .and_then(Value::as_i64)
            .filter(|q| *q > 0)
        {
            table.insert("queue".into(), int(q));
        }
        let (hook_list, width) = match path.get("hooks") {
            Some(list) => hooks::translate(&item, list, signals.clone(), ctx),
            None => (Vec::new(), signals.as_ref().map(Vec::len)),
        };
        if !hook_list.is_empty() {
            table.insert("hooks".into(), toml::Value::Array(hook_list));
        }
        for (key, value) in path.members() {
            match key.as_str() {
                "in" | "out" | "hooks" | "rate" | "mode" | "queuelen" | "enabled" | "reverse" => {}
                "mask" => ctx.untranslated(
                    format!("{item}.mask"),
                    "gridhil's `any` trigger fires on a sample from any input; no mask",
                ),
                "builtin" => ctx.info(format!("{item}.builtin"), "gridhil adds no built-in hooks"),
                "original_sequence_no" => ctx.info(
                    format!("{item}.original_sequence_no"),
                    "gridhil passes the input's sequence number on",
                ),
                "poll" => ctx.info(format!("{item}.poll"), "gridhil paths wait on their queues"),
                "uuid" | "name" | "description" => {}
                other => ctx.untranslated(
                    format!("{item}.{other}"),
                    format!("{}: no gridhil path setting of that name", value.brief()),
                ),
            }
        }
        let reverse = path.get("reverse").and_then(Value::as_bool) == Some(true);
        out.push(PathOut {
            table,
            outputs: outputs.clone(),
            width,
        });
        if reverse {
            if outputs.is_empty() {
                ctx.untranslated(format!("{item}.reverse"), "no output node to reverse");
                continue;
            }
            let mut back = Table::new();
            back.insert(
                "in".into(),
                toml::Value::Array(outputs.iter().map(|n| s(n.clone())).collect()),
            );
            back.insert(
                "out".into(),
                toml::Value::Array(input_nodes.iter().map(|n| s(n.clone())).collect()),
            );
            ctx.info(
                format!("{item}.reverse"),
                "written as a second path from the outputs to the inputs, without hooks",
            );
            out.push(PathOut {
                table: back,
                outputs: input_nodes,
                width: None,
            });
        }
    }
    out
}
