//! Finds the line of a field in the configuration text from its path, over the spans of the
//! parsed document. It knows nothing of what the fields mean, nor of error messages.

use crate::field::{FieldPath, Segment};
use std::ops::Range;
use toml_edit::{ImDocument, Item, Table, Value};

/// The configuration text as written, parsed with spans.
pub(crate) struct FieldLocator {
    document: ImDocument<String>,
}

/// A syntax error of the text: its line (when known) and what is wrong.
pub(crate) struct SyntaxError {
    pub line: Option<usize>,
    pub message: String,
}

/// Where the walk down a path stands.
#[derive(Clone, Copy)]
enum Cursor<'a> {
    Table(&'a Table),
    Item(&'a Item),
    Value(&'a Value),
}

impl FieldLocator {
    /// Parses `text` (TOML syntax only; nothing is deserialized).
    pub fn parse(text: &str) -> Result<Self, SyntaxError> {
        let document = ImDocument::parse(text.to_string()).map_err(|error| SyntaxError {
            line: error.span().map(|span| line_at(text, span.start)),
            message: error.message().trim().to_string(),
        })?;
        Ok(FieldLocator { document })
    }

    /// The parsed document.
    pub fn document(&self) -> &ImDocument<String> {
        &self.document
    }

    /// Line of the deepest part of `field` that the text holds: the field's key when it is
    /// written, else the table (or array element) above it. `None` when not even the first
    /// step is written.
    pub fn line_of(&self, field: &FieldPath) -> Option<usize> {
        self.walk(field).1
    }

    /// Line of `field` when the text holds all of it (`None` for a table made by `--set`).
    pub fn line_of_written(&self, field: &FieldPath) -> Option<usize> {
        match self.walk(field) {
            (true, line) => line,
            (false, _) => None,
        }
    }

    /// Walks down `field`: whether every step is written, and the line of the last one found.
    fn walk(&self, field: &FieldPath) -> (bool, Option<usize>) {
        let mut cursor = Cursor::Table(self.document.as_table());
        let mut found = None;
        let mut complete = true;
        for segment in field.segments() {
            let Some((span, next)) = step(cursor, segment) else {
                complete = false;
                break;
            };
            found = span.or(found);
            cursor = next;
        }
        let line = found.map(|span| line_at(self.document.raw(), span.start));
        (complete, line)
    }
}

/// One step down: the span of what the step names (its key, or the array element) and
/// where the walk goes on.
fn step<'a>(cursor: Cursor<'a>, segment: &Segment) -> Option<(Option<Range<usize>>, Cursor<'a>)> {
    match segment {
        Segment::Key(name) => {
            let (key, item) = match cursor {
                Cursor::Table(table) | Cursor::Item(Item::Table(table)) => {
                    table.get_key_value(name)?
                }
                Cursor::Item(Item::Value(Value::InlineTable(table)))
                | Cursor::Value(Value::InlineTable(table)) => table.get_key_value(name)?,
                _ => return None,
            };
            Some((key.span().or_else(|| item.span()), Cursor::Item(item)))
        }
        Segment::Index(index) => match cursor {
            Cursor::Item(Item::ArrayOfTables(array)) => {
                let table = array.get(*index)?;
                Some((table.span(), Cursor::Table(table)))
            }
            Cursor::Item(Item::Value(Value::Array(array))) | Cursor::Value(Value::Array(array)) => {
                let value = array.get(*index)?;
                Some((value.span(), Cursor::Value(value)))
            }
            _ => None,
        },
    }
}

/// 1-based line of a byte offset in `text`.
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"[engine]
realtime = { priority = 50, cpus = [2, 3] }

[nodes.gen]
type = "signal"
rate = "1kHz"

[nodes.udp]
type = "udp"
multicast.group = "239.1.1.1"

[[paths]]
name = "first"
in = ["gen"]

[[paths]]
in = ["gen"]
hooks = [
  { type = "stats" },
  { type = "scale", gain = 2.0 },
]
"#;

    fn line(field: &str) -> Option<usize> {
        FieldLocator::parse(TEXT)
            .ok()
            .unwrap()
            .line_of(&FieldPath::parse(field))
    }

    #[test]
    fn keys_of_standard_tables() {
        assert_eq!(line("engine"), Some(1));
        assert_eq!(line("nodes.gen"), Some(4));
        assert_eq!(line("nodes.gen.rate"), Some(6));
        assert_eq!(line("nodes.udp.type"), Some(9));
    }

    #[test]
    fn inline_tables_and_dotted_keys() {
        assert_eq!(line("engine.realtime.priority"), Some(2));
        assert_eq!(line("engine.realtime.cpus[1]"), Some(2));
        assert_eq!(line("nodes.udp.multicast.group"), Some(10));
    }

    #[test]
    fn arrays_of_tables_and_inline_tables_in_arrays() {
        assert_eq!(line("paths[0]"), Some(12));
        assert_eq!(line("paths[0].name"), Some(13));
        assert_eq!(line("paths[1]"), Some(16));
        assert_eq!(line("paths[1].hooks[0]"), Some(19));
        assert_eq!(line("paths[1].hooks[1]"), Some(20));
        assert_eq!(line("paths[1].hooks[1].gain"), Some(20));
    }

    #[test]
    fn missing_fields_fall_back_to_what_is_written() {
        assert_eq!(line("nodes.gen.values"), Some(4), "the table's line");
        assert_eq!(line("paths[1].queue"), Some(16));
        assert_eq!(line("paths[1].hooks[1].offset"), Some(20));
        assert_eq!(
            line("paths[7].rate"),
            Some(12),
            "the first [[paths]] header"
        );
        assert_eq!(line("nowhere.at.all"), None);
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let error = FieldLocator::parse("a = 1\nb = = 2\n").err().unwrap();
        assert_eq!(error.line, Some(2));
        assert!(!error.message.is_empty());
    }
}
