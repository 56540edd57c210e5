#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plot bench_lpm's CSV: grouped bars of million lookups/s per implementation,
one panel per family, one group per (destinations, single/bulk) case.

usage: plot_lpm.py LPM.csv OUT.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CASES = [("random", "single"), ("random", "bulk32"), ("skewed", "single"), ("skewed", "bulk32")]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().split("\n")[-1])
    with open(sys.argv[1]) as f:
        rows = list(csv.DictReader(f))
    families = [fam for fam in ("IPv4", "IPv6") if any(r["family"] == fam for r in rows)]
    fig, axes = plt.subplots(1, len(families), figsize=(7 * len(families), 5), squeeze=False)
    for ax, fam in zip(axes[0], families):
        impls = [r for r in rows if r["family"] == fam]
        width = 0.8 / len(impls)
        for k, r in enumerate(impls):
            vals = [float(r["%s_%s_mlookups_per_s" % c]) for c in CASES]
            xs = [i + (k - (len(impls) - 1) / 2) * width for i in range(len(CASES))]
            bars = ax.bar(xs, vals, width, label=r["impl"])
            ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
        ax.set_xticks(range(len(CASES)))
        ax.set_xticklabels(["%s\n%s" % c for c in CASES])
        ax.set_ylabel("million lookups/s (one core)")
        ax.set_title("%s, %s routes" % (fam, impls[0]["routes"]))
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Longest-prefix match: peerfwd fib vs DPDK 22.11 (best of runs, TSC %.2f GHz)"
                 % (float(rows[0]["tsc_hz"]) / 1e9))
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)
    print("plot_lpm: wrote %s" % sys.argv[2])


if __name__ == "__main__":
    main()
