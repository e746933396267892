//! What a job does ([`JobSpec`]) and how a finished one is kept ([`JobRecord`]). How a job
//! runs is its provider's ([`crate::provider::Operator`]); configured commands run locally.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::ops::{
    BackupOptions, JobEvent, JobId, Outcome, PowerAction, Progress, Safety, Target,
};

/// What a job does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    /// Start, stop, restart, freeze or unfreeze an instance.
    Power {
        target: Target,
        action: PowerAction,
        #[serde(default)]
        force: bool,
        #[serde(default)]
        timeout: i64,
    },
    /// Snapshot an instance or a volume.
    Snapshot {
        target: Target,
        name: String,
        expires_at: Option<DateTime<Utc>>,
        #[serde(default)]
        stateful: bool,
    },
    /// Delete a snapshot.
    DeleteSnapshot { target: Target, name: String },
    /// Restore a snapshot: safety snapshot first, the instances in `restart` stopped around it.
    Restore {
        target: Target,
        snapshot: String,
        safety: Option<Safety>,
        #[serde(default)]
        restart: Vec<String>,
    },
    /// Back up to a local file.
    Export {
        target: Target,
        path: PathBuf,
        #[serde(default)]
        options: BackupOptions,
    },
    /// Create an instance or volume (`target`) from a backup file; `replace` moves an existing
    /// instance of that name aside first.
    Import {
        target: Target,
        file: PathBuf,
        /// The storage pool of an imported instance (volumes name theirs in the target).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pool: Option<String>,
        #[serde(default)]
        replace: bool,
    },
    /// Apply service plans (all on the target's remote), step by step, stopping at the first
    /// error. `target.name` names the services for lists.
    Apply {
        target: Target,
        plans: Vec<crate::services::ServicePlan>,
    },
    /// Back up to one of the remote's storages (Proxmox VE's vzdump): `mode` is `snapshot`,
    /// `suspend` or `stop`, `compress` `zstd`, `lzo`, `gzip` or `0`.
    Vzdump {
        target: Target,
        storage: String,
        mode: String,
        compress: String,
    },
    /// Restore a backup archive of a storage (its volume id): over the guest, which is replaced,
    /// or (`new_id`) as a new guest with that number.
    RestoreArchive {
        target: Target,
        archive: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_id: Option<u64>,
    },
    /// Evacuate a cluster member (its instances move to the others, or stop, as each one's
    /// `cluster.evacuate` says, unless `mode` overrides it) or restore it (they come back).
    /// The target is the member (`Target::host`).
    Member {
        target: Target,
        action: MemberAction,
        /// `auto` (each instance's own policy), `migrate`, `live-migrate` or `stop`; empty is
        /// `auto`. Evacuation only.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        mode: String,
    },
    /// Move an instance to another cluster member. A running one (`restart`) is stopped,
    /// moved and started again there.
    Move {
        target: Target,
        to: String,
        #[serde(default)]
        restart: bool,
    },
    /// Run a configured command (`[[commands]]`), its output streamed.
    Command {
        target: Target,
        command: CommandSpec,
    },
}

/// What a member job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberAction {
    Evacuate,
    Restore,
}

impl MemberAction {
    /// The word Incus's API and CLI use (`evacuate`, `restore`).
    pub fn as_str(self) -> &'static str {
        match self {
            MemberAction::Evacuate => "evacuate",
            MemberAction::Restore => "restore",
        }
    }
}

/// A configured command as it runs: the words, where, and the environment it gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandSpec {
    /// The command's name in the config.
    pub name: String,
    pub argv: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<PathBuf>,
    /// `ATLAS_*` variables describing the selection.
    #[serde(default)]
    pub env: Vec<(String, String)>,
}

impl JobSpec {
    /// The apply job for these plans on one remote (its target names the services).
    pub fn apply(remote: &str, plans: Vec<crate::services::ServicePlan>) -> JobSpec {
        let project = plans.first().map(|p| p.project.clone()).unwrap_or_default();
        let names: Vec<&str> = plans.iter().map(|p| p.service.as_str()).collect();
        let name = if names.len() <= 3 {
            names.join(",")
        } else {
            format!("{},{} +{}", names[0], names[1], names.len() - 2)
        };
        JobSpec::Apply {
            target: Target::instance(remote, &project, &name),
            plans,
        }
    }

