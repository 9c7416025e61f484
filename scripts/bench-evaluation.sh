#!/usr/bin/env bash
# Benchmark of the evaluation: a call of 1,000 bids × 5 evaluators × 6 criteria ranked
# with calibration and leave-one-out stability, from the database to JSON (target: under
# 0.5 s on this 2-core machine), beside a baseline in the same run (reading the same score
# and consensus rows to JSON). Our crate optimised, as in the release app.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/target-dir.sh
cargo build --quiet --locked --example bench_evaluation --release
out=$("$CARGO_TARGET_DIR/release/examples/bench_evaluation")
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"rank --calibration of {r['bids']:,} bids × {r['experts_per_bid']} experts × {r['criteria']} criteria "
      f"({r['evaluators']} evaluators, {r['leave_one_out_runs']} leave-one-out rankings, {r['json_bytes']:,} bytes of JSON) "
      f"on {r['threads']} threads: {r['rank_seconds']*1000:.0f} ms median of 7 (target < 500 ms); "
      f"baseline read of the same rows {r['baseline_read_seconds']*1000:.0f} ms (ratio {r['ratio_to_baseline']:.1f}×); "
      f"main list {r['main_list']} bids, {r['tie_groups']} tie groups; database built in {r['build_seconds']:.1f} s")
PY
