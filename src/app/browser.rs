//! Small wrappers around browser APIs, returning plain-words errors.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = r#"
export async function gunzip_js(bytes) {
  // The browser's own inflater, fed in slices with a yield after each: piping a
  // whole file through it in one go held the main thread in one long task
  // (MNIST's training images); this takes about as long but in short tasks.
  const SLICE = 16384;
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const parts = [];
  let total = 0;
  const drain = (async () => {
    for (let n = 1; ; n++) {
      const { done, value } = await reader.read();
      if (done) return;
      parts.push(value);
      total += value.length;
      if (n % 4 === 0) await yield_js();
    }
  })();
  // A damaged stream rejects the reads and the writes; report the first.
  drain.catch(() => {});
  try {
    for (let at = 0; at < bytes.length; at += SLICE) {
      await writer.write(bytes.subarray(at, at + SLICE));
      await yield_js();
    }
    await writer.close();
  } catch (e) {
    await drain;
    throw e;
  }
  await drain;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out.buffer;
}
export function yield_js() {
  // A macrotask without setTimeout's 4 ms clamp: lets input events and rendering run.
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}
export function has_decompression_stream() {
  return typeof DecompressionStream === "function";
}
"#)]
extern "C" {
    fn gunzip_js(bytes: &Uint8Array) -> Promise;
    fn yield_js() -> Promise;
    fn has_decompression_stream() -> bool;
}

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

/// Why WebGPU cannot train here (in the page or in a worker), or "" when the
/// browser offers an adapter.
pub async fn webgpu_adapter_problem() -> String {
    JsFuture::from(webgpu_adapter_probe()).await.ok().and_then(|v| v.as_string()).unwrap_or_default()
}

/// Text of a JS error value, for messages.
pub fn js_error_text(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

thread_local! {
    // Looked up once: fetching `window.performance` on every call showed up in
    // profiles. A handle to the browser's clock, not page state: `now_ms` is
    // called from code that has no `AppState`, workers included.
    static PERFORMANCE: Option<web_sys::Performance> = web_sys::window().and_then(|w| w.performance());
}

/// Milliseconds since navigation started.
pub fn now_ms() -> f64 {
    PERFORMANCE.with(|p| p.as_ref().map_or(0.0, web_sys::Performance::now))
}

/// What went wrong in a worker, from its `error` event: a script that failed
/// to load gives a plain Event, a crash an ErrorEvent with a message.
pub fn worker_error_text(event: &web_sys::Event) -> String {
    event
        .dyn_ref::<web_sys::ErrorEvent>()
        .map(web_sys::ErrorEvent::message)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "its script could not be loaded".into())
}

/// The URL of a worker's script, from the page's `<meta name="{meta}">`: the
/// build (scripts/post-build.mjs) names the scripts by their content and
/// writes the names there. Missing, it is an error, not a guess at a fixed
/// name, which could be an older build's file in the browser's cache.
pub fn worker_script(meta: &str) -> Result<String, String> {
    let content = || {
        let document = web_sys::window()?.document()?;
        let element = document.query_selector(&format!("meta[name=\"{meta}\"]")).ok()??;
        element.get_attribute("content").filter(|c| !c.is_empty())
    };
    content().ok_or_else(|| format!("the page does not name the script (no <meta name=\"{meta}\">)"))
}

/// A note for developers in the browser's console (nothing the visitor needs
/// to act on: the page carries on).
pub fn log_warning(text: &str) {
    web_sys::console::warn_1(&text.into());
}

/// Let the browser handle input and paint before continuing.
pub async fn yield_now() {
    let _ = JsFuture::from(yield_js()).await;
}

/// Wait `ms` milliseconds without keeping the CPU busy.
pub async fn sleep_ms(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Yields to the event loop once a time budget is spent, so long loops keep
/// the page responsive without paying for a yield on every iteration.
pub struct Pacer {
    budget_ms: f64,
    since_ms: f64,
}

impl Pacer {
    /// `budget_ms` of work between yields (a frame is ~16 ms).
    pub fn new(budget_ms: f64) -> Self {
        Self { budget_ms, since_ms: now_ms() }
    }

    /// Whether the budget is spent.
    pub fn due(&self) -> bool {
        now_ms() - self.since_ms >= self.budget_ms
    }

    /// Yield now and start a new budget.
    pub async fn pause(&mut self) {
        yield_now().await;
        self.since_ms = now_ms();
    }

    /// Yield if the budget is spent.
    pub async fn tick(&mut self) {
        if self.due() {
            self.pause().await;
        }
    }
}

/// Fetch a URL (relative to the page) as bytes.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no browser window")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("could not be downloaded ({})", js_error_text(&e)))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "the download failed".to_string())?;
    if !response.ok() {
        return Err(format!(
            "could not be downloaded (the server answered {} {})",
            response.status(),
            response.status_text()
        ));
    }
    let buffer = response.array_buffer().map_err(|e| js_error_text(&e))?;
    let buffer =
        JsFuture::from(buffer).await.map_err(|e| format!("could not be downloaded ({})", js_error_text(&e)))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Undo gzip with the browser's `DecompressionStream`. Anything else goes to
/// the core's rules: raw IDX bytes (a server that already inflated them) pass,
/// the rest is refused as "not gzip".
pub async fn gunzip(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if !bytes.starts_with(&[0x1f, 0x8b]) || !has_decompression_stream() {
        // Older browsers inflate with the pure-Rust inflater in the core.
        return crate::core::data::idx::gunzip(&bytes).map_err(|e| e.to_string());
    }
    let array = Uint8Array::from(bytes.as_slice());
    drop(bytes);
    let inflated = JsFuture::from(gunzip_js(&array))
        .await
        .map_err(|e| format!("the gzip stream is damaged ({})", js_error_text(&e)))?;
    Ok(Uint8Array::new(&inflated).to_vec())
}

/// Whether the browser exposes WebGPU at all (an adapter may still be refused).
pub fn has_webgpu_api() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("gpu")).ok())
        .is_some_and(|gpu| !gpu.is_undefined() && !gpu.is_null())
}

/// Offer `bytes` to the visitor as a downloaded file.
pub fn download(filename: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|e| js_error_text(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| js_error_text(&e))?;
    let anchor: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(|e| js_error_text(&e))?.dyn_into().map_err(|_| "no anchor")?;
    anchor.set_href(&url);
    anchor.set_download(filename);
    anchor.click();
    // Revoke later: the download may not have started yet.
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    Ok(())
}
