#!/usr/bin/env bash
# Installs what is missing, builds Portdesk (release) and starts it on the embedded defaults:
# the bundled demo ERP and a SQLite portal store in the OS app-data folder.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh
cargo fetch --locked
(cd ui && trunk build --offline --release)
exec cargo run --locked --release -p portdesk -- "$@"
