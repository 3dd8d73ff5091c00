//! A reader of libconfig syntax (what VILLASnode's `.conf` files are written in) that also
//! reads JSON, into a [`Value`] tree. Settings `name = value;` or `name: value,`, groups
//! `{}`, arrays `[]`, lists `()`, integers (decimal, `0x` hex, `L` suffix), floats,
//! booleans, strings (escapes, adjacent ones joined), comments `#`, `//`, `/* */`, and
//! `@include "file"` (resolved by the caller's `include` function, relative to the file).
//! Not a validator of libconfig's typing rules (mixed arrays are accepted).

use crate::value::Value;

/// A syntax error with its line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct SyntaxError {
    /// Line of the error.
    pub line: usize,
    /// Column of the error (in characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// What `@include "file"` calls: the settings of the named file, or why not.
pub type Include<'a> = dyn FnMut(&str) -> Result<Vec<(String, Value)>, String> + 'a;

/// Deepest nesting of groups and lists followed.
const MAX_DEPTH: usize = 100;

struct Reader<'a> {
    chars: Vec<char>,
    at: usize,
    depth: usize,
    include: &'a mut Include<'a>,
}

/// Parses `text`; `include` reads the file an `@include` names and returns its settings.
pub fn parse(text: &str, include: &mut Include<'_>) -> Result<Value, SyntaxError> {
    let mut reader = Reader {
        chars: text.chars().collect(),
        at: 0,
        depth: 0,
        include,
    };
    reader.skip_blank()?;
    // JSON: one group (or list) around everything.
    let root = if reader.peek() == Some('{') {
        reader.at += 1;
        let settings = reader.settings(Some('}'))?;
        Value::Group(settings)
    } else {
        Value::Group(reader.settings(None)?)
    };
    reader.skip_blank()?;
    if reader.at < reader.chars.len() {
        return Err(reader.error("unexpected text after the end of the configuration"));
    }
    Ok(root)
}

