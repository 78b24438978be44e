#!/usr/bin/env bash
# Install whatever is missing to build, serve and test sigpath. Idempotent: a
# second run only checks, and takes seconds. Downloads come only from the
# package registries (Debian/Ubuntu apt, crates.io, npm).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132.0.0"
mkdir -p "$SIGPATH_CACHE/bin"

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else
    echo "setup: '$*' needs root and sudo is not available; run it as root once." >&2
    return 1
  fi
}

APT_UPDATED=""
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: please install ${missing[*]} (this script knows apt only)." >&2
    return 1
  fi
  say "installing ${missing[*]} (apt)"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -q; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# --- basic build tools -------------------------------------------------------
command -v cc >/dev/null 2>&1 || apt_install build-essential
command -v pkg-config >/dev/null 2>&1 || apt_install pkg-config
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_install nodejs npm
command -v gzip >/dev/null 2>&1 || apt_install gzip

# --- a Rust toolchain that can build wasm32 ----------------------------------
route="$(sigpath_wasm_route)"
if [ "$route" = none ] && command -v rustup >/dev/null 2>&1 && [ ! -e "$SIGPATH_CACHE/rustup-target-failed" ]; then
  # The plain route. It can hang on machines without internet: bound it, and
  # remember a failure so later runs go straight to the fallback.
  say "trying 'rustup target add wasm32-unknown-unknown'"
  if timeout 120 rustup target add wasm32-unknown-unknown; then
    route=rustup
  else
    touch "$SIGPATH_CACHE/rustup-target-failed"
  fi
fi
if [ "$route" = none ]; then
  # Debian's rustc-web (1.96) with its std sources: std is rebuilt for wasm32
  # with -Zbuild-std (see scripts/env.sh).
  say "using Debian's rustc-web toolchain with -Zbuild-std"
  apt_install rustc-web cargo-web rust-web-src lld
  command -v rust-lld >/dev/null 2>&1 || [ -e /usr/bin/rust-lld ] || apt_install lld-22 || true
  route="$(sigpath_wasm_route)"
fi
if [ "$route" = none ]; then
  echo "setup: no Rust toolchain able to build wasm32 could be installed." >&2
  exit 1
fi
sigpath_use_wasm_toolchain
say "wasm toolchain: $route ($(rustc --version))"

# The style checks of scripts/test.sh run on rustup's toolchain.
if command -v rustup >/dev/null 2>&1 && ! { cargo fmt --version && cargo clippy --version; } >/dev/null 2>&1; then
  say "adding rustfmt and clippy (rustup)"
  timeout 300 rustup component add rustfmt clippy || say "rustfmt or clippy could not be added; the style checks will fail"
fi

# --- Trunk, wasm-bindgen, wasm-opt ------------------------------------------
if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
  # 0.22 needs a newer rustc than these machines have; --locked avoids a
  # cssparser release that no longer compiles with 0.21.
  say "installing trunk $TRUNK_VERSION"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$SIGPATH_ROOT/Cargo.lock")"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: one of its locked dependency versions is missing from the registry.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
sed -i "s/^wasm_bindgen = \".*\"/wasm_bindgen = \"$WASM_BINDGEN_VERSION\"/" "$SIGPATH_ROOT/Trunk.toml"

if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
  # Binaryen from npm runs under node; Debian's binaryen is too old for rustc 1.96's output.
  say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
  mkdir -p "$SIGPATH_CACHE/binaryen"
  npm install --prefix "$SIGPATH_CACHE/binaryen" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
  cat >"$SIGPATH_CACHE/bin/wasm-opt" <<WRAP
#!/bin/sh
exec node "$SIGPATH_CACHE/binaryen/node_modules/binaryen/bin/wasm-opt" "\$@"
WRAP
  chmod +x "$SIGPATH_CACHE/bin/wasm-opt"
fi

# --- the browser and the test driver -----------------------------------------
command -v chromium >/dev/null 2>&1 || apt_install chromium
if [ ! -d "$SIGPATH_ROOT/tests/browser/node_modules/playwright-core" ] ||
  [ "$SIGPATH_ROOT/tests/browser/package-lock.json" -nt "$SIGPATH_ROOT/tests/browser/node_modules/.package-lock.json" ]; then
  say "installing the browser test driver (playwright-core, npm)"
  (cd "$SIGPATH_ROOT/tests/browser" && npm ci --no-audit --no-fund --silent)
fi

say "ready"
