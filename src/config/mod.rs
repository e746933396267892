//! Configuration, themes and keymaps: shipped defaults compiled into the binary, with the user's
//! files from the XDG config directory merged over them. A broken user file is reported with
//! file and line and the defaults are used instead; loading never fails.

pub mod keymap;
pub mod paths;
pub mod theme;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use atlas_core::diagnostic::{
    Diagnostic, Place, from_table, merge, parse_table, read_user_file,
};
use atlas_core::tolerant;
pub use keymap::Keymap;
pub use paths::Paths;
pub use theme::Theme;

/// The shipped default configuration.
pub const DEFAULT_CONFIG: &str = include_str!("../../config/default.toml");

/// What a configured command needs selected.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum CommandScope {
    #[default]
    Global,
    Instance,
    Volume,
    Host,
    Service,
    Alert,
}

/// A value a command asks for before it runs (`{name}` in its words).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommandInput {
    pub name: String,
    /// The question (default: the name).
    #[serde(default)]
    pub prompt: Option<String>,
    #[serde(default)]
    pub default: String,
}

fn yes() -> bool {
    true
}

/// A command's words: a list, or a string for `sh -c`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum CommandLine {
    Shell(String),
    Argv(Vec<String>),
}

impl CommandLine {
    pub fn argv(&self) -> Vec<String> {
        match self {
            CommandLine::Shell(s) => vec!["sh".into(), "-c".into(), s.clone()],
            CommandLine::Argv(a) => a.clone(),
        }
    }
}

/// `[[commands]]`: a command runnable as a job.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommandConfig {
    pub name: String,
    pub command: CommandLine,
    /// What must be selected (or marked): nothing, an instance, a volume, a host, a service
    /// or an alert.
    #[serde(default)]
    pub scope: CommandScope,
    /// The panes it is offered on (empty: the panes of its scope's rows).
    #[serde(default)]
    pub panes: Vec<String>,
    /// The providers whose objects it takes, `incus` and/or `pve` (empty: both).
    #[serde(default)]
    pub providers: Vec<String>,
    /// A key of the lists that runs it.
    #[serde(default)]
    pub key: Option<String>,
    /// Its word in the hint bar (default: its name).
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub confirm: bool,
    /// It changes things: refused on read-only remotes and with `--readonly`.
    #[serde(default)]
    pub dangerous: bool,
    /// Values asked for first, each a `{name}` placeholder.
    #[serde(default)]
    pub inputs: Vec<CommandInput>,
    /// On marked rows: once per row (the default) or once with all of them.
    #[serde(default = "yes")]
    pub per_item: bool,
    /// It needs the terminal (ssh, a console): the console steps aside while it runs.
    #[serde(default)]
    pub terminal: bool,
    pub workdir: Option<String>,
    /// Where it is written (for the problems found later).
    #[serde(skip)]
    pub place: Place,
}

/// Keys of `[[commands]]` that cannot be read, or that the lists' keymap already binds (a
/// command runs on a key bound to nothing).
pub fn command_key_problems(
    commands: &[CommandConfig],
    keymap: &Keymap,
    file: &Path,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in commands {
        let Some(k) = &c.key else { continue };
        let problem = match keymap::Key::parse(k) {
            Err(e) => Some(format!("[[commands]] {:?}: key {k:?}: {e}", c.name)),
            Ok(key) => match keymap.lookup(keymap::Mode::Normal, &[key]) {
                keymap::Lookup::Unbound => None,
                _ => Some(format!(
                    "[[commands]] {:?}: key {k:?} is bound in the lists already; bind it to \"none\" in keymap.toml [normal] to use it here",
                    c.name
                )),
            },
        };
        out.extend(problem.map(|message| {
            let mut d = c.place.say(format!("{message} (the key is not bound)"));
            if d.file.as_os_str().is_empty() {
                d.file = file.to_path_buf();
            }
            d
        }));
    }
    out
}

/// `~/x` → `$HOME/x`.
pub fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

