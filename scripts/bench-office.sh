#!/usr/bin/env bash
# Benchmark of the office's two largest views: the assignment matrix of a 1,000-bid call
# with 200 experts, and an audit log past 100,000 entries. The library's part (the app's
# command, from opening the database to JSON) is timed in-process with our crate
# optimised, beside a plain read of the same rows in the same run; the painting and the
# scrolling are timed in Chromium with the same data. Target: each view painted within
# 1 s (command + render), scrolling without frames over 50 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/target-dir.sh
cargo build --quiet --locked --example bench_office --release
cargo build --quiet --locked --bin gigafund --release
dir="${BENCH_DIR:-$(mktemp -d)}"
lib=$("$CARGO_TARGET_DIR/release/examples/bench_office" "$dir")
db=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["database"])' "$lib")
ui=$(cd ui && GIGAFUND_BIN="$CARGO_TARGET_DIR/release/gigafund" node tests/bench-office.mjs "$db")
python3 - "$lib" "$ui" <<'PY'
import json, sys
l, u = json.loads(sys.argv[1]), json.loads(sys.argv[2])
m, a = u["matrix"], u["audit"]
print(f"Assignment matrix, {l['bids']:,} bids × {l['experts']} experts ({l['matrix_json_bytes']:,} bytes): "
      f"command {l['matrix_seconds']*1000:.0f} ms (plain read of the rows {l['matrix_baseline_seconds']*1000:.0f} ms, "
      f"ratio {l['matrix_seconds']/l['matrix_baseline_seconds']:.1f}×), render {m['render_ms']:.0f} ms → painted in "
      f"{l['matrix_seconds']*1000 + m['render_ms']:.0f} ms (target < 1000); scrolling {m['frames']} frames: "
      f"p50 {m['frame_p50_ms']:.0f} ms, p95 {m['frame_p95_ms']:.0f} ms, max {m['frame_max_ms']:.0f} ms; "
      f"{m['elements_drawn_at_end']} cells in the DOM")
print(f"Audit log, {l['audit_entries']:,} entries: first page {l['audit_seconds']*1000:.0f} ms (plain read "
      f"{l['audit_baseline_seconds']*1000:.1f} ms, ratio {l['audit_seconds']/l['audit_baseline_seconds']:.1f}×), render "
      f"{a['render_ms']:.0f} ms → painted in {l['audit_seconds']*1000 + a['render_ms']:.0f} ms (target < 1000); scrolling "
      f"to the end in {a['frames']} frames: p50 {a['frame_p50_ms']:.0f} ms, p95 {a['frame_p95_ms']:.0f} ms, max "
      f"{a['frame_max_ms']:.0f} ms; {a['elements_drawn_at_end']} rows in the DOM")
print(f"(database built in {l['build_seconds']:.0f} s; the browser's own command times through the CLI bridge, "
      f"which starts a process per command: matrix {m['command_ms']:.0f} ms, audit {a['command_ms']:.0f} ms)")
PY
