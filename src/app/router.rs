//! The router: what the layers ask for after a key ([`Msg`]), applied to the state. A layer
//! never changes the state below it nor calls another feature; everything it wants beyond its
//! own state passes here.

use chrono::{DateTime, Utc};

use super::effect::Effect;
use super::state::{AppState, Level, Msg};

impl AppState {
    /// Applies a layer's messages in order, and gives back the effects they raised.
    pub(crate) fn apply_msgs(&mut self, msgs: Vec<Msg>, now: DateTime<Utc>) -> Vec<Effect> {
        // The layer changed (its own state, at least): the screen is drawn again.
        self.derived.rev += 1;
        msgs.into_iter()
            .flat_map(|m| self.apply_msg(m, now))
            .collect()
    }

    fn apply_msg(&mut self, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
        match msg {
            Msg::Close => {
                self.close();
            }
            Msg::Say(level, text) => self.say(level, text),
            Msg::Effects(fx) => return fx,
            Msg::Open(layer) => self.layers.push(layer),
            Msg::Dispatch(action) => return self.dispatch(action, now),
            Msg::Filter(text) => {
                let ps = &mut self.panes[self.pane.index()];
                ps.filter = text;
                ps.selected = 0;
                ps.selected_key = None;
            }
            Msg::Command(line) => {
                let mut fx = self.remember_command(&line);
                fx.extend(self.run_command(&line, now));
                return fx;
            }
            Msg::StartJob { job, maintenance } if maintenance => {
                return self.start_with_maintenance(job, now);
            }
            Msg::StartJob { job, .. } => return self.start_job(job, now),
            Msg::StartBatch { plan, maintenance } => {
                return self.start_batch(plan, maintenance, now);
            }
            Msg::Restore(snapshot) => return self.restore_snapshot(snapshot, now),
            Msg::SubmitActionForm => match self.submit_form(now) {
                Ok(fx) => return fx,
                Err(why) => {
                    if let Some(f) = self.action_form_mut() {
                        f.error = Some(why);
                    }
                }
            },
            Msg::Quit(choice) => return self.quit_with(choice),
            Msg::StayAfterJobs => {
                if std::mem::take(&mut self.work.quit_when_idle) {
                    self.say(Level::Info, "not quitting: the jobs go on");
                }
            }
            Msg::RefreshServices => return self.services_refresh(),
            Msg::Preview(file) => return self.open_preview(file),
            Msg::Plan(files) => return self.open_plan(files),
            Msg::AskApply => return self.ask_apply(),
            Msg::Apply { files, maintenance } => return self.apply_plan(&files, maintenance, now),
        }
        vec![]
    }
}
