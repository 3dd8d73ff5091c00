//! Fields of a configuration ([`FieldPath`]) and the error a node or hook type gives about one
//! ([`FieldError`]), which the loader places in the file. Run-time errors are `NodeError`s.

use serde::de::DeserializeOwned;
use std::fmt;

/// One step of a [`FieldPath`]: a key of a table or an index into an array.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A key of a table.
    Key(String),
    /// An index into an array.
    Index(usize),
}

/// Where a value sits in a configuration, e.g. `nodes.gen.rate` or `paths[0].hooks[1].gain`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

impl FieldPath {
    /// The empty path: the table itself.
    pub fn root() -> Self {
        FieldPath::default()
    }

    /// Reads a path written as in messages: keys joined by `.`, indices in brackets
    /// (`multicast.group`, `signals[2].name`). A bracket that holds no number stays part
    /// of its key.
    pub fn parse(text: &str) -> Self {
        let mut path = FieldPath::root();
        for part in text.split('.').filter(|p| !p.is_empty()) {
            let (key, mut indices) = match part.find('[') {
                Some(at) => part.split_at(at),
                None => (part, ""),
            };
            let mut parsed = Vec::new();
            while let Some(rest) = indices.strip_prefix('[') {
                match rest
                    .split_once(']')
                    .and_then(|(n, r)| Some((n.parse().ok()?, r)))
                {
                    Some((index, remainder)) => {
                        parsed.push(index);
                        indices = remainder;
                    }
                    None => break,
                }
            }
            if !indices.is_empty() {
                path.segments.push(Segment::Key(part.to_string()));
                continue;
            }
            if !key.is_empty() {
                path.segments.push(Segment::Key(key.to_string()));
            }
            path.segments.extend(parsed.into_iter().map(Segment::Index));
        }
        path
    }

