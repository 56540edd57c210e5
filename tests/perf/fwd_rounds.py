#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Summary of the alternating forwarding rounds of scripts/bench (section 3).

Reads fwd-rounds.csv (forwarder,round,rx_mpps,tx_mpps,rx_missed_mpps,
tx_errors_mpps,seconds: one line per forwarder and round), writes fwd.csv
(forwarder,rx_mpps,... : each column's median over the rounds) and prints
per forwarder the median, lowest and highest rx Mpps, then peerfwd's ratio
to each l3fwd: of the medians, and the median, lowest and highest of the
ratios within one round (the two measured a few seconds apart).

usage: fwd_rounds.py ROUNDS_CSV FWD_CSV [DESCRIPTION]
"""
import csv
import statistics
import sys

COLS = ["rx_mpps", "tx_mpps", "rx_missed_mpps", "tx_errors_mpps", "seconds"]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = {}  # forwarder -> {round: row}
    order = []
    with open(sys.argv[1]) as f:
        for row in csv.DictReader(f):
            name = row["forwarder"]
            if name not in rounds:
                rounds[name] = {}
                order.append(name)
            rounds[name][int(row["round"])] = {c: float(row[c]) for c in COLS}
    if not order:
        sys.exit("fwd_rounds.py: no rounds in %s" % sys.argv[1])
    with open(sys.argv[2], "w") as f:
        f.write("forwarder," + ",".join(COLS) + "\n")
        for name in order:
            rows = list(rounds[name].values())
            f.write(name + "," + ",".join(
                "%.3f" % statistics.median(r[c] for r in rows) for c in COLS) + "\n")
    print("%-10s %7s %10s %8s %8s" % ("forwarder", "rounds", "median", "lowest", "highest"))
    for name in order:
        rx = [r["rx_mpps"] for r in rounds[name].values()]
        print("%-10s %7d %10.2f %8.2f %8.2f" % (name, len(rx), statistics.median(rx), min(rx),
                                                 max(rx)))
    desc = (" (%s)" % sys.argv[3]) if len(sys.argv) > 3 else ""
    for ref in (n for n in order if n.startswith("l3fwd")):
        if "peerfwd" not in rounds:
            break
        p, q = rounds["peerfwd"], rounds[ref]
        per_round = [p[r]["rx_mpps"] / q[r]["rx_mpps"] for r in p if r in q and q[r]["rx_mpps"] > 0]
        if not per_round:
            continue
        med = statistics.median(x["rx_mpps"] for x in p.values()) / \
            statistics.median(x["rx_mpps"] for x in q.values())
        print("  peerfwd / %s: %.3f of the medians; within a round %.3f median, %.3f to %.3f%s"
              % (ref, med, statistics.median(per_round), min(per_round), max(per_round), desc))


if __name__ == "__main__":
    main()
