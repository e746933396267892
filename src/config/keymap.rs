//! Keymaps: per-mode tables of key sequences to [`Action`]s. The shipped keymap is compiled in;
//! the user's `keymap.toml` is merged over it section by section (a key bound to `"none"` is
//! unbound).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;
use atlas_core::diagnostic::{Diagnostic, parse_table, read_user_file};
use atlas_core::tolerant;

/// The shipped keymap.
pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");

/// Where keys are being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// The lists.
    Normal,
    /// The detail view.
    Detail,
    Help,
    /// One-line prompts: the filter, the editor's search.
    Prompt,
    Palette,
    /// The silence form and the action forms.
    Form,
    /// Confirmation dialogs.
    Confirm,
    /// The definition editor (keys bound to nothing edit the text).
    Editor,
    /// Read-only overlays: the cloud-init preview, the plan, the messages.
    Overlay,
    /// Pick one of a list (the snapshot to restore).
    Picker,
}

impl Mode {
    pub const ALL: [Mode; 10] = [
        Mode::Normal,
        Mode::Detail,
        Mode::Help,
        Mode::Prompt,
        Mode::Palette,
        Mode::Form,
        Mode::Confirm,
        Mode::Editor,
        Mode::Overlay,
        Mode::Picker,
    ];

    pub fn section(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::Detail => "detail",
            Mode::Help => "help",
            Mode::Prompt => "prompt",
            Mode::Palette => "palette",
            Mode::Form => "form",
            Mode::Confirm => "confirm",
            Mode::Editor => "editor",
            Mode::Overlay => "overlay",
            Mode::Picker => "picker",
        }
    }

    /// A title for the help screen.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Normal => "Lists",
            Mode::Detail => "Detail view",
            Mode::Help => "Help",
            Mode::Prompt => "Filter and search prompts",
            Mode::Palette => "Palette (:)",
            Mode::Form => "Forms",
            Mode::Confirm => "Confirmations",
            Mode::Editor => "Editor",
            Mode::Overlay => "Preview, plan and messages",
            Mode::Picker => "Snapshot picker",
        }
    }
}

/// One key with its modifiers (shift is folded into the character for printable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// Normalises a terminal key event.
    pub fn from_event(ev: &KeyEvent) -> Self {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) {
                    c.to_ascii_lowercase()
                } else {
                    c
                })
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            c => c,
        };
        Key { code, mods }
    }

    /// Parses `ctrl-d`, `G`, `enter`, `shift-tab`, `f5`, `space`, `-`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            mods |= m;
            rest = &rest[len..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                let n: u8 = f[1..].parse().map_err(|_| format!("bad key {s:?}"))?;
                if !(1..=12).contains(&n) {
                    return Err(format!("bad function key {s:?}"));
                }
                KeyCode::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        let c = if mods.contains(KeyModifiers::SHIFT) {
                            mods.remove(KeyModifiers::SHIFT);
                            c.to_ascii_uppercase()
                        } else if mods.contains(KeyModifiers::CONTROL) {
                            c.to_ascii_lowercase()
                        } else {
                            c
                        };
                        KeyCode::Char(c)
                    }
                    _ => return Err(format!("unknown key {s:?}")),
                }
            }
        };
        Ok(Key { code, mods })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("backtab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A sequence of keys, e.g. `g g`.
pub type KeySeq = Vec<Key>;

fn parse_seq(s: &str) -> Result<KeySeq, String> {
    let seq: Result<Vec<_>, _> = s.split_whitespace().map(Key::parse).collect();
    let seq = seq?;
    if seq.is_empty() {
        return Err("empty key".into());
    }
    Ok(seq)
}

fn seq_to_string(seq: &[Key]) -> String {
    seq.iter().map(Key::to_string).collect::<Vec<_>>().join(" ")
}

/// The outcome of feeding a key to the keymap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// A binding matched.
    Action(Action),
    /// The keys so far begin a longer sequence: wait for more.
    Pending,
    /// Nothing matched.
    Unbound,
}

/// The active keymap.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    modes: BTreeMap<Mode, HashMap<KeySeq, Action>>,
}

/// A keymap file: a section per [`Mode`] of `"keys" = "action"`.
type KeymapFile = BTreeMap<String, BTreeMap<String, Action>>;

impl Keymap {
    /// The shipped keymap.
    pub fn defaults() -> Self {
        Self::from_user_text(Path::new("keymaps/default.toml"), "").0
    }

    /// Defaults merged with the user's keymap file.
    pub fn load(path: &Path) -> (Self, Vec<Diagnostic>) {
        match read_user_file(path) {
            Ok(Some(t)) => Self::from_user_text(path, &t),
            Ok(None) => (Self::defaults(), vec![]),
            Err(d) => (Self::defaults(), vec![d]),
        }
    }

