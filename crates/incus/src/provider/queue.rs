//! The worker's fetch queue: what must be read again, coalesced per object, at most a few at a
//! time, retried with backoff on transient errors. Pure bookkeeping, no I/O.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use tokio::time::Instant;

/// Something the worker reads from the server.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fetch {
    /// The cheap instance list (`recursion=1`), painted as it comes.
    List,
    /// One instance with its state and snapshots.
    Instance { project: String, name: String },
    /// Custom volumes with their snapshots, usage and expiry.
    Volumes,
    /// Hosts: cluster members or the standalone server.
    Hosts,
    /// The cheap list compared with what is shown; differences are fetched again.
    Reconcile,
    /// Usage of the running instances (`/1.0/metrics`, one call).
    Usage,
    /// The `/state` of the running instances (addresses), a few at a time.
    Addresses,
    /// The remote's projects (read beside the first list, not before it).
    Projects,
    /// Every client's operations and the daemon's warnings (after the first list, on the
    /// reconcile and after the console's writes on them; operations move on by events).
    Activity,
    /// How many snapshots each instance of one project has, from the names of the pools'
    /// instance volumes (the database alone answers): the detail pass of a big project, whose
    /// stopped instances need nothing else.
    SnapshotCounts { project: String },
    /// The details (state, snapshots) of every instance of one project small enough to be read
    /// in one answer (`recursion=2` of that project): part of the detail pass, after everything
    /// else queued.
    ProjectDetails { project: String },
    /// One instance's details, read as part of the detail pass (the running instances of a big
    /// project), after everything else queued.
    Detail { project: String, name: String },
    /// One stopped instance's snapshots, in a big project's detail pass (the instances that
    /// have some).
    Snapshots { project: String, name: String },
}

impl Fetch {
    pub fn instance(project: &str, name: &str) -> Self {
        Fetch::Instance {
            project: project.to_string(),
            name: name.to_string(),
        }
    }

    /// Lists that replace the rows of every instance they cover.
    fn covers_instances(&self) -> bool {
        matches!(self, Fetch::List)
    }
}

/// How a fetch ended, as far as the queue cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    Ok,
    /// Worth another try (HTTP 5xx such as `Invalid PID`, a dropped connection).
    Transient,
    /// Will not get better by retrying (logged; the next event or reconciliation settles it).
    Failed,
}

/// The most attempts of one fetch before it is given up until the next event.
pub const MAX_ATTEMPTS: u32 = 6;

/// A small delay that lets a burst of events on one object become one fetch.
pub const COALESCE: Duration = Duration::from_millis(50);

#[derive(Debug)]
struct Pending {
    due: Instant,
    attempt: u32,
}

/// The queue. Marking an object that is being fetched fetches it once more after the answer,
/// so the row always ends on an answer newer than the last event.
#[derive(Debug)]
pub struct Queue {
    pending: BTreeMap<Fetch, Pending>,
    in_flight: HashMap<Fetch, (u64, u32)>,
    again: BTreeSet<Fetch>,
    /// The generation at which each instance was last marked.
    touched: HashMap<Fetch, u64>,
    generation: u64,
    limit: usize,
}

impl Queue {
    /// A queue running at most `limit` fetches at once.
    pub fn new(limit: usize) -> Self {
        Queue {
            pending: BTreeMap::new(),
            in_flight: HashMap::new(),
            again: BTreeSet::new(),
            touched: HashMap::new(),
            generation: 0,
            limit: limit.max(1),
        }
    }

    /// Asks for `f` to be read again after a short coalescing delay.
    pub fn mark(&mut self, f: Fetch, now: Instant) {
        self.mark_at(f, now + COALESCE);
    }

    /// Asks for `f` to be read again at once.
    pub fn mark_now(&mut self, f: Fetch, now: Instant) {
        self.mark_at(f, now);
    }

    /// Marks each of these due now.
    pub fn mark_all_now(&mut self, fs: impl IntoIterator<Item = Fetch>, now: Instant) {
        for f in fs {
            self.mark_at(f, now);
        }
    }

    fn mark_at(&mut self, f: Fetch, due: Instant) {
        self.generation += 1;
        if matches!(f, Fetch::Instance { .. }) {
            self.touched.insert(f.clone(), self.generation);
        }
        if self.in_flight.contains_key(&f) {
            self.again.insert(f);
            return;
        }
        let p = self.pending.entry(f).or_insert(Pending { due, attempt: 0 });
        if due < p.due {
            p.due = due;
        }
    }

    /// The fetches to start now (due, not already running, within the limit), each with the
    /// generation it starts at.
    pub fn start(&mut self, now: Instant) -> Vec<(Fetch, u64)> {
        let mut out = Vec::new();
        let room = self.limit.saturating_sub(self.in_flight.len());
        let ready: Vec<Fetch> = self
            .pending
            .iter()
            .filter(|(_, p)| p.due <= now)
            .map(|(f, _)| f.clone())
            .take(room)
            .collect();
        for f in ready {
            if let Some(p) = self.pending.remove(&f) {
                self.in_flight
                    .insert(f.clone(), (self.generation, p.attempt));
                out.push((f, self.generation));
            }
        }
        out
    }

    /// When the next pending fetch is due (for the worker's timer).
    pub fn next_due(&self) -> Option<Instant> {
        if self.in_flight.len() >= self.limit {
            return None;
        }
        self.pending.values().map(|p| p.due).min()
    }

