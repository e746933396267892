//! What a pane's table is made of: its columns (header, width, priority), rows of styled cells
//! and their sort keys.

use crate::pane::Pane;

/// A column of a pane. Columns with a higher `priority` number are dropped first when narrow.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub width: u16,
    pub priority: u8,
}

const fn col(name: &'static str, width: u16, priority: u8) -> Column {
    Column {
        name,
        width,
        priority,
    }
}

/// The columns of a pane.
pub fn columns(pane: Pane) -> &'static [Column] {
    match pane {
        Pane::Hosts => HOST_COLUMNS,
        Pane::Instances => INSTANCE_COLUMNS,
        Pane::Volumes => VOLUME_COLUMNS,
        Pane::Snapshots => SNAPSHOT_COLUMNS,
        Pane::Alerts => ALERT_COLUMNS,
        Pane::Silences => SILENCE_COLUMNS,
        Pane::Jobs => JOB_COLUMNS,
        Pane::Journal => JOURNAL_COLUMNS,
        Pane::Services => SERVICE_COLUMNS,
    }
}

const HOST_COLUMNS: &[Column] = &[
    col("REMOTE", 12, 0),
    col("HOST", 12, 0),
    col("STATUS", 8, 0),
    col("ALERTS", 7, 1),
    col("ROLES", 16, 3),
    col("CPU", 4, 1),
    col("LOAD", 14, 1),
    col("MEMORY", 19, 0),
    col("POOLS", 26, 2),
];
const INSTANCE_COLUMNS: &[Column] = &[
    col("REMOTE/PROJECT", 18, 0),
    col("NAME", 14, 0),
    col("STATE", 8, 0),
    col("ALERTS", 7, 1),
    col("TYPE", 9, 3),
    col("CPU%", 6, 1),
    col("MEMORY", 9, 1),
    col("DISK", 8, 4),
    col("IPV4", 15, 2),
    col("LOCATION", 10, 4),
    col("PROFILES", 12, 5),
    col("SNAPS", 5, 3),
];
const VOLUME_COLUMNS: &[Column] = &[
    col("REMOTE/PROJECT", 18, 0),
    col("POOL", 8, 2),
    col("NAME", 18, 0),
    col("ALERTS", 7, 1),
    col("CONTENT", 10, 4),
    col("SIZE", 8, 1),
    col("USAGE", 9, 3),
    col("USED BY", 14, 1),
    col("SCHEDULE", 12, 2),
    col("EXPIRY", 6, 2),
    col("SNAPS", 5, 3),
];
const SNAPSHOT_COLUMNS: &[Column] = &[
    col("REMOTE/PROJECT", 18, 0),
    col("KIND", 8, 1),
    col("PARENT", 16, 0),
    col("NAME", 18, 0),
    col("AGE", 5, 0),
    col("EXPIRES", 8, 1),
    col("STATEFUL", 8, 3),
];

const JOB_COLUMNS: &[Column] = &[
    col("ID", 3, 0),
    col("KIND", 8, 0),
    col("TARGET", 18, 0),
    col("PROGRESS", 16, 0),
    col("RATE", 10, 3),
    col("ELAPSED", 7, 2),
    col("RESULT", 16, 1),
];
const SERVICE_COLUMNS: &[Column] = &[
    col("NAME", 14, 0),
    col("TARGET", 16, 1),
    col("STATUS", 8, 0),
    col("FILE", 16, 2),
    col("CHANGES", 30, 0),
];
const JOURNAL_COLUMNS: &[Column] = &[
    col("TIME", 8, 0),
    col("STATUS", 9, 0),
    col("ACTION", 15, 0),
    col("TARGET", 26, 0),
    col("ALERTS", 14, 2),
    col("DETAIL", 20, 1),
];
pub const ALERT_COLUMNS: &[Column] = &[
    col("SEV", 4, 0),
    col("ALERT", 20, 0),
    col("TARGET", 16, 0),
    col("AGE", 5, 1),
    col("STATE", 12, 0),
    col("REMOTE", 10, 3),
    col("SOURCE", 12, 4),
    col("SUMMARY", 16, 2),
];
const SILENCE_COLUMNS: &[Column] = &[
    col("STATE", 8, 0),
    col("ID", 8, 3),
    col("MATCHERS", 36, 0),
    col("ENDS", 10, 0),
    col("ALERTS", 6, 1),
    col("CREATED BY", 14, 2),
    col("COMMENT", 24, 2),
    col("SOURCE", 10, 3),
];

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
    pub key: String,
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
