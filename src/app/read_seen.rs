//! What is on screen is read first. Volumes are read only while shown (Incus works out each
//! volume's users over every instance: costly in a big fleet). In a big fleet the detail pass reads a stopped instance's
//! snapshots only (its state is the list's), and the whole details of the instances the
//! operator sees — state, disk, snapshots — are asked for as they come into view, before the
//! pass reaches them. Each row is asked about once while it stays on screen.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use super::effect::Effect;
use super::rows::view_rows;
use super::state::AppState;
use crate::backend::Command;
use crate::inventory::ObjectKey;
use crate::pane::Pane;

impl AppState {
    /// Asks each remote for the details of the instances on screen that lack them (the worker
    /// reads those its detail pass would not read whole soon).
    pub(crate) fn read_seen(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let mut fx: Vec<Effect> = self.volumes_seen().into_iter().collect();
        fx.extend(self.instances_seen(now));
        fx
    }

    /// Tells the remotes when volumes come into view or leave it: their listing is read only
    /// while they are shown (its pane, the snapshots pane, the grid).
    fn volumes_seen(&mut self) -> Option<Effect> {
        let shown = matches!(self.pane, Pane::Volumes | Pane::Snapshots)
            || (self.view.grid && !self.view.zoom);
        (self.listing.volumes_shown != Some(shown)).then(|| {
            self.listing.volumes_shown = Some(shown);
            Effect::Send {
                remote: None,
                cmd: Command::ShowVolumes(shown),
            }
        })
    }

    fn instances_seen(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.pane != Pane::Instances {
            self.listing.on_screen.clear();
            return vec![];
        }
        let rows = view_rows(self, Pane::Instances, now);
        let height = self.view.page_size.max(1);
        let selected = self.selected_index(Pane::Instances, &rows);
        let first = (selected + 1).saturating_sub(height).min(rows.len());
        let window = &rows[first..rows.len().min(first + height)];
        let mut ask: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut on_screen = HashSet::with_capacity(window.len());
        for r in window {
            if !self.listing.on_screen.contains(&r.key)
                && let Some(ObjectKey::Instance {
                    remote,
                    project,
                    name,
                }) = r.key.object()
                && self.lacks_details(remote, project, name)
            {
                ask.entry(remote.clone())
                    .or_default()
                    .push((project.clone(), name.clone()));
            }
            on_screen.insert(r.key.clone());
        }
        self.listing.on_screen = on_screen;
        ask.into_iter()
            .map(|(remote, objects)| Effect::Send {
                remote: Some(remote),
                cmd: Command::Details(objects),
            })
            .collect()
    }

    fn lacks_details(&self, remote: &str, project: &str, name: &str) -> bool {
        self.remotes
            .iter()
            .find(|r| r.name == remote)
            .and_then(|r| {
                r.instances
                    .iter()
                    .find(|i| i.inst.project == project && i.inst.name == name)
            })
            .is_some_and(|i| i.inst.snapshots.is_none() || i.inst.state.is_none())
    }
}
