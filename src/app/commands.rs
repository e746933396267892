//! Custom actions: `[[commands]]` of the config run on the selected row or on every marked
//! one — as a job whose output streams like any other (or in the terminal, the console
//! stepping aside), with the row's fields as `{placeholders}` and `ATLAS_*` variables, values
//! asked for first, a confirmation where the entry says so, and refusal where it is
//! `dangerous` on a read-only remote or with `--readonly`.

use chrono::{DateTime, Utc};

use super::action_forms::Selected;
use super::cells::RowKey;
use super::effect::Effect;
use super::job_view::BatchPlan;
use super::layers::action_form::{ActionForm, FormKind, text};
use super::rows::view_rows;
use super::state::{AppState, Level};
use crate::config::{CommandConfig, CommandLine, CommandScope, expand_home};
use crate::jobs::{CommandSpec, JobSpec, Target};
use crate::pane::Pane;

/// A row's values for a command: `{name}` → `grafana01`.
pub type Fields = Vec<(String, String)>;

/// Why a command cannot run on a row.
type Skip = (String, String);

impl AppState {
    /// The configured command named so.
    fn command(&mut self, name: &str) -> Option<CommandConfig> {
        let found = self
            .services
            .commands
            .iter()
            .find(|c| c.name == name)
            .cloned();
        if found.is_none() {
            let have: Vec<&str> = self
                .services
                .commands
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            self.say(
                Level::Error,
                if have.is_empty() {
                    format!("no command {name:?}: add [[commands]] to config.toml")
                } else {
                    format!("no command {name:?} (have: {})", have.join(", "))
                },
            );
        }
        found
    }

    /// The command a key of the lists runs on this pane, if one is configured for it.
    pub fn command_for_key(&self, key: &crate::config::keymap::Key) -> Option<&CommandConfig> {
        self.services.commands.iter().find(|c| {
            c.key
                .as_deref()
                .and_then(|k| crate::config::keymap::Key::parse(k).ok())
                .is_some_and(|k| k == *key)
                && offered_on(c, self.pane)
        })
    }

    /// The commands offered on a pane with a key, for the hint bar: (key, label).
    pub fn command_hints(&self, pane: Pane) -> Vec<(String, String)> {
        self.services
            .commands
            .iter()
            .filter(|c| offered_on(c, pane) && !(self.readonly && c.dangerous))
            .filter_map(|c| {
                let key = c.key.clone()?;
                Some((key, c.label.clone().unwrap_or_else(|| c.name.clone())))
            })
            .collect()
    }

    /// `run <name>` (or its key): asks for its inputs first, where it has any.
    pub fn run_config_command(&mut self, name: &str, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(c) = self.command(name) else {
            return vec![];
        };
        if c.dangerous && self.refuse_write(&c.name) {
            return vec![];
        }
        if c.inputs.is_empty() {
            return self.launch_command(&c, &[], now);
        }
        let fields = c
            .inputs
            .iter()
            .map(|i| {
                text(
                    "",
                    i.default.clone(),
                    i.prompt
                        .clone()
                        .unwrap_or_else(|| format!("{{{}}}", i.name)),
                )
            })
            .zip(&c.inputs)
            .map(|(mut f, i)| {
                f.label = leak_label(&i.name);
                f
            })
            .collect();
        self.open(ActionForm {
            kind: FormKind::Command,
            title: format!("Run {}", c.name),
            target: Target::instance("", "", &c.name),
            fields,
            focus: 0,
            error: None,
            batch: None,
        });
        vec![]
    }

    /// The command form's values, then the run.
    pub(crate) fn submit_command_form(
        &mut self,
        form: &ActionForm,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let name = form.target.name.clone();
        let Some(c) = self.command(&name) else {
            return vec![];
        };
        let inputs: Fields = c
            .inputs
            .iter()
            .map(|i| (i.name.clone(), form.value(&i.name).to_string()))
            .collect();
        self.close();
        self.launch_command(&c, &inputs, now)
    }

