//! `gridhil import`: reads a VILLASnode configuration (libconfig syntax or JSON, with
//! `@include`s) and translates it to gridhil TOML ([`import_file`], [`import_str`]),
//! listing every item it cannot translate with the reason. Checking the result against
//! the registry (and dropping what `gridhil check` refuses) is the command line's part.

pub mod libconfig;
pub mod translate;
pub mod value;

pub use translate::{Note, NoteKind, Place, Translation, Verdict};
pub use value::Value;

use std::path::{Path, PathBuf};

/// Why a configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file (or an included one) could not be read.
    #[error("{file}: {error}")]
    Read {
        /// The file.
        file: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// The text is not libconfig or JSON.
    #[error("{file}: {error}")]
    Syntax {
        /// The file.
        file: PathBuf,
        /// Where and what.
        error: libconfig::SyntaxError,
    },
}

/// Most `@include` levels followed (a file including itself stops here).
const MAX_INCLUDES: usize = 16;

fn read(file: &Path, depth: usize) -> Result<Value, ImportError> {
    let text = std::fs::read_to_string(file).map_err(|error| ImportError::Read {
        file: file.to_path_buf(),
        error,
    })?;
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut include = |name: &str| -> Result<Vec<(String, Value)>, String> {
        if depth >= MAX_INCLUDES {
            return Err(format!("more than {MAX_INCLUDES} levels of @include"));
        }
        let included = read(&dir.join(name), depth + 1).map_err(|e| e.to_string())?;
        match included {
            Value::Group(members) => Ok(members),
            _ => Ok(Vec::new()),
        }
    };
    libconfig::parse(&text, &mut include).map_err(|error| ImportError::Syntax {
        file: file.to_path_buf(),
        error,
    })
}

/// Reads and translates the VILLASnode configuration in `file`.
pub fn import_file(file: &Path) -> Result<Translation, ImportError> {
    Ok(translate::translate(&read(file, 0)?))
}

/// Translates configuration text (`@include` is refused: there is no folder to read from).
pub fn import_str(text: &str) -> Result<Translation, libconfig::SyntaxError> {
    let root = libconfig::parse(text, &mut |name| Err(format!("cannot include {name} here")))?;
    Ok(translate::translate(&root))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fuzz target's property over mutilated copies of VILLASnode's examples (for
    /// machines without cargo-fuzz): every cut and every changed character gives a
    /// translation whose TOML reads back, or a syntax error with a place; never a panic.
    #[test]
    fn mutilated_examples_translate_or_fail_cleanly() {
        let dir =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/import/villas-examples/nodes");
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut translated = 0;
        for name in [
            "socket.conf",
            "signal.conf",
            "test_rtt.conf",
            "c37-118.conf",
            "file.conf",
        ] {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            let chars: Vec<char> = text.chars().collect();
            for _ in 0..300 {
                let mut copy = chars.clone();
                let at = (next() % copy.len() as u64) as usize;
                match next() % 3 {
                    0 => copy.truncate(at),
                    1 => {
                        copy[at] = ['{', '}', '"', '(', '[', '=', ';', '#', '0', 'x']
                            [(next() % 10) as usize]
                    }
                    _ => {
                        copy.remove(at);
                    }
                }
                let text: String = copy.into_iter().collect();
                match import_str(&text) {
                    Ok(t) => {
                        translated += 1;
                        let out = t.to_toml("test");
                        assert!(out.parse::<toml::Table>().is_ok(), "{out}");
                    }
                    Err(e) => assert!(e.line >= 1 && e.column >= 1),
                }
            }
        }
        assert!(translated > 100, "{translated}");
    }
}
