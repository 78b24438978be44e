//! Where training runs: WebGPU when the browser offers an adapter, otherwise
//! burn's flex CPU backend. The choice is made at run time and explained.
//!
//! The page's wasm holds the CPU backend only; WebGPU training runs in the
//! worker of `gpu_worker.rs`, which is fetched only when a GPU trains.

use crate::core::snapshot::BackendKind;

use leptos::prelude::*;

use super::browser::webgpu_adapter_problem;
use super::state::AppState;

/// Where a run trains, with the reason for a fallback.
#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    pub kind: BackendKind,
    /// Why the CPU is used, when it is (shown in `backend-badge`).
    pub fallback_reason: Option<String>,
}

/// burn's CPU backend (flex, built with simd128).
pub fn cpu(reason: impl Into<String>) -> Backend {
    Backend { kind: BackendKind::Cpu, fallback_reason: Some(reason.into()) }
}

/// Remember that WebGPU could not start, and why; the CPU backend to use instead.
pub fn webgpu_failed(state: AppState, reason: String) -> Backend {
    state.webgpu_failed.set_value(Some(reason.clone()));
    cpu(reason)
}

/// Why WebGPU cannot train here, or "" when the browser offers an adapter.
async fn adapter_problem(state: AppState) -> String {
    if let Some(reason) = state.webgpu_failed.get_value() {
        return reason;
    }
    webgpu_adapter_problem().await
}

/// Pick the backend: WebGPU unless the visitor forces the CPU or WebGPU is unavailable.
pub async fn select(state: AppState) -> Backend {
    if state.force_cpu.get_untracked() {
        return cpu("you chose the CPU");
    }
    let problem = adapter_problem(state).await;
    if problem.is_empty() { Backend { kind: BackendKind::Webgpu, fallback_reason: None } } else { cpu(problem) }
}

/// Whether a run started now would train on the CPU (the visitor's choice, or
/// no WebGPU adapter), asked without starting WebGPU. `force_cpu` is read
/// after the adapter probe, so a tick during the probe counts.
pub async fn cpu_would_train(state: AppState) -> bool {
    let no_adapter = !adapter_problem(state).await.is_empty();
    no_adapter || state.force_cpu.get_untracked()
}