    /// Runs a command: once, on the selected row, on every marked row, or once with them all.
    fn launch_command(
        &mut self,
        c: &CommandConfig,
        inputs: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let keys: Vec<RowKey> = if c.scope == CommandScope::Global {
            vec![]
        } else if self.on_marks() {
            let mut k: Vec<RowKey> = self.marks(self.pane).iter().cloned().collect();
            k.sort();
            k
        } else {
            let rows = view_rows(self, self.pane, now);
            match rows.get(self.selected_index(self.pane, &rows)) {
                Some(r) => vec![r.key.clone()],
                None => {
                    self.say(Level::Warning, format!("{}: nothing selected", c.name));
                    return vec![];
                }
            }
        };
        if c.scope == CommandScope::Global {
            return self.command_job(c, None, inputs, None, now);
        }
        let mut rows: Vec<(Target, Fields)> = Vec::new();
        let mut skipped: Vec<Skip> = Vec::new();
        for k in &keys {
            match self.command_row(c, k) {
                Ok(r) => rows.push(r),
                Err(skip) => skipped.push(skip),
            }
        }
        let marked = self.on_marks();
        if !marked {
            return match rows.pop() {
                Some((t, f)) => self.command_job(c, Some(t), inputs, Some(f), now),
                None => {
                    let why = skipped.first().map(|(_, w)| w.clone()).unwrap_or_default();
                    self.say(Level::Warning, format!("{}: {why}", c.name));
                    vec![]
                }
            };
        }
        if c.terminal {
            self.say(
                Level::Warning,
                format!(
                    "{} runs in the terminal: one row at a time (unmark with U)",
                    c.name
                ),
            );
            return vec![];
        }
        if !c.per_item {
            return self.command_on_list(c, rows, skipped, inputs, now);
        }
        let mut plan = BatchPlan {
            what: format!("run {}", c.name),
            jobs: vec![],
            skipped,
        };
        for (t, f) in rows {
            match self.command_spec(c, t, inputs, Some(&f)) {
                Ok(spec) => plan.jobs.push(spec),
                Err((who, why)) => plan.skipped.push((who, why)),
            }
        }
        self.ask_batch(plan, now)
    }

