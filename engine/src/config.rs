//! Reading, overriding and validating a run configuration.
//!
//! The TOML text is read with spans so that every error names the file, the table, the
//! field and the line. `--set a.b.c=value` overrides are applied to the document before
//! it is read, keeping the file's layout (and so its line numbers).

use crate::hook::{Hook, HookBuildContext};
use crate::node::{ConfigContext, NodeConfig, Resource};
use crate::queue::OverflowPolicy;
use crate::registry::Registry;
use crate::signal::Signal;
use crate::units::{Duration, Rate};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A configuration error, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The configuration file.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The table, e.g. `nodes.gen` or `paths[0]` (empty for the top level).
    pub table: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.table.is_empty() {
            write!(f, ": [{}]", self.table)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Real-time settings of the engine's threads.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealtimeSettings {
    /// Whether to ask for real-time scheduling at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// SCHED_FIFO priority of the real-time threads (1–99).
    #[serde(default = "default_priority")]
    pub priority: u8,
    /// CPUs to pin real-time threads to, round-robin (empty: no pinning).
    #[serde(default)]
    pub cpus: Vec<usize>,
    /// Lock all memory (`mlockall`) so no page fault hits the real-time path.
    #[serde(default = "yes")]
    pub lock_memory: bool,
    /// Spin this long before each deadline instead of sleeping (`"0us"`: never spin).
    #[serde(default)]
    pub busy_wait: Duration,
    /// Wall clock: `"realtime"` (UTC) or `"tai"` on PTP-disciplined hosts.
    #[serde(default)]
    pub wall_clock: WallClockSetting,
}

/// Which kernel clock gives wall time.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum WallClockSetting {
    /// `CLOCK_REALTIME`.
    #[default]
    Realtime,
    /// `CLOCK_TAI`.
    Tai,
}

fn yes() -> bool {
    true
}
fn default_priority() -> u8 {
    80
}

impl Default for RealtimeSettings {
    fn default() -> Self {
        RealtimeSettings {
            enabled: true,
            priority: default_priority(),
            cpus: Vec::new(),
            lock_memory: true,
            busy_wait: Duration(0),
            wall_clock: WallClockSetting::Realtime,
        }
    }
}

/// Run-log settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// HDF5 file to write (none: no run log).
    pub hdf5: Option<PathBuf>,
    /// Samples the log queue holds before it drops (counted).
    #[serde(default = "default_log_queue")]
    pub queue: usize,
    /// Rows per HDF5 chunk.
    #[serde(default = "default_chunk")]
    pub chunk: usize,
}

fn default_log_queue() -> usize {
    32768
}
fn default_chunk() -> usize {
    4096
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            hdf5: None,
            queue: default_log_queue(),
            chunk: default_chunk(),
        }
    }
}

/// The `[engine]` table.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EngineSettings {
    /// Real-time settings.
    #[serde(default)]
    pub realtime: RealtimeSettings,
    /// Run log.
    #[serde(default)]
    pub log: LogSettings,
    /// Samples in the pool (default: sized from the queues).
    pub pool: Option<usize>,
    /// Most samples one read returns.
    pub batch: Option<usize>,
    /// How long to run (`--duration` overrides it).
    pub duration: Option<Duration>,
    /// Run in virtual time (`--virtual-time` sets it).
    #[serde(default)]
    pub virtual_time: bool,
    /// Interval of progress lines on the terminal (`"0s"`: none).
    pub stats_interval: Option<Duration>,
}

/// When a path produces an output sample.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// On every sample from any input.
    #[default]
    Any,
    /// When every input has delivered a new sample.
    All,
    /// At a fixed rate (the `rate` field), with the latest value of every input.
    Rate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPath {
    name: Option<String>,
    #[serde(rename = "in")]
    inputs: Vec<String>,
    #[serde(rename = "out", default)]
    outputs: Vec<String>,
    #[serde(default)]
    hooks: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    trigger: Trigger,
    rate: Option<Rate>,
    #[serde(default = "default_queue")]
    queue: usize,
    #[serde(default)]
    overflow: OverflowPolicy,
    #[serde(default = "yes")]
    log: bool,
    #[serde(default = "yes")]
    enabled: bool,
}

fn default_queue() -> usize {
    1024
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    engine: EngineSettings,
    #[serde(default)]
    nodes: BTreeMap<String, Spanned<toml::Table>>,
    #[serde(default)]
    paths: Vec<Spanned<RawPath>>,
}

