//! Checks rendered cloud-init user-data: YAML that parses, the `#cloud-config` header, known
//! top-level modules (unknown keys are warnings).

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in the user-data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// 1-based line in the rendered text.
    pub line: Option<usize>,
    /// 1-based line in the template it most likely comes from.
    pub template_line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}")?;
        match (self.template_line, self.line) {
            (Some(t), Some(l)) => write!(f, " (template line {t}, rendered line {l})")?,
            (None, Some(l)) => write!(f, " (rendered line {l})")?,
            _ => {}
        }
        write!(f, ": {}", self.message)
    }
}

/// Top-level keys cloud-init's config modules read (cloud-init 23/24 schema).
pub const KNOWN_KEYS: &[&str] = &[
    "ansible",
    "apk_repos",
    "apt",
    "apt_pipelining",
    "apt_reboot_if_required",
    "apt_update",
    "apt_upgrade",
    "autoinstall",
    "bootcmd",
    "byobu_by_default",
    "ca-certs",
    "ca_certs",
    "chef",
    "chpasswd",
    "cloud_config_modules",
    "cloud_final_modules",
    "cloud_init_modules",
    "create_hostname_file",
    "datasource",
    "device_aliases",
    "disable_ec2_metadata",
    "disable_root",
    "disable_root_opts",
    "disk_setup",
    "drivers",
    "fan",
    "final_message",
    "fqdn",
    "fs_setup",
    "groups",
    "growpart",
    "hostname",
    "keyboard",
    "landscape",
    "locale",
    "locale_configfile",
    "lxd",
    "manage_etc_hosts",
    "manage_resolv_conf",
    "mcollective",
    "merge_how",
    "merge_type",
    "migrate",
    "mounts",
    "mount_default_fields",
    "no_ssh_fingerprints",
    "ntp",
    "output",
    "package_reboot_if_required",
    "package_update",
    "package_upgrade",
    "packages",
    "password",
    "phone_home",
    "power_state",
    "prefer_fqdn_over_hostname",
    "preserve_hostname",
    "puppet",
    "random_seed",
    "reporting",
    "resize_rootfs",
    "resolv_conf",
    "rh_subscription",
    "rsyslog",
    "runcmd",
    "salt_minion",
    "seed_random",
    "snap",
    "spacewalk",
    "ssh",
    "ssh_authorized_keys",
    "ssh_deletekeys",
    "ssh_fp_console_blacklist",
    "ssh_genkeytypes",
    "ssh_import_id",
    "ssh_key_console_blacklist",
    "ssh_keys",
    "ssh_publish_hostkeys",
    "ssh_pwauth",
    "ssh_quiet_keygen",
    "swap",
    "system_info",
    "timezone",
    "ubuntu_advantage",
    "ubuntu_pro",
    "updates",
    "user",
    "users",
    "vendor_data",
    "wireguard",
    "write_files",
    "yum_repos",
    "zypper",
];

/// Checks user-data; `template` (the template's text) lets findings point at its lines.
pub fn validate(text: &str, template: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    let first = text.lines().next().unwrap_or("");
    if first.starts_with("#!") {
        // A shell script is valid user-data too; nothing more to check.
        return out;
    }
    if first.trim_end() != "#cloud-config" {
        out.push(Finding {
            severity: Severity::Error,
            line: Some(1),
            template_line: Some(1),
            message: format!(
                "the first line must be `#cloud-config` (cloud-init ignores the file otherwise), found {first:?}"
            ),
        });
    }
    match serde_norway::from_str::<serde_norway::Value>(text) {
        Err(e) => {
            let line = e.location().map(|l| l.line());
            out.push(Finding {
                severity: Severity::Error,
                line,
                template_line: line.and_then(|l| template.and_then(|t| template_line(text, t, l))),
                message: format!("not valid YAML: {}", strip_location(&e.to_string())),
            });
        }
        Ok(serde_norway::Value::Null) => {}
        Ok(serde_norway::Value::Mapping(m)) => {
            for k in m.keys() {
                let key = match k {
                    serde_norway::Value::String(s) => s.clone(),
                    other => format!("{other:?}"),
                };
                if !KNOWN_KEYS.contains(&key.as_str()) {
                    let line = text
                        .lines()
                        .position(|l| l.starts_with(&format!("{key}:")))
                        .map(|i| i + 1);
                    out.push(Finding {
                        severity: Severity::Warning,
                        line,
                        template_line: line
                            .and_then(|l| template.and_then(|t| template_line(text, t, l))),
                        message: format!("unknown top-level key `{key}` (cloud-init ignores it)"),
                    });
                }
            }
        }
        Ok(_) => out.push(Finding {
            severity: Severity::Error,
            line: Some(2),
            template_line: None,
            message: "cloud-config must be a mapping of module names to settings".into(),
        }),
    }
    out
}

fn strip_location(s: &str) -> String {
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// The template line a rendered line most likely came from: the same text (ignoring leading
/// space) if the template has it once, else the nearest literal line above it that does.
pub fn template_line(rendered: &str, template: &str, line: usize) -> Option<usize> {
    let r: Vec<&str> = rendered.lines().collect();
    let t: Vec<&str> = template.lines().collect();
    for l in (0..line.min(r.len())).rev() {
        let want = r[l].trim();
        if want.is_empty() {
            continue;
        }
        let hits: Vec<usize> = t
            .iter()
            .enumerate()
            .filter(|(_, x)| x.trim() == want)
            .map(|(i, _)| i)
            .collect();
        if hits.len() == 1 {
            // Lines after the anchor map one to one as far as the template goes.
            return Some((hits[0] + (line - 1 - l)).min(t.len().saturating_sub(1)) + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_user_data_has_no_findings() {
        assert!(
            validate(
                "#cloud-config\npackages: [grafana]\nruncmd:\n  - echo hi\n",
                None
            )
            .is_empty()
        );
        assert!(validate("#!/bin/sh\necho hi\n", None).is_empty());
    }

    #[test]
    fn header_yaml_and_unknown_keys() {
        let f = validate("packages: [a]\n", None);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains("#cloud-config"));
        let f = validate("#cloud-config\npackages: [a\nruncmd: []\n", None);
        assert!(
            f.iter()
                .any(|f| f.severity == Severity::Error && f.line.is_some()),
            "{f:?}"
        );
        let f = validate("#cloud-config\npackagez: [a]\n", None);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].line, Some(2));
    }

    #[test]
    fn points_at_the_template_line() {
        let template =
            "#cloud-config\nhostname: ${h}\nwrite_files:\n  - path: /x\n    content: ${c}\n";
        let rendered =
            "#cloud-config\nhostname: g\nwrite_files:\n  - path: /x\n    content: a: b: c\n";
        assert_eq!(template_line(rendered, template, 5), Some(5));
        let f = validate(rendered, Some(template));
        assert_eq!(f[0].template_line, Some(5), "{f:?}");
    }
}
