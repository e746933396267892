//! One connected session of a worker: the event feed on its own task, the fetch queue, the
//! periodic usage refresh and reconciliation, and the commands of the console.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use atlas_core::compact::{Str, intern};

use super::details::{ProjectSizes, Undetailed, is_live};
use super::volumes_shown::VolumesShown;

use super::load::{load_hosts, load_volumes, snapshot_counts, states_of, volume_details};
use super::queue::{Done, Fetch, Queue};

/// Why a session ended without an error.
pub(super) enum End {
    Quit,
    Rescope,
}
use super::config::WorkerConfig;
use crate::client::{IncusClient, IncusError};
use crate::convert;
use crate::events;
use crate::metrics::{UsageSample, parse_usage};
use crate::types::{Event, Instance, LifecycleEvent, Server};
use atlas_core::provider::{self as p, Command, ConnState, Scope, Sink, StateSample};

/// How many fetches of the queue run at once.
const QUEUE_CONCURRENCY: usize = 4;

/// A reconciliation runs at most this share of the time (1/100): a fleet whose list takes
/// the server 1.5 s is reconciled every 150 s rather than every 30 s.
const RECONCILE_DUTY: u32 = 100;

/// Per this many instances, the configured reconciliation interval once: what a reconciliation
/// costs the server and the console grows with the fleet, and it is the safety net for a missed
/// event (a dropped event stream reconciles at once), so 10,000 instances are reconciled every
/// 300 s at the shipped 30 s.
const RECONCILE_FLEET: usize = 1000;

/// More differences than this in one reconciliation re-read the whole list instead.
const RECONCILE_BULK: usize = 50;

/// The event stream, read continuously on a task of its own so that it is never starved by
/// fetches (a listener that stops reading is dropped by the server).
struct EventFeed {
    rx: mpsc::UnboundedReceiver<Result<Event, IncusError>>,
    task: tokio::task::JoinHandle<()>,
}

/// How soon a remote whose link lives is heard from again: the event stream's pings are
/// answered every few seconds.
pub(super) fn alive_within() -> Duration {
    atlas_core::liveness::deadline(events::PING_EVERY, Duration::from_secs(4), LIVE_FLOOR)
}

/// No remote is called stale sooner than this after it was last heard from.
const LIVE_FLOOR: Duration = Duration::from_secs(12);

/// Reports [`p::Event::Alive`] (at most once a second).
fn alive_reporter(remote: String, tx: Sink) -> events::OnAlive {
    atlas_core::liveness::throttled(move || {
        tx(p::Event::Alive {
            remote: remote.clone(),
            within: alive_within(),
        })
    })
}

impl EventFeed {
    async fn subscribe(client: &IncusClient, scope: &Scope, tx: &Sink) -> Result<Self, IncusError> {
        let alive = alive_reporter(client.remote().to_string(), tx.clone());
        let mut stream = events::subscribe(client, scope, alive).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Some(ev) = stream.next().await {
                let end = ev.is_err();
                if tx.send(ev).is_err() || end {
                    break;
                }
            }
        });
        Ok(EventFeed { rx, task })
    }
}

/// The first list, asked for before the session is up; a session that ends before it is
/// used lets it go.
struct EarlyList(Option<tokio::task::JoinHandle<Result<Fetched, IncusError>>>);

impl Drop for EarlyList {
    fn drop(&mut self) {
        if let Some(h) = &self.0 {
            h.abort();
        }
    }
}

