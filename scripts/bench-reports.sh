#!/usr/bin/env bash
# Benchmark of the reports: every ESR of a 100-bid call (target: under 10 s on this
# 2-core machine), with the time per document, beside a baseline in the same run (the
# same ESRs' data loaded and written as JSON). Our crate optimised, as in the release app.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/target-dir.sh
cargo build --quiet --locked --example bench_reports --release
out=$("$CARGO_TARGET_DIR/release/examples/bench_reports")
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"report all: {r['documents']} ESRs of a {r['bids']}-bid call ({r['pdf_bytes']/1e6:.1f} MB of PDF) on {r['threads']} threads "
      f"in {r['all_seconds']:.2f} s median of 3 (target < 10 s); {r['per_document_ms_median']:.0f} ms per document "
      f"(median; slowest {r['per_document_ms_max_last_run']:.0f} ms); baseline (the same data as JSON) "
      f"{r['baseline_json_seconds']*1000:.0f} ms, ratio {r['ratio_to_baseline']:.1f}×; database built in {r['build_seconds']:.1f} s")
PY
