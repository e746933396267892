//! The interactive main loop: terminal events and backend updates in, one render per change.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::alerts::worker::{PollConfig, SourceCmd};
use crate::app::alerts::{AlertSourceView, SourceStatus, default_author};
use crate::app::rows::Pane;
use crate::app::state::{AppState, Effect, Level, RemoteView};
use crate::backend::spawn_source;
use crate::backend::{self, Command, WorkerConfig};
use crate::backend::{RemoteSpec, Scope};
use crate::config::{Settings, Theme};
use crate::tasks::Tasks;
use crate::{tui, ui};

/// Options from the command line.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub readonly: bool,
    pub scope: Scope,
    pub home_project: String,
}

/// Builds the initial state for these remotes.
pub fn initial_state(settings: &Settings, specs: &[RemoteSpec], opts: &RunOptions) -> AppState {
    let remotes = specs
        .iter()
        .map(|s| {
            let mut r = RemoteView::new(&s.name, &s.describe(), s.production);
            r.caps = crate::backend::capabilities(s);
            r.readonly = s.readonly;
            r
        })
        .collect();
    let mut state = AppState::new(
        remotes,
        settings.keymap.clone(),
        opts.scope.clone(),
        opts.home_project.clone(),
    );
    state.readonly = opts.readonly;
    state.pane = Pane::parse(&settings.config.ui.start_pane).unwrap_or(Pane::Instances);
    state.view.themes = Theme::available(&settings.paths.themes_dir());
    state.view.theme_name = settings.theme.name.clone();
    state.diagnostics = settings.diagnostics.clone();
    if let Some(d) = settings.diagnostics.first() {
        let key = settings
            .keymap
            .hint(
                crate::config::keymap::Mode::Normal,
                crate::action::Action::Problems,
            )
            .unwrap_or_else(|| ":problems".into());
        let text = match settings.diagnostics.len() {
            1 => format!("config problem ({key}: read it; the rest applies): {d}"),
            n => format!("{n} config problems ({key}: read them; the rest applies); first: {d}"),
        };
        state.say(Level::Warning, text);
    }
    if specs.is_empty() {
        state.say(Level::Error, "no remotes to show: check `atlas-tui info`");
    }
    let c = &settings.config;
    state.alerting.label_map = c.alerts.label_map();
    state.alerting.silence_author = if c.alerts.silence_author.trim().is_empty() {
        default_author()
    } else {
        c.alerts.silence_author.clone()
    };
    if !c.alerts.silence_durations.is_empty() {
        state.alerting.silence_durations = c.alerts.silence_durations.clone();
    }
    state.work.settings =
        crate::usecase::ActionSettings::from_config(&c.actions, &settings.paths.data_dir);
    state.services.dir = settings.services_dir();
    state.work.state_dir = settings.paths.state_dir.clone();
    state.view.palette_history =
        std::fs::read_to_string(crate::app::palette::history_file(&settings.paths.state_dir))
            .map(|t| {
                t.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
    state.alerting.runbooks_dir = settings.runbooks_dir();
    state.services.config_dir = settings.paths.config_dir.clone();
    state.services.commands = c.commands.clone();
    // Finished jobs and the journal from earlier sessions.
    let state_dir = &settings.paths.state_dir;
    state.work.jobs = crate::jobs::journal::recent_jobs(
        &crate::jobs::journal::jobs_file(&settings.paths.state_dir),
        100,
    )
    .into_iter()
    .map(crate::app::jobs::JobView::from_record)
    .collect();
    state.work.ids = crate::jobs::execute::JobIds::StateDir(state_dir.clone());
    if let Ok((mut entries, _)) = crate::jobs::journal::read_lines::<crate::jobs::journal::Entry>(
        &crate::jobs::journal::journal_file(&settings.paths.state_dir),
    ) {
        let skip = entries.len().saturating_sub(2000);
        state.work.journal = entries.split_off(skip);
    }
    // What the remotes reported while earlier sessions ran, for the timeline.
    if let Ok((events, _)) = crate::jobs::journal::read_lines::<crate::timeline::Event>(
        &crate::timeline::events_file(state_dir),
    ) {
        let skip = events
            .len()
            .saturating_sub(crate::app::timeline_view::EVENTS_KEPT);
        state.timeline.events = events.into_iter().skip(skip).collect();
    }
    for (kind, src) in c.alert_sources() {
        let mut v = AlertSourceView::new(&src.name, kind, &src.url, src.readonly);
        v.remotes = src.remotes.clone();
        if let Err(e) = src.spec() {
            v.status = SourceStatus::Down(e.clone());
            state.say(Level::Error, e);
        }
        state.alerting.sources.push(v);
    }
    // A first run with no alert sources says, in one line, how to add them.
    if state.alerting.sources.is_empty() && state.messages.current.is_none() {
        state.say(
            Level::Info,
            "no alert sources yet: add [[alertmanagers]] (and [[prometheus]]) to config.toml — `atlas-tui info` says where it is",
        );
    }
    state
}

#[cfg(test)]
mod first_run_tests {
    use super::*;

    fn settings(dir: &std::path::Path, config: &str) -> Settings {
        std::fs::write(dir.join("config.toml"), config).unwrap();
        let paths = crate::config::Paths {
            config_dir: dir.to_path_buf(),
            state_dir: dir.join("state"),
            data_dir: dir.join("data"),
        };
        Settings::load(paths, None, None)
    }

    #[test]
    fn a_first_run_without_alert_sources_says_how_to_add_them() {
        let d = tempfile::tempdir().unwrap();
        let opts = RunOptions {
            readonly: false,
            scope: Scope::All,
            home_project: "default".into(),
        };
        let specs = vec![RemoteSpec::incus(crate::incus::RemoteSpec {
            name: "local".into(),
            endpoint: crate::incus::cliconfig::Endpoint::Unix("/nonexistent.socket".into()),
            project: None,
            production: false,
        })];
        let s = initial_state(&settings(d.path(), ""), &specs, &opts);
        let msg = s.messages.current.clone().expect("a first line").text;
        assert!(
            msg.starts_with("no alert sources yet: add [[alertmanagers]]"),
            "{msg}"
        );
        let with = "[[alertmanagers]]\nname = \"a\"\nurl = \"http://127.0.0.1:9093\"\n";
        let s = initial_state(&settings(d.path(), with), &specs, &opts);
        assert!(s.messages.current.is_none(), "{:?}", s.messages.current);
    }
}

/// Runs the console until the user quits.
pub async fn run(mut settings: Settings, specs: Vec<RemoteSpec>, opts: RunOptions) -> Result<()> {
    let mut state = initial_state(&settings, &specs, &opts);
    let cfg = timing(&settings.config.refresh);
    let (utx, mut urx) = mpsc::unbounded_channel();
    let user = state.alerting.silence_author.clone();
    let mut tasks = Tasks::new(
        spawn_remotes(&specs, &opts.scope, cfg, &utx),
        spawn_sources(&settings, &utx),
        &specs,
        utx.clone(),
        user.clone(),
        settings.paths.state_dir.clone(),
        crate::jobs::queue::Queue::new(state.work.settings.concurrency),
    );

    let mut term = tui::init().wrap_err("cannot set up the terminal")?;
    let mut input = EventStream::new();
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut dirty = true;
    let mut memory = Memory::default();
    // The definitions are surveyed at once: E, p and a work from the instances pane too.
    let mut pending = state.services_refresh();
    // Why the loop ended, for the jobs still running then.
    let result: Result<&'static str> = async {
        loop {
            if dirty {
                draw(&mut term, &mut state, &settings)?;
                dirty = false;
                memory.after_draw();
                // Fault injection for the end-to-end test of the panic hook.
                if std::env::var_os("ATLAS_TUI_PANIC_AFTER_DRAW").is_some() {
                    panic!("ATLAS_TUI_PANIC_AFTER_DRAW is set");
                }
            }
            let tick = tick(&state, &memory);
            let mut effects = std::mem::take(&mut pending);
            tokio::select! {
                ev = input.next() => match ev {
                    Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                        // A key bound to nothing changes nothing: no redraw.
                        let rev = state.derived.rev;
                        effects.extend(state.on_key(k, Utc::now()));
                        dirty |= state.derived.rev != rev || !effects.is_empty();
                    }
                    Some(Ok(Event::Resize(..))) => dirty = true,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e).wrap_err("reading the terminal"),
                    None => return Ok(ENDED_TERMINAL),
                },
                Some(u) = urx.recv() => {
                    let rev = state.derived.rev;
                    effects.extend(apply_updates(u, &mut urx, &mut state, &mut tasks, &mut memory));
                    // A link that proved alive changes nothing shown.
                    dirty |= state.derived.rev != rev || !effects.is_empty();
                }
                _ = tick => {
                    state.check_liveness(Utc::now());
                    dirty = true;
                }
                _ = sigterm.recv() => return Ok(ENDED_SIGTERM),
                _ = sighup.recv() => return Ok(ENDED_SIGHUP),
            }
            for e in effects {
                // What needs no terminal runs on the tasks; the rest is done here.
                let Some(e) = tasks.run(e, &mut state) else {
                    continue;
                };
                match e {
                    // With jobs running the user was asked first (see `app::quit`).
                    Effect::Quit | Effect::QuitLeavingJobs => return Ok(ENDED_QUIT),
                    Effect::Copy(text) => {
                        if let Err(e) = tui::copy(&mut term, &text) {
                            state.say(Level::Error, format!("cannot copy: {e}"));
                        }
                    }
                    // The console steps aside for a shell, a command or an editor.
                    e @ (Effect::Shell { .. }
                    | Effect::Terminal(_)
                    | Effect::EditExternal { .. }) => {
                        drop(input);
                        pending
                            .extend(step_aside(&mut term, &mut state, &settings, &user, e).await?);
                        input = EventStream::new();
                        dirty = true;
                    }
                    Effect::LoadTheme(name) => load_theme(&mut state, &mut settings, name),
                    _ => {}
                }
            }
        }
    }
    .await;
    tui::restore();
    // However the loop ended — a quit, a signal, or the terminal gone under it (an SSH session
    // that drops may end the terminal's reads before its SIGHUP arrives) — every running job is
    // recorded.
    let why = match &result {
        Ok(why) => why,
        Err(_) => ENDED_TERMINAL,
    };
    let left = tasks.abandon_all(why);
    if left > 0 {
        wind_down(&mut urx, left).await;
    }
    result.map(|_| ())
}

