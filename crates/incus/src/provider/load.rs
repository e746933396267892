//! What the worker reads: hosts, volumes and their details.

use atlas_core::inventory::{HostRow, InstanceState, SnapshotRow, VolumeRow};
use atlas_core::provider::{self as p, Scope, Sink};
use futures_util::{StreamExt, stream};

use crate::client::{IncusClient, IncusError};
use crate::convert::{member_host, snapshot_times, split_volume_listing, standalone_host};
use crate::types::Server;

/// How parallel detail fetches may be.
pub(super) const FETCH_CONCURRENCY: usize = 8;

/// Hosts: cluster members with their state, or the standalone server.
pub async fn load_hosts(client: &IncusClient, server: &Server) -> Result<Vec<HostRow>, IncusError> {
    let remote = client.remote();
    let version = &server.environment.server_version;
    let cluster = client.cluster().await?;
    if cluster.enabled {
        let members = client.cluster_members().await?;
        client.set_members(
            members
                .iter()
                .map(|m| crate::client::Member {
                    name: m.server_name.clone(),
                    url: m.url.clone(),
                    online: !m.status.eq_ignore_ascii_case("offline"),
                })
                .collect(),
        );
        let rows = stream::iter(members)
            .map(|m| async move {
                let (state, res) = tokio::join!(
                    client.cluster_member_state(&m.server_name),
                    client.resources(Some(&m.server_name))
                );
                member_host(remote, version, &m, state.ok().as_ref(), res.ok().as_ref())
            })
            .buffered(FETCH_CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        return Ok(rows);
    }
    let res = client.resources(None).await?;
    let pools = client.storage_pools().await?;
    let mut usage = Vec::new();
    for p in pools {
        if let Ok(r) = client.pool_resources(&p).await {
            usage.push((p, r.space));
        }
    }
    Ok(vec![standalone_host(
        remote,
        &server.environment.server_name,
        version,
        &res,
        usage,
    )])
}

/// Custom volumes of every pool, with the snapshots the listing names.
pub async fn load_volumes(
    client: &IncusClient,
    scope: &Scope,
) -> Result<(Vec<VolumeRow>, Vec<SnapshotRow>), IncusError> {
    let mut vols = Vec::new();
    let mut snaps = Vec::new();
    for p in client.storage_pools().await? {
        let listing = client.custom_volumes(&p, scope).await?;
        let (v, s) = split_volume_listing(client.remote(), &p, listing);
        vols.extend(v);
        snaps.extend(s);
    }
    Ok((vols, snaps))
}

/// How many snapshots each instance of `project` has, over every pool (instances without
/// are absent): one database-only call per pool and instance type.
pub async fn snapshot_counts(
    client: &IncusClient,
    project: &str,
) -> Result<std::collections::HashMap<String, usize>, IncusError> {
    let mut counts = std::collections::HashMap::new();
    for pool in client.storage_pools().await? {
        for (name, n) in client.instance_snapshot_counts(&pool, project).await? {
            *counts.entry(name).or_default() += n;
        }
    }
    Ok(counts)
}

/// Fills snapshot expiry and usage of volumes in the background of the first paint.
pub(super) async fn volume_details(client: &IncusClient, volumes: &[VolumeRow], tx: &Sink) {
    let remote = client.remote().to_string();
    stream::iter(volumes.iter())
        .for_each_concurrent(FETCH_CONCURRENCY, |v| {
            let remote = remote.clone();
            async move {
                if v.snapshots > 0
                    && let Ok(snapshots) = client
                        .volume_snapshots(&v.pool, &v.vol.project, &v.vol.name)
                        .await
                {
                    tx(p::Event::VolumeSnapshots {
                        remote: remote.clone(),
                        pool: v.pool.clone(),
                        project: v.vol.project.clone(),
                        volume: v.vol.name.clone(),
                        snapshots: snapshots.iter().map(snapshot_times).collect(),
                    });
                }
                if let Ok(st) = client
                    .volume_state(&v.pool, &v.vol.project, &v.vol.name)
                    .await
                    && let Some(usage) = st.usage
                {
                    tx(p::Event::VolumeUsage {
                        remote,
                        pool: v.pool.clone(),
                        project: v.vol.project.clone(),
                        volume: v.vol.name.clone(),
                        usage,
                    });
                }
            }
        })
        .await;
}

/// The `/state` of each of these instances (project, name), a few at a time: the cheap way to
/// usage and addresses of what runs (a filtered `recursion=2` list makes the server build the
/// state of every instance first).
pub async fn states_of(
    client: &IncusClient,
    instances: Vec<(String, String)>,
) -> Vec<(String, String, Result<InstanceState, IncusError>)> {
    stream::iter(instances)
        .map(|(project, name)| async move {
            let st = client
                .instance_state(&project, &name)
                .await
                .map(crate::convert::instance_state);
            (project, name, st)
        })
        .buffer_unordered(STATE_CONCURRENCY)
        .collect()
        .await
}

/// How many `/state` calls run at once.
const STATE_CONCURRENCY: usize = 4;
