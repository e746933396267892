//! The interactive main loop: terminal events and backend updates in, one render per change.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::alerts::worker::{PollConfig, SourceCmd, spawn_source};
use crate::app::alerts::{AlertSourceView, SourceStatus, default_author};
use crate::app::rows::Pane;
use crate::app::state::{AppState, Effect, Level, RemoteView};
use crate::backend::{self, Command, WorkerConfig};
use crate::config::{Settings, Theme};
use crate::incus::{RemoteSpec, Scope};
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
        .map(|s| RemoteView::new(&s.name, &s.endpoint.describe(), s.production))
        .collect();
    let mut state = AppState::new(
        remotes,
        settings.keymap.clone(),
        opts.scope.clone(),
        opts.home_project.clone(),
    );
    state.readonly = opts.readonly;
    state.pane = Pane::parse(&settings.config.ui.start_pane).unwrap_or(Pane::Instances);
    state.themes = Theme::available(&settings.paths.themes_dir());
    state.theme_name = settings.theme.name.clone();
    state.diagnostics = settings.diagnostics.clone();
    if let Some(d) = settings.diagnostics.first() {
        let more = if settings.diagnostics.len() > 1 {
            format!(
                " (+{} more, see `atlas-tui info`)",
                settings.diagnostics.len() - 1
            )
        } else {
            String::new()
        };
        state.say(Level::Warning, format!("{d}; using defaults{more}"));
    }
    if specs.is_empty() {
        state.say(Level::Error, "no remotes to show: check `atlas-tui info`");
    }
    let c = &settings.config;
    state.label_map = c.alerts.label_map();
    state.silence_author = if c.alerts.silence_author.trim().is_empty() {
        default_author()
    } else {
        c.alerts.silence_author.clone()
    };
    if !c.alerts.silence_durations.is_empty() {
        state.silence_durations = c.alerts.silence_durations.clone();
    }
    for (kind, src) in c.alert_sources() {
        let mut v = AlertSourceView::new(&src.name, kind, &src.url, src.readonly);
        v.remotes = src.remotes.clone();
        if let Err(e) = src.spec() {
            v.status = SourceStatus::Down(e.clone());
            state.say(Level::Error, e);
        }
        state.alert_sources.push(v);
    }
    state
}

/// Runs the console until the user quits.
pub async fn run(mut settings: Settings, specs: Vec<RemoteSpec>, opts: RunOptions) -> Result<()> {
    let mut state = initial_state(&settings, &specs, &opts);
    let cfg = WorkerConfig {
        usage_every: Duration::from_secs(settings.config.refresh.usage_secs),
        backoff_min: Duration::from_secs(settings.config.refresh.reconnect_min_secs),
        backoff_max: Duration::from_secs(settings.config.refresh.reconnect_max_secs),
    };
    let (utx, mut urx) = mpsc::unbounded_channel();
    let workers: HashMap<String, mpsc::UnboundedSender<Command>> = specs
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                backend::spawn_remote(s.clone(), opts.scope.clone(), cfg, utx.clone()),
            )
        })
        .collect();
    let poll = PollConfig {
        every: Duration::from_secs(settings.config.alerts.refresh_secs),
        jitter: Duration::from_secs(settings.config.alerts.jitter_secs),
    };
    let sources: HashMap<String, mpsc::UnboundedSender<SourceCmd>> = settings
        .config
        .alert_sources()
        .filter_map(|(kind, src)| {
            // A source whose spec is wrong was reported in the initial state.
            let spec = src.spec().ok()?;
            Some((
                spec.name.clone(),
                spawn_source(spec, kind, poll, utx.clone()),
            ))
        })
        .collect();

    let mut term = tui::init().wrap_err("cannot set up the terminal")?;
    let mut input = EventStream::new();
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut dirty = true;
    let result: Result<()> = async {
        loop {
            if dirty {
                let size = term.size()?;
                let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
                state.grid = ui::wants_grid(
                    area,
                    settings.config.ui.grid_min_width,
                    settings.config.ui.grid_min_height,
                );
                state.page_size = ui::page_size(area, state.grid);
                let now = Utc::now();
                term.draw(|f| ui::draw(f, &state, &settings.theme, now))?;
                dirty = false;
                // Fault injection for the end-to-end test of the panic hook.
                if std::env::var_os("ATLAS_TUI_PANIC_AFTER_DRAW").is_some() {
                    panic!("ATLAS_TUI_PANIC_AFTER_DRAW is set");
                }
            }
            // Tick only while something shows a running age (a remote offline); otherwise sleep.
            let tick = async {
                if state.any_offline() {
                    tokio::time::sleep(Duration::from_secs(1)).await
                } else {
                    std::future::pending::<()>().await
                }
            };
            let mut effects = Vec::new();
            tokio::select! {
                ev = input.next() => match ev {
                    Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                        effects = state.on_key(k, Utc::now());
                        dirty = true;
                    }
                    Some(Ok(Event::Resize(..))) => dirty = true,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e).wrap_err("reading the terminal"),
                    None => return Ok(()),
                },
                Some(u) = urx.recv() => {
                    let now = Utc::now();
                    state.apply(u, now);
                    // Apply whatever else is queued before drawing once.
                    while let Ok(u) = urx.try_recv() {
                        state.apply(u, now);
                    }
                    dirty = true;
                }
                _ = tick => dirty = true,
                _ = sigterm.recv() => return Ok(()),
                _ = sighup.recv() => return Ok(()),
            }
            for e in effects {
                match e {
                    Effect::Quit => return Ok(()),
                    Effect::Send { remote: None, cmd } => {
                        for w in workers.values() {
                            let _ = w.send(cmd.clone());
                        }
                    }
                    Effect::Send {
                        remote: Some(r),
                        cmd,
                    } => {
                        if let Some(w) = workers.get(&r) {
                            let _ = w.send(cmd);
                        }
                    }
                    Effect::Alert { source, cmd } => match sources.get(&source) {
                        Some(w) => {
                            let _ = w.send(cmd);
                        }
                        None => state.say(
                            Level::Error,
                            format!("{source}: not usable, see `atlas-tui info`"),
                        ),
                    },
                    Effect::LoadTheme(name) => {
                        let (theme, diags) = Theme::load(&settings.paths.themes_dir(), &name);
                        match diags.first() {
                            Some(d) => state.say(Level::Error, d.to_string()),
                            None => {
                                state.say(Level::Info, format!("theme {name}"));
                                state.theme_name = name;
                                settings.theme = theme;
                            }
                        }
                    }
                }
            }
        }
    }
    .await;
    tui::restore();
    result
}
