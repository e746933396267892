//! `atlas-tui info`: every path it reads, every remote and alert source with whether it answers
//! now, files others can read, and every configuration problem with its place.

use std::path::Path;

use crate::backend::{ProviderSpec, RemoteSpec};
use crate::config::Settings;
use crate::incus::{CliConfig, cliconfig};

/// `info`: the remotes, with their certificates and logins (never a secret), and those skipped.
fn print_remotes(specs: &[RemoteSpec], answers: &[Answer], incus_cli: &CliConfig) {
    let mark = |e: bool| if e { "" } else { " (not present)" };
    println!("\nRemotes:");
    if specs.is_empty() {
        println!("  (none: `incus remote add`, or [[remotes]] in the config)");
    }
    for (r, answer) in specs.iter().zip(answers) {
        let kind = match r.provider {
            ProviderSpec::Incus(_) => "incus",
            ProviderSpec::Pve(_) => "pve",
        };
        let mut flags = String::new();
        if r.production {
            flags.push_str(" [production]");
        }
        if r.readonly {
            flags.push_str(" [readonly]");
        }
        println!("  {:<14} {kind:<5} {}{flags}", r.name, r.describe());
        println!("  {:<14}   {}", "", said(answer));
        if let ProviderSpec::Incus(crate::incus::RemoteSpec {
            endpoint:
                cliconfig::Endpoint::Https {
                    client_cert,
                    client_key,
                    server_cert,
                    ..
                },
            ..
        }) = &r.provider
        {
            for (what, p) in [
                ("client cert", client_cert),
                ("client key", client_key),
                ("pinned cert", server_cert),
            ] {
                println!("  {:<14}   {what}: {}{}", "", p.display(), mark(p.exists()));
            }
        }
        if let ProviderSpec::Pve(p) = &r.provider {
            // The login named, never its secret.
            println!("  {:<14}   login: {:?}", "", p.auth);
        }
    }
    for (name, why) in &incus_cli.skipped {
        println!("  {name:<14} skipped: {why}");
    }
}

/// `info`: the alert sources, with what is wrong in them.
fn print_sources(settings: &Settings, answers: &[Answer]) {
    let mark = |e: bool| if e { "" } else { " (not present)" };
    println!("\nAlert sources:");
    let c = &settings.config;
    if c.alertmanagers.is_empty() && c.prometheus.is_empty() {
        println!("  (none: add [[alertmanagers]] or [[prometheus]] to the config)");
    }
    for ((kind, s), answer) in c.alert_sources().zip(answers) {
        let kind = match kind {
            crate::alerts::model::SourceKind::Alertmanager => "alertmanager",
            crate::alerts::model::SourceKind::Prometheus => "prometheus",
        };
        let mut extra = String::new();
        if s.readonly {
            extra.push_str(" [readonly]");
        }
        if !s.remotes.is_empty() {
            extra.push_str(&format!(" about {}", s.remotes.join(",")));
        }
        if let Err(e) = s.spec() {
            extra.push_str(&format!(" ERROR: {e}"));
        }
        println!("  {:<14} {kind} {}{extra}", s.name, s.url);
        println!("  {:<14}   {}", "", said(answer));
        if let Some(ca) = &s.tls_ca {
            println!(
                "  {:<14}   tls_ca: {}{}",
                "",
                ca.display(),
                mark(ca.exists())
            );
        }
    }
}

/// Config and secret files others may read, said as ssh does for keys.
fn print_exposed(settings: &Settings, config_file: Option<&Path>, incus_cli: &CliConfig) {
    let c = &settings.config;
    let secrets = c
        .remotes
        .iter()
        .flat_map(|r| [&r.client_key, &r.token_secret_file, &r.password_file])
        .chain(
            c.alertmanagers
                .iter()
                .chain(c.prometheus.iter())
                .flat_map(|a| [&a.password_file, &a.bearer_token_file]),
        )
        .flatten()
        .cloned();
    let files: Vec<std::path::PathBuf> = settings
        .sources(config_file)
        .into_iter()
        .map(|(_, p, _)| p)
        .chain(secrets)
        .chain(std::iter::once(incus_cli.dir.join("client.key")))
        .collect();
    for f in files {
        if let Some(mode) = crate::files::readable_by_others(&f) {
            println!(
                "\nwarning: {} is readable by others (mode {mode:o}): chmod 600 {}",
                f.display(),
                f.display()
            );
        }
    }
}

