//! How often a worker reads what, and how it backs off.

use std::time::Duration;

/// Timing of a worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// How often usage of running instances (`/1.0/metrics`) and the hosts are read.
    pub usage_every: Duration,
    /// How often the `/state` of running instances (addresses) is read.
    pub addresses_every: Duration,
    /// How often the cheap list is compared with what is shown.
    pub reconcile_every: Duration,
    pub backoff_min: Duration,
    /// Reconnects are cheap (one `GET /1.0`); a remote whose link comes back is found again
    /// within this.
    pub backoff_max: Duration,
    /// A project with at most this many instances has its details read in one answer
    /// (`recursion=2` of that project: ~0.3 s of incusd for 100 here); a bigger one an instance
    /// at a time, so that no answer grows with the fleet and a timeout loses one chunk, not the
    /// pass.
    pub detail_chunk: usize,
    /// Whether volumes are read before the console says it shows them ([`Command::ShowVolumes`]):
    /// the console starts with `false`, a caller that only listens keeps `true`.
    ///
    /// [`Command::ShowVolumes`]: atlas_core::provider::Command::ShowVolumes
    pub volumes_shown: bool,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            usage_every: Duration::from_secs(15),
            addresses_every: Duration::from_secs(120),
            reconcile_every: Duration::from_secs(30),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(8),
            detail_chunk: 100,
            volumes_shown: true,
        }
    }
}
