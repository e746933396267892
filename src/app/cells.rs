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

/// A row of a pane. Its cells' texts are packed in one buffer and its sort keys point into it
/// (or at the cell itself): a fleet of 10,000 rows keeps no allocation per cell and no second
/// copy of its texts for sorting.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row's identity (selection, filters, the detail view).
    pub key: RowKey,
    pub remote: String,
    /// Every cell's text one after the other, then the sort texts that are not their cell's.
    text: Box<str>,
    cells: Box<[Packed]>,
    sort: Box<[Sort]>,
    /// The remote is offline: the data is stale.
    pub stale: bool,
}

/// Where a cell's text ends in the row's buffer, and its style (by [`style_id`]): 8 bytes.
#[derive(Debug, Clone, Copy)]
struct Packed {
    end: u32,
    style: u16,
}

/// The style names cells have used, by id (appended to, never reordered).
static STYLES: std::sync::RwLock<Vec<&'static str>> = std::sync::RwLock::new(Vec::new());

/// The style name of an id.
fn style_name(id: u16) -> &'static str {
    STYLES
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(id as usize)
        .copied()
        .unwrap_or("ui.text")
}

/// A column's sort key as kept: a number, the cell's own text, or a text of its own in the
/// buffer (compared ignoring ASCII case, as [`text_key`] makes them).
#[derive(Debug, Clone, Copy)]
enum Sort {
    Num(f64),
    Cell,
    Text { start: u32, end: u32 },
}

/// A cell as shown: its text and style name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellRef<'a> {
    pub text: &'a str,
    pub style: &'static str,
}

impl Row {
    /// A row of these (cell, sort key) pairs, one per column.
    pub fn new(
        key: RowKey,
        remote: String,
        values: impl IntoIterator<Item = (Cell, SortKey)>,
        stale: bool,
    ) -> Row {
        let values: Vec<(Cell, SortKey)> = values.into_iter().collect();
        let len = values.iter().map(|(c, _)| c.text.len()).sum();
        let mut text = String::with_capacity(len);
        let mut cells = Vec::with_capacity(values.len());
        let styles = style_ids_of(values.iter().map(|(c, _)| c.style));
        for ((c, _), style) in values.iter().zip(styles) {
            text.push_str(&c.text);
            cells.push(Packed {
                end: text.len() as u32,
                style,
            });
        }
        let sort = values
            .iter()
            .map(|(c, k)| match k {
                SortKey::Num(n) => Sort::Num(*n),
                SortKey::Text(t) if is_lowercase_of(t, &c.text) => Sort::Cell,
                SortKey::Text(t) => {
                    let start = text.len() as u32;
                    text.push_str(t);
                    Sort::Text {
                        start,
                        end: text.len() as u32,
                    }
                }
            })
            .collect();
        Row {
            key,
            remote,
            text: text.into_boxed_str(),
            cells: cells.into(),
            sort,
            stale,
        }
    }

    /// A row that sorts as nothing in every column (a group's header row).
    pub fn header(key: RowKey, cells: Vec<Cell>) -> Row {
        let mut row = Row::new(
            key,
            String::new(),
            cells.into_iter().map(|c| (c, SortKey::Num(0.0))),
            false,
        );
        row.sort = Box::new([]);
        row
    }

    /// How many cells it has.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The cell of column `i`, if the row has one.
    pub fn get(&self, i: usize) -> Option<CellRef<'_>> {
        Some(CellRef {
            text: self.text_of(i)?,
            style: style_name(self.cells[i].style),
        })
    }

    /// The text of column `i`'s cell, if the row has one.
    pub fn text_of(&self, i: usize) -> Option<&str> {
        let end = self.cells.get(i)?.end;
        let start = if i == 0 { 0 } else { self.cells[i - 1].end };
        Some(&self.text[start as usize..end as usize])
    }

    /// Every cell's text, in column order (what filters read).
    pub fn texts(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.cells.len()).filter_map(|i| self.text_of(i))
    }

    /// The cell of column `i` (an empty one past the last).
    pub fn cell(&self, i: usize) -> CellRef<'_> {
        self.get(i).unwrap_or(CellRef {
            text: "",
            style: "ui.text",
        })
    }

    /// Every cell, in column order.
    pub fn cells(&self) -> impl Iterator<Item = CellRef<'_>> + '_ {
        (0..self.cells.len()).map(|i| self.cell(i))
    }

    /// Orders two rows by column `col` (texts ignoring ASCII case, numbers before texts, a
    /// row without the key first).
    pub fn cmp_by(&self, other: &Row, col: usize) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self.sort_value(col), other.sort_value(col)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(Ok(a)), Some(Ok(b))) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
            (Some(Ok(_)), Some(Err(_))) => Ordering::Less,
            (Some(Err(_)), Some(Ok(_))) => Ordering::Greater,
            (Some(Err(a)), Some(Err(b))) => a
                .bytes()
                .map(|c| c.to_ascii_lowercase())
                .cmp(b.bytes().map(|c| c.to_ascii_lowercase())),
        }
    }

    /// Column `col`'s key: a number, or the text it sorts by.
    fn sort_value(&self, col: usize) -> Option<Result<f64, &str>> {
        Some(match self.sort.get(col)? {
            Sort::Num(n) => Ok(*n),
            Sort::Cell => Err(self.text_of(col).unwrap_or("")),
            Sort::Text { start, end } => Err(&self.text[*start as usize..*end as usize]),
        })
    }
}

/// The ids of a row's style names, looked up under one lock (new names are added).
fn style_ids_of(names: impl Iterator<Item = &'static str>) -> Vec<u16> {
    let names: Vec<&'static str> = names.collect();
    let find = |table: &[&'static str], name: &str| {
        table
            .iter()
            .position(|s| std::ptr::eq(*s, name) || *s == name)
            .map(|i| i as u16)
    };
    {
        let table = STYLES.read().unwrap_or_else(|e| e.into_inner());
        if let Some(ids) = names.iter().map(|n| find(&table, n)).collect() {
            return ids;
        }
    }
    let mut table = STYLES.write().unwrap_or_else(|e| e.into_inner());
    names
        .iter()
        .map(|n| {
            find(&table, n).unwrap_or_else(|| {
                table.push(n);
                (table.len() - 1) as u16
            })
        })
        .collect()
}

/// Whether `key` is `text` with its ASCII letters lowercased (the cell then is its own key).
fn is_lowercase_of(key: &str, text: &str) -> bool {
    key.len() == text.len()
        && key
            .bytes()
            .zip(text.bytes())
            .all(|(k, t)| k == t.to_ascii_lowercase())
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
