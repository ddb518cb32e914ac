#!/usr/bin/env python3
"""Medians of the `holder` bench (benches/holder.rs) as a table in ms, the
cost of the holder secret and the pseudonym, and zkryptium / zkcred ratios.

Usage: python3 benches/holder_summary.py [criterion-dir]

The criterion directory defaults to $CARGO_TARGET_DIR/criterion, else
target/criterion. Reads every `new/estimates.json` of the groups whose name
starts with `holder_` (criterion's median per iteration; a batch group's is
divided by its elements, the proofs). Prints markdown.
"""

import json
import os
import sys

TARGET_MS = 0.3


def load(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        if not dirpath.endswith(os.path.join("", "new")) or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            meta = json.load(f)
        if not meta["group_id"].startswith("holder_"):
            continue
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        elements = (meta.get("throughput") or {}).get("Elements", 1)
        median = est["median"]["point_estimate"] / elements / 1e6
        out[(meta["group_id"].split("/")[0], meta["function_id"])] = median
    return out


def main():
    default = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
    root = sys.argv[1] if len(sys.argv) > 1 else default
    m = load(root)
    if not m:
        sys.exit(f"no holder_* results under {root}")
    groups = sorted({g for g, _ in m})
    print("| group | function | median (ms, per proof in batches) |")
    print("|---|---|---:|")
    for g in groups:
        for (gg, fn) in sorted(k for k in m if k[0] == g):
            print(f"| {g} | {fn} | {m[(gg, fn)]:.3f} |")
    print()

    def diff(group, a, b, label):
        if (group, a) in m and (group, b) in m:
            d = m[(group, a)] - m[(group, b)]
            print(f"- {group}: {a} - {b} = {d * 1e3:+.0f} µs ({label})")
            return d
        return None

    print("What the holder binding and the pseudonym add (zkcred):")
    for g in ("holder_verify_batch64", "holder_verify", "holder_prove"):
        diff(g, "zkcred_blind", "zkcred_plain", "holder secret alone")
        diff(g, "zkcred_nym", "zkcred_blind", "pseudonym alone")
        d = diff(g, "zkcred_nym", "zkcred_plain", "holder secret and pseudonym")
        if g == "holder_verify_batch64" and d is not None:
            verdict = "met" if d <= TARGET_MS else "MISSED"
            print(f"  target <= {TARGET_MS} ms per batched proof: {verdict}")
    print()

    print("zkryptium / zkcred (same operation):")
    pairs = [
        ("holder_issue_commit", "zkryptium_commit", "zkcred_commit"),
        ("holder_issue_sign", "zkryptium_sign", "zkcred_sign"),
        ("holder_issue_sign", "zkryptium_blind_sign", "zkcred_blind_sign"),
        ("holder_issue_verify", "zkryptium_verify", "zkcred_verify"),
        ("holder_issue_verify", "zkryptium_blind_verify", "zkcred_blind_verify"),
    ]
    for g in ("holder_prove", "holder_verify"):
        for k in ("plain", "blind", "nym"):
            pairs.append((g, f"zkryptium_{k}", f"zkcred_{k}"))
    pairs.append(("holder_prove", "zkryptium_blind", "zkcred_blind_cold"))
    for g, a, b in pairs:
        if (g, a) in m and (g, b) in m:
            print(f"- {g}: {a} / {b} = {m[(g, a)] / m[(g, b)]:.2f}x")


if __name__ == "__main__":
    main()