/// `config.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    pub theme: String,
    /// Where service definitions live (empty: `<config dir>/services`).
    #[serde(default)]
    pub services_dir: String,
    /// Where runbooks live (empty: `<config dir>/runbooks`).
    #[serde(default)]
    pub runbooks_dir: String,
    /// Commands runnable as jobs.
    #[serde(default)]
    pub commands: Vec<CommandConfig>,
    pub incus: IncusSection,
    pub refresh: RefreshSection,
    pub ui: UiSection,
    pub log: LogSection,
    pub alerts: AlertsSection,
    pub actions: ActionsSection,
    #[serde(default)]
    pub remotes: Vec<ExtraRemote>,
    #[serde(default)]
    pub alertmanagers: Vec<AlertSourceConfig>,
    #[serde(default)]
    pub prometheus: Vec<AlertSourceConfig>,
}

/// `[actions]`: defaults of snapshots, restores, backups and the shell.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ActionsSection {
    pub snapshot_pattern: String,
    pub snapshot_expiry: String,
    pub safety_expiry: String,
    pub backup_dir: String,
    pub compression: String,
    pub stop_timeout_secs: u64,
    /// Hours after which an instance's newest backup is flagged stale.
    pub backup_stale_hours: u64,
    pub shell: Vec<String>,
    pub incus_bin: String,
    /// Whether confirmations start with "silence this object's alerts during the action" on.
    pub maintenance_silence: bool,
    /// Seconds the object's alerts are watched after such an action.
    pub maintenance_watch_secs: u64,
    /// Jobs at once on one remote (the rest queue).
    pub concurrency: usize,
}

/// `[alerts]`: polling, the label map of the inventory join, silence defaults.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlertsSection {
    pub refresh_secs: u64,
    pub jitter_secs: u64,
    pub object_labels: Vec<String>,
    pub project_label: String,
    pub remote_label: String,
    pub strip: String,
    pub silence_author: String,
    pub silence_durations: Vec<String>,
}

impl AlertsSection {
    /// The label map (the regex was checked when the config was loaded).
    pub fn label_map(&self) -> crate::alerts::join::LabelMap {
        crate::alerts::join::LabelMap {
            object_labels: self.object_labels.clone(),
            project_label: self.project_label.clone(),
            remote_label: self.remote_label.clone(),
            strip: regex::Regex::new(&self.strip)
                .unwrap_or_else(|_| crate::alerts::join::LabelMap::default().strip),
        }
    }
}

/// An `[[alertmanagers]]` or `[[prometheus]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlertSourceConfig {
    pub name: String,
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_file: Option<PathBuf>,
    pub bearer_token: Option<String>,
    pub bearer_token_file: Option<PathBuf>,
    pub tls_ca: Option<PathBuf>,
    #[serde(default)]
    pub readonly: bool,
    /// Incus remotes its alerts are about, preferred when an object name exists on several.
    #[serde(default)]
    pub remotes: Vec<String>,
}

