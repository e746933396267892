//! An async Incus REST client over the local unix socket or HTTPS with a pinned certificate.
//! It knows nothing of the UI.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::cliconfig::{Endpoint, RemoteSpec};
use super::types::*;

pub use super::error::IncusError;

pub use atlas_core::provider::Scope;

/// The query parameter selecting a scope.
pub fn scope_query(scope: &Scope) -> String {
    match scope {
        Scope::All => "all-projects=true".into(),
        Scope::Project(p) => format!("project={}", encode(p)),
    }
}

pub use atlas_core::text::encode;

/// The name an API URL ends in (`/1.0/projects/lab?x=y` → `lab`).
fn last_segment(u: &str) -> String {
    decode(
        u.split('?')
            .next()
            .unwrap_or(u)
            .rsplit('/')
            .next()
            .unwrap_or(u),
    )
}

/// The instance a snapshot volume's URL belongs to
/// (`/1.0/storage-pools/p/volumes/container/web/snapshots/s1?target=m` → `web`); `None` for an
/// instance's own volume.
fn snapshot_volume_owner(u: &str) -> Option<String> {
    let path = u.split('?').next().unwrap_or(u);
    let mut parts = path.rsplit('/');
    let _snapshot = parts.next()?;
    (parts.next()? == "snapshots").then(|| parts.next().map(decode))?
}

/// Decodes a percent-encoded path segment.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub use atlas_core::text::error_chain;

/// A client for one remote.
#[derive(Clone)]
pub struct IncusClient {
    remote: String,
    endpoint: Endpoint,
    pub(super) base: String,
    pub(super) http: reqwest::Client,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// List items that could not be decoded since the last [`IncusClient::take_skipped`].
    skipped: atlas_core::decode::SkipLog,
    /// The cluster's members as last read (shared by clones and kept across reconnects).
    members: Members,
}

/// A cluster member as the worker last read it: its name, the address it answers on and
/// whether the cluster saw it online.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub url: String,
    pub online: bool,
}

/// The members of a remote's cluster, shared between its clients.
pub type Members = Arc<std::sync::Mutex<Vec<Member>>>;

impl std::fmt::Debug for IncusClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncusClient")
            .field("remote", &self.remote)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

/// How long a read may take: a cheap call (one object, a list without its details) is
/// answered in well under a second even by a busy server, so a few seconds tell a silent link
/// from a slow answer; a detailed listing (`recursion=2`) is given more. Writes and transfers
/// set their own.
pub fn deadline_for(path: &str) -> Duration {
    if path.contains("recursion=2") {
        DETAILED_READ
    } else {
        CHEAP_READ
    }
}

/// See [`deadline_for`].
pub const CHEAP_READ: Duration = Duration::from_secs(10);
/// See [`deadline_for`].
pub const DETAILED_READ: Duration = Duration::from_secs(30);

/// Lists answered in fewer bytes than this (a few hundred instances) are decoded on the task
/// that read them; bigger ones on a blocking thread.
const DECODE_INLINE_BELOW: usize = 256 * 1024;

