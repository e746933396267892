//! Volumes are read only while the console shows them: Incus works out each volume's users
//! over every instance, so a volume listing costs a big fleet's server seconds of CPU.

use atlas_core::provider::Command;
use tokio::time::Instant;

use super::queue::{Done, Fetch, Queue};

/// Whether the console shows volumes, and whether a listing was put off while it did not.
pub(super) struct VolumesShown<'a> {
    pub(super) shown: &'a mut bool,
    pub(super) owed: bool,
}

impl VolumesShown<'_> {
    /// True when `f` is the volume listing and nothing shows volumes: it is put off (marked
    /// done) until they are shown.
    pub(super) fn put_off(&mut self, f: &Fetch, q: &mut Queue, now: Instant) -> bool {
        if *f != Fetch::Volumes || *self.shown {
            return false;
        }
        self.owed = true;
        q.done(f, Done::Ok, now);
        true
    }

    /// Takes [`Command::ShowVolumes`] (reading what was put off when they are shown again);
    /// every other command is given back. `None` from the channel is given back as `Some(None)`.
    pub(super) fn take_command(
        &mut self,
        cmd: Option<Command>,
        q: &mut Queue,
    ) -> Option<Option<Command>> {
        match cmd {
            Some(Command::ShowVolumes(v)) => {
                *self.shown = v;
                if v && std::mem::take(&mut self.owed) {
                    q.mark_now(Fetch::Volumes, Instant::now());
                }
                None
            }
            other => Some(other),
        }
    }
}
