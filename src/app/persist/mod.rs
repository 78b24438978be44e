//! Keeping and passing on experiments: the share link (settings and view in
//! the URL fragment), experiment files (export and import), the copy kept in
//! this browser (IndexedDB, restored after a reload) and the bundled demo a
//! first visit opens.
//!
//! Start-up, in order of precedence: a share link in the address (its
//! settings, ready to train), else the experiment kept in this browser, else
//! the demo. Every experiment that is read (demo, kept copy, file) goes
//! through the same checked path, [`restore::restore`], which changes nothing
//! on the page until everything has been read and checked, and then hands the
//! experiment to `app::experiment`.

mod files;
pub mod kept;
mod link;
mod restore;
mod start_up;

use super::state::AppState;

pub use files::{export, import};
pub use kept::forget;
pub use link::{copy_link, share_state};

/// The pre-trained default experiment, relative to the page (see `examples/make_demo.rs`).
pub const DEMO_PATH: &str = "demo/experiment.sigpath";

/// Set up the share link, the autosave and start-up (from the root component).
pub fn install(state: AppState) {
    link::track_share_url(state);
    kept::track_changes(state);
    link::listen_for_links(state);
    leptos::task::spawn_local(start_up::start_up(state));
}
