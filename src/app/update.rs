//! How provider, alert, job and service updates change the state.

use chrono::{DateTime, Utc};

use super::effect::Effect;
use super::state::{AppState, Level, LogState};
use crate::backend::{ConnState, InventoryEvent, Update};

impl AppState {
    /// Applies a backend update; some ask for more work (a survey after a job).
    pub fn apply(&mut self, update: Update, now: DateTime<Utc>) -> Vec<Effect> {
        // A link that proved alive changes nothing shown unless it was stale.
        match update {
            Update::Inventory(InventoryEvent::Alive { remote, within }) => {
                self.remote_heard(&remote, within, now);
                return vec![];
            }
            Update::SourceAlive { source, within } => {
                self.source_heard(&source, within, now);
                return vec![];
            }
            _ => {}
        }
        self.derived.data_changed();
        match update {
            Update::Services { seq, survey } => self.apply_survey(seq, *survey, now),
            Update::DefinitionText { file, result } => {
                self.open_editor(file, result);
                vec![]
            }
            Update::DefinitionSaved { file, text, result } => {
                self.definition_saved(&file, &text, result)
            }
            Update::JobFinished { id, outcome, at } => {
                self.apply_job_finished(id, outcome, at);
                let mut fx = self.maintenance_job_ended(id, now);
                fx.extend(self.services_after_job(id));
                fx.extend(self.quit_if_idle());
                fx
            }
            other => {
                let listed = matches!(&other, Update::Inventory(_));
                // A whole list replaces the rows: those on screen are looked at anew.
                if matches!(&other, Update::Inventory(InventoryEvent::Instances { .. })) {
                    self.listing.on_screen.clear();
                }
                self.apply_data(other, now);
                let mut fx = std::mem::take(&mut self.pending);
                // A new list has rows on screen without their details.
                if listed {
                    fx.extend(self.read_seen(now));
                }
                fx
            }
        }
    }

    pub(crate) fn apply_data(&mut self, update: Update, now: DateTime<Utc>) {
        match update {
            Update::Inventory(event) => self.apply_inventory(event, now),
            Update::Skipped { origin, items } => self.apply_skipped(&origin, &items),
            Update::AlertSource { source, result } => {
                self.apply_alert_source(&source, result, now);
            }
            Update::SilenceWrite {
                source,
                what,
                cmd,
                result,
            } => self.apply_silence_write(&source, &what, &cmd, result, now),
            Update::Job { id, event } => self.apply_job_event(id, event),
            Update::Journal(e) => self.apply_journal(e),
            Update::AlertHistory {
                source,
                fingerprint,
                result,
            } => {
                let got = self.alerting.history.entry(fingerprint).or_default();
                got.retain(|h| match h {
                    Ok(h) => h.source != source,
                    Err((s, _)) => *s != source,
                });
                got.push(result.map_err(|e| (source, e)));
            }
            Update::UsageHistory {
                key,
                source,
                window,
                result,
            } => {
                let read = super::trends::UsageRead {
                    source,
                    window,
                    at: now,
                    result,
                };
                self.usage.keep(key, read);
            }
            Update::Runbook { fingerprint, found } => {
                self.alerting.runbooks.insert(fingerprint, found);
            }
            Update::Written { what, path, result } => match result {
                // The palette's history is written quietly.
                Ok(()) if what.is_empty() => {}
                Ok(()) => self.say(Level::Info, format!("{what} written to {}", path.display())),
                Err(e) => self.say(
                    Level::Error,
                    format!("cannot write {}: {e}", path.display()),
                ),
            },
            Update::Services { .. }
            | Update::DefinitionText { .. }
            | Update::DefinitionSaved { .. }
            | Update::JobFinished { .. }
            | Update::SourceAlive { .. } => {}
        }
    }

    /// List items a provider or alert source could not decode were left out: said once.
    fn apply_skipped(&mut self, origin: &str, items: &[crate::decode::Skipped]) {
        if let Some(first) = items.first() {
            let more = match items.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            self.say(
                Level::Warning,
                format!(
                    "{origin}: {} item(s) left out, unreadable: {first}{more}; see the log",
                    items.len()
                ),
            );
        }
    }

