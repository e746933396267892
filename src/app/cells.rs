//! What a pane's table is made of: its columns (header, width, priority, and the cell and sort
//! key each shows, declared together), rows of styled cells and their sort keys.

/// A column's header. Columns with a higher `priority` number are dropped first when narrow.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub width: u16,
    pub priority: u8,
}

/// A column of a pane model: its header and what it shows of one item (`F`: the pane's
/// `fn(&Item) -> (Cell, SortKey)`), declared together.
pub struct Col<F> {
    pub head: Column,
    pub value: F,
}

/// A pane's columns: `"NAME", width, priority => |item| (cell, sort key);` each.
macro_rules! cols {
    ($($name:literal, $width:literal, $prio:literal => $f:expr;)*) => {
        &[$($crate::app::cells::Col {
            head: $crate::app::cells::Column { name: $name, width: $width, priority: $prio },
            value: $f,
        }),*]
    };
}
pub(crate) use cols;

/// The headers of a pane's columns.
pub fn heads<F>(cols: &[Col<F>]) -> Vec<Column> {
    cols.iter().map(|c| c.head).collect()
}

/// A plain cell sorted by its text.
pub fn text(s: impl Into<String>) -> (Cell, SortKey) {
    let s = s.into();
    let key = text_key(&s);
    (cell(s), key)
}

/// A styled cell sorted by its text.
pub fn text_in(s: impl Into<String>, style: &'static str) -> (Cell, SortKey) {
    let s = s.into();
    let key = text_key(&s);
    (styled(s, style), key)
}

/// A number sort key (`-1` for none, first in ascending order).
pub fn opt_num(v: Option<f64>) -> SortKey {
    SortKey::Num(v.unwrap_or(-1.0))
}

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
