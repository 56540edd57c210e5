#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Measure a running DPDK process's packet rates through its telemetry socket
(/ethdev/stats), for applications that print no statistics (l3fwd).

Waits until the socket answers and the given port has started receiving,
lets it warm up, then samples the port counters DURATION seconds apart.
Prints one line: "rx_mpps=X tx_mpps=Y rx_missed_mpps=Z tx_errors_mpps=W seconds=S".

usage: ethdev_rate.py --prefix FILE_PREFIX [--port N] [--duration S] [--warmup S]
                      [--timeout S] [--pid PID]
"""
import argparse
import json
import os
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.recv(4096)  # greeting: version, pid, max_output_len
    return s


def query(s, cmd):
    s.send(cmd.encode())
    return json.loads(s.recv(1 << 16).decode())


def stats(s, port):
    st = query(s, "/ethdev/stats,%d" % port)["/ethdev/stats"]
    return time.monotonic(), st


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True, help="EAL --file-prefix of the process")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=600.0,
                    help="how long to wait for the process to start forwarding")
    ap.add_argument("--runtime-dir", default="/var/run/dpdk")
    ap.add_argument("--pid", type=int, help="give up as soon as this process exits")
    a = ap.parse_args()

    path = os.path.join(a.runtime_dir, a.prefix, "dpdk_telemetry.v2")
    deadline = time.monotonic() + a.timeout
    s = None
    while True:
        try:
            if s is None:
                s = connect(path)
            _, st = stats(s, a.port)
            if st and st.get("ipackets", 0) > 0:
                break
        except (OSError, ValueError, KeyError, TypeError):
            s = None
        if a.pid is not None and not os.path.exists("/proc/%d" % a.pid):
            sys.exit("ethdev_rate: process %d exited before forwarding" % a.pid)
        if time.monotonic() > deadline:
            sys.exit("ethdev_rate: %s: no traffic on port %d within %.0f s"
                     % (path, a.port, a.timeout))
        time.sleep(0.5)
    time.sleep(a.warmup)
    t0, s0 = stats(s, a.port)
    time.sleep(a.duration)
    t1, s1 = stats(s, a.port)
    dt = t1 - t0

    def rate(key):
        return (s1.get(key, 0) - s0.get(key, 0)) / dt / 1e6

    print("rx_mpps=%.3f tx_mpps=%.3f rx_missed_mpps=%.3f tx_errors_mpps=%.3f seconds=%.1f"
          % (rate("ipackets"), rate("opackets"), rate("imissed"), rate("oerrors"), dt))


if __name__ == "__main__":
    main()