/// A node of a validated configuration.
#[derive(Debug)]
pub struct NodeSpec {
    /// Name (the key under `[nodes]`).
    pub name: String,
    /// Type name.
    pub kind: String,
    /// The type's configuration.
    pub config: Box<dyn NodeConfig>,
    /// Signals the node produces.
    pub signals: Vec<Signal>,
    /// Line of the node's table.
    pub line: usize,
}

/// One input of a path: which node, and which of its signals (indices), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSpec {
    /// Node index.
    pub node: usize,
    /// Indices of the node's signals taken by the path.
    pub signals: Vec<usize>,
}

/// A path of a validated configuration.
pub struct PathSpec {
    /// Name.
    pub name: String,
    /// Inputs.
    pub inputs: Vec<InputSpec>,
    /// Output node indices.
    pub outputs: Vec<usize>,
    /// Built hooks, in order, with their type names.
    pub hooks: Vec<(String, Box<dyn Hook>)>,
    /// Trigger.
    pub trigger: Trigger,
    /// Rate for the rate trigger.
    pub rate: Option<Rate>,
    /// Capacity of each input queue.
    pub queue: usize,
    /// Overflow policy of the input queues.
    pub overflow: OverflowPolicy,
    /// Whether the path is logged to the run log.
    pub log: bool,
    /// Signals after input mapping.
    pub input_signals: Vec<Signal>,
    /// Signals after the hook chain (what outputs and the run log get).
    pub output_signals: Vec<Signal>,
    /// Line of the path's table.
    pub line: usize,
}

impl fmt::Debug for PathSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PathSpec")
            .field("name", &self.name)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field(
                "hooks",
                &self.hooks.iter().map(|h| &h.0).collect::<Vec<_>>(),
            )
            .field("trigger", &self.trigger)
            .finish()
    }
}

/// A validated configuration, ready to run.
#[derive(Debug)]
pub struct EngineSpec {
    /// Configuration file name (as given).
    pub file: String,
    /// Configuration text after overrides (stored in the run log).
    pub text: String,
    /// `[engine]` settings.
    pub engine: EngineSettings,
    /// Nodes, sorted by name.
    pub nodes: Vec<NodeSpec>,
    /// Enabled paths, in file order.
    pub paths: Vec<PathSpec>,
}

impl EngineSpec {
    /// Index of the node called `name`.
    pub fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// A human-readable description of the topology (for `gridhil check`).
    pub fn describe(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("nodes ({}):\n", self.nodes.len()));
        for node in &self.nodes {
            let signals: Vec<String> = node
                .signals
                .iter()
                .map(|s| {
                    if s.unit.is_empty() {
                        format!("{}:{}", s.name, s.ty)
                    } else {
                        format!("{}[{}]:{}", s.name, s.unit, s.ty)
                    }
                })
                .collect();
            out.push_str(&format!(
                "  {} ({}){}{}\n",
                node.name,
                node.kind,
                if signals.is_empty() { "" } else { " -> " },
                signals.join(", ")
            ));
        }
        out.push_str(&format!("paths ({}):\n", self.paths.len()));
        for path in &self.paths {
            let inputs: Vec<String> = path
                .inputs
                .iter()
                .map(|i| {
                    let node = &self.nodes[i.node];
                    if i.signals.len() == node.signals.len() {
                        node.name.clone()
                    } else {
                        let names: Vec<&str> = i
                            .signals
                            .iter()
                            .map(|&s| node.signals[s].name.as_str())
                            .collect();
                        format!("{}.{{{}}}", node.name, names.join(","))
                    }
                })
                .collect();
            let outputs: Vec<&str> = path
                .outputs
                .iter()
                .map(|&o| self.nodes[o].name.as_str())
                .collect();
            let hooks: Vec<&str> = path.hooks.iter().map(|h| h.0.as_str()).collect();
            let trigger = match (path.trigger, path.rate) {
                (Trigger::Rate, Some(rate)) => format!("rate {rate}"),
                (Trigger::All, _) => "all".to_string(),
                _ => "any".to_string(),
            };
            out.push_str(&format!(
                "  {}: [{}] -> hooks [{}] -> [{}], trigger {}, {} signals out{}\n",
                path.name,
                inputs.join(", "),
                hooks.join(", "),
                outputs.join(", "),
                trigger,
                path.output_signals.len(),
                if path.log { ", logged" } else { "" }
            ));
        }
        out
    }
}

/// Where an error was found while loading.
struct Locator<'a> {
    file: &'a str,
    text: &'a str,
}

