//! Entry point of the page (wasm) — on the host there is nothing to run; see `cargo test`.

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// Made by the linker: runs the static constructors (burn's backends register through `inventory`).
    fn __wasm_call_ctors();
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        // Calling it once ourselves tells wasm-ld that this program runs its
        // constructors itself. Otherwise every export (each call from JS into
        // Rust: events, timers, futures) first re-runs all of them, which made
        // training many times slower in profiles.
        unsafe { __wasm_call_ctors() };
        sigpath::app::start();
    }
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("sigpath runs in the browser: see README.md (scripts/serve.sh).");
}
