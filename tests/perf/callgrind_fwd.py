#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Instructions per forwarded packet from a forwarder's callgrind profile
(scripts/bench, "instructions per packet").

The forwarder ran under callgrind with --separate-threads=yes, instrumented
only while it forwarded a net_pcap port replaying a pcap forever
(infinite_rx=1): every rx burst of that port returns a full burst, so the
packets seen are BURST x the calls into that PMD (exact, unlike port
counters read around an instrumentation toggle; the PMDs are stripped, so
the pcap port must only receive: both forwarders transmit on net_null
ports). The thread that made those
calls is the forwarding lcore; its total is the whole loop (rx, forwarding,
tx, idle polls of other queues, bookkeeping). The drivers' own rx and tx
functions (net_pcap copies each packet into a fresh mbuf, net_null frees
it) cost both forwarders alike; "fwd" is the total without them.

Prints one line: "name,packets,ir_per_pkt,drv_ir_per_pkt,fwd_ir_per_pkt".

usage: callgrind_fwd.py NAME CALLGRIND_OUT... [--rx-obj librte_net_pcap]
                        [--burst 32] [--driver-obj /pmds-]
"""
import argparse
import re
import sys


def parse(path):
    """Total Ir, and the calls: (caller object, callee object, calls, inclusive Ir)."""
    names = {"ob": {}, "fn": {}}
    calls = []
    total = None
    ob = cob = None
    pending = None  # the last calls= line's count: the next line is its cost

    def name(kind, spec):
        m = re.match(r"\((\d+)\)(?: (.*))?", spec)
        if not m:
            return spec
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), spec)

    with open(path, errors="replace") as f:
        for line in f:
            if pending is not None:
                fields = line.split()
                calls.append((ob, cob, pending, int(fields[-1]) if len(fields) > 1 else 0))
                pending = None
                cob = ob
                continue
            if line.startswith("ob="):
                ob = cob = name("ob", line[3:].strip())
            elif line.startswith("cob="):
                cob = name("ob", line[4:].strip())
            elif line.startswith("fn=") or line.startswith("cfn="):
                name("fn", line.split("=", 1)[1].strip())
            elif line.startswith("calls="):
                pending = int(line[6:].split()[0])
            elif line.startswith("totals:") or (line.startswith("summary:") and total is None):
                total = int(line.split()[1])
    return total or 0, calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--rx-obj", default="librte_net_pcap",
                    help="the PMD whose only job is rx (its functions are stripped)")
    ap.add_argument("--burst", type=int, default=32)
    ap.add_argument("--driver-obj", default="/pmds-",
                    help="the PMDs' objects (entered through the ethdev burst pointers)")
    a = ap.parse_args()

    best = None
    for path in a.files:
        total, calls = parse(path)
        n_rx = sum(n for caller, callee, n, _ in calls
                   if a.rx_obj in (callee or "") and a.rx_obj not in (caller or ""))
        if n_rx > 0 and (best is None or n_rx > best[0]):
            best = (n_rx, total, calls)
    if best is None:
        sys.exit("callgrind_fwd: no thread called into %s in %s" % (a.rx_obj, " ".join(a.files)))
    n_rx, total, calls = best
    pkts = a.burst * n_rx
    # Calls into the PMDs from outside them; their inclusive cost already
    # holds whatever they call (mempool, mbuf free).
    drv = sum(ir for caller, callee, _, ir in calls
              if a.driver_obj in (callee or "") and a.driver_obj not in (caller or ""))
    print("%s,%d,%.2f,%.2f,%.2f" % (a.name, pkts, total / pkts, drv / pkts, (total - drv) / pkts))


if __name__ == "__main__":
    main()
