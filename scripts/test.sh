#!/usr/bin/env bash
# Every test: the style checks (rustfmt, clippy), the host tests of the core (cargo test, burn's CPU backend), the
# bench's arithmetic (node), then the release page built into dist/ and driven
# in headless Chromium, with and without WebGPU. Screenshots and logs go to tests/output/.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
source "$here/env.sh"
cd "$SIGPATH_ROOT"
mkdir -p tests/output
step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

# rustup's toolchain has rustfmt and clippy (Debian's rustc-web, the wasm
# fallback, has neither): the style checks run before it is put first on PATH.
step "style (cargo fmt --check, cargo clippy -D warnings)"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
# The web shell (src/app, src/ui) exists only in the wasm build.
if [ "$(sigpath_wasm_route)" = rustup ]; then
  cargo clippy --target wasm32-unknown-unknown --lib --bins -- -D warnings
fi

sigpath_use_wasm_toolchain

step "host tests (cargo test)"
cargo test --all-targets

step "the bench's arithmetic (node --test, no browser)"
node --test tests/bench/

step "release build of the page (trunk)"
bash "$here/build.sh"
# The page's own wasm, and the WebGPU trainer's (a worker, fetched only when a GPU trains).
page_wasm="$(ls dist/*_bg.wasm)"
size() { printf '%s bytes raw, %s bytes gzip -9' "$(stat -c %s "$1")" "$(gzip -9 -c "$1" | wc -c)"; }
{
  printf 'page wasm: %s\n' "$(size "$page_wasm")"
  printf 'WebGPU trainer wasm: %s\n' "$(size dist/gpu/*/sigpath-gpu_bg.wasm)"
} | tee tests/output/wasm-size.txt

step "browser tests (headless Chromium)"
cd tests/browser
node --test --test-concurrency=1 --test-reporter=spec --test-timeout=1200000 ./*.test.mjs
