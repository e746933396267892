//! The services overlays: the inline definition editor, the rendered cloud-init preview (with
//! its checks and diff against the instance) and the plan with the apply's progress.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::editor::{Ask, EditorState};
use super::{PlanView, PreviewView};
use crate::action::Action as A;
use crate::app::layers::kit::yaml_line;
use crate::app::state::AppState;
use crate::config::Theme;
use crate::config::keymap::Mode;
use crate::jobs::progress_text;
use crate::services::cloudinit::Severity;
use crate::services::template::MASK;

fn frame<'a>(title: Vec<Span<'a>>, keys: String, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(theme.style("ui.border.focus"))
        .title(Line::from(title))
        .title_bottom(Line::from(Span::styled(keys, theme.style("ui.muted"))))
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

// ----- editor -------------------------------------------------------------------------------

pub(super) fn draw_editor(
    f: &mut Frame,
    area: Rect,
    state: &AppState,
    e: &EditorState,
    theme: &Theme,
) {
    f.render_widget(Clear, area);
    let mut title = vec![Span::styled(
        format!(" Edit {} ", file_name(&e.file)),
        theme.style("ui.title"),
    )];
    if e.new_file {
        title.push(Span::styled("[new] ", theme.style("status.busy")));
    }
    if e.modified() {
        title.push(Span::styled("[modified] ", theme.style("alert.warning")));
    }
    let ratatui_textarea::DataCursor(row, col) = e.textarea.cursor();
    title.push(Span::styled(
        format!("{}:{} ", row + 1, col + 1),
        theme.style("ui.muted"),
    ));
    let block = frame(
        title,
        crate::app::layers::kit::keys_hint(
            state,
            Mode::Editor,
            &[
                (&[A::Save], "save"),
                (&[A::Close], "close"),
                (&[A::Undo, A::Redo], "undo/redo"),
                (&[A::Search], "find"),
                (&[A::SearchNext], "next"),
                (&[A::GotoError], "error line"),
            ],
        ),
        theme,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [text_area, status] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
    f.render_widget(&e.textarea, text_area);
    // The line with the error stands out (the textarea knows where it scrolled to).
    if let Some(line) = e.error.as_ref().and_then(|d| d.line) {
        let (top, _) = e.textarea.scroll_offset();
        let idx = line.saturating_sub(1) as u16;
        if idx >= top && idx - top < text_area.height {
            let r = Rect {
                x: text_area.x,
                y: text_area.y + (idx - top),
                width: text_area.width,
                height: 1,
            };
            f.buffer_mut()
                .set_style(r, theme.style("editor.error_line"));
        }
    }
    let first = match &e.error {
        Some(d) => Line::from(Span::styled(
            format!(
                "✖ {}{}",
                d.line.map(|l| format!("line {l}: ")).unwrap_or_default(),
                d.message
            ),
            theme.style("ui.message.error"),
        )),
        None => Line::from(Span::styled(
            "✓ valid definition",
            theme.style("status.running"),
        )),
    };
    let second = if let Some(s) = &e.search_input {
        Line::from(vec![
            Span::styled("find: ", theme.style("ui.form.label")),
            Span::styled(format!("{s}▏"), theme.style("ui.input")),
            Span::styled("  enter finds · esc cancels", theme.style("ui.muted")),
        ])
    } else if let Some(n) = &e.note {
        Line::from(Span::styled(n.clone(), theme.style("ui.message.info")))
    } else {
        Line::from(Span::styled(
            e.file.display().to_string(),
            theme.style("ui.muted"),
        ))
    };
    f.render_widget(
        Paragraph::new(vec![first, second]).wrap(Wrap { trim: false }),
        status,
    );
    if let Some(ask) = e.ask {
        let prompt = match ask {
            Ask::Discard => "Discard the unsaved changes?",
            Ask::Overwrite => "The file changed on disk since it was opened. Overwrite it?",
        };
        let body = [e.file.display().to_string()];
        crate::app::layers::kit::dialog(
            f,
            area,
            state,
            theme,
            &crate::app::layers::kit::Dialog {
                prompt,
                body: &body,
                typed: None,
                production: false,
            },
        );
    }
}

// ----- preview ------------------------------------------------------------------------------

/// The preview's lines: checks first, then the rendered text or its diff.
fn preview_lines<'a>(state: &AppState, p: &PreviewView, theme: &Theme) -> Vec<Line<'a>> {
    let mut out: Vec<Line> = Vec::new();
    let say = |s: String, style: &str| Line::from(Span::styled(s, theme.style(style)));
    let v = &state.services;
    if v.survey.is_none() {
        out.push(say("reading the definitions…".into(), "ui.muted"));
        return out;
    }
    // What follows is the previous result while the definitions are read again.
    let stale = v.loading;
    if stale {
        out.push(say(
            "⟳ re-checking (what follows is the previous result)…".into(),
            "status.busy",
        ));
    }
    let say = |s: String, style: &str| {
        Line::from(Span::styled(
            s,
            theme.style(if stale { "ui.muted" } else { style }),
        ))
    };
    let def = v.definition(&p.file);
    let Some(def) = def else {
        let err = v
            .plan_of(&p.file)
            .and_then(|sp| sp.errors.first().cloned())
            .unwrap_or_else(|| "the definition is not in the services directory".into());
        out.push(say(format!("✖ {err}"), "ui.message.error"));
        return out;
    };
    let Some(ci) = &def.cloud_init else {
        out.push(say(
            format!(
                "{} has no [cloud_init] section: no user-data is sent",
                def.name
            ),
            "ui.muted",
        ));
        return out;
    };
    let Some(pv) = v.survey.as_ref().and_then(|s| s.previews.get(&p.file)) else {
        out.push(say("rendering…".into(), "ui.muted"));
        return out;
    };
    out.push(say(
        format!(
            "template {} → cloud-init.user-data of {}:{}/{}",
            ci.template.display(),
            def.remote,
            def.project,
            def.name
        ),
        "ui.muted",
    ));
    let r = match &pv.rendered {
        Ok(r) => r,
        Err(e) => {
            out.push(say(format!("✖ {e}"), "ui.message.error"));
            return out;
        }
    };
    out.extend(check_lines(&pv.findings, r, p.reveal, &say));
    let show = |s: &str| {
        if p.reveal {
            s.to_string()
        } else {
            r.masked_text(s)
        }
    };
    let rendered = show(&r.text);
    let current = pv.current.as_deref().map(show);
    match &current {
        None => out.push(say(
            "the instance has no cloud-init.user-data yet: all of it is new".into(),
            "diff.add",
        )),
        Some(c) if *c == rendered => out.push(say(
            "same as cloud-init.user-data on the instance".into(),
            "status.running",
        )),
        Some(_) => out.push(say(
            format!(
                "differs from cloud-init.user-data on the instance — {}",
                if p.diff {
                    "d shows the whole text"
                } else {
                    "d shows the diff"
                }
            ),
            "diff.change",
        )),
    }
    out.push(Line::from(""));
    out.extend(text_lines(
        current.as_deref(),
        &rendered,
        p.diff,
        &pv.findings,
        theme,
        stale,
    ));
    out
}

/// What the checks found (or that the text is valid), and whether secrets are masked.
fn check_lines<'a>(
    findings: &[crate::services::cloudinit::Finding],
    r: &crate::services::template::Rendered,
    reveal: bool,
    say: &dyn Fn(String, &str) -> Line<'a>,
) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if findings.is_empty() {
        out.push(say(
            format!("✓ valid #cloud-config ({} lines)", r.text.lines().count()),
            "status.running",
        ));
    }
    for fnd in findings {
        let style = match fnd.severity {
            Severity::Error => "ui.message.error",
            Severity::Warning => "ui.message.warning",
        };
        out.push(say(
            format!("{} {fnd}", if errors > 0 { "✖" } else { "⚠" }),
            style,
        ));
    }
    let secrets = r.secrets();
    if !secrets.is_empty() {
        out.push(say(
            if reveal {
                format!("{} secret(s) SHOWN — s masks them", secrets.len())
            } else {
                format!("{} secret(s) masked as {MASK} — s reveals", secrets.len())
            },
            if reveal {
                "ui.message.warning"
            } else {
                "ui.muted"
            },
        ));
    }
    out
}

