//! Layout rules checked on the sources: no two files of a crate import each other in a
//! circle, `formats` stands apart from the engine, and the engine depends on no node crate.
//!
//! It reads `.rs` files and `Cargo.toml` manifests only; it builds and runs nothing. A file
//! "imports" another file of its crate when one of its paths (`use crate::…`,
//! `use super::…`, `crate::x::y` in code) names a module that file holds. Imports between a
//! module and its own ancestors or descendants do not count: a `mod.rs` re-exporting its
//! children and children using their parent's helpers are how modules are built.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Import circles that exist and are to be broken (none today). An entry is the set of files
/// of one circle; remove it when the circle is gone (the test then says so).
const KNOWN_CIRCLES: &[&[&str]] = &[];

/// The crates the engine may depend on: the layers below it (test helpers as dev-only).
const ENGINE_MAY_DEPEND_ON: &[&str] = &["gridhil-rt", "gridhil-sample"];

#[test]
fn files_import_each_other_in_no_circle() {
    let mut circles = Vec::new();
    for dir in crate_dirs() {
        let src = relative(&dir.join("src"));
        let name = |file: &String| format!("{src}/{file}");
        for files in crate_roots(read_sources(&dir.join("src"))) {
            for circle in find_circles(&files) {
                let circle = Circle {
                    files: circle.files.iter().map(name).collect(),
                    path: circle.path.iter().map(name).collect(),
                };
                if !circles.contains(&circle) {
                    circles.push(circle);
                }
            }
        }
    }
    let known: Vec<BTreeSet<&str>> = KNOWN_CIRCLES
        .iter()
        .map(|files| files.iter().copied().collect())
        .collect();
    let members = |circle: &Circle| -> BTreeSet<String> { circle.files.iter().cloned().collect() };
    let mut problems = Vec::new();
    for circle in &circles {
        let files = members(circle);
        if !known
            .iter()
            .any(|entry| entry.iter().map(|f| f.to_string()).collect::<BTreeSet<_>>() == files)
        {
            problems.push(circle.to_string());
        }
    }
    for entry in &known {
        let entry_files: BTreeSet<String> = entry.iter().map(|f| f.to_string()).collect();
        if !circles.iter().any(|circle| members(circle) == entry_files) {
            problems.push(format!(
                "the known circle {entry:?} is gone: remove it from KNOWN_CIRCLES"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn formats_do_not_depend_on_the_engine() {
    let manifest = manifest(&repo().join("formats"));
    let found = dependency_names(&manifest);
    assert!(
        !found.contains("gridhil-engine"),
        "formats/Cargo.toml depends on gridhil-engine: wire formats use the data model \
         crate gridhil-sample, never the engine"
    );
}

#[test]
fn the_engine_depends_on_no_node_crate() {
    let manifest = manifest(&repo().join("engine"));
    let members: BTreeSet<String> = crate_dirs()
        .iter()
        .map(|dir| package_name(&self::manifest(dir)))
        .collect();
    let table = |name: &str| -> BTreeSet<String> {
        manifest
            .get(name)
            .and_then(toml::Value::as_table)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default()
    };
    let mut wrong = Vec::new();
    for (kind, names) in [
        ("dependencies", table("dependencies")),
        ("build-dependencies", table("build-dependencies")),
        ("dev-dependencies", table("dev-dependencies")),
    ] {
        for name in names.intersection(&members) {
            let allowed = ENGINE_MAY_DEPEND_ON.contains(&name.as_str())
                || (kind == "dev-dependencies" && name == "gridhil-test-support");
            if !allowed {
                wrong.push(format!("[{kind}] {name}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "engine/Cargo.toml depends on workspace crates above it: {wrong:?} (it may use only \
         {ENGINE_MAY_DEPEND_ON:?})"
    );
}

/// The scanner itself: a circle between siblings is found, through `use` trees and paths in
/// code, while parent ↔ child imports, `use super::*` in a test module and paths inside
/// comments and strings are not imports.
#[test]
fn the_scanner_finds_circles_and_ignores_parents() {
    let files = sources(&[
        (
            "lib.rs",
            "pub mod codec; mod other;\nuse codec::data::Data;\n",
        ),
        (
            "codec/mod.rs",
            "mod data; mod repr; mod wire;\npub use data::Data;\npub use repr::Repr;\n",
        ),
        (
            "codec/data.rs",
            "use super::{wire::{Reader, Writer}, Data as _};\n\
             pub fn encode() { super::repr::encode_frame(); }\n\
             #[cfg(test)] mod tests { use super::*; use crate::codec::Data; }\n",
        ),
        (
            "codec/repr.rs",
            "use crate::codec::{self, data::{self as payload}};\nuse super::wire;\n",
        ),
        (
            "codec/wire.rs",
            "// use super::repr::X;\nconst S: &str = \"crate::other::Y\";\nconst C: char = '\"';\n\
             fn f<'a>(x: &'a str) -> &'a str { x }\n",
        ),
        ("other.rs", "use crate::codec::wire::Reader;\n"),
    ]);
    let circles = find_circles(&files);
    let names = |list: &[&str]| list.iter().map(|f| f.to_string()).collect::<Vec<_>>();
    assert_eq!(
        circles,
        vec![Circle {
            files: names(&["codec/data.rs", "codec/repr.rs"]),
            path: names(&["codec/data.rs", "codec/repr.rs", "codec/data.rs"]),
        }]
    );
    let graph = import_graph(&files);
    assert_eq!(
        graph["other.rs"],
        BTreeSet::from(["codec/wire.rs".to_string()])
    );
    assert!(
        graph["codec/wire.rs"].is_empty(),
        "comments, strings and chars are no imports: {:?}",
        graph["codec/wire.rs"]
    );
    assert!(graph["lib.rs"].is_empty(), "a parent importing its child");

    // A longer circle through three files is printed file → file → file; a fourth file in
    // the same knot is named too.
    let files = sources(&[
        ("lib.rs", "mod a; mod b; mod c; mod d;"),
        ("a.rs", "use crate::b::X;"),
        ("b.rs", "fn f() { crate::c::g(); crate::d::h(); }"),
        ("c.rs", "use super::a;"),
        ("d.rs", "use super::b::Y;"),
    ]);
    let circles = find_circles(&files);
    assert_eq!(circles.len(), 1);
    assert_eq!(
        circles[0].to_string(),
        "import circle: a.rs → b.rs → c.rs → a.rs (and through it d.rs)"
    );
}

// ---- where the crates and their files are ----

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn relative(path: &Path) -> String {
    let text = path
        .strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string();
    if text.is_empty() {
        ".".into()
    } else {
        text
    }
}

fn manifest(dir: &Path) -> toml::Table {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn package_name(manifest: &toml::Table) -> String {
    manifest["package"]["name"]
        .as_str()
        .expect("package.name")
        .to_string()
}

/// Names in every dependency table of a manifest.
fn dependency_names(manifest: &toml::Table) -> BTreeSet<String> {
    ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|key| manifest.get(*key).and_then(toml::Value::as_table))
        .flat_map(|table| table.keys().cloned())
        .collect()
}

/// The root package and every workspace member.
fn crate_dirs() -> Vec<PathBuf> {
    let root = manifest(&repo());
    let members = root["workspace"]["members"]
        .as_array()
        .expect("workspace.members");
    let mut dirs = vec![repo()];
    dirs.extend(
        members
            .iter()
            .map(|m| repo().join(m.as_str().expect("member path"))),
    );
    dirs
}

/// Every `.rs` file under `src` (path relative to `src`, text), except `src/bin/` (other
/// crates).
fn read_sources(src: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}"));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                if path != src.join("bin") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text =
                    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
                let name = path
                    .strip_prefix(src)
                    .expect("under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((name, text));
            }
        }
    }
    out.sort();
    out
}

/// The files of each crate under one `src/`: a package with both `lib.rs` and `main.rs`
/// holds two crates, each seen without the other's root (a file both use counts in both).
fn crate_roots(files: Vec<(String, String)>) -> Vec<Vec<(String, String)>> {
    let has = |root: &str| files.iter().any(|(file, _)| file == root);
    if !(has("lib.rs") && has("main.rs")) {
        return vec![files];
    }
    ["main.rs", "lib.rs"]
        .iter()
        .map(|other_root| {
            files
                .iter()
                .filter(|(file, _)| file != other_root)
                .cloned()
                .collect()
        })
        .collect()
}

fn sources(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

/// The module a file holds: `lib.rs` → `[]`, `a/b.rs` and `a/b/mod.rs` → `[a, b]`.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file.split('/').map(String::from).collect();
    let last = parts.pop().unwrap_or_default();
    match last.as_str() {
        "mod.rs" => {}
        "lib.rs" | "main.rs" if parts.is_empty() => {}
        _ => parts.push(last.trim_end_matches(".rs").to_string()),
    }
    parts
}

// ---- reading paths out of Rust text ----

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// Identifiers and punctuation of Rust source, without comments, strings and char literals.
fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            i = skip_string(&chars, i + 1);
        } else if (c == 'r' || c == 'b') && raw_string_start(&chars, i).is_some() {
            let (hashes, body) = raw_string_start(&chars, i).unwrap_or((0, i));
            i = skip_raw_string(&chars, body, hashes);
        } else if c == 'b' && at(i + 1) == '"' {
            i = skip_string(&chars, i + 2);
        } else if c == 'b' && at(i + 1) == '\'' {
            i = skip_char(&chars, i + 2);
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if at(i + 1) == '\\' || at(i + 2) == '\'' {
                i = skip_char(&chars, i + 1);
            } else {
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(Token::Ident(word));
        } else if c == ':' && at(i + 1) == ':' {
            out.push(Token::PathSep);
            i += 2;
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

/// Index after the closing quote of a string whose body starts at `i`.
fn skip_string(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// Index after the closing quote of a char literal whose body starts at `i`.
fn skip_char(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '\'' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// For `r"`, `r#"`, `br"`, `br#"` at `i`: the number of `#` and where the body starts.
fn raw_string_start(chars: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    // Not the tail of an identifier such as `for"`.
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (chars.get(j) == Some(&'"')).then_some((hashes, j + 1))
}

fn skip_raw_string(chars: &[char], mut i: usize, hashes: usize) -> usize {
    while i < chars.len() {
        if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

/// Expands one `use` tree starting at `pos` into full paths (`{a, b::c}` → `[.., a]`,
/// `[.., b, c]`; `self` in a group names the group's prefix; `*` names the prefix).
fn use_tree(
    tokens: &[Token],
    pos: &mut usize,
    mut prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    while let Some(token) = tokens.get(*pos) {
        match token {
            Token::PathSep | Token::Punct('$') => *pos += 1,
            Token::Punct('*') => {
                *pos += 1;
                out.push(prefix);
                return;
            }
            Token::Punct('{') => {
                *pos += 1;
                while let Some(token) = tokens.get(*pos) {
                    match token {
                        Token::Punct('}') => {
                            *pos += 1;
                            break;
                        }
                        Token::Punct(',') => *pos += 1,
                        _ => {
                            let before = *pos;
                            use_tree(tokens, pos, prefix.clone(), out);
                            if *pos == before {
                                *pos += 1;
                            }
                        }
                    }
                }
                return;
            }
            Token::Ident(name) => {
                *pos += 1;
                let continues = tokens.get(*pos) == Some(&Token::PathSep);
                if !(name == "self" && !prefix.is_empty() && !continues) {
                    prefix.push(name.clone());
                }
                if continues {
                    continue;
                }
                if tokens.get(*pos) == Some(&Token::Ident("as".into())) {
                    *pos += 2;
                }
                out.push(prefix);
                return;
            }
            _ => return,
        }
    }
}

/// Every path a file names that starts at `crate`, `super` or `self`, made absolute
/// (a list of module and item names from the crate root).
fn crate_paths(file_module: &[String], text: &str) -> Vec<Vec<String>> {
    let tokens = tokens(text);
    let mut paths = Vec::new();
    // Inline modules (`mod tests { … }`) open at a brace depth.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let current: Vec<String> = file_module
            .iter()
            .cloned()
            .chain(inline.iter().map(|(name, _)| name.clone()))
            .collect();
        match &tokens[i] {
            Token::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Token::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Token::Ident(word) if word == "mod" => {
                if let (Some(Token::Ident(name)), Some(Token::Punct('{'))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    depth += 1;
                    inline.push((name.clone(), depth));
                    i += 3;
                } else {
                    i += 1;
                }
            }
            Token::Ident(word) if word == "use" => {
                i += 1;
                let mut found = Vec::new();
                use_tree(&tokens, &mut i, Vec::new(), &mut found);
                paths.extend(found.iter().filter_map(|p| absolute(&current, p)));
            }
            Token::Ident(word)
                if matches!(word.as_str(), "crate" | "super" | "self")
                    && tokens.get(i + 1) == Some(&Token::PathSep)
                    && (i == 0 || tokens[i - 1] != Token::PathSep) =>
            {
                let mut path = vec![word.clone()];
                let mut j = i + 1;
                while tokens.get(j) == Some(&Token::PathSep) {
                    match tokens.get(j + 1) {
                        Some(Token::Ident(next)) => path.push(next.clone()),
                        _ => break,
                    }
                    j += 2;
                }
                paths.extend(absolute(&current, &path));
                i = j;
            }
            _ => i += 1,
        }
    }
    paths
}

/// A path as seen from module `current`, from the crate root; `None` for other crates.
fn absolute(current: &[String], path: &[String]) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => current.to_vec(),
        "super" => {
            let mut base = current.to_vec();
            base.pop();
            base
        }
        _ => return None,
    };
    let mut rest = rest.iter().peekable();
    if first == "super" {
        while rest.peek().is_some_and(|s| *s == "super") {
            base.pop();
            rest.next();
        }
    }
    base.extend(rest.cloned());
    Some(base)
}

/// Which files each file imports (ancestors and descendants left out).
fn import_graph(files: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|(file, _)| (module_of(file), file.clone()))
        .collect();
    let mut graph = BTreeMap::new();
    for (file, text) in files {
        let own = module_of(file);
        let mut targets = BTreeSet::new();
        for path in crate_paths(&own, text) {
            // The file holding the longest module prefix of the path.
            let Some(target) = (0..=path.len()).rev().find_map(|n| modules.get(&path[..n])) else {
                continue;
            };
            let other = module_of(target);
            let related = other.starts_with(&own) || own.starts_with(&other);
            if !related {
                targets.insert(target.clone());
            }
        }
        graph.insert(file.clone(), targets);
    }
    graph
}

/// Files that import each other in a circle.
#[derive(Debug, PartialEq)]
struct Circle {
    /// Every file of the knot (a strongly connected group), sorted.
    files: Vec<String>,
    /// One circle through the first of them: `a → b → c → a`.
    path: Vec<String>,
}

impl std::fmt::Display for Circle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "import circle: {}", self.path.join(" → "))?;
        let others: Vec<&String> = self
            .files
            .iter()
            .filter(|file| !self.path.contains(file))
            .collect();
        if !others.is_empty() {
            let others: Vec<&str> = others.iter().map(|s| s.as_str()).collect();
            write!(f, " (and through it {})", others.join(", "))?;
        }
        Ok(())
    }
}

/// Each group of files that import each other in a circle.
fn find_circles(files: &[(String, String)]) -> Vec<Circle> {
    let graph = import_graph(files);
    strongly_connected(&graph)
        .into_iter()
        .filter(|group| group.len() > 1)
        .map(|group| Circle {
            path: circle_through(&graph, &group),
            files: group,
        })
        .collect()
}

/// Strongly connected groups of files (Tarjan), each sorted, in order of their first file.
fn strongly_connected(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        groups: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, node: &'a str) {
        let n = s.index.len();
        s.index.insert(node, n);
        s.low.insert(node, n);
        s.stack.push(node);
        s.on_stack.insert(node);
        let graph = s.graph;
        for next in graph.get(node).into_iter().flatten() {
            let next = next.as_str();
            if !s.index.contains_key(next) {
                visit(s, next);
                let low = s.low[node].min(s.low[next]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(next) {
                let low = s.low[node].min(s.index[next]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut group = Vec::new();
            while let Some(member) = s.stack.pop() {
                s.on_stack.remove(member);
                group.push(member.to_string());
                if member == node {
                    break;
                }
            }
            group.sort();
            s.groups.push(group);
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.groups.sort();
    state.groups
}

/// A shortest circle from the group's first file back to it, through the group's files.
fn circle_through(graph: &BTreeMap<String, BTreeSet<String>>, group: &[String]) -> Vec<String> {
    let start = &group[0];
    let members: BTreeSet<&String> = group.iter().collect();
    let mut came_from: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in &graph[node] {
            if !members.contains(next) {
                continue;
            }
            if next == start {
                // Walk back from `node` to `start`, then read the walk forwards.
                let mut back = Vec::new();
                let mut at = node;
                while at != start {
                    back.push(at.clone());
                    at = came_from[at];
                }
                let mut circle = vec![start.clone()];
                circle.extend(back.into_iter().rev());
                circle.push(start.clone());
                return circle;
            }
            if !came_from.contains_key(next) {
                came_from.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    group.to_vec()
}
