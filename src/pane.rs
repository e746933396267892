//! The panes of the console, declared once: each pane's name, title, the aliases the palette and
//! the config accept, and its default sort order. What each shows (its columns, each with its
//! header, cell and sort key) is its model in `app::panes`. Adding a pane is an entry in
//! [`PANES`] and its model there.

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
    /// Sorted descending at start (worst alerts, newest jobs first).
    pub sort_desc: bool,
}

macro_rules! panes {
    ($( $konst:ident = $title:literal, $short:literal, [$($alias:literal),*], $desc:literal; )*) => {
        /// Every pane, in tab order.
        pub const PANES: &[PaneSpec] = &[ $( PaneSpec {
            title: $title,
            short: $short,
            aliases: &[$($alias),*],
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
    HOSTS = "Hosts", "Host", ["hosts", "host", "h", "nodes", "members", "cluster"], false;
    INSTANCES = "Instances", "Inst", ["instances", "instance", "inst", "i", "containers", "ct", "vms"], false;
    VOLUMES = "Volumes", "Vol", ["volumes", "volume", "vol", "v", "storage"], false;
    SNAPSHOTS = "Snapshots", "Snap", ["snapshots", "snapshot", "snap", "snaps", "s"], false;
    ALERTS = "Alerts", "Alrt", ["alerts", "alert", "a", "firing"], true;
    SILENCES = "Silences", "Sil", ["silences", "silence", "sil"], false;
    JOBS = "Jobs", "Job", ["jobs", "job", "tasks"], true;
    JOURNAL = "Journal", "Jrnl", ["journal", "jrnl", "history", "log"], true;
    SERVICES = "Services", "Svc", ["services", "service", "svc", "definitions"], false;
    BACKUPS = "Backups", "Bkp", ["backups", "backup", "bkp", "vzdump"], false;
    TIMELINE = "Timeline", "Time", ["timeline", "tl", "incident", "events"], true;
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
