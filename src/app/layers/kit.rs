//! What the layers draw with: a centred rectangle, the confirmation dialog, the keys of a
//! frame's bottom line from the active keymap, YAML and ANSI lines.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::app::state::AppState;
use crate::config::Theme;
use crate::config::keymap::Mode;

pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Colours `key: value` lines like YAML.
pub(crate) fn yaml_line<'a>(l: &'a str, theme: &Theme) -> Line<'a> {
    let trimmed = l.trim_start();
    if trimmed.starts_with('#') {
        return Line::from(Span::styled(l, theme.style("yaml.comment")));
    }
    if let Some(pos) = l.find(':') {
        let (k, v) = l.split_at(pos);
        if !k.trim_start().starts_with("- ") && !k.contains(' ')
            || k.trim_start().chars().all(|c| c != ' ')
        {
            return Line::from(vec![
                Span::styled(k, theme.style("yaml.key")),
                Span::styled(v, theme.style("yaml.value")),
            ]);
        }
    }
    Line::from(Span::styled(l, theme.style("yaml.value")))
}

/// A line with ANSI colour codes as styled spans (codes it cannot read are dropped).
pub(crate) fn ansi_line(l: &str) -> Line<'static> {
    use ansi_to_tui::IntoText;
    match l.as_bytes().into_text() {
        Ok(t) => t.lines.into_iter().next().unwrap_or_default(),
        Err(_) => Line::from(l.to_string()),
    }
}

/// The maintenance choice of a confirmation: `[x] silence <what> during the action, …`.
pub(crate) fn maintenance_line(state: &AppState, on: bool, what: &str) -> String {
    let key = state
        .keymap
        .hint(
            crate::config::keymap::Mode::Confirm,
            crate::action::Action::ToggleMaintenance,
        )
        .unwrap_or_default();
    let watch =
        crate::inventory::human_duration(state.work.settings.maintenance_watch.num_seconds());
    format!(
        "[{}] silence {what} during the action, then watch them for {watch} ({key} toggles)",
        if on { "x" } else { " " },
    )
}

/// A confirmation: a question, lines that show what will happen, and where a name must be typed,
/// what was typed so far.
pub(crate) struct Dialog<'a> {
    pub prompt: &'a str,
    pub body: &'a [String],
    /// (the name to type, what was typed).
    pub typed: Option<(&'a str, &'a str)>,
    /// On a production remote (the title says so; a name may be typed for other reasons).
    pub production: bool,
}

/// Draws a modal confirmation dialog, its keys from the `[confirm]` keymap. Every confirmation
/// (actions, silences, the plan's apply, the editor's questions) is drawn here.
pub(crate) fn dialog(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme, d: &Dialog) {
    let w = if d.body.is_empty() { 70 } else { 96 }.min(area.width);
    let text_w = w.saturating_sub(4).max(1) as usize;
    let wrapped = |s: &str| (s.chars().count() / text_w) as u16 + 1;
    let mut h = wrapped(d.prompt) + 2;
    if !d.body.is_empty() {
        h += 1 + d.body.iter().map(|l| wrapped(l)).sum::<u16>();
    }
    if d.typed.is_some() {
        h += 2;
    }
    let rect = centered(area, w, h + 1);
    f.render_widget(Clear, rect);
    use crate::action::Action as A;
    let (style, title, hint) = match &d.typed {
        Some(_) => (
            theme.style("ui.message.error"),
            if d.production {
                " PRODUCTION — confirm "
            } else {
                " Confirm — type the name "
            },
            format!(
                " type the name, {} confirms · {} cancels ",
                confirm_keys(state, A::Confirm, false),
                confirm_keys(state, A::Cancel, false)
            ),
        ),
        None => (
            theme.style("ui.message.warning"),
            " Confirm ",
            format!(
                " {} confirm · {} cancel ",
                first(&short_keys(state, A::Confirm)),
                short_keys(state, A::Cancel)
            ),
        ),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(style)
        .title(Span::styled(title, style))
        .title_bottom(Line::from(Span::styled(hint, theme.style("ui.muted"))));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let mut lines = vec![Line::from(Span::styled(
        d.prompt.to_string(),
        theme.style("ui.text"),
    ))];
    if !d.body.is_empty() {
        lines.push(Line::default());
        for l in d.body {
            let st = match l.trim_start().chars().next() {
                Some('+') => "diff.add",
                Some('-') => "diff.remove",
                Some('~') => "diff.change",
                _ => "ui.muted",
            };
            lines.push(Line::from(Span::styled(l.clone(), theme.style(st))));
        }
    }
    if let Some((want, input)) = d.typed {
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled(format!("type {want} to confirm: "), style),
            Span::styled(input.to_string(), theme.style("ui.input")),
            Span::styled("▏", theme.style("ui.input")),
        ]));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The `[confirm]` keys bound to an action, shortest first, joined with `/`; letters left out