    /// The object acted on.
    pub fn target(&self) -> &Target {
        match self {
            JobSpec::Power { target, .. }
            | JobSpec::Snapshot { target, .. }
            | JobSpec::DeleteSnapshot { target, .. }
            | JobSpec::Restore { target, .. }
            | JobSpec::Export { target, .. }
            | JobSpec::Import { target, .. }
            | JobSpec::Apply { target, .. }
            | JobSpec::Vzdump { target, .. }
            | JobSpec::RestoreArchive { target, .. }
            | JobSpec::Member { target, .. }
            | JobSpec::Move { target, .. }
            | JobSpec::Command { target, .. } => target,
        }
    }

    /// The object acted on, to fill in (a provider's id).
    pub fn target_mut(&mut self) -> &mut Target {
        match self {
            JobSpec::Power { target, .. }
            | JobSpec::Snapshot { target, .. }
            | JobSpec::DeleteSnapshot { target, .. }
            | JobSpec::Restore { target, .. }
            | JobSpec::Export { target, .. }
            | JobSpec::Import { target, .. }
            | JobSpec::Apply { target, .. }
            | JobSpec::Vzdump { target, .. }
            | JobSpec::RestoreArchive { target, .. }
            | JobSpec::Member { target, .. }
            | JobSpec::Move { target, .. }
            | JobSpec::Command { target, .. } => target,
        }
    }

    /// The instances (project, name) the job may have changed, to be read again after it.
    pub fn touches(&self) -> Vec<(String, String)> {
        let t = self.target();
        let mut out = Vec::new();
        if t.pool.is_none() && !t.host {
            out.push((t.project.clone(), t.name.clone()));
        }
        match self {
            JobSpec::Restore { restart, .. } => {
                out.extend(restart.iter().map(|n| (t.project.clone(), n.clone())));
            }
            JobSpec::Apply { plans, .. } => {
                out = plans
                    .iter()
                    .map(|p| (p.project.clone(), p.service.clone()))
                    .collect();
            }
            _ => {}
        }
        out
    }

    /// A short name of what it does (`snapshot`, `restore`, `stop`, ...).
    pub fn kind(&self) -> String {
        match self {
            JobSpec::Power {
                action: PowerAction::Stop,
                force: true,
                ..
            } => "force-stop".into(),
            JobSpec::Power { action, .. } => action.as_str().into(),
            JobSpec::Snapshot { .. } => "snapshot".into(),
            JobSpec::DeleteSnapshot { .. } => "delete-snapshot".into(),
            JobSpec::Restore { .. } => "restore".into(),
            JobSpec::Export { .. } => "backup".into(),
            JobSpec::Import { .. } => "import".into(),
            JobSpec::Apply { .. } => "apply".into(),
            JobSpec::Vzdump { .. } => "backup".into(),
            JobSpec::RestoreArchive { .. } => "restore-backup".into(),
            JobSpec::Member {
                action: MemberAction::Evacuate,
                ..
            } => "evacuate".into(),
            JobSpec::Member {
                action: MemberAction::Restore,
                ..
            } => "restore-member".into(),
            JobSpec::Move { .. } => "move".into(),
            JobSpec::Command { command, .. } => command.name.clone(),
        }
    }

    /// What it acts on, for lists: the target, with the snapshot where there is one.
    pub fn subject(&self) -> String {
        match self {
            JobSpec::Snapshot { target, name, .. } | JobSpec::DeleteSnapshot { target, name } => {
                format!("{}/{name}", target.label())
            }
            JobSpec::Restore {
                target, snapshot, ..
            } => format!("{}/{snapshot}", target.label()),
            JobSpec::Import { target, file, .. } => {
                format!("{} ← {}", target.label(), file_name(file))
            }
            JobSpec::Export { target, path, .. } => {
                format!("{} → {}", target.label(), file_name(path))
            }
            JobSpec::Apply { target, .. } => format!("{}:{}", target.remote, target.name),
            JobSpec::Vzdump {
                target, storage, ..
            } => format!("{} → {storage}", target.label()),
            JobSpec::RestoreArchive {
                target,
                archive,
                new_id,
            } => match new_id {
                Some(id) => format!("{archive} → {}:{id}", target.remote),
                None => format!("{} ← {archive}", target.label()),
            },
            JobSpec::Move { target, to, .. } => format!("{} → {to}", target.label()),
            JobSpec::Command { target, .. } if target.remote.is_empty() => target.name.clone(),
            j => j.target().label(),
        }
    }

