//! The inline definition editor: a ratatui-textarea with the definition checked as you type,
//! undo/redo, search, and saving that notices when another process changed the file.

use std::path::{Path, PathBuf};

use crossterm::event::KeyEvent;
use ratatui_textarea::{CursorMove, TextArea};

use crate::action::Action;
use crate::app::line::{edit_line, typed_char};
use crate::config::Diagnostic;
use crate::config::keymap::Mode;
use crate::services::Definition;
use crate::survey::fingerprint;

/// What the editor asks its owner to do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorOutcome {
    /// Keep editing.
    Stay,
    /// Close (saved or discarded).
    Close,
    /// Save this text to the file (the owner does the I/O and calls
    /// [`EditorState::saved`] or [`EditorState::save_failed`]).
    Save { text: String, force: bool },
}

/// A question the editor is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Unsaved changes: discard them?
    Discard,
    /// The file changed on disk since it was opened: overwrite it?
    Overwrite,
}

/// The editor's state.
#[derive(Debug, Clone)]
pub struct EditorState {
    pub file: PathBuf,
    pub textarea: TextArea<'static>,
    /// Fingerprint of the file as last read or written.
    pub disk_hash: u64,
    /// Fingerprint of the text as last saved (for "modified").
    saved_hash: u64,
    /// The definition's problem, if any (line is 1-based).
    pub error: Option<Diagnostic>,
    /// Typing a search pattern.
    pub search_input: Option<String>,
    pub ask: Option<Ask>,
    /// A note for the status line (`saved`, `no match`).
    pub note: Option<String>,
    /// The file does not exist yet.
    pub new_file: bool,
}