impl Drop for EventFeed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a fetch brought back for the session to act on (lists of volumes and hosts go to the
/// console directly).
enum Fetched {
    Instances(Vec<atlas_core::inventory::Instance>),
    /// Every instance of one project with its details.
    Details(Vec<atlas_core::inventory::Instance>),
    /// `None`: the instance is gone.
    Instance(Option<Box<Instance>>),
    /// (project, name, status) of every instance.
    Reconcile(Vec<(String, String, String)>),
    Usage(
        Vec<(
            String,
            String,
            Result<atlas_core::inventory::InstanceState, IncusError>,
        )>,
    ),
    /// The samples, and the members they cover (`None`: the one answering, not clustered).
    Metrics(Vec<UsageSample>, Option<Vec<String>>),
    Projects(Vec<String>),
    /// How many snapshots each instance of a project has (those without are absent).
    SnapshotCounts(HashMap<String, usize>),
    /// One instance's snapshots; `None`: the instance is gone.
    Snapshots(Option<Vec<atlas_core::inventory::InstanceSnapshot>>),
    Sent,
}

type Running = BoxFuture<'static, (Fetch, u64, Result<Fetched, IncusError>)>;

/// What the session knows the console shows: the status of every instance it reported,
/// whether it is a container (the metrics list every running container) and its member.
/// Status and member are interned: 10,000 instances share a handful of each.
pub(super) type Known = HashMap<(String, String), (Str, bool, Str)>;

fn known_of(i: &atlas_core::inventory::Instance) -> (Str, bool, Str) {
    (
        intern(&i.status),
        i.kind == atlas_core::inventory::InstanceKind::Container,
        intern(&i.location),
    )
}

pub(super) async fn session(
    client: &IncusClient,
    scope: &mut Scope,
    cfg: &WorkerConfig,
    tx: &Sink,
    cmds: &mut mpsc::UnboundedReceiver<Command>,
    backoff: &mut Duration,
    volumes_shown: &mut bool,
) -> Result<End, IncusError> {
    let remote = client.remote().to_string();
    let mut early = early_list(client, scope);
    let (server, mut feed) = match connect(client, scope, tx).await? {
        Connected::Feed(server, feed) => (server, feed),
        Connected::WithoutProject(server) => {
            return without_project(client, &server, tx, cmds, (scope, volumes_shown)).await;
        }
    };
    announce_online(&remote, &server, tx);
    *backoff = cfg.backoff_min;

    let mut q = Queue::new(QUEUE_CONCURRENCY);
    let mut volumes = VolumesShown {
        shown: volumes_shown,
        owed: false,
    };
    let mut known = Known::new();
    // Instances whose details (state, snapshots) have not been read since the last list.
    let mut undetailed = Undetailed::default();
    let mut last_skipped = Vec::new();
    let start = Instant::now();
    // The cheap instance list first (what is painted first) with the projects beside it; the
    // detailed list, hosts and volumes once it is in (asked for at once, the detailed list
    // kept the server's cores from the cheap one: first paint 490 ms instead of ~200 for
    // 1000 instances; after it, the detail is on screen within 1.03x of its raw call).
    for f in [Fetch::List, Fetch::Projects] {
        q.mark_now(f, start);
    }
    let mut hosts_pending = true;
    let mut running: FuturesUnordered<Running> = FuturesUnordered::new();
    let mut usage = UsageClock::new(cfg.usage_every);
    let mut addresses = interval(start, cfg.addresses_every);
    let mut reconciling = Reconciling::new(start, cfg.reconcile_every);

    loop {
        let now = Instant::now();
        for (f, generation) in q.start(now) {
            if f == Fetch::Reconcile {
                reconciling.started = Some(now);
            }
            if volumes.put_off(&f, &mut q, now) {
                continue;
            }
            // The first list was asked for before the session was set up.
            if f == Fetch::List
                && let Some(early) = early.0.take()
            {
                running.push(early_answer(early, generation));
                continue;
            }
            let running_now = if matches!(f, Fetch::Usage | Fetch::Addresses) {
                running_instances(&known)
            } else {
                vec![]
            };
            let ctx = (client.clone(), scope.clone(), server.clone(), tx.clone());
            running.push(fetch(ctx, f, generation, running_now));
        }
        let due = q.next_due();
        tokio::select! {
            ev = feed.rx.recv() => on_feed(ev, &mut feed, (client, scope, tx), &mut q).await?,
            Some((f, generation, result)) = running.next(), if !running.is_empty() => {
                let now = Instant::now();
                if f == Fetch::List && std::mem::take(&mut hosts_pending) {
                    usage.first_read(&mut q, now);
                }
                // A project this remote does not have is shown as empty, not as an offline
                // remote.
                if let Ok(Fetched::Projects(projects)) = &result
                    && projects_lack_scope(projects, scope, &remote, tx)
                {
                    return without_project(client, &server, tx, cmds, (scope, volumes_shown)).await;
                }
                let how = match result {
                    Ok(fetched) => {
                        let read = settle(fetched, &f, generation, &mut q, &mut known, &remote, tx, now);
                        if undetailed.after_read(&f, read, &known, cfg.detail_chunk, &mut q, now) {
                            tracing::info!(remote = %remote, took = ?start.elapsed(), "every instance's details read");
                            tx(p::Event::DetailsComplete { remote: remote.clone() });
                        }
                        reconciling.after_read(&f, cfg.reconcile_every, known.len(), &remote, now);
                        Done::Ok
                    }
                    Err(e) => failed(&e, &f, &remote),
                };
                q.done(&f, how, now);
                report_skipped(client, tx, &mut last_skipped);
            }
            _ = sleep_until(due), if due.is_some() => {}
            _ = sleep_until(usage.next), if usage.next.is_some() => usage.read(&mut q, Instant::now()),
            _ = addresses.tick() => q.mark_now(Fetch::Addresses, Instant::now()),
            _ = reconciling.tick.tick() => {
                let now = Instant::now();
                q.mark_all_now([Fetch::Reconcile, Fetch::Activity], now);
                // Details given up after their retries are asked for again.
                undetailed.retry(&known, cfg.detail_chunk, &mut q, now);
            }
            cmd = cmds.recv() => {
                let Some(cmd) = volumes.take_command(cmd, &mut q) else {
                    continue;
                };
                if let Some(end) = on_command(cmd, client, scope, tx, &mut q, ProjectSizes::of(&known, cfg.detail_chunk)) {
                    return Ok(end);
                }
            }
        }
    }
}

/// The cheap list (what is painted first), asked for at once, beside the server's info and the
/// event subscription: one round trip instead of three before the first paint. What it may
/// miss before the subscription is in, the detailed reads after it correct.
fn early_list(client: &IncusClient, scope: &Scope) -> EarlyList {
    let (client, scope) = (client.clone(), scope.clone());
    EarlyList(Some(tokio::spawn(async move {
        client
            .instances_map(&scope, 1, |i| Some(convert::instance(i)))
            .await
            .map(Fetched::Instances)
    })))
}

/// The early list's answer, as the session's first `List` fetch.
fn early_answer(
    early: tokio::task::JoinHandle<Result<Fetched, IncusError>>,
    generation: u64,
) -> Running {
    async move {
        let result = early
            .await
            .unwrap_or_else(|e| Err(IncusError::Events(format!("the first list was lost: {e}"))));
        (Fetch::List, generation, result)
    }
    .boxed()
}

/// The remote is online, and alive until its next sign of life is due.
fn announce_online(remote: &str, server: &Server, tx: &Sink) {
    tx(p::Event::Status {
        remote: remote.to_string(),
        state: online(server),
    });
    tx(p::Event::Alive {
        remote: remote.to_string(),
        within: alive_within(),
    });
}

/// A read that failed: logged, and whether it is tried again.
fn failed(e: &IncusError, f: &Fetch, remote: &str) -> Done {
    let how = classify(e);
    tracing::warn!(remote = %remote, fetch = ?f, error = %e, retry = (how == Done::Transient), "fetch failed");
    how
}

/// A session's start: the server's info, then the events subscribed (before anything is loaded,
/// so nothing that happens in between is missed).
enum Connected {
    Feed(Server, EventFeed),
    /// The remote answers but lacks the project in scope.
    WithoutProject(Server),
}

async fn connect(client: &IncusClient, scope: &Scope, tx: &Sink) -> Result<Connected, IncusError> {
    let server: Server = client.server().await?;
    if server.auth != "trusted" && !server.auth.is_empty() {
        return Err(IncusError::Tls(format!(
            "{}: the server does not trust this client certificate (auth: {})",
            client.endpoint().describe(),
            server.auth
        )));
    }
    match EventFeed::subscribe(client, scope, tx).await {
        Ok(feed) => Ok(Connected::Feed(server, feed)),
        Err(e) => {
            // A project this remote does not have is refused here already: shown as empty,
            // not as an offline remote.
            if let Scope::Project(project) = scope
                && let Ok(projects) = client.projects().await
                && !projects.contains(project)
            {
                tx(p::Event::Projects {
                    remote: client.remote().to_string(),
                    projects,
                });
                return Ok(Connected::WithoutProject(server));
            }
            Err(e)
        }
    }
}

/// An interval from `start`, its missed ticks delayed.
/// When usage (`/1.0/metrics`) is read: with the hosts once the first list is in (never before
/// the first screen), again [`USAGE_SECOND_READ`] later — CPU% is the difference of two reads,
/// so it shows within seconds of the start — then every `usage_every`.
struct UsageClock {
    every: Duration,
    /// The next read; `None` until the first list is in.
    next: Option<Instant>,
}

/// The gap between the first two usage reads.
const USAGE_SECOND_READ: Duration = Duration::from_secs(6);

impl UsageClock {
    fn new(every: Duration) -> Self {
        UsageClock { every, next: None }
    }

    /// The first list is in: hosts, volumes, the activity and usage are read now, and usage
    /// again soon after.
    fn first_read(&mut self, q: &mut Queue, now: Instant) {
        q.mark_all_now(
            [Fetch::Hosts, Fetch::Volumes, Fetch::Activity, Fetch::Usage],
            now,
        );
        self.next = Some(now + USAGE_SECOND_READ.min(self.every));
    }

    /// Its time: usage and hosts are read, the next time on the normal interval.
    fn read(&mut self, q: &mut Queue, now: Instant) {
        q.mark_all_now([Fetch::Usage, Fetch::Hosts], now);
        self.next = Some(now + self.every);
    }
}

fn interval(start: Instant, every: Duration) -> tokio::time::Interval {
    let mut i = tokio::time::interval_at(start + every, every);
    i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    i
}

/// How often the cheap list is compared with what is shown: `reconcile_every` per
/// [`RECONCILE_FLEET`] instances, and at most [`RECONCILE_DUTY`]'s share of the time.
struct Reconciling {
    every: Duration,
    tick: tokio::time::Interval,
    started: Option<Instant>,
    cost: Duration,
}

impl Reconciling {
    fn new(start: Instant, every: Duration) -> Self {
        Self {
            every,
            tick: interval(start, every),
            started: None,
            cost: Duration::ZERO,
        }
    }

    /// A list or a reconciliation was read: what it cost, and the interval it calls for.
    fn after_read(
        &mut self,
        f: &Fetch,
        base: Duration,
        instances: usize,
        remote: &str,
        now: Instant,
    ) {
        if *f == Fetch::Reconcile
            && let Some(t0) = self.started.take()
        {
            self.cost = now - t0;
        }
        if matches!(f, Fetch::List | Fetch::Reconcile) {
            self.adapt(base, instances, remote, now);
        }
    }

    /// The interval for a fleet of this size and the last cost.
    fn adapt(&mut self, base: Duration, instances: usize, remote: &str, now: Instant) {
        let fleet = (instances / RECONCILE_FLEET).max(1) as u32;
        let every = (base * fleet).max(self.cost * RECONCILE_DUTY);
        if every != self.every {
            tracing::info!(remote = %remote, every = ?every, took = ?self.cost, instances, "reconciliation interval");
            self.every = every;
            self.tick = interval(now, every);
        }
    }
}

/// The projects the remote has, reported; whether the one in scope is missing.
fn projects_lack_scope(projects: &[String], scope: &Scope, remote: &str, tx: &Sink) -> bool {
    tx(p::Event::Projects {
        remote: remote.to_string(),
        projects: projects.to_vec(),
    });
    match scope {
        Scope::Project(p) => !projects.contains(p),
        Scope::All => false,
    }
}

/// List items that could not be decoded, reported once, not again with every reconciliation
/// that meets the same item.
fn report_skipped(client: &IncusClient, tx: &Sink, last: &mut Vec<atlas_core::decode::Skipped>) {
    let skipped = client.take_skipped();
    if skipped.is_empty() {
        return;
    }
    if skipped != *last {
        tx(p::Event::Skipped {
            origin: client.remote().to_string(),
            items: skipped.clone(),
        });
    }
    *last = skipped;
}

/// A dropped stream is not an offline server: the server is asked, and the events subscribed
/// again if it answers (what happened in between is found by reconciling).
/// Events mark what they name (the whole burst at hand at once); a feed that broke or ended
/// is subscribed to again.
async fn on_feed(
    ev: Option<Result<Event, IncusError>>,
    feed: &mut EventFeed,
    (client, scope, tx): (&IncusClient, &Scope, &Sink),
    q: &mut Queue,
) -> Result<(), IncusError> {
    let remote = client.remote();
    match ev {
        Some(Ok(ev)) => {
            let now = Instant::now();
            on_event(&ev, scope, q, tx, remote, now);
            while let Ok(Ok(ev)) = feed.rx.try_recv() {
                on_event(&ev, scope, q, tx, remote, now);
            }
        }
        Some(Err(e)) => *feed = resubscribe(e, client, scope, tx, q).await?,
        None => {
            let e = IncusError::Events("event stream ended".into());
            *feed = resubscribe(e, client, scope, tx, q).await?;
        }
    }
    Ok(())
}

async fn resubscribe(
    e: IncusError,
    client: &IncusClient,
    scope: &Scope,
    tx: &Sink,
    q: &mut Queue,
) -> Result<EventFeed, IncusError> {
    let remote = client.remote();
    match tokio::time::timeout(Duration::from_secs(10), client.server()).await {
        Ok(Ok(_)) => {
            tracing::warn!(remote = %remote, error = %e, "event stream dropped; resubscribing");
            let feed = EventFeed::subscribe(client, scope, tx).await?;
            let now = Instant::now();
            for f in [Fetch::Reconcile, Fetch::Volumes, Fetch::Hosts] {
                q.mark_now(f, now);
            }
            Ok(feed)
        }
        Ok(Err(down)) => {
            tracing::warn!(remote = %remote, error = %e, "event stream dropped and the server does not answer");
            Err(down)
        }
        Err(_) => Err(e),
    }
}

/// A command from the console, while connected; `Some` ends the session.
fn on_command(
    cmd: Option<Command>,
    client: &IncusClient,
    scope: &mut Scope,
    tx: &Sink,
    q: &mut Queue,
    sizes: ProjectSizes,
) -> Option<End> {
    let now = Instant::now();
    match cmd {
        None => return Some(End::Quit),
        Some(Command::Refresh) => {
            for f in [Fetch::List, Fetch::Hosts, Fetch::Volumes] {
                q.mark_now(f, now);
            }
        }
        // A small project's details come in its one answer; a big one's instances on screen
        // are read whole.
        Some(Command::Details(objects)) => {
            for (project, name) in objects {
                if !sizes.is_small(&project) {
                    q.mark_now(Fetch::Instance { project, name }, now);
                }
            }
        }
        Some(Command::Reread(objects)) => {
            for (project, name) in objects {
                q.mark_now(Fetch::Instance { project, name }, now);
            }
            q.mark_now(Fetch::Reconcile, now);
            q.mark_now(Fetch::Volumes, now);
        }
        Some(Command::SetScope(s)) => {
            *scope = s;
            return Some(End::Rescope);
        }
        // Taken by the session before (`VolumesShown`).
        Some(Command::ShowVolumes(_)) => {}
        Some(cmd @ (Command::CancelOperation(_) | Command::AcknowledgeWarning(_))) => {
            activity_write(client, tx, cmd);
        }
        Some(Command::UsageHistory {
            project,
            name,
            window,
        }) => {
            tx(p::Event::UsageHistory {
                remote: client.remote().to_string(),
                project,
                name,
                window,
                result: Err(p::ProviderError::Unsupported(NO_HISTORY)),
            });
        }
        Some(Command::ConsoleLog { project, name }) => {
            let client = client.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let result = client
                    .console_log(&project, &name)
                    .await
                    .map_err(|e| p::ProviderError::Server(e.to_string()));
                tx(p::Event::ConsoleLog {
                    remote: client.remote().to_string(),
                    project,
                    name,
                    result,
                });
            });
        }
    }
    None
}

