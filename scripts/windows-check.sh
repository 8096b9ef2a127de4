#!/usr/bin/env bash
# The Windows build tested, not only built: the installer (scripts/build-installer.sh) runs
# silently under Wine in a throwaway prefix, then the INSTALLED portdesk.exe runs its command
# line there and the checks read what it printed and wrote. Then: an upgrade over an older
# version keeps the data, a silent uninstall keeps the data, /DELETEDATA removes it, and a
# per-machine install (/ALLUSERS) goes to Program Files.
#
#   bash scripts/windows-check.sh [Portdesk-Setup-x.y.z.exe]   # builds the installer if not given
#
# Installs wine64 and nsis when missing. The GUI cannot run under Wine (no WebView2 runtime,
# no display): only the installer and the command line are tested. Exits non-zero on the first
# failed check.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
WINE=/usr/lib/wine/wine64
WINESERVER=/usr/lib/wine/wineserver

log() { printf '[windows-check] %s\n' "$*"; }
fail() { printf '[windows-check] FAILED: %s\n' "$*" >&2; exit 1; }

missing=()
[ -x "$WINE" ] || missing+=(wine64)
command -v makensis >/dev/null 2>&1 || missing+=(nsis)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing+=(gcc-mingw-w64-x86-64)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  log "apt: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

setup="${1:-}"
if [ -z "$setup" ]; then
  setup=$(bash scripts/build-installer.sh | tail -n 1)
