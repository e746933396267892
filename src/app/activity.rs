//! The console's writes on a remote's activity: cancelling an operation (any client's) where
//! the remote allows it, acknowledging a daemon warning — each after a confirmation.

use chrono::{DateTime, Utc};

use super::effect::Effect;
use super::layers::confirm::Confirm;
use super::panes::activity::{operation_of, warning_of};
use super::state::{AppState, Level};
use crate::backend::Command;

impl AppState {
    /// `c` on an operation: cancels it (after a confirmation) where the remote allows it.
    pub(crate) fn cancel_operation(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("cancel") {
            return vec![];
        }
        let Some(key) = self.selected_key(self.pane, now) else {
            self.say(Level::Warning, "cancel: select an operation");
            return vec![];
        };
        let Some((r, o)) = operation_of(self, &key) else {
            self.say(
                Level::Warning,
                "cancel: select an operation (warnings are acknowledged: K)",
            );
            return vec![];
        };
        let why = if !o.running {
            Some("it has ended")
        } else if !o.may_cancel {
            Some("the remote does not take a cancel of this operation")
        } else if r.readonly {
            Some("the remote is read-only")
        } else {
            None
        };
        if let Some(why) = why {
            self.say(Level::Warning, format!("cancel {}: {why}", o.description));
            return vec![];
        }
        let (remote, id) = (r.name.clone(), o.id.clone());
        let prompt = format!(
            "Cancel {:?} on {remote}{}?",
            o.description,
            if o.by.is_empty() {
                String::new()
            } else {
                format!(" (started by {})", o.by)
            }
        );
        let mut c = Confirm::new(
            prompt,
            vec![Effect::Send {
                remote: Some(remote),
                cmd: Command::CancelOperation(id),
            }],
        );
        c.body = o.objects.iter().map(|x| format!("~ {x}")).collect();
        self.open(c);
        vec![]
    }

    /// `K` on a warning: acknowledges it (after a confirmation).
    pub(crate) fn ack_warning(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.refuse_write("acknowledge") {
            return vec![];
        }
        let Some(key) = self.selected_key(self.pane, now) else {
            self.say(
                Level::Warning,
                "acknowledge: select a warning (= activity pane)",
            );
            return vec![];
        };
        let Some((r, w)) = warning_of(self, &key) else {
            self.say(
                Level::Warning,
                "acknowledge: select a warning (= activity pane)",
            );
            return vec![];
        };
        if !w.is_new() {
            self.say(Level::Info, format!("{} is {} already", w.kind, w.status));
            return vec![];
        }
        if r.readonly {
            self.say(Level::Warning, format!("{} is read-only", r.name));
            return vec![];
        }
        let where_ = if w.location.is_empty() {
            r.name.clone()
        } else {
            format!("{} ({})", r.name, w.location)
        };
        let mut c = Confirm::new(
            format!("Acknowledge the warning {:?} on {where_}?", w.kind),
            vec![Effect::Send {
                remote: Some(r.name.clone()),
                cmd: Command::AcknowledgeWarning(w.id.clone()),
            }],
        );
        c.body = vec![
            format!("~ {}", w.message),
            "it stays listed, no longer new; Incus raises it again if it comes back".into(),
        ];
        self.open(c);
        vec![]
    }
}