/// The remote is up but lacks the project in scope: empty lists until the scope changes.
async fn without_project(
    client: &IncusClient,
    server: &Server,
    tx: &Sink,
    cmds: &mut mpsc::UnboundedReceiver<Command>,
    (scope, volumes_shown): (&mut Scope, &mut bool),
) -> Result<End, IncusError> {
    let remote = client.remote().to_string();
    tracing::info!(remote = %remote, scope = %scope.label(), "remote has no such project");
    tx(p::Event::Status {
        remote: remote.clone(),
        state: online(server),
    });
    for with_state in [false, true] {
        tx(p::Event::Instances {
            remote: remote.clone(),
            instances: vec![],
            with_state,
        });
    }
    tx(p::Event::Volumes {
        remote: remote.clone(),
        volumes: vec![],
        snapshots: vec![],
    });
    if let Ok(hosts) = load_hosts(client, server).await {
        tx(p::Event::Hosts {
            remote: remote.clone(),
            hosts,
        });
    }
    loop {
        match cmds.recv().await {
            None => return Ok(End::Quit),
            Some(Command::Refresh) => return Ok(End::Rescope),
            Some(Command::SetScope(s)) => {
                *scope = s;
                return Ok(End::Rescope);
            }
            Some(Command::Reread(_) | Command::Details(_)) => {}
            Some(Command::ShowVolumes(v)) => *volumes_shown = v,
            Some(cmd @ (Command::CancelOperation(_) | Command::AcknowledgeWarning(_))) => {
                activity_write(client, tx, cmd);
            }
            Some(Command::UsageHistory {
                project,
                name,
                window,
            }) => tx(p::Event::UsageHistory {
                remote: remote.clone(),
                project,
                name,
                window,
                result: Err(p::ProviderError::Unsupported(NO_HISTORY)),
            }),
            Some(Command::ConsoleLog { project, name }) => {
                tx(p::Event::ConsoleLog {
                    remote: remote.clone(),
                    project: project.clone(),
                    name,
                    result: Err(p::ProviderError::Precondition(format!(
                        "{remote} has no project {project}"
                    ))),
                });
            }
        }
    }
}

