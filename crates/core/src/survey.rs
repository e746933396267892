//! Everything the console shows about the service definitions, gathered in one go (off the
//! render loop): the files, their plans, rendered user-data and what the instances have now.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::provider::{Operator, ProviderError};
use crate::services::cloudinit::{self, Finding};
use crate::services::plan::{Plan, ServicePlan, plan_service_without_client};
use crate::services::template::{self, RenderError, Rendered};
use crate::services::{Loaded, load_dir};

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

/// The rendered cloud-init of a definition and its checks (`current` left empty); `None`
/// when the definition does not parse or has no `[cloud_init]`.
pub fn preview_of(l: &Loaded) -> Option<Preview> {
    let def = l.def.as_ref().ok()?;
    let ci = def.cloud_init.as_ref()?;
    let base = l.file.parent().unwrap_or(Path::new("."));
    let rendered = template::render(base, ci);
    let findings = match &rendered {
        Ok(r) => cloudinit::validate(
            &r.text,
            template::is_template(&r.template).then_some(r.source.as_str()),
        ),
        Err(_) => vec![],
    };
    Some(Preview {
        rendered,
        findings,
        current: None,
    })
}

/// Loads, renders and plans every definition in `dir`; `op_for` gives the provider of a
/// remote (or why there is none).
pub async fn survey(
    dir: &Path,
    mut op_for: impl FnMut(&str) -> Result<std::sync::Arc<dyn Operator>, ProviderError>,
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
        let Some(mut pv) = preview_of(l) else {
            continue;
        };
        let Ok(def) = &l.def else { continue };
        pv.current = match op_for(&def.remote) {
            Ok(op) => op.user_data(&def.project, &def.name).await,
            Err(_) => None,
        };
        previews.insert(l.file.clone(), pv);
    }
    let plan = plan_all(&loaded, op_for).await;
    Survey {
        dir: dir.to_path_buf(),
        error: None,
        loaded,
        plan,
        previews,
    }
}

/// Plans one loaded definition against its remote (`op` is the provider of `def.remote`):
/// the cloud-init is rendered and checked here, the steps are the provider's, and the changes
/// shown are masked (only the requests, never serialized, carry secrets).
pub async fn plan_service(op: &dyn Operator, loaded: &Loaded) -> ServicePlan {
    let mut sp = plan_service_without_client(loaded);
    let Ok(def) = &loaded.def else {
        return sp;
    };
    let base = loaded.file.parent().unwrap_or(Path::new("."));
    let rendered = match &def.cloud_init {
        None => None,
        Some(ci) => match template::render(base, ci) {
            Ok(r) => Some(r),
            Err(e) => {
                sp.errors.push(e.to_string());
                return sp;
            }
        },
    };
    if let Some(r) = &rendered {
        sp.secrets = r.secrets().to_vec();
        for f in crate::services::cloudinit::validate(
            &r.text,
            template::is_template(&r.template).then_some(r.source.as_str()),
        ) {
            let msg = format!("{}: {f}", r.template.display());
            match f.severity {
                crate::services::cloudinit::Severity::Error => sp.errors.push(msg),
                crate::services::cloudinit::Severity::Warning => sp.warnings.push(msg),
            }
        }
        if !sp.errors.is_empty() {
            return sp;
        }
    }
    match op.plan_steps(def, rendered.as_ref()).await {
        Ok(steps) => sp.steps = steps,
        Err(e) => sp.errors.push(e.to_string()),
    }
    let secrets = sp.secrets.clone();
    for c in sp.steps.iter_mut().flat_map(|s| s.changes.iter_mut()) {
        for v in [&mut c.old, &mut c.new].into_iter().flatten() {
            *v = template::mask(v, &secrets);
        }
    }
    sp
}

/// Plans every definition; `op_for` gives the provider of a remote (or why there is none).
pub async fn plan_all(
    loaded: &[Loaded],
    mut op_for: impl FnMut(&str) -> Result<std::sync::Arc<dyn Operator>, ProviderError>,
) -> Plan {
    let mut services = Vec::new();
    for l in loaded {
        let remote = l.def.as_ref().map(|d| d.remote.clone()).unwrap_or_default();
        if l.def.is_err() {
            services.push(plan_service_without_client(l));
            continue;
        }
        match op_for(&remote) {
            Ok(op) => services.push(plan_service(op.as_ref(), l).await),
            Err(e) => {
                let mut sp = plan_service_without_client(l);
                sp.errors.push(format!("remote {remote}: {e}"));
                services.push(sp);
            }
        }
    }
    Plan { services }
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
        // A new file is the user's alone (a definition can hold secrets); an existing one keeps
        // its permissions.
        let mut f = {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?
        };
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

/// What a save may overwrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Anything (the user said overwrite).
    Any,
    /// No file yet (a new definition).
    Absent,
    /// The file as it was read (by fingerprint).
    Hash(u64),
}

