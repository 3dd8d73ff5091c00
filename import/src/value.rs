//! The configuration tree a VILLASnode file reads into, whichever its syntax: groups keep
//! their order (as libconfig and the file's author have it).

/// One value of a configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `true` / `false`.
    Bool(bool),
    /// An integer (decimal, or hexadecimal `0x…`; libconfig's `L` suffix dropped).
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string (adjacent strings joined).
    Str(String),
    /// An array `[…]` or a list `(…)`.
    List(Vec<Value>),
    /// A group `{ name = value; … }`, in order.
    Group(Vec<(String, Value)>),
    /// JSON `null`.
    Null,
}

impl Value {
    /// The member `name` of a group.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Group(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a number (integers converted).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as an integer (whole floats converted).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => Some(*f as i64),
            _ => None,
        }
    }

    /// The value as a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The members of a group (empty for anything else).
    pub fn members(&self) -> &[(String, Value)] {
        match self {
            Value::Group(members) => members,
            _ => &[],
        }
    }

    /// A single value as a one-element list, a list as itself.
    pub fn as_list(&self) -> Vec<&Value> {
        match self {
            Value::List(items) => items.iter().collect(),
            other => vec![other],
        }
    }

    /// A short rendering for messages.
    pub fn brief(&self) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => format!("{s:?}"),
            Value::List(items) => format!("[{} items]", items.len()),
            Value::Group(members) => format!("{{{} settings}}", members.len()),
            Value::Null => "null".into(),
        }
    }
}
