#!/usr/bin/env python3
"""Medians of the `status` bench (benches/status.rs) as markdown tables in
ms, what accumulator membership adds to a presentation (with minus
without) for zkcred and docknetwork's vb_accumulator / proof_system, the
targets, and peer / zkcred ratios.

Usage: python3 benches/status_summary.py [criterion-dir]

The criterion directory defaults to $CARGO_TARGET_DIR/criterion, else
target/criterion. Reads every `new/estimates.json` of the groups whose name
starts with `status_` (criterion's median per iteration; divided by the
group's throughput elements, so a batch group's figure is per proof) and
`status_sizes.json`, which the bench writes there (proof sizes in bytes).
"""

import json
import os
import sys

# Targets of issue 15: what membership may add, in ms.
TARGET_SINGLE_MS = 1.0
TARGET_BATCH_MS = 0.3

PROOF_GROUPS = [
    ("status_prove/10-2", "proof generation"),
    ("status_verify/10-2", "verification, one proof"),
    ("status_verify_batch64/10-2", "verification, batch of 64, per proof"),
]
PROOF_FNS = [
    ("zkcred_bbs_only", "zkcred plain BBS"),
    ("zkcred_composite", "zkcred composite, no relation"),
    ("zkcred_membership", "zkcred composite + membership"),
    ("dock_bbs_only", "dock BBS only"),
    ("dock_vb", "dock + VB membership"),
    ("dock_vb_cdh", "dock + VB membership (CDH)"),
]
# (with, without, label): the added cost of membership.
ADDED = [
    ("zkcred_membership", "zkcred_bbs_only", "zkcred, vs its plain BBS proof"),
    ("zkcred_membership", "zkcred_composite", "zkcred, vs a composite proof with no relation"),
    ("dock_vb", "dock_bbs_only", "dock VB"),
    ("dock_vb_cdh", "dock_bbs_only", "dock VB (CDH)"),
]
UPDATE_FNS = [
    ("zkcred", "zkcred `Witness::update`"),
    ("dock_single", "dock single updates"),
    ("dock_omega", "dock from `Omega`"),
]
REGISTRY_FNS = [
    ("zkcred", "zkcred `SecretKey::update`"),
    ("dock_remove_batch", "dock `remove_batch`"),
    ("dock_remove_batch_omega", "dock `remove_batch` + `Omega::new`"),
]


