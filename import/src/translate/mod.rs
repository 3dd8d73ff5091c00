//! From a VILLASnode configuration tree to a gridhil TOML table: global settings
//! (`global.rs`), nodes (`nodes.rs`), paths (`paths.rs`) and their hooks (`hooks.rs`).
//! Whatever has no gridhil equivalent is left out and listed as a [`Note`] with the reason.

mod global;
mod hooks;
mod nodes;
mod paths;

use crate::value::Value;
use toml::Table;

/// How much a note matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// Left out or changed in meaning: the translation is partial.
    Untranslated,
    /// Not needed or the same in effect (a VILLASnode setting gridhil does not need).
    Info,
}

/// Something the translation says about an item of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Where, in VILLASnode's terms (`nodes.udp_node.layer`, `paths[0].hooks[1]`).
    pub item: String,
    /// Why it is not (or differently) translated.
    pub reason: String,
    /// How much it matters.
    pub kind: NoteKind,
}

/// How completely a configuration translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything has a gridhil equivalent.
    Full,
    /// Some items are left out or changed (see the notes).
    Partial,
    /// Nothing that runs: no node or path translated.
    None,
}

/// What is known of a translated node: its gridhil type and signal names.
#[derive(Debug, Clone)]
pub(crate) struct NodeInfo {
    pub kind: &'static str,
    pub signals: Option<Vec<String>>,
    pub table: Table,
    /// Link impairments of what is sent to the node (VILLASnode's `out.netem`): gridhil
    /// puts them on the path that writes to it.
    pub impair: Option<Table>,
}

/// The result of a translation.
#[derive(Debug, Clone)]
pub struct Translation {
    /// The gridhil configuration.
    pub table: Table,
    /// What was left out or changed, and why.
    pub notes: Vec<Note>,
    /// Nodes translated.
    pub nodes: usize,
    /// Paths translated.
    pub paths: usize,
    /// Why gridhil refuses the translation as a whole, when it does.
    pub refused: Option<String>,
}

/// A part of the translated configuration, as `gridhil check` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// `[engine]`.
    Engine,
    /// `[nodes.NAME]`.
    Node(String),
    /// `paths[i]`.
    Path(usize),
    /// `paths[i].hooks[j]`.
    Hook(usize, usize),
}

pub(crate) struct Context {
    pub notes: Vec<Note>,
}

impl Context {
    pub fn untranslated(&mut self, item: impl Into<String>, reason: impl Into<String>) {
        self.notes.push(Note {
            item: item.into(),
            reason: reason.into(),
            kind: NoteKind::Untranslated,
        });
    }
    pub fn info(&mut self, item: impl Into<String>, reason: impl Into<String>) {
        self.notes.push(Note {
            item: item.into(),
            reason: reason.into(),
            kind: NoteKind::Info,
        });
    }
}

impl Translation {
    /// How completely it translated.
    pub fn verdict(&self) -> Verdict {
        if self.refused.is_some() || (self.nodes == 0 && self.paths == 0) {
            Verdict::None
        } else if self.notes.iter().any(|n| n.kind == NoteKind::Untranslated) {
            Verdict::Partial
        } else {
            Verdict::Full
        }
    }

    /// Leaves out `place` (which gridhil refuses for `reason`), and everything that
    /// depends on it: a node's paths, a path's hooks. False when there is no such place.
    pub fn drop(&mut self, place: &Place, reason: &str) -> bool {
        let note = |item: String| Note {
            item,
            reason: format!("gridhil check refuses it: {reason}"),
            kind: NoteKind::Untranslated,
        };
        match place {
            Place::Engine => {
                if self.table.remove("engine").is_none() {
                    return false;
                }
                self.notes.push(note("engine".into()));
            }
            Place::Node(name) => {
                let Some(toml::Value::Table(nodes)) = self.table.get_mut("nodes") else {
                    return false;
                };
                if nodes.remove(name).is_none() {
                    return false;
                }
                self.nodes -= 1;
                self.notes.push(note(format!("nodes.{name}")));
                let reads = |v: &toml::Value| {
                    v.as_str()
                        .is_some_and(|e| e == name || e.starts_with(&format!("{name}.")))
                };
                if let Some(toml::Value::Array(paths)) = self.table.get_mut("paths") {
                    let before = paths.len();
                    paths.retain(|p| {
                        !p.get("in")
                            .and_then(|i| i.as_array())
                            .is_some_and(|ins| ins.iter().any(reads))
                    });
                    self.paths -= before - paths.len();
                    for p in paths.iter_mut() {
                        if let Some(toml::Value::Array(outs)) = p.get_mut("out") {
                            outs.retain(|o| o.as_str() != Some(name));
                        }
                    }
                }
            }
            Place::Path(i) => {
                let Some(toml::Value::Array(paths)) = self.table.get_mut("paths") else {
                    return false;
                };
                if *i >= paths.len() {
                    return false;
                }
                paths.remove(*i);
                self.paths -= 1;
                self.notes
                    .push(note(format!("paths[{i}] (gridhil's numbering)")));
            }
            Place::Hook(i, j) => {
                let Some(toml::Value::Array(hooks)) = self
                    .table
                    .get_mut("paths")
                    .and_then(|p| p.as_array_mut())
                    .and_then(|p| p.get_mut(*i))
                    .and_then(|p| p.get_mut("hooks"))
                else {
                    return false;
                };
                if *j >= hooks.len() {
                    return false;
                }
                hooks.remove(*j);
                self.notes
                    .push(note(format!("paths[{i}].hooks[{j}] (gridhil's numbering)")));
            }
        }
        true
    }

