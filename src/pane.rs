//! The panes of the console, declared once in [`pane_table!`]: each pane's name, title, the
//! aliases the palette and the config accept, its default sort order, its place in the grid
//! layout and the module of its model in `app::panes` (its columns, each with its header, cell
//! and sort key). Adding a pane is one line in the table and its model's folder there; the tab
//! bar, the palette, the grid, `ui.start_pane`, next/previous pane, filtering and sorting follow.
//! The key that goes to a pane is the registry entry of its action (`action::Spec::goes_to`).

/// The table of panes, in tab order, handed to the macro `$then` (this file's `panes!` and the
/// models' `models!`): `Variant = title, short title, [aliases], sorted descending, grid slot,
/// model module;`.
#[macro_export]
macro_rules! pane_table {
    ($then:path) => {
        $then! {
            Hosts = "Hosts", "Host", ["hosts", "host", "h", "nodes", "members", "cluster"], false, TopLeft, hosts;
            Instances = "Instances", "Inst", ["instances", "instance", "inst", "i", "containers", "ct", "vms"], false, BottomLeft, instances;
            Volumes = "Volumes", "Vol", ["volumes", "volume", "vol", "v", "storage"], false, RightUpper, volumes;
            Snapshots = "Snapshots", "Snap", ["snapshots", "snapshot", "snap", "snaps", "s"], false, RightLower, snapshots;
            Alerts = "Alerts", "Alrt", ["alerts", "alert", "a", "firing"], true, TopRight, alerts;
            Silences = "Silences", "Sil", ["silences", "silence", "sil"], false, TopRight, silences;
            Jobs = "Jobs", "Job", ["jobs", "job", "tasks"], true, TopRight, jobs;
            Journal = "Journal", "Jrnl", ["journal", "jrnl", "history", "log"], true, TopRight, journal;
            Services = "Services", "Svc", ["services", "service", "svc", "definitions"], false, TopRight, services;
            Backups = "Backups", "Bkp", ["backups", "backup", "bkp", "vzdump"], false, TopRight, backups;
            Timeline = "Timeline", "Time", ["timeline", "tl", "incident", "events"], true, TopRight, timeline;
            Activity = "Activity", "Act", ["activity", "operations", "ops", "warnings", "act"], true, TopRight, activity;
        }
    };
}

/// Where a pane sits in the grid layout (wide terminals). A slot shows the focused pane when it
/// is one of its panes, else its first pane in tab order: every pane a key reaches is drawn where
/// the focus goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridSlot {
    /// Top row, left.
    TopLeft,
    /// Top row, right: shared by the panes that are not always on screen.
    TopRight,
    /// Bottom row, left (the biggest).
    BottomLeft,
    /// Bottom row, right, upper half.
    RightUpper,
    /// Bottom row, right, lower half.
    RightLower,
}

impl GridSlot {
    pub const ALL: [GridSlot; 5] = [
        GridSlot::TopLeft,
        GridSlot::TopRight,
        GridSlot::BottomLeft,
        GridSlot::RightUpper,
        GridSlot::RightLower,
    ];

    /// The pane this slot shows while `focus` has the focus.
    pub fn shows(self, focus: Pane) -> Pane {
        if focus.grid_slot() == self {
            return focus;
        }
        Pane::all().find(|p| p.grid_slot() == self).unwrap_or(focus)
    }
}

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
    pub grid: GridSlot,
}

macro_rules! panes {
    ($( $variant:ident = $title:literal, $short:literal, [$($alias:literal),*], $desc:literal,
        $slot:ident, $model:ident; )*) => {
        /// A pane of the console.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Pane { $( $variant, )* }

        /// Every pane, in tab order (indexed by [`Pane`]).
        pub const PANES: &[PaneSpec] = &[ $( PaneSpec {
            title: $title,
            short: $short,
            aliases: &[$($alias),*],
            sort_desc: $desc,
            grid: GridSlot::$slot,
        }, )* ];

        const ALL: &[Pane] = &[ $( Pane::$variant, )* ];
    };
}

pane_table!(panes);

impl Pane {
    /// Every pane, in tab order.
    pub fn all() -> impl Iterator<Item = Pane> {
        ALL.iter().copied()
    }

    /// How many panes there are.
    pub fn count() -> usize {
        PANES.len()
    }

    fn spec(self) -> &'static PaneSpec {
        // The table is generated with the enum: every variant has an entry at its index.
        &PANES[self as usize]
    }

    pub fn index(self) -> usize {
        self as usize
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

    /// Sorted descending at start.
    pub fn sort_desc(self) -> bool {
        self.spec().sort_desc
    }

    /// Where the pane sits in the grid layout.
    pub fn grid_slot(self) -> GridSlot {
        self.spec().grid
    }

    /// The next pane in tab order (`delta` -1 for the previous one).
    pub fn cycle(self, delta: isize) -> Pane {
        let n = ALL.len() as isize;
        ALL[((self as isize + delta).rem_euclid(n)) as usize]
    }

    /// Parses a pane name or alias (`:instances`, `:inst`, `:vol`, ...).
    pub fn parse(s: &str) -> Option<Pane> {
        let s = s.to_ascii_lowercase();
        Pane::all().find(|p| p.spec().aliases.contains(&s.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grid_slot_has_a_pane_and_shows_the_focused_one() {
        for slot in GridSlot::ALL {
            assert!(Pane::all().any(|p| p.grid_slot() == slot), "{slot:?}");
        }
        for focus in Pane::all() {
            let shown: Vec<Pane> = GridSlot::ALL.iter().map(|s| s.shows(focus)).collect();
            assert!(shown.contains(&focus), "{focus:?} not drawn in the grid");
        }
        assert_eq!(GridSlot::TopRight.shows(Pane::Hosts), Pane::Alerts);
        assert_eq!(Pane::Activity.cycle(1), Pane::Hosts);
        assert_eq!(Pane::Hosts.cycle(-1), Pane::Activity);
    }
}