/// Reads every client's operations and the daemon's warnings, and reports them.
async fn load_activity(client: &IncusClient, tx: &Sink) -> Result<(), IncusError> {
    let remote = client.remote().to_string();
    let operations = crate::activity::operations(client).await?;
    tx(p::Event::Operations {
        remote: remote.clone(),
        operations,
    });
    let warnings = crate::activity::warnings(client).await?;
    tx(p::Event::Warnings { remote, warnings });
    Ok(())
}

/// Cancels an operation or acknowledges a warning, on a task; a failure is reported, and the
/// activity read again after it (an operation's end also comes as its event).
fn activity_write(client: &IncusClient, tx: &Sink, cmd: Command) {
    let client = client.clone();
    let tx = tx.clone();
    tokio::spawn(async move {
        let remote = client.remote().to_string();
        let (what, result) = match &cmd {
            Command::CancelOperation(id) => (
                format!("cancel operation {id}"),
                client.cancel_operation(id).await,
            ),
            Command::AcknowledgeWarning(id) => (
                format!("acknowledge warning {id}"),
                crate::activity::acknowledge(&client, id).await,
            ),
            _ => return,
        };
        if let Err(e) = result {
            tx(p::Event::ActivityWriteFailed {
                remote,
                what,
                error: p::ProviderError::Server(e.to_string()),
            });
        }
        if let Err(e) = load_activity(&client, &tx).await {
            tracing::warn!(error = %e, "cannot read the activity again");
        }
    });
}

