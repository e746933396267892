//! Everything the console shows about the service definitions, gathered in one go (off the
//! render loop): the files, their plans, rendered user-data and what the instances have now.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::cloudinit::{self, Finding};
use super::plan::{Plan, USER_DATA, plan_all};
use super::template::{self, RenderError, Rendered};
use super::{Loaded, load_dir};
use crate::incus::IncusClient;
use crate::incus::ops::instance_path;

/// The rendered cloud-init of one service and the user-data on its instance.
#[derive(Debug, Clone)]
pub struct Preview {
    pub rendered: Result<Rendered, RenderError>,
    pub findings: Vec<Finding>,
    /// `cloud-init.user-data` on the instance (`None`: no instance or no key).
    pub current: Option<String>,
}

/// The services directory as found.
#[derive(Debug, Clone, Default)]
pub struct Survey {
    pub dir: PathBuf,
    /// Why the directory could not be read.
    pub error: Option<String>,
    pub loaded: Vec<Loaded>,
    pub plan: Plan,
    /// By definition file.
    pub previews: BTreeMap<PathBuf, Preview>,
}

/// Loads, renders and plans every definition in `dir`.
pub async fn survey(
    dir: &Path,
    mut client_for: impl FnMut(&str) -> Result<IncusClient, String>,
) -> Survey {
    let loaded = match load_dir(dir) {
        Ok(l) => l,
        Err(d) => {
            return Survey {
                dir: dir.to_path_buf(),
                error: Some(d.to_string()),
                ..Default::default()
            };
        }
    };
    let mut previews = BTreeMap::new();
    for l in &loaded {
        let Ok(def) = &l.def else { continue };
        let Some(ci) = &def.cloud_init else { continue };
        let base = l.file.parent().unwrap_or(Path::new("."));
        let rendered = template::render(base, ci);
        let findings = match &rendered {
            Ok(r) => cloudinit::validate(
                &r.text,
                template::is_template(&r.template).then_some(r.source.as_str()),
            ),
            Err(_) => vec![],
        };
        let current = match client_for(&def.remote) {
            Ok(c) => c
                .get::<serde_json::Value>(&instance_path(&def.project, &def.name, ""))
                .await
                .ok()
                .and_then(|i| i["config"][USER_DATA].as_str().map(String::from)),
            Err(_) => None,
        };
        previews.insert(
            l.file.clone(),
            Preview {
                rendered,
                findings,
                current,
            },
        );
    }
    let plan = plan_all(&loaded, client_for).await;
    Survey {
        dir: dir.to_path_buf(),
        error: None,
        loaded,
        plan,
        previews,
    }
}

/// Writes `text` to `path` atomically: a temp file beside it, fsynced, renamed over it; the
/// previous version is kept as `<file>.bak`.
pub fn save_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.atlas-tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            // Keep the file's permissions.
            std::fs::set_permissions(&tmp, meta.permissions())?;
            std::fs::copy(path, dir.join(format!("{name}.bak")))?;
        }
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    let r = write();
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

/// A content fingerprint, to notice a file changed under an open editor.
pub fn fingerprint(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_atomically_with_a_backup() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("grafana01.toml");
        save_atomic(&f, "one").unwrap();
        assert!(!d.path().join("grafana01.toml.bak").exists());
        save_atomic(&f, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "two");
        assert_eq!(std::fs::read_to_string(d.path().join("grafana01.toml.bak")).unwrap(), "one");
        let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temp file left");
        assert_ne!(fingerprint("a"), fingerprint("b"));
    }
}
