//! The compute core: plain Rust, no web types. Runs in the page and in host tests.

pub mod config;
pub mod data;
pub mod snapshot;