    /// Defaults merged with user text: a bad binding or section is located (file, line and
    /// column), left out, and the rest of the file applies.
    #[allow(
        clippy::expect_used,
        reason = "the shipped defaults are compiled in; tests check they parse"
    )]
    pub fn from_user_text(path: &Path, text: &str) -> (Self, Vec<Diagnostic>) {
        let base = parse_table(Path::new("keymaps/default.toml"), DEFAULT_KEYMAP)
            .expect("shipped keymap parses");
        let (source, user, mut diags) = tolerant::Source::parse(path, text);
        let (file, d) = tolerant::read::<KeymapFile>(&base, &source, user);
        diags.extend(d);
        let file = file.expect("shipped keymap is valid");
        let (keymap, d) = Self::build(file, &source);
        diags.extend(d);
        (keymap, diags)
    }

    /// The keymap of a file read; a section or key that is not one is said and left out.
    fn build(file: KeymapFile, source: &tolerant::Source) -> (Self, Vec<Diagnostic>) {
        use tolerant::Seg;
        let mut modes = BTreeMap::new();
        let mut diags = Vec::new();
        for (section, table) in file {
            let Some(mode) = Mode::ALL.into_iter().find(|m| m.section() == section) else {
                let known: Vec<&str> = Mode::ALL.iter().map(|m| m.section()).collect();
                let hint = tolerant::closest(&section, known.iter().copied())
                    .map(|n| format!("; did you mean [{n}]?"))
                    .unwrap_or_default();
                diags.push(source.at(
                    &[Seg::Key(section.clone())],
                    format!(
                        "unknown section [{section}] (sections: {}){hint} — it is left out",
                        known.join(", ")
                    ),
                ));
                continue;
            };
            let mut m = HashMap::new();
            for (k, a) in table {
                match parse_seq(&k) {
                    Err(message) => diags.push(source.at(
                        &[Seg::Key(section.clone()), Seg::Key(k.clone())],
                        format!("[{}] {message} — the binding is left out", mode.section()),
                    )),
                    Ok(seq) if a != Action::None => {
                        m.insert(seq, a);
                    }
                    Ok(_) => {}
                }
            }
            modes.insert(mode, m);
        }
        (Self { modes }, diags)
    }

    /// Looks up a (possibly partial) key sequence.
    pub fn lookup(&self, mode: Mode, keys: &[Key]) -> Lookup {
        let Some(map) = self.modes.get(&mode) else {
            return Lookup::Unbound;
        };
        if let Some(a) = map.get(keys) {
            return Lookup::Action(*a);
        }
        if map
            .keys()
            .any(|s| s.len() > keys.len() && s.starts_with(keys))
        {
            return Lookup::Pending;
        }
        Lookup::Unbound
    }

    /// Bindings of a mode grouped by action, for the help screen: (keys, action).
    pub fn bindings(&self, mode: Mode) -> Vec<(String, Action)> {
        let mut by_action: BTreeMap<Action, Vec<String>> = BTreeMap::new();
        for (seq, a) in self.modes.get(&mode).into_iter().flatten() {
            by_action.entry(*a).or_default().push(seq_to_string(seq));
        }
        by_action
            .into_iter()
            .map(|(a, mut keys)| {
                keys.sort_by_key(|k| (k.len(), k.clone()));
                (keys.join(", "), a)
            })
            .collect()
    }

    /// The first key bound to an action, for hints in the status line.
    pub fn hint(&self, mode: Mode, action: Action) -> Option<String> {
        let map = self.modes.get(&mode)?;
        let mut seqs: Vec<&KeySeq> = map
            .iter()
            .filter(|(_, a)| **a == action)
            .map(|(s, _)| s)
            .collect();
        // Shortest first; among equals a lower-case letter, then by name: the same hint every
        // run (the table is a hash map).
        seqs.sort_by_key(|s| {
            let text = seq_to_string(s);
            (
                s.len(),
                text.len(),
                text.chars().any(|c| c.is_uppercase()),
                text,
            )
        });
        seqs.first().map(|s| seq_to_string(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Key {
        Key::parse(s).unwrap()
    }

    #[test]
    fn shipped_keymap_parses_and_binds_basics() {
        let (km, d) = Keymap::load(Path::new("/nonexistent/keymap.toml"));
        assert!(d.is_empty());
        assert_eq!(
            km.lookup(Mode::Normal, &[k("q")]),
            Lookup::Action(Action::Quit)
        );
        assert_eq!(
            km.lookup(Mode::Normal, &[k("down")]),
            Lookup::Action(Action::Down)
        );
        assert_eq!(km.lookup(Mode::Normal, &[k("g")]), Lookup::Pending);
        assert_eq!(
            km.lookup(Mode::Normal, &[k("g"), k("g")]),
            Lookup::Action(Action::Top)
        );
        assert_eq!(
            km.lookup(Mode::Normal, &[k("G")]),
            Lookup::Action(Action::Bottom)
        );
        assert_eq!(
            km.lookup(Mode::Normal, &[k("ctrl-d")]),
            Lookup::Action(Action::PageDown)
        );
        assert_eq!(km.lookup(Mode::Normal, &[k("Q")]), Lookup::Unbound);
        assert_eq!(
            km.lookup(Mode::Detail, &[k("esc")]),
            Lookup::Action(Action::Close)
        );
    }

    #[test]
    fn every_action_except_none_has_a_default_key() {
        let km = Keymap::defaults();
        let bound: Vec<Action> = Mode::ALL
            .iter()
            .flat_map(|m| km.bindings(*m).into_iter().map(|b| b.1))
            .collect();
        for a in [
            Action::Quit,
            Action::Help,
            Action::Palette,
            Action::Filter,
            Action::ClearFilter,
            Action::NextPane,
            Action::PrevPane,
            Action::PaneHosts,
            Action::PaneInstances,
            Action::PaneVolumes,
            Action::PaneSnapshots,
            Action::Up,
            Action::Down,
            Action::Top,
            Action::Bottom,
            Action::PageUp,
            Action::PageDown,
            Action::Details,
            Action::ConsoleLog,
            Action::NextTab,
            Action::Close,
            Action::SortNext,
            Action::SortReverse,
            Action::Refresh,
            Action::ToggleAllProjects,
            Action::PaneJobs,
            Action::PaneJournal,
            Action::Start,
            Action::Stop,
            Action::ForceStop,
            Action::Restart,
            Action::Freeze,
            Action::Shell,
            Action::Snapshot,
            Action::Restore,
            Action::Delete,
            Action::Backup,
            Action::Import,
            Action::CancelJob,
        ] {
            assert!(bound.contains(&a), "{a:?} has no key");
        }
    }

    #[test]
    fn user_rebinds_default_keys_and_unbinds() {
        let (km, d) = Keymap::from_user_text(
            Path::new("/u/keymap.toml"),
            "[normal]\n\"x\" = \"quit\"\n\"q\" = \"none\"\n\"ctrl-x ctrl-s\" = \"refresh\"\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            km.lookup(Mode::Normal, &[k("x")]),
            Lookup::Action(Action::Quit)
        );
        assert_eq!(km.lookup(Mode::Normal, &[k("q")]), Lookup::Unbound);
        assert_eq!(km.lookup(Mode::Normal, &[k("ctrl-x")]), Lookup::Pending);
        assert_eq!(
            km.lookup(Mode::Normal, &[k("ctrl-x"), k("ctrl-s")]),
            Lookup::Action(Action::Refresh)
        );
        assert_eq!(km.hint(Mode::Normal, Action::Quit).as_deref(), Some("x"));
    }

    #[test]
    fn bad_user_keymaps_report_and_fall_back() {
        let (km, d) = Keymap::from_user_text(
            Path::new("/u/keymap.toml"),
            "[normal]\n\"x\" = \"fly\"\n\"Q\" = \"quit\"\n",
        );
        assert_eq!(d[0].line, Some(2), "{}", d[0]);
        assert_eq!(d[0].column, Some(1), "{}", d[0]);
        assert_eq!(
            km.lookup(Mode::Normal, &[k("Q")]),
            Lookup::Action(Action::Quit),
            "the rest of the file applies"
        );
        assert!(d[0].message.contains("fly"), "{}", d[0]);
        assert_eq!(
            km.lookup(Mode::Normal, &[k("q")]),
            Lookup::Action(Action::Quit)
        );
        let (_, d) = Keymap::from_user_text(
            Path::new("/u/keymap.toml"),
            "[normal]\n\"ctrl-\" = \"quit\"\n\"bogus-key\" = \"quit\"\n",
        );
        assert_eq!(d[0].line, Some(3), "{}", d[0]);
        let (_, d) = Keymap::from_user_text(Path::new("/u/keymap.toml"), "[nrmal]\n");
        assert!(d[0].message.contains("nrmal"), "{}", d[0]);
        assert_eq!(d[0].line, Some(1), "{}", d[0]);
    }

    #[test]
    fn key_events_normalise() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), k("G"));
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), k("shift-tab"));
        assert_eq!(k("ctrl-d").to_string(), "ctrl-d");
    }
}