    /// True when nothing is pending or running.
    pub fn is_idle(&self) -> bool {
        self.pending.is_empty() && self.in_flight.is_empty()
    }

    /// True while `f` is pending or running.
    pub fn is_queued(&self, f: &Fetch) -> bool {
        self.pending.contains_key(f) || self.in_flight.contains_key(f)
    }

    /// True when the instance `f` was marked after generation `since`: an answer read from
    /// `since` on may be older than what the server has now.
    pub fn touched_since(&self, f: &Fetch, since: u64) -> bool {
        self.touched.get(f).is_some_and(|g| *g > since)
    }

    /// Records how a fetch ended: retries transient failures with backoff, re-reads what was
    /// marked meanwhile, and — after a list — the instances marked while the list was read.
    pub fn done(&mut self, f: &Fetch, how: Done, now: Instant) {
        let Some((started, attempt)) = self.in_flight.remove(f) else {
            return;
        };
        let again = self.again.remove(f);
        match how {
            Done::Transient if !again && attempt + 1 < MAX_ATTEMPTS => {
                let due = now + backoff(attempt);
                self.pending.insert(
                    f.clone(),
                    Pending {
                        due,
                        attempt: attempt + 1,
                    },
                );
            }
            _ => {
                if again {
                    self.mark_now(f.clone(), now);
                }
            }
        }
        if how == Done::Ok && f.covers_instances() {
            let stale: Vec<Fetch> = self
                .touched
                .iter()
                .filter(|(_, g)| **g > started)
                .map(|(k, _)| k.clone())
                .collect();
            for k in stale {
                self.mark_now(k, now);
            }
        }
        // With nothing running, no answer can be older than a touch: forget them.
        if self.in_flight.is_empty() {
            self.touched.clear();
        }
    }

    /// Forgets everything (a new session starts from a full load).
    pub fn clear(&mut self) {
        self.pending.clear();
        self.in_flight.clear();
        self.again.clear();
        self.touched.clear();
    }
}

/// 250 ms, 500 ms, 1 s, … up to 5 s.
fn backoff(attempt: u32) -> Duration {
    (Duration::from_millis(250) * 2u32.saturating_pow(attempt.min(5))).min(Duration::from_secs(5))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(n: &str) -> Fetch {
        Fetch::instance("default", n)
    }

    #[test]
    fn a_burst_on_one_object_is_one_fetch() {
        let t = Instant::now();
        let mut q = Queue::new(4);
        for _ in 0..10 {
            q.mark(inst("a"), t);
        }
        assert!(q.start(t).is_empty(), "coalesced, not due yet");
        let started = q.start(t + COALESCE);
        assert_eq!(started.len(), 1);
        q.done(&inst("a"), Done::Ok, t + COALESCE);
        assert!(q.is_idle());
    }

    #[test]
    fn marked_while_in_flight_is_read_again_after() {
        let t = Instant::now();
        let mut q = Queue::new(4);
        q.mark_now(inst("a"), t);
        assert_eq!(q.start(t).len(), 1);
        q.mark(inst("a"), t);
        assert!(
            q.start(t + COALESCE).is_empty(),
            "one fetch of an object at a time"
        );
        q.done(&inst("a"), Done::Ok, t + COALESCE);
        assert_eq!(q.start(t + COALESCE).len(), 1, "re-read after the answer");
    }

    #[test]
    fn transient_errors_are_retried_with_backoff_then_given_up() {
        let t = Instant::now();
        let mut q = Queue::new(4);
        q.mark_now(inst("a"), t);
        let mut now = t;
        let mut tries = 0;
        while let Some(due) = q.next_due() {
            now = now.max(due);
            assert_eq!(q.start(now).len(), 1);
            tries += 1;
            q.done(&inst("a"), Done::Transient, now);
        }
        assert_eq!(tries, MAX_ATTEMPTS);
        assert!(now - t >= Duration::from_millis(250 + 500 + 1000));
        assert!(q.is_idle());
    }

    #[test]
    fn the_limit_bounds_concurrency() {
        let t = Instant::now();
        let mut q = Queue::new(2);
        for n in ["a", "b", "c"] {
            q.mark_now(inst(n), t);
        }
        assert_eq!(q.start(t).len(), 2);
        assert!(q.next_due().is_none(), "full: no timer");
        q.done(&inst("a"), Done::Ok, t);
        assert_eq!(q.start(t).len(), 1);
    }

    #[test]
    fn a_list_answer_older_than_an_event_is_followed_by_a_re_read() {
        let t = Instant::now();
        let mut q = Queue::new(4);
        q.mark_now(Fetch::List, t);
        let (_, gen_list) = q.start(t).remove(0);
        // An event on `a` while the long list is read; `a` is fetched and answers first.
        q.mark_now(inst("a"), t);
        let (_, gen_a) = q.start(t).remove(0);
        assert!(q.touched_since(&inst("a"), gen_list));
        assert!(!q.touched_since(&inst("a"), gen_a));
        q.done(&inst("a"), Done::Ok, t);
        // The list answer is older than that event: `a` must be read once more.
        q.done(&Fetch::List, Done::Ok, t);
        let again = q.start(t);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].0, inst("a"));
    }
}