    /// The TOML text: a header naming the source and every note, then the configuration.
    pub fn to_toml(&self, source: &str) -> String {
        let mut out = format!(
            "# Translated from the VILLASnode configuration {} by `gridhil import`.\n",
            comment_text(source)
        );
        if let Some(why) = &self.refused {
            out.push_str(&format!(
                "# gridhil check refuses what is left: {}\n",
                comment_text(why)
            ));
        }
        let verdict = match self.verdict() {
            Verdict::Full => "fully translated",
            Verdict::Partial => "partly translated: the items below are left out or changed",
            Verdict::None => "not translated: nothing in it runs in gridhil",
        };
        out.push_str(&format!("# {verdict}\n"));
        for note in &self.notes {
            let tag = match note.kind {
                NoteKind::Untranslated => "NOT TRANSLATED",
                NoteKind::Info => "note",
            };
            out.push_str(&format!(
                "# {tag}: {}: {}\n",
                comment_text(&note.item),
                comment_text(&note.reason)
            ));
        }
        out.push('\n');
        out.push_str(&toml::to_string(&self.table).unwrap_or_default());
        out
    }
}

/// Text fit for a TOML comment: one line, control characters (which TOML does not allow in
/// comments, and a fuzzed configuration may carry in a name) shown as `\u{..}` escapes.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' => " ".to_string(),
            '\t' => "\t".to_string(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Translates a configuration tree.
pub fn translate(root: &Value) -> Translation {
    let mut ctx = Context { notes: Vec::new() };
    let mut table = Table::new();
    let mut engine = Table::new();
    let mut node_infos: Vec<(String, NodeInfo)> = Vec::new();
    for (key, value) in root.members() {
        match key.as_str() {
            "nodes" => node_infos = nodes::translate(value, &mut ctx),
            "paths" => {}
            other => global::translate(other, value, &mut engine, &mut ctx),
        }
    }
    let paths = match root.get("paths") {
        Some(paths) => paths::translate(paths, &mut node_infos, &mut ctx),
        None => Vec::new(),
    };
    nodes::size_loopbacks(&mut node_infos, &paths, &mut ctx);
    nodes::settle_files(&mut node_infos, &paths);
    if !engine.is_empty() {
        table.insert("engine".into(), toml::Value::Table(engine));
    }
    let count = node_infos.len();
    if !node_infos.is_empty() {
        let mut nodes = Table::new();
        for (name, info) in node_infos {
            let mut t = Table::new();
            t.insert("type".into(), toml::Value::String(info.kind.into()));
            t.extend(info.table);
            nodes.insert(name, toml::Value::Table(t));
        }
        table.insert("nodes".into(), toml::Value::Table(nodes));
    }
    let path_count = paths.len();
    if !paths.is_empty() {
        table.insert(
            "paths".into(),
            toml::Value::Array(
                paths
                    .into_iter()
                    .map(|p| toml::Value::Table(p.table))
                    .collect(),
            ),
        );
    }
    Translation {
        table,
        notes: ctx.notes,
        nodes: count,
        paths: path_count,
        refused: None,
    }
}

/// A translated path and the node names it reads and writes.
pub(crate) struct PathOut {
    pub table: Table,
    pub outputs: Vec<String>,
    pub width: Option<usize>,
}

pub(crate) fn s(text: impl Into<String>) -> toml::Value {
    toml::Value::String(text.into())
}

pub(crate) fn int(i: i64) -> toml::Value {
    toml::Value::Integer(i)
}

pub(crate) fn float(f: f64) -> toml::Value {
    toml::Value::Float(f)
}

/// VILLASnode seconds (a number) as a gridhil duration string.
pub(crate) fn seconds(secs: f64) -> String {
    let ns = (secs * 1e9).round();
    if ns % 1e9 == 0.0 {
        format!("{}s", ns / 1e9)
    } else if ns % 1e6 == 0.0 {
        format!("{}ms", ns / 1e6)
    } else if ns % 1e3 == 0.0 {
        format!("{}us", ns / 1e3)
    } else {
        format!("{ns}ns")
    }
}
