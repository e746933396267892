//! Runbooks: local Markdown files named after the alerts they are for (`runbooks_dir`; the
//! stacks keep them in `docs/runbooks/`), found for an alert and shown in its detail.

use std::path::{Path, PathBuf};

/// Bigger files are shown cut at this size.
const MAX_BYTES: usize = 256 * 1024;

/// A runbook found for an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Runbook {
    pub path: PathBuf,
    pub text: String,
    /// The file was bigger than what is shown.
    pub cut: bool,
}

/// What looking for an alert's runbook found: the file, none, or why the directory could not
/// be read.
pub type Found = Result<Option<Runbook>, String>;

/// A name as file names and alert names are compared: letters and digits only, lowercase
/// (`HostDown`, `host-down` and `host_down` are one name).
pub fn norm(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The runbook of alert `alertname` in `dir`: the file its `runbook` annotation names (a path
/// relative to `dir`, or a bare file name) when there is one, else the Markdown file named after
/// the alert (`.md` or `.markdown`, any case, `-` and `_` ignored), in `dir` or one level below.
pub fn find(dir: &Path, alertname: &str, annotation: Option<&str>) -> Found {
    if let Some(a) = annotation.map(str::trim).filter(|a| is_local(a)) {
        let p = dir.join(a.trim_start_matches("./"));
        if p.is_file() {
            return read(&p).map(Some);
        }
    }
    let want = norm(alertname);
    if want.is_empty() {
        return Ok(None);
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let mut subdirs = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            subdirs.push(p);
        } else {
            files.push(p);
        }
    }
    subdirs.sort();
    for d in subdirs {
        if let Ok(entries) = std::fs::read_dir(&d) {
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    // The shallowest, then the first by name: one answer however the directory lists.
    files.sort_by_key(|p| (p.components().count(), p.clone()));
    let hit = files.into_iter().find(|p| {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        matches!(ext.to_ascii_lowercase().as_str(), "md" | "markdown")
            && p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| norm(s) == want)
    });
    match hit {
        Some(p) => read(&p).map(Some),
        None => Ok(None),
    }
}

/// A `runbook` annotation that names a local file rather than a URL.
fn is_local(a: &str) -> bool {
    !a.is_empty() && !a.contains("://") && !a.starts_with('/') && !a.contains("..")
}

fn read(p: &Path) -> Result<Runbook, String> {
    let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let cut = bytes.len() > MAX_BYTES;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_BYTES)]).into_owned();
    Ok(Runbook {
        path: p.to_path_buf(),
        text,
        cut,
    })
}

/// The runbook as lines for the detail view: headings marked, list bullets as `•`, code
/// blocks indented, the fences and HTML comments left out.
pub fn lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut code = false;
    let mut comment = false;
    for l in text.lines() {
        let t = l.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            code = !code;
            continue;
        }
        if code {
            out.push(format!("    {l}"));
            continue;
        }
        if comment || t.starts_with("<!--") {
            comment = !t.contains("-->");
            continue;
        }
        let hashes = t.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
            let title = t[hashes..].trim();
            if !out.last().is_none_or(|p: &String| p.is_empty()) {
                out.push(String::new());
            }
            out.push(if hashes == 1 {
                format!("▌ {}", title.to_uppercase())
            } else {
                format!("▌ {title}")
            });
            continue;
        }
        let indent = &l[..l.len() - t.len()];
        if let Some(rest) = t
            .strip_prefix("- ")
            .or_else(|| t.strip_prefix("* "))
            .or_else(|| t.strip_prefix("+ "))
        {
            let rest = rest
                .strip_prefix("[ ] ")
                .map(|r| format!("☐ {r}"))
                .or_else(|| rest.strip_prefix("[x] ").map(|r| format!("☑ {r}")))
                .unwrap_or_else(|| rest.to_string());
            out.push(format!("{indent}• {rest}"));
            continue;
        }
        out.push(l.to_string());
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_whatever_the_case_and_separators() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("host-down.md"), "# Host down\n").unwrap();
        std::fs::create_dir(d.path().join("storage")).unwrap();
        std::fs::write(d.path().join("storage/Volume_Full.markdown"), "full").unwrap();
        std::fs::write(d.path().join("notes.txt"), "not a runbook").unwrap();
        let f = find(d.path(), "HostDown", None).unwrap().unwrap();
        assert_eq!(f.path, d.path().join("host-down.md"));
        assert_eq!(f.text, "# Host down\n");
        let f = find(d.path(), "volume-full", None).unwrap().unwrap();
        assert!(f.path.ends_with("storage/Volume_Full.markdown"));
        assert_eq!(find(d.path(), "Notes", None).unwrap(), None);
        assert_eq!(find(d.path(), "Other", None).unwrap(), None);
        // No directory: no runbook, no error.
        assert_eq!(
            find(&d.path().join("none"), "HostDown", None).unwrap(),
            None
        );
    }

    #[test]
    fn an_annotation_naming_a_file_wins_and_a_url_does_not_count() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("host-down.md"), "by name").unwrap();
        std::fs::write(d.path().join("nodes.md"), "by annotation").unwrap();
        let f = find(d.path(), "HostDown", Some("nodes.md"))
            .unwrap()
            .unwrap();
        assert_eq!(f.text, "by annotation");
        let f = find(d.path(), "HostDown", Some("https://wiki/x.md"))
            .unwrap()
            .unwrap();
        assert_eq!(f.text, "by name");
        // Outside the directory is not looked at.
        let f = find(d.path(), "HostDown", Some("../etc/passwd"))
            .unwrap()
            .unwrap();
        assert_eq!(f.text, "by name");
    }

    #[test]
    fn big_files_are_cut() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("big.md"), "x".repeat(MAX_BYTES + 10)).unwrap();
        let f = find(d.path(), "Big", None).unwrap().unwrap();
        assert!(f.cut);
        assert_eq!(f.text.len(), MAX_BYTES);
    }

    #[test]
    fn markdown_reads_as_plain_lines() {
        let md = "# Host down\nThe host stopped answering.\n\n## Check\n- [ ] ping it\n- look at `incus list`\n  * nested\n```sh\nincus info\n```\n<!-- hidden\nstill hidden -->\n1. first\n";
        assert_eq!(
            lines(md),
            [
                "▌ HOST DOWN",
                "The host stopped answering.",
                "",
                "▌ Check",
                "• ☐ ping it",
                "• look at `incus list`",
                "  • nested",
                "    incus info",
                "1. first",
            ]
        );
    }
}