    /// Whether the job changes or removes existing data (asks for confirmation).
    pub fn destructive(&self) -> bool {
        matches!(
            self,
            JobSpec::DeleteSnapshot { .. }
                | JobSpec::Restore { .. }
                | JobSpec::Import { replace: true, .. }
                | JobSpec::RestoreArchive { new_id: None, .. }
                | JobSpec::Command { .. }
                | JobSpec::Member { .. }
                | JobSpec::Move { .. }
                | JobSpec::Power {
                    action: PowerAction::Stop | PowerAction::Restart | PowerAction::Freeze,
                    ..
                }
        )
    }

    /// The command line of a configured command (a provider gives the others' lines).
    pub fn command_line(&self) -> Option<String> {
        match self {
            JobSpec::Command { command, .. } => {
                let words: Vec<String> = command.argv.iter().map(|w| sh(w)).collect();
                Some(match &command.workdir {
                    Some(d) => format!("cd {} && {}", sh(&d.to_string_lossy()), words.join(" ")),
                    None => words.join(" "),
                })
            }
            _ => None,
        }
    }
}

pub fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn sh(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A finished job as kept in the state dir's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: JobId,
    pub spec: JobSpec,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    pub outcome: Outcome,
    #[serde(default)]
    pub log: Vec<String>,
    #[serde(default)]
    pub progress: Progress,
}

/// A file name for a backup: `<remote>-<project>-<name>-<UTC time>.tar.gz` (the extension
/// says the compression).
pub fn backup_file_name(t: &Target, now: DateTime<Utc>, compression: &str) -> String {
    format!("{}.{}", backup_stem(t, now), backup_extension(compression))
}

/// The extensions backup files are given, by compression (`""`: the server's default, gzip).
const BACKUP_EXTENSIONS: &[(&str, &str)] = &[
    ("none", "tar"),
    ("gzip", "tar.gz"),
    ("", "tar.gz"),
    ("zstd", "tar.zst"),
    ("bzip2", "tar.bz2"),
    ("xz", "tar.xz"),
    ("lzma", "tar.lzma"),
];

/// The file extension of a backup compressed with `compression`.
pub fn backup_extension(compression: &str) -> String {
    BACKUP_EXTENSIONS
        .iter()
        .find(|(c, _)| *c == compression)
        .map(|(_, e)| e.to_string())
        .unwrap_or_else(|| compression.to_string())
}

/// `path` with the extension `compression` gives, when it ends in another backup extension
/// (`x.tar.gz` with `none` is `x.tar`: the name says what the file is); other names are kept.
pub fn with_backup_extension(path: &std::path::Path, compression: &str) -> std::path::PathBuf {
    let want = backup_extension(compression);
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return path.to_path_buf();
    };
    // Longest first: `.tar.gz` before `.tar`.
    let mut known: Vec<&str> = BACKUP_EXTENSIONS.iter().map(|(_, e)| *e).collect();
    known.sort_by_key(|e| std::cmp::Reverse(e.len()));
    for ext in known {
        if let Some(stem) = name.strip_suffix(&format!(".{ext}")) {
            if ext == want {
                break;
            }
            return path.with_file_name(format!("{stem}.{want}"));
        }
    }
    path.to_path_buf()
}

fn backup_stem(t: &Target, now: DateTime<Utc>) -> String {
    let clean = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    let mut parts = vec![clean(&t.remote), clean(&t.project)];
    if let Some(p) = &t.pool {
        parts.push(clean(p));
    }
    parts.push(clean(&t.name));
    format!("{}-{}", parts.join("-"), now.format("%Y%m%dT%H%M%SZ"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_backup_file_is_named_for_its_compression() {
        assert_eq!(
            with_backup_extension(Path::new("/b/x.tar.gz"), "none"),
            Path::new("/b/x.tar")
        );
        assert_eq!(
            with_backup_extension(Path::new("/b/x.tar"), "zstd"),
            Path::new("/b/x.tar.zst")
        );
        assert_eq!(
            with_backup_extension(Path::new("/b/x.tar.gz"), ""),
            Path::new("/b/x.tar.gz")
        );
        assert_eq!(
            with_backup_extension(Path::new("/b/my.backup"), "none"),
            Path::new("/b/my.backup")
        );
    }
}
