#!/usr/bin/env bash
# Every test: the host tests of the core (cargo test, burn's CPU backend), then
# the release page built into dist/ and driven in headless Chromium, with and
# without WebGPU. Screenshots and logs go to tests/output/.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
source "$here/env.sh"
sigpath_use_wasm_toolchain
cd "$SIGPATH_ROOT"
mkdir -p tests/output
step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

step "host tests (cargo test)"
cargo test --all-targets

step "release build of the page (trunk)"
bash "$here/build.sh"
wasm="$(ls dist/*_bg.wasm)"
printf 'wasm: %s bytes raw, %s bytes gzip -9\n' "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)" | tee tests/output/wasm-size.txt

step "browser tests (headless Chromium)"
cd tests/browser
node --test --test-concurrency=1 --test-reporter=spec --test-timeout=1200000 ./*.test.mjs