/// How the workers are timed, from `[refresh]`.
fn timing(refresh: &crate::config::RefreshSection) -> backend::Timing {
    let backoff_min = Duration::from_secs(refresh.reconnect_min_secs);
    let backoff_max = Duration::from_secs(refresh.reconnect_max_secs);
    backend::Timing {
        incus: WorkerConfig {
            usage_every: Duration::from_secs(refresh.usage_secs),
            reconcile_every: Duration::from_secs(refresh.reconcile_secs),
            addresses_every: Duration::from_secs(refresh.addresses_secs),
            backoff_min,
            backoff_max,
            // Read once the console says volumes are shown (`Command::ShowVolumes`).
            volumes_shown: false,
            ..WorkerConfig::default()
        },
        pve: atlas_pve::provider::WorkerConfig {
            poll_every: Duration::from_secs(refresh.pve_poll_secs),
            details_every: Duration::from_secs(refresh.reconcile_secs.max(60)),
            backoff_min,
            backoff_max,
        },
    }
}

/// One worker per remote.
fn spawn_remotes(
    specs: &[RemoteSpec],
    scope: &backend::Scope,
    cfg: backend::Timing,
    utx: &mpsc::UnboundedSender<backend::Update>,
) -> HashMap<String, mpsc::UnboundedSender<Command>> {
    specs
        .iter()
        .map(|s| {
            let tx = backend::spawn_remote(s.clone(), scope.clone(), cfg, utx.clone());
            (s.name.clone(), tx)
        })
        .collect()
}

