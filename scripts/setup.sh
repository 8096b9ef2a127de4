#!/usr/bin/env bash
# Installs everything Portdesk needs to build, run and test on Debian/Ubuntu.
# Each step is skipped when what it installs is already present, so re-runs are fast.
set -euo pipefail

WASM_BINDGEN_VERSION="${WASM_BINDGEN_VERSION:-0.2.130}"
TRUNK_VERSION="0.21.14"
TAURI_DRIVER_VERSION="2.1.0"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

log() { printf '[setup] %s\n' "$*"; }

APT_PKGS=(
  build-essential pkg-config file patchelf curl
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libssl-dev libayatana-appindicator3-dev libxdo-dev
  xvfb xauth webkit2gtk-driver imagemagick keyutils
  postgresql
  gcc-mingw-w64-x86-64
  python3-pip python3-venv
)
have_version() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -q "$2"; }

# The three build tools compile from crates.io (minutes on two cores) and need none of the
# Debian packages, so they build while apt works. A leaner release profile (no LTO, more
# codegen units, opt-level 2) halves their build; they only drive the build and the tests.
install_tools() {
  export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=2 CARGO_PROFILE_RELEASE_DEBUG=false
  # Their own target folder: never the project's (CARGO_TARGET_DIR may point at CI's).
  local t; t=$(mktemp -d /tmp/portdesk-tools.XXXXXX)
  if ! have_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
    log "cargo: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # Not --locked: its lockfile pins a webpki-roots version the registry lacks.
    cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force --target-dir "$t"
  fi
  if ! have_version trunk "$TRUNK_VERSION"; then
    log "cargo: installing trunk $TRUNK_VERSION"
    cargo install -q --locked trunk --version "$TRUNK_VERSION" --target-dir "$t"
  fi
  if ! have_version tauri-driver "$TAURI_DRIVER_VERSION"; then
    log "cargo: installing tauri-driver $TAURI_DRIVER_VERSION"
    cargo install -q --locked tauri-driver --version "$TAURI_DRIVER_VERSION" --target-dir "$t"
  fi
  rm -rf "$t"
}
export PATH="$HOME/.cargo/bin:$PATH"
tools_log=$(mktemp /tmp/portdesk-tools-log.XXXXXX)
install_tools >"$tools_log" 2>&1 &
tools_pid=$!

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "apt: all packages present"
fi

export PATH="$HOME/.cargo/bin:$PATH"
installed_targets=$(rustup target list --installed)
for t in wasm32-unknown-unknown x86_64-pc-windows-gnu; do
  if ! grep -qx "$t" <<<"$installed_targets"; then log "rustup: adding $t"; rustup target add "$t"; fi
done

# A real SMTP server for the mail tests.
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  log "pip: installing aiosmtpd"
  python3 -m pip install -q aiosmtpd==1.4.6 2>/dev/null || python3 -m pip install -q --break-system-packages aiosmtpd==1.4.6
fi
# The Python peer of the inventory benchmark (benches/openpyxl_peer.py).
if ! python3 -c 'import openpyxl' 2>/dev/null; then
  log "pip: installing openpyxl"
  python3 -m pip install -q openpyxl 2>/dev/null || python3 -m pip install -q --break-system-packages openpyxl
fi
if ! wait "$tools_pid"; then
  cat "$tools_log"; rm -f "$tools_log"; log "installing the build tools failed"; exit 1
fi
cat "$tools_log"; rm -f "$tools_log"
log "done"
