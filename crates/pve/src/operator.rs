//! The Proxmox VE provider's [`Operator`]: jobs as PVE tasks, one-off listings, restore facts.

use atlas_core::jobs::JobSpec;
use atlas_core::ops::{CancelRx, Outcome, Reporter, Target};
use atlas_core::provider::{
    BoxFuture, Capabilities, Listing, Operator, ProviderError, RestoreFacts, Scope,
};
use atlas_core::services::definition::Definition;
use atlas_core::services::plan::Step;
use atlas_core::services::template::Rendered;

use crate::client::PveClient;
use crate::error::PveError;
use crate::spec::PveSpec;
use crate::types::{Resource, Snapshot};

/// Jobs and listings on one PVE remote.
pub struct PveOperator {
    client: PveClient,
}

impl PveOperator {
    pub fn new(spec: &PveSpec) -> Result<Self, PveError> {
        Ok(PveOperator {
            client: PveClient::new(spec)?,
        })
    }
}

fn server(e: PveError) -> ProviderError {
    ProviderError::Server(e.to_string())
}

impl Operator for PveOperator {
    fn capabilities(&self) -> &'static Capabilities {
        &crate::provider::CAPABILITIES
    }

    fn prepare<'a>(&'a self, job: &'a JobSpec) -> BoxFuture<'a, Result<JobSpec, ProviderError>> {
        Box::pin(crate::jobs::prepare(&self.client, job))
    }

    fn run<'a>(
        &'a self,
        job: &'a JobSpec,
        rep: &'a Reporter,
        cancel: CancelRx,
    ) -> BoxFuture<'a, Outcome> {
        Box::pin(crate::jobs::run(&self.client, job, rep, cancel))
    }

    fn plan_steps<'a>(
        &'a self,
        _def: &'a Definition,
        _rendered: Option<&'a Rendered>,
    ) -> BoxFuture<'a, Result<Vec<Step>, ProviderError>> {
        Box::pin(async {
            Err(ProviderError::Precondition(
                "service definitions are applied to Incus remotes; Proxmox VE has none".into(),
            ))
        })
    }

    fn user_data<'a>(&'a self, _project: &'a str, _name: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(async { None })
    }

    fn list<'a>(&'a self, _scope: &'a Scope) -> BoxFuture<'a, Result<Listing, ProviderError>> {
        Box::pin(async move {
            let v = self
                .client
                .get_value("/cluster/resources")
                .await
                .map_err(server)?;
            let (items, _) = atlas_core::decode::list::<Resource>("/cluster/resources", v)
                .map_err(|e| ProviderError::Server(e.to_string()))?;
            let now = chrono::Utc::now();
            let instances = items
                .iter()
                .filter_map(|r| crate::convert::instance(r, Default::default(), now))
                .collect();
            let storages: Vec<&Resource> = items.iter().filter(|r| r.kind == "storage").collect();
            let hosts = items
                .iter()
                .filter(|r| r.kind == "node")
                .map(|n| {
                    let on: Vec<&Resource> = storages
                        .iter()
                        .copied()
                        .filter(|s| s.node == n.node)
                        .collect();
                    let online = n.status.as_deref() != Some("offline");
                    crate::convert::host(self.client.remote(), n, &on, online, true, true, "")
                })
                .collect();
            Ok(Listing {
                hosts,
                instances,
                volumes: vec![],
            })
        })
    }

    fn restore_facts<'a>(
        &'a self,
        target: &'a Target,
        snapshot: &'a str,
    ) -> BoxFuture<'a, Result<RestoreFacts, ProviderError>> {
        Box::pin(async move {
            let g = crate::jobs::find(&self.client, target).await?;
            let path = format!("/nodes/{}/{}/{}/snapshot", g.node, g.kind, g.vmid);
            let v = self.client.get_value(&path).await.map_err(server)?;
            let (snaps, _) = atlas_core::decode::list::<Snapshot>(&path, v)
                .map_err(|e| ProviderError::Server(e.to_string()))?;
            Ok(RestoreFacts {
                snapshot_exists: snaps
                    .iter()
                    .any(|s| s.name == snapshot && s.name != "current"),
                users: vec![],
            })
        })
    }
}