    /// What a provider reported about its remote: what changes a remote's rows goes to that
    /// remote ([`RemoteView::apply_rows`](super::state::RemoteView)), the rest is the state's.
    pub(crate) fn apply_inventory(&mut self, event: InventoryEvent, now: DateTime<Utc>) {
        match event {
            InventoryEvent::Skipped { origin, items } => self.apply_skipped(&origin, &items),
            InventoryEvent::ActivityWriteFailed {
                remote,
                what,
                error,
            } => self.say(Level::Error, format!("{remote}: {what} failed: {error}")),
            InventoryEvent::Alive { remote, within } => self.remote_heard(&remote, within, now),
            InventoryEvent::Status { remote, state } => self.apply_status(&remote, state, now),
            InventoryEvent::ConsoleLog {
                remote,
                project,
                name,
                result,
            } => self.apply_console_log(format!("{remote}/{project}/{name}"), result),
            InventoryEvent::UsageHistory {
                remote,
                project,
                name,
                window,
                result,
            } => {
                let key = crate::inventory::ObjectKey::Instance {
                    remote,
                    project,
                    name,
                }
                .key();
                let read = super::trends::UsageRead {
                    source: "rrddata".into(),
                    window,
                    at: now,
                    result: result.map_err(|e| e.to_string()),
                };
                self.usage.keep(key, read);
            }
            InventoryEvent::Event {
                remote,
                summary,
                action,
                object,
                at,
                by,
            } => {
                self.listing.last_event = Some(format!("{remote}: {summary}"));
                let detail = if by.is_empty() {
                    summary
                } else {
                    format!("{summary} (by {by})")
                };
                self.note_event(crate::timeline::Event {
                    at: at.unwrap_or(now),
                    kind: crate::timeline::Kind::Event,
                    what: action,
                    object: object.map(|o| o.key()).unwrap_or_default(),
                    detail,
                    source: remote,
                });
            }
            rows => {
                let remote = super::remote_update::remote_of(&rows).to_string();
                if let Some(r) = self.remote_mut(&remote) {
                    r.apply_rows(rows, now);
                }
            }
        }
    }

    /// A remote's connection state: said in the status line when it changes for the worse, or
    /// back, or over to another member.
    fn apply_status(&mut self, remote: &str, state: ConnState, now: DateTime<Utc>) {
        let Some(r) = self.remote_mut(remote) else {
            return;
        };
        // A retry of a remote that is down keeps showing it as offline (with its age).
        if state == ConnState::Connecting && matches!(r.conn, ConnState::Offline { .. }) {
            return;
        }
        if let ConnState::Offline { error } = &state {
            let was_online = matches!(r.conn, ConnState::Online { .. });
            if was_online || r.last_ok.is_none() {
                let text = format!("{remote}: {error}");
                self.say(Level::Error, text);
            }
        } else if let ConnState::Online { via, .. } = &state {
            let was_offline = matches!(r.conn, ConnState::Offline { .. });
            let was_via = match &r.conn {
                ConnState::Online { via, .. } => via.clone(),
                _ => None,
            };
            r.last_ok = Some(now);
            if let Some(v) = via.as_ref().filter(|v| was_via.as_ref() != Some(*v)) {
                self.say(
                    Level::Warning,
                    format!("{remote}: its member does not answer; failed over to {v}"),
                );
            } else if was_offline {
                self.say(Level::Info, format!("{remote}: reconnected"));
            }
        }
        if let Some(r) = self.remote_mut(remote) {
            r.conn = state;
        }
    }

    /// A console log read: Incus hands out the ring buffer and clears it, so each answer is
    /// appended to what was read before.
    fn apply_console_log(
        &mut self,
        key: String,
        result: Result<String, crate::backend::ProviderError>,
    ) {
        let text = self.consoles.text.entry(key.clone()).or_default();
        let state = match result {
            Ok(t) => {
                text.push_str(&t);
                LogState::Loaded(text.clone())
            }
            Err(e) => LogState::Failed(e.to_string()),
        };
        self.consoles.logs.insert(key, state);
    }
}