impl Locator<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.text
            .get(..offset.min(self.text.len()))
            .map(|t| t.matches('\n').count() + 1)
            .unwrap_or(1)
    }

    /// Line of `key` inside the span of a table, falling back to the table's own line.
    fn line_of_key(&self, span: std::ops::Range<usize>, key: Option<&str>) -> usize {
        if let (Some(key), Some(section)) = (key, self.text.get(span.clone())) {
            let mut offset = 0;
            for line in section.split_inclusive('\n') {
                let trimmed = line.trim_start();
                if let Some(rest) = trimmed.strip_prefix(key) {
                    let rest = rest.trim_start();
                    if rest.starts_with('=') || rest.starts_with('.') {
                        return self.line_of(span.start + offset);
                    }
                }
                // inline tables: `{ key = ... }`
                if let Some(pos) = line.find(&format!("{key} =")) {
                    if line[..pos].contains('{') || line[..pos].contains(',') {
                        return self.line_of(span.start + offset);
                    }
                }
                offset += line.len();
            }
        }
        self.line_of(span.start)
    }

    fn error(
        &self,
        line: Option<usize>,
        table: impl Into<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: self.file.to_string(),
            line,
            table: table.into(),
            message: message.into(),
        }
    }

    /// Table name enclosing a byte offset, from the nearest `[header]` above it.
    fn table_at(&self, offset: usize) -> String {
        let before = self.text.get(..offset.min(self.text.len())).unwrap_or("");
        for line in before.lines().rev() {
            let t = line.trim();
            if t.starts_with('[') {
                return t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            }
        }
        String::new()
    }
}

/// The first `backticked` word of a serde message: usually the offending field.
fn quoted_field(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message.get(start..)?.find('`')?;
    message.get(start..start + len)
}

/// Applies `key.path=value` overrides to TOML text, keeping its layout.
///
/// Keys are dotted paths; an array element is addressed by its index
/// (`paths.0.rate=2kHz`, `paths.0.hooks.1.gain=2`). The value is read as TOML when it
/// parses as a TOML value and as a string otherwise (`nodes.mu1.interface=eth1`).
pub fn apply_overrides(text: &str, overrides: &[String]) -> Result<String, String> {
    if overrides.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_string())?;
    for assignment in overrides {
        let (key, value) = assignment.split_once('=').ok_or_else(|| {
            format!("--set `{assignment}`: expected KEY=VALUE, e.g. nodes.mu1.interface=eth1")
        })?;
        let key = key.trim();
        let value_text = value.trim();
        let value: toml_edit::Value = value_text
            .parse()
            .unwrap_or_else(|_| toml_edit::Value::from(value_text));
        let parts: Vec<&str> = key.split('.').map(str::trim).collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(format!(
                "--set `{assignment}`: empty key segment in `{key}`"
            ));
        }
        set_in_table(doc.as_table_mut(), &parts, value)
            .map_err(|why| format!("--set `{assignment}`: {why}"))?;
    }
    Ok(doc.to_string())
}

fn parse_index(part: &str, len: usize) -> Result<usize, String> {
    let index: usize = part
        .parse()
        .map_err(|_| format!("`{part}` must be an index into an array"))?;
    if index >= len {
        return Err(format!("index {index} out of range (the array has {len})"));
    }
    Ok(index)
}

fn set_in_table(
    table: &mut toml_edit::Table,
    parts: &[&str],
    value: toml_edit::Value,
) -> Result<(), String> {
    let Some((first, rest)) = parts.split_first() else {
        return Err("empty key".into());
    };
    if rest.is_empty() {
        table.insert(first, toml_edit::Item::Value(value));
        return Ok(());
    }
    if !table.contains_key(first) {
        let mut fresh = toml_edit::Table::new();
        fresh.set_implicit(true);
        table.insert(first, toml_edit::Item::Table(fresh));
    }
    match table.get_mut(first) {
        Some(toml_edit::Item::Table(inner)) => set_in_table(inner, rest, value),
        Some(toml_edit::Item::ArrayOfTables(array)) => {
            let index = parse_index(rest[0], array.len())?;
            match (array.get_mut(index), rest.len()) {
                (Some(inner), n) if n > 1 => set_in_table(inner, &rest[1..], value),
                _ => Err(format!(
                    "`{first}.{}` is a table; name a field inside it",
                    rest[0]
                )),
            }
        }
        Some(toml_edit::Item::Value(inner)) => set_in_value(inner, rest, value),
        _ => Err(format!("cannot set inside `{first}`")),
    }
}

