"""The relative-productivity table of COMPUTE.md in pandas, timed the same way as the
Rust benchmark (examples/bench_compute.rs): data already in memory, 200 repetitions."""
import json
import sys
import time

import pandas as pd

path = sys.argv[1] if len(sys.argv) > 1 else "sample-data/benchmarks/mlperf_training.csv"
t0 = time.perf_counter()
t = pd.read_csv(path)
t = t[t.duplicate_of.isna() & t.time_to_train_minutes.notna()]
load_ms = (time.perf_counter() - t0) * 1e3


def relative(t, rnd=5.1, bench="llama2_70b_lora", n=8, ref="H200-SXM"):
    d = t[(t["round"] == rnd) & (t.benchmark == bench) & (t.accelerator_count == n)]
    prec = d.precision_hint.fillna("unlabelled")
    med = d.assign(prec=prec).groupby(["accelerator_key", "prec"]).time_to_train_minutes.median()
    ref_t = d[(d.accelerator_key == ref) & (prec != "fp4")].time_to_train_minutes.median()
    out = {}
    for acc in med.index.get_level_values(0).unique():
        m = med[acc]
        v = m.get("fp8", m.get("unlabelled"))
        if acc == ref:
            v = ref_t
        if v is not None:
            out[acc] = ref_t / v
    return out


reps = 200
t0 = time.perf_counter()
for _ in range(reps):
    r = relative(t)
relative_ms = (time.perf_counter() - t0) * 1e3 / reps
print(json.dumps({"pandas": pd.__version__, "load_ms": load_ms, "relative_table_ms": relative_ms, "B200": r["B200"]}))