impl Reader<'_> {
    fn position(&self) -> (usize, usize) {
        let mut line = 1;
        let mut column = 1;
        for &c in &self.chars[..self.at.min(self.chars.len())] {
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        (line, column)
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        let (line, column) = self.position();
        SyntaxError {
            line,
            column,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_blank(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => self.at += 1,
                Some('#') => self.skip_line(),
                Some('/') if self.chars.get(self.at + 1) == Some(&'/') => self.skip_line(),
                Some('/') if self.chars.get(self.at + 1) == Some(&'*') => {
                    let start = self.at;
                    self.at += 2;
                    loop {
                        match self.peek() {
                            None => {
                                self.at = start;
                                return Err(self.error("comment `/*` is never closed"));
                            }
                            Some('*') if self.chars.get(self.at + 1) == Some(&'/') => {
                                self.at += 2;
                                break;
                            }
                            Some(_) => self.at += 1,
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.peek() {
            self.at += 1;
            if c == '\n' {
                break;
            }
        }
    }

    /// Settings up to `close` (or the end of the text).
    fn settings(&mut self, close: Option<char>) -> Result<Vec<(String, Value)>, SyntaxError> {
        let mut out: Vec<(String, Value)> = Vec::new();
        loop {
            self.skip_blank()?;
            match (self.peek(), close) {
                (None, None) => return Ok(out),
                (None, Some(c)) => return Err(self.error(format!("`{c}` missing at the end"))),
                (Some(c), Some(want)) if c == want => {
                    self.at += 1;
                    return Ok(out);
                }
                (Some('@'), _) => {
                    let settings = self.include_directive()?;
                    for (k, v) in settings {
                        merge(&mut out, k, v);
                    }
                    continue;
                }
                _ => {}
            }
            let name = self.name()?;
            self.skip_blank()?;
            match self.peek() {
                Some('=') | Some(':') => self.at += 1,
                _ => return Err(self.error(format!("expected `=` or `:` after `{name}`"))),
            }
            let value = self.value()?;
            merge(&mut out, name, value);
            self.skip_blank()?;
            if matches!(self.peek(), Some(';') | Some(',')) {
                self.at += 1;
            }
        }
    }

    fn include_directive(&mut self) -> Result<Vec<(String, Value)>, SyntaxError> {
        let word: String = self.chars[self.at..]
            .iter()
            .take_while(|c| !c.is_whitespace())
            .collect();
        if word != "@include" {
            return Err(self.error(format!("unknown directive `{word}`")));
        }
        self.at += word.chars().count();
        self.skip_blank()?;
        let file = self.string()?;
        (self.include)(&file).map_err(|e| self.error(format!("@include \"{file}\": {e}")))
    }

    fn name(&mut self) -> Result<String, SyntaxError> {
        if self.peek() == Some('"') {
            return self.string();
        }
        let start = self.at;
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || c == '_' || c == '-' || c == '*' || c == '.' {
                self.at += 1;
            } else {
                break;
            }
        }
        if self.at == start {
            return Err(self.error(match self.peek() {
                Some(c) => format!("expected a setting name, found `{c}`"),
                None => "expected a setting name".into(),
            }));
        }
        Ok(self.chars[start..self.at].iter().collect())
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let mut out = String::new();
        loop {
            if self.peek() != Some('"') {
                return Err(self.error("expected a string"));
            }
            let start = self.at;
            self.at += 1;
            loop {
                match self.peek() {
                    None => {
                        self.at = start;
                        return Err(self.error("string is never closed"));
                    }
                    Some('"') => {
                        self.at += 1;
                        break;
                    }
                    Some('\\') => {
                        self.at += 1;
                        let c = self
                            .peek()
                            .ok_or_else(|| self.error("string ends in `\\`"))?;
                        self.at += 1;
                        match c {
                            'n' => out.push('\n'),
                            't' => out.push('\t'),
                            'r' => out.push('\r'),
                            'f' => out.push('\u{c}'),
                            'b' => out.push('\u{8}'),
                            '"' | '\\' | '/' => out.push(c),
                            'x' | 'u' => {
                                let digits = if c == 'x' { 2 } else { 4 };
                                let hex: String =
                                    self.chars[self.at..].iter().take(digits).collect();
                                let code = u32::from_str_radix(&hex, 16)
                                    .ok()
                                    .filter(|_| hex.len() == digits)
                                    .and_then(char::from_u32)
                                    .ok_or_else(|| {
                                        self.error(format!("bad escape `\\{c}{hex}`"))
                                    })?;
                                self.at += digits;
                                out.push(code);
                            }
                            other => return Err(self.error(format!("unknown escape `\\{other}`"))),
                        }
                    }
                    Some(c) => {
                        out.push(c);
                        self.at += 1;
                    }
                }
            }
            // libconfig joins adjacent strings.
            let save = self.at;
            self.skip_blank()?;
            if self.peek() != Some('"') {
                self.at = save;
                return Ok(out);
            }
        }
    }

    fn value(&mut self) -> Result<Value, SyntaxError> {
        self.skip_blank()?;
        match self.peek() {
            Some('{') => {
                self.enter()?;
                self.at += 1;
                let members = self.settings(Some('}'))?;
                self.depth -= 1;
                Ok(Value::Group(members))
            }
            Some(open @ ('[' | '(')) => {
                self.enter()?;
                self.at += 1;
                let close = if open == '[' { ']' } else { ')' };
                let mut items = Vec::new();
                loop {
                    self.skip_blank()?;
                    if self.peek() == Some(close) {
                        self.at += 1;
                        break;
                    }
                    items.push(self.value()?);
                    self.skip_blank()?;
                    match self.peek() {
                        Some(',') => self.at += 1,
                        Some(c) if c == close => {}
                        Some(c) => {
                            return Err(
                                self.error(format!("expected `,` or `{close}`, found `{c}`"))
                            )
                        }
                        None => return Err(self.error(format!("`{close}` missing at the end"))),
                    }
                }
                self.depth -= 1;
                Ok(Value::List(items))
            }
            Some('"') => Ok(Value::Str(self.string()?)),
            Some(_) => self.scalar(),
            None => Err(self.error("expected a value, found the end")),
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nested more than {MAX_DEPTH} deep")));
        }
        Ok(())
    }

    fn scalar(&mut self) -> Result<Value, SyntaxError> {
        let start = self.at;
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || matches!(c, '+' | '-' | '.' | '_') {
                self.at += 1;
            } else {
                break;
            }
        }
        let word: String = self.chars[start..self.at].iter().collect();
        let lower = word.to_ascii_lowercase();
        let value = match lower.as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            "null" => Some(Value::Null),
            _ => None,
        };
        if let Some(value) = value {
            return Ok(value);
        }
        let digits = lower.trim_end_matches('l');
        let (negative, body) = match digits.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, digits.strip_prefix('+').unwrap_or(digits)),
        };
        let int = if let Some(hex) = body.strip_prefix("0x") {
            i64::from_str_radix(hex, 16).ok()
        } else if !body.is_empty() && body.chars().all(|c| c.is_ascii_digit()) {
            body.parse::<i64>().ok()
        } else {
            None
        };
        if let Some(i) = int {
            return Ok(Value::Int(if negative { -i } else { i }));
        }
        if !word.is_empty()
            && word
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
        {
            if let Ok(f) = word.parse::<f64>() {
                return Ok(Value::Float(f));
            }
        }
        self.at = start;
        Err(self.error(if word.is_empty() {
            format!("expected a value, found `{}`", self.peek().unwrap_or(' '))
        } else {
            format!("`{word}` is not a value (strings need quotes)")
        }))
    }
}

