//! Where training runs: WebGPU when the browser offers an adapter, otherwise
//! burn's flex CPU backend. The choice is made at run time and explained.
//!
//! The page's wasm holds the CPU backend only; WebGPU training runs in the
//! worker of `gpu_worker.rs`, which is fetched only when a GPU trains.

use std::cell::RefCell;

use crate::core::snapshot::BackendKind;

use super::browser::webgpu_adapter_problem;

/// Where a run trains, with the reason for a fallback.
#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    pub kind: BackendKind,
    /// Why the CPU is used, when it is (shown in `backend-badge`).
    pub fallback_reason: Option<String>,
}

thread_local! {
    // Why WebGPU could not start in the worker, once it failed: later runs
    // go straight to the CPU instead of failing the same way again.
    static WEBGPU_FAILED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// burn's CPU backend (flex, built with simd128).
pub fn cpu(reason: impl Into<String>) -> Backend {
    Backend { kind: BackendKind::Cpu, fallback_reason: Some(reason.into()) }
}

/// Remember that WebGPU could not start, and why; the CPU backend to use instead.
pub fn webgpu_failed(reason: String) -> Backend {
    WEBGPU_FAILED.with(|w| *w.borrow_mut() = Some(reason.clone()));
    cpu(reason)
}

/// Why WebGPU cannot train here, or "" when the browser offers an adapter.
async fn adapter_problem() -> String {
    if let Some(reason) = WEBGPU_FAILED.with(|w| w.borrow().clone()) {
        return reason;
    }
    webgpu_adapter_problem().await
}

/// Pick the backend: WebGPU unless the visitor forces the CPU or WebGPU is unavailable.
pub async fn select(force_cpu: bool) -> Backend {
    if force_cpu {
        return cpu("you chose the CPU");
    }
    let problem = adapter_problem().await;
    if problem.is_empty() { Backend { kind: BackendKind::Webgpu, fallback_reason: None } } else { cpu(problem) }
}

/// Whether a run started now would train on the CPU (the visitor's choice, or
/// no WebGPU adapter), asked without starting WebGPU. `force_cpu` is read
/// after the adapter probe, so a tick during the probe counts.
pub async fn cpu_would_train(force_cpu: impl Fn() -> bool) -> bool {
    let no_adapter = !adapter_problem().await.is_empty();
    no_adapter || force_cpu()
}