impl AlertSourceConfig {
    /// The client spec, reading secret files now.
    pub fn spec(&self) -> Result<crate::alerts::SourceSpec, String> {
        let read = |p: &PathBuf| {
            std::fs::read_to_string(p)
                .map(|s| s.trim().to_string())
                .map_err(|e| format!("{}: {}: {e}", self.name, p.display()))
        };
        let password = match (&self.password, &self.password_file) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(f)) => Some(read(f)?),
            (None, None) => None,
        };
        let bearer_token = match (&self.bearer_token, &self.bearer_token_file) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(f)) => Some(read(f)?),
            (None, None) => None,
        };
        let basic_auth = match (&self.username, password) {
            (Some(u), p) => Some((u.clone(), p.unwrap_or_default())),
            (None, Some(_)) => return Err(format!("{}: password without username", self.name)),
            (None, None) => None,
        };
        Ok(crate::alerts::SourceSpec {
            name: self.name.clone(),
            url: self.url.clone(),
            basic_auth,
            bearer_token,
            tls_ca: self.tls_ca.clone(),
            readonly: self.readonly,
        })
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IncusSection {
    pub remotes: Vec<String>,
    pub all_projects: bool,
    pub project: String,
    pub production: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RefreshSection {
    pub usage_secs: u64,
    /// How often the cheap instance list is compared with what is shown.
    pub reconcile_secs: u64,
    /// How often the `/state` (addresses) of running instances is read.
    pub addresses_secs: u64,
    pub reconnect_min_secs: u64,
    pub reconnect_max_secs: u64,
    /// How often a Proxmox VE remote's resources and cluster status are polled (it has no
    /// event stream).
    pub pve_poll_secs: u64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UiSection {
    pub start_pane: String,
    pub grid_min_width: u16,
    pub grid_min_height: u16,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    pub level: String,
}

/// A remote added (or overridden) in atlas-tui's own config.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExtraRemote {
    pub name: String,
    /// `incus` (the default) or `pve`.
    #[serde(default)]
    pub kind: RemoteKind,
    /// Incus: `https://host:8443` or `unix:///path`.
    #[serde(default)]
    pub addr: String,
    /// Proxmox VE: `https://host:8006`.
    pub url: Option<String>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// The pinned server certificate (PEM).
    pub server_cert: Option<PathBuf>,
    pub project: Option<String>,
    #[serde(default)]
    pub production: bool,
    /// Proxmox VE: the API token `user@realm!tokenid`, its secret in a file or a variable.
    pub token_id: Option<String>,
    pub token_secret_file: Option<PathBuf>,
    pub token_secret_env: Option<String>,
    /// Proxmox VE: a user (`root@pam`) and password (in a file or a variable) for tickets.
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    pub password_env: Option<String>,
    /// Proxmox VE: the server certificate's SHA-256 fingerprint (as its web UI shows it).
    pub fingerprint: Option<String>,
    /// Proxmox VE: a CA that signed the server certificate.
    pub ca_file: Option<PathBuf>,
    /// No job runs on this remote (it is still shown, live).
    #[serde(default)]
    pub readonly: bool,
    /// Where it is written (for the problems found when it is resolved).
    #[serde(skip)]
    pub place: Place,
}

/// Which provider a configured remote is for.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum RemoteKind {
    #[default]
    Incus,
    Pve,
}

impl AppConfig {
    /// Every configured alert source with its kind: Alertmanagers, then Prometheus servers.
    pub fn alert_sources(
        &self,
    ) -> impl Iterator<Item = (crate::alerts::model::SourceKind, &AlertSourceConfig)> {
        use crate::alerts::model::SourceKind;
        self.alertmanagers
            .iter()
            .map(|s| (SourceKind::Alertmanager, s))
            .chain(self.prometheus.iter().map(|s| (SourceKind::Prometheus, s)))
    }