/// Adds a setting; a group given twice (e.g. `nodes` in two included files) is merged.
fn merge(out: &mut Vec<(String, Value)>, name: String, value: Value) {
    match (out.iter_mut().find(|(k, _)| *k == name), value) {
        (Some((_, Value::Group(existing))), Value::Group(more)) => {
            for (k, v) in more {
                merge(existing, k, v);
            }
        }
        (Some(slot), value) => slot.1 = value,
        (None, value) => out.push((name, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Value, SyntaxError> {
        parse(text, &mut |file| Err(format!("no file {file}")))
    }

    #[test]
    fn reads_libconfig() {
        let v = read(
            "# comment\nname = \"a\" \"b\"; // more\nn: 0x1F; big = 12L\nf = -1.5e3,\n/* block\n*/ g = { x = [1, 2,]; l = ( { y = true } ) }\n",
        )
        .unwrap();
        assert_eq!(v.get("name"), Some(&Value::Str("ab".into())));
        assert_eq!(v.get("n"), Some(&Value::Int(31)));
        assert_eq!(v.get("big"), Some(&Value::Int(12)));
        assert_eq!(v.get("f"), Some(&Value::Float(-1500.0)));
        let g = v.get("g").unwrap();
        assert_eq!(
            g.get("x"),
            Some(&Value::List(vec![Value::Int(1), Value::Int(2)]))
        );
        assert_eq!(
            g.get("l").unwrap().as_list()[0].get("y"),
            Some(&Value::Bool(true))
        );
    }

    #[test]
    fn reads_json() {
        let v = read(
            r#"{ "nodes": { "a": { "type": "signal", "x": [1.5, null] } }, "b": "\u0041\n" }"#,
        )
        .unwrap();
        assert_eq!(
            v.get("nodes").unwrap().get("a").unwrap().get("type"),
            Some(&Value::Str("signal".into()))
        );
        assert_eq!(v.get("b"), Some(&Value::Str("A\n".into())));
    }

    #[test]
    fn includes_merge_groups() {
        let v = parse("@include \"x.conf\"\nnodes = { b = 2 }", &mut |_| {
            Ok(vec![(
                "nodes".into(),
                Value::Group(vec![("a".into(), Value::Int(1))]),
            )])
        })
        .unwrap();
        assert_eq!(v.get("nodes").unwrap().members().len(), 2);
    }

    #[test]
    fn errors_say_where() {
        let e = read("a = 1\nb = oops\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 5));
        assert!(read("a = \"open")
            .unwrap_err()
            .message
            .contains("never closed"));
        assert!(read("a = { b = 1").unwrap_err().message.contains("missing"));
        assert!(read("a = [1 2]").is_err());
        assert!(read(&format!("a = {}", "[".repeat(500)))
            .unwrap_err()
            .message
            .contains("nested"));
        assert!(read("@include \"x\"")
            .unwrap_err()
            .message
            .contains("no file x"));
        assert!(read("a = 1 }").is_err());
    }
}
