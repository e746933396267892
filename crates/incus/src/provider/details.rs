//! The detail pass: which instances still lack their details (state, snapshots) since the
//! last list, and how each project's are read — whole small projects in one answer, a big
//! one's stopped instances by its snapshot counts and its running ones an instance at a time —
//! so that what a start costs the server grows with what runs, not with the fleet.

use std::collections::HashMap;

use tokio::time::Instant;

use super::queue::{Fetch, Queue};
use super::session::Known;

/// The detail pass: which instances still lack their details since the last list.
#[derive(Default)]
pub(super) struct Undetailed(std::collections::HashSet<(String, String)>);

impl Undetailed {
    /// After a read: the details planned after a list (in chunks that each answer well within
    /// their deadline whatever the fleet's size), and whether every instance's are now read.
    pub(super) fn after_read(
        &mut self,
        f: &Fetch,
        read: Vec<(String, String)>,
        known: &Known,
        chunk: usize,
        q: &mut Queue,
        now: Instant,
    ) -> bool {
        let planned_none = *f == Fetch::List && self.plan(known, chunk, q, now);
        self.read(read) || planned_none
    }

    /// Queues the details of every listed instance: each small project in one answer, each
    /// big one's snapshot counts and its running instances one by one. True when there is
    /// nothing to read.
    pub(super) fn plan(
        &mut self,
        known: &Known,
        chunk: usize,
        q: &mut Queue,
        now: Instant,
    ) -> bool {
        self.0 = known.keys().cloned().collect();
        let sizes = ProjectSizes::of(known, chunk);
        let mut fetches: Vec<Fetch> = sizes.projects().map(|p| sizes.project_read(p)).collect();
        fetches.extend(
            known
                .iter()
                .filter(|((p, _), (status, _, _))| !sizes.is_small(p) && is_live(status))
                .map(|(k, (status, _, _))| sizes.detail_of(k, status)),
        );
        q.mark_all_now(fetches, now);
        self.0.is_empty()
    }

    /// What a fetch read is no longer missing; true when that was the last of the pass.
    fn read(&mut self, read: Vec<(String, String)>) -> bool {
        let before = self.0.len();
        for k in read {
            self.0.remove(&k);
        }
        if self.0.is_empty() {
            // A big fleet's set is given back, not kept empty.
            self.0.shrink_to_fit();
        }
        before > 0 && self.0.is_empty()
    }

    /// Asks again for what is still missing and no longer queued (its chunk was given up
    /// after its retries): an instance at a time, or a big project's snapshot counts.
    pub(super) fn retry(&mut self, known: &Known, chunk: usize, q: &mut Queue, now: Instant) {
        let sizes = ProjectSizes::of(known, chunk);
        let queued = |q: &Queue, (p, n): &(String, String)| {
            [
                Fetch::ProjectDetails { project: p.clone() },
                Fetch::SnapshotCounts { project: p.clone() },
                Fetch::Detail {
                    project: p.clone(),
                    name: n.clone(),
                },
                Fetch::Snapshots {
                    project: p.clone(),
                    name: n.clone(),
                },
                Fetch::instance(p, n),
            ]
            .iter()
            .any(|f| q.is_queued(f))
        };
        let missing: Vec<Fetch> = self
            .0
            .iter()
            .filter(|k| !queued(q, k))
            .map(|k| match known.get(k) {
                Some((status, _, _)) if !sizes.is_small(&k.0) => sizes.detail_of(k, status),
                _ => Fetch::Detail {
                    project: k.0.clone(),
                    name: k.1.clone(),
                },
            })
            .collect();
        if !missing.is_empty() {
            tracing::info!(count = missing.len(), "details asked for again");
        }
        q.mark_all_now(missing, now);
    }
}

/// How the detail pass reads each project: a small one in one answer (`recursion=2` of it), a
/// big one — or any, in a big fleet — by its snapshot counts, with its running instances read
/// whole, so that what a start costs the server grows with what runs, not with the fleet.
pub(super) struct ProjectSizes<'a> {
    count: HashMap<&'a str, usize>,
    total: usize,
    chunk: usize,
}

impl<'a> ProjectSizes<'a> {
    pub(super) fn of(known: &'a Known, chunk: usize) -> Self {
        let mut count: HashMap<&str, usize> = HashMap::new();
        for (p, _) in known.keys() {
            *count.entry(p.as_str()).or_default() += 1;
        }
        ProjectSizes {
            count,
            total: known.len(),
            chunk,
        }
    }

    pub(super) fn is_small(&self, project: &str) -> bool {
        self.total <= self.chunk * BIG_FLEET_CHUNKS
            && self.count.get(project).is_some_and(|c| *c <= self.chunk)
    }

    /// Every project listed.
    fn projects(&self) -> impl Iterator<Item = &str> + '_ {
        self.count.keys().copied()
    }

    /// What reads a project's details: its one answer (small), or its snapshot counts.
    fn project_read(&self, project: &str) -> Fetch {
        let project = project.to_string();
        if self.is_small(&project) {
            Fetch::ProjectDetails { project }
        } else {
            Fetch::SnapshotCounts { project }
        }
    }

    /// What reads one instance's details: its project's answer (small), or its own read
    /// (running) or its project's snapshot counts (stopped).
    pub(super) fn detail_of(&self, (p, n): &(String, String), status: &str) -> Fetch {
        if self.is_small(p) {
            Fetch::ProjectDetails { project: p.clone() }
        } else if is_live(status) {
            Fetch::Detail {
                project: p.clone(),
                name: n.clone(),
            }
        } else {
            Fetch::SnapshotCounts { project: p.clone() }
        }
    }
}

/// Past this many chunks of instances in all, every project is read by its snapshot counts.
const BIG_FLEET_CHUNKS: usize = 10;

/// Running or frozen: it has a state (usage, addresses) worth reading.
pub(super) fn is_live(status: &str) -> bool {
    matches!(status.to_ascii_lowercase().as_str(), "running" | "frozen")
}
