//! Files the console writes for the user (exports, the palette's history): private by default
//! and written atomically — a temp file beside the target, `0600`, fsynced, renamed over it;
//! the directory made `0700` when it is created.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Creates a directory (and its parents) readable by its owner only, where it is missing.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Opens a file to append to, created `0600` (its directory `0700`) where it is missing.
pub fn append_private(file: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = file.parent() {
        private_dir(dir)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(file)
}

/// Whether others than the owner may read a file (its mode, when they may).
pub fn readable_by_others(file: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(file).ok()?.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then_some(mode)
}

/// Writes `text` to `path` atomically and readable by its owner only.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    private_dir(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.atlas-tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn appended_files_and_their_new_directories_are_private() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("state/deeper/journal.jsonl");
        std::io::Write::write_all(&mut append_private(&p).unwrap(), b"a\n").unwrap();
        std::io::Write::write_all(&mut append_private(&p).unwrap(), b"b\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a\nb\n");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), 0o600);
        assert_eq!(mode(p.parent().unwrap()), 0o700);
        assert_eq!(mode(&d.path().join("state")), 0o700);
        assert_eq!(readable_by_others(&p), None);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(readable_by_others(&p), Some(0o644));
    }

    #[test]
    fn written_whole_and_private_in_a_private_new_directory() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("new/out.csv");
        write_private(&p, "a,b\n").unwrap();
        write_private(&p, "c,d\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "c,d\n");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), 0o600);
        assert_eq!(mode(p.parent().unwrap()), 0o700);
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }
}
