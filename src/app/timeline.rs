//! The timeline as the console keeps it: what the remotes reported this session (and before,
//! from the events file), alert transitions and silences journaled as they happen, and `O`,
//! which shows the timeline of the selected row's object.

use chrono::{DateTime, Utc};

use super::state::{AppState, Effect, Level};
use crate::jobs::journal::Entry;
use crate::pane::Pane;
use crate::timeline::{Event, Kind};

impl AppState {
    /// A remote reported a lifecycle event or a task: shown, and recorded for the timeline.
    pub(crate) fn note_event(&mut self, e: Event) {
        self.timeline.push(e.clone());
        self.pending.push(Effect::Record(vec![e]));
    }

    /// A journal line the state makes itself (alert transitions, silences): shown now and
    /// written by the loop.
    pub(crate) fn journal_now(&mut self, e: Entry) {
        self.apply_journal(e.clone());
        self.pending.push(Effect::Journal(Box::new(e)));
    }

    /// Journals the alerts that started or stopped firing since the last answer. A source's
    /// first answer only says where it starts from (the console was not watching before).
    pub(crate) fn alert_transitions(&mut self, source: &str, now: DateTime<Utc>) {
        let first = self.alerting.answered.insert(source.to_string());
        let joined = self.join_alerts();
        let mut current = std::collections::HashMap::new();
        for (i, a) in self.alerting.alerts.iter().enumerate() {
            // Pending is not firing yet; silenced and inhibited alerts still fire.
            if a.state() == crate::alerts::model::AlertState::Pending {
                continue;
            }
            let target = joined
                .1
                .targets
                .get(i)
                .and_then(Option::as_ref)
                .map(|t| t.key());
            let what = a
                .labels
                .get("instance")
                .or(a.labels.get("node"))
                .cloned()
                .unwrap_or_default();
            let severity = a
                .labels
                .get("severity")
                .map(String::as_str)
                .unwrap_or("none");
            let text = format!("{} ({severity}): {}", a.name(), a.summary());
            current.insert(
                a.fingerprint.clone(),
                super::alert_view::Seen {
                    target: target.unwrap_or(what),
                    text,
                    since: a.starts_at,
                    alert: a.clone(),
                },
            );
        }
        let mut lines = Vec::new();
        if !first {
            for (fp, seen) in &current {
                if !self.alerting.seen.contains_key(fp) {
                    let at = seen
                        .since
                        .filter(|s| *s <= now && (now - *s).num_minutes() < 10);
                    lines.push(alert_entry(
                        "firing",
                        &seen.target,
                        &seen.text,
                        at.unwrap_or(now),
                    ));
                }
            }
            for (fp, seen) in &self.alerting.seen {
                if !current.contains_key(fp) {
                    lines.push(self.resolved_entry(seen, now));
                }
            }
        }
        // A source that holds alerts the others do not: on its first answer they are noted.
        self.alerting.seen = current;
        lines.sort_by_key(|l| l.ts);
        for l in lines {
            self.journal_now(l);
        }
    }

