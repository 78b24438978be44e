#!/usr/bin/env bash
# Trunk pre_build hook: build the WebGPU trainer (src/worker.rs, feature
# `webgpu`) into $TRUNK_STAGING_DIR/gpu/ as a module worker the page starts
# when a GPU trains: gpu/sigpath-gpu_loader.js, gpu/sigpath-gpu.js,
# gpu/sigpath-gpu_bg.wasm and the JS snippets it imports.
#
# Not a second `rel="rust"` link in index.html: Trunk runs both pipelines at once
# through one wasm-bindgen output folder, and the two programs number the
# crate's inline JS snippets differently, so one build's snippets overwrote the
# other's (the page was then blocked by its own integrity hashes).
set -euo pipefail
: "${TRUNK_STAGING_DIR:?run me as a Trunk hook (scripts/build.sh)}"
cd "${TRUNK_SOURCE_DIR:-$(dirname "${BASH_SOURCE[0]}")/..}"

profile_dir=debug
cargo_profile=()
if [ "${TRUNK_PROFILE:-release}" = release ]; then
  profile_dir=release
  cargo_profile=(--release)
fi
target_dir="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}"

cargo build --target wasm32-unknown-unknown "${cargo_profile[@]}" --locked --bin sigpath-gpu --features webgpu

bindgen_out="$target_dir/wasm-bindgen-gpu/$profile_dir"
rm -rf "$bindgen_out"
wasm-bindgen --target web --no-typescript --out-dir "$bindgen_out" --out-name sigpath-gpu \
  "$target_dir/wasm32-unknown-unknown/$profile_dir/sigpath-gpu.wasm"

out="$TRUNK_STAGING_DIR/gpu"
rm -rf "$out"
mkdir -p "$out"
cp -r "$bindgen_out/sigpath-gpu.js" "$out/"
[ -d "$bindgen_out/snippets" ] && cp -r "$bindgen_out/snippets" "$out/"
if [ "$profile_dir" = release ]; then
  # As Trunk does for the page's wasm (data-wasm-opt="z").
  wasm-opt -Oz --output "$out/sigpath-gpu_bg.wasm" "$bindgen_out/sigpath-gpu_bg.wasm"
else
  cp "$bindgen_out/sigpath-gpu_bg.wasm" "$out/"
fi
# The worker's entry: load the wasm (next to this file) and run its main.
printf '%s\n' 'import init from "./sigpath-gpu.js";' 'await init();' >"$out/sigpath-gpu_loader.js"
echo "build-gpu-worker: $(stat -c %s "$out/sigpath-gpu_bg.wasm") bytes of wasm in gpu/"