    /// The shipped defaults (always valid: a test checks it).
    #[allow(
        clippy::expect_used,
        reason = "the shipped defaults are compiled in; tests check they parse"
    )]
    pub fn defaults() -> Self {
        let t = parse_table(Path::new("config/default.toml"), DEFAULT_CONFIG)
            .expect("shipped config/default.toml parses");
        from_table(t, Path::new("config/default.toml"), DEFAULT_CONFIG)
            .expect("shipped config/default.toml is valid")
    }

    /// Defaults merged with the user's file at `path`; problems are returned, defaults kept.
    pub fn load(path: &Path) -> (Self, Vec<Diagnostic>) {
        let text = match read_user_file(path) {
            Ok(Some(t)) => t,
            Ok(None) => return (Self::defaults(), vec![]),
            Err(d) => return (Self::defaults(), vec![d]),
        };
        Self::from_user_text(path, &text)
    }

    /// Defaults merged with user text: each problem is located and costs only its part (the
    /// key's default applies, or the `[[...]]` entry is left out); the rest applies.
    #[allow(
        clippy::expect_used,
        reason = "the shipped defaults are compiled in; tests check they parse"
    )]
    pub fn from_user_text(path: &Path, text: &str) -> (Self, Vec<Diagnostic>) {
        let base = parse_table(Path::new("config/default.toml"), DEFAULT_CONFIG)
            .expect("shipped config parses");
        let (source, user, mut diags) = tolerant::Source::parse(path, text);
        let (config, d) = tolerant::read::<AppConfig>(&base, &source, user);
        diags.extend(d);
        let mut config = config.unwrap_or_else(Self::defaults);
        diags.extend(config.repair(&source));
        for r in &mut config.remotes {
            r.place = source.place_of_entry("remotes", &r.name);
        }
        for c in &mut config.commands {
            c.place = source.place_of_entry("commands", &c.name);
        }
        // In the order of the file.
        diags.sort_by_key(|d| (d.line.unwrap_or(usize::MAX), d.column));
        (config, diags)
    }

    /// Alert sources: each named once, with an http(s) URL; the others are left out.
    fn repair_sources(&mut self, source: &tolerant::Source) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut names = std::collections::HashSet::new();
        for key in ["alertmanagers", "prometheus"] {
            let list = match key {
                "alertmanagers" => &mut self.alertmanagers,
                _ => &mut self.prometheus,
            };
            let mut seen: std::collections::HashMap<String, usize> = Default::default();
            list.retain(|s| {
                let nth = seen.entry(s.name.clone()).or_default();
                let place = source.place_of_nth_entry(key, &s.name, *nth);
                *nth += 1;
                let problem = if !names.insert(s.name.clone()) {
                    Some(format!("alert source {:?} is defined twice", s.name))
                } else if !(s.url.starts_with("http://") || s.url.starts_with("https://")) {
                    Some(format!(
                        "alert source {:?}: url {:?} must start with http:// or https://",
                        s.name, s.url
                    ))
                } else {
                    None
                };
                if let Some(p) = &problem {
                    out.push(place.say(format!("{p} — it is left out")));
                }
                problem.is_none()
            });
        }
        out
    }

    /// Intervals of at least a second, reconnect bounds in order; a bad one gets its default.
    fn repair_intervals(&mut self, source: &tolerant::Source, d: &AppConfig) -> Vec<Diagnostic> {
        use tolerant::Seg;
        let mut out = Vec::new();
        let mut bad = |section: &str, key: &str, message: String| {
            let path = [Seg::Key(section.into()), Seg::Key(key.into())];
            out.push(source.at(&path, format!("{message} (the default applies)")));
        };
        for (key, secs, default) in [
            (
                "addresses_secs",
                &mut self.refresh.addresses_secs,
                d.refresh.addresses_secs,
            ),
            (
                "pve_poll_secs",
                &mut self.refresh.pve_poll_secs,
                d.refresh.pve_poll_secs,
            ),
            (
                "reconcile_secs",
                &mut self.refresh.reconcile_secs,
                d.refresh.reconcile_secs,
            ),
            (
                "usage_secs",
                &mut self.refresh.usage_secs,
                d.refresh.usage_secs,
            ),
        ] {
            if *secs == 0 {
                bad("refresh", key, format!("refresh.{key} must be at least 1"));
                *secs = default;
            }
        }
        if self.alerts.refresh_secs == 0 {
            bad(
                "alerts",
                "refresh_secs",
                "alerts.refresh_secs must be at least 1".into(),
            );
            self.alerts.refresh_secs = d.alerts.refresh_secs;
        }
        if self.refresh.reconnect_min_secs == 0
            || self.refresh.reconnect_max_secs < self.refresh.reconnect_min_secs
        {
            bad(
                "refresh",
                "reconnect_max_secs",
                "refresh: need 1 <= reconnect_min_secs <= reconnect_max_secs".into(),
            );
            self.refresh.reconnect_min_secs = d.refresh.reconnect_min_secs;
            self.refresh.reconnect_max_secs = d.refresh.reconnect_max_secs;
        }
        out
    }

    /// The checks serde cannot make; a value that fails one is replaced by its default.
    fn repair(&mut self, source: &tolerant::Source) -> Vec<Diagnostic> {
        use tolerant::Seg;
        let d = Self::defaults();
        let mut out = self.repair_intervals(source, &d);
        let mut bad = |section: &str, key: &str, message: String| {
            let path = [Seg::Key(section.into()), Seg::Key(key.into())];
            out.push(source.at(&path, format!("{message} (the default applies)")));
        };
        if crate::pane::Pane::parse(&self.ui.start_pane).is_none() {
            let names: Vec<&str> = crate::pane::Pane::all().map(|p| p.name()).collect();
            bad(
                "ui",
                "start_pane",
                format!(
                    "ui.start_pane: unknown pane {:?} ({})",
                    self.ui.start_pane,
                    names.join(", ")
                ),
            );
            self.ui.start_pane = d.ui.start_pane.clone();
        }
        if let Err(e) = regex::Regex::new(&self.alerts.strip) {
            bad("alerts", "strip", format!("alerts.strip: bad regex: {e}"));
            self.alerts.strip = d.alerts.strip.clone();
        }
        let durations = &mut self.alerts.silence_durations;
        if let Some(e) = durations
            .iter()
            .find_map(|x| crate::alerts::types::parse_duration(x).err())
        {
            bad(
                "alerts",
                "silence_durations",
                format!("alerts.silence_durations: {e}"),
            );
            *durations = d.alerts.silence_durations.clone();
        }
        for (key, v, default) in [
            (
                "snapshot_expiry",
                &mut self.actions.snapshot_expiry,
                &d.actions.snapshot_expiry,
            ),
            (
                "safety_expiry",
                &mut self.actions.safety_expiry,
                &d.actions.safety_expiry,
            ),
        ] {
            if !v.trim().is_empty()
                && let Err(e) = crate::alerts::types::parse_duration(v)
            {
                bad("actions", key, format!("actions.{key}: {e}"));
                *v = default.clone();
            }
        }
        let a = &mut self.actions;
        if crate::jobs::snapshot_name(&a.snapshot_pattern, chrono::Utc::now()).starts_with("snap-")
            && !a.snapshot_pattern.starts_with("snap-")
        {
            bad(
                "actions",
                "snapshot_pattern",
                format!(
                    "actions.snapshot_pattern: {:?} is not a valid time pattern",
                    a.snapshot_pattern
                ),
            );
            a.snapshot_pattern = d.actions.snapshot_pattern.clone();
        }
        if a.shell.is_empty() {
            bad("actions", "shell", "actions.shell needs a command".into());
            a.shell = d.actions.shell.clone();
        }
        if !["error", "warn", "info", "debug", "trace"].contains(&self.log.level.as_str()) {
            bad(
                "log",
                "level",
                format!("log.level: unknown level {:?}", self.log.level),
            );
            self.log.level = d.log.level.clone();
        }
        self.commands.retain(|c| {
            let empty = c.command.argv().first().is_none_or(|w| w.trim().is_empty());
            if empty {
                out.push(source.place_of_entry("commands", &c.name).say(format!(
                    "commands: {:?} has an empty command — it is left out",
                    c.name
                )));
            }
            !empty
        });
        out.extend(self.repair_sources(source));
        out
    }
}