/// Prints what `atlas-tui info` says: every path read, the remotes and alert sources (with
/// whether each answers now, within a short deadline), exposed secrets and every configuration
/// problem. Its exit status: 0, or 1 when there is a problem or something does not answer.
pub fn print_info(
    settings: &Settings,
    config_file: Option<&Path>,
    incus_cli: &CliConfig,
    specs: &[RemoteSpec],
    diags: &[crate::config::Diagnostic],
) -> i32 {
    let mark = |e: bool| if e { "" } else { " (not present)" };
    println!(
        "atlas-tui {} ({} {})",
        env!("CARGO_PKG_VERSION"),
        env!("ATLAS_BUILD_COMMIT"),
        env!("ATLAS_BUILD_DATE")
    );
    println!("\nFiles read:");
    for (what, path, exists) in settings.sources(config_file) {
        println!("  {what:<12} {}{}", path.display(), mark(exists));
    }
    println!(
        "  {:<12} {}",
        "state dir",
        settings.paths.state_dir.display()
    );
    println!(
        "  {:<12} {}",
        "journal",
        crate::jobs::journal::journal_file(&settings.paths.state_dir).display()
    );
    println!(
        "  {:<12} {}",
        "job history",
        crate::jobs::journal::jobs_file(&settings.paths.state_dir).display()
    );
    let acts = crate::usecase::ActionSettings::from_config(
        &settings.config.actions,
        &settings.paths.data_dir,
    );
    println!("  {:<12} {}", "backups", acts.backup_dir.display());
    let services = settings.services_dir();
    match crate::services::load_dir(&services) {
        Ok(l) => {
            let bad = l.iter().filter(|d| d.def.is_err()).count();
            println!(
                "  {:<12} {} ({} definition(s){})",
                "services",
                services.display(),
                l.len(),
                if bad > 0 {
                    format!(", {bad} invalid: see `atlas-tui plan`")
                } else {
                    String::new()
                }
            );
        }
        Err(e) => println!("  {:<12} {} ({e})", "services", services.display()),
    }
    if !settings.config.commands.is_empty() {
        let names: Vec<&str> = settings
            .config
            .commands
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        println!("  {:<12} {}", "commands", names.join(", "));
    }
    println!("\nincus CLI configuration:");
    println!("  {:<12} {}", "dir", incus_cli.dir.display());
    let yml = incus_cli.dir.join("config.yml");
    println!(
        "  {:<12} {}{}",
        "config.yml",
        yml.display(),
        mark(yml.exists())
    );
    println!("  {:<12} {}", "socket", cliconfig::socket_path().display());
    println!(
        "\nShipped defaults (compiled in): config/default.toml, keymaps/default.toml, themes/{{dark,light}}.toml"
    );
    println!(
        "Theme: {} (chain: {})",
        settings.theme.name,
        settings.theme.chain.join(" -> ")
    );
    let (remotes, sources) = ask_everyone(settings, specs);
    print_remotes(specs, &remotes, incus_cli);
    print_sources(settings, &sources);
    print_exposed(settings, config_file, incus_cli);
    if diags.is_empty() {
        println!("\nNo configuration problems.");
    } else {
        println!(
            "\n{} configuration problem(s) (each costs only its part; the rest applies):",
            diags.len()
        );
        for d in diags {
            println!("  {d}");
        }
    }
    let silent = remotes
        .iter()
        .chain(&sources)
        .filter(|a| a.is_err())
        .count();
    if silent > 0 {
        println!("\n{silent} remote(s) or source(s) did not answer.");
    }
    i32::from(!diags.is_empty() || silent > 0)
}

/// What a remote or source answered (or why not).
type Answer = Result<String, String>;

/// How long `info` waits for each remote and source (all at once).
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(3);

fn said(answer: &Answer) -> String {
    match answer {
        Ok(what) => format!("answers: {what}"),
        Err(why) => format!("DOES NOT ANSWER: {why}"),
    }
}

/// Asks every remote and alert source at once, each within [`DEADLINE`].
fn ask_everyone(settings: &Settings, specs: &[RemoteSpec]) -> (Vec<Answer>, Vec<Answer>) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        let no = || Err("could not start the runtime to ask".to_string());
        let n = settings.config.alert_sources().count();
        return (
            specs.iter().map(|_| no()).collect(),
            (0..n).map(|_| no()).collect(),
        );
    };
    rt.block_on(async {
        let remotes = futures_util::future::join_all(
            specs.iter().map(|s| crate::backend::probe(s, DEADLINE)),
        );
        let sources = futures_util::future::join_all(settings.config.alert_sources().map(
            |(kind, s)| async move {
                match s.spec() {
                    Ok(spec) => crate::backend::probe_source(spec, kind, DEADLINE).await,
                    Err(e) => Err(e),
                }
            },
        ));
        futures_util::future::join(remotes, sources).await
    })
}