def load(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        if not dirpath.endswith(os.path.join("", "new")) or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            meta = json.load(f)
        if not meta["group_id"].startswith("status_"):
            continue
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        elements = (meta.get("throughput") or {}).get("Elements", 1)
        median = est["median"]["point_estimate"] / elements / 1e6
        out[(meta["group_id"], meta["function_id"])] = median
    return out


def fmt(x):
    if x is None:
        return ""
    return f"{x:.3f}" if x < 100 else f"{x:.1f}"


def main():
    default = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
    root = sys.argv[1] if len(sys.argv) > 1 else default
    m = load(root)
    if not m:
        sys.exit(f"no status_* results under {root}")
    sizes = {}
    try:
        with open(os.path.join(root, "status_sizes.json")) as f:
            sizes = json.load(f)
    except FileNotFoundError:
        pass

    fns = [(fn, label) for fn, label in PROOF_FNS if any((g, fn) in m for g, _ in PROOF_GROUPS)]
    print("Presentations (ms; 10 messages, 2 disclosed, membership on hidden message 0):")
    print()
    print("| | " + " | ".join(label for _, label in fns) + " |")
    print("|---|" + "---:|" * len(fns))
    for g, label in PROOF_GROUPS:
        print(f"| {label} | " + " | ".join(fmt(m.get((g, fn))) for fn, _ in fns) + " |")
    if sizes:
        print("| size (bytes) | " + " | ".join(str(sizes.get(fn, "")) for fn, _ in fns) + " |")
    print()

    print("What membership adds (with minus without):")
    print()
    print("| | " + " | ".join(label for _, label in PROOF_GROUPS) + " | size |")
    print("|---|" + "---:|" * (len(PROOF_GROUPS) + 1))
    added = {}
    for a, b, label in ADDED:
        cells = []
        for g, _ in PROOF_GROUPS:
            if (g, a) in m and (g, b) in m:
                d = m[(g, a)] - m[(g, b)]
                added[(g, a, b)] = d
                cells.append(f"{d * 1e3:+.0f} µs")
            else:
                cells.append("")
        size = f"+{sizes[a] - sizes[b]} B" if a in sizes and b in sizes else ""
        if not any(cells):
            continue
        print(f"| {label} | " + " | ".join(cells) + f" | {size} |")
    print()

    print(f"Targets (zkcred): membership adds <= {TARGET_SINGLE_MS} ms to one verification, "
          f"<= {TARGET_BATCH_MS} ms per proof in a batch of 64:")
    for b, base in (("zkcred_bbs_only", "plain BBS proof"), ("zkcred_composite", "composite, no relation")):
        for g, target in (("status_verify/10-2", TARGET_SINGLE_MS),
                          ("status_verify_batch64/10-2", TARGET_BATCH_MS)):
            d = added.get((g, "zkcred_membership", b))
            if d is None:
                continue
            verdict = "met" if d <= target else "MISSED"
            print(f"- {g.split('/')[0]}, vs {base}: {d * 1e3:+.0f} µs, target {target * 1e3:.0f} µs: {verdict}")
    print()

    ks = sorted({int(g.split("/")[1]) for g, _ in m if g.startswith("status_witness_update/")})
    if ks:
        print("Holder's witness update after k removals (ms):")
        print()
        print("| k | " + " | ".join(label for _, label in UPDATE_FNS) + " |")
        print("|---:|" + "---:|" * len(UPDATE_FNS))
        for k in ks:
            g = f"status_witness_update/{k}"
            print(f"| {k:,} | " + " | ".join(fmt(m.get((g, fn))) for fn, _ in UPDATE_FNS) + " |")
        print()
    regs = sorted(g for g in {g for g, _ in m} if g.startswith("status_accumulator_update/"))
    for g in regs:
        n = int(g.split("/")[1])
        print(f"Registry update, {n:,} removals (ms):")
        print()
        print("| " + " | ".join(label for _, label in REGISTRY_FNS) + " |")
        print("|" + "---:|" * len(REGISTRY_FNS))
        print("| " + " | ".join(fmt(m.get((g, fn))) for fn, _ in REGISTRY_FNS) + " |")
        print()

    pubs = sorted(k for k in sizes if k.startswith(("zkcred_update_", "dock_omega_")))
    if pubs:
        print("Published per epoch (bytes): " + ", ".join(f"{k} {sizes[k]:,}" for k in pubs)
              + " (dock's holders also need the removed elements, 32 bytes each)")
        print()

    print("Peer / zkcred (same operation):")
    pairs = []
    for g, _ in PROOF_GROUPS:
        pairs.append((g, "dock_bbs_only", "zkcred_bbs_only"))
        pairs.append((g, "dock_vb", "zkcred_membership"))
        pairs.append((g, "dock_vb_cdh", "zkcred_membership"))
    for g, a, b in pairs:
        if (g, a) in m and (g, b) in m:
            print(f"- {g}: {a} / {b} = {m[(g, a)] / m[(g, b)]:.1f}x")
    for g, _ in PROOF_GROUPS:
        ours = added.get((g, "zkcred_membership", "zkcred_bbs_only"))
        for peer in ("dock_vb", "dock_vb_cdh"):
            theirs = added.get((g, peer, "dock_bbs_only"))
            if ours and theirs and ours > 0:
                print(f"- {g}: added cost, {peer} / zkcred (vs plain) = {theirs / ours:.1f}x")
    for k in ks:
        g = f"status_witness_update/{k}"
        for peer in ("dock_single", "dock_omega"):
            if (g, peer) in m and (g, "zkcred") in m:
                print(f"- {g}: {peer} / zkcred = {m[(g, peer)] / m[(g, 'zkcred')]:.2f}x")
    for g in regs:
        for peer in ("dock_remove_batch", "dock_remove_batch_omega"):
            if (g, peer) in m and (g, "zkcred") in m:
                print(f"- {g}: {peer} / zkcred = {m[(g, peer)] / m[(g, 'zkcred')]:.2f}x")


if __name__ == "__main__":
    main()
