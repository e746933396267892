//! A service definition: one TOML file per service in the services directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, from_table, parse_table};

/// What a definition asks for: the instance exists, or it is removed (only then is anything
/// deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ensure {
    #[default]
    Present,
    Removed,
}

/// `container` or `vm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Container,
    #[serde(alias = "virtual-machine")]
    Vm,
}

impl Kind {
    /// The Incus API name.
    pub fn api(self) -> &'static str {
        match self {
            Kind::Container => "container",
            Kind::Vm => "virtual-machine",
        }
    }
}

/// CPU and memory limits.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// `limits.cpu` (count or set, e.g. "2" or "0-1").
    pub cpu: Option<String>,
    /// `limits.memory` (e.g. "512MiB", "50%").
    pub memory: Option<String>,
    /// `limits.memory.enforce` (`hard` or `soft`).
    pub memory_enforce: Option<String>,
}

/// A volume's snapshot schedule.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotPolicy {
    pub schedule: Option<String>,
    pub expiry: Option<String>,
    pub pattern: Option<String>,
}

/// A custom storage volume the service owns, attached as a disk device.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeDef {
    pub name: String,
    pub pool: String,
    pub size: Option<String>,
    /// Mount path in the instance.
    pub path: String,
    /// The disk device's name (default: the volume's name).
    pub device: Option<String>,
    #[serde(default)]
    pub snapshots: SnapshotPolicy,
    /// Other volume config keys.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    #[serde(default)]
    pub ensure: Ensure,
}

impl VolumeDef {
    pub fn device_name(&self) -> &str {
        self.device.as_deref().unwrap_or(&self.name)
    }

    /// The volume config the definition manages.
    pub fn desired_config(&self) -> BTreeMap<String, String> {
        let mut c = self.config.clone();
        let s = &self.snapshots;
        for (k, v) in [
            ("size", &self.size),
            ("snapshots.schedule", &s.schedule),
            ("snapshots.expiry", &s.expiry),
            ("snapshots.pattern", &s.pattern),
        ] {
            if let Some(v) = v {
                c.insert(k.into(), v.clone());
            }
        }
        c
    }
}

/// A cloud-init variable: a literal value, or a secret read from the environment or a file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Var {
    Env { env: String },
    File { file: PathBuf },
    Value(toml::Value),
}

impl Var {
    pub fn is_secret(&self) -> bool {
        !matches!(self, Var::Value(_))
    }
}

/// The cloud-init user-data: a template (Terraform `templatefile` syntax or plain YAML) and its
/// variables.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CloudInit {
    /// Path of the template, relative to the services directory.
    pub template: PathBuf,
    #[serde(default)]
    pub vars: BTreeMap<String, Var>,
}

/// One service.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub name: String,
    #[serde(default = "local")]
    pub remote: String,
    #[serde(default = "default_project")]
    pub project: String,
    #[serde(default, rename = "type")]
    pub kind: Kind,
    /// Image alias or fingerprint on the remote (used when creating).
    pub image: String,
    #[serde(default = "default_profiles")]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub limits: Limits,
    /// Raw instance config keys.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Devices by name; each needs a `type` (disk, nic or proxy).
    #[serde(default)]
    pub devices: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub volumes: Vec<VolumeDef>,
    pub cloud_init: Option<CloudInit>,
    /// Start the instance after creating it.
    #[serde(default = "yes")]
    pub start: bool,
    #[serde(default)]
    pub ensure: Ensure,
}

fn local() -> String {
    "local".into()
}
fn default_project() -> String {
    "default".into()
}
fn default_profiles() -> Vec<String> {
    vec!["default".into()]
}
fn yes() -> bool {
    true
}

/// Device types a definition may declare.
pub const DEVICE_TYPES: &[&str] = &["disk", "nic", "proxy"];

impl Definition {
    /// Parses and checks a definition; errors point at the file and line.
    pub fn parse(file: &Path, text: &str) -> Result<Definition, Diagnostic> {
        let table = parse_table(file, text)?;
        let def: Definition = from_table(table, file, text)?;
        def.check(file, text)?;
        Ok(def)
    }

