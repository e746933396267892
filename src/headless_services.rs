//! Headless service commands: `atlas-tui render <service>`, `plan [--json]`, `apply [--yes]`,
//! with the same engine as the console. Exit codes: 0 fine, 1 failed, 2 refused or invalid.

use std::collections::BTreeMap;

use crate::backend::RemoteSpec;
use crate::config::Settings;
use crate::headless_actions::{EXIT_FAILED, EXIT_REFUSED, run_job};
use crate::jobs::JobSpec;
use crate::services::plan::Plan;
use crate::services::{Loaded, cloudinit, load_dir, template};
use crate::survey::plan_all;

fn client_for(
    specs: &[RemoteSpec],
) -> impl FnMut(
    &str,
) -> Result<std::sync::Arc<dyn crate::backend::Operator>, crate::backend::ProviderError>
+ '_ {
    move |remote: &str| crate::backend::operator_for(specs, remote)
}

/// The definitions, or the exit code after saying why there are none.
fn load(settings: &Settings, only: &[String]) -> Result<Vec<Loaded>, i32> {
    let dir = settings.services_dir();
    let all = match load_dir(&dir) {
        Ok(a) => a,
        Err(d) => {
            eprintln!("atlas-tui: {d}");
            return Err(EXIT_FAILED);
        }
    };
    if all.is_empty() {
        eprintln!(
            "atlas-tui: no service definitions in {} (set services_dir, or copy examples/services/)",
            dir.display()
        );
        return Err(EXIT_REFUSED);
    }
    if only.is_empty() {
        return Ok(all);
    }
    let mut out = Vec::new();
    for name in only {
        match all.iter().find(|l| &l.name() == name) {
            Some(l) => out.push(l.clone()),
            None => {
                eprintln!(
                    "atlas-tui: no service {name:?} in {} (have: {})",
                    dir.display(),
                    all.iter().map(|l| l.name()).collect::<Vec<_>>().join(", ")
                );
                return Err(EXIT_REFUSED);
            }
        }
    }
    Ok(out)
}

/// `atlas-tui render <service> [--reveal]`: the user-data on stdout, findings on stderr.
pub fn render(settings: &Settings, service: &str, reveal: bool) -> i32 {
    let loaded = match load(settings, &[service.to_string()]) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let l = &loaded[0];
    let def = match &l.def {
        Ok(d) => d,
        Err(d) => {
            eprintln!("atlas-tui: {d}");
            return EXIT_FAILED;
        }
    };
    let Some(ci) = &def.cloud_init else {
        eprintln!("atlas-tui: {service} has no [cloud_init]");
        return EXIT_REFUSED;
    };
    let base = l.file.parent().unwrap_or(std::path::Path::new("."));
    match template::render(base, ci) {
        Err(e) => {
            eprintln!("atlas-tui: {e}");
            EXIT_FAILED
        }
        Ok(r) => {
            print!("{}", if reveal { r.text.clone() } else { r.masked() });
            let findings = cloudinit::validate(
                &r.text,
                template::is_template(&r.template).then_some(r.source.as_str()),
            );
            for f in &findings {
                eprintln!(
                    "{}: {}",
                    r.template.display(),
                    r.masked_text(&f.to_string())
                );
            }
            if findings
                .iter()
                .any(|f| f.severity == cloudinit::Severity::Error)
            {
                EXIT_FAILED
            } else {
                0
            }
        }
    }
}

/// Plans the selected services.
async fn make_plan(
    settings: &Settings,
    specs: &[RemoteSpec],
    only: &[String],
) -> Result<Plan, i32> {
    let loaded = load(settings, only)?;
    Ok(plan_all(&loaded, client_for(specs)).await)
}

/// `atlas-tui plan [--json] [service...]`: exit 0 without changes, 1 on errors, 3 with
/// changes (`--detailed-exitcode` style, so scripts can tell).
pub async fn plan(settings: &Settings, specs: &[RemoteSpec], only: &[String], json: bool) -> i32 {
    let plan = match make_plan(settings, specs, only).await {
        Ok(p) => p,
        Err(code) => return code,
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&plan.to_json()).unwrap_or_default()
        );
    } else {
        print!("{}", plan.render_text());
    }
    if plan.has_errors() {
        EXIT_FAILED
    } else if plan.has_changes() {
        3
    } else {
        0
    }
}

/// `atlas-tui apply [--yes] [--json] [service...]`: plan, show, confirm, apply (one job per
/// remote), then plan again to check nothing is left.
pub async fn apply(
    settings: &Settings,
    specs: &[RemoteSpec],
    only: &[String],
    yes: bool,
    json: bool,
    readonly: bool,
) -> i32 {
    if readonly {
        eprintln!("atlas-tui: read-only mode (--readonly): no changes are made");
        return EXIT_REFUSED;
    }
    let plan = match make_plan(settings, specs, only).await {
        Ok(p) => p,
        Err(code) => return code,
    };
    if !json {
        print!("{}", plan.render_text());
    }
    if plan.has_errors() {
        eprintln!("atlas-tui: the plan has errors; nothing applied");
        return EXIT_FAILED;
    }
    if !plan.has_changes() {
        if !json {
            println!("Nothing to apply.");
        }
        return 0;
    }
    if !yes {
        let production: Vec<&str> = specs
            .iter()
            .filter(|s| {
                s.production
                    && plan
                        .services
                        .iter()
                        .any(|p| p.remote == s.name && !p.steps.is_empty())
            })
            .map(|s| s.name.as_str())
            .collect();
        let ok = if production.is_empty() {
            crate::headless_actions::ask("Apply these changes? [yes/no]", "yes")
        } else {
            crate::headless_actions::ask(
                &format!(
                    "Apply to PRODUCTION remote(s) {}: type apply to confirm:",
                    production.join(", ")
                ),
                "apply",
            )
        };
        if !ok {
            eprintln!(
                "atlas-tui: not confirmed (pass --yes to skip the question); nothing applied"
            );
            return EXIT_REFUSED;
        }
    }
    // One job per remote, in the order of the definitions.
    let mut by_remote: BTreeMap<String, Vec<crate::services::ServicePlan>> = BTreeMap::new();
    for p in plan.services.into_iter().filter(|p| !p.steps.is_empty()) {
        by_remote.entry(p.remote.clone()).or_default().push(p);
    }
    let mut client = client_for(specs);
    for (remote, plans) in by_remote {
        let spec = JobSpec::apply(&remote, plans);
        let code = run_job(settings, client(&remote), spec, vec![], json).await;
        if code != 0 {
            return code;
        }
    }
    // Check: a second plan is empty.
    match make_plan(settings, specs, only).await {
        Ok(p) if !p.has_changes() && !p.has_errors() => {
            if !json {
                println!("Re-plan: no changes. In sync.");
            }
            0
        }
        Ok(p) => {
            eprintln!(
                "atlas-tui: after apply the plan is not empty:\n{}",
                p.render_text()
            );
            EXIT_FAILED
        }
        Err(code) => code,
    }
}