    /// This path followed by a key.
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut path = self.clone();
        path.segments.push(Segment::Key(key.into()));
        path
    }

    /// This path followed by an array index.
    pub fn index(&self, index: usize) -> Self {
        let mut path = self.clone();
        path.segments.push(Segment::Index(index));
        path
    }

    /// This path followed by `tail`.
    pub fn join(&self, tail: &FieldPath) -> Self {
        let mut path = self.clone();
        path.segments.extend(tail.segments.iter().cloned());
        path
    }

    /// The steps of the path, outermost first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Whether this is the table itself.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// Whether `prefix` is this path or a table (or array) above it.
    pub fn starts_with(&self, prefix: &FieldPath) -> bool {
        self.segments.starts_with(&prefix.segments)
    }

    /// The rest of this path below `prefix`, when `prefix` is above it.
    pub fn strip_prefix(&self, prefix: &FieldPath) -> Option<FieldPath> {
        self.segments
            .strip_prefix(prefix.segments.as_slice())
            .map(|rest| FieldPath {
                segments: rest.to_vec(),
            })
    }

    /// The last key of the path (the field's own name).
    pub fn last_key(&self) -> Option<&str> {
        self.segments.iter().rev().find_map(|s| match s {
            Segment::Key(key) => Some(key.as_str()),
            Segment::Index(_) => None,
        })
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl From<serde_path_to_error::Path> for FieldPath {
    fn from(path: serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment as Serde;
        let mut out = FieldPath::root();
        for segment in path.iter() {
            match segment {
                Serde::Seq { index } => out.segments.push(Segment::Index(*index)),
                Serde::Map { key } => out.segments.push(Segment::Key(key.clone())),
                Serde::Enum { variant } => out.segments.push(Segment::Key(variant.clone())),
                Serde::Unknown => break,
            }
        }
        out
    }
}

/// A configuration problem found by a node or hook type: what is wrong and, when it is
/// about one field, which (relative to the type's own table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field the problem is about (`None`: the table as a whole).
    pub field: Option<FieldPath>,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    /// A problem with the table as a whole (e.g. two fields that do not go together).
    pub fn new(message: impl Into<String>) -> Self {
        FieldError {
            field: None,
            message: message.into(),
        }
    }

    /// A problem with the field written `field` (`rate`, `multicast.group`, `signals[2]`).
    pub fn at(field: &str, message: impl Into<String>) -> Self {
        FieldError::at_path(FieldPath::parse(field), message)
    }

    /// A problem with the field at `field`.
    pub fn at_path(field: FieldPath, message: impl Into<String>) -> Self {
        FieldError {
            field: (!field.is_root()).then_some(field),
            message: message.into(),
        }
    }

    /// Whether the message already names the field in backticks (`` `rate` must be…``),
    /// so that it is not said twice when the error is shown.
    pub fn message_names(message: &str, field: &FieldPath) -> bool {
        let full = format!("`{field}`");
        let own = field.last_key().map(|key| format!("`{key}`"));
        message.contains(&full) || own.is_some_and(|own| message.contains(&own))
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) if !FieldError::message_names(&self.message, field) => {
                write!(f, "`{field}`: {}", self.message)
            }
            _ => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for FieldError {}

impl From<String> for FieldError {
    fn from(message: String) -> Self {
        FieldError::new(message)
    }
}

impl From<&str> for FieldError {
    fn from(message: &str) -> Self {
        FieldError::new(message)
    }
}

/// Deserializes a configuration value into `T`; an error names the field it is about.
pub fn deserialize<T: DeserializeOwned>(value: toml::Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let field = FieldPath::from(error.path().clone());
        FieldError::at_path(field, error.into_inner().message().trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_and_print_alike() {
        for text in [
            "rate",
            "multicast.group",
            "paths[0].hooks[1].gain",
            "a[2][3].b",
        ] {
            assert_eq!(FieldPath::parse(text).to_string(), text);
        }
        let path = FieldPath::parse("paths[0].hooks[1].gain");
        assert_eq!(
            path.segments(),
            &[
                Segment::Key("paths".into()),
                Segment::Index(0),
                Segment::Key("hooks".into()),
                Segment::Index(1),
                Segment::Key("gain".into()),
            ]
        );
        assert_eq!(
            FieldPath::parse("odd[x]").segments(),
            &[Segment::Key("odd[x]".into())]
        );
        assert!(FieldPath::parse("").is_root());
    }

    #[test]
    fn prefixes_strip() {
        let path = FieldPath::parse("paths[0].hooks[1].gain");
        let table = FieldPath::parse("paths[0].hooks[1]");
        assert!(path.starts_with(&table));
        assert_eq!(path.strip_prefix(&table), Some(FieldPath::parse("gain")));
        assert_eq!(path.strip_prefix(&FieldPath::parse("nodes")), None);
        assert_eq!(path.last_key(), Some("gain"));
        assert_eq!(FieldPath::parse("a[3]").last_key(), Some("a"));
    }

    #[test]
    fn errors_name_their_field_once() {
        assert_eq!(
            FieldError::at("batch", "must be 1–1024").to_string(),
            "`batch`: must be 1–1024"
        );
        assert_eq!(
            FieldError::at("batch", "`batch` must be 1–1024").to_string(),
            "`batch` must be 1–1024"
        );
        assert_eq!(FieldError::new("no field").to_string(), "no field");
        assert_eq!(FieldError::at("", "the table").field, None);
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        gain: f64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        port: u16,
        #[serde(default)]
        hooks: Vec<Inner>,
    }

    fn outer(text: &str) -> Result<Outer, FieldError> {
        deserialize(toml::Value::Table(toml::from_str(text).unwrap()))
    }

    #[test]
    fn serde_errors_carry_their_path() {
        let wrong_type = outer("port = \"x\"").unwrap_err();
        assert_eq!(wrong_type.field, Some(FieldPath::parse("port")));
        let nested = outer("port = 1\nhooks = [{ gain = 1.0 }, { gain = true }]").unwrap_err();
        assert_eq!(nested.field, Some(FieldPath::parse("hooks[1].gain")));
        let unknown = outer("port = 1\nprot = 2").unwrap_err();
        assert_eq!(unknown.field, Some(FieldPath::parse("prot")));
        assert!(unknown.message.contains("unknown field `prot`"));
        let missing = outer("").unwrap_err();
        assert_eq!(missing.field, None);
        assert!(missing.message.contains("missing field `port`"));
    }
}
