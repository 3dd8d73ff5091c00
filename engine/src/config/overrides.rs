//! `--set KEY=VALUE` overrides: applied to the parsed document, keeping its layout, and
//! remembered by field so that an error about an overridden value names its `--set`.

use crate::field::FieldPath;
use toml_edit::{DocumentMut, Item, Table, Value};

/// One applied `--set`: the assignment as given and the field it set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The assignment as given, e.g. `nodes.gen.rate=2kHz`.
    pub assignment: String,
    /// The field it set, e.g. `nodes.gen.rate` (`paths.0.rate` becomes `paths[0].rate`).
    pub field: FieldPath,
}

/// A `--set` that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--set {assignment}: {message}")]
pub struct OverrideError {
    /// The assignment as given.
    pub assignment: String,
    /// Why it cannot be applied.
    pub message: String,
}

/// Applies `key.path=value` assignments to a document, keeping its layout.
///
/// Keys are dotted paths; an array element is addressed by its index
/// (`paths.0.rate=2kHz`, `paths.0.hooks.1.gain=2`). The value is read as TOML when it
/// parses as a TOML value and as a string otherwise (`nodes.mu1.interface=eth1`).
pub fn apply_overrides(
    document: &mut DocumentMut,
    assignments: &[String],
) -> Result<Vec<Override>, OverrideError> {
    assignments
        .iter()
        .map(|assignment| {
            apply_one(document, assignment).map_err(|message| OverrideError {
                assignment: assignment.clone(),
                message,
            })
        })
        .collect()
}

/// The override that gave the value at `field` (or a table above it): the last one given.
pub(crate) fn override_of<'a>(
    overrides: &'a [Override],
    field: &FieldPath,
) -> Option<&'a Override> {
    overrides
        .iter()
        .rev()
        .find(|applied| field.starts_with(&applied.field))
}

fn apply_one(document: &mut DocumentMut, assignment: &str) -> Result<Override, String> {
    let (key, value) = assignment
        .split_once('=')
        .ok_or("expected KEY=VALUE, e.g. nodes.mu1.interface=eth1")?;
    let key = key.trim();
    let value_text = value.trim();
    let value: Value = value_text
        .parse()
        .unwrap_or_else(|_| Value::from(value_text));
    let parts: Vec<&str> = key.split('.').map(str::trim).collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("empty key segment in `{key}`"));
    }
    let field = set_in_table(document.as_table_mut(), &parts, value, FieldPath::root())?;
    Ok(Override {
        assignment: assignment.to_string(),
        field,
    })
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

/// Sets `parts` below `table` (at `path`) to `value`; returns the field set.
fn set_in_table(
    table: &mut Table,
    parts: &[&str],
    value: Value,
    path: FieldPath,
) -> Result<FieldPath, String> {
    let Some((first, rest)) = parts.split_first() else {
        return Err("empty key".into());
    };
    let path = path.key(*first);
    if rest.is_empty() {
        table.insert(first, Item::Value(value));
        return Ok(path);
    }
    if !table.contains_key(first) {
        let mut fresh = Table::new();
        fresh.set_implicit(true);
        table.insert(first, Item::Table(fresh));
    }
    match table.get_mut(first) {
        Some(Item::Table(inner)) => set_in_table(inner, rest, value, path),
        Some(Item::ArrayOfTables(array)) => {
            let index = parse_index(rest[0], array.len())?;
            match (array.get_mut(index), rest.len()) {
                (Some(inner), n) if n > 1 => {
                    set_in_table(inner, &rest[1..], value, path.index(index))
                }
                _ => Err(format!(
                    "`{first}.{}` is a table; name a field inside it",
                    rest[0]
                )),
            }
        }
        Some(Item::Value(inner)) => set_in_value(inner, rest, value, path),
        _ => Err(format!("cannot set inside `{first}`")),
    }
}

