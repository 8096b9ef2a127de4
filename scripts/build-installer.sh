#!/usr/bin/env bash
# Builds the Windows installer offline on Debian: a size-tuned cross-build (`dist` profile) of
# portdesk.exe for x86_64-pc-windows-gnu, then installer/windows/portdesk.nsi compiled by
# Debian's makensis into Portdesk-Setup-<version>.exe (version from the workspace Cargo.toml).
#
#   bash scripts/build-installer.sh [OUT_DIR]     # default OUT_DIR: $CARGO_TARGET_DIR/installer
#
# Needs gcc-mingw-w64-x86-64 and the x86_64-pc-windows-gnu Rust target (scripts/setup.sh) and
# nsis (installed here when missing). The UI (ui/dist) is built here with trunk --release.
# Prints the installer's path as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
TARGET=x86_64-pc-windows-gnu
PROFILE=dist

log() { printf '[installer] %s\n' "$*" >&2; }

if ! command -v makensis >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  log "apt: installing nsis"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nsis >/dev/null
fi

version=$(cargo metadata --locked --offline --no-deps --format-version 1 \
  | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "portdesk"))')
out_dir="${1:-$CARGO_TARGET_DIR/installer}"
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)

s=$(date +%s)
log "UI (trunk --release)"
(cd ui && trunk build --offline --release >&2)
log "UI took $(( $(date +%s) - s )) s"

s=$(date +%s)
log "portdesk.exe ($TARGET, profile $PROFILE)"
cargo build --locked -p portdesk --target "$TARGET" --profile "$PROFILE" >&2
bin="$CARGO_TARGET_DIR/$TARGET/$PROFILE"
kind=$(file -b "$bin/portdesk.exe")
log "portdesk.exe: $kind"
case "$kind" in PE32+\ executable*) ;; *) log "not a Windows PE32+ executable"; exit 1 ;; esac
# The webview2-com loader is linked dynamically with the GNU toolchain: it ships beside the exe.
[ -f "$bin/WebView2Loader.dll" ] || { log "WebView2Loader.dll missing in $bin"; exit 1; }
log "cross-build took $(( $(date +%s) - s )) s"

s=$(date +%s)
setup="$out_dir/Portdesk-Setup-$version.exe"
makensis -V2 -NOCD \
  -DVERSION="$version" \
  -DSRC="$bin" \
  -DICON="$PWD/icons/icon.ico" \
  -DOUTFILE="$setup" \
  installer/windows/portdesk.nsi >&2
kind=$(file -b "$setup")
case "$kind" in PE32+\ executable*) ;; *) log "the installer is not PE32+: $kind"; exit 1 ;; esac
log "makensis took $(( $(date +%s) - s )) s"
log "portdesk.exe $(du -k "$bin/portdesk.exe" | cut -f1) KiB, WebView2Loader.dll $(du -k "$bin/WebView2Loader.dll" | cut -f1) KiB, installer $(du -k "$setup" | cut -f1) KiB"
echo "$setup"