/// One poller per alert source whose spec is right (a wrong one was reported in the initial
/// state).
fn spawn_sources(
    settings: &Settings,
    utx: &mpsc::UnboundedSender<backend::Update>,
) -> HashMap<String, mpsc::UnboundedSender<SourceCmd>> {
    let poll = PollConfig {
        every: Duration::from_secs(settings.config.alerts.refresh_secs),
        jitter: Duration::from_secs(settings.config.alerts.jitter_secs),
    };
    settings
        .config
        .alert_sources()
        .filter_map(|(kind, src)| {
            let spec = src.spec().ok()?;
            Some((
                spec.name.clone(),
                spawn_source(spec, kind, poll, utx.clone()),
            ))
        })
        .collect()
}

/// Draws one frame at the terminal's size.
fn draw(term: &mut tui::Term, state: &mut AppState, settings: &Settings) -> Result<()> {
    let size = term.size()?;
    let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
    state.view.grid = ui::wants_grid(
        area,
        settings.config.ui.grid_min_width,
        settings.config.ui.grid_min_height,
    );
    state.view.page_size = ui::page_size(area, state.view.grid && !state.view.zoom);
    let now = Utc::now();
    term.draw(|f| ui::draw(f, state, &settings.theme, now))?;
    Ok(())
}