    /// One run with every row: `{names}` and `{keys}` hold them, space-separated, and
    /// `ATLAS_TARGETS` one per line.
    fn command_on_list(
        &mut self,
        c: &CommandConfig,
        rows: Vec<(Target, Fields)>,
        skipped: Vec<Skip>,
        inputs: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        if rows.is_empty() {
            self.say(
                Level::Warning,
                format!("{}: no marked row it applies to", c.name),
            );
            return vec![];
        }
        let get = |f: &Fields, k: &str| {
            f.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let names: Vec<String> = rows.iter().map(|(_, f)| get(f, "name")).collect();
        let keys: Vec<String> = rows.iter().map(|(_, f)| get(f, "key")).collect();
        let fields: Fields = vec![
            ("names".into(), names.join(" ")),
            ("keys".into(), keys.join(" ")),
            ("targets".into(), keys.join("\n")),
            ("count".into(), rows.len().to_string()),
        ];
        let target = Target::instance("", "", &format!("{} ({} rows)", c.name, rows.len()));
        if !skipped.is_empty() {
            let s: Vec<String> = skipped.iter().map(|(o, w)| format!("{o}: {w}")).collect();
            self.say(
                Level::Warning,
                format!("{}: skipped {}", c.name, s.join("; ")),
            );
        }
        self.command_job(c, Some(target), inputs, Some(fields), now)
    }

    /// One job of a command (or the terminal, for those that need it).
    fn command_job(
        &mut self,
        c: &CommandConfig,
        target: Option<Target>,
        inputs: &[(String, String)],
        fields: Option<Fields>,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        let target = target.unwrap_or_else(|| Target::instance("", "", &c.name));
        let spec = match self.command_spec(c, target, inputs, fields.as_ref()) {
            Ok(s) => s,
            Err((_, why)) => {
                self.say(Level::Error, format!("{}: {why}", c.name));
                return vec![];
            }
        };
        if c.terminal {
            let JobSpec::Command { command, .. } = spec else {
                return vec![];
            };
            return vec![Effect::Terminal(command)];
        }
        if c.confirm {
            let body = spec.command_line().into_iter().collect();
            return self.ask_job(spec, format!("Run {}?", c.name), body);
        }
        self.start_job(spec, now)
    }

    /// The job a command runs on a row: its words with the placeholders filled (in a shell
    /// line they become variables, never pasted into the line), its variables, its directory.
    fn command_spec(
        &self,
        c: &CommandConfig,
        target: Target,
        inputs: &[(String, String)],
        fields: Option<&Fields>,
    ) -> Result<JobSpec, Skip> {
        let values: Fields = fields
            .into_iter()
            .flatten()
            .chain(inputs)
            .cloned()
            .collect();
        let who = target.label();
        let argv = fill(&c.command, &values).map_err(|why| (who.clone(), why))?;
        let mut env: Vec<(String, String)> = vec![
            (
                "ATLAS_SERVICES_DIR".into(),
                self.services.dir.display().to_string(),
            ),
            // Keep colour though the output goes to a pipe.
            ("CLICOLOR_FORCE".into(), "1".into()),
            ("FORCE_COLOR".into(), "1".into()),
        ];
        env.extend(values.iter().map(|(k, v)| (var(k), v.clone())));
        let workdir = c.workdir.as_deref().map(|w| {
            let p = expand_home(w);
            if p.is_relative() {
                self.services.config_dir.join(p)
            } else {
                p
            }
        });
        Ok(JobSpec::Command {
            target,
            command: CommandSpec {
                name: c.name.clone(),
                argv,
                workdir,
                env,
            },
        })
    }

    /// What a row gives a command of this scope: its target and fields, or why it does not
    /// apply (another kind of row, another provider, a dangerous command on a read-only
    /// remote).
    fn command_row(&self, c: &CommandConfig, key: &RowKey) -> Result<(Target, Fields), Skip> {
        let who = key.to_string();
        let (target, fields) = match (c.scope, key) {
            (CommandScope::Alert, RowKey::Alert(fp)) => self.alert_fields(fp),
            (CommandScope::Service, RowKey::Service(file)) => self.service_fields(file),
            (CommandScope::Service, RowKey::Object(_)) => match self.object_of(key) {
                Selected::Instance(i) => self
                    .services
                    .file_of_instance(&i.remote, &i.inst.project, &i.inst.name)
                    .and_then(|f| self.service_fields(&f)),
                _ => None,
            },
            (_, RowKey::Object(_)) => self.object_fields(c.scope, key),
            _ => None,
        }
        .ok_or_else(|| (who.clone(), format!("not {}", scope_noun(c.scope))))?;
        if !target.remote.is_empty() {
            let r = self.remotes.iter().find(|r| r.name == target.remote);
            if !c.providers.is_empty() {
                let provider = r.map(|r| r.caps.provider).unwrap_or("");
                if !c.providers.iter().any(|p| provider_is(p, provider)) {
                    return Err((who, format!("{provider} is not among its providers")));
                }
            }
            if c.dangerous && r.is_some_and(|r| r.readonly) {
                return Err((who, format!("{} is read-only", target.remote)));
            }
        }
        Ok((target, fields))
    }

    /// An instance's, volume's or host's fields.
    fn object_fields(&self, scope: CommandScope, key: &RowKey) -> Option<(Target, Fields)> {
        let mut f: Fields = vec![("key".into(), key.to_string())];
        let target = match (scope, self.object_of(key)) {
            (CommandScope::Instance, Selected::Instance(i)) => {
                let loc = i.inst.location.clone();
                f.extend([
                    ("name".into(), i.inst.name.clone()),
                    ("instance".into(), i.inst.name.clone()),
                    ("project".into(), i.inst.project.clone()),
                    ("remote".into(), i.remote.clone()),
                    ("member".into(), loc.clone()),
                    ("node".into(), loc),
                ]);
                if let Some(ip) = i.state().and_then(|s| s.ipv4().first().cloned()) {
                    f.push(("ipv4".into(), ip));
                }
                if let Some(id) = i.inst.config.get("pve.vmid") {
                    f.push(("vmid".into(), id.to_string()));
                }
                Target::instance(&i.remote, &i.inst.project, &i.inst.name)
            }
            (CommandScope::Volume, Selected::Volume(v)) => {
                f.extend([
                    ("name".into(), v.vol.name.clone()),
                    ("volume".into(), v.vol.name.clone()),
                    ("project".into(), v.vol.project.clone()),
                    ("pool".into(), v.pool.clone()),
                    ("remote".into(), v.remote.clone()),
                ]);
                Target::volume(&v.remote, &v.vol.project, &v.pool, &v.vol.name)
            }
            (CommandScope::Host, Selected::Host(h)) => {
                f.extend([
                    ("name".into(), h.name.clone()),
                    ("host".into(), h.name.clone()),
                    ("member".into(), h.name.clone()),
                    ("node".into(), h.name.clone()),
                    ("remote".into(), h.remote.clone()),
                ]);
                Target::host(&h.remote, &h.name)
            }
            _ => return None,
        };
        f.retain(|(_, v)| !v.is_empty());
        Some((target, f))
    }

    /// An alert's fields: its name, severity, fingerprint and every label (`{label.job}`).
    fn alert_fields(&self, fp: &str) -> Option<(Target, Fields)> {
        let a = self.alerting.alerts.iter().find(|a| a.fingerprint == fp)?;
        let mut f: Fields = vec![
            ("name".into(), a.name().to_string()),
            ("alertname".into(), a.name().to_string()),
            ("fingerprint".into(), fp.to_string()),
            ("key".into(), fp.to_string()),
            ("severity".into(), a.severity().short().to_string()),
        ];
        f.extend(
            a.labels
                .iter()
                .map(|(k, v)| (format!("label.{k}"), v.clone())),
        );
        Some((Target::instance("", "", a.name()), f))
    }

    /// A service definition's fields.
    fn service_fields(&self, file: &std::path::Path) -> Option<(Target, Fields)> {
        let d = self.services.definition(file)?;
        let f: Fields = vec![
            ("name".into(), d.name.clone()),
            ("service".into(), d.name.clone()),
            ("service_file".into(), file.display().to_string()),
            ("remote".into(), d.remote.clone()),
            ("project".into(), d.project.clone()),
            ("instance".into(), d.name.clone()),
            ("key".into(), file.display().to_string()),
        ];
        Some((Target::instance(&d.remote, &d.project, &d.name), f))
    }
}

/// Whether a command is offered on a pane: its `panes`, else where its scope's rows are.
pub fn offered_on(c: &CommandConfig, pane: Pane) -> bool {
    if !c.panes.is_empty() {
        return c.panes.iter().any(|p| Pane::parse(p) == Some(pane));
    }
    match c.scope {
        CommandScope::Global => true,
        CommandScope::Instance => pane == Pane::Instances,
        CommandScope::Volume => pane == Pane::Volumes,
        CommandScope::Host => pane == Pane::Hosts,
        CommandScope::Service => matches!(pane, Pane::Services | Pane::Instances),
        CommandScope::Alert => pane == Pane::Alerts,
    }
}

fn scope_noun(s: CommandScope) -> &'static str {
    match s {
        CommandScope::Global => "needed",
        CommandScope::Instance => "an instance",
        CommandScope::Volume => "a volume",
        CommandScope::Host => "a host",
        CommandScope::Service => "a service (or an instance a definition describes)",
        CommandScope::Alert => "an alert",
    }
}

