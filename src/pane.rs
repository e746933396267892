//! The panes of the console: their names, titles and the aliases the palette and the config
//! accept. What each shows is in `app::rows`.

/// The panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Hosts,
    Instances,
    Volumes,
    Snapshots,
    Alerts,
    Silences,
    Jobs,
    Journal,
    Services,
}

impl Pane {
    pub const ALL: [Pane; 9] = [
        Pane::Hosts,
        Pane::Instances,
        Pane::Volumes,
        Pane::Snapshots,
        Pane::Alerts,
        Pane::Silences,
        Pane::Jobs,
        Pane::Journal,
        Pane::Services,
    ];

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Hosts => "Hosts",
            Pane::Instances => "Instances",
            Pane::Volumes => "Volumes",
            Pane::Snapshots => "Snapshots",
            Pane::Alerts => "Alerts",
            Pane::Silences => "Silences",
            Pane::Jobs => "Jobs",
            Pane::Journal => "Journal",
            Pane::Services => "Services",
        }
    }

    /// A short title for narrow tab bars.
    pub fn short_title(self) -> &'static str {
        match self {
            Pane::Hosts => "Host",
            Pane::Instances => "Inst",
            Pane::Volumes => "Vol",
            Pane::Snapshots => "Snap",
            Pane::Alerts => "Alrt",
            Pane::Silences => "Sil",
            Pane::Jobs => "Job",
            Pane::Journal => "Jrnl",
            Pane::Services => "Svc",
        }
    }

    /// Parses a pane name or alias (`:instances`, `:inst`, `:vol`, ...).
    pub fn parse(s: &str) -> Option<Pane> {
        Some(match s.to_ascii_lowercase().as_str() {
            "hosts" | "host" | "h" | "nodes" | "members" | "cluster" => Pane::Hosts,
            "instances" | "instance" | "inst" | "i" | "containers" | "ct" | "vms" => {
                Pane::Instances
            }
            "volumes" | "volume" | "vol" | "v" | "storage" => Pane::Volumes,
            "snapshots" | "snapshot" | "snap" | "snaps" | "s" => Pane::Snapshots,
            "alerts" | "alert" | "a" | "firing" => Pane::Alerts,
            "silences" | "silence" | "sil" => Pane::Silences,
            "jobs" | "job" | "tasks" => Pane::Jobs,
            "journal" | "jrnl" | "history" | "log" => Pane::Journal,
            "services" | "service" | "svc" | "definitions" => Pane::Services,
            _ => return None,
        })
    }
}
