//! Which remotes to show: the incus CLI's, restricted and extended by atlas-tui's config.

use crate::config::{AppConfig, Diagnostic};
use crate::incus::cliconfig::{CliConfig, Endpoint, RemoteSpec, endpoint_for};

/// Resolves the remotes to connect to. `only` (from `--remote`) overrides the config's list.
pub fn resolve(
    config: &AppConfig,
    cli: &CliConfig,
    only: &[String],
) -> (Vec<RemoteSpec>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut all: Vec<RemoteSpec> = cli.remotes.clone();
    for extra in &config.remotes {
        let endpoint = match endpoint_for(&cli.dir, &extra.name, &extra.addr) {
            Ok(Endpoint::Https {
                url,
                client_cert,
                client_key,
                server_cert,
            }) => Endpoint::Https {
                url,
                client_cert: extra.client_cert.clone().unwrap_or(client_cert),
                client_key: extra.client_key.clone().unwrap_or(client_key),
                server_cert: extra.server_cert.clone().unwrap_or(server_cert),
            },
            Ok(e) => e,
            Err(e) => {
                diags.push(Diagnostic {
                    file: "config.toml".into(),
                    line: None,
                    message: format!("remote {:?}: {e}", extra.name),
                });
                continue;
            }
        };
        let spec = RemoteSpec {
            name: extra.name.clone(),
            endpoint,
            project: extra.project.clone(),
            production: extra.production,
        };
        match all.iter_mut().find(|r| r.name == extra.name) {
            Some(r) => *r = spec,
            None => all.push(spec),
        }
    }
    for r in &mut all {
        if config.incus.production.contains(&r.name) {
            r.production = true;
        }
    }
    let wanted: Vec<String> = if !only.is_empty() {
        only.to_vec()
    } else {
        config.incus.remotes.clone()
    };
    if wanted.is_empty() {
        return (all, diags);
    }
    let mut out = Vec::new();
    for w in wanted {
        match all.iter().find(|r| r.name == w) {
            Some(r) => out.push(r.clone()),
            None => {
                let why = cli
                    .skipped
                    .iter()
                    .find(|(n, _)| *n == w)
                    .map(|(_, why)| why.clone())
                    .unwrap_or_else(|| {
                        "not in the incus CLI configuration nor in [[remotes]]".into()
                    });
                diags.push(Diagnostic {
                    file: cli.dir.join("config.yml"),
                    line: None,
                    message: format!("remote {w:?}: {why}"),
                });
            }
        }
    }
    (out, diags)
}
