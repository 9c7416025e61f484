#!/usr/bin/env bash
# Benchmark of compute per euro: imports every shipped benchmark file, then the relative
# table, the scaling fit and estimates for 1,000 bids (target: under 1 s after import),
# and compares the relative table with pandas doing the same in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/target-dir.sh
python3 -c "import pandas" 2>/dev/null || pip install --quiet pandas
cargo build --quiet --locked --example bench_compute --release
rust=$("$CARGO_TARGET_DIR/release/examples/bench_compute" sample-data/benchmarks)
py=$(python3 benches/relative_pandas.py sample-data/benchmarks/mlperf_training.csv)
python3 - "$rust" "$py" <<'PY'
import json, sys
r, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"import of the shipped files (3 files, 2,220 rows): {r['import_ms']:.0f} ms")
print(f"after import — relative table + fit + 1,000 bid estimates: {r['analytics_1000_bids_ms']:.0f} ms (target < 1,000 ms)")
print(f"relative table, data in memory: Gigafund {r['relative_table_ms']:.2f} ms, pandas {p['pandas']} {p['relative_table_ms']:.2f} ms "
      f"(pandas / Gigafund = {p['relative_table_ms'] / r['relative_table_ms']:.1f}×)")
PY