/// unless `letters` (where a name is typed, they type).
fn confirm_keys(state: &AppState, action: crate::action::Action, letters: bool) -> String {
    let keys: Vec<String> = state
        .keymap
        .bindings(Mode::Confirm)
        .into_iter()
        .filter(|(_, a)| *a == action)
        .flat_map(|(k, _)| k.split(", ").map(String::from).collect::<Vec<_>>())
        .filter(|k| letters || k.chars().count() > 1)
        .collect();
    if keys.is_empty() {
        return "-".into();
    }
    keys.join("/")
}

fn first(keys: &str) -> &str {
    keys.split('/').next().unwrap_or(keys)
}

/// The keys for a dialog's hint: named keys and lower-case letters (`n/esc`), not their
/// upper-case twins nor `q`.
fn short_keys(state: &AppState, action: crate::action::Action) -> String {
    confirm_keys(state, action, true)
        .split('/')
        .filter(|k| k.chars().count() > 1 || k.chars().all(|c| c.is_lowercase()))
        .filter(|k| *k != "q")
        .collect::<Vec<_>>()
        .join("/")
}

/// The keys of a layer for a frame's bottom line, from the active keymap: ` q close · j/k scroll `.
/// Each entry is the actions whose keys are joined with `/`, and a label.
pub(crate) fn keys_hint(
    state: &AppState,
    mode: crate::config::keymap::Mode,
    entries: &[(&[crate::action::Action], &str)],
) -> String {
    let parts: Vec<String> = entries
        .iter()
        .filter_map(|(actions, label)| {
            let keys: Vec<String> = actions
                .iter()
                .filter_map(|a| state.keymap.hint(mode, *a))
                .collect();
            (!keys.is_empty()).then(|| format!("{} {label}", keys.join("/")))
        })
        .collect();
    format!(" {} ", parts.join(" · "))
}

/// The frame of a list to choose from (the `[picker]` keymap): its title, and its keys at the
/// bottom.
pub(crate) fn choice_block(
    state: &AppState,
    theme: &Theme,
    title: String,
    submit: &str,
    close: &str,
) -> Block<'static> {
    use crate::action::Action as A;
    let km = &state.keymap;
    let key = |a| km.hint(Mode::Picker, a).unwrap_or_else(|| "-".into());
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style("ui.border.focus"))
        .title(Span::styled(title, theme.style("ui.title")))
        .title_bottom(Line::from(Span::styled(
            format!(
                " {} {submit} · {}/{} move · {} {close} ",
                key(A::Submit),
                key(A::Down),
                key(A::Up),
                key(A::Close)
            ),
            theme.style("ui.muted"),
        )))
}

/// The frame of a scrolled text to read over the lists (messages, config problems): its title,
/// and the scroll and close keys of the `[overlay]` keymap at the bottom.
pub(crate) fn reading_block(state: &AppState, theme: &Theme, title: String) -> Block<'static> {
    use crate::action::Action as A;
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style("ui.border.focus"))
        .title(Span::styled(title, theme.style("ui.title")))
        .title_bottom(Line::from(Span::styled(
            keys_hint(
                state,
                Mode::Overlay,
                &[(&[A::Down, A::Up], "scroll"), (&[A::Close], "close")],
            ),
            theme.style("ui.muted"),
        )))
}

/// Moves a scrolled view by a movement action (`page` lines a page); false when the action is
/// no movement. Every scrolled layer (help, detail, preview, plan) reads its moves here.
pub(crate) fn scroll(pos: &mut u16, action: crate::action::Action, page: u16) -> bool {
    use crate::action::Action as A;
    *pos = match action {
        A::Down => pos.saturating_add(1),
        A::Up => pos.saturating_sub(1),
        A::PageDown => pos.saturating_add(page),
        A::PageUp => pos.saturating_sub(page),
        A::Top => 0,
        A::Bottom => u16::MAX,
        _ => return false,
    };
    true
}
