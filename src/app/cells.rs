//! What a pane's table is made of: its columns (header, width, priority), rows of styled cells
//! and their sort keys.

pub use crate::pane::{ALERT_COLUMNS, Column, columns};

/// What a row is sorted by in one column.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum SortKey {
    Num(f64),
    Text(String),
}

/// One cell: text and a semantic style name.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub style: &'static str,
}

/// A row of a pane.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row's identity (selection, filters, the detail view).
    pub key: String,
    /// The inventory object the row shows, for hosts, instances, volumes and snapshots.
    pub object: Option<crate::inventory::ObjectKey>,
    pub remote: String,
    pub cells: Vec<Cell>,
    pub sort: Vec<SortKey>,
    /// The remote is offline: the data is stale.
    pub stale: bool,
}

pub fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        style: "ui.text",
    }
}

pub fn styled(text: impl Into<String>, style: &'static str) -> Cell {
    Cell {
        text: text.into(),
        style,
    }
}

pub fn text_key(s: &str) -> SortKey {
    SortKey::Text(s.to_ascii_lowercase())
}
