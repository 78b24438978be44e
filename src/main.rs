//! Entry point of the page (wasm) — on the host there is nothing to run; see `cargo test`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    sigpath::app::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("sigpath runs in the browser: see README.md (scripts/serve.sh).");
}