/// Sets `parts` below the inline value `target` (at `path`) to `value`.
fn set_in_value(
    target: &mut Value,
    parts: &[&str],
    value: Value,
    path: FieldPath,
) -> Result<FieldPath, String> {
    let Some((first, rest)) = parts.split_first() else {
        *target = value;
        return Ok(path);
    };
    match target {
        Value::InlineTable(table) => {
            let path = path.key(*first);
            if rest.is_empty() {
                table.insert(*first, value);
                return Ok(path);
            }
            match table.get_mut(first) {
                Some(inner) => set_in_value(inner, rest, value, path),
                None => Err(format!("no field `{first}` to descend into")),
            }
        }
        Value::Array(array) => {
            let index = parse_index(first, array.len())?;
            match array.get_mut(index) {
                Some(inner) => set_in_value(inner, rest, value, path.index(index)),
                None => Err(format!("index {index} out of range")),
            }
        }
        _ => Err(format!(
            "`{first}`: the value above it is not a table or array"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, assignments: &[&str]) -> Result<(String, Vec<Override>), OverrideError> {
        let mut document: DocumentMut = text.parse().unwrap();
        let assignments: Vec<String> = assignments.iter().map(|a| a.to_string()).collect();
        let applied = apply_overrides(&mut document, &assignments)?;
        Ok((document.to_string(), applied))
    }

    #[test]
    fn set_nested_and_array_keys() {
        let text =
            "[engine]\nbatch = 8\n\n[nodes.a]\ntype = \"x\"\nport = 1\n\n[[paths]]\nin = [\"a\"]\n";
        let (out, applied) = apply(
            text,
            &[
                "nodes.a.port=5",
                "nodes.a.interface=eth1",
                "paths.0.queue=16",
                "engine.log.hdf5=run.h5",
            ],
        )
        .unwrap();
        let value: toml::Value = toml::from_str(&out).unwrap();
        assert_eq!(value["nodes"]["a"]["port"].as_integer(), Some(5));
        assert_eq!(value["nodes"]["a"]["interface"].as_str(), Some("eth1"));
        assert_eq!(value["paths"][0]["queue"].as_integer(), Some(16));
        assert_eq!(value["engine"]["log"]["hdf5"].as_str(), Some("run.h5"));
        assert!(out.starts_with("[engine]\nbatch = 8\n"), "layout kept");
        let fields: Vec<String> = applied.iter().map(|o| o.field.to_string()).collect();
        assert_eq!(
            fields,
            [
                "nodes.a.port",
                "nodes.a.interface",
                "paths[0].queue",
                "engine.log.hdf5"
            ]
        );
        assert_eq!(applied[2].assignment, "paths.0.queue=16");
    }

    #[test]
    fn reach_inline_hook_tables() {
        let text = "[[paths]]\nin = [\"a\"]\nhooks = [{ type = \"scale\", gain = 1.0 }]\n";
        let (out, applied) = apply(text, &["paths.0.hooks.0.gain=2.5"]).unwrap();
        let value: toml::Value = toml::from_str(&out).unwrap();
        assert_eq!(value["paths"][0]["hooks"][0]["gain"].as_float(), Some(2.5));
        assert_eq!(applied[0].field, FieldPath::parse("paths[0].hooks[0].gain"));
    }

    #[test]
    fn reject_bad_syntax_naming_the_assignment() {
        let error = apply("a = 1\n", &["novalue"]).unwrap_err();
        assert_eq!(error.assignment, "novalue");
        assert!(error
            .to_string()
            .starts_with("--set novalue: expected KEY=VALUE"));
        assert!(apply("a = 1\n", &["a.b=2"]).is_err());
        assert!(apply("[[p]]\nx=1\n", &["p.7.x=2"]).is_err());
        assert!(apply("a = 1\n", &["x..y=2"]).is_err());
    }

    #[test]
    fn an_error_field_finds_its_override() {
        let applied = [
            Override {
                assignment: "paths.0.hooks.0={ type = \"scale\" }".into(),
                field: FieldPath::parse("paths[0].hooks[0]"),
            },
            Override {
                assignment: "nodes.gen.rate=fast".into(),
                field: FieldPath::parse("nodes.gen.rate"),
            },
        ];
        let of =
            |field: &str| override_of(&applied, &FieldPath::parse(field)).map(|o| &o.assignment);
        assert_eq!(of("nodes.gen.rate"), Some(&applied[1].assignment));
        assert_eq!(of("paths[0].hooks[0].gain"), Some(&applied[0].assignment));
        assert_eq!(of("nodes.gen"), None, "the table is not the override's");
        assert_eq!(of("nodes.gen.values"), None);
        assert_eq!(of("paths[1].hooks[0].gain"), None);
    }
}