    fn check(&self, file: &Path, text: &str) -> Result<(), Diagnostic> {
        let at = |needle: &str, message: String| Diagnostic {
            column: None,
            file: file.to_path_buf(),
            line: text.lines().position(|l| l.contains(needle)).map(|i| i + 1),
            message,
        };
        if !valid_name(&self.name) {
            return Err(at(
                "name",
                format!(
                    "name {:?}: instance names are 1-63 letters, digits and dashes, not starting with a digit or dash",
                    self.name
                ),
            ));
        }
        if self.image.trim().is_empty() && self.ensure == Ensure::Present {
            return Err(at("image", "image must not be empty".into()));
        }
        for (dev, props) in &self.devices {
            match props.get("type").map(String::as_str) {
                Some(t) if DEVICE_TYPES.contains(&t) => {}
                Some(t) => {
                    return Err(at(
                        &format!("devices.{dev}"),
                        format!("device {dev}: type {t:?} is not one of disk, nic, proxy"),
                    ));
                }
                None => {
                    return Err(at(
                        &format!("devices.{dev}"),
                        format!("device {dev}: needs a type (disk, nic or proxy)"),
                    ));
                }
            }
            if props.get("type").map(String::as_str) == Some("proxy")
                && !(props.contains_key("listen") && props.contains_key("connect"))
            {
                return Err(at(
                    &format!("devices.{dev}"),
                    format!("device {dev}: a proxy needs listen and connect"),
                ));
            }
        }
        let mut names = std::collections::HashSet::new();
        for v in &self.volumes {
            if !names.insert(v.device_name().to_string())
                || self.devices.contains_key(v.device_name())
            {
                return Err(at(
                    &format!("\"{}\"", v.name),
                    format!(
                        "volume {}: device name {} is used twice",
                        v.name,
                        v.device_name()
                    ),
                ));
            }
            if !v.path.starts_with('/') {
                return Err(at(
                    &format!("\"{}\"", v.path),
                    format!("volume {}: path {:?} must be absolute", v.name, v.path),
                ));
            }
        }
        for (k, v) in &self.config {
            if k.starts_with("volatile.") {
                return Err(at(k, format!("config: {k} is set by Incus itself")));
            }
            if k == "cloud-init.user-data" && self.cloud_init.is_some() {
                return Err(at(
                    k,
                    "config: cloud-init.user-data comes from [cloud_init]; set one or the other"
                        .into(),
                ));
            }
            let _ = v;
        }
        Ok(())
    }

    /// The instance config keys the definition manages, without the cloud-init user-data.
    pub fn desired_config(&self) -> BTreeMap<String, String> {
        let mut c = self.config.clone();
        let l = &self.limits;
        for (k, v) in [
            ("limits.cpu", &l.cpu),
            ("limits.memory", &l.memory),
            ("limits.memory.enforce", &l.memory_enforce),
        ] {
            if let Some(v) = v {
                c.insert(k.into(), v.clone());
            }
        }
        c
    }

    /// The devices the definition manages: its own and a disk per present volume.
    pub fn desired_devices(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut d = self.devices.clone();
        for v in self.volumes.iter().filter(|v| v.ensure == Ensure::Present) {
            d.insert(
                v.device_name().to_string(),
                BTreeMap::from([
                    ("type".to_string(), "disk".to_string()),
                    ("pool".to_string(), v.pool.clone()),
                    ("source".to_string(), v.name.clone()),
                    ("path".to_string(), v.path.clone()),
                ]),
            );
        }
        d
    }
}

/// The text of a new definition named `name` (valid as it stands; image and sizes to adjust).
pub fn skeleton(name: &str) -> String {
    format!(
        r#"# {name}: a service of the stack (see examples/services/ for more).
name = "{name}"
remote = "local"
project = "default"
type = "container"
image = "debian-12-cloud"
profiles = ["default"]

[limits]
cpu = "1"
memory = "512MiB"

[[volumes]]
name = "{name}-data"
pool = "default"
size = "1GiB"
path = "/srv/data"
snapshots = {{ schedule = "0 3 * * *", expiry = "7d", pattern = "nightly-%d" }}
"#
    )
}

/// Whether `s` is a valid Incus instance name.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// A definition file as found on disk.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: PathBuf,
    pub text: String,
    pub def: Result<Definition, Diagnostic>,
}

