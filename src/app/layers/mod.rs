//! The layers over the lists, one component each: its state, its keys and its drawing in one
//! place (a file, or a folder for the bigger ones). A layer reads the state below it but never
//! changes it and never calls another feature: what it wants done it returns as
//! [`Msg`](super::state::Msg)s, which the router applies (`AppState::apply_msgs`). `kit.rs`
//! is what they draw with.

pub mod action_form;
pub mod confirm;
pub mod copy;
pub mod detail;
pub mod filter;
pub mod help;
pub mod kit;
pub mod messages;
pub mod palette;
pub mod picker;
pub mod problems;
pub mod quit;
pub mod services;
pub mod silence_form;

use super::state::AppState;

/// The top-most layer of each kind, read or changed, by name.
macro_rules! named_layers {
    ($( $get:ident, $get_mut:ident, $ty:ty; )*) => {
        impl AppState {
            $(
                pub fn $get(&self) -> Option<&$ty> {
                    self.layer::<$ty>()
                }

                pub fn $get_mut(&mut self) -> Option<&mut $ty> {
                    self.layer_mut::<$ty>()
                }
            )*
        }
    };
}

named_layers! {
    detail, detail_mut, detail::DetailState;
    palette, palette_mut, palette::PaletteState;
    form, form_mut, silence_form::SilenceForm;
    action_form, action_form_mut, action_form::ActionForm;
    confirm, confirm_mut, confirm::Confirm;
    picker, picker_mut, picker::SnapshotPicker;
    service_overlay, service_overlay_mut, services::Overlay;
    quit_dialog, quit_dialog_mut, quit::QuitDialog;
}
