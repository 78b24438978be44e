//! The compute core: plain Rust, no web types. Runs in the page and in host tests.

pub mod analysis;
pub mod config;
pub mod data;
pub mod findings;
pub mod jobs;
pub mod model;
pub mod probe;
pub mod results;
pub mod share;
pub mod signature;
pub mod snapshot;
pub mod train;
pub mod wire;
