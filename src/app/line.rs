//! Reading keys in layers that take text: what a key means, and line editing.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;

/// What a key means in a layer (see [`AppState::read_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyIn {
    /// A bound action, with the character the key would type (for layers that take text).
    Action(Action, Option<char>),
    /// The keys so far begin a longer sequence.
    Pending,
    /// A printable key bound to nothing: typed.
    Text(char),
    Unbound,
}

/// Applies a line-editing action to a text field; false when `action` does not edit text.
/// `typed` is the character the key types, for keys bound elsewhere but typed here.
pub(crate) fn edit_line(field: &mut String, action: Action, typed: Option<char>) -> bool {
    match action {
        Action::DeleteBack => {
            field.pop();
        }
        Action::ClearLine => field.clear(),
        Action::DeleteWord => {
            let t = field.trim_end().len();
            field.truncate(t);
            let cut = field.rfind(' ').map(|p| p + 1).unwrap_or(0);
            field.truncate(cut);
        }
        _ => match typed {
            Some(c) => field.push(c),
            None => return false,
        },
    }
    true
}

/// The character a key types: a printable key without ctrl or alt.
pub fn typed_char(ev: &KeyEvent) -> Option<char> {
    match ev.code {
        KeyCode::Char(c)
            if !ev
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}
