#!/usr/bin/env bash
# Build the release page into dist/ (offline: every tool is installed by setup.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
sigpath_use_wasm_toolchain
cd "$SIGPATH_ROOT"
sigpath_wasm_env trunk build --release --offline "$@"