/// Memory given back to the system after a big list was replaced: once it is off the screen
/// too, and not more than twice a minute (a poll that replaces the list every few seconds
/// would fault the pages given back in again each time).
#[derive(Default)]
struct Memory {
    big_list: bool,
    released: Option<std::time::Instant>,
}

impl Memory {
    fn after_draw(&mut self) {
        if self.big_list && self.released.is_none_or(|t| t.elapsed() >= RELEASE_EVERY) {
            crate::memory::release();
            self.released = Some(std::time::Instant::now());
            self.big_list = false;
        }
    }

    /// When a release held back may come.
    fn due(&self) -> Option<std::time::Instant> {
        self.released
            .filter(|_| self.big_list)
            .map(|t| t + RELEASE_EVERY)
    }
}

/// The loop's tick: every second while something shows a running age (a remote offline, a
/// job); else when a link believed live would turn stale or a held-back release is due; else
/// never.
async fn tick(state: &AppState, memory: &Memory) {
    let liveness_due = state.next_liveness_check().map(|t| {
        let wait = (t - Utc::now()).to_std().unwrap_or_default();
        tokio::time::Instant::now() + wait + Duration::from_millis(50)
    });
    if state.any_offline() || state.running_jobs().next().is_some() {
        tokio::time::sleep(Duration::from_secs(1)).await
    } else if let Some(due) = [memory.due().map(Into::into), liveness_due]
        .into_iter()
        .flatten()
        .min()
    {
        tokio::time::sleep_until(due).await
    } else {
        std::future::pending::<()>().await
    }
}

/// Applies an update and whatever else is queued behind it, before drawing once.
fn apply_updates(
    first: backend::Update,
    urx: &mut mpsc::UnboundedReceiver<backend::Update>,
    state: &mut AppState,
    tasks: &mut Tasks,
    memory: &mut Memory,
) -> Vec<Effect> {
    let now = Utc::now();
    let mut effects = Vec::new();
    let mut next = Some(first);
    while let Some(u) = next {
        memory.big_list |= is_big_list(&u);
        if let backend::Update::JobFinished { id, .. } = &u {
            tasks.job_finished(*id);
        }
        effects.extend(state.apply(u, now));
        next = urx.try_recv().ok();
    }
    effects
}

/// The console steps aside for a shell in an instance, then journals the session.
async fn shell(
    term: &mut tui::Term,
    state: &mut AppState,
    settings: &Settings,
    user: &str,
    (remote, project, name): (&str, &str, &str),
) -> Result<()> {
    let shell = &settings.config.actions;
    tui::restore();
    let outcome = run_shell(shell, remote, project, name).await;
    tui::resume(term).wrap_err("cannot set up the terminal again")?;
    let entry = shell_entry(shell, remote, project, name, &outcome, user, state);
    if let Err(e) = crate::jobs::journal::append(
        &crate::jobs::journal::journal_file(&settings.paths.state_dir),
        &entry,
    ) {
        tracing::warn!(error = %e, "cannot write the journal");
    }
    state.apply_journal(entry);
    match outcome {
        Ok(code) => state.say(
            Level::Info,
            format!("back from the shell in {remote}:{name} (exit {code})"),
        ),
        Err(e) => state.say(Level::Error, e),
    }
    Ok(())
}

