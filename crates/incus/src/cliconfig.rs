//! Reads the incus CLI's own configuration (remotes, client certificate, pinned server
//! certificates) so an operator configures nothing twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// How to reach one Incus server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Local unix socket.
    Unix(PathBuf),
    /// HTTPS with a client certificate; the server certificate is pinned.
    Https {
        url: String,
        client_cert: PathBuf,
        client_key: PathBuf,
        server_cert: PathBuf,
    },
}

impl Endpoint {
    /// A short description for status lines (`unix:/path` or the URL).
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Unix(p) => format!("unix:{}", p.display()),
            Endpoint::Https { url, .. } => url.clone(),
        }
    }
}

/// A remote atlas-tui connects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSpec {
    pub name: String,
    pub endpoint: Endpoint,
    /// The project the incus CLI uses for this remote (None = `default`).
    pub project: Option<String>,
    /// Tagged `production` in atlas-tui's config (drawn in the warning colour).
    pub production: bool,
}

#[derive(Debug, Deserialize, Default)]
struct CliConfigFile {
    #[serde(rename = "default-remote", default)]
    default_remote: Option<String>,
    #[serde(default)]
    remotes: BTreeMap<String, CliRemote>,
}

#[derive(Debug, Deserialize, Default, Clone)]
struct CliRemote {
    #[serde(default)]
    addr: String,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    auth_type: Option<String>,
    #[serde(default)]
    project: Option<String>,
}

/// The incus CLI configuration as found on disk.
#[derive(Debug, Clone, Default)]
pub struct CliConfig {
    /// The configuration directory (`$INCUS_CONF` or `~/.config/incus`).
    pub dir: PathBuf,
    /// The `config.yml` read, if any.
    pub file: Option<PathBuf>,
    pub default_remote: Option<String>,
    /// Remotes that speak the Incus protocol, in name order.
    pub remotes: Vec<RemoteSpec>,
    /// Remotes left out and why (image servers, OIDC).
    pub skipped: Vec<(String, String)>,
}

/// The incus CLI's configuration directory.
pub fn conf_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("INCUS_CONF").filter(|v| !v.is_empty()) {
        return PathBuf::from(d);
    }
    match directories::BaseDirs::new() {
        Some(b) => b.config_dir().join("incus"),
        None => PathBuf::from(".config/incus"),
    }
}

/// The local unix socket, found the way the incus CLI finds it.
pub fn socket_path() -> PathBuf {
    if let Some(s) = std::env::var_os("INCUS_SOCKET").filter(|v| !v.is_empty()) {
        return PathBuf::from(s);
    }
    if let Some(d) = std::env::var_os("INCUS_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(d).join("unix.socket");
    }
    let run = PathBuf::from("/run/incus/unix.socket");
    if run.exists() {
        return run;
    }
    PathBuf::from("/var/lib/incus/unix.socket")
}

impl CliConfig {
    /// Loads `config.yml` from the configuration directory (a missing file yields just `local`).
    pub fn load() -> Result<Self, String> {
        Self::load_from(&conf_dir())
    }

    /// Loads from an explicit directory.
    pub fn load_from(dir: &Path) -> Result<Self, String> {
        let path = dir.join("config.yml");
        let mut file_used = None;
        let parsed: CliConfigFile = match std::fs::read_to_string(&path) {
            Ok(text) => {
                file_used = Some(path.clone());
                serde_norway::from_str(&text).map_err(|e| {
                    let at = e
                        .location()
                        .map(|l| format!(":{}:{}", l.line(), l.column()))
                        .unwrap_or_default();
                    format!("{}{at}: {e}", path.display())
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => CliConfigFile::default(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let mut remotes = BTreeMap::new();
        remotes.insert(
            "local".to_string(),
            CliRemote {
                addr: "unix://".into(),
                ..Default::default()
            },
        );
        remotes.extend(parsed.remotes);
        let mut out = CliConfig {
            dir: dir.to_path_buf(),
            file: file_used,
            default_remote: parsed.default_remote,
            ..Default::default()
        };
        for (name, r) in remotes {
            let proto = r.protocol.as_deref().unwrap_or("incus");
            if proto != "incus" {
                out.skipped
                    .push((name, format!("protocol {proto} is an image server")));
                continue;
            }
            if r.auth_type.as_deref() == Some("oidc") {
                out.skipped
                    .push((name, "OIDC authentication is not supported".into()));
                continue;
            }
            match endpoint_for(dir, &name, &r.addr) {
                Ok(endpoint) => out.remotes.push(RemoteSpec {
                    name,
                    endpoint,
                    project: r.project.filter(|p| !p.is_empty()),
                    production: false,
                }),
                Err(why) => out.skipped.push((name, why)),
            }
        }
        Ok(out)
    }
}

/// Builds an endpoint from an incus CLI address, with the certificates from `dir`.
pub fn endpoint_for(dir: &Path, name: &str, addr: &str) -> Result<Endpoint, String> {
    if let Some(rest) = addr.strip_prefix("unix://") {
        let path = if rest.is_empty() {
            socket_path()
        } else {
            PathBuf::from(rest)
        };
        return Ok(Endpoint::Unix(path));
    }
    if addr.starts_with("https://") {
        let per_remote_crt = dir.join("clientcerts").join(format!("{name}.crt"));
        let per_remote_key = dir.join("clientcerts").join(format!("{name}.key"));
        let (client_cert, client_key) = if per_remote_crt.exists() && per_remote_key.exists() {
            (per_remote_crt, per_remote_key)
        } else {
            (dir.join("client.crt"), dir.join("client.key"))
        };
        return Ok(Endpoint::Https {
            url: addr.trim_end_matches('/').to_string(),
            client_cert,
            client_key,
            server_cert: dir.join("servercerts").join(format!("{name}.crt")),
        });
    }
    Err(format!("unsupported address {addr:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_remotes_and_skips_image_servers() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.yml"),
            "default-remote: prod\nremotes:\n  prod:\n    addr: https://10.0.0.5:8443\n    auth_type: tls\n    project: infra\n    protocol: incus\n  images:\n    addr: https://images.example\n    protocol: simplestreams\n  sso:\n    addr: https://sso.example:8443\n    auth_type: oidc\n",
        )
        .unwrap();
        let c = CliConfig::load_from(dir.path()).unwrap();
        let names: Vec<_> = c.remotes.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["local", "prod"]);
        assert_eq!(c.default_remote.as_deref(), Some("prod"));
        assert_eq!(c.remotes[1].project.as_deref(), Some("infra"));
        match &c.remotes[1].endpoint {
            Endpoint::Https {
                url, server_cert, ..
            } => {
                assert_eq!(url, "https://10.0.0.5:8443");
                assert!(server_cert.ends_with("servercerts/prod.crt"));
            }
            e => panic!("unexpected {e:?}"),
        }
        assert_eq!(c.skipped.len(), 2);
    }

    #[test]
    fn broken_yaml_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.yml"), "remotes:\n  a: [\n").unwrap();
        let err = CliConfig::load_from(dir.path()).unwrap_err();
        assert!(err.contains("config.yml:"), "{err}");
    }

    #[test]
    fn missing_file_gives_local_only() {
        let dir = tempfile::tempdir().unwrap();
        let c = CliConfig::load_from(dir.path()).unwrap();
        assert_eq!(c.remotes.len(), 1);
        assert!(matches!(c.remotes[0].endpoint, Endpoint::Unix(_)));
    }
}