/// Everything loaded at start-up, with the files it came from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub paths: Paths,
    pub config: AppConfig,
    pub theme: Theme,
    pub keymap: Keymap,
    pub diagnostics: Vec<Diagnostic>,
}

impl Settings {
    /// The services directory.
    pub fn services_dir(&self) -> PathBuf {
        let d = self.config.services_dir.trim();
        if d.is_empty() {
            self.paths.config_dir.join("services")
        } else {
            expand_home(d)
        }
    }

    /// The runbooks directory.
    pub fn runbooks_dir(&self) -> PathBuf {
        let d = self.config.runbooks_dir.trim();
        if d.is_empty() {
            self.paths.config_dir.join("runbooks")
        } else {
            expand_home(d)
        }
    }

    /// Loads config, theme and keymap. `theme_override` comes from `--theme`.
    pub fn load(paths: Paths, config_file: Option<&Path>, theme_override: Option<&str>) -> Self {
        let cfg_path = config_file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| paths.config_file());
        let (config, mut diagnostics) = AppConfig::load(&cfg_path);
        let theme_name = theme_override.unwrap_or(&config.theme).to_string();
        let (theme, d) = Theme::load(&paths.themes_dir(), &theme_name);
        diagnostics.extend(d);
        let (keymap, d) = Keymap::load(&paths.keymap_file());
        diagnostics.extend(d);
        diagnostics.extend(command_key_problems(&config.commands, &keymap, &cfg_path));
        Self {
            paths,
            config,
            theme,
            keymap,
            diagnostics,
        }
    }

    /// The files read, for `atlas-tui info`: (what, path, exists).
    pub fn sources(&self, config_file: Option<&Path>) -> Vec<(String, PathBuf, bool)> {
        let mut out = Vec::new();
        let cfg = config_file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.paths.config_file());
        out.push(("config".to_string(), cfg.clone(), cfg.exists()));
        let km = self.paths.keymap_file();
        out.push(("keymap".to_string(), km.clone(), km.exists()));
        let themes = self.paths.themes_dir();
        out.push(("themes".to_string(), themes.clone(), themes.exists()));
        for t in &self.theme.chain {
            let p = themes.join(format!("{t}.toml"));
            if p.exists() {
                out.push((format!("theme {t}"), p, true));
            }
        }
        out.push((
            "log file".to_string(),
            self.paths.log_file(),
            self.paths.log_file().exists(),
        ));
        out
    }
}

