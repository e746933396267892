//! The remotes' events the timeline pane shows (lifecycle events, tasks), as the state holds
//! them.

use std::collections::VecDeque;

use crate::timeline::Event;

/// Events kept for the pane (the file keeps more).
pub const EVENTS_KEPT: usize = 2000;

/// The remotes' events the timeline pane shows.
#[derive(Debug, Clone, Default)]
pub struct TimelineView {
    pub events: VecDeque<Event>,
}

impl TimelineView {
    /// Adds an event (the oldest goes past [`EVENTS_KEPT`]).
    pub fn push(&mut self, e: Event) {
        if self.events.len() == EVENTS_KEPT {
            self.events.pop_front();
        }
        self.events.push_back(e);
    }
}
