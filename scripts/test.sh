#!/usr/bin/env bash
# Runs every test of Portdesk on a Debian/Ubuntu machine, installing what is missing first:
# formatting and lints, unit tests, store tests on SQLite and on a real PostgreSQL server,
# the SQL Server wire test (mssql-mock-tds), keyring tests (kernel keyutils), and the
# end-to-end test of the real app in a real webview (tauri-driver + WebKitWebDriver, Xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# `--quick`: the edit-build-test loop — the core's unit tests and every integration test on
# SQLite (no PostgreSQL, no webview, no lints). CI always runs everything.
if [ "${1:-}" = "--quick" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "--quick is for a developer's loop; CI runs every test" >&2
    exit 2
  fi
  cargo test --workspace --exclude portdesk-ui --lib
  # The integration tests that run on both stores are `<name>::sqlite` and `<name>::postgres`.
  keyctl session - cargo test --workspace --exclude portdesk-ui --test it -- sqlite
  exit $?
fi

t0=$(date +%s)
stage() {
  local name=$1; shift
  local s; s=$(date +%s)
  echo "::: $name"
  "$@"
  echo "::: $name took $(( $(date +%s) - s )) s"
}

stage "setup (skips what is installed)" bash scripts/setup.sh
stage "fetch crates" cargo fetch --locked
stage "build UI (trunk)" bash -c 'cd ui && trunk build --offline'
stage "rustfmt" cargo fmt --all --check
stage "clippy (native)" cargo clippy --locked --workspace --exclude portdesk-ui --all-targets -- -D warnings
stage "clippy (UI, wasm32)" cargo clippy --locked -p portdesk-ui --target wasm32-unknown-unknown -- -D warnings

pgdir=$(mktemp -d /tmp/portdesk-pg.XXXXXX)
trap 'scripts/pg-test.sh stop "$pgdir"' EXIT
eval "$(scripts/pg-test.sh start "$pgdir")"
echo "::: PostgreSQL test server on 127.0.0.1:$PORTDESK_TEST_PG_PORT"

# Every test, E2E included, inside a display of its own and a session keyring of its own.
log=$(mktemp /tmp/portdesk-tests.XXXXXX)
run_tests() {
  xvfb-run -a -s "-screen 0 1280x800x24" \
    keyctl session - cargo test --locked --no-fail-fast --workspace --exclude portdesk-ui -- --test-threads 4 2>&1 | tee "$log"
  return "${PIPESTATUS[0]}"
}
status=0
stage "tests" run_tests || status=$?

# One closing line for the whole run (cargo prints one per test binary).
passed=$(grep -Eo '^test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
# Any failed test fails the run, whatever the wrappers (xvfb-run, keyctl) passed on.
if [ "$failed" != 0 ] || grep -q '^test result: FAILED' "$log" || ! grep -q '^test result: ok' "$log"; then
  [ "$status" = 0 ] && status=1
fi
rm -f "$log"
echo "::: tests finished in $(( $(date +%s) - t0 )) s; screenshots in target/e2e-screenshots/"
echo "$passed passed, $failed failed"
exit "$status"
