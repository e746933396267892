//! Which remotes to show: the incus CLI's, restricted and extended by atlas-tui's config
//! (Incus remotes, and Proxmox VE remotes with `kind = "pve"`).

use std::path::Path;

use crate::backend::RemoteSpec;
use crate::config::{AppConfig, Diagnostic, ExtraRemote, RemoteKind};
use crate::incus::cliconfig::{self, CliConfig, Endpoint, endpoint_for};

/// A secret from a file (trailing newline dropped) or an environment variable.
fn secret(what: &str, file: Option<&Path>, env: Option<&str>) -> Result<Option<String>, String> {
    if let Some(f) = file {
        let f = crate::config::expand_home(&f.to_string_lossy());
        let s =
            std::fs::read_to_string(&f).map_err(|e| format!("{what} file {}: {e}", f.display()))?;
        let s = s.trim_end_matches(['\n', '\r']).to_string();
        if s.is_empty() {
            return Err(format!("{what} file {} is empty", f.display()));
        }
        return Ok(Some(s));
    }
    if let Some(v) = env {
        return match std::env::var(v) {
            Ok(s) if !s.is_empty() => Ok(Some(s)),
            _ => Err(format!("{what}: the variable {v} is not set")),
        };
    }
    Ok(None)
}

/// A Proxmox VE remote from its `[[remotes]]` entry: the URL, the login (an API token, or a
/// user and password) and the certificate to trust (a fingerprint, a pinned certificate or a
/// CA). Secrets are read here and kept out of every message.
pub fn pve_spec(extra: &ExtraRemote) -> Result<atlas_pve::PveSpec, String> {
    use atlas_pve::{Auth, PveSpec, Trust};
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let url = extra
        .url
        .clone()
        .or_else(|| (!extra.addr.is_empty()).then(|| extra.addr.clone()))
        .ok_or("no url (https://host:8006)")?;
    if !url.starts_with("https://") {
        return Err(format!("url {url:?} must be https://host:8006"));
    }
    let token = secret(
        "token_secret",
        extra.token_secret_file.as_deref(),
        extra.token_secret_env.as_deref(),
    )?;
    let password = secret(
        "password",
        extra.password_file.as_deref(),
        extra.password_env.as_deref(),
    )?;
    let auth = match (&extra.token_id, token, &extra.user, password) {
        (Some(id), Some(secret), _, _) => {
            if !id.contains('@') || !id.contains('!') {
                return Err(format!("token_id {id:?} must be user@realm!tokenid"));
            }
            Auth::Token {
                id: id.clone(),
                secret,
            }
        }
        (Some(_), None, _, _) => {
            return Err("token_id needs token_secret_file or token_secret_env".into());
        }
        (None, _, Some(user), Some(password)) => Auth::Password {
            user: user.clone(),
            password,
        },
        (None, _, Some(_), None) => return Err("user needs password_file or password_env".into()),
        (None, _, None, _) => {
            return Err("no login: token_id with token_secret_file (or _env), or user with password_file (or _env)".into());
        }
    };
    let trust = if let Some(fp) = &extra.fingerprint {
        Trust::Pinned(atlas_net::Pin::parse_sha256(fp)?)
    } else if let Some(f) = &extra.server_cert {
        let f = crate::config::expand_home(&f.to_string_lossy());
        let c = CertificateDer::from_pem_file(&f)
            .map_err(|e| format!("server_cert {}: {e}", f.display()))?;
        Trust::Pinned(atlas_net::Pin::Certificate(c))
    } else if let Some(f) = &extra.ca_file {
        let f = crate::config::expand_home(&f.to_string_lossy());
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&f)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("ca_file {}: {e}", f.display()))?;
        if certs.is_empty() {
            return Err(format!("ca_file {}: no certificate in it", f.display()));
        }
        Trust::Ca(certs)
    } else {
        return Err(
            "no certificate to trust: fingerprint (SHA-256, as PVE's web UI shows it), server_cert (its PEM file) or ca_file; verification is never turned off"
                .into(),
        );
    };
    Ok(PveSpec {
        name: extra.name.clone(),
        url,
        auth,
        trust,
        production: extra.production,
    })
}

/// Resolves the remotes to connect to. `only` (from `--remote`) overrides the config's list.
pub fn resolve(
    config: &AppConfig,
    cli: &CliConfig,
    only: &[String],
) -> (Vec<RemoteSpec>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut all: Vec<RemoteSpec> = cli.remotes.iter().cloned().map(RemoteSpec::incus).collect();
    for extra in &config.remotes {
        if extra.kind == RemoteKind::Pve {
            match pve_spec(extra) {
                Ok(s) => {
                    let mut spec = RemoteSpec::pve(s);
                    spec.readonly = extra.readonly;
                    match all.iter_mut().find(|r| r.name == extra.name) {
                        Some(r) => *r = spec,
                        None => all.push(spec),
                    }
                }
                Err(e) => diags.push(
                    extra
                        .place
                        .say(format!("remote {:?}: {e} — it is left out", extra.name)),
                ),
            }
            continue;
        }
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
                diags.push(
                    extra
                        .place
                        .say(format!("remote {:?}: {e} — it is left out", extra.name)),
                );
                continue;
            }
        };
        let mut spec = RemoteSpec::incus(cliconfig::RemoteSpec {
            name: extra.name.clone(),
            endpoint,
            project: extra.project.clone(),
            production: extra.production,
        });
        spec.readonly = extra.readonly;
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
                    column: None,
                    file: cli.dir.join("config.yml"),
                    line: None,
                    message: format!("remote {w:?}: {why}"),
                });
            }
        }
    }
    (out, diags)
}
