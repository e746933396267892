//! What a pane's table is made of: its columns (header, width, priority, and the cell and sort
//! key each shows, declared together), rows of styled cells and their sort keys.

use compact_str::CompactString;

use crate::inventory::ObjectKey;

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
    /// Short texts are kept inline (no allocation per cell of 10,000 rows).
    Text(CompactString),
}

/// One cell: text and a semantic style name.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: CompactString,
    pub style: &'static str,
}

/// What a row is: its identity across updates (the selection, the detail view, actions).
/// Its text form is what filters and messages show (`remote/project/name`, `job/3`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowKey {
    /// A host, instance, volume or snapshot.
    Object(ObjectKey),
    /// A remote that has no hosts yet (its row in the hosts pane).
    Remote(String),
    /// An alert, by fingerprint.
    Alert(String),
    /// The header row of a group of alerts.
    AlertGroup(AlertGroup),
    Silence {
        source: String,
        id: String,
    },
    Job(crate::jobs::JobId),
    /// A line of the journal, by its place.
    Journal(usize),
    /// A service definition, by file.
    Service(std::path::PathBuf),
    /// A line of the timeline: its time (ms) and a hash of what it says (stable while the
    /// lines around it come and go).
    Timeline(i64, u64),
    /// An operation (task) or a daemon warning of a remote, by its id.
    Activity {
        remote: String,
        id: String,
    },
}

/// What a group of alerts shares.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertGroup {
    Name(String),
    /// The object they are about (`None`: no known object).
    Object(Option<ObjectKey>),
}

impl RowKey {
    /// The inventory object of the row, if it shows one.
    pub fn object(&self) -> Option<&ObjectKey> {
        match self {
            RowKey::Object(o) => Some(o),
            _ => None,
        }
    }
}

impl std::fmt::Display for RowKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowKey::Object(o) => write!(f, "{o}"),
            RowKey::Remote(r) => write!(f, "{r}/"),
            RowKey::Alert(fp) => f.write_str(fp),
            RowKey::AlertGroup(AlertGroup::Name(n)) => write!(f, "group:name:{n}"),
            RowKey::AlertGroup(AlertGroup::Object(o)) => write!(
                f,
                "group:object:{}",
                o.as_ref().map(|o| o.key()).unwrap_or_default()
            ),
            RowKey::Silence { source, id } => write!(f, "{source}/{id}"),
            RowKey::Job(id) => write!(f, "job/{id}"),
            RowKey::Journal(i) => write!(f, "journal/{i}"),
            RowKey::Service(file) => write!(f, "{}", file.display()),
            RowKey::Timeline(at, h) => write!(f, "timeline/{at}/{h:x}"),
            RowKey::Activity { remote, id } => write!(f, "activity/{remote}/{id}"),
        }
    }
}

/// A row of a pane.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row's identity (selection, filters, the detail view).
    pub key: RowKey,
    pub remote: String,
    pub cells: Vec<Cell>,
    pub sort: Vec<SortKey>,
    /// The remote is offline: the data is stale.
    pub stale: bool,
}

pub fn cell(text: impl Into<CompactString>) -> Cell {
    Cell {
        text: text.into(),
        style: "ui.text",
    }
}

pub fn styled(text: impl Into<CompactString>, style: &'static str) -> Cell {
    Cell {
        text: text.into(),
        style,
    }
}

pub fn text_key(s: &str) -> SortKey {
    SortKey::Text(s.to_ascii_lowercase().into())
}