    /// When an alert fired over the last day as the console recorded it: the journal's firing
    /// and resolved lines for it, and its current episode since it started.
    pub fn own_history(
        &self,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Option<crate::alerts::history::History> {
        let i = self
            .alerting
            .alerts
            .iter()
            .position(|a| a.fingerprint == fingerprint)?;
        let a = &self.alerting.alerts[i];
        let joined = self.join_alerts();
        let target = match joined.1.targets.get(i).and_then(Option::as_ref) {
            Some(t) => t.key(),
            None => a
                .labels
                .get("instance")
                .or(a.labels.get("node"))
                .cloned()
                .unwrap_or_default(),
        };
        let prefix = format!("{} (", a.name());
        let step =
            super::alert_view::HISTORY_WINDOW_SECS / super::alert_view::HISTORY_BUCKETS as i64;
        let end = (now.timestamp() + step - 1).div_euclid(step) * step;
        let from = end - super::alert_view::HISTORY_WINDOW_SECS;
        let mut intervals = Vec::new();
        let mut open: Option<i64> = None;
        for e in
            self.work.journal.iter().filter(|e| {
                e.action == "alert" && e.target == target && e.detail.starts_with(&prefix)
            })
        {
            let t = e.ts.timestamp();
            match e.status.as_str() {
                "firing" => {
                    open.get_or_insert(t);
                }
                "resolved" => {
                    intervals.push((open.take().unwrap_or(from), t));
                }
                _ => {}
            }
        }
        // Firing now: since it started (or since the journal saw it start).
        let started = a.starts_at.map(|s| s.timestamp());
        let since = match (open, started) {
            (Some(o), Some(s)) => o.min(s),
            (o, s) => o.or(s).unwrap_or(now.timestamp()),
        };
        if a.state() != crate::alerts::model::AlertState::Pending {
            intervals.push((since, now.timestamp() + 1));
        }
        let start = DateTime::from_timestamp(from, 0)?;
        Some(crate::alerts::history::History {
            source: "the console's journal".into(),
            start,
            step_secs: step,
            firing: crate::alerts::history::strip_of_intervals(
                &intervals,
                start,
                step,
                super::alert_view::HISTORY_BUCKETS,
            ),
        })
    }

    /// Journals a silence written to Alertmanager.
    pub(crate) fn journal_silence(
        &mut self,
        source: &str,
        status: &str,
        matchers: String,
        detail: String,
        now: DateTime<Utc>,
    ) {
        let e = Entry {
            ts: now,
            status: status.into(),
            action: "silence".into(),
            target: matchers,
            remote: source.into(),
            detail,
            cli: vec![],
            alerts: vec![],
            job: None,
            seconds: None,
            user: self.alerting.silence_author.clone(),
        };
        self.journal_now(e);
    }

    /// `O`: the timeline of the selected row's object (an alert's: its object's, else its
    /// name), as the timeline pane's filter.
    pub(crate) fn timeline_of(&mut self, now: DateTime<Utc>) {
        let rows = super::rows::view_rows(self, self.pane, now);
        let name = if rows.is_empty() {
            None
        } else {
            let key = rows[self.selected_index(self.pane, &rows)].key.clone();
            self.timeline_subject(&key)
        };
        let Some(name) = name else {
            self.say(
                Level::Warning,
                "this row has no object to show the timeline of",
            );
            return;
        };
        self.pane = Pane::Timeline;
        let ps = &mut self.panes[Pane::Timeline.index()];
        ps.filter = name.clone();
        ps.selected = 0;
        ps.selected_key = None;
        self.say(Level::Info, format!("timeline of {name} (esc: all)"));
    }

    /// What the timeline of a row is filtered by: its object's name.
    fn timeline_subject(&self, key: &super::cells::RowKey) -> Option<String> {
        use super::cells::RowKey;
        match key {
            RowKey::Object(o) => Some(o.name().to_string()),
            RowKey::Alert(fp) => {
                let i = self
                    .alerting
                    .alerts
                    .iter()
                    .position(|a| a.fingerprint == *fp)?;
                let joined = self.join_alerts();
                Some(match joined.1.targets.get(i).and_then(Option::as_ref) {
                    Some(t) => t.name().to_string(),
                    None => self.alerting.alerts[i].name().to_string(),
                })
            }
            RowKey::Timeline(..) | RowKey::AlertGroup(_) | RowKey::Remote(_) => None,
            RowKey::Journal(i) => self.work.journal.get(*i).map(|e| subject(&e.target)),
            RowKey::Job(id) => {
                let j = self.work.jobs.iter().find(|j| j.id == *id)?;
                Some(j.spec.target().name.clone())
            }
            other => self.copy_choices(other).into_iter().next().map(|(_, v)| v),
        }
    }

    /// Every line the timeline pane shows: the journal's, the remotes' events, and the alerts
    /// firing now that the journal has no line for (they started before the console watched).
    pub fn timeline_events(&self) -> Vec<Event> {
        let mut out: Vec<Event> = self.work.journal.iter().map(Event::of_entry).collect();
        out.extend(self.timeline.events.iter().cloned());
        let joined = self.join_alerts();
        for (i, a) in self.alerting.alerts.iter().enumerate() {
            if a.state() == crate::alerts::model::AlertState::Pending {
                continue;
            }
            let name = a.name();
            let journaled = out
                .iter()
                .any(|e| e.kind == Kind::Alert && e.what == "firing" && e.detail.starts_with(name));
            if journaled {
                continue;
            }
            let object = match joined.1.targets.get(i).and_then(Option::as_ref) {
                Some(t) => t.key(),
                None => a.labels.get("instance").cloned().unwrap_or_default(),
            };
            let severity = a
                .labels
                .get("severity")
                .map(String::as_str)
                .unwrap_or("none");
            out.push(Event {
                at: a.starts_at.unwrap_or_default(),
                kind: Kind::Alert,
                what: "firing".into(),
                object,
                detail: format!("{name} ({severity}): {}", a.summary()),
                source: a
                    .sources
                    .iter()
                    .map(|s| s.source.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            });
        }
        crate::timeline::sort(&mut out);
        out
    }
}

fn alert_entry(status: &str, target: &str, text: &str, at: DateTime<Utc>) -> Entry {
    Entry {
        ts: at,
        status: status.into(),
        action: "alert".into(),
        target: target.into(),
        remote: String::new(),
        detail: text.into(),
        cli: vec![],
        alerts: vec![],
        job: None,
        seconds: None,
        user: String::new(),
    }
}

impl AppState {
    /// The journal line of an alert that resolved: about the object it is joined to now (an
    /// alert seen at start, before the inventory was read, was only known by its label), and
    /// since when it had been firing.
    fn resolved_entry(&self, seen: &super::alert_view::Seen, now: DateTime<Utc>) -> Entry {
        let again = crate::alerts::join::join(
            std::slice::from_ref(&seen.alert),
            &self.inventory_index(),
            &self.alerting.label_map,
            &self.preferred_remotes(),
        );
        let target = match again.targets.first().and_then(Option::as_ref) {
            Some(t) => t.key(),
            None => seen.target.clone(),
        };
        let text = match seen.since.filter(|s| *s <= now) {
            Some(s) => format!(
                "{} · firing since {} ({})",
                seen.text,
                s.format("%Y-%m-%d %H:%M UTC"),
                crate::inventory::precise_duration((now - s).num_seconds())
            ),
            None => seen.text.clone(),
        };
        alert_entry("resolved", &target, &text, now)
    }
}

/// The object's name in a journal target (`local:grafana01/pre-upgrade` → `grafana01`).
fn subject(target: &str) -> String {
    let t = target.split_once(':').map_or(target, |(_, t)| t);
    t.split(['/', ' ']).next().unwrap_or(t).to_string()
}