impl EditorState {
    /// Opens `text` (the file's content as read).
    pub fn new(file: &Path, text: &str) -> Self {
        let lines: Vec<String> = if text.is_empty() {
            vec![String::new()]
        } else {
            text.lines().map(String::from).collect()
        };
        let mut textarea = TextArea::new(lines);
        textarea.set_max_histories(500);
        textarea.set_line_number_style(
            ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::DIM),
        );
        textarea.set_cursor_line_style(ratatui::style::Style::default());
        let h = fingerprint(text);
        let mut e = EditorState {
            file: file.to_path_buf(),
            textarea,
            disk_hash: h,
            saved_hash: 0,
            error: None,
            search_input: None,
            ask: None,
            note: None,
            new_file: false,
        };
        e.saved_hash = fingerprint(&e.text());
        e.validate();
        e
    }

    /// The text as it would be saved (with a final newline).
    pub fn text(&self) -> String {
        let mut s = self.textarea.lines().join("\n");
        s.push('\n');
        s
    }

    pub fn modified(&self) -> bool {
        fingerprint(&self.text()) != self.saved_hash
    }

    /// Checks the text as a definition.
    pub fn validate(&mut self) {
        self.error = Definition::parse(&self.file, &self.text()).err();
    }

    /// The saved text reached the disk.
    pub fn saved(&mut self, text: &str) {
        self.disk_hash = fingerprint(text);
        self.saved_hash = fingerprint(text);
        self.ask = None;
        self.note = Some(match &self.error {
            None => format!("saved {}", self.file.display()),
            Some(_) => format!("saved {} (with the error shown)", self.file.display()),
        });
    }

    /// Saving was refused: the file changed on disk (ask to overwrite) or failed.
    pub fn save_failed(&mut self, changed_on_disk: bool, why: String) {
        if changed_on_disk {
            self.ask = Some(Ask::Overwrite);
        }
        self.note = Some(why);
    }

    /// Which keymap layer reads the next key: a question is a confirmation, the search line a
    /// prompt, else the editor's own keys.
    pub fn key_mode(&self) -> Mode {
        if self.ask.is_some() {
            Mode::Confirm
        } else if self.search_input.is_some() {
            Mode::Prompt
        } else {
            Mode::Editor
        }
    }

    /// Handles a key, with the action the [`key_mode`](Self::key_mode) layer binds it to.
    /// Keys bound to nothing edit the text.
    pub fn on_key(&mut self, ev: KeyEvent, action: Option<Action>) -> EditorOutcome {
        if let Some(ask) = self.ask {
            let yes = match action {
                Some(Action::Confirm) => true,
                Some(Action::Cancel) => false,
                // Anything else leaves the question open.
                _ => return EditorOutcome::Stay,
            };
            self.ask = None;
            return match (ask, yes) {
                (Ask::Discard, true) => EditorOutcome::Close,
                (Ask::Overwrite, true) => EditorOutcome::Save {
                    text: self.text(),
                    force: true,
                },
                _ => {
                    self.note = Some("kept editing".into());
                    EditorOutcome::Stay
                }
            };
        }
        if let Some(pat) = &mut self.search_input {
            let typed = typed_char(&ev);
            match action {
                Some(Action::Cancel) => self.search_input = None,
                Some(Action::Submit) => {
                    let pat = std::mem::take(pat);
                    self.search_input = None;
                    self.search(&pat);
                }
                Some(a) => {
                    edit_line(pat, a, typed);
                }
                None => {
                    if let Some(c) = typed {
                        pat.push(c)
                    }
                }
            }
            return EditorOutcome::Stay;
        }
        self.note = None;
        match action {
            Some(Action::Save) => {
                return EditorOutcome::Save {
                    text: self.text(),
                    force: false,
                };
            }
            Some(Action::Close) => {
                if self.modified() {
                    self.ask = Some(Ask::Discard);
                    return EditorOutcome::Stay;
                }
                return EditorOutcome::Close;
            }
            Some(Action::Undo) => {
                if !self.textarea.undo() {
                    self.note = Some("nothing to undo".into());
                }
                self.validate();
            }
            Some(Action::Redo) => {
                if !self.textarea.redo() {
                    self.note = Some("nothing to redo".into());
                }
                self.validate();
            }
            Some(Action::Search) => self.search_input = Some(String::new()),
            Some(Action::SearchNext) => {
                if !self.textarea.search_forward(false) {
                    self.note = Some("no match".into());
                }
            }
            Some(Action::GotoError) => {
                if let Some(l) = self.error.as_ref().and_then(|e| e.line) {
                    self.textarea
                        .move_cursor(CursorMove::Jump(l.saturating_sub(1) as u16, 0));
                }
            }
            _ => {
                if self.textarea.input(ev) {
                    self.validate();
                }
            }
        }
        EditorOutcome::Stay
    }

    fn search(&mut self, pat: &str) {
        let escaped = regex::escape(pat);
        match self.textarea.set_search_pattern(&escaped) {
            Ok(()) if pat.is_empty() => {}
            Ok(()) => {
                if !self.textarea.search_forward(true) {
                    self.note = Some(format!("{pat:?} not found"));
                }
            }
            Err(e) => self.note = Some(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keymap::{Key, Keymap, Lookup};
    use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }
    fn ctrl(c: char) -> KeyEvent {
        let mut e = KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        e.kind = KeyEventKind::Press;
        e
    }
    fn typ(e: &mut EditorState, s: &str) {
        for c in s.chars() {
            press(e, k(KeyCode::Char(c)));
        }
    }
    /// A key read through the shipped keymap, as the console reads it.
    fn press(e: &mut EditorState, ev: KeyEvent) -> EditorOutcome {
        let a = match Keymap::defaults().lookup(e.key_mode(), &[Key::from_event(&ev)]) {
            Lookup::Action(a) => Some(a),
            _ => None,
        };
        e.on_key(ev, a)
    }

    const DEF: &str =
        "name = \"grafana01\"\nimage = \"busybox\"\n\n[limits]\nmemory = \"512MiB\"\n";

    #[test]
    fn validates_as_you_type_and_undoes() {
        let mut e = EditorState::new(Path::new("grafana01.toml"), DEF);
        assert!(e.error.is_none());
        assert!(!e.modified());
        // Break line 5: the error points at it.
        e.textarea.move_cursor(CursorMove::Jump(4, 0));
        e.textarea.move_cursor(CursorMove::End);
        typ(&mut e, " x");
        assert!(e.modified());
        let err = e.error.clone().expect("an error");
        assert_eq!(err.line, Some(5), "{err}");
        press(&mut e, ctrl('z'));
        press(&mut e, ctrl('z'));
        assert!(e.error.is_none());
        assert_eq!(e.text(), DEF);
        press(&mut e, ctrl('y'));
        assert!(e.text().contains("\"512MiB\" "), "{}", e.text());
    }

    #[test]
    fn search_moves_the_cursor() {
        let mut e = EditorState::new(Path::new("g.toml"), DEF);
        press(&mut e, ctrl('f'));
        typ(&mut e, "memory");
        press(&mut e, k(KeyCode::Enter));
        assert_eq!(e.textarea.cursor().0, 4);
        press(&mut e, ctrl('f'));
        typ(&mut e, "nothing-like-this");
        press(&mut e, k(KeyCode::Enter));
        assert!(e.note.as_deref().unwrap_or("").contains("not found"));
    }

    #[test]
    fn save_discard_and_overwrite_questions() {
        let mut e = EditorState::new(Path::new("g.toml"), DEF);
        assert_eq!(press(&mut e, k(KeyCode::Esc)), EditorOutcome::Close);
        typ(&mut e, "#");
        assert_eq!(press(&mut e, k(KeyCode::Esc)), EditorOutcome::Stay);
        assert_eq!(e.ask, Some(Ask::Discard));
        assert_eq!(press(&mut e, k(KeyCode::Char('n'))), EditorOutcome::Stay);
        assert!(e.text().starts_with('#'), "nothing lost");
        let EditorOutcome::Save { text, force: false } = press(&mut e, ctrl('s')) else {
            panic!("save expected")
        };
        e.save_failed(true, "changed on disk".into());
        assert_eq!(e.ask, Some(Ask::Overwrite));
        assert_eq!(
            press(&mut e, k(KeyCode::Char('y'))),
            EditorOutcome::Save {
                text: text.clone(),
                force: true
            }
        );
        e.saved(&text);
        assert!(!e.modified());
        assert_eq!(press(&mut e, k(KeyCode::Esc)), EditorOutcome::Close);
    }
}
