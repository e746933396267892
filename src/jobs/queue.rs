//! The bounded queue every job runs through: at most `limit` jobs at a time on one remote; the
//! others wait their turn in the order they were queued (shown as `queued`). The console and
//! the headless commands share it, so a batch of fifty snapshots never lands on a server at once.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// How many jobs run at once on one remote unless configured (`[actions] concurrency`).
pub const DEFAULT_LIMIT: usize = 4;

/// One remote's line.
#[derive(Debug, Default)]
struct Line {
    running: usize,
    /// Tickets waiting, by number (the order they were queued in).
    waiting: BTreeSet<u64>,
    next: u64,
}

#[derive(Debug, Default)]
struct Shared {
    lines: Mutex<HashMap<String, Line>>,
    /// Woken when a turn ends or a waiting ticket leaves.
    moved: Notify,
}

/// Turns per remote.
#[derive(Debug, Clone)]
pub struct Queue {
    limit: usize,
    shared: Arc<Shared>,
}

impl Default for Queue {
    fn default() -> Self {
        Queue::new(DEFAULT_LIMIT)
    }
}

/// A place in a remote's line, taken when the job is queued.
#[derive(Debug)]
pub struct Ticket {
    queue: Queue,
    remote: String,
    number: u64,
    /// Its turn was given (the job runs until the turn is dropped).
    started: bool,
}

/// A running job's turn; the next in line starts when it is dropped.
#[derive(Debug)]
pub struct Turn(#[allow(dead_code)] Ticket);

/// A ticket to hand to a job run (which takes it when it starts waiting).
#[derive(Debug, Clone)]
pub struct Place(Arc<Mutex<Option<Ticket>>>);

impl Place {
    /// The ticket, once.
    pub fn take(&self) -> Option<Ticket> {
        match self.0.lock() {
            Ok(mut t) => t.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }
}

impl Queue {
    /// A queue letting `limit` jobs (at least one) run at once on each remote.
    pub fn new(limit: usize) -> Self {
        Queue {
            limit: limit.max(1),
            shared: Default::default(),
        }
    }

    /// How many run at once on one remote.
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn lines(&self) -> std::sync::MutexGuard<'_, HashMap<String, Line>> {
        match self.shared.lines.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// A place in `remote`'s line, taken now, for a job run.
    pub fn place(&self, remote: &str) -> Place {
        Place(Arc::new(Mutex::new(Some(self.ticket(remote)))))
    }

    /// Takes a place in `remote`'s line now (jobs keep the order they were queued in).
    pub fn ticket(&self, remote: &str) -> Ticket {
        let mut lines = self.lines();
        let line = lines.entry(remote.to_string()).or_default();
        let number = line.next;
        line.next += 1;
        line.waiting.insert(number);
        Ticket {
            queue: self.clone(),
            remote: remote.to_string(),
            number,
            started: false,
        }
    }
}

impl Ticket {
    /// Waits until a turn is free for it: no more than `limit` run, and none queued before it
    /// is still waiting beyond the free turns.
    pub async fn turn(mut self) -> Turn {
        let shared = self.queue.shared.clone();
        loop {
            let moved = shared.moved.notified();
            tokio::pin!(moved);
            // Registered before looking: a turn that ends meanwhile wakes it.
            moved.as_mut().enable();
            let mine = {
                let mut lines = self.queue.lines();
                let line = lines.entry(self.remote.clone()).or_default();
                // Among the first in line, as many as there are free turns.
                let free = self.queue.limit.saturating_sub(line.running);
                let mine = line.waiting.iter().take(free).any(|n| *n == self.number);
                if mine {
                    line.waiting.remove(&self.number);
                    line.running += 1;
                }
                mine
            };
            if mine {
                self.started = true;
                return Turn(self);
            }
            moved.await;
        }
    }
}

impl Drop for Ticket {
    /// A turn ends, or a ticket leaves the line (its job cancelled while it waited).
    fn drop(&mut self) {
        {
            let mut lines = self.queue.lines();
            if let Some(line) = lines.get_mut(&self.remote) {
                if self.started {
                    line.running = line.running.saturating_sub(1);
                } else {
                    line.waiting.remove(&self.number);
                }
            }
        }
        self.queue.shared.moved.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn at_most_limit_turns_per_remote_in_the_order_queued() {
        let q = Queue::new(2);
        let (a, b, c, d) = (q.ticket("a"), q.ticket("a"), q.ticket("a"), q.ticket("a"));
        let other = q.ticket("b");
        // Asked for out of order: the first two in line run, the others wait.
        let tb = b.turn().await;
        let quick = |t: Ticket| tokio::time::timeout(Duration::from_millis(50), t.turn());
        let d = tokio::spawn(async move { d.turn().await });
        let ta = a.turn().await;
        assert!(
            quick(q.ticket("a")).await.is_err(),
            "a full remote makes one wait"
        );
        drop(quick(other).await.expect("another remote is free"));
        // `c` leaves the line (cancelled while it waited): `d` is next.
        drop(c);
        drop(ta);
        let td = tokio::time::timeout(Duration::from_secs(5), d).await;
        assert!(td.is_ok(), "the next in line gets the turn");
        drop(tb);
    }
}
