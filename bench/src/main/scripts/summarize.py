#!/usr/bin/env python3
"""Summarises JMH JSON results (-rf json -rff FILE): per benchmark and params, the mean score (what JMH prints,
GC pauses included), the median and the range of the per-iteration scores, and gc.alloc.rate.norm when present.

Usage: python3 bench/src/main/scripts/summarize.py result.json [more.json ...]
"""
import json
import statistics
import sys

for path in sys.argv[1:]:
    for r in json.load(open(path)):
        params = ",".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
        m = r["primaryMetric"]
        raw = [x for fork in m["rawData"] for x in fork]
        norm = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        print(f"{r['benchmark'].rsplit('.', 2)[-2]}.{r['benchmark'].rsplit('.', 1)[-1]} [{params}] "
              f"mean {m['score']:.1f} median {statistics.median(raw):.1f} min {min(raw):.1f} max {max(raw):.1f} "
              f"{m['scoreUnit']} (n={len(raw)})" + (f"; alloc {norm['score']:.1f} {norm['scoreUnit']}" if norm else ""))
