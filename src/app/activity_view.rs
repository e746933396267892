//! A remote's activity as the state holds it: the operations (tasks) of every client, running
//! and recent, and the daemon's warnings (`None` until read: not "none").

use chrono::{DateTime, Duration, Utc};

use crate::activity::{DaemonWarning, RemoteOperation};

/// How long an ended operation stays listed after the remote forgets it.
pub const ENDED_KEPT: Duration = Duration::minutes(15);
/// The most operations kept per remote (the running ones first).
pub const KEPT: usize = 300;

#[derive(Debug, Clone, Default)]
pub struct Activity {
    /// Running first, then the newest.
    pub operations: Vec<RemoteOperation>,
    /// When each operation was last heard of (by id), to forget ended ones in time.
    heard: std::collections::HashMap<String, DateTime<Utc>>,
    /// `None` until the remote's warnings were read.
    pub warnings: Option<Vec<DaemonWarning>>,
}

impl Activity {
    /// The whole list as the remote has it now; ended operations it no longer lists stay for a
    /// while (Incus forgets them within seconds).
    pub fn replace(&mut self, operations: Vec<RemoteOperation>, now: DateTime<Utc>) {
        let listed: std::collections::HashSet<&str> =
            operations.iter().map(|o| o.id.as_str()).collect();
        let kept: Vec<RemoteOperation> = self
            .operations
            .drain(..)
            .filter(|o| !listed.contains(o.id.as_str()))
            .map(|mut o| {
                // Gone while it ran: it ended, how is not known.
                if o.running {
                    o.running = false;
                    o.status = "ended (outcome not seen)".into();
                }
                o
            })
            .collect();
        for o in &operations {
            self.heard.insert(o.id.clone(), now);
        }
        self.operations = operations;
        self.operations.extend(kept);
        self.tidy(now);
    }

    /// One operation moved on (an event).
    pub fn update(&mut self, op: RemoteOperation, now: DateTime<Utc>) {
        self.heard.insert(op.id.clone(), now);
        match self.operations.iter_mut().find(|o| o.id == op.id) {
            Some(o) => *o = op,
            None => self.operations.push(op),
        }
        self.tidy(now);
    }

    fn tidy(&mut self, now: DateTime<Utc>) {
        let heard = &self.heard;
        self.operations
            .retain(|o| o.running || heard.get(&o.id).is_some_and(|t| now - *t < ENDED_KEPT));
        self.operations.sort_by(|a, b| {
            b.running
                .cmp(&a.running)
                .then(b.created_at.cmp(&a.created_at))
        });
        self.operations.truncate(KEPT);
        let ids: std::collections::HashSet<&str> =
            self.operations.iter().map(|o| o.id.as_str()).collect();
        self.heard.retain(|id, _| ids.contains(id.as_str()));
    }

    /// The new (unacknowledged, unresolved) warnings about a host (`None`: not read yet).
    pub fn new_warnings_on(&self, host: &str, clustered: bool) -> Option<usize> {
        let w = self.warnings.as_ref()?;
        Some(
            w.iter()
                .filter(|w| {
                    w.is_new() && (!clustered || w.location.is_empty() || w.location == host)
                })
                .count(),
        )
    }
}
