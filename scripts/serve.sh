#!/usr/bin/env bash
# The main job: install what is missing, build the page, serve it on
# http://127.0.0.1:8080 (rebuilds on change; Ctrl-C stops).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
source "$here/env.sh"
sigpath_use_wasm_toolchain
cd "$SIGPATH_ROOT"
echo "sigpath: building, then serving on http://127.0.0.1:8080"
sigpath_wasm_env exec trunk serve --release --offline "$@"
