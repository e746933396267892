//! `:export csv|json|md [file]` (and `X`): the current pane as it is filtered and sorted, every
//! column (not only those that fit), written to a file — by default in the state dir's
//! `exports/`, the name said when it is written (the formats: `crate::export`).

use chrono::{DateTime, Utc};

use super::effect::Effect;
use super::rows::{columns, view_rows};
use super::state::{AppState, Level};
use crate::export::{Format, csv, json, markdown};

impl AppState {
    /// The current pane's rows as shown (filtered, sorted), every column, in `format`.
    pub fn export_text(&self, format: Format, now: DateTime<Utc>) -> (usize, String) {
        let rows = view_rows(self, self.pane, now);
        let names: Vec<&str> = columns(self.pane).iter().map(|c| c.name).collect();
        let cells: Vec<Vec<&str>> = rows.iter().map(|r| r.texts().collect()).collect();
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
