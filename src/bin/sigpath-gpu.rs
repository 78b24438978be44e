//! Entry point of the WebGPU trainer's worker (wasm, built with the `webgpu`
//! feature; see `src/worker.rs`). The page's own wasm is `src/main.rs`.

#[cfg(all(target_arch = "wasm32", feature = "webgpu"))]
unsafe extern "C" {
    /// Made by the linker: runs the static constructors (burn's backends register through `inventory`).
    fn __wasm_call_ctors();
}

fn main() {
    #[cfg(all(target_arch = "wasm32", feature = "webgpu"))]
    {
        // As in src/main.rs: run the constructors once ourselves, so that
        // wasm-ld does not re-run them before every call from JS.
        unsafe { __wasm_call_ctors() };
        sigpath::worker::start();
    }
    #[cfg(not(all(target_arch = "wasm32", feature = "webgpu")))]
    eprintln!("sigpath-gpu is the page's WebGPU trainer: it runs in a browser worker (see README.md).");
}