fi
[ -f "$setup" ] || fail "no installer at $setup"
setup=$(cd "$(dirname "$setup")" && pwd)/$(basename "$setup")
version=$(basename "$setup" .exe); version=${version#Portdesk-Setup-}

tmp=$(mktemp -d /tmp/portdesk-wine.XXXXXX)
export WINEPREFIX="$tmp/prefix" WINEDEBUG=-all
# No Mono / Gecko download prompts; no real home or display touched (shortcuts, shell folders).
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
export HOME="$tmp/home"
unset DISPLAY WAYLAND_DISPLAY
mkdir -p "$HOME"
cleanup() { "$WINESERVER" -k 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

s=$(date +%s)
log "Wine prefix in $WINEPREFIX"
"$WINE" wineboot -i >/dev/null 2>&1
"$WINESERVER" -w
# Wine 8 has no bcryptprimitives.dll (Rust's std needs its ProcessPrng): a test-only stand-in
# goes into the prefix's system32, never into the installed folder.
x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/wine/process-prng-shim.c -ladvapi32
log "prefix ready in $(( $(date +%s) - s )) s"

user=$(id -un)
c="$WINEPREFIX/drive_c"
local_appdata="$c/users/$user/AppData/Local"
app_dir="$local_appdata/Programs/Portdesk"
data_dir="$local_appdata/Portdesk/Portdesk/data"
start_menu="$c/users/$user/AppData/Roaming/Microsoft/Windows/Start Menu/Programs"
pickup="$c/pickup"

# Runs a Windows program and waits for every process it started (an NSIS uninstaller copies
# itself to %TEMP% and returns at once). Sets $out (stdout + stderr) and $rc.
run() {
  rc=0
  out=$("$WINE" "$@" 2>&1 </dev/null) || rc=$?
  "$WINESERVER" -w
}
# The installed portdesk.exe with standard input from $2 (may be empty).
portdesk_in() {
  local stdin=$1; shift
  rc=0
  out=$(printf '%s' "$stdin" | "$WINE" "$app_dir/portdesk.exe" "$@" 2>&1) || rc=$?
  "$WINESERVER" -w
}
portdesk() { portdesk_in "" "$@"; }
expect_rc() { [ "$rc" = "$1" ] || fail "$2: exit code $rc, expected $1; output: $out"; }
expect_out() { grep -qF -- "$1" <<<"$out" || fail "expected \"$1\" in the output: $out"; }
expect_file() { [ -e "$1" ] || fail "missing: $1"; }
expect_gone() { [ ! -e "$1" ] || fail "still there: $1"; }
reg_value() { # key value -> prints the data or nothing
  "$WINE" reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' | awk -v v="$2" '$1 == v {print $3}'
}
sql() { # db query -> rows, tab-separated
  python3 - "$1" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(sys.argv[2]):
    print("\t".join(str(v) for v in row))
db.commit()
PY
}

# An older version of the same program, to upgrade from (zlib: quick to make).
old="$tmp/Portdesk-Setup-0.0.1.exe"
bin_dir="$CARGO_TARGET_DIR/x86_64-pc-windows-gnu/dist"
makensis -V1 -NOCD -DVERSION=0.0.1 -DSRC="$bin_dir" -DICON="$PWD/icons/icon.ico" \
  -DOUTFILE="$old" -DCOMPRESSOR=zlib installer/windows/portdesk.nsi

s=$(date +%s)
log "install 0.0.1 silently (per-user)"
run "$old" /S
expect_rc 0 "silent install"
expect_file "$app_dir/portdesk.exe"
expect_file "$app_dir/WebView2Loader.dll"
expect_file "$app_dir/uninstall.exe"
expect_file "$start_menu/Portdesk.lnk"
expect_file "$c/users/$user/Desktop/Portdesk.lnk"
grep -q "WebView2 runtime: MISSING" "$app_dir/install.log" \
  || fail "install.log does not note the missing WebView2 runtime: $(cat "$app_dir/install.log")"
key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Portdesk'
[ "$(reg_value "$key" DisplayVersion)" = 0.0.1 ] || fail "Add/Remove Programs entry: $("$WINE" reg query "$key" 2>&1)"
log "installed in $(( $(date +%s) - s )) s"

log "the installed command line"
portdesk --help
expect_rc 0 "--help"
expect_out "admin"
expect_out "demo-erp"
portdesk frobnicate
[ "$rc" != 0 ] || fail "an unknown command succeeded: $out"
expect_out '"frobnicate" is not a Portdesk command'
# In a console, as an IT person types it: `script` gives Wine a terminal, so cmd.exe gets a
# real console, and `start /wait` gives the windowed portdesk.exe no handles of its own: what
# it prints arrives only through AttachConsole.
in_console() {
  rc=0
  out=$(script -qec "$WINE cmd /c start /wait '' 'C:\\users\\$user\\AppData\\Local\\Programs\\Portdesk\\portdesk.exe' $*" /dev/null 2>&1 </dev/null \
    | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | tr -d '\r') || rc=$?  # Wine's console: no escapes
  "$WINESERVER" -w
}
in_console --version
expect_rc 0 "--version in a console"
expect_out "portdesk $version"  # the same exe in both installers
in_console frobnicate
expect_rc 2 "an unknown command in a console"
expect_out 'frobnicate" is not a Portdesk command'
portdesk_in $'Forklift-Harbour-42\n' admin create --name "Site Admin" --email it@example.com --password-stdin
expect_rc 0 "admin create"
expect_out "Admin account it@example.com created."
expect_file "$data_dir/portdesk.db"
[ "$(sql "$data_dir/portdesk.db" "SELECT role FROM users WHERE email = 'it@example.com'")" = admin ] \
  || fail "the admin account is not in $data_dir/portdesk.db"
portdesk demo-erp generate --rows 2000
expect_rc 0 "demo-erp generate"
expect_out "2000 stock rows"
expect_file "$data_dir/demo-erp.db"
[ "$(sql "$data_dir/demo-erp.db" "SELECT COUNT(*) > 0 FROM sqlite_master")" = 1 ] || fail "demo-erp.db is empty"

# Mail through a pickup folder: the setting as the Settings window saves it, and one queued
# message (as a business action would queue it).
now=$(( $(date +%s) * 1000 ))
sql "$data_dir/portdesk.db" "INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES ('mail.settings',
  '{\"transport\":{\"kind\":\"pickup_folder\",\"path\":\"C:\\\\pickup\"},\"from_address\":\"portal@harbour.example\",\"from_name\":\"Portdesk\",\"company_name\":\"Harbour\",\"logo_path\":\"\"}', $now)" >/dev/null
sql "$data_dir/portdesk.db" "INSERT INTO mail_outbox (idempotency_key, kind, recipients, subject, body_text,
  message_id, status, attempts, next_attempt_at, created_at, updated_at) VALUES ('windows-check', 'test',
  '[\"it@example.com\"]', 'Sent under Wine', 'From scripts/windows-check.sh.',
  '<windows-check@portdesk>', 'queued', 0, $now, $now, $now)" >/dev/null
