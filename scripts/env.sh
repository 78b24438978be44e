# Sourced by the other scripts: where things live and which toolchain builds wasm.
# shellcheck shell=bash

SIGPATH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SIGPATH_ROOT
# Build products and installed tools stay outside the clone, so a fresh clone
# on the same machine reuses a warm build.
export SIGPATH_CACHE="${SIGPATH_CACHE:-$HOME/.cache/sigpath}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$SIGPATH_CACHE/target}"
export PATH="$HOME/.cargo/bin:$SIGPATH_CACHE/bin:$PATH"

# Which toolchain builds the wasm: "rustup" when rustup has the wasm32 std,
# "debian" for Debian's rustc-web + -Zbuild-std (see scripts/setup.sh).
sigpath_wasm_route() {
  if command -v rustup >/dev/null 2>&1 &&
    rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo rustup
  elif [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ] &&
    /usr/bin/rustc --print target-list 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo debian
  else
    echo none
  fi
}

SIGPATH_BUILD_STD=""

# Put the wasm-capable toolchain first on PATH and set what it needs. Host
# builds use the same toolchain so proc-macros and build scripts are shared.
sigpath_use_wasm_toolchain() {
  case "$(sigpath_wasm_route)" in
    debian)
      export PATH="/usr/bin:$PATH"
      export RUSTC_BOOTSTRAP=1
      # Only wasm builds rebuild std (host builds must not): see sigpath_wasm_env.
      SIGPATH_BUILD_STD="std,panic_abort"
      ;;
    rustup) ;;
    *)
      echo "No Rust toolchain that can build wasm32 is installed: run scripts/setup.sh first." >&2
      return 1
      ;;
  esac
}

# Run a command with the environment of a wasm build.
sigpath_wasm_env() {
  if [ -n "$SIGPATH_BUILD_STD" ]; then
    CARGO_UNSTABLE_BUILD_STD="$SIGPATH_BUILD_STD" "$@"
  else
    "$@"
  fi
}