fn set_in_value(
    target: &mut toml_edit::Value,
    parts: &[&str],
    value: toml_edit::Value,
) -> Result<(), String> {
    let Some((first, rest)) = parts.split_first() else {
        *target = value;
        return Ok(());
    };
    match target {
        toml_edit::Value::InlineTable(table) => {
            if rest.is_empty() {
                table.insert(*first, value);
                return Ok(());
            }
            match table.get_mut(first) {
                Some(inner) => set_in_value(inner, rest, value),
                None => Err(format!("no field `{first}` to descend into")),
            }
        }
        toml_edit::Value::Array(array) => {
            let index = parse_index(first, array.len())?;
            match array.get_mut(index) {
                Some(inner) if rest.is_empty() => {
                    *inner = value;
                    Ok(())
                }
                Some(inner) => set_in_value(inner, rest, value),
                None => Err(format!("index {index} out of range")),
            }
        }
        _ => Err(format!(
            "`{first}`: the value above it is not a table or array"
        )),
    }
}

/// Reads and validates a configuration file with overrides.
pub fn load_file(
    path: &Path,
    overrides: &[String],
    registry: &Registry,
) -> Result<EngineSpec, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        line: None,
        table: String::new(),
        message: format!("cannot read: {e}"),
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_str(&text, &file, &dir, overrides, registry)
}