impl Loaded {
    /// The service's name: the definition's, or the file stem when it does not parse.
    pub fn name(&self) -> String {
        match &self.def {
            Ok(d) => d.name.clone(),
            Err(_) => self
                .file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

/// Reads every `*.toml` in `dir` (sorted by file name); a missing dir is empty.
pub fn load_dir(dir: &Path) -> Result<Vec<Loaded>, Diagnostic> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => {
            return Err(Diagnostic {
                column: None,
                file: dir.to_path_buf(),
                line: None,
                message: e.to_string(),
            });
        }
    };
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    let mut out: Vec<Loaded> = files.into_iter().map(|f| load_file(&f)).collect();
    // Two files with one service name: both invalid.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for l in &out {
        if let Ok(d) = &l.def {
            *seen
                .entry(format!("{}:{}/{}", d.remote, d.project, d.name))
                .or_default() += 1;
        }
    }
    for l in &mut out {
        if let Ok(d) = &l.def
            && seen[&format!("{}:{}/{}", d.remote, d.project, d.name)] > 1
        {
            l.def = Err(Diagnostic {
                column: None,
                file: l.file.clone(),
                line: l
                    .text
                    .lines()
                    .position(|x| x.trim_start().starts_with("name"))
                    .map(|i| i + 1),
                message: format!("service {} is defined in more than one file", d.name),
            });
        }
    }
    Ok(out)
}

/// Reads one definition file.
pub fn load_file(file: &Path) -> Loaded {
    match std::fs::read_to_string(file) {
        Ok(text) => Loaded {
            def: Definition::parse(file, &text),
            file: file.to_path_buf(),
            text,
        },
        Err(e) => Loaded {
            file: file.to_path_buf(),
            text: String::new(),
            def: Err(Diagnostic {
                column: None,
                file: file.to_path_buf(),
                line: None,
                message: e.to_string(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_definition_is_valid() {
        let d = Definition::parse(Path::new("web01.toml"), &skeleton("web01")).unwrap();
        assert_eq!(d.name, "web01");
        assert_eq!(d.volumes[0].name, "web01-data");
    }

    const GRAFANA: &str = r#"
name = "grafana01"
image = "debian-12"
profiles = ["default"]

[limits]
cpu = "1"
memory = "512MiB"

[devices.http]
type = "proxy"
listen = "tcp:127.0.0.1:3000"
connect = "tcp:127.0.0.1:3000"

[[volumes]]
name = "grafana01-data"
pool = "default"
size = "1GiB"
path = "/var/lib/grafana"
snapshots = { schedule = "@daily", expiry = "7d" }

[cloud_init]
template = "templates/grafana.yaml.tftpl"
vars = { hostname = "grafana01", admin_password = { env = "GF_PASS" } }
"#;

    #[test]
    fn parses_a_definition() {
        let d = Definition::parse(Path::new("g.toml"), GRAFANA).unwrap();
        assert_eq!(d.remote, "local");
        assert_eq!(d.desired_config()["limits.memory"], "512MiB");
        let devs = d.desired_devices();
        assert_eq!(devs["grafana01-data"]["source"], "grafana01-data");
        assert_eq!(devs["http"]["type"], "proxy");
        let ci = d.cloud_init.unwrap();
        assert!(ci.vars["admin_password"].is_secret());
        assert!(!ci.vars["hostname"].is_secret());
        assert_eq!(
            d.volumes[0].desired_config()["snapshots.schedule"],
            "@daily"
        );
    }

    #[test]
    fn errors_point_at_the_line() {
        let bad = GRAFANA.replace("memory = \"512MiB\"", "memory = 512");
        let e = Definition::parse(Path::new("g.toml"), &bad).unwrap_err();
        assert_eq!(e.line, Some(8), "{e}");
        assert!(e.message.contains("limits.memory"), "{e}");
        let bad = GRAFANA.replace("type = \"proxy\"", "type = \"usb\"");
        let e = Definition::parse(Path::new("g.toml"), &bad).unwrap_err();
        assert!(e.message.contains("usb"), "{e}");
        assert_eq!(e.line, Some(10), "{e}");
        let e = Definition::parse(Path::new("g.toml"), "name = \"x\"\nimage = [").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        let e = Definition::parse(
            Path::new("g.toml"),
            "name = \"x\"\nimage = \"i\"\ncolour = 1",
        )
        .unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn names_are_checked() {
        assert!(valid_name("grafana01"));
        assert!(!valid_name("1grafana"));
        assert!(!valid_name("graf_ana"));
        assert!(!valid_name(""));
    }
}
