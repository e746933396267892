//! `:export csv|json|md [file]` (and `X`): the current pane as it is filtered and sorted, every
//! column (not only those that fit), written to a file — by default in the state dir's
//! `exports/`, the name said when it is written.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::effect::Effect;
use super::rows::{columns, view_rows};
use super::state::{AppState, Level};

/// How an export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Markdown,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Markdown => "md",
        }
    }
}

impl AppState {
    /// The current pane's rows as shown (filtered, sorted), every column, in `format`.
    pub fn export_text(&self, format: Format, now: DateTime<Utc>) -> (usize, String) {
        let rows = view_rows(self, self.pane, now);
        let names: Vec<&str> = columns(self.pane).iter().map(|c| c.name).collect();
        let cells: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.text.as_str()).collect())
            .collect();
        let text = match format {
            Format::Csv => csv(&names, &cells),
            Format::Json => json(&names, &cells),
            Format::Markdown => markdown(&names, &cells),
        };
        (cells.len(), text)
    }

    /// Writes the export to `file` (relative to the current directory), or to a new file in
    /// the state dir's `exports/`.
    pub(crate) fn export(
        &mut self,
        format: Format,
        file: Option<String>,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let (n, text) = self.export_text(format, now);
        let path = match file {
            Some(f) => crate::config::expand_home(&f),
            None => self.work.state_dir.join("exports").join(format!(
                "{}-{}.{}",
                self.pane.name(),
                now.format("%Y%m%d-%H%M%S"),
                format.extension()
            )),
        };
        self.say(
            Level::Info,
            format!("exporting {n} rows of {}…", self.pane.title()),
        );
        vec![Effect::WriteFile {
            path,
            text,
            what: format!("{n} rows of {}", self.pane.title()),
        }]
    }
}

/// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
fn csv(names: &[&str], rows: &[Vec<&str>]) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let line = |cells: &[&str]| cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
    std::iter::once(line(names))
        .chain(rows.iter().map(|r| line(r)))
        .map(|l| l + "\r\n")
        .collect()
}

/// An array of objects, one per row, keyed by column name.
fn json(names: &[&str], rows: &[Vec<&str>]) -> String {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::Value::Object(
                names
                    .iter()
                    .zip(r)
                    .map(|(n, c)| (n.to_string(), serde_json::Value::String(c.to_string())))
                    .collect(),
            )
        })
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
}

/// A GitHub-flavoured table; `|` escaped.
fn markdown(names: &[&str], rows: &[Vec<&str>]) -> String {
    let line = |cells: &[&str]| {
        let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = line(names);
    out.push_str(&format!("|{}\n", "---|".repeat(names.len())));
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_where_they_must_be() {
        let out = csv(&["A", "B"], &[vec!["x,y", "say \"hi\""], vec!["plain", ""]]);
        assert_eq!(out, "A,B\r\n\"x,y\",\"say \"\"hi\"\"\"\r\nplain,\r\n");
        let md = markdown(&["A"], &[vec!["a|b"]]);
        assert_eq!(md, "| A |\n|---|\n| a\\|b |\n");
        let j: serde_json::Value = serde_json::from_str(&json(&["A"], &[vec!["1"]])).unwrap();
        assert_eq!(j[0]["A"], "1");
    }
}
