#!/usr/bin/env bash
# Benchmark of the finance engine: 100,000 Monte Carlo paths of FINANCE.md's base case
# (target: under 1 s on this 2-core machine), and the same path arithmetic in plain Python
# (benches/finance_model.py) in the same run; prints paths per second and the ratio.
# Built with the release profile, as the packages are.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/target-dir.sh
paths=${1:-100000}
cargo build --quiet --locked --example bench_finance --release
rust=$("$CARGO_TARGET_DIR/release/examples/bench_finance" "$paths")
py=$(python3 benches/finance_model.py --bench 2000)
python3 - "$rust" "$py" <<'PY'
import json, sys
r, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
# Both readings of FINANCE.md agree on the base case before anything is compared.
assert abs(r["base_debt"] - p["base_debt"]) < 1e-3 * 1e6, (r["base_debt"], p["base_debt"])
assert abs(r["base_equity_irr"] - p["base_equity_irr"]) < 1e-9, (r["base_equity_irr"], p["base_equity_irr"])
print(f"Monte Carlo, {r['paths']:,} paths of the base case on {r['threads']} threads: "
      f"{r['seconds']:.3f} s = {r['paths_per_second']:,.0f} paths/s (target < 1 s); "
      f"P(payment default) {r['pd_payment_default']:.3f}")
print(f"one path, one thread: Gigafund {r['single_thread_us_per_path']:.1f} µs, "
      f"plain Python {p['python']} {p['us_per_path']:.0f} µs "
      f"(Python / Gigafund = {p['us_per_path'] / r['single_thread_us_per_path']:.0f}×; "
      f"Python's P(default) on its own 2,000 draws {p['pd_payment_default']:.3f})")
PY
