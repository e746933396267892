//! The panes of the console, declared once: each pane's name, title, the aliases the palette and
//! the config accept, its columns (header, width, priority) and its default sort order. What each
//! shows is built in `app::rows`. Adding a pane is an entry in [`PANES`] and its rows there.

/// A pane: an index into [`PANES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pane(pub u8);

/// One entry of the pane registry.
#[derive(Debug, Clone, Copy)]
pub struct PaneSpec {
    pub title: &'static str,
    /// For narrow tab bars.
    pub short: &'static str,
    /// Names the palette and `ui.start_pane` accept (the first is the pane's name).
    pub aliases: &'static [&'static str],
    pub columns: &'static [Column],
    /// Sorted descending at start (worst alerts, newest jobs first).
    pub sort_desc: bool,
}

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

macro_rules! panes {
    ($( $konst:ident = $title:literal, $short:literal, [$($alias:literal),*], $cols:ident, $desc:literal; )*) => {
        /// Every pane, in tab order.
        pub const PANES: &[PaneSpec] = &[ $( PaneSpec {
            title: $title,
            short: $short,
            aliases: &[$($alias),*],
            columns: $cols,
            sort_desc: $desc,
        }, )* ];

        #[allow(non_upper_case_globals)]
        mod index {
            panes!(@consts 0u8; $($konst)*);
        }

        impl Pane {
            $( pub const $konst: Pane = Pane(index::$konst); )*
        }
    };
    (@consts $n:expr; $first:ident $($rest:ident)*) => {
        pub const $first: u8 = $n;
        panes!(@consts $n + 1u8; $($rest)*);
    };
    (@consts $n:expr;) => {};
}

panes! {
    HOSTS = "Hosts", "Host", ["hosts", "host", "h", "nodes", "members", "cluster"], HOST_COLUMNS, false;
    INSTANCES = "Instances", "Inst", ["instances", "instance", "inst", "i", "containers", "ct", "vms"], INSTANCE_COLUMNS, false;
    VOLUMES = "Volumes", "Vol", ["volumes", "volume", "vol", "v", "storage"], VOLUME_COLUMNS, false;
    SNAPSHOTS = "Snapshots", "Snap", ["snapshots", "snapshot", "snap", "snaps", "s"], SNAPSHOT_COLUMNS, false;
    ALERTS = "Alerts", "Alrt", ["alerts", "alert", "a", "firing"], ALERT_COLUMNS, true;
    SILENCES = "Silences", "Sil", ["silences", "silence", "sil"], SILENCE_COLUMNS, false;
    JOBS = "Jobs", "Job", ["jobs", "job", "tasks"], JOB_COLUMNS, true;
    JOURNAL = "Journal", "Jrnl", ["journal", "jrnl", "history", "log"], JOURNAL_COLUMNS, true;
    SERVICES = "Services", "Svc", ["services", "service", "svc", "definitions"], SERVICE_COLUMNS, false;
}

impl Pane {
    /// Every pane, in tab order.
    pub fn all() -> impl Iterator<Item = Pane> {
        (0..PANES.len() as u8).map(Pane)
    }

    /// How many panes there are.
    pub fn count() -> usize {
        PANES.len()
    }

    fn spec(self) -> &'static PaneSpec {
        &PANES[(self.0 as usize).min(PANES.len() - 1)]
    }

    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub fn title(self) -> &'static str {
        self.spec().title
    }

    /// A short title for narrow tab bars.
    pub fn short_title(self) -> &'static str {
        self.spec().short
    }

    /// The pane's name (`instances`).
    pub fn name(self) -> &'static str {
        self.spec().aliases.first().copied().unwrap_or("")
    }

    /// The next pane in tab order (`delta` -1 for the previous one).
    pub fn cycle(self, delta: isize) -> Pane {
        let n = PANES.len() as isize;
        Pane(((self.0 as isize + delta).rem_euclid(n)) as u8)
    }

    /// Parses a pane name or alias (`:instances`, `:inst`, `:vol`, ...).
    pub fn parse(s: &str) -> Option<Pane> {
        let s = s.to_ascii_lowercase();
        Pane::all().find(|p| p.spec().aliases.contains(&s.as_str()))
    }
}

/// The columns of a pane.
pub fn columns(pane: Pane) -> &'static [Column] {
    pane.spec().columns
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