fn online(server: &Server) -> ConnState {
    ConnState::Online {
        version: server.environment.server_version.clone(),
        clustered: server.environment.server_clustered,
        via: None,
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Transient: the server is busy or changing state (HTTP 5xx such as `Invalid PID`) or the
/// connection hiccuped; the rest will not get better by asking again.
fn classify(e: &IncusError) -> Done {
    match e {
        IncusError::Api { status, .. } if *status >= 500 => Done::Transient,
        e if e.is_link() => Done::Transient,
        _ => Done::Failed,
    }
}

fn running_instances(known: &Known) -> Vec<(String, String)> {
    known
        .iter()
        .filter(|(_, (s, _, _))| s.eq_ignore_ascii_case("running"))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Starts one fetch.
fn fetch(
    (client, scope, server, tx): (IncusClient, Scope, Server, Sink),
    f: Fetch,
    generation: u64,
    running: Vec<(String, String)>,
) -> Running {
    async move {
        let remote = client.remote().to_string();
        let result = match &f {
            // Converted as they are decoded: the API's form of 10,000 instances is never held.
            Fetch::List => client
                .instances_map(&scope, 1, |i| Some(convert::instance(i)))
                .await
                .map(Fetched::Instances),
            Fetch::ProjectDetails { project } => client
                .instances_map(&Scope::Project(project.clone()), 2, |i| {
                    Some(convert::detailed(i))
                })
                .await
                .map(Fetched::Details),
            Fetch::Reconcile => client.statuses(&scope).await.map(Fetched::Reconcile),
            Fetch::SnapshotCounts { project } => snapshot_counts(&client, project)
                .await
                .map(Fetched::SnapshotCounts),
            Fetch::Snapshots { project, name } => {
                match client.instance_snapshots(project, name).await {
                    Ok(list) => Ok(Fetched::Snapshots(Some(
                        list.into_iter().map(convert::instance_snapshot).collect(),
                    ))),
                    Err(e) if e.is_not_found() => Ok(Fetched::Snapshots(None)),
                    Err(e) => Err(e),
                }
            }
            Fetch::Instance { project, name } | Fetch::Detail { project, name } => {
                match client.instance(project, name).await {
                    Ok(i) => Ok(Fetched::Instance(Some(Box::new(i)))),
                    Err(e) if e.is_not_found() => Ok(Fetched::Instance(None)),
                    Err(e) => Err(e),
                }
            }
            Fetch::Usage => match usage_metrics(&client, &scope).await {
                Ok((samples, covered)) => Ok(Fetched::Metrics(samples, covered)),
                // Metrics refused (a restricted certificate): the state of each running one.
                Err(IncusError::Api { .. }) => {
                    Ok(Fetched::Usage(states_of(&client, running).await))
                }
                Err(e) => Err(e),
            },
            Fetch::Addresses => Ok(Fetched::Usage(states_of(&client, running).await)),
            Fetch::Projects => client.projects().await.map(Fetched::Projects),
            Fetch::Activity => load_activity(&client, &tx).await.map(|()| Fetched::Sent),
            Fetch::Hosts => load_hosts(&client, &server).await.map(|hosts| {
                tx(p::Event::Hosts { remote, hosts });
                Fetched::Sent
            }),
            Fetch::Volumes => match load_volumes(&client, &scope).await {
                Ok((volumes, snapshots)) => {
                    tx(p::Event::Volumes {
                        remote,
                        volumes: volumes.clone(),
                        snapshots,
                    });
                    volume_details(&client, &volumes, &tx).await;
                    Ok(Fetched::Sent)
                }
                Err(e) => Err(e),
            },
        };
        (f, generation, result)
    }
    .boxed()
}

/// Acts on what a fetch brought back: reports it and queues what it showed to be stale. Gives
/// the instances whose details it read.
#[allow(clippy::too_many_arguments)]
fn settle(
    fetched: Fetched,
    f: &Fetch,
    generation: u64,
    q: &mut Queue,
    known: &mut Known,
    remote: &str,
    tx: &Sink,
    now: Instant,
) -> Vec<(String, String)> {
    let mut s = Settle {
        q,
        known,
        remote,
        tx,
        generation,
        now,
        read: Vec::new(),
    };
    match fetched {
        Fetched::Instances(list) => {
            s.known.clear();
            for i in &list {
                s.known
                    .insert((i.project.clone(), i.name.clone()), known_of(i));
            }
            (s.tx)(p::Event::Instances {
                remote: s.remote.to_string(),
                instances: list,
                with_state: false,
            });
        }
        Fetched::Details(list) => s.details(f, list),
        Fetched::Instance(Some(i)) => {
            let i = convert::detailed(*i);
            let key = (i.project.clone(), i.name.clone());
            if matches!(f, Fetch::Detail { .. })
                && s.q
                    .touched_since(&Fetch::instance(&key.0, &key.1), s.generation)
            {
                return s.read;
            }
            s.known.insert(key.clone(), known_of(&i));
            s.read.push(key);
            (s.tx)(p::Event::Instance {
                remote: s.remote.to_string(),
                instance: Box::new(i),
            });
        }
        Fetched::Instance(None) => {
            if let Fetch::Instance { project, name } | Fetch::Detail { project, name } = f {
                s.read.push((project.clone(), name.clone()));
                s.known.remove(&(project.clone(), name.clone()));
                (s.tx)(p::Event::InstanceGone {
                    remote: s.remote.to_string(),
                    project: project.clone(),
                    name: name.clone(),
                });
            }
        }
        Fetched::Reconcile(list) => s.reconcile(list),
        Fetched::SnapshotCounts(counts) => s.snapshot_counts(f, &counts),
        Fetched::Snapshots(list) => s.snapshots(f, list),
        Fetched::Usage(states) => s.states(states),
        Fetched::Metrics(samples, covered) => s.metrics(samples, covered),
        Fetched::Projects(_) | Fetched::Sent => {}
    }
    s.read
}

/// What one answer's settling works on.
struct Settle<'a> {
    q: &'a mut Queue,
    known: &'a mut Known,
    remote: &'a str,
    tx: &'a Sink,
    generation: u64,
    now: Instant,
    /// The instances whose details this answer read.
    read: Vec<(String, String)>,
}

impl Settle<'_> {
    /// A project's detailed list.
    fn details(&mut self, f: &Fetch, list: Vec<atlas_core::inventory::Instance>) {
        let Fetch::ProjectDetails { project } = f else {
            return;
        };
        let mut seen = std::collections::HashSet::new();
        for i in list {
            let key = (i.project.clone(), i.name.clone());
            seen.insert(key.clone());
            // An answer older than an event on the instance is left to its re-read.
            if self
                .q
                .touched_since(&Fetch::instance(&key.0, &key.1), self.generation)
            {
                continue;
            }
            self.known.insert(key.clone(), known_of(&i));
            self.read.push(key);
            (self.tx)(p::Event::Instance {
                remote: self.remote.to_string(),
                instance: Box::new(i),
            });
        }
        // Listed before and not in the project's answer: read it to know whether it is gone.
        for (p, n) in self
            .known
            .keys()
            .filter(|k| k.0 == *project && !seen.contains(*k))
        {
            self.q.mark_now(Fetch::instance(p, n), self.now);
        }
    }

    /// A big project's snapshot counts: a stopped instance without snapshots has its details
    /// now (nothing else of it changes while it is stopped), one with some has them read; the
    /// running ones are read whole (planned with the counts).
    fn snapshot_counts(&mut self, f: &Fetch, counts: &HashMap<String, usize>) {
        let Fetch::SnapshotCounts { project } = f else {
            return;
        };
        let mut none = Vec::new();
        for ((p, n), (status, _, _)) in self.known.iter() {
            if p != project
                || is_live(status)
                // An answer older than an event on the instance is left to its re-read.
                || self.q.touched_since(&Fetch::instance(p, n), self.generation)
            {
                continue;
            }
            if counts.contains_key(n) {
                let f = Fetch::Snapshots {
                    project: p.clone(),
                    name: n.clone(),
                };
                self.q.mark_now(f, self.now);
            } else {
                none.push((n.clone(), vec![]));
                self.read.push((p.clone(), n.clone()));
            }
        }
        if !none.is_empty() {
            (self.tx)(p::Event::InstanceSnapshots {
                remote: self.remote.to_string(),
                project: project.clone(),
                snapshots: none,
            });
        }
    }

    /// One stopped instance's snapshots.
    fn snapshots(&mut self, f: &Fetch, list: Option<Vec<atlas_core::inventory::InstanceSnapshot>>) {
        let Fetch::Snapshots { project, name } = f else {
            return;
        };
        let whole = Fetch::instance(project, name);
        match list {
            // Gone, or changed meanwhile: read whole.
            None => self.q.mark_now(whole, self.now),
            Some(_) if self.q.touched_since(&whole, self.generation) => {}
            Some(list) => {
                self.read.push((project.clone(), name.clone()));
                (self.tx)(p::Event::InstanceSnapshots {
                    remote: self.remote.to_string(),
                    project: project.clone(),
                    snapshots: vec![(name.clone(), list)],
                });
            }
        }
    }

    /// The cheap list compared with what is shown: what differs is read again.
    fn reconcile(&mut self, list: Vec<(String, String, String)>) {
        let mut stale = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (project, name, status) in list {
            let key = (project, name);
            if self.known.get(&key).map(|k| &*k.0) != Some(status.as_str()) {
                stale.push(key.clone());
            }
            seen.insert(key);
        }
        stale.extend(self.known.keys().filter(|k| !seen.contains(*k)).cloned());
        if !stale.is_empty() {
            tracing::info!(remote = %self.remote, differences = stale.len(), "reconciliation found rows to re-read");
        }
        if stale.len() > RECONCILE_BULK {
            self.q.mark_now(Fetch::List, self.now);
        } else {
            for (project, name) in stale {
                self.q.mark_now(Fetch::Instance { project, name }, self.now);
            }
        }
    }

    /// States of running instances.
    fn states(
        &mut self,
        states: Vec<(
            String,
            String,
            Result<atlas_core::inventory::InstanceState, IncusError>,
        )>,
    ) {
        let mut samples = Vec::new();
        for (project, name, st) in states {
            let key = Fetch::instance(&project, &name);
            match st {
                // An answer older than an event on the instance is left to the re-read.
                Ok(_) if self.q.touched_since(&key, self.generation) => {}
                Ok(state) => {
                    let k = (project.clone(), name.clone());
                    if self.known.get(&k).is_some_and(|s| *s.0 != *state.status) {
                        self.q.mark_now(key, self.now);
                    }
                    samples.push(StateSample {
                        project,
                        name,
                        state,
                    });
                }
                Err(e) if e.is_not_found() => self.q.mark_now(key, self.now),
                Err(e) => {
                    tracing::debug!(remote = %self.remote, instance = %name, error = %e, "usage read failed");
                }
            }
        }
        if !samples.is_empty() {
            (self.tx)(p::Event::InstanceStates {
                remote: self.remote.to_string(),
                states: samples,
            });
        }
    }

    /// Usage from the metrics.
    fn metrics(&mut self, samples: Vec<UsageSample>, covered: Option<Vec<String>>) {
        // The metrics list every running (or frozen) container of the members they cover:
        // one that is not where it should be, or is where it should not be, is read again.
        let present: std::collections::HashSet<(&str, &str)> = samples
            .iter()
            .map(|s| (s.project.as_str(), s.name.as_str()))
            .collect();
        for ((project, name), (status, container, location)) in self.known.iter() {
            if covered
                .as_ref()
                .is_some_and(|c| !c.iter().any(|m| **m == **location))
            {
                continue;
            }
            let live = matches!(status.to_ascii_lowercase().as_str(), "running" | "frozen");
            let listed = present.contains(&(project.as_str(), name.as_str()));
            if *container && live != listed {
                self.q.mark_now(Fetch::instance(project, name), self.now);
            }
        }
        let samples: Vec<UsageSample> = samples
            .into_iter()
            .filter(|s| {
                !self
                    .q
                    .touched_since(&Fetch::instance(&s.project, &s.name), self.generation)
            })
            .collect();
        if !samples.is_empty() {
            (self.tx)(p::Event::Usage {
                remote: self.remote.to_string(),
                samples,
            });
        }
    }
}

/// Usage of the running instances from `/1.0/metrics`: in a cluster each member reports only
/// its own, so every online member is asked (`?target=`), at once. A member that does not
/// answer is left out of what the samples cover.
async fn usage_metrics(
    client: &IncusClient,
    scope: &Scope,
) -> Result<(Vec<UsageSample>, Option<Vec<String>>), IncusError> {
    let members: Vec<String> = client
        .members()
        .into_iter()
        .filter(|m| m.online)
        .map(|m| m.name)
        .collect();
    if members.is_empty() {
        let text = client.metrics(scope, None).await?;
        return Ok((parse_usage(&text), None));
    }
    let answers = futures_util::future::join_all(
        members
            .iter()
            .map(|m| async move { (m.clone(), client.metrics(scope, Some(m)).await) }),
    )
    .await;
    let mut samples = Vec::new();
    let mut covered = Vec::new();
    let mut first_error = None;
    for (m, answer) in answers {
        match answer {
            Ok(text) => {
                samples.extend(parse_usage(&text));
                covered.push(m);
            }
            Err(e) => {
                tracing::debug!(member = %m, error = %e, "member metrics unavailable");
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        // Refused everywhere (a restricted certificate): the caller reads states instead.
        Some(e) if covered.is_empty() => Err(e),
        _ => Ok((samples, Some(covered))),
    }
}

/// Incus keeps no usage history: it comes from a Prometheus that scrapes it, or the console's
/// own samples.
const NO_HISTORY: &str =
    "Incus keeps no usage history (configure a Prometheus that scrapes its /1.0/metrics)";

/// Queues what an event names.
fn on_event(ev: &Event, scope: &Scope, q: &mut Queue, tx: &Sink, remote: &str, now: Instant) {
    if ev.kind == "operation" {
        if let Some(operation) = crate::activity::from_event(&ev.metadata) {
            tx(p::Event::OperationChanged {
                remote: remote.to_string(),
                operation,
            });
        }
        return;
    }
    if ev.kind != "lifecycle" {
        return;
    }
    let Ok(lc) = atlas_core::decode::value::<LifecycleEvent>(ev.metadata.clone()) else {
        return;
    };
    let project = if ev.project.is_empty() {
        "default"
    } else {
        ev.project.as_str()
    };
    let by = lc
        .requestor
        .as_ref()
        .and_then(|r| {
            let user = r.username.as_deref().filter(|u| !u.is_empty())?;
            Some(match r.protocol.as_deref().filter(|p| !p.is_empty()) {
                Some(p) => format!("{user} via {p}"),
                None => user.to_string(),
            })
        })
        .unwrap_or_default();
    tx(p::Event::Event {
        remote: remote.to_string(),
        summary: format!("{} {}", lc.action, convert::short_api_path(&lc.source)),
        action: lc.action.clone(),
        object: convert::lifecycle_object(remote, project, &lc.source),
        at: ev.timestamp.filter(|t| t.timestamp() > 0),
        by,
    });
    for f in affected(&lc, project) {
        if let (Fetch::Instance { project, .. }, Scope::Project(p)) = (&f, scope)
            && project != p
        {
            continue;
        }
        q.mark(f, now);
    }
}

/// What a lifecycle event makes stale.
fn affected(lc: &LifecycleEvent, project: &str) -> Vec<Fetch> {
    let path = lc.source.split('?').next().unwrap_or("");
    let act = lc.action.as_str();
    let mut out = Vec::new();
    if act.starts_with("instance-") {
        match path
            .strip_prefix("/1.0/instances/")
            .map(|r| r.split('/').next().unwrap_or(r))
        {
            Some(name) => out.push(Fetch::instance(project, &crate::client::decode(name))),
            None => out.push(Fetch::Reconcile),
        }
        if matches!(
            act,
            "instance-created" | "instance-deleted" | "instance-updated" | "instance-renamed"
        ) {
            out.push(Fetch::Volumes);
        }
        if act == "instance-renamed" {
            out.push(Fetch::Reconcile);
        }
    } else if act.starts_with("storage-volume-") {
        out.push(Fetch::Volumes);
    } else if act.starts_with("storage-pool-") || act.starts_with("cluster-") {
        out.push(Fetch::Hosts);
        out.push(Fetch::Volumes);
    } else if act.starts_with("project-") {
        out.push(Fetch::Reconcile);
        out.push(Fetch::Volumes);
        out.push(Fetch::Projects);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(action: &str, source: &str) -> LifecycleEvent {
        LifecycleEvent {
            action: action.into(),
            source: source.into(),
            requestor: None,
        }
    }

    fn fleet(projects: &[(&str, usize, usize)]) -> Known {
        let mut known = Known::new();
        for (project, stopped, running) in projects {
            for i in 0..stopped + running {
                let status = if i < *running { "Running" } else { "Stopped" };
                known.insert(
                    (project.to_string(), format!("i{i}")),
                    (intern(status), true, intern("")),
                );
            }
        }
        known
    }

    fn planned(known: &Known) -> Vec<Fetch> {
        let mut q = Queue::new(usize::MAX);
        let now = Instant::now();
        let mut u = Undetailed::default();
        u.plan(known, 100, &mut q, now);
        q.start(now).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn a_small_fleet_reads_each_project_in_one_answer() {
        let known = fleet(&[("default", 7, 5), ("lab", 2, 1)]);
        let project = |p: &str| Fetch::ProjectDetails { project: p.into() };
        assert_eq!(planned(&known), [project("default"), project("lab")]);
    }

    #[test]
    fn a_big_project_reads_snapshot_counts_and_its_running_instances_only() {
        let known = fleet(&[("scale", 890, 10), ("lab", 2, 1)]);
        let fetches = planned(&known);
        assert!(fetches.contains(&Fetch::ProjectDetails {
            project: "lab".into()
        }));
        assert!(fetches.contains(&Fetch::SnapshotCounts {
            project: "scale".into()
        }));
        let whole: Vec<_> = fetches
            .iter()
            .filter(|f| matches!(f, Fetch::Detail { .. }))
            .collect();
        assert_eq!(
            whole.len(),
            10,
            "the running ones, not the fleet: {whole:?}"
        );
        assert_eq!(fetches.len(), 12);
    }

    #[test]
    fn in_a_big_fleet_even_small_projects_are_read_by_their_counts() {
        let projects: Vec<(String, usize, usize)> =
            (0..11).map(|i| (format!("p{i}"), 99, 1)).collect();
        let refs: Vec<(&str, usize, usize)> = projects
            .iter()
            .map(|(p, s, r)| (p.as_str(), *s, *r))
            .collect();
        let fetches = planned(&fleet(&refs));
        assert!(
            !fetches
                .iter()
                .any(|f| matches!(f, Fetch::ProjectDetails { .. }))
        );
        assert_eq!(fetches.len(), 22, "11 counts and 11 running instances");
    }

    #[test]
    fn a_stopped_instance_without_snapshots_is_detailed_by_the_counts() {
        let mut known = fleet(&[("scale", 3, 1)]);
        known.insert(
            ("other".into(), "x".into()),
            (intern("Stopped"), true, intern("")),
        );
        let mut q = Queue::new(usize::MAX);
        let now = Instant::now();
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let tx: Sink = {
            let sent = sent.clone();
            std::sync::Arc::new(move |e| sent.lock().unwrap().push(e))
        };
        let counts: HashMap<String, usize> = [("i2".to_string(), 3)].into();
        let f = Fetch::SnapshotCounts {
            project: "scale".into(),
        };
        let read = settle(
            Fetched::SnapshotCounts(counts),
            &f,
            0,
            &mut q,
            &mut known,
            "r",
            &tx,
            now,
        );
        // i0 runs (read whole elsewhere), i2 has snapshots (read on their own), i1 and i3 have
        // none: known now.
        let mut read = read;
        read.sort();
        assert_eq!(
            read,
            [
                ("scale".to_string(), "i1".to_string()),
                ("scale".into(), "i3".into())
            ]
        );
        let started: Vec<Fetch> = q.start(now).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            started,
            [Fetch::Snapshots {
                project: "scale".into(),
                name: "i2".into()
            }]
        );
        let sent = sent.lock().unwrap();
        let [p::Event::InstanceSnapshots { snapshots, .. }] = sent.as_slice() else {
            panic!("{sent:?}");
        };
        assert!(snapshots.iter().all(|(_, s)| s.is_empty()) && snapshots.len() == 2);
    }

    #[test]
    fn volumes_hidden_are_put_off_and_read_when_shown() {
        let now = Instant::now();
        let mut q = Queue::new(4);
        let mut shown = false;
        let mut v = VolumesShown {
            shown: &mut shown,
            owed: false,
        };
        q.mark_now(Fetch::Volumes, now);
        let (f, _) = q.start(now).remove(0);
        assert!(v.put_off(&f, &mut q, now), "not shown: put off");
        assert!(q.is_idle());
        assert!(!v.put_off(&Fetch::Hosts, &mut q, now));
        // Other commands go through; showing them reads what was put off, once.
        assert!(matches!(
            v.take_command(Some(Command::Refresh), &mut q),
            Some(Some(Command::Refresh))
        ));
        assert!(
            v.take_command(Some(Command::ShowVolumes(true)), &mut q)
                .is_none()
        );
        assert_eq!(q.start(Instant::now()).len(), 1, "the listing put off");
        assert!(
            v.take_command(Some(Command::ShowVolumes(true)), &mut q)
                .is_none()
        );
        assert!(q.start(Instant::now()).is_empty(), "nothing owed any more");
        assert!(matches!(v.take_command(None, &mut q), Some(None)));
    }

    #[test]
    fn events_name_what_to_read_again() {
        assert_eq!(
            affected(
                &lc("instance-started", "/1.0/instances/grafana01"),
                "default"
            ),
            [Fetch::instance("default", "grafana01")]
        );
        assert_eq!(
            affected(
                &lc(
                    "instance-snapshot-created",
                    "/1.0/instances/a%20b/snapshots/s?project=lab"
                ),
                "lab"
            ),
            [Fetch::instance("lab", "a b")]
        );
        assert!(
            affected(&lc("instance-deleted", "/1.0/instances/x"), "default")
                .contains(&Fetch::Volumes)
        );
        assert_eq!(
            affected(
                &lc(
                    "storage-volume-snapshot-created",
                    "/1.0/storage-pools/default/volumes/custom/v/snapshots/s"
                ),
                "default"
            ),
            [Fetch::Volumes]
        );
        assert_eq!(
            affected(&lc("project-created", "/1.0/projects/p"), "default"),
            [Fetch::Reconcile, Fetch::Volumes, Fetch::Projects]
        );
        assert!(affected(&lc("config-updated", "/1.0"), "default").is_empty());
    }

    #[test]
    fn busy_answers_are_retried_and_the_rest_not() {
        let api = |status| IncusError::Api {
            path: "/1.0/instances/x".into(),
            status,
            message: "Invalid PID".into(),
        };
        assert_eq!(classify(&api(500)), Done::Transient);
        assert_eq!(classify(&api(403)), Done::Failed);
        assert_eq!(
            classify(&IncusError::Parse {
                path: "/".into(),
                reason: "x".into()
            }),
            Done::Failed
        );
    }
}
