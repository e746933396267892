//! What the console knows and since when: which remotes and alert sources have gone silent
//! (each worker says when its link proved alive and how soon it will be heard from again; past
//! that, its rows are stale — dimmed, with their age — and the status line says why; a link
//! heard from again is live at once), and which panes still lack rows or details being read.

use chrono::{DateTime, Utc};

use super::state::{AppState, Level};
use crate::backend::ConnState;

impl AppState {
    /// A remote's worker proved its link alive.
    pub(crate) fn remote_heard(
        &mut self,
        remote: &str,
        within: std::time::Duration,
        now: DateTime<Utc>,
    ) {
        let Some(r) = self.remote_mut(remote) else {
            return;
        };
        r.live.heard(now, within);
        if std::mem::take(&mut r.silent) {
            self.derived.data_changed();
            self.say(Level::Info, format!("{remote}: heard from again"));
        }
    }

    /// An alert source's poller had an answer.
    pub(crate) fn source_heard(
        &mut self,
        source: &str,
        within: std::time::Duration,
        now: DateTime<Utc>,
    ) {
        let Some(s) = self.alerting.sources.iter_mut().find(|s| s.name == source) else {
            return;
        };
        s.live.heard(now, within);
        if std::mem::take(&mut s.silent) {
            self.derived.data_changed();
        }
    }

    /// Marks what has not been heard from within its deadline as stale, and says so once.
    /// True when anything changed (the rows and the status line are to be drawn again).
    pub fn check_liveness(&mut self, now: DateTime<Utc>) -> bool {
        let mut news = Vec::new();
        let before = self.silent_links();
        for r in &mut self.remotes {
            // An offline remote says so already (with its age); only a link believed live can
            // go silent.
            let silent = matches!(r.conn, ConnState::Online { .. }) && r.live.is_stale(now);
            if turned_silent(&mut r.silent, silent) {
                news.push(format!(
                    "{}: not heard from for {} — its rows are stale; reconnecting",
                    r.name,
                    age(r.live.last_heard(), now)
                ));
            }
        }
        for s in &mut self.alerting.sources {
            let silent = s.status == super::alert_view::SourceStatus::Up && s.live.is_stale(now);
            if turned_silent(&mut s.silent, silent) {
                news.push(format!(
                    "{}: no answer for {} — its alerts are stale",
                    s.name,
                    age(s.live.last_heard(), now)
                ));
            }
        }
        // Ages of what is silent are shown: drawn again every time.
        let after = self.silent_links();
        let changed = before != after || after.contains(&true);
        if changed {
            self.derived.data_changed();
        }
        for text in news {
            self.say(Level::Warning, text);
        }
        changed
    }

    /// Which remotes, then sources, are shown stale now.
    fn silent_links(&self) -> Vec<bool> {
        let remotes = self.remotes.iter().map(|r| r.silent);
        let sources = self.alerting.sources.iter().map(|s| s.silent);
        remotes.chain(sources).collect()
    }

    /// When the next link believed live turns stale if nothing is heard before: the loop wakes
    /// then.
    pub fn next_liveness_check(&self) -> Option<DateTime<Utc>> {
        let remotes = self
            .remotes
            .iter()
            .filter(|r| !r.silent && matches!(r.conn, ConnState::Online { .. }))
            .filter_map(|r| r.live.stale_at());
        let sources = self
            .alerting
            .sources
            .iter()
            .filter(|s| !s.silent && s.status == super::alert_view::SourceStatus::Up)
            .filter_map(|s| s.live.stale_at());
        remotes.chain(sources).min()
    }
}

impl AppState {
    /// What a pane's rows still lack while they are being read (`loading details (340 left)…`),
    /// for its title; `None` when everything it shows was read. Each pane's model says.
    pub fn loading(&self, pane: crate::app::Pane) -> Option<String> {
        super::panes::loading(self, pane)
    }

    /// How many instances of the online remotes shown still wait for their details.
    pub fn details_left(&self) -> usize {
        self.online_remotes().map(|r| r.undetailed).sum()
    }

    /// Whether an online remote shown has not listed its volumes yet.
    pub fn volumes_unlisted(&self) -> bool {
        self.online_remotes().any(|r| !r.volumes_listed)
    }

    fn online_remotes(&self) -> impl Iterator<Item = &super::state::RemoteView> {
        self.visible_remotes()
            .filter(|r| matches!(r.conn, ConnState::Online { .. }))
    }
}

/// Sets `flag` to `silent`; true when the link just went silent.
fn turned_silent(flag: &mut bool, silent: bool) -> bool {
    let turned = silent && !*flag;
    *flag = silent;
    turned
}

/// `14s`, `3m`: how long ago something was last heard.
pub fn age(heard: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match heard {
        Some(t) => crate::inventory::human_duration((now - t).num_seconds()),
        None => "ever".into(),
    }
}
