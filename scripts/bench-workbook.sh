#!/usr/bin/env bash
# Benchmark of the applicant workbook importer: a workbook with 50,000 capex and opex lines
# read by Gigafund (every cell typed and checked, the bid built, its rules applied), and in
# the same run by pandas.read_excel with openpyxl (the Capex and Opex sheets only, as data
# frames, no checks). Target: Gigafund at least 10× faster. Medians of 5 and of 3 reads.
# Installs pandas and openpyxl for the user when missing. Our crate optimised.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/target-dir.sh
python3 -c 'import pandas, openpyxl' 2>/dev/null || python3 -m pip install --quiet --user pandas openpyxl
cargo build --quiet --locked --example bench_workbook --release
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$("$CARGO_TARGET_DIR/release/examples/bench_workbook" "$tmp/bench-50000.xlsx")
python3 - "$out" <<'PY'
import json, sys, time
import pandas as pd
r = json.loads(sys.argv[1])
times = []
for _ in range(3):
    t = time.perf_counter()
    frames = pd.read_excel(r["file"], sheet_name=["Capex", "Opex"], engine="openpyxl")
    times.append(time.perf_counter() - t)
rows = sum(len(f.dropna(how="all", subset=["amount_eur"])) for f in frames.values())
assert rows == r["lines"], (rows, r["lines"])
times.sort()
pandas_s = times[1]
ratio = pandas_s / r["gigafund_seconds"]
print(f"{r['lines']:,} capex and opex lines ({r['bytes']/1e6:.1f} MB .xlsx): Gigafund {r['gigafund_seconds']*1000:.0f} ms "
      f"(median of 5, full import checks); pandas.read_excel (openpyxl) {pandas_s*1000:.0f} ms (median of 3, two sheets); "
      f"ratio {ratio:.1f}× (target ≥ 10×)")
sys.exit(0 if ratio >= 10 else 1)
PY
