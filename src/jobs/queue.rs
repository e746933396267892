//! The bounded queue every job runs through: at most `limit` jobs at a time on one remote; the
//! others wait their turn, in the order they were started (shown as `queued`). The console and
//! the headless commands share it, so a batch of fifty snapshots never lands on a server at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many jobs run at once on one remote unless configured (`[actions] concurrency`).
pub const DEFAULT_LIMIT: usize = 4;

/// Turns per remote.
#[derive(Debug, Clone)]
pub struct Queue {
    limit: usize,
    remotes: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl Default for Queue {
    fn default() -> Self {
        Queue::new(DEFAULT_LIMIT)
    }
}

impl Queue {
    /// A queue letting `limit` jobs (at least one) run at once on each remote.
    pub fn new(limit: usize) -> Self {
        Queue {
            limit: limit.max(1),
            remotes: Default::default(),
        }
    }

    /// How many run at once on one remote.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Waits for a turn on `remote`; the job runs while the turn is held. Turns are given in
    /// the order they were asked for.
    pub async fn turn(&self, remote: &str) -> Option<OwnedSemaphorePermit> {
        let slots = {
            let mut map = match self.remotes.lock() {
                Ok(m) => m,
                Err(poisoned) => poisoned.into_inner(),
            };
            map.entry(remote.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.limit)))
                .clone()
        };
        // The semaphore is never closed: an error cannot happen, and would let the job run.
        slots.acquire_owned().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn at_most_limit_turns_per_remote_and_others_are_free() {
        let q = Queue::new(2);
        let a = q.turn("a").await;
        let b = q.turn("a").await;
        assert!(a.is_some() && b.is_some());
        // The third waits while two are held; another remote does not.
        let third = tokio::time::timeout(std::time::Duration::from_millis(50), q.turn("a")).await;
        assert!(third.is_err(), "a third turn on a full remote waits");
        assert!(q.turn("b").await.is_some());
        drop(a);
        let third = tokio::time::timeout(std::time::Duration::from_secs(5), q.turn("a")).await;
        assert!(third.is_ok_and(|t| t.is_some()), "a turn is given back");
    }
}
