//! The inline definition editor: a ratatui-textarea with the definition checked as you type,
//! undo/redo, search, and saving that notices when another process changed the file.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

use crate::config::Diagnostic;
use crate::services::Definition;
use crate::services::survey::fingerprint;

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

    /// Handles a key.
    pub fn on_key(&mut self, ev: KeyEvent) -> EditorOutcome {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        if let Some(ask) = self.ask {
            self.ask = None;
            let yes = matches!(ev.code, KeyCode::Char('y') | KeyCode::Char('Y'));
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
            match ev.code {
                KeyCode::Esc => self.search_input = None,
                KeyCode::Enter => {
                    let pat = std::mem::take(pat);
                    self.search_input = None;
                    self.search(&pat);
                }
                KeyCode::Backspace => {
                    pat.pop();
                }
                KeyCode::Char(c) if !ctrl => pat.push(c),
                _ => {}
            }
            return EditorOutcome::Stay;
        }
        self.note = None;
        match (ev.code, ctrl) {
            (KeyCode::Char('s'), true) => {
                return EditorOutcome::Save {
                    text: self.text(),
                    force: false,
                };
            }
            (KeyCode::Esc, _) | (KeyCode::Char('q'), true) => {
                if self.modified() {
                    self.ask = Some(Ask::Discard);
                    return EditorOutcome::Stay;
                }
                return EditorOutcome::Close;
            }
            (KeyCode::Char('z'), true) => {
                if !self.textarea.undo() {
                    self.note = Some("nothing to undo".into());
                }
                self.validate();
            }
            (KeyCode::Char('y'), true) => {
                if !self.textarea.redo() {
                    self.note = Some("nothing to redo".into());
                }
                self.validate();
            }
            (KeyCode::Char('f'), true) => self.search_input = Some(String::new()),
            (KeyCode::Char('n'), true) | (KeyCode::F(3), _) => {
                if !self.textarea.search_forward(false) {
                    self.note = Some("no match".into());
                }
            }
            (KeyCode::Char('g'), true) => {
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
    use crossterm::event::KeyEventKind;

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
            e.on_key(k(KeyCode::Char(c)));
        }
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
        e.on_key(ctrl('z'));
        e.on_key(ctrl('z'));
        assert!(e.error.is_none());
        assert_eq!(e.text(), DEF);
        e.on_key(ctrl('y'));
        assert!(e.text().contains("\"512MiB\" "), "{}", e.text());
    }

    #[test]
    fn search_moves_the_cursor() {
        let mut e = EditorState::new(Path::new("g.toml"), DEF);
        e.on_key(ctrl('f'));
        typ(&mut e, "memory");
        e.on_key(k(KeyCode::Enter));
        assert_eq!(e.textarea.cursor().0, 4);
        e.on_key(ctrl('f'));
        typ(&mut e, "nothing-like-this");
        e.on_key(k(KeyCode::Enter));
        assert!(e.note.as_deref().unwrap_or("").contains("not found"));
    }

    #[test]
    fn save_discard_and_overwrite_questions() {
        let mut e = EditorState::new(Path::new("g.toml"), DEF);
        assert_eq!(e.on_key(k(KeyCode::Esc)), EditorOutcome::Close);
        typ(&mut e, "#");
        assert_eq!(e.on_key(k(KeyCode::Esc)), EditorOutcome::Stay);
        assert_eq!(e.ask, Some(Ask::Discard));
        assert_eq!(e.on_key(k(KeyCode::Char('n'))), EditorOutcome::Stay);
        assert!(e.text().starts_with('#'), "nothing lost");
        let EditorOutcome::Save { text, force: false } = e.on_key(ctrl('s')) else {
            panic!("save expected")
        };
        e.save_failed(true, "changed on disk".into());
        assert_eq!(e.ask, Some(Ask::Overwrite));
        assert_eq!(
            e.on_key(k(KeyCode::Char('y'))),
            EditorOutcome::Save {
                text: text.clone(),
                force: true
            }
        );
        e.saved(&text);
        assert!(!e.modified());
        assert_eq!(e.on_key(k(KeyCode::Esc)), EditorOutcome::Close);
    }
}