/// Reads and validates configuration text; `dir` resolves relative paths in it.
pub fn load_str(
    text: &str,
    file: &str,
    dir: &Path,
    overrides: &[String],
    registry: &Registry,
) -> Result<EngineSpec, ConfigError> {
    let text = apply_overrides(text, overrides).map_err(|message| ConfigError {
        file: file.to_string(),
        line: None,
        table: String::new(),
        message,
    })?;
    let loc = Locator { file, text: &text };
    let raw: RawConfig = toml::from_str(&text).map_err(|e| {
        let start = e.span().map(|s| s.start);
        loc.error(
            start.map(|s| loc.line_of(s)),
            start.map(|s| loc.table_at(s)).unwrap_or_default(),
            e.message().trim().to_string(),
        )
    })?;

    let mut nodes = Vec::new();
    let mut resources: HashMap<Resource, String> = HashMap::new();
    for (name, spanned) in raw.nodes {
        let span = spanned.span();
        let table_name = format!("nodes.{name}");
        let line = loc.line_of(span.start);
        if name.is_empty() || name.contains(['.', ' ']) {
            return Err(loc.error(
                Some(line),
                table_name,
                "node names may not be empty or contain '.' or spaces",
            ));
        }
        let mut table = spanned.into_inner();
        let kind = match table.remove("type") {
            Some(toml::Value::String(kind)) => kind,
            Some(_) => {
                return Err(loc.error(
                    Some(loc.line_of_key(span, Some("type"))),
                    table_name,
                    "`type` must be a string",
                ))
            }
            None => {
                let known: Vec<&str> = registry.node_types().map(|(k, _)| k).collect();
                return Err(loc.error(
                    Some(line),
                    table_name,
                    format!("missing field `type` (one of: {})", known.join(", ")),
                ));
            }
        };
        let mut config = match registry.node(&kind, table) {
            None => {
                let known: Vec<&str> = registry.node_types().map(|(k, _)| k).collect();
                return Err(loc.error(
                    Some(loc.line_of_key(span, Some("type"))),
                    table_name,
                    format!("unknown node type `{kind}` (known: {})", known.join(", ")),
                ));
            }
            Some(Err(message)) => {
                let key_line = loc.line_of_key(span.clone(), quoted_field(&message));
                return Err(loc.error(Some(key_line), table_name, message));
            }
            Some(Ok(config)) => config,
        };
        let ctx = ConfigContext {
            name: name.clone(),
            config_dir: dir.to_path_buf(),
        };
        config.prepare(&ctx).map_err(|message| {
            let key_line = loc.line_of_key(span.clone(), quoted_field(&message));
            loc.error(Some(key_line), table_name.clone(), message)
        })?;
        for resource in config.resources() {
            if let Some(other) = resources.insert(resource.clone(), name.clone()) {
                return Err(loc.error(
                    Some(line),
                    table_name,
                    format!("{resource:?} is already used by node `{other}`"),
                ));
            }
        }
        let signals = config.output_signals();
        let mut seen = std::collections::HashSet::new();
        for s in &signals {
            if !seen.insert(s.name.as_str()) {
                return Err(loc.error(
                    Some(line),
                    table_name,
                    format!("signal `{}` is declared twice", s.name),
                ));
            }
        }
        nodes.push(NodeSpec {
            name,
            kind,
            config,
            signals,
            line,
        });
    }

    let mut paths: Vec<PathSpec> = Vec::new();
    let mut writer_owner: HashMap<usize, String> = HashMap::new();
    for (index, spanned) in raw.paths.into_iter().enumerate() {
        let span = spanned.span();
        let line = loc.line_of(span.start);
        let raw_path = spanned.into_inner();
        let name = raw_path
            .name
            .clone()
            .unwrap_or_else(|| format!("path{index}"));
        let table_name = format!("paths[{index}] ({name})");
        let err = |key: Option<&str>, message: String| {
            loc.error(
                Some(loc.line_of_key(span.clone(), key)),
                table_name.clone(),
                message,
            )
        };
        if !raw_path.enabled {
            continue;
        }
        if paths.iter().any(|p| p.name == name) {
            return Err(err(
                Some("name"),
                format!("path name `{name}` is used twice"),
            ));
        }
        if raw_path.inputs.is_empty() {
            return Err(err(
                Some("in"),
                "`in` needs at least one node or node.signal".into(),
            ));
        }
        // Inputs: "node" or "node.signal"; consecutive signals of one node merge into one input.
        let mut inputs: Vec<InputSpec> = Vec::new();
        for reference in &raw_path.inputs {
            let (node_name, signal_name) = match reference.split_once('.') {
                Some((n, s)) => (n, Some(s)),
                None => (reference.as_str(), None),
            };
            let node_index = nodes
                .iter()
                .position(|n| n.name == node_name)
                .ok_or_else(|| {
                    err(
                        Some("in"),
                        format!("input `{reference}`: no node named `{node_name}`"),
                    )
                })?;
            let node = &nodes[node_index];
            if node.signals.is_empty() {
                return Err(err(
                    Some("in"),
                    format!(
                        "input `{reference}`: node `{node_name}` ({}) produces no samples",
                        node.kind
                    ),
                ));
            }
            let picked: Vec<usize> = match signal_name {
                None => (0..node.signals.len()).collect(),
                Some(signal) => {
                    let i = node.signals.iter().position(|s| s.name == signal).ok_or_else(|| {
                        let names: Vec<&str> = node.signals.iter().map(|s| s.name.as_str()).collect();
                        err(Some("in"), format!("input `{reference}`: node `{node_name}` has no signal `{signal}` (it has: {})", names.join(", ")))
                    })?;
                    vec![i]
                }
            };
            match inputs.iter_mut().find(|i| i.node == node_index) {
                Some(existing) => existing.signals.extend(picked),
                None => inputs.push(InputSpec {
                    node: node_index,
                    signals: picked,
                }),
            }
        }
        // Signal order in the sample follows input order grouped by node.
        let input_signals: Vec<Signal> = inputs
            .iter()
            .flat_map(|i| i.signals.iter().map(|&s| nodes[i.node].signals[s].clone()))
            .collect();
        if raw_path.trigger == Trigger::Rate && raw_path.rate.is_none() {
            return Err(err(
                Some("trigger"),
                "trigger = \"rate\" needs a `rate`, e.g. rate = \"1kHz\"".into(),
            ));
        }
        if raw_path.trigger != Trigger::Rate && raw_path.rate.is_some() {
            return Err(err(
                Some("rate"),
                "`rate` is only used with trigger = \"rate\"".into(),
            ));
        }
        if raw_path.queue == 0 {
            return Err(err(Some("queue"), "`queue` must be at least 1".into()));
        }
        let mut signals = input_signals.clone();
        let mut hooks = Vec::new();
        for (hook_index, hook_table) in raw_path.hooks.into_iter().enumerate() {
            let hook_span = hook_table.span();
            let hook_line = loc.line_of(hook_span.start);
            let mut table = hook_table.into_inner();
            let hook_table_name = format!("{table_name}.hooks[{hook_index}]");
            let kind = match table.remove("type") {
                Some(toml::Value::String(kind)) => kind,
                _ => {
                    let known: Vec<&str> = registry.hook_types().map(|(k, _)| k).collect();
                    return Err(loc.error(
                        Some(hook_line),
                        hook_table_name,
                        format!(
                            "a hook needs `type = \"...\"` (one of: {})",
                            known.join(", ")
                        ),
                    ));
                }
            };
            let config = match registry.hook(&kind, table) {
                None => {
                    let known: Vec<&str> = registry.hook_types().map(|(k, _)| k).collect();
                    return Err(loc.error(
                        Some(hook_line),
                        hook_table_name,
                        format!("unknown hook type `{kind}` (known: {})", known.join(", ")),
                    ));
                }
                Some(Err(message)) => {
                    return Err(loc.error(Some(hook_line), hook_table_name, message))
                }
                Some(Ok(config)) => config,
            };
            let ctx = HookBuildContext {
                path_name: name.clone(),
                path_index: paths.len(),
            };
            let (hook, out) = config
                .build(&signals, &ctx)
                .map_err(|message| loc.error(Some(hook_line), hook_table_name.clone(), message))?;
            signals = out;
            hooks.push((kind, hook));
        }
        let mut outputs = Vec::new();
        for output in &raw_path.outputs {
            let node_index = nodes
                .iter()
                .position(|n| &n.name == output)
                .ok_or_else(|| {
                    err(
                        Some("out"),
                        format!("output `{output}`: no node named `{output}`"),
                    )
                })?;
            let node = &mut nodes[node_index];
            if !node.config.accepts_input() {
                return Err(err(
                    Some("out"),
                    format!(
                        "output `{output}`: node type `{}` cannot be written to",
                        node.kind
                    ),
                ));
            }
            if let Some(owner) = writer_owner.insert(node_index, name.clone()) {
                return Err(err(Some("out"), format!("output `{output}` is already written by path `{owner}`; a node takes one writing path")));
            }
            node.config
                .connect_input(&signals)
                .map_err(|message| err(Some("out"), format!("output `{output}`: {message}")))?;
            outputs.push(node_index);
        }
        paths.push(PathSpec {
            name,
            inputs,
            outputs,
            hooks,
            trigger: raw_path.trigger,
            rate: raw_path.rate,
            queue: raw_path.queue,
            overflow: raw_path.overflow,
            log: raw_path.log,
            input_signals,
            output_signals: signals,
            line,
        });
    }

    let mut engine = raw.engine;
    if let Some(hdf5) = &engine.log.hdf5 {
        if hdf5.is_relative() {
            engine.log.hdf5 = Some(dir.join(hdf5));
        }
    }
    Ok(EngineSpec {
        file: file.to_string(),
        text: text.clone(),
        engine,
        nodes,
        paths,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_set_nested_and_array_keys() {
        let text =
            "[engine]\nbatch = 8\n\n[nodes.a]\ntype = \"x\"\nport = 1\n\n[[paths]]\nin = [\"a\"]\n";
        let out = apply_overrides(
            text,
            &[
                "nodes.a.port=5".into(),
                "nodes.a.interface=eth1".into(),
                "paths.0.queue=16".into(),
                "engine.log.hdf5=run.h5".into(),
            ],
        )
        .unwrap();
        let value: toml::Value = toml::from_str(&out).unwrap();
        assert_eq!(value["nodes"]["a"]["port"].as_integer(), Some(5));
        assert_eq!(value["nodes"]["a"]["interface"].as_str(), Some("eth1"));
        assert_eq!(value["paths"][0]["queue"].as_integer(), Some(16));
        assert_eq!(value["engine"]["log"]["hdf5"].as_str(), Some("run.h5"));
        assert!(out.starts_with("[engine]\nbatch = 8\n"), "layout kept");
    }

    #[test]
    fn overrides_reach_inline_hook_tables() {
        let text = "[[paths]]\nin = [\"a\"]\nhooks = [{ type = \"scale\", gain = 1.0 }]\n";
        let out = apply_overrides(text, &["paths.0.hooks.0.gain=2.5".into()]).unwrap();
        let value: toml::Value = toml::from_str(&out).unwrap();
        assert_eq!(value["paths"][0]["hooks"][0]["gain"].as_float(), Some(2.5));
    }

    #[test]
    fn overrides_reject_bad_syntax() {
        assert!(apply_overrides("a = 1\n", &["novalue".into()]).is_err());
        assert!(apply_overrides("a = 1\n", &["a.b=2".into()]).is_err());
        assert!(apply_overrides("[[p]]\nx=1\n", &["p.7.x=2".into()]).is_err());
        assert!(apply_overrides("a = 1\n", &["x..y=2".into()]).is_err());
    }

    #[test]
    fn quoted_field_finds_the_first_name() {
        assert_eq!(
            quoted_field("unknown field `frequncy`, expected `a`"),
            Some("frequncy")
        );
        assert_eq!(quoted_field("no quotes"), None);
    }
}
