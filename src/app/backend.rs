//! Where training runs: WebGPU when the browser offers an adapter, otherwise
//! burn's flex CPU backend. The choice is made at run time and explained.

use std::cell::RefCell;

use burn::tensor::Device;
use burn::tensor::wgpu::WgpuBackend;
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::snapshot::BackendKind;

#[wasm_bindgen(inline_js = r#"
export async function webgpu_adapter_probe() {
  if (!("gpu" in navigator) || !navigator.gpu) return "this browser does not offer WebGPU";
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return "the browser offers WebGPU but no GPU adapter";
    return "";
  } catch (e) {
    return "asking for a WebGPU adapter failed: " + (e && e.message ? e.message : e);
  }
}
"#)]
extern "C" {
    fn webgpu_adapter_probe() -> Promise;
}

/// The device training uses, with the reason for a fallback.
#[derive(Clone)]
pub struct Backend {
    pub kind: BackendKind,
    pub device: Device,
    /// Why the CPU is used, when it is (shown in `backend-badge`).
    pub fallback_reason: Option<String>,
}

thread_local! {
    // burn's wgpu runtime can be initialised only once per page: keep its outcome.
    static WEBGPU: RefCell<Option<Result<Device, String>>> = const { RefCell::new(None) };
}

/// burn's CPU backend (flex, built with simd128).
pub fn cpu(reason: impl Into<String>) -> Backend {
    Backend { kind: BackendKind::Cpu, device: Device::flex(), fallback_reason: Some(reason.into()) }
}

/// Why WebGPU cannot train here, or "" when the browser offers an adapter.
async fn adapter_problem() -> String {
    JsFuture::from(webgpu_adapter_probe()).await.ok().and_then(|v| v.as_string()).unwrap_or_default()
}

async fn init_webgpu() -> Result<Device, String> {
    if let Some(outcome) = WEBGPU.with(|w| w.borrow().clone()) {
        return outcome;
    }
    let probe = adapter_problem().await;
    let outcome = if probe.is_empty() {
        Device::wgpu_options()
            .graphics_api(WgpuBackend::WebGpu)
            .init_async()
            .await
            .map_err(|e| format!("WebGPU could not start ({e})"))
    } else {
        Err(probe)
    };
    WEBGPU.with(|w| *w.borrow_mut() = Some(outcome.clone()));
    outcome
}

/// Pick the backend: WebGPU unless the visitor forces the CPU or WebGPU is unavailable.
pub async fn select(force_cpu: bool) -> Backend {
    if force_cpu {
        return cpu("you chose the CPU");
    }
    match init_webgpu().await {
        Ok(device) => Backend { kind: BackendKind::Webgpu, device, fallback_reason: None },
        Err(reason) => cpu(reason),
    }
}

/// Whether a run started now would train on the CPU (the visitor's choice, or
/// no WebGPU adapter), asked without starting WebGPU.
pub async fn cpu_would_train(force_cpu: bool) -> bool {
    if force_cpu {
        return true;
    }
    if let Some(outcome) = WEBGPU.with(|w| w.borrow().clone()) {
        return outcome.is_err();
    }
    !adapter_problem().await.is_empty()
}