/// Shipped files by name, for listing and for tests.
pub fn shipped_themes() -> BTreeMap<&'static str, &'static str> {
    theme::SHIPPED.iter().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_default_config_parses() {
        let c = AppConfig::defaults();
        assert_eq!(c.theme, "dark");
        assert!(c.incus.all_projects);
        assert_eq!(c.ui.start_pane, "instances");
    }

    #[test]
    fn user_file_is_merged_over_defaults() {
        let (c, d) = AppConfig::from_user_text(
            Path::new("/u/config.toml"),
            "theme = \"light\"\n[refresh]\nusage_secs = 3\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.theme, "light");
        assert_eq!(c.refresh.usage_secs, 3);
        assert_eq!(c.refresh.reconnect_max_secs, 8);
    }

    #[test]
    fn syntax_error_reports_file_line_and_column_and_keeps_the_rest() {
        let (c, d) = AppConfig::from_user_text(
            Path::new("/u/config.toml"),
            "theme = \"light\"\n[refresh\nusage_secs = 3\n",
        );
        assert_eq!(c.theme, "light", "the lines before it still apply");
        assert!(!d.is_empty());
        assert_eq!(d[0].line, Some(2), "{}", d[0]);
        assert!(
            d[0].to_string().starts_with("/u/config.toml:2:"),
            "{}",
            d[0]
        );
    }

    #[test]
    fn three_mistakes_cost_only_themselves() {
        let text = "theme = \"light\"\n\n[refresh]\nusage_secs = \"fast\"\nreconcile_secs = 9\n\n[[alertmanagers]]\nname = \"am\"\nurl = \"http://127.0.0.1:9093\"\n\n[[remotes]]\nname = \"pve1\"\nkind = \"pvee\"\n\n[[remotes]]\nname = \"lab\"\naddr = \"unix:///run/incus.sock\"\nreadonly = true\nstart_pane = \"alerts\"\n";
        let (c, d) = AppConfig::from_user_text(Path::new("/u/config.toml"), text);
        let shown: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:#?}");
        assert!(
            shown[0].starts_with("/u/config.toml:4:1: refresh.usage_secs"),
            "{}",
            shown[0]
        );
        assert!(
            shown[1].starts_with("/u/config.toml:13:1: "),
            "{}",
            shown[1]
        );
        assert!(shown[1].contains("\"pve1\" is left out"), "{}", shown[1]);
        assert!(shown[2].starts_with("/u/config.toml:19:1: `start_pane` is not a key of [[remotes]]; did you mean to put it in [ui]?"), "{}", shown[2]);
        assert_eq!(c.theme, "light");
        assert_eq!(c.refresh.usage_secs, 15);
        assert_eq!(c.refresh.reconcile_secs, 9);
        assert_eq!(c.alertmanagers.len(), 1);
        assert_eq!(c.remotes.len(), 1);
        assert!(c.remotes[0].readonly);
        assert_eq!(c.remotes[0].place.line, Some(15));
    }

    #[test]
    fn wrong_type_and_unknown_key_point_at_their_line() {
        let (_, d) = AppConfig::from_user_text(
            Path::new("/u/config.toml"),
            "# comment\n[refresh]\nusage_secs = \"fast\"\n",
        );
        assert_eq!(d[0].line, Some(3), "{}", d[0]);
        let (_, d) = AppConfig::from_user_text(
            Path::new("/u/config.toml"),
            "theme = \"dark\"\n\n[ui]\nstart_pane = \"instances\"\ncolour = 1\n",
        );
        assert_eq!(d[0].line, Some(5), "{}", d[0]);
        assert!(d[0].message.contains("colour"), "{}", d[0]);
    }

    #[test]
    fn invalid_values_are_rejected() {
        let (_, d) =
            AppConfig::from_user_text(Path::new("c.toml"), "[ui]\nstart_pane = \"graphs\"\n");
        assert_eq!(d[0].line, Some(2), "{}", d[0]);
        let (_, d) = AppConfig::from_user_text(Path::new("c.toml"), "[refresh]\nusage_secs = 0\n");
        assert!(d[0].message.contains("usage_secs"));
        let (_, d) = AppConfig::from_user_text(
            Path::new("c.toml"),
            "theme = \"dark\"\n[alerts]\nstrip = '(unclosed'\n",
        );
        assert_eq!(d[0].line, Some(3), "{}", d[0]);
        assert!(d[0].message.contains("alerts.strip"), "{}", d[0]);
        let (_, d) = AppConfig::from_user_text(
            Path::new("c.toml"),
            "[alerts]\nsilence_durations = [\"2x\"]\n",
        );
        assert!(d[0].message.contains("unknown unit"), "{}", d[0]);
    }

    #[test]
    fn alert_sources_are_read_and_checked() {
        let (c, d) = AppConfig::from_user_text(
            Path::new("c.toml"),
            "[[alertmanagers]]\nname = \"control\"\nurl = \"http://127.0.0.1:9093\"\nusername = \"u\"\npassword = \"p\"\nreadonly = true\n\n[[prometheus]]\nname = \"prom\"\nurl = \"http://127.0.0.1:9090\"\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let spec = c.alertmanagers[0].spec().unwrap();
        assert_eq!(spec.basic_auth, Some(("u".into(), "p".into())));
        assert!(spec.readonly);
        assert_eq!(c.prometheus[0].name, "prom");
        let (_, d) = AppConfig::from_user_text(
            Path::new("c.toml"),
            "[[alertmanagers]]\nname = \"a\"\nurl = \"127.0.0.1:9093\"\n",
        );
        assert_eq!(d[0].line, Some(1), "{}", d[0]);
        assert!(d[0].message.contains("http://"), "{}", d[0]);
        let (_, d) = AppConfig::from_user_text(
            Path::new("c.toml"),
            "[[alertmanagers]]\nname = \"a\"\nurl = \"http://x\"\n[[alertmanagers]]\nname = \"a\"\nurl = \"http://y\"\n",
        );
        assert!(d[0].message.contains("twice"), "{}", d[0]);
        assert_eq!(d[0].line, Some(4), "the second one: {}", d[0]);
    }
}
