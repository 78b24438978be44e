#!/usr/bin/env bash
# The bench command (issue 9): installs what is missing, builds the release
# page, then times it against TensorFlow.js in headless Chromium. Prints tables
# and writes tests/output/bench.json. Options go to tests/bench/bench.mjs
# (e.g. --runs 5, --only tfjs; --help lists them).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
source "$here/env.sh"
cd "$SIGPATH_ROOT"

printf '\n\033[1m== release build of the page (trunk) ==\033[0m\n'
bash "$here/build.sh"

bench="$SIGPATH_ROOT/tests/bench"
if [ ! -d "$bench/node_modules/@tensorflow/tfjs-backend-wasm" ] ||
  [ ! -d "$bench/node_modules/playwright-core" ] ||
  [ "$bench/package-lock.json" -nt "$bench/node_modules/.package-lock.json" ]; then
  echo "bench: installing playwright-core and TensorFlow.js (npm ci in tests/bench)"
  (cd "$bench" && npm ci --no-audit --no-fund --silent)
fi

printf '\n\033[1m== bench (headless Chromium) ==\033[0m\n'
exec node "$bench/bench.mjs" "$@"
