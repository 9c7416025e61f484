#!/usr/bin/env bash
# Installs what is missing, builds Gigafund, builds a fresh demo database from
# sample-data/ and opens the desktop app on it. Without a display, runs `gigafund demo`
# and prints the programme's summary instead.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

source scripts/target-dir.sh

echo "==> building the UI and the optimised app (first build: ~20 minutes on 2 cores)"
(cd ui && npm run --silent build)
cargo build --workspace --release --locked --quiet

data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/gigafund"
mkdir -p "$data_dir"
db="${GIGAFUND_DEMO_DB:-$data_dir/demo.sqlite3}"

echo "==> building the demo database: $db"
"$CARGO_TARGET_DIR/release/gigafund" --db "$db" demo --replace

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "==> opening Gigafund on the demo programme"
  GIGAFUND_DB="$db" exec "$CARGO_TARGET_DIR/release/gigafund-desktop"
else
  echo
  echo "No display here (DISPLAY is not set), so the desktop app was not opened: the summary"
  echo "above is what 'gigafund demo' built. On a desktop, run this script again to open the app,"
  echo "or here: xvfb-run -a env GIGAFUND_DB=\"$db\" \"$CARGO_TARGET_DIR/release/gigafund-desktop\""
fi