/// Why a save did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveFailure {
    /// The file changed on disk since it was opened (the user may overwrite it).
    pub changed_on_disk: bool,
    pub why: String,
}

/// Whether a saved text may replace what is on disk now (`None`: no file).
pub fn may_overwrite(expect: Expect, on_disk: Option<&str>) -> bool {
    match (expect, on_disk) {
        (Expect::Any, _) | (Expect::Absent, None) => true,
        (Expect::Absent, Some(_)) => false,
        (Expect::Hash(h), Some(t)) => fingerprint(t) == h,
        // Removed under the editor: writing it again loses nothing.
        (Expect::Hash(_), None) => true,
    }
}

/// Saves an edited definition unless the file changed on disk since it was read
/// (another editor, a `git pull`): then nothing is written and the caller may ask to overwrite.
pub fn save_checked(path: &Path, text: &str, expect: Expect) -> Result<(), SaveFailure> {
    let on_disk = match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(SaveFailure {
                changed_on_disk: false,
                why: format!("cannot read {}: {e}", path.display()),
            });
        }
    };
    if !may_overwrite(expect, on_disk.as_deref()) {
        return Err(SaveFailure {
            changed_on_disk: true,
            why: format!(
                "{} changed on disk since it was opened: y overwrites it, any other key keeps editing",
                path.display()
            ),
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| SaveFailure {
                changed_on_disk: false,
                why: format!("cannot create {}: {e}", dir.display()),
            })?;
    }
    save_atomic(path, text).map_err(|e| SaveFailure {
        changed_on_disk: false,
        why: format!("cannot save {}: {e} (nothing was changed)", path.display()),
    })
}

/// Reads a definition for editing: its text and whether the file exists (a new one starts
/// from [`crate::services::skeleton`]).
pub fn read_for_edit(path: &Path) -> Result<(String, bool), std::io::Error> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok((t, true)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok((crate::services::skeleton(&name), false))
        }
        Err(e) => Err(e),
    }
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
    fn a_file_changed_on_disk_is_not_overwritten() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("loki01.toml");
        std::fs::write(&f, "as read").unwrap();
        let read = Expect::Hash(fingerprint("as read"));
        std::fs::write(&f, "changed by another editor").unwrap();
        let e = save_checked(&f, "mine", read).unwrap_err();
        assert!(e.changed_on_disk, "{e:?}");
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "changed by another editor"
        );
        save_checked(&f, "mine", Expect::Any).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "mine");
        // A new definition does not replace a file of the same name.
        assert!(save_checked(&f, "new", Expect::Absent).is_err());
        let g = d.path().join("sub/new01.toml");
        save_checked(&g, "new", Expect::Absent).unwrap();
        assert_eq!(read_for_edit(&g).unwrap(), ("new".to_string(), true));
        let (text, exists) = read_for_edit(&d.path().join("web01.toml")).unwrap();
        assert!(!exists && text.contains("name = \"web01\""));
    }

    #[test]
    fn saves_atomically_with_a_backup() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("grafana01.toml");
        save_atomic(&f, "one").unwrap();
        assert!(!d.path().join("grafana01.toml.bak").exists());
        save_atomic(&f, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "two");
        assert_eq!(
            std::fs::read_to_string(d.path().join("grafana01.toml.bak")).unwrap(),
            "one"
        );
        let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temp file left");
        assert_ne!(fingerprint("a"), fingerprint("b"));
    }

    #[test]
    fn a_new_definition_and_its_directory_are_private_an_existing_one_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("services/new01.toml");
        save_checked(&f, "one", Expect::Absent).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&f), 0o600);
        assert_eq!(mode(&d.path().join("services")), 0o700);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        save_atomic(&f, "two").unwrap();
        assert_eq!(mode(&f), 0o640, "an existing file keeps its permissions");
    }
}
