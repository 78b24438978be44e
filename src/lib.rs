//! sigpath: train a small network in the browser, record each image's
//! activation signature, cluster the signatures layer by layer, and follow a
//! drawing's path through them.
//!
//! `core` and `charts` are plain Rust and run on the host; `app` and `ui` are
//! the thin web shell and exist only in the wasm build; `worker` is the WebGPU
//! trainer, built only into the worker's wasm (feature `webgpu`).

pub mod charts;
pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(all(target_arch = "wasm32", feature = "webgpu"))]
pub mod worker;
