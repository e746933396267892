//! Problems found in user files (config, keymaps, themes, service definitions), with file and
//! line, and the TOML helpers that find them.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A problem found in a user file, shown in the UI and by `atlas-tui info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: Option<usize>,
    /// 1-based, in characters, when known.
    pub column: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    /// A problem of `file` at `line` (column unknown).
    pub fn new(file: impl Into<PathBuf>, line: Option<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            line,
            column: None,
            message: message.into(),
        }
    }
}

/// Where something is written in a user file, to say a problem found later about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Place {
    /// A problem at this place.
    pub fn say(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.file.display(), self.message),
            (Some(l), None) => write!(f, "{}:{l}: {}", self.file.display(), self.message),
            _ => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses TOML text into a table; a syntax error becomes a [`Diagnostic`] with its line.
pub fn parse_table(file: &Path, text: &str) -> Result<toml::Table, Diagnostic> {
    text.parse::<toml::Table>().map_err(|e| Diagnostic {
        column: None,
        file: file.to_path_buf(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().trim().to_string(),
    })
}

/// Deserializes a table, turning errors into diagnostics that point at the offending key's line
/// in `text` (the user's file).
pub fn from_table<T: for<'de> Deserialize<'de>>(
    table: toml::Table,
    file: &Path,
    text: &str,
) -> Result<T, Diagnostic> {
    serde_path_to_error::deserialize(table).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.message().trim().to_string();
        let key = path;
        Diagnostic {
            column: None,
            file: file.to_path_buf(),
            line: locate_key(text, &key),
            message: if key == "." {
                message
            } else {
                format!("{key}: {message}")
            },
        }
    })
}

/// Finds the line of a dotted key path (`refresh.usage_secs`, `normal.x`) in TOML text.
fn locate_key(text: &str, path: &str) -> Option<usize> {
    let clean: String = path
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect::<Vec<_>>()
        .join(".");
    let (table, leaf) = match clean.rsplit_once('.') {
        Some((t, l)) => (t.to_string(), l.to_string()),
        None => (String::new(), clean.clone()),
    };
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            current = t
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .trim_matches('"')
                .to_string();
            if current == clean {
                return Some(i + 1);
            }
            continue;
        }
        let key = t.split('=').next().unwrap_or("").trim().trim_matches('"');
        if t.contains('=') && key == leaf && current == table {
            return Some(i + 1);
        }
    }
    None
}

/// Merges `over` into `base`: tables recursively, everything else replaced.
pub fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// A user file read from disk: its path and text, or `None` when it does not exist.
pub fn read_user_file(path: &Path) -> Result<Option<String>, Diagnostic> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Diagnostic {
            column: None,
            file: path.to_path_buf(),
            line: None,
            message: e.to_string(),
        }),
    }
}
