#!/usr/bin/env bash
# Benchmark of the programme office's portfolio: 500 awards × 12 milestones × 8 tranches;
# the envelope statement, leverage and the disbursement forecast from opening the
# database, timed with our crate optimised beside a plain read of the same rows in the
# same run. Target: under 0.3 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/target-dir.sh
opt=(--config 'profile.dev.package.gigafund.opt-level=3'
     --config 'profile.dev.package.gigafund.debug-assertions=false'
     --config 'profile.dev.package.gigafund.overflow-checks=false')
cargo build --quiet --locked --example bench_programme "${opt[@]}"
dir="${BENCH_DIR:-$(mktemp -d)}"
out=$("$CARGO_TARGET_DIR/debug/examples/bench_programme" "$dir")
python3 - "$out" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
print(f"Portfolio of {d['awards']} awards, {d['milestones']:,} milestones, {d['tranches']:,} tranches "
      f"({d['json_bytes']:,} bytes of JSON, {d['forecast_rows']} forecast rows): "
      f"{d['portfolio_seconds']*1000:.0f} ms from opening the database (target < 300 ms); plain read of "
      f"the same rows {d['baseline_seconds']*1000:.0f} ms, ratio {d['portfolio_seconds']/d['baseline_seconds']:.1f}× "
      f"(database built in {d['build_seconds']:.1f} s)")
PY
