"""Schedule risk in numpy, vectorised over the paths, on the awards the Rust benchmark
wrote (risk-plans.json): the same model (each remaining milestone's planned duration from
its predecessors' forecasts times a triangular multiplier, not before today; tranches in
the year their gate plus its payment delay falls), the same number of draws. Prints one
JSON document: the time of the draws and sums (after loading the file) and the figures to
set beside Gigafund's."""
import json
import sys
import time
from datetime import date

import numpy as np

doc = json.load(open(sys.argv[1], encoding="utf-8"))
paths = doc["paths"]
lo, mode, hi = doc["optimistic"], doc["likely"], doc["pessimistic"]
today = date.fromisoformat(doc["today"]).toordinal()
first = date.fromisoformat(doc["today"]).year
YEARS = 16
day = lambda s: date.fromisoformat(s).toordinal()
# Day ordinal → index of its year from the first, by a table (vectorised lookup).
span = np.array([date(first + y, 1, 1).toordinal() for y in range(1, YEARS)])

start_t = time.perf_counter()
rng = np.random.default_rng(7)
sums = np.zeros((paths, YEARS), dtype=np.int64)
probabilities = []
for a in doc["awards"]:
    ms = a["milestones"]
    index = {m["code"]: i for i, m in enumerate(ms)}
    start = day(a["selected_on"])
    planned = [day(m["actual"] or m["forecast"]) for m in ms]
    days = np.empty((paths, len(ms)), dtype=np.int64)
    for i, m in enumerate(ms):
        if m["actual"]:
            days[:, i] = day(m["actual"])
            continue
        after = [index[c] for c in m["after"] if c in index]
        base = max((planned[j] for j in after), default=start)
        d = max(planned[i] - base, 0)
        frm = days[:, after].max(axis=1) if after else np.full(paths, start)
        draw = rng.triangular(lo, mode, hi, size=paths) if hi > lo else np.full(paths, mode)
        days[:, i] = np.maximum(frm + np.rint(d * draw).astype(np.int64), today)
    target = index.get(doc["target"])
    if target is not None:
        probabilities.append(float(np.mean(days[:, target] <= day(ms[target]["baseline"]))))
    for t in a["tranches"]:
        if t["paid"]:
            continue
        if t["gate"] in index:
            at = days[:, index[t["gate"]]] + t["due_days"]
        else:
            at = np.full(paths, day(t["fixed_on"]))
        y = np.searchsorted(span, np.maximum(at, today), side="right")
        np.add.at(sums, (np.arange(paths), y), t["cents"])
p50 = [(first + y, float(np.percentile(sums[:, y], 50)) / 100) for y in range(YEARS) if sums[:, y].any()]
seconds = time.perf_counter() - start_t
print(json.dumps({
    "numpy": np.__version__,
    "seconds": seconds,
    "mean_probability": sum(probabilities) / max(len(probabilities), 1),
    "p50_by_year": p50,
}))