portdesk mail flush
expect_rc 0 "mail flush"
expect_out "1 sent, 0 to retry, 0 failed."
eml=$(find "$pickup" -name '*.eml' | head -n 1)
[ -n "$eml" ] || fail "no .eml in $pickup"
grep -q "^Subject: Sent under Wine" "$eml" || fail "the .eml: $(head -c 2000 "$eml")"
grep -q "^To: it@example.com" "$eml" || fail "the .eml's recipient: $(head -c 2000 "$eml")"

s=$(date +%s)
log "upgrade to $version silently over 0.0.1"
run "$setup" /S
expect_rc 0 "silent upgrade"
[ "$(reg_value "$key" DisplayVersion)" = "$version" ] || fail "Add/Remove Programs still shows $(reg_value "$key" DisplayVersion)"
[ "$(grep -c "installed Portdesk" "$app_dir/install.log")" = 2 ] || fail "install.log: $(cat "$app_dir/install.log")"
portdesk --version
expect_out "portdesk $version"
portdesk admin unlock --email it@example.com
expect_rc 0 "admin unlock after the upgrade"
expect_out "Account it@example.com unlocked."
expect_file "$data_dir/demo-erp.db"
log "upgraded in $(( $(date +%s) - s )) s"

log "silent uninstall keeps the data"
run "$app_dir/uninstall.exe" /S
expect_rc 0 "silent uninstall"
expect_gone "$app_dir/portdesk.exe"
expect_gone "$app_dir"
expect_gone "$start_menu/Portdesk.lnk"
expect_gone "$c/users/$user/Desktop/Portdesk.lnk"
[ -z "$(reg_value "$key" DisplayVersion)" ] || fail "the Add/Remove Programs entry is still there"
[ "$(sql "$data_dir/portdesk.db" "SELECT COUNT(*) FROM users WHERE email = 'it@example.com'")" = 1 ] \
  || fail "the data did not survive the uninstall"

log "reinstall, then uninstall with /DELETEDATA"
run "$setup" /S /NODESKTOPSHORTCUT
expect_rc 0 "reinstall"
expect_gone "$c/users/$user/Desktop/Portdesk.lnk"
portdesk admin unlock --email it@example.com
expect_rc 0 "the data is found again after a reinstall"
run "$app_dir/uninstall.exe" /S /DELETEDATA
expect_rc 0 "uninstall /DELETEDATA"
expect_gone "$app_dir"
expect_gone "$local_appdata/Portdesk"

log "per-machine install (/ALLUSERS) and its uninstall"
machine_dir="$c/Program Files/Portdesk"
run "$setup" /S /ALLUSERS
expect_rc 0 "silent /ALLUSERS install"
expect_file "$machine_dir/portdesk.exe"
expect_file "$c/ProgramData/Microsoft/Windows/Start Menu/Programs/Portdesk.lnk"
mkey='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\Portdesk'
[ "$(reg_value "$mkey" DisplayVersion)" = "$version" ] || fail "no per-machine Add/Remove Programs entry"
app_dir="$machine_dir"
portdesk_in $'Forklift-Harbour-42\n' admin create --name "Kiosk Admin" --email kiosk@example.com --password-stdin
expect_rc 0 "admin create from Program Files"
expect_file "$data_dir/portdesk.db"
run "$machine_dir/uninstall.exe" /S
expect_rc 0 "per-machine uninstall"
expect_gone "$machine_dir"
[ -z "$(reg_value "$mkey" DisplayVersion)" ] || fail "the per-machine entry is still there"
expect_file "$data_dir/portdesk.db"

log "all Windows checks passed (installer $(du -k "$setup" | cut -f1) KiB)"