/// The rendered text with line numbers and YAML highlighting (a finding's line marked), or
/// its diff against the instance's.
fn text_lines<'a>(
    current: Option<&str>,
    rendered: &str,
    diff: bool,
    findings: &[crate::services::cloudinit::Finding],
    theme: &Theme,
    stale: bool,
) -> Vec<Line<'a>> {
    let say = |s: String, style: &str| {
        Line::from(Span::styled(
            s,
            theme.style(if stale { "ui.muted" } else { style }),
        ))
    };
    let mut out = Vec::new();
    match (current, diff) {
        (Some(c), true) if c != rendered => {
            let diff = similar::TextDiff::from_lines(c, rendered);
            let text = diff
                .unified_diff()
                .context_radius(3)
                .header("on the instance", "rendered")
                .to_string();
            for l in text.lines() {
                let style = if l.starts_with("+++") || l.starts_with("---") {
                    "ui.muted"
                } else if l.starts_with('+') {
                    "diff.add"
                } else if l.starts_with('-') {
                    "diff.remove"
                } else if l.starts_with("@@") {
                    "diff.hunk"
                } else {
                    "ui.text"
                };
                out.push(say(l.to_string(), style));
            }
        }
        _ => {
            let width = rendered.lines().count().to_string().len();
            for (i, l) in rendered.lines().enumerate() {
                let mut line = yaml_line(l, theme);
                let style = if findings.iter().any(|f| f.line == Some(i + 1)) {
                    theme.style("editor.error_line")
                } else {
                    theme.style("editor.line_number")
                };
                line.spans
                    .insert(0, Span::styled(format!("{:>width$} ", i + 1), style));
                out.push(owned(line));
            }
        }
    }
    out
}