impl IncusClient {
    /// Builds a client; reading certificates can fail, connecting happens on first use.
    pub fn new(spec: &RemoteSpec) -> Result<Self, IncusError> {
        super::tls::install_crypto_provider();
        let builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("atlas-tui/", env!("CARGO_PKG_VERSION")));
        let (http, base, tls) = match &spec.endpoint {
            // No idle connections on the unix socket. incusd reads the first bytes of every
            // connection it accepts before accepting the next one, so a connection that is
            // open but has not sent a request holds up every other client of the socket —
            // the `incus` CLI and LXC's start hook among them (a container start then fails
            // with "Failed to run lxc.hook.pre-start" after 30 s). The connection pool makes
            // such connections: one opened for a request that an idle connection then served
            // is kept for later. Opening a unix socket per request costs next to nothing.
            //
            // No TLS on the socket: an empty configuration instead of the default one, which
            // reads every system root certificate first (a good part of the start-up time).
            Endpoint::Unix(path) => (
                builder
                    .unix_socket(path.clone())
                    .pool_max_idle_per_host(0)
                    .tls_backend_preconfigured(
                        rustls::ClientConfig::builder()
                            .with_root_certificates(rustls::RootCertStore::empty())
                            .with_no_client_auth(),
                    )
                    .build(),
                "http://incus".to_string(),
                None,
            ),
            Endpoint::Https {
                url,
                client_cert,
                client_key,
                server_cert,
            } => {
                let config = Arc::new(super::tls::client_config(
                    client_cert,
                    client_key,
                    server_cert,
                )?);
                (
                    builder.tls_backend_preconfigured((*config).clone()).build(),
                    url.clone(),
                    Some(config),
                )
            }
        };
        let http = http.map_err(|e| IncusError::Tls(error_chain(&e)))?;
        Ok(Self {
            remote: spec.name.clone(),
            endpoint: spec.endpoint.clone(),
            base,
            http,
            tls,
            skipped: Default::default(),
            members: Default::default(),
        })
    }

    /// The same client sharing a list of members kept by its worker.
    pub fn with_members(mut self, members: Members) -> Self {
        self.members = members;
        self
    }

    /// The cluster's members as last read (empty for a standalone server or before the
    /// first read).
    pub fn members(&self) -> Vec<Member> {
        self.members.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn set_members(&self, members: Vec<Member>) {
        if let Ok(mut m) = self.members.lock() {
            *m = members;
        }
    }

    /// The list items left out (undecodable) since the last call.
    pub fn take_skipped(&self) -> Vec<atlas_core::decode::Skipped> {
        self.skipped.take()
    }

    /// The remote's name.
    pub fn remote(&self) -> &str {
        &self.remote
    }

    /// Where the remote is.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub(crate) fn tls_config(&self) -> Option<Arc<rustls::ClientConfig>> {
        self.tls.clone()
    }

    pub(super) fn connect_error(&self, e: &reqwest::Error) -> IncusError {
        let reason = error_chain(e);
        let reason = reason
            .strip_prefix(&format!("error sending request for url ({}", self.base))
            .map(|r| r.split_once("): ").map(|x| x.1).unwrap_or(r).to_string())
            .unwrap_or(reason);
        if reason.contains("pinned certificate") || reason.contains("certificate") {
            return IncusError::Tls(format!(
                "{}: {reason} (if the server was reinstalled, re-add the remote with `incus remote add`)",
                self.endpoint.describe()
            ));
        }
        let endpoint = self.endpoint.describe();
        if e.is_connect() {
            IncusError::Connect { endpoint, reason }
        } else {
            IncusError::NoAnswer { endpoint, reason }
        }
    }

    /// GETs a path and returns the HTTP status, the `ETag` (empty when the server sends none)
    /// and the body.
    async fn fetch_tagged(&self, path: &str) -> Result<(u16, String, Vec<u8>), IncusError> {
        let started = std::time::Instant::now();
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .timeout(deadline_for(path))
            .send()
            .await
            .map_err(|e| self.connect_error(&e))?;
        let status = resp.status().as_u16();
        let etag = resp
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = resp.bytes().await.map_err(|e| self.connect_error(&e))?;
        tracing::debug!(remote = %self.remote, path, status, took = ?started.elapsed(), "asked");
        Ok((status, etag, bytes.to_vec()))
    }

    /// GETs a path and returns the HTTP status and body.
    async fn fetch(&self, path: &str) -> Result<(u16, Vec<u8>), IncusError> {
        let (status, _, bytes) = self.fetch_tagged(path).await?;
        Ok((status, bytes))
    }

    /// GETs a path (with query) and returns the answer's `metadata`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, IncusError> {
        let (status, bytes) = self.fetch(path).await?;
        parse_envelope(path, status, &bytes)
    }

    /// GETs a list, decoded item by item: an item that cannot be decoded is left out, logged and
    /// kept for [`IncusClient::take_skipped`].
    pub async fn get_list<T>(&self, path: &str) -> Result<Vec<T>, IncusError>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.get_list_map(path, Some).await
    }

    /// GETs a list and decodes it item by item, each turned by `map` into what is kept (`None`:
    /// nothing) before the next is decoded: the API's form of the whole list is never held. Bad items are left out as with [`IncusClient::get_list`].
    pub async fn get_list_map<T, U, M>(&self, path: &str, map: M) -> Result<Vec<U>, IncusError>
    where
        T: DeserializeOwned + Send + 'static,
        U: Send + 'static,
        M: Fn(T) -> Option<U> + Send + 'static,
    {
        let started = std::time::Instant::now();
        let mut resp = self
            .http
            .get(format!("{}{path}", self.base))
            .timeout(deadline_for(path))
            .send()
            .await
            .map_err(|e| self.connect_error(&e))?;
        let status = resp.status().as_u16();
        tracing::debug!(remote = %self.remote, path, status, took = ?started.elapsed(), "asked for a list");
        if status >= 400 {
            // Small, and not always JSON.
            let bytes = resp.bytes().await.map_err(|e| self.connect_error(&e))?;
            let (items, skipped) = parse_list::<T>(path, status, &bytes)?;
            self.skipped.record(skipped);
            return Ok(items.into_iter().filter_map(map).collect());
        }
        // The answer is read whole, then decoded from the slice item by item on a blocking
        // thread: serde_json reads a slice several times faster than a stream, and the body is
        // one allocation given back when decoded (the allocator maps big ones on their own).
        let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0).min(1 << 30) as usize);
        loop {
            match resp.chunk().await {
                Ok(Some(c)) => body.extend_from_slice(&c),
                Ok(None) => break,
                Err(e) => return Err(self.connect_error(&e)),
            }
        }
        let body_len = body.len();
        let owned = path.to_string();
        let decode = move || {
            let mut out = Vec::new();
            let head = atlas_core::decode::envelope_list_in("metadata", &owned, &body, |t: T| {
                if let Some(u) = map(t) {
                    out.push(u);
                }
            });
            (head, out)
        };
        // A small answer is decoded here (a blocking thread would outlive it idle for 10 s); a
        // big one on a blocking thread, so the runtime's workers stay free meanwhile.
        let (head, out) = if body_len < DECODE_INLINE_BELOW {
            decode()
        } else {
            tokio::task::spawn_blocking(decode)
                .await
                .map_err(|e| IncusError::Parse {
                    path: path.to_string(),
                    reason: e.to_string(),
                })?
        };
        let head = head.map_err(|e| IncusError::Parse {
            path: path.to_string(),
            reason: e.to_string(),
        })?;
        if head.kind == "error" {
            return Err(IncusError::Api {
                path: path.to_string(),
                status: if head.error_code != 0 {
                    head.error_code
                } else {
                    status
                },
                message: head.error,
            });
        }
        if let Some(kind) = head.not_a_list {
            return Err(IncusError::Parse {
                path: path.to_string(),
                reason: format!("expected a list, got {kind}"),
            });
        }
        self.skipped.record(head.skipped);
        Ok(out)
    }

    /// GETs a path and returns the answer's `metadata` with its `ETag` (empty when the server
    /// sends none), for a later guarded write.
    pub async fn get_with_etag<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(T, String), IncusError> {
        let (status, etag, bytes) = self.fetch_tagged(path).await?;
        Ok((parse_envelope(path, status, &bytes)?, etag))
    }

    /// GETs a path whose answer is raw text on success (e.g. the console log).
    pub async fn get_text(&self, path: &str) -> Result<String, IncusError> {
        let (status, bytes) = self.fetch(path).await?;
        if status >= 400 {
            // Errors still come in the JSON envelope.
            return parse_envelope::<serde_json::Value>(path, status, &bytes)
                .map(|_| String::new());
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// `GET /1.0`.
    pub async fn server(&self) -> Result<Server, IncusError> {
        self.get("/1.0").await
    }

    /// Instances: `recursion=1` is the cheap list, `recursion=2` adds state and snapshots.
    pub async fn instances(
        &self,
        scope: &Scope,
        recursion: u8,
        filter: Option<&str>,
    ) -> Result<Vec<Instance>, IncusError> {
        let mut path = format!(
            "/1.0/instances?recursion={recursion}&{}",
            scope_query(scope)
        );
        if let Some(f) = filter {
            path.push_str("&filter=");
            path.push_str(&encode(f));
        }
        self.get_list(&path).await
    }

    /// Instances as [`IncusClient::instances`], each turned by `map` as it is decoded.
    pub async fn instances_map<U, M>(
        &self,
        scope: &Scope,
        recursion: u8,
        map: M,
    ) -> Result<Vec<U>, IncusError>
    where
        U: Send + 'static,
        M: Fn(Instance) -> Option<U> + Send + 'static,
    {
        let path = format!(
            "/1.0/instances?recursion={recursion}&{}",
            scope_query(scope)
        );
        self.get_list_map(&path, map).await
    }

    /// (project, name, status) of every instance in scope: what a reconciliation compares.
    pub async fn statuses(
        &self,
        scope: &Scope,
    ) -> Result<Vec<(String, String, String)>, IncusError> {
        let path = format!("/1.0/instances?recursion=1&{}", scope_query(scope));
        self.get_list_map(&path, |l: crate::types::Listed| {
            Some((l.project, l.name, l.status))
        })
        .await
    }

    /// One instance with its state and snapshots.
    pub async fn instance(&self, project: &str, name: &str) -> Result<Instance, IncusError> {
        self.get(&format!(
            "/1.0/instances/{}?recursion=1&project={}",
            encode(name),
            encode(project)
        ))
        .await
    }

    /// One instance's state (`/state`: status, usage, network).
    pub async fn instance_state(
        &self,
        project: &str,
        name: &str,
    ) -> Result<InstanceState, IncusError> {
        self.get(&format!(
            "/1.0/instances/{}/state?project={}",
            encode(name),
            encode(project)
        ))
        .await
    }

    /// `/1.0/metrics` (Prometheus text) of the instances in scope: those of the member
    /// answering, or of `target` (in a cluster each member reports only its own).
    pub async fn metrics(&self, scope: &Scope, target: Option<&str>) -> Result<String, IncusError> {
        let mut q = Vec::new();
        if let Scope::Project(p) = scope {
            q.push(format!("project={}", encode(p)));
        }
        if let Some(t) = target {
            q.push(format!("target={}", encode(t)));
        }
        if q.is_empty() {
            self.get_text("/1.0/metrics").await
        } else {
            self.get_text(&format!("/1.0/metrics?{}", q.join("&")))
                .await
        }
    }

    /// The instance's console log (what its init printed).
    pub async fn console_log(&self, project: &str, name: &str) -> Result<String, IncusError> {
        self.get_text(&format!(
            "/1.0/instances/{}/console?type=log&project={}",
            encode(name),
            encode(project)
        ))
        .await
    }

    /// One of the instance's log files (`lxc.log` for a container, `qemu.log` for a VM).
    pub async fn instance_log(
        &self,
        project: &str,
        name: &str,
        file: &str,
    ) -> Result<String, IncusError> {
        self.get_text(&format!(
            "/1.0/instances/{}/logs/{}?project={}",
            encode(name),
            encode(file),
            encode(project)
        ))
        .await
    }

    /// The names of the projects (`GET /1.0/projects` lists their URLs).
    pub async fn projects(&self) -> Result<Vec<String>, IncusError> {
        let urls: Vec<String> = self.get_list("/1.0/projects").await?;
        Ok(urls.iter().map(|u| last_segment(u)).collect())
    }

    /// `GET /1.0/cluster`.
    pub async fn cluster(&self) -> Result<Cluster, IncusError> {
        self.get("/1.0/cluster").await
    }

    /// Cluster members (only valid on a clustered server).
    pub async fn cluster_members(&self) -> Result<Vec<ClusterMember>, IncusError> {
        self.get_list("/1.0/cluster/members?recursion=1").await
    }

    /// One member's load, memory and pool usage.
    pub async fn cluster_member_state(
        &self,
        member: &str,
    ) -> Result<ClusterMemberState, IncusError> {
        self.get(&format!("/1.0/cluster/members/{}/state", encode(member)))
            .await
    }

    /// Host resources, optionally of one cluster member.
    pub async fn resources(&self, target: Option<&str>) -> Result<Resources, IncusError> {
        match target {
            Some(t) => {
                self.get(&format!("/1.0/resources?target={}", encode(t)))
                    .await
            }
            None => self.get("/1.0/resources").await,
        }
    }

    /// Storage pools by name (`recursion=0`: a pool's full form lists everything that uses
    /// it, 10,000 instances' worth, for nothing the console shows).
    pub async fn storage_pools(&self) -> Result<Vec<String>, IncusError> {
        let urls: Vec<String> = self.get_list("/1.0/storage-pools").await?;
        Ok(urls.iter().map(|u| last_segment(u)).collect())
    }

    /// A pool's space usage.
    pub async fn pool_resources(&self, pool: &str) -> Result<PoolResources, IncusError> {
        self.get(&format!("/1.0/storage-pools/{}/resources", encode(pool)))
            .await
    }

    /// Custom volumes of a pool (their snapshots come along as `volume/snapshot` entries).
    pub async fn custom_volumes(
        &self,
        pool: &str,
        scope: &Scope,
    ) -> Result<Vec<StorageVolume>, IncusError> {
        self.get_list(&format!(
            "/1.0/storage-pools/{}/volumes/custom?recursion=1&{}",
            encode(pool),
            scope_query(scope)
        ))
        .await
    }

    /// How many snapshots each instance of `project` has in `pool`, from the names of its
    /// instance volumes (`volumes/container` and `volumes/virtual-machine`, no recursion: the
    /// database alone answers, whatever the instances' state). Instances without a snapshot
    /// are absent.
    pub async fn instance_snapshot_counts(
        &self,
        pool: &str,
        project: &str,
    ) -> Result<std::collections::HashMap<String, usize>, IncusError> {
        let mut counts = std::collections::HashMap::new();
        for kind in ["container", "virtual-machine"] {
            let urls: Vec<String> = self
                .get_list(&format!(
                    "/1.0/storage-pools/{}/volumes/{kind}?project={}",
                    encode(pool),
                    encode(project)
                ))
                .await?;
            for u in &urls {
                if let Some(instance) = snapshot_volume_owner(u) {
                    *counts.entry(instance).or_default() += 1;
                }
            }
        }
        Ok(counts)
    }

    /// One instance's snapshots (the database alone answers: no state is built).
    pub async fn instance_snapshots(
        &self,
        project: &str,
        name: &str,
    ) -> Result<Vec<crate::types::InstanceSnapshot>, IncusError> {
        self.get_list(&format!(
            "/1.0/instances/{}/snapshots?recursion=1&project={}",
            encode(name),
            encode(project)
        ))
        .await
    }

    /// The snapshots of one custom volume, with their expiry.
    pub async fn volume_snapshots(
        &self,
        pool: &str,
        project: &str,
        volume: &str,
    ) -> Result<Vec<VolumeSnapshot>, IncusError> {
        self.get_list(&format!(
            "/1.0/storage-pools/{}/volumes/custom/{}/snapshots?recursion=1&project={}",
            encode(pool),
            encode(volume),
            encode(project)
        ))
        .await
    }

    /// A custom volume's usage (None on pools that do not report it).
    pub async fn volume_state(
        &self,
        pool: &str,
        project: &str,
        volume: &str,
    ) -> Result<VolumeState, IncusError> {
        self.get(&format!(
            "/1.0/storage-pools/{}/volumes/custom/{}/state?project={}",
            encode(pool),
            encode(volume),
            encode(project)
        ))
        .await
    }
}

/// Decodes the Incus envelope, turning error answers into [`IncusError::Api`].
pub fn parse_envelope<T: DeserializeOwned>(
    path: &str,
    status: u16,
    bytes: &[u8],
) -> Result<T, IncusError> {
    let (_, meta) = decode_envelope(path, status, bytes)?;
    atlas_core::decode::value(meta).map_err(|e| IncusError::Parse {
        path: path.to_string(),
        reason: e.to_string(),
    })
}

/// Decodes an envelope whose metadata is a list, item by item (see [`atlas_core::decode::list`]).
pub fn parse_list<T: DeserializeOwned>(
    path: &str,
    status: u16,
    bytes: &[u8],
) -> Result<(Vec<T>, Vec<atlas_core::decode::Skipped>), IncusError> {
    let (_, meta) = decode_envelope(path, status, bytes)?;
    atlas_core::decode::list(path, meta).map_err(|reason| IncusError::Parse {
        path: path.to_string(),
        reason: reason.to_string(),
    })
}

/// The envelope's type (`sync`, `async`) and metadata, or the error it carries.
pub fn decode_envelope(
    path: &str,
    status: u16,
    bytes: &[u8],
) -> Result<(String, serde_json::Value), IncusError> {
    let env: Envelope<serde_json::Value> =
        serde_json::from_slice(bytes).map_err(|e| IncusError::Parse {
            path: path.to_string(),
            reason: if status >= 400 {
                format!("HTTP {status}: {}", String::from_utf8_lossy(bytes).trim())
            } else {
                e.to_string()
            },
        })?;
    if env.kind == "error" || status >= 400 {
        return Err(IncusError::Api {
            path: path.to_string(),
            status: if env.error_code != 0 {
                env.error_code
            } else {
                status
            },
            message: env.error,
        });
    }
    Ok((env.kind, env.metadata.unwrap_or(serde_json::Value::Null)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn parses_instances_r1_and_r2() {
        let r1: Vec<Instance> =
            parse_envelope("/1.0/instances", 200, &fixture("instances_r1.json")).unwrap();
        assert!(r1.iter().any(|i| i.name == "grafana01"));
        assert!(r1.iter().all(|i| i.state.is_none()));
        let r2: Vec<Instance> =
            parse_envelope("/1.0/instances", 200, &fixture("instances_r2.json")).unwrap();
        let g = r2.iter().find(|i| i.name == "grafana01").unwrap();
        let st = g.state.as_ref().unwrap();
        assert_eq!(st.status, "Running");
        assert!(st.memory.as_ref().unwrap().usage > 0);
        assert_eq!(g.snapshots.as_ref().unwrap()[0].name, "pre-upgrade");
        assert!(r2.iter().any(|i| i.project == "lab"));
    }

    #[test]
    fn standalone_cluster_answers() {
        let c: Cluster =
            parse_envelope("/1.0/cluster", 200, &fixture("cluster_standalone.json")).unwrap();
        assert!(!c.enabled);
        let err = parse_envelope::<Vec<ClusterMember>>(
            "/1.0/cluster/members",
            500,
            &fixture("members_standalone.json"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("Server is not clustered"), "{err}");
    }

    #[test]
    fn cluster_member_and_resources() {
        let m: Vec<ClusterMember> = parse_envelope("/m", 200, &fixture("members.json")).unwrap();
        assert_eq!(m[0].server_name, "atlas01");
        assert_eq!(m[0].roles, ["database-leader", "database"]);
        let s: ClusterMemberState =
            parse_envelope("/s", 200, &fixture("member_state.json")).unwrap();
        assert_eq!(s.sysinfo.load_averages.len(), 3);
        assert!(s.storage_pools["default"].space.total > 0);
        let r: Resources = parse_envelope("/r", 200, &fixture("resources.json")).unwrap();
        assert!(r.cpu.total >= 1);
        assert!(r.memory.total > r.memory.used);
        assert!(r.load.is_some());
    }

    #[test]
    fn volumes_list_includes_snapshots_and_null_usage() {
        let v: Vec<StorageVolume> = parse_envelope("/v", 200, &fixture("volumes.json")).unwrap();
        assert!(v.iter().any(|v| v.name == "grafana01-data"
            && v.config.get("snapshots.schedule").map(String::as_str) == Some("0 3 * * *")));
        assert!(v.iter().any(|v| v.name == "grafana01-data/nightly-0"));
        let s: VolumeState = parse_envelope("/s", 200, &fixture("vol_state.json")).unwrap();
        assert!(s.usage.is_none());
    }

    #[test]
    fn ipv4_skips_loopback() {
        let st: InstanceState = serde_json::from_str(
            r#"{"status":"Running","network":{
                "lo":{"type":"loopback","addresses":[{"family":"inet","address":"127.0.0.1","scope":"local"}]},
                "eth0":{"type":"broadcast","addresses":[
                    {"family":"inet","address":"10.1.2.3","netmask":"24","scope":"global"},
                    {"family":"inet6","address":"fe80::1","netmask":"64","scope":"link"}]}}}"#,
        )
        .unwrap();
        assert_eq!(st.ipv4(), ["10.1.2.3"]);
        assert_eq!(st.disk_usage(), None);
    }

    #[test]
    fn malformed_answers_are_errors_not_panics() {
        assert!(parse_envelope::<Server>("/1.0", 200, b"not json").is_err());
        assert!(
            parse_envelope::<Vec<Instance>>("/x", 200, br#"{"type":"sync","metadata":{"a":1}}"#)
                .is_err()
        );
        let e = parse_envelope::<Server>("/1.0", 502, b"<html>bad gateway</html>").unwrap_err();
        assert!(e.to_string().contains("502"), "{e}");
        let e = parse_envelope::<Server>(
            "/1.0",
            403,
            br#"{"type":"error","error":"not authorized","error_code":403}"#,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "/1.0: HTTP 403: not authorized");
    }

    #[test]
    fn snapshot_volumes_name_their_instance() {
        let o = |u| snapshot_volume_owner(u);
        assert_eq!(
            o(
                "/1.0/storage-pools/default/volumes/container/grafana01/snapshots/pre-upgrade?target=atlas01"
            ),
            Some("grafana01".into())
        );
        assert_eq!(
            o(
                "/1.0/storage-pools/default/volumes/virtual-machine/k8s%2Dcp/snapshots/s%201?project=lab"
            ),
            Some("k8s-cp".into())
        );
        assert_eq!(
            o("/1.0/storage-pools/default/volumes/container/grafana01?target=atlas01"),
            None
        );
        // An instance called `snapshots` is an instance's own volume, not a snapshot.
        assert_eq!(
            o("/1.0/storage-pools/default/volumes/container/snapshots"),
            None
        );
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode("status eq Running"), "status%20eq%20Running");
        assert_eq!(scope_query(&Scope::Project("lab".into())), "project=lab");
    }
}
