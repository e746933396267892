//! The incident journal: an append-only JSON-lines file in the state dir with every action
//! taken, its result, the equivalent incus command lines and the alerts firing on the object at
//! that moment. Also the job history (`jobs.jsonl`) the jobs pane starts from.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{JobId, JobRecord, JobSpec, Outcome};

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub ts: DateTime<Utc>,
    /// `started`, `done`, `failed`, `cancelled`.
    pub status: String,
    /// `snapshot`, `restore`, `backup`, `stop`, `silence`, ...
    pub action: String,
    /// What it acted on (`local:grafana01`).
    pub target: String,
    #[serde(default)]
    pub remote: String,
    #[serde(default)]
    pub detail: String,
    /// Equivalent command lines.
    #[serde(default)]
    pub cli: Vec<String>,
    /// Alerts firing on the object then (`ServiceDown (critical)`).
    #[serde(default)]
    pub alerts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<JobId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Who did it (`$USER@host`).
    #[serde(default)]
    pub user: String,
}

impl Entry {
    /// The line written when a job starts (`cli`: its equivalent command lines).
    pub fn started(
        id: JobId,
        spec: &JobSpec,
        cli: &[String],
        alerts: &[String],
        user: &str,
        at: DateTime<Utc>,
    ) -> Self {
        Entry {
            ts: at,
            status: "started".into(),
            action: spec.kind(),
            target: spec.subject(),
            remote: spec.target().remote.clone(),
            detail: String::new(),
            cli: cli.to_vec(),
            alerts: alerts.to_vec(),
            job: Some(id),
            seconds: None,
            user: user.into(),
        }
    }

    /// The line written when the job `start` was written for ends.
    pub fn finished(start: &Entry, outcome: &Outcome, at: DateTime<Utc>) -> Self {
        Entry {
            ts: at,
            status: outcome.label().into(),
            detail: outcome.detail().to_string(),
            seconds: Some((at - start.ts).num_milliseconds() as f64 / 1000.0),
            ..start.clone()
        }
    }
}

/// The journal file of a state dir.
pub fn journal_file(state_dir: &Path) -> PathBuf {
    state_dir.join("journal.jsonl")
}

/// The job history file of a state dir.
pub fn jobs_file(state_dir: &Path) -> PathBuf {
    state_dir.join("jobs.jsonl")
}

/// Appends one JSON line: one `write` of a whole line under an exclusive lock of the file, so
/// concurrent writers (the console and headless commands) never interleave.
pub fn append<T: Serialize>(file: &Path, value: &T) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    line.push(b'\n');
    // The journal and the history say who did what: the owner's alone.
    let mut f = crate::files::append_private(file)?;
    f.lock()?;
    f.write_all(&line)
}

/// Reads every line that parses; a damaged line is skipped and counted.
pub fn read_lines<T: for<'de> Deserialize<'de>>(file: &Path) -> std::io::Result<(Vec<T>, usize)> {
    let f = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((vec![], 0)),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    let mut bad = 0;
    for line in std::io::BufReader::new(f).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(&line) {
            Ok(v) => out.push(v),
            Err(_) => bad += 1,
        }
    }
    Ok((out, bad))
}

/// The whole lines of `file` from byte `offset` that parse (a line still being written is left
/// for the next read), and how many bytes they took.
pub async fn read_from<T: for<'de> Deserialize<'de>>(
    file: &Path,
    offset: u64,
) -> std::io::Result<(Vec<T>, u64)> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let mut f = tokio::fs::File::open(file).await?;
    f.seek(std::io::SeekFrom::Start(offset)).await?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).await?;
    let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let out = bytes[..whole]
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect();
    Ok((out, whole as u64))
}

/// Journal entries at or after `since`.
pub fn since(file: &Path, since: DateTime<Utc>) -> std::io::Result<(Vec<Entry>, usize)> {
    let (all, bad) = read_lines::<Entry>(file)?;
    Ok((all.into_iter().filter(|e| e.ts >= since).collect(), bad))
}

/// The last `n` finished jobs of the history.
pub fn recent_jobs(file: &Path, n: usize) -> Vec<JobRecord> {
    let (mut all, _) = read_lines::<JobRecord>(file).unwrap_or_default();
    let skip = all.len().saturating_sub(n);
    all.drain(..skip);
    all
}

/// One journal entry as a text line for `atlas-tui journal`.
pub fn format_entry(e: &Entry) -> String {
    let mut s = format!(
        "{}  {:<9} {:<15} {}",
        e.ts.with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S"),
        e.status,
        e.action,
        e.target
    );
    if let Some(secs) = e.seconds {
        s.push_str(&format!("  ({secs:.1}s)"));
    }
    if !e.detail.is_empty() {
        s.push_str(&format!("\n      {}", e.detail));
    }
    if !e.alerts.is_empty() {
        s.push_str(&format!("\n      alerts: {}", e.alerts.join(", ")));
    }
    if e.status == "started" {
        for c in &e.cli {
            s.push_str(&format!("\n      $ {c}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::Target;

    #[test]
    fn append_read_and_filter() {
        let dir = tempfile::tempdir().unwrap();
        let f = journal_file(dir.path());
        let spec = JobSpec::Snapshot {
            target: Target::instance("local", "default", "grafana01"),
            name: "s1".into(),
            expires_at: None,
            stateful: false,
        };
        let t0 = Utc::now() - chrono::Duration::hours(3);
        let t1 = Utc::now();
        let cli = ["incus snapshot create local:grafana01 s1".to_string()];
        append(
            &f,
            &Entry::started(
                1,
                &spec,
                &cli,
                &["ServiceDown (critical)".into()],
                "me@h",
                t0,
            ),
        )
        .unwrap();
        append(
            &f,
            &Entry::finished(
                &Entry::started(1, &spec, &cli, &[], "me@h", t0),
                &Outcome::Done("ok".into()),
                t1,
            ),
        )
        .unwrap();
        // A torn or foreign line does not hide the rest.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&f)
            .unwrap()
            .write_all(b"{not json\n")
            .unwrap();
        let (all, bad) = since(&f, t0 - chrono::Duration::seconds(1)).unwrap();
        assert_eq!((all.len(), bad), (2, 1));
        assert_eq!(all[0].cli, ["incus snapshot create local:grafana01 s1"]);
        let (recent, _) = since(&f, Utc::now() - chrono::Duration::hours(2)).unwrap();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].status, "done");
        assert!(format_entry(&all[0]).contains("alerts: ServiceDown (critical)"));
        assert!(since(&dir.path().join("none"), t0).unwrap().0.is_empty());
    }
}
