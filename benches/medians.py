#!/usr/bin/env python3
"""Medians of the last criterion run, per element, with ratios to peers.

Usage: python3 benches/medians.py [target/criterion] [group-filter]

Reads every `new/estimates.json` under the criterion directory and prints,
per group, each function's median time per iteration and per element (a
batch group's elements are its proofs), then the ratio of each peer's
per-element median to each zkcred function's. Criterion's own summary
prints means; the notes quote these medians.
"""

import json
import os
import sys


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3f} {unit}"
    return f"{ns:.0f} ns"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "target/criterion"
    needle = sys.argv[2] if len(sys.argv) > 2 else ""
    groups = {}
    for dirpath, _, files in os.walk(root):
        if not dirpath.endswith(os.path.join("", "new")) or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            meta = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        if needle not in meta["full_id"]:
            continue
        elements = (meta.get("throughput") or {}).get("Elements", 1)
        median = est["median"]["point_estimate"]
        groups.setdefault(meta["group_id"], {})[meta["function_id"]] = (median, elements)
    for group in sorted(groups):
        fns = groups[group]
        print(group)
        for name in sorted(fns):
            median, n = fns[name]
            per = f"   {fmt(median / n)} per element" if n > 1 else ""
            print(f"  {name:<14} {fmt(median):>12}{per}")
        ours = [n for n in fns if n.startswith("zkcred")]
        peers = [n for n in fns if not n.startswith("zkcred")]
        for o in ours:
            for p in peers:
                ratio = (fns[p][0] / fns[p][1]) / (fns[o][0] / fns[o][1])
                print(f"    {p} / {o}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
