//! The Incus provider's [`Operator`]: jobs and service plans on one remote.

use atlas_core::jobs::JobSpec;
use atlas_core::ops::{CancelRx, Outcome, Reporter, Target};
use atlas_core::provider::{
    BoxFuture, Capabilities, Listing, Operator, ProviderError, RestoreFacts,
};
use atlas_core::services::definition::Definition;
use atlas_core::services::plan::Step;
use atlas_core::services::template::Rendered;

use crate::cliconfig::RemoteSpec;
use crate::client::{IncusClient, IncusError, Scope};

/// Jobs and plans on one Incus remote.
pub struct IncusOperator {
    client: IncusClient,
}

impl IncusOperator {
    /// The operator of a remote (its client set up, not yet connected).
    pub fn new(spec: &RemoteSpec) -> Result<Self, IncusError> {
        Ok(IncusOperator {
            client: IncusClient::new(spec)?,
        })
    }

    pub fn from_client(client: IncusClient) -> Self {
        IncusOperator { client }
    }
}

impl Operator for IncusOperator {
    fn capabilities(&self) -> &'static Capabilities {
        &crate::provider::CAPABILITIES
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
        def: &'a Definition,
        rendered: Option<&'a Rendered>,
    ) -> BoxFuture<'a, Result<Vec<Step>, ProviderError>> {
        Box::pin(async move {
            let now = crate::plan::fetch(&self.client, def).await?;
            crate::plan::diff(def, rendered, now)
        })
    }

    fn user_data<'a>(&'a self, project: &'a str, name: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(crate::plan::user_data(&self.client, project, name))
    }

    fn list<'a>(&'a self, scope: &'a Scope) -> BoxFuture<'a, Result<Listing, ProviderError>> {
        Box::pin(async move { list(&self.client, scope).await.map_err(server) })
    }

    fn restore_facts<'a>(
        &'a self,
        target: &'a Target,
        snapshot: &'a str,
    ) -> BoxFuture<'a, Result<RestoreFacts, ProviderError>> {
        Box::pin(async move {
            restore_facts(&self.client, target, snapshot)
                .await
                .map_err(server)
        })
    }
}

fn server(e: IncusError) -> ProviderError {
    ProviderError::Server(e.to_string())
}

/// Names from the cheap listing; the state (addresses, to match alerts by IP) of running
/// instances from their own `/state`, beside hosts and volumes.
async fn list(client: &IncusClient, scope: &Scope) -> Result<Listing, IncusError> {
    use crate::provider::{load_hosts, load_volumes, states_of};
    // The cheap list (converted as it is decoded), hosts and volumes at once; then the state
    // of what runs.
    let (hosts, instances, volumes) = tokio::join!(
        async {
            let server = client.server().await?;
            load_hosts(client, &server).await
        },
        client.instances_map(scope, 1, |i| Some(crate::convert::instance(i))),
        load_volumes(client, scope)
    );
    let mut instances = instances?;
    let (volumes, _) = volumes?;
    let running: Vec<(String, String)> = instances
        .iter()
        .filter(|i| i.status.eq_ignore_ascii_case("running"))
        .map(|i| (i.project.clone(), i.name.clone()))
        .collect();
    let mut by_key: std::collections::HashMap<(String, String), _> = states_of(client, running)
        .await
        .into_iter()
        .filter_map(|(p, n, st)| Some(((p, n), st.ok()?)))
        .collect();
    for i in &mut instances {
        i.state = by_key
            .remove(&(i.project.clone(), i.name.clone()))
            .map(Box::new);
    }
    Ok(Listing {
        hosts: hosts?,
        instances,
        volumes,
    })
}

async fn restore_facts(
    client: &IncusClient,
    target: &Target,
    snapshot: &str,
) -> Result<RestoreFacts, IncusError> {
    let mut facts = RestoreFacts {
        snapshot_exists: crate::jobs::snapshot_exists(client, target, snapshot).await?,
        users: vec![],
    };
    if !facts.snapshot_exists {
        return Ok(facts);
    }
    if let Some(pool) = &target.pool {
        let v = client.volume(pool, &target.project, &target.name).await?;
        for u in v.used_by.iter().map(|u| crate::convert::short_api_path(u)) {
            let running = client
                .instance(&target.project, &u)
                .await
                .is_ok_and(|i| i.status.eq_ignore_ascii_case("running"));
            facts.users.push((u, running));
        }
    }
    Ok(facts)
}
