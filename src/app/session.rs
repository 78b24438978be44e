//! What lives outside signals because it is not `Send`: burn models and the
//! device they sit on. One page, one thread: a thread-local is enough.

use std::cell::RefCell;

use crate::core::model::Network;

#[derive(Default)]
pub struct Session {
    /// The trained model of the finished run, on the CPU (flex): probing one
    /// drawing there takes well under a frame, where a GPU round trip would not.
    pub probe_model: Option<Network>,
    /// burn record bytes of the finished run's weights (for experiment files).
    pub weights: Option<Vec<u8>>,
}

thread_local! {
    static SESSION: RefCell<Session> = RefCell::new(Session::default());
}

/// Run `f` with the session.
pub fn with<R>(f: impl FnOnce(&mut Session) -> R) -> R {
    SESSION.with(|s| f(&mut s.borrow_mut()))
}