/// Runs what needs the terminal (the console's screen put away, and back after).
async fn step_aside(
    term: &mut tui::Term,
    state: &mut AppState,
    settings: &Settings,
    user: &str,
    e: Effect,
) -> Result<Vec<Effect>> {
    match e {
        Effect::Shell {
            remote,
            project,
            name,
        } => shell(term, state, settings, user, (&remote, &project, &name)).await?,
        Effect::Terminal(command) => in_terminal(term, state, settings, user, command).await?,
        Effect::EditExternal { file } => return edit_external(term, state, &file).await,
        _ => {}
    }
    Ok(vec![])
}

/// The console steps aside for a configured command that needs the terminal (ssh, a
/// console); it is journaled with its exit code.
async fn in_terminal(
    term: &mut tui::Term,
    state: &mut AppState,
    settings: &Settings,
    user: &str,
    c: crate::jobs::CommandSpec,
) -> Result<()> {
    tui::restore();
    let started = chrono::Utc::now();
    let line = c
        .argv
        .iter()
        .map(|w| crate::jobs::sh(w))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd =
        tokio::process::Command::new(c.argv.first().map(String::as_str).unwrap_or("true"));
    cmd.args(c.argv.iter().skip(1))
        .envs(c.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Some(d) = &c.workdir {
        cmd.current_dir(d);
    }
    let outcome = cmd.status().await;
    tui::resume(term).wrap_err("cannot set up the terminal again")?;
    let (status, detail) = match &outcome {
        Ok(s) if s.success() => ("done", "exit 0".to_string()),
        Ok(s) => ("failed", format!("exit {}", s.code().unwrap_or(-1))),
        Err(e) => ("failed", format!("cannot run it: {e}")),
    };
    let entry = crate::jobs::journal::Entry {
        ts: started,
        status: status.into(),
        action: "run".into(),
        target: c.name.clone(),
        remote: String::new(),
        detail: detail.clone(),
        cli: vec![line],
        alerts: vec![],
        job: None,
        seconds: Some((chrono::Utc::now() - started).num_milliseconds() as f64 / 1000.0),
        user: user.to_string(),
    };
    if let Err(e) = crate::jobs::journal::append(
        &crate::jobs::journal::journal_file(&settings.paths.state_dir),
        &entry,
    ) {
        tracing::warn!(error = %e, "cannot write the journal");
    }
    state.apply_journal(entry);
    let level = if status == "done" {
        Level::Info
    } else {
        Level::Error
    };
    state.say(level, format!("back from {} ({detail})", c.name));
    Ok(())
}

/// The console steps aside for `$VISUAL`/`$EDITOR` on a definition, then plans again.
async fn edit_external(
    term: &mut tui::Term,
    state: &mut AppState,
    file: &std::path::Path,
) -> Result<Vec<Effect>> {
    tui::restore();
    let outcome = run_editor(file).await;
    tui::resume(term).wrap_err("cannot set up the terminal again")?;
    match outcome {
        Ok(editor) => state.say(
            Level::Info,
            format!("back from {editor}: {} (re-planning)", file.display()),
        ),
        Err(e) => state.say(Level::Error, e),
    }
    Ok(state.services_refresh())
}

/// `:theme <name>`: a theme file's problem is said and the theme in use kept.
fn load_theme(state: &mut AppState, settings: &mut Settings, name: String) {
    let (theme, diags) = Theme::load(&settings.paths.themes_dir(), &name);
    match diags.first() {
        Some(d) => state.say(Level::Error, d.to_string()),
        None => {
            state.say(Level::Info, format!("theme {name}"));
            state.view.theme_name = name;
            settings.theme = theme;
        }
    }
}

const ENDED_QUIT: &str = "abandoned by quit: the console stopped following it; its operation was left running on the server";
const ENDED_SIGTERM: &str =
    "abandoned: the console was terminated (SIGTERM); its operation was left running on the server";
const ENDED_SIGHUP: &str =
    "abandoned: the console's session ended (SIGHUP); its operation was left running on the server";
const ENDED_TERMINAL: &str =
    "abandoned: the console's terminal closed; its operation was left running on the server";

/// Waits (a few seconds at most) until the `left` abandoned jobs have written their journal
/// line and history record.
async fn wind_down(
    urx: &mut tokio::sync::mpsc::UnboundedReceiver<backend::Update>,
    mut left: usize,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while left > 0 {
        match tokio::time::timeout_at(deadline, urx.recv()).await {
            Ok(Some(backend::Update::JobFinished { .. })) => left -= 1,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => {
                tracing::warn!(left, "jobs not recorded before exit");
                return;
            }
        }
    }
}

/// The user's editor: `$VISUAL`, `$EDITOR`, or `vi`.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Runs the editor on the real terminal (its value may carry arguments, as in `code -w`).
async fn run_editor(file: &std::path::Path) -> std::result::Result<String, String> {
    let editor = editor_command();
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file)
        .status()
        .await
        .map_err(|e| format!("cannot run {editor}: {e}"))?;
    if status.success() {
        Ok(editor)
    } else {
        Err(format!(
            "{editor} exited with {} ({} may be unchanged)",
            status.code().unwrap_or(-1),
            file.display()
        ))
    }
}

