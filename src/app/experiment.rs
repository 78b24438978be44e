//! The experiment on screen, and its one owner.
//!
//! An experiment reaches the screen in one of a few ways: a run trained here,
//! the bundled demo, the run kept in this browser, an experiment file, or a
//! link's settings. Every one of them goes through [`begin`], the single
//! reset that takes the previous experiment off screen and puts a new
//! *generation* on it. Everything asynchronous that works for an experiment
//! (training, clustering, the staged reveal, the foreign-input scoring,
//! probes, autosave) notes the generation it started under and asks
//! [`is_current`] before it lands: a late answer for a superseded experiment
//! is dropped.
//!
//! Opening an experiment takes a while (reading the demo, a kept run or a
//! file), so its generation is handed out when it is *asked for* ([`ask`]):
//! the latest request wins. A restore that finishes after something asked for
//! later is on screen is dropped ([`superseded`]); one asked for later still
//! shows over an older one that happened to finish first.

use std::cell::RefCell;

use leptos::prelude::*;

use crate::core::model::Network;
use crate::core::results::RunResults;

use super::state::{AppState, Curves};

/// Which experiment an answer is for; see [`is_current`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(u64);

impl Generation {
    /// The counter itself (for keys that outlive a borrow of the owner).
    pub fn get(self) -> u64 {
        self.0
    }
}

/// Where the experiment on screen came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Trained in this page.
    Trained,
    /// The bundled demo.
    Demo,
    /// Kept in this browser; saved at (ms since 1970).
    Kept(f64),
    /// An experiment file, by name.
    File(String),
}

impl Origin {
    /// Why a CPU-trained experiment ran on the CPU, for one not trained here (the badge's words).
    pub fn cpu_note(&self) -> Option<String> {
        match self {
            Origin::Trained => None,
            Origin::Demo => Some("trained ahead of time for the demo".into()),
            Origin::Kept(_) => Some("as recorded with the kept experiment".into()),
            Origin::File(_) => Some("as recorded in the experiment file".into()),
        }
    }

    /// Opened by the page itself at start-up (not asked for by the visitor).
    pub fn at_start_up(&self) -> bool {
        matches!(self, Origin::Demo | Origin::Kept(_))
    }

    /// What the experiment on screen is, in words (`experiment-origin`).
    fn describe(&self) -> String {
        match self {
            Origin::Trained => "Your run, trained in this page.".into(),
            Origin::Demo => {
                "The demo: a network trained ahead of time with the default settings. Train your own any time.".into()
            }
            Origin::Kept(at) => format!("Your last experiment, kept in this browser ({}).", describe_time(*at)),
            Origin::File(name) => format!("The experiment file {name}."),
        }
    }
}

/// "saved 14:03 on 25 Nov 2025" in the visitor's locale.
fn describe_time(ms: f64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    let time = String::from(date.to_locale_time_string("default"));
    let day = String::from(date.to_locale_date_string("default", &wasm_bindgen::JsValue::UNDEFINED));
    format!("saved {time} on {day}")
}

/// What the page holds of the experiment on screen besides its signals.
#[derive(Default)]
struct Owner {
    /// The last generation handed out.
    issued: u64,
    /// The generation on screen.
    shown: u64,
    /// The trained network on the CPU (flex): probing one drawing there takes
    /// well under a frame, where a GPU round trip would not.
    model: Option<Network>,
    /// burn record bytes of the network's weights (for experiment files).
    weights: Option<Vec<u8>>,
}

thread_local! {
    // The network is a burn module: not `Send`, so it cannot sit in a signal.
    // The page has one thread, and the generation lives beside the network it
    // guards so the two never disagree.
    static OWNER: RefCell<Owner> = RefCell::new(Owner::default());
}

/// The generation on screen now.
pub fn generation() -> Generation {
    OWNER.with(|o| Generation(o.borrow().shown))
}

/// A generation for an experiment being asked for now (not on screen yet).
pub fn ask() -> Generation {
    OWNER.with(|o| {
        let mut owner = o.borrow_mut();
        owner.issued += 1;
        Generation(owner.issued)
    })
}

/// Whether an experiment asked for later than `asked` is already on screen.
pub fn superseded(asked: Generation) -> bool {
    OWNER.with(|o| o.borrow().shown > asked.0)
}

/// Whether `generation` is still the experiment on screen.
pub fn is_current(generation: Generation) -> bool {
    self::generation() == generation
}

/// The network of the experiment on screen, if it has one yet.
pub fn model() -> Option<Network> {
    OWNER.with(|o| o.borrow().model.clone())
}

/// The weights of the experiment on screen, if it has them yet.
pub fn weights() -> Option<Vec<u8>> {
    OWNER.with(|o| o.borrow().weights.clone())
}

/// A new experiment, asked for now, takes the screen at once (a run, a link's
/// settings); see [`begin_asked`].
pub fn begin(state: AppState) -> Generation {
    take_screen(state, ask())
}

/// Experiment `asked` takes the screen, unless something asked for later is
/// already there (`None`: this answer is dropped).
pub fn begin_asked(state: AppState, asked: Generation) -> Option<Generation> {
    (!superseded(asked)).then(|| take_screen(state, asked))
}

/// The one reset of the page: the previous experiment's results, network,
/// probe, training chart and foreign-input analysis go, and every answer
/// still on its way for it will be dropped.
fn take_screen(state: AppState, generation: Generation) -> Generation {
    OWNER.with(|o| {
        let mut owner = o.borrow_mut();
        owner.shown = generation.0;
        owner.model = None;
        owner.weights = None;
    });
    super::reveal::abandon(state);
    if state.results.with_untracked(Option::is_some) {
        state.results.set(None);
    }
    super::probe::clear(state);
    state.ood.set(None);
    state.offer_cpu.set(false);
    state.curves.set(Curves::default());
    state.training.set(None);
    state.origin.set(None);
    generation
}

/// Show `results` (with their network) as experiment `generation`: the views
/// mount a section per task, then the phase is "ready". `false` when a newer
/// experiment took over before the end (it shows itself).
pub async fn show(
    state: AppState,
    generation: Generation,
    results: RunResults,
    model: Network,
    weights: Vec<u8>,
    origin: Origin,
) -> bool {
    if !is_current(generation) {
        return false;
    }
    OWNER.with(|o| {
        let mut owner = o.borrow_mut();
        owner.model = Some(model);
        owner.weights = Some(weights);
    });
    if !super::reveal::show_results(state, generation, results).await {
        return false;
    }
    state.origin.set(Some(origin.describe()));
    true
}