/// `incus`, `pve` against a provider's name.
fn provider_is(word: &str, provider: &str) -> bool {
    match word.to_ascii_lowercase().as_str() {
        "incus" => provider == "Incus",
        "pve" | "proxmox" | "proxmox ve" => provider == "Proxmox VE",
        other => other.eq_ignore_ascii_case(provider),
    }
}

/// The variable a field is passed in: `label.job` → `ATLAS_LABEL_JOB`.
fn var(field: &str) -> String {
    format!(
        "ATLAS_{}",
        field
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            })
            .collect::<String>()
    )
}

/// A form label lives as long as the program (the few command inputs a config names).
fn leak_label(name: &str) -> &'static str {
    Box::leak(name.to_string().into_boxed_str())
}

/// The command's words with the placeholders filled: in an argv each `{field}` is replaced
/// by its value; in a shell line by `"$ATLAS_FIELD"` (the value goes in the variable, never
/// into the line). A placeholder the row does not give is an error that says what it has.
pub fn fill(cmd: &CommandLine, values: &Fields) -> Result<Vec<String>, String> {
    let lookup = |name: &str| {
        values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let known = || {
        let mut ks: Vec<&str> = values.iter().map(|(k, _)| k.as_str()).collect();
        ks.sort_unstable();
        ks.dedup();
        ks.join(", ")
    };
    let replace = |word: &str, shell: bool| -> Result<String, String> {
        let mut out = String::new();
        let mut rest = word;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            // `${VAR}` is the shell's.
            let shell_var = rest[..open].ends_with('$');
            let close = after.find('}').filter(|_| !shell_var);
            let name = close.map(|c| &after[..c]).filter(|n| {
                !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            });
            match (name, close) {
                (Some(n), Some(c)) => {
                    let v = lookup(n).ok_or_else(|| {
                        format!("{{{n}}} is not known here (this row gives: {})", known())
                    })?;
                    if shell {
                        out.push_str(&format!("\"${{{}}}\"", var(n)));
                    } else {
                        out.push_str(v);
                    }
                    rest = &after[c + 1..];
                }
                // A brace that opens no placeholder (`${HOME}`, `{}`) is kept as it is.
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        Ok(out)
    };
    match cmd {
        CommandLine::Shell(line) => Ok(vec!["sh".into(), "-c".into(), replace(line, true)?]),
        CommandLine::Argv(words) => words.iter().map(|w| replace(w, false)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields {
        vec![
            ("name".into(), "grafana01".into()),
            ("ipv4".into(), "10.0.0.5".into()),
            ("label.job".into(), "node; rm -rf /".into()),
        ]
    }

    #[test]
    fn placeholders_fill_argv_and_become_variables_in_a_shell_line() {
        let argv = CommandLine::Argv(vec!["ping".into(), "-c3".into(), "{ipv4}".into()]);
        assert_eq!(fill(&argv, &fields()).unwrap(), ["ping", "-c3", "10.0.0.5"]);
        let sh = CommandLine::Shell("echo {label.job} ${HOME} {}".into());
        assert_eq!(
            fill(&sh, &fields()).unwrap()[2],
            "echo \"${ATLAS_LABEL_JOB}\" ${HOME} {}"
        );
        let bad = CommandLine::Argv(vec!["ssh".into(), "{vmid}".into()]);
        let e = fill(&bad, &fields()).unwrap_err();
        assert!(
            e.contains("{vmid} is not known here") && e.contains("ipv4, label.job, name"),
            "{e}"
        );
    }
}