/// The shell command line for an instance.
pub fn shell_command(
    c: &crate::config::ActionsSection,
    remote: &str,
    project: &str,
    name: &str,
) -> Vec<String> {
    let mut cmd = vec![
        c.incus_bin.clone(),
        "exec".into(),
        format!("{remote}:{name}"),
        "--project".into(),
        project.to_string(),
        "--".into(),
    ];
    cmd.extend(c.shell.iter().cloned());
    cmd
}

/// Runs the shell on the real terminal; the exit code, or why it could not start.
async fn run_shell(
    c: &crate::config::ActionsSection,
    remote: &str,
    project: &str,
    name: &str,
) -> std::result::Result<i32, String> {
    let cmd = shell_command(c, remote, project, name);
    println!("atlas-tui: shell in {remote}:{name} — exit it to return to the console");
    let status = tokio::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        .status()
        .await
        .map_err(|e| format!("cannot run {}: {e}", cmd[0]))?;
    Ok(status.code().unwrap_or(-1))
}

fn shell_entry(
    c: &crate::config::ActionsSection,
    remote: &str,
    project: &str,
    name: &str,
    outcome: &std::result::Result<i32, String>,
    user: &str,
    state: &AppState,
) -> crate::jobs::journal::Entry {
    let target = crate::jobs::Target::instance(remote, project, name);
    let cmd = shell_command(c, remote, project, name);
    crate::jobs::journal::Entry {
        ts: Utc::now(),
        status: match outcome {
            Ok(_) => "done".into(),
            Err(_) => "failed".into(),
        },
        action: "shell".into(),
        target: target.label(),
        remote: remote.into(),
        detail: match outcome {
            Ok(code) => format!("exit {code}"),
            Err(e) => e.clone(),
        },
        cli: vec![
            cmd.iter()
                .map(|w| crate::jobs::sh(w))
                .collect::<Vec<_>>()
                .join(" "),
        ],
        alerts: state.firing_on(&target.row_key()),
        job: None,
        seconds: None,
        user: user.into(),
    }
}

/// How often memory freed after big listings is given back at most.
const RELEASE_EVERY: Duration = Duration::from_secs(30);

/// A listing big enough that what it replaces is worth giving back to the system.
fn is_big_list(u: &backend::Update) -> bool {
    matches!(u, backend::Update::Inventory(backend::InventoryEvent::Instances { instances, .. }) if instances.len() >= 1000)
}
