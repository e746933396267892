//! The `atlas-tui` binary.

use std::path::PathBuf;

use atlas_tui::backend::{RemoteSpec, Scope};
use atlas_tui::config::{Paths, Settings};
use atlas_tui::headless_actions::Request;
use atlas_tui::incus::{CliConfig, cliconfig};
use atlas_tui::run::{RunOptions, run};
use atlas_tui::{logging, remotes, tui};
use clap::{Parser, Subcommand};
use color_eyre::eyre::Result;

/// `0.1.0 (3f2a9c1d0b7e 2026-12-05)`: the version, the commit and the day it was built.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("ATLAS_BUILD_COMMIT"),
    " ",
    env!("ATLAS_BUILD_DATE"),
    ")"
);

/// What `--help` says after the options: where things are, and the commands by task.
const AFTER_HELP: &str = "\
Remotes: every remote of the incus CLI's configuration ($INCUS_CONF or ~/.config/incus),
and the [[remotes]] of config.toml — Incus over HTTPS or a unix socket, and Proxmox VE
(kind = \"pve\", an API token). Alert sources: [[alertmanagers]] and [[prometheus]].

Files: ~/.config/atlas-tui/config.toml, keymap.toml, themes/ (ATLAS_TUI_CONFIG_DIR moves
them); the journal, job history and log in ~/.local/state/atlas-tui (ATLAS_TUI_STATE_DIR);
backups in ~/.local/share/atlas-tui/backups (ATLAS_TUI_DATA_DIR). `atlas-tui info` prints
every path, whether each remote and source answers, and every configuration problem.

By task:
  look and act (the console)     atlas-tui [--remote NAME] [--project P] [--readonly]
  what fires, on what            atlas-tui alerts [--json]
  snapshot / back up / restore   atlas-tui snapshot|backup TARGET... [--match FILTER]
                                 atlas-tui restore TARGET SNAPSHOT
  cluster members                atlas-tui evacuate|restore-member MEMBER, move NAME --to M
  service definitions            atlas-tui render|plan|apply [SERVICE...]
  after an incident              atlas-tui journal --since 2h, timeline --since 2h --markdown
  shell completions, manual      atlas-tui completions bash|zsh|fish, atlas-tui man";

/// A terminal operations console for Incus and Proxmox VE, with their Prometheus and
/// Alertmanager monitoring.
#[derive(Parser, Debug)]
#[command(name = "atlas-tui", version = VERSION, about, after_help = AFTER_HELP)]
struct Cli {
    /// Disable every action that changes anything.
    #[arg(long, global = true)]
    readonly: bool,
    /// Config file instead of ~/.config/atlas-tui/config.toml.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Theme name (overrides the config).
    #[arg(long, global = true)]
    theme: Option<String>,
    /// Only this remote (repeatable).
    #[arg(long = "remote", global = true, value_name = "NAME")]
    remotes: Vec<String>,
    /// Only this project.
    #[arg(long, global = true, conflicts_with = "all_projects")]
    project: Option<String>,
    /// Every project at once.
    #[arg(long, global = true)]
    all_projects: bool,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Print every path atlas-tui reads, each remote and alert source with whether it answers
    /// now, and every config problem with its file:line:column (exit 1 when there is a problem
    /// or something does not answer).
    Info,
    /// Print the firing alerts joined to the Incus objects they are about (exit 1 when a source
    /// or remote could not be read).
    Alerts {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Also silenced, inhibited and pending alerts.
        #[arg(long)]
        all: bool,
    },
    /// Snapshot instances (`[remote:][project/]name`) or custom volumes (`--volume
    /// [remote:][pool/]name`): one or several, and/or every one `--match` keeps.
    Snapshot {
        /// The objects (several run through the per-remote queue, one line each and a
        /// summary).
        #[arg(required_unless_present = "matching")]
        targets: Vec<String>,
        /// Also every instance (volume) of every remote this filter keeps — the console's
        /// filter syntax (`/` in the console): words, !word, label=value, @remote.
        #[arg(long = "match", value_name = "FILTER")]
        matching: Option<String>,
        /// The target is a custom volume.
        #[arg(long)]
        volume: bool,
        /// Snapshot name (default: actions.snapshot_pattern).
        #[arg(long)]
        name: Option<String>,
        /// Expiry such as 7d or 12h (default: actions.snapshot_expiry).
        #[arg(long)]
        expiry: Option<String>,
        /// Include the running state (VMs with migration.stateful).
        #[arg(long)]
        stateful: bool,
        /// JSON lines (progress, log, result) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Back up instances or custom volumes to files (created on the server, downloaded with
    /// progress, size-checked, then deleted on the server): one or several, and/or every one
    /// `--match` keeps.
    Backup {
        /// The objects (several: one file each in --output, a directory).
        #[arg(required_unless_present = "matching")]
        targets: Vec<String>,
        /// Also every instance (volume) of every remote this filter keeps (the console's
        /// filter syntax).
        #[arg(long = "match", value_name = "FILTER")]
        matching: Option<String>,
        /// The target is a custom volume (`[remote:][[project/]pool/]name`).
        #[arg(long)]
        volume: bool,
        /// File or directory (default: actions.backup_dir).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Include the snapshots.
        #[arg(long)]
        with_snapshots: bool,
        /// The pool's own format (restorable on the same driver only).
        #[arg(long)]
        optimized: bool,
        /// gzip, zstd, xz, none, ... (default: actions.compression or the server's); Proxmox
        /// VE: zstd, lzo, gzip, 0.
        #[arg(long)]
        compression: Option<String>,
        /// Proxmox VE: the storage the vzdump archive goes to.
        #[arg(long)]
        storage: Option<String>,
        /// Proxmox VE: snapshot (live, the default), suspend or stop.
        #[arg(long)]
        mode: Option<String>,
        /// JSON (lines) instead of text, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Restore a snapshot, after a safety snapshot (instances using a volume are stopped and
    /// started around the restore).
    Restore {
        /// The instance, `[remote:][project/]name` (a volume with --volume).
        target: String,
        /// The snapshot to restore (a safety snapshot is taken first).
        snapshot: String,
        /// The target is a custom volume (`[remote:][[project/]pool/]name`).
        #[arg(long)]
        volume: bool,
        /// Skip the safety snapshot.
        #[arg(long)]
        no_safety: bool,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
        /// JSON (lines) instead of text, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Evacuate a cluster member, `[remote:]member`: its instances move to the other members or
    /// stop, as each one's cluster.evacuate says (or --mode).
    Evacuate {
        /// The cluster member, `[remote:]member`.
        member: String,
        /// auto (each instance's cluster.evacuate), migrate, live-migrate or stop.
        #[arg(long)]
        mode: Option<String>,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
        /// JSON (lines) instead of text, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Restore an evacuated cluster member, `[remote:]member`: its instances come back.
    RestoreMember {
        /// The cluster member, `[remote:]member`.
        member: String,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
        /// JSON (lines) instead of text, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Move an instance, `[remote:]name`, to another cluster member (a running one is stopped,
    /// moved and started again there).
    Move {
        /// The instance, `[remote:][project/]name` (a volume with --volume).
        target: String,
        /// The member it goes to.
        #[arg(long)]
        to: String,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
        /// JSON (lines) instead of text, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Print a service's rendered cloud-init user-data (secrets masked unless --reveal);
    /// findings go to stderr, exit 1 on an error.
    Render {
        /// The service definition, by name.
        service: String,
        /// Show the secrets in clear.
        #[arg(long)]
        reveal: bool,
    },
    /// Compare the service definitions with Incus and print what apply would change
    /// (exit 0 no changes, 3 changes, 1 errors).
    Plan {
        /// Only these services.
        services: Vec<String>,
        /// JSON (lines) instead of text, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Plan, confirm and apply the service definitions as jobs, then check a new plan is empty.
    Apply {
        /// Only these services.
        services: Vec<String>,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
        /// JSON lines (progress, log, result).
        #[arg(long)]
        json: bool,
    },
    /// Print the incident timeline: alerts firing and resolving (the journal's and Prometheus's
    /// ALERTS), silences, jobs, Incus lifecycle events and Proxmox VE tasks.
    Timeline {
        /// How far back, e.g. 2h, 1d.
        #[arg(long, default_value = "2h")]
        since: String,
        /// JSON lines.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// A Markdown table, for a postmortem.
        #[arg(long)]
        markdown: bool,
    },
    /// Print the incident journal (actions taken, results, incus command lines, alerts).
    Journal {
        /// How far back, e.g. 2h, 1d.
        #[arg(long, default_value = "24h")]
        since: String,
        /// JSON (lines) instead of text, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Print shell completions: `atlas-tui completions bash > ~/.local/share/bash-completion/completions/atlas-tui`
    /// (zsh: a file `_atlas-tui` in $fpath; fish: ~/.config/fish/completions/atlas-tui.fish).
    Completions {
        /// The shell: bash, zsh, fish (also elvish, powershell).
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `atlas-tui man | man -l -`.
    Man,
    /// Write the generated references (keys, configuration, commands) into a directory
    /// (docs/reference); with --check, exit 1 when the ones there differ.
    #[command(hide = true)]
    Docs {
        /// Where the references are written.
        dir: PathBuf,
        /// Compare only: write nothing, exit 1 when they differ.
        #[arg(long)]
        check: bool,
    },
}

/// `completions SHELL`: the shell's completion script, from the CLI definition.
fn completions(shell: clap_complete::Shell) -> i32 {
    use clap::CommandFactory;
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "atlas-tui",
        &mut std::io::stdout(),
    );
    0
}

/// `man`: the manual page, from the CLI definition (every command and option, the files and
/// the environment of `--help`).
fn man_page() -> i32 {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone()).date(env!("ATLAS_BUILD_DATE"));
    let mut out = Vec::new();
    let written = man
        .render_title(&mut out)
        .and_then(|()| man.render_name_section(&mut out))
        .and_then(|()| man.render_synopsis_section(&mut out))
        .and_then(|()| man.render_description_section(&mut out))
        .and_then(|()| man.render_options_section(&mut out))
        .and_then(|()| render_man_commands(&cmd, &mut out))
        .and_then(|()| {
            use std::io::Write;
            writeln!(out, ".SH \"FILES, REMOTES AND TASKS\"")?;
            write_preformatted(&mut out, AFTER_HELP)
        })
        .and_then(|()| man.render_version_section(&mut out));
    if let Err(e) = written {
        eprintln!("atlas-tui man: {e}");
        return 1;
    }
    use std::io::Write;
    i32::from(std::io::stdout().write_all(&out).is_err())
}

/// Each command's own options in the manual page, as `atlas-tui CMD --help` gives them.
fn render_man_commands(cmd: &clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::Write;
    writeln!(out, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut help = Vec::new();
        sub.clone()
            .bin_name(format!("atlas-tui {}", sub.get_name()))
            .write_long_help(&mut help)?;
        writeln!(out, ".SS \"atlas-tui {}\"", sub.get_name())?;
        write_preformatted(out, &String::from_utf8_lossy(&help))?;
    }
    Ok(())
}

/// Text as it is (no filling) in roff.
fn write_preformatted(out: &mut Vec<u8>, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    writeln!(out, ".nf")?;
    for line in text.lines() {
        // roff: a leading dot or quote starts a request; a backslash escapes.
        let line = line.replace('\\', "\\e");
        let line = if line.starts_with('.') || line.starts_with('\'') {
            format!("\\&{line}")
        } else {
            line
        };
        writeln!(out, "{line}")?;
    }
    writeln!(out, ".fi")
}

/// `commands.md`: the long help of atlas-tui and of each command, as clap prints it.
fn commands_reference() -> String {
    use clap::CommandFactory;
    let mut cmd = Cli::command().term_width(100);
    cmd.build();
    let mut out = String::from(
        "<!-- Generated by `atlas-tui docs docs/reference` from the command line's definition: \
         do not edit by hand. -->\n\n# Commands\n\n```text\n",
    );
    out.push_str(&cmd.render_long_help().to_string());
    out.push_str("```\n");
    for sub in cmd.get_subcommands_mut() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        out.push_str(&format!("\n## atlas-tui {}\n\n```text\n", sub.get_name()));
        out.push_str(&sub.render_long_help().to_string());
        out.push_str("```\n");
    }
    out
}

/// `atlas-tui docs DIR [--check]`: writes the references, or says which differ (exit 1).
fn docs(dir: &std::path::Path, check: bool) -> i32 {
    let mut refs = atlas_tui::docs::references();
    refs.push(("commands.md", commands_reference()));
    let mut stale = 0;
    for (name, text) in refs {
        let path = dir.join(name);
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                eprintln!(
                    "{} differs from what the code generates: run `atlas-tui docs {}`",
                    path.display(),
                    dir.display()
                );
                stale += 1;
            }
        } else if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| {
            // Checked-in files: written whole (a temp file renamed over), no backup beside them.
            let tmp = path.with_extension("md.tmp");
            std::fs::write(&tmp, &text).and_then(|()| std::fs::rename(&tmp, &path))
        }) {
            eprintln!("cannot write {}: {e}", path.display());
            return 1;
        }
    }
    i32::from(stale > 0)
}

/// A command whose output is cut short (`atlas-tui journal | head`) ends quietly, as Unix tools
/// do, instead of panicking in `println!`: SIGPIPE gets its default action back (Rust ignores it).
fn quiet_on_closed_pipe() {
    // SAFETY: setting a signal's disposition to SIG_DFL at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> Result<()> {
    // Before any thread allocates.
    atlas_tui::memory::few_arenas();
    tui::install_hooks()?;
    let mut cli = Cli::parse();
    if cli.command.is_some() {
        quiet_on_closed_pipe();
    }
    match &cli.command {
        Some(Cmd::Docs { dir, check }) => std::process::exit(docs(dir, *check)),
        Some(Cmd::Completions { shell }) => std::process::exit(completions(*shell)),
        Some(Cmd::Man) => std::process::exit(man_page()),
        _ => {}
    }
    let boot = Boot::load(&cli);
    match cli.command.take() {
        Some(Cmd::Info) => std::process::exit(atlas_tui::info::print_info(
            &boot.settings,
            cli.config.as_deref(),
            &boot.incus_cli,
            &boot.specs,
            &boot.diags,
        )),
        Some(Cmd::Journal { since, json }) => std::process::exit(
            atlas_tui::headless_actions::journal(&boot.settings, &since, json),
        ),
        command => {
            let _ = logging::init(
                &boot.settings.paths.log_file(),
                &boot.settings.config.log.level,
            );
            tracing::info!(
                version = env!("CARGO_PKG_VERSION"),
                remotes = boot.specs.len(),
                "starting"
            );
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            match command {
                Some(cmd) => std::process::exit(headless(&rt, cmd, &cli, &boot)),
                None => console(&rt, &cli, boot),
            }
        }
    }
}

/// What every command starts from: the settings, the incus CLI's configuration, the remotes
/// resolved from both, and the problems found on the way.
struct Boot {
    settings: Settings,
    incus_cli: CliConfig,
    specs: Vec<RemoteSpec>,
    diags: Vec<atlas_tui::config::Diagnostic>,
}

impl Boot {
    fn load(cli: &Cli) -> Boot {
        let settings = Settings::load(
            Paths::discover(),
            cli.config.as_deref(),
            cli.theme.as_deref(),
        );
        let mut diags = settings.diagnostics.clone();
        let incus_cli = match CliConfig::load() {
            Ok(c) => c,
            Err(e) => {
                diags.push(atlas_tui::config::Diagnostic {
                    column: None,
                    file: cliconfig::conf_dir().join("config.yml"),
                    line: None,
                    message: e,
                });
                CliConfig::load_from(std::path::Path::new("/nonexistent")).unwrap_or_default()
            }
        };
        let (specs, rdiags) = remotes::resolve(&settings.config, &incus_cli, &cli.remotes);
        diags.extend(rdiags);
        Boot {
            settings,
            incus_cli,
            specs,
            diags,
        }
    }

    /// The projects listed: `--all-projects`, `--project`, or the config's.
    fn scope(&self, cli: &Cli) -> Scope {
        let incus = &self.settings.config.incus;
        if cli.all_projects {
            Scope::All
        } else if let Some(p) = &cli.project {
            Scope::Project(p.clone())
        } else if incus.all_projects {
            Scope::All
        } else {
            Scope::Project(incus.project.clone())
        }
    }

    /// The project `P` returns to (and headless targets default to).
    fn home_project(&self, cli: &Cli) -> String {
        cli.project
            .clone()
            .unwrap_or_else(|| self.settings.config.incus.project.clone())
    }

    /// The remote a headless target without `remote:` names.
    fn default_remote(&self) -> String {
        self.incus_cli
            .default_remote
            .clone()
            .filter(|r| self.specs.iter().any(|s| &s.name == r))
            .or_else(|| self.specs.first().map(|s| s.name.clone()))
            .unwrap_or_else(|| "local".into())
    }

    /// Config problems, on stderr (headless commands go on with the defaults).
    fn warn(&self) {
        for d in &self.diags {
            eprintln!("atlas-tui: {d} (defaults used)");
        }
    }
}

/// Runs a headless command; gives its exit code.
fn headless(rt: &tokio::runtime::Runtime, cmd: Cmd, cli: &Cli, boot: &Boot) -> i32 {
    let (settings, specs) = (&boot.settings, &boot.specs);
    match cmd {
        Cmd::Snapshot { .. }
        | Cmd::Backup { .. }
        | Cmd::Restore { .. }
        | Cmd::Evacuate { .. }
        | Cmd::RestoreMember { .. }
        | Cmd::Move { .. } => {
            let many = many_targets(&cmd);
            match job_request(cmd) {
                Some((req, json, _)) if many.is_some() => {
                    boot.warn();
                    rt.block_on(atlas_tui::headless_batch::run_many(
                        settings,
                        specs,
                        &boot.default_remote(),
                        &boot.home_project(cli),
                        req,
                        many.unwrap_or_default(),
                        json,
                        cli.readonly,
                    ))
                }
                Some((req, json, yes)) => {
                    boot.warn();
                    rt.block_on(atlas_tui::headless_actions::run(
                        settings,
                        specs,
                        &boot.default_remote(),
                        &boot.home_project(cli),
                        req,
                        json,
                        cli.readonly,
                        yes,
                    ))
                }
                None => 2,
            }
        }
        Cmd::Render { service, reveal } => {
            atlas_tui::headless_services::render(settings, &service, reveal)
        }
        Cmd::Plan { services, json } => {
            boot.warn();
            rt.block_on(atlas_tui::headless_services::plan(
                settings, specs, &services, json,
            ))
        }
        Cmd::Apply {
            services,
            yes,
            json,
        } => {
            boot.warn();
            rt.block_on(atlas_tui::headless_services::apply(
                settings,
                specs,
                &services,
                yes,
                json,
                cli.readonly,
            ))
        }
        Cmd::Alerts { json, all } => {
            boot.warn();
            rt.block_on(atlas_tui::headless::alerts(
                settings,
                specs,
                &boot.scope(cli),
                json,
                all,
            ))
        }
        // Read before the runtime starts (`main`); answered the same way here.
        Cmd::Info => atlas_tui::info::print_info(
            settings,
            cli.config.as_deref(),
            &boot.incus_cli,
            specs,
            &boot.diags,
        ),
        Cmd::Journal { since, json } => {
            atlas_tui::headless_actions::journal(settings, &since, json)
        }
        Cmd::Docs { dir, check } => docs(&dir, check),
        Cmd::Completions { shell } => completions(shell),
        Cmd::Man => man_page(),
        Cmd::Timeline {
            since,
            json,
            markdown,
        } => {
            use atlas_tui::headless_timeline::{Format, timeline};
            let format = match (json, markdown) {
                (true, _) => Format::Json,
                (_, true) => Format::Markdown,
                _ => Format::Text,
            };
            rt.block_on(timeline(settings, &since, format))
        }
    }
}

/// Several objects of a snapshot or backup (more than one target, or `--match`); `None` for one
/// object and the other commands.
fn many_targets(cmd: &Cmd) -> Option<atlas_tui::headless_batch::Many> {
    let (Cmd::Snapshot {
        targets, matching, ..
    }
    | Cmd::Backup {
        targets, matching, ..
    }) = cmd
    else {
        return None;
    };
    (targets.len() != 1 || matching.is_some()).then(|| atlas_tui::headless_batch::Many {
        targets: targets.clone(),
        filter: matching.clone(),
    })
}

/// The job a job command asks for: (the request, JSON lines, --yes); `None` for the others.
fn job_request(cmd: Cmd) -> Option<(Request, bool, bool)> {
    Some(match cmd {
        Cmd::Snapshot {
            targets,
            matching: _,
            volume,
            name,
            expiry,
            stateful,
            json,
        } => (
            Request::Snapshot {
                target: targets.into_iter().next().unwrap_or_default(),
                volume,
                name,
                expiry,
                stateful,
            },
            json,
            false,
        ),
        Cmd::Backup {
            targets,
            matching: _,
            volume,
            output,
            with_snapshots,
            optimized,
            compression,
            storage,
            mode,
            json,
        } => (
            Request::Backup {
                target: targets.into_iter().next().unwrap_or_default(),
                volume,
                output,
                with_snapshots,
                optimized,
                compression,
                storage,
                mode,
            },
            json,
            false,
        ),
        Cmd::Restore {
            target,
            snapshot,
            volume,
            no_safety,
            yes,
            json,
        } => (
            Request::Restore {
                target,
                volume,
                snapshot,
                no_safety,
                yes,
            },
            json,
            yes,
        ),
        Cmd::Evacuate {
            member,
            mode,
            yes,
            json,
        } => (Request::Evacuate { member, mode }, json, yes),
        Cmd::RestoreMember { member, yes, json } => (Request::RestoreMember { member }, json, yes),
        Cmd::Move {
            target,
            to,
            yes,
            json,
        } => (Request::Move { target, to }, json, yes),
        Cmd::Info
        | Cmd::Alerts { .. }
        | Cmd::Render { .. }
        | Cmd::Plan { .. }
        | Cmd::Apply { .. }
        | Cmd::Timeline { .. }
        | Cmd::Journal { .. }
        | Cmd::Docs { .. }
        | Cmd::Completions { .. }
        | Cmd::Man => return None,
    })
}

/// Runs the console until it is quit.
fn console(rt: &tokio::runtime::Runtime, cli: &Cli, boot: Boot) -> Result<()> {
    let opts = RunOptions {
        readonly: cli.readonly,
        scope: boot.scope(cli),
        home_project: boot.home_project(cli),
    };
    let mut settings = boot.settings;
    settings.diagnostics = boot.diags;
    rt.block_on(run(settings, boot.specs, opts))
}

#[cfg(test)]
mod cli_tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_option_of_every_command_says_what_it_does() {
        let mut bare = Vec::new();
        let cmd = Cli::command();
        for sub in std::iter::once(&cmd).chain(cmd.get_subcommands()) {
            if sub.get_about().is_none() {
                bare.push(format!("{} (the command)", sub.get_name()));
            }
            for a in sub.get_arguments() {
                let builtin = matches!(a.get_id().as_str(), "help" | "version");
                if !builtin && a.get_help().is_none() {
                    bare.push(format!("{} {}", sub.get_name(), a.get_id()));
                }
            }
        }
        assert!(bare.is_empty(), "options without a help line: {bare:?}");
    }
}
