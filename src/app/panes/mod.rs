//! The pane models: for each pane, the item a row shows and its columns, each declaring its
//! header, cell and sort key together (one file per pane). [`columns`] and [`build_rows`] are
//! what the rest of the app reads; filtering, sorting and memoizing are in `rows`.

pub(crate) mod lines;
mod shared;

use chrono::{DateTime, Utc};

use super::cells::{Column, Row, heads};
use super::state::AppState;
use crate::pane::Pane;

pub use shared::status_style;

/// The model of each pane, from the pane table (`crate::pane_table!`): each module has
/// `COLUMNS` and `rows(state, now)`. The matches are exhaustive: a pane without a model does not
/// compile.
macro_rules! models {
    ($( $variant:ident = $title:literal, $short:literal, [$($alias:literal),*], $desc:literal,
        $slot:ident, $m:ident; )*) => {
        $(pub mod $m;)*

        /// The columns of a pane.
        pub fn columns(pane: Pane) -> Vec<Column> {
            match pane {
                $(Pane::$variant => heads($m::COLUMNS),)*
            }
        }

        /// `jump` from a row of a pane.
        pub fn jump(
            state: &mut AppState,
            pane: Pane,
            key: &super::cells::RowKey,
            now: DateTime<Utc>,
        ) {
            match pane {
                $(Pane::$variant => $m::jump(state, key, now),)*
            }
        }

        /// What a pane's rows still lack while they are read, for its title.
        pub fn loading(state: &AppState, pane: Pane) -> Option<String> {
            match pane {
                $(Pane::$variant => $m::loading(state),)*
            }
        }

        /// The detail view's lines of a row (false: the row is gone).
        pub fn detail(
            state: &AppState,
            pane: Pane,
            key: &super::cells::RowKey,
            now: DateTime<Utc>,
            out: &mut Vec<String>,
        ) -> bool {
            match pane {
                $(Pane::$variant => $m::detail(state, key, now, out),)*
            }
        }

        /// All rows of a pane, unfiltered and unsorted.
        pub fn build_rows(state: &AppState, pane: Pane, now: DateTime<Utc>) -> Vec<Row> {
            match pane {
                $(Pane::$variant => $m::rows(state, now),)*
            }
        }
    };
}

crate::pane_table!(models);