fn owned(l: Line<'_>) -> Line<'static> {
    Line::from(
        l.spans
            .into_iter()
            .map(|s| Span::styled(s.content.into_owned(), s.style))
            .collect::<Vec<_>>(),
    )
}

pub(super) fn draw_preview(
    f: &mut Frame,
    area: Rect,
    state: &AppState,
    p: &PreviewView,
    theme: &Theme,
) {
    f.render_widget(Clear, area);
    let mut title = vec![Span::styled(
        format!(" cloud-init of {} ", file_name(&p.file)),
        theme.style("ui.title"),
    )];
    if p.diff {
        title.push(Span::styled("[diff] ", theme.style("ui.tab.active")));
    }
    if p.reveal {
        title.push(Span::styled(
            "[secrets shown] ",
            theme.style("ui.message.warning"),
        ));
    }
    if state.services.loading {
        title.push(Span::styled("refreshing… ", theme.style("ui.muted")));
    }
    let block = frame(
        title,
        crate::app::layers::kit::keys_hint(
            state,
            Mode::Overlay,
            &[
                (&[A::Close], "close"),
                (&[A::ToggleDiff], "diff/text"),
                (&[A::ToggleSecrets], "secrets"),
                (&[A::EditDefinition], "edit"),
                (&[A::Plan], "plan"),
                (&[A::Down, A::Up], "scroll"),
                (&[A::Refresh], "refresh"),
            ],
        ),
        theme,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines = preview_lines(state, p, theme);
    let max = (lines.len() as u16).saturating_sub(inner.height);
    f.render_widget(Paragraph::new(lines).scroll((p.scroll.min(max), 0)), inner);
}

// ----- plan ---------------------------------------------------------------------------------

/// The plan overlay's lines: the plan like `tofu plan`, the question, the apply's progress.
fn plan_lines<'a>(state: &AppState, p: &PlanView, theme: &Theme) -> Vec<Line<'a>> {
    let say = |s: String, style: &str| Line::from(Span::styled(s, theme.style(style)));
    let mut out = Vec::new();
    let v = &state.services;
    if p.waiting || v.survey.is_none() {
        out.push(say(
            "planning: reading the definitions and comparing them with Incus…".into(),
            "status.busy",
        ));
        if v.survey.is_none() {
            return out;
        }
    } else if v.loading {
        out.push(say(
            "⟳ re-planning (what follows is the previous plan)…".into(),
            "status.busy",
        ));
    }
    // The previous plan, dimmed, while it is recomputed; no verdict on it.
    let stale = p.waiting || v.loading;
    let prev = |s: String, style: &str| {
        Line::from(Span::styled(
            s,
            theme.style(if stale { "ui.muted" } else { style }),
        ))
    };
    let plans = v.plans_for(&p.files);
    if plans.is_empty() {
        out.push(say(
            format!(
                "no service definitions in {} (copy examples/services/ there, or :new <name>)",
                v.dir.display()
            ),
            "ui.muted",
        ));
        return out;
    }
    for sp in &plans {
        for l in sp.render_text().lines() {
            let t = l.trim_start();
            let style = if t.starts_with('!') {
                "ui.message.error"
            } else if t.starts_with('+') {
                "diff.add"
            } else if t.starts_with('~') {
                "diff.change"
            } else if t.starts_with('-') {
                "diff.remove"
            } else if t.starts_with("warning") {
                "ui.message.warning"
            } else if t.contains(": no changes") {
                "ui.muted"
            } else {
                "ui.text"
            };
            out.push(prev(l.to_string(), style));
        }
    }
    let subset = crate::services::Plan {
        services: plans.iter().map(|sp| (*sp).clone()).collect(),
    };
    out.push(Line::from(""));
    out.push(prev(subset.summary(), "ui.title"));
    let done = !p.jobs.is_empty()
        && p.jobs
            .iter()
            .all(|id| state.work.jobs.iter().any(|j| j.id == *id && !j.running()));
    if !stale && !subset.has_changes() && !subset.has_errors() {
        out.push(say(
            if done {
                "✓ Re-plan after apply: no changes. In sync.".to_string()
            } else {
                "✓ No changes. In sync.".to_string()
            },
            "status.running",
        ));
    }
    if p.confirm.is_some() {
        // Asked in a dialog over the plan (see draw_plan).
    } else if subset.has_changes() && !subset.has_errors() && p.jobs.is_empty() && !stale {
        out.push(say("a applies this plan".into(), "ui.muted"));
    }
    // The apply's progress, streamed.
    for id in &p.jobs {
        let Some(j) = state.work.jobs.iter().find(|j| j.id == *id) else {
            continue;
        };
        out.push(Line::from(""));
        let head = match &j.outcome {
            None => format!(
                "job {} {}: running — {}",
                j.id,
                j.spec.target().label(),
                progress_text(&j.progress, 60)
            ),
            Some(o) => format!(
                "job {} {}: {} — {}",
                j.id,
                j.spec.target().label(),
                o.label(),
                o.detail()
            ),
        };
        let style = match &j.outcome {
            None => "status.busy",
            Some(o) if o.is_done() => "status.running",
            Some(_) => "status.error",
        };
        out.push(say(head, style));
        for l in &j.log {
            let mut line = crate::app::layers::kit::ansi_line(l);
            line.spans.insert(0, Span::raw("  "));
            out.push(line);
        }
    }
    out
}

pub(super) fn draw_plan(f: &mut Frame, area: Rect, state: &AppState, p: &PlanView, theme: &Theme) {
    f.render_widget(Clear, area);
    let what = match p.files.as_slice() {
        [] => "all services".to_string(),
        [one] => file_name(one),
        many => format!("{} services", many.len()),
    };
    let title = vec![Span::styled(
        format!(" Plan: {what} "),
        theme.style("ui.title"),
    )];
    let block = frame(
        title,
        crate::app::layers::kit::keys_hint(
            state,
            Mode::Overlay,
            &[
                (&[A::Plan], "apply"),
                (&[A::Refresh], "re-plan"),
                (&[A::Preview], "preview"),
                (&[A::EditDefinition], "edit"),
                (&[A::Down, A::Up], "scroll"),
                (&[A::Close], "close"),
            ],
        ),
        theme,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines = plan_lines(state, p, theme);
    let max = (lines.len() as u16).saturating_sub(inner.height);
    f.render_widget(
        Paragraph::new(lines)
            .style(Style::default())
            .scroll((p.scroll.min(max), 0)),
        inner,
    );
    if let Some(typed) = &p.confirm {
        let production = p.needs_typed(state);
        let prompt = if production {
            "Apply to a PRODUCTION remote?".to_string()
        } else {
            let km = &state.keymap;
            let key = |a| {
                km.hint(crate::config::keymap::Mode::Confirm, a)
                    .unwrap_or_else(|| "-".into())
                    .to_lowercase()
            };
            use crate::action::Action as A;
            format!(
                "Apply these changes? {} applies, {} cancels",
                key(A::Confirm),
                key(A::Cancel)
            )
        };
        let mut body = vec![format!("plan of {what}")];
        if let Some(on) = p.maintenance {
            body.push(crate::app::layers::kit::maintenance_line(
                state,
                on,
                "the alerts of the instances it changes",
            ));
        }
        crate::app::layers::kit::dialog(
            f,
            area,
            state,
            theme,
            &crate::app::layers::kit::Dialog {
                prompt: &prompt,
                body: &body,
                typed: production.then_some(("apply", typed.as_str())),
                production,
            },
        );
    }
}
