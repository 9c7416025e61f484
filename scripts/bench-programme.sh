#!/usr/bin/env bash
# Benchmarks of the programme office's portfolio and its schedule risk, with our crate
# optimised:
# * the portfolio of 500 awards × 12 milestones × 8 tranches (envelope statement, leverage,
#   disbursement forecast) from opening the database, beside a plain read of the same rows
#   in the same run; target under 0.3 s;
# * schedule risk for 500 awards × 20,000 paths (about 11 open milestones each), beside a
#   vectorised numpy version of the same draws in the same run; target under 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/target-dir.sh
python3 -c "import numpy" 2>/dev/null || pip install --quiet numpy
cargo build --quiet --locked --example bench_programme --release
dir="${BENCH_DIR:-$(mktemp -d)}"
out=$("$CARGO_TARGET_DIR/release/examples/bench_programme" "$dir")
plans=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["risk_plans"])' "$out")
np=$(python3 benches/schedule_risk_numpy.py "$plans")
python3 - "$out" "$np" <<'PY'
import json, sys
d, n = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"Portfolio of {d['awards']} awards, {d['milestones']:,} milestones, {d['tranches']:,} tranches "
      f"({d['json_bytes']:,} bytes of JSON, {d['forecast_rows']} forecast rows): "
      f"{d['portfolio_seconds']*1000:.0f} ms from opening the database (target < 300 ms); plain read of "
      f"the same rows {d['baseline_seconds']*1000:.0f} ms, ratio {d['portfolio_seconds']/d['baseline_seconds']:.1f}× "
      f"(database built in {d['build_seconds']:.1f} s)")
print(f"Schedule risk, {d['risk_awards']} awards × {d['risk_paths']:,} paths, "
      f"{d['risk_remaining_milestones_per_award']:.1f} open milestones per award: Gigafund "
      f"{d['risk_seconds']*1000:.0f} ms (target < 1000 ms), numpy {n['numpy']} {n['seconds']*1000:.0f} ms: "
      f"numpy / Gigafund = {n['seconds']/d['risk_seconds']:.1f}×")
print(f"  same model, other random numbers: mean probability of being operational by the target "
      f"{d['risk_mean_probability']:.3f} (numpy {n['mean_probability']:.3f}); P50 by year (€ m) "
      + ", ".join(f"{y} {v/1e6:,.0f}" for y, v in d['risk_p50_by_year'])
      + " (numpy " + ", ".join(f"{y} {v/1e6:,.0f}" for y, v in n['p50_by_year']) + ")")
PY
