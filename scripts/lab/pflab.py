#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The lab's traffic tools: raw frames sent from pfl-src and captured in the
carrier namespaces, the daemon started in pfl-dut, DPDK telemetry read.

Used by scripts/lab/run (the demo) and tests/integration/test_lab.py.
Python standard library only: sockets are opened inside a namespace by
switching this thread into it (setns) and back.
"""
import ctypes
import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
LAB_NS = ["pfl-dut", "pfl-src", "pfl-pri", "pfl-loc", "pfl-geo"]
CARRIERS = ["pri", "loc", "geo"]
DUT_SRC_MAC = "02:00:00:00:04:01"
SRC_MAC = "02:00:00:00:04:02"
PORT_MAC = {"src": "02:00:00:00:04:01", "pri": "02:00:00:00:01:01",
            "loc": "02:00:00:00:02:01", "geo": "02:00:00:00:03:01"}
ROUTER_MAC = {"pri": "02:00:00:00:01:02", "loc": "02:00:00:00:02:02",
              "geo": "02:00:00:00:03:02"}
TELEMETRY = "/var/run/dpdk/pfl/dpdk_telemetry.v2"
LOG = "/tmp/peerfwd-lab.log"  # the daemon's, from demo and failover
MARK = b"PFLAB:"

_libc = ctypes.CDLL(None, use_errno=True)


# The integration tests' verdicts: every check is printed; failures are kept.
failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what, flush=True)
    if not cond:
        failures.append(what)


def wait_for(pred, timeout=20.0, step=0.1):
    """pred()'s first true value within timeout, else its last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def in_netns(ns, fn):
    """Run fn() with this thread in network namespace ns."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns}")
        return fn()
    finally:
        _libc.setns(own, CLONE_NEWNET)
        os.close(own)
        os.close(target)


def raw_socket(ns, iface="eth0"):
    def make():
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((iface, 0))
        s.setblocking(False)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        return s
    return in_netns(ns, make)


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_str(b):
    return ":".join(f"{x:02x}" for x in b)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4_frame(dst, tag, ttl=64, src="192.0.2.2", bad_csum=False, bad_len=False,
               dst_mac=DUT_SRC_MAC, vlan=None):
    payload = MARK + tag.encode()
    udp = struct.pack("!HHHH", 40000, 9, 8 + len(payload), 0) + payload
    total = 20 + len(udp) + (200 if bad_len else 0)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, 0, ttl, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    c = csum(hdr) ^ (0x5555 if bad_csum else 0)
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return eth(dst_mac, 0x0800, hdr + udp, vlan)


def ipv6_frame(dst, tag, hlim=64, src="2001:db8:ff::2", dst_mac=DUT_SRC_MAC, bad_len=False):
    payload = MARK + tag.encode()
    udp = struct.pack("!HHHH", 40000, 9, 8 + len(payload), 0) + payload
    plen = len(udp) + (200 if bad_len else 0)
    hdr = struct.pack("!IHBB16s16s", 6 << 28, plen, 17, hlim,
                      socket.inet_pton(socket.AF_INET6, src),
                      socket.inet_pton(socket.AF_INET6, dst))
    return eth(dst_mac, 0x86dd, hdr + udp)


def eth(dst_mac, ethertype, payload, vlan=None):
    h = mac(dst_mac) + mac(SRC_MAC)
    if vlan is not None:
        h += struct.pack("!HH", 0x8100, vlan)
    frame = h + struct.pack("!H", ethertype) + payload
    return frame + b"\0" * max(0, 60 - len(frame))


def other_frame(tag, ethertype=0x88b5):
    return eth(DUT_SRC_MAC, ethertype, MARK + tag.encode())


def parse(frame):
    """The fields a test checks, or None if the frame carries no lab mark."""
    i = frame.find(MARK)
    if i < 0:
        return None
    end = i + len(MARK)
    while end < len(frame) and 0x21 <= frame[end] <= 0x7e:
        end += 1
    tag = frame[i + len(MARK):end].decode()
    out = {"tag": tag, "dst_mac": mac_str(frame[0:6]), "src_mac": mac_str(frame[6:12])}
    et, off = struct.unpack("!H", frame[12:14])[0], 14
    if et == 0x8100:
        out["vlan"] = struct.unpack("!H", frame[14:16])[0] & 0xfff
        et, off = struct.unpack("!H", frame[16:18])[0], 18
    if et == 0x0800:
        ihl = (frame[off] & 0xf) * 4
        out.update(family=4, ttl=frame[off + 8],
                   csum_ok=csum(frame[off:off + ihl]) == 0,
                   dst=socket.inet_ntoa(frame[off + 16:off + 20]))
    elif et == 0x86dd:
        out.update(family=6, ttl=frame[off + 7],
                   dst=socket.inet_ntop(socket.AF_INET6, frame[off + 24:off + 40]))
    return out


class Lab:
    """Sockets in every namespace of a running lab."""

    def __init__(self):
        self.tx = raw_socket("pfl-src")
        self.rx = {n: raw_socket(f"pfl-{n}") for n in CARRIERS}

    def send(self, frames, gap=0.0005):
        for f in frames:
            while True:
                try:
                    self.tx.send(f)
                    break
                except BlockingIOError:
                    time.sleep(0.001)
            if gap:
                time.sleep(gap)

    def drain(self):
        for s in self.rx.values():
            try:
                while s.recv(65535):
                    pass
            except (BlockingIOError, OSError):  # OSError: interface down
                pass

    def collect(self, prefix, expect=None, timeout=2.0):
        """Frames whose tag starts with prefix, per carrier namespace. Waits
        until `expect` of them arrived, or timeout, then a short settle."""
        got = {n: [] for n in CARRIERS}
        deadline = time.time() + timeout
        settle = None
        while time.time() < (settle or deadline):
            try:
                r, _, _ = select.select(list(self.rx.values()), [], [], 0.05)
            except OSError:
                r = list(self.rx.values())
            for n, s in self.rx.items():
                if s not in r:
                    continue
                try:
                    while True:
                        data, addr = s.recvfrom(65535)
                        if addr[2] == socket.PACKET_OUTGOING:
                            continue
                        p = parse(data)
                        if p and p["tag"].startswith(prefix):
                            got[n].append(p)
                except (BlockingIOError, OSError):  # OSError: interface down
                    pass
            total = sum(len(v) for v in got.values())
            if expect is not None and total >= expect and settle is None:
                settle = time.time() + 0.2
        return got


def telemetry(cmd):
    """One DPDK telemetry command against the lab daemon."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(2)
    s.connect(TELEMETRY)
    s.recv(1024)  # greeting
    s.send(cmd.encode())
    data = json.loads(s.recv(1 << 20).decode())
    s.close()
    return data[cmd.split(",")[0]]


class Daemon:
    """peerfwd running in pfl-dut on configs/lab.cfg."""

    def __init__(self, binary, config, log):
        self.log = log
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", "pfl-dut", binary, "-c", config],
            stdout=open(log, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"peerfwd exited with {self.proc.returncode}: "
                                   + open(log).read())
            if "running:" in open(log).read() and os.path.exists(TELEMETRY):
                time.sleep(0.3)
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("peerfwd did not start: " + open(log).read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def ns_run(ns, *cmd):
    subprocess.run(["ip", "netns", "exec", ns, *cmd], check=True)


def link(name, up):
    """Carrier change as the DUT sees it: the router's end goes down/up."""
    ns_run(f"pfl-{name}", "ip", "link", "set", "eth0", "up" if up else "down")


def demo(binary, config, seconds):
    """The lab's main job: traffic in, counts per link out, one failover."""
    d = Daemon(binary, config, LOG)
    lab = Lab()
    print(f"peerfwd running in pfl-dut (log {LOG}); sending for {seconds} s")
    print(f"{'second':>6} {'sent':>6} {'pri':>6} {'loc':>6} {'geo':>6}  note")
    totals = {"sent": 0, **{n: 0 for n in CARRIERS}}
    try:
        for sec in range(seconds):
            note = ""
            if sec == seconds // 3:
                link("pri", False)
                note = "primary link down"
            if sec == 2 * seconds // 3:
                link("pri", True)
                note = "primary link back"
            frames = []
            for i in range(100):
                frames.append(ipv4_frame(f"203.0.113.{i % 250 + 1}", f"d{sec}-4-{i}"))
                frames.append(ipv6_frame(f"2001:db8:c000::{i + 1:x}", f"d{sec}-6-{i}"))
                if i % 10 == 0:
                    frames.append(ipv4_frame("198.18.0.1", f"d{sec}-u-{i}"))
            lab.send(frames, gap=0.0002)
            got = lab.collect(f"d{sec}-", expect=200, timeout=0.8)
            totals["sent"] += len(frames)
            for n in CARRIERS:
                totals[n] += len(got[n])
            print(f"{sec:>6} {len(frames):>6} {len(got['pri']):>6} {len(got['loc']):>6} "
                  f"{len(got['geo']):>6}  {note}")
        stats = telemetry("/peerfwd/stats")
        ports = telemetry("/peerfwd/ports")
        prefixes = telemetry("/peerfwd/prefixes")
    finally:
        link("pri", True)
        d.stop()
    print(f"\nsent {totals['sent']} frames (registered v4+v6, plus unregistered 198.18.0.1)")
    print(f"arrived: primary {totals['pri']}, local {totals['loc']}, geo {totals['geo']}")
    print(f"daemon: forwarded {stats['forwarded']}, unregistered dropped "
          f"{stats['drops']['unregistered']}")
    for name, p in ports.items():
        print(f"  port {name:4} link {p['link']:4} rx {p['rx_packets']:>7} tx {p['tx_packets']:>7}")
    for p in prefixes.values():
        print(f"  prefix {p['prefix']:20} {p['state']:14} packets {p['packets']}")
    return 0 if totals["pri"] + totals["loc"] + totals["geo"] > 0 else 1


def failover(binary, config, frames=20000, pps=50000):
    """What a primary-link failure costs: a paced stream of registered IPv4
    (pps frames/s), the primary's carrier dropped a quarter of the way in.
    The frames between the last one that left on the primary and the first
    one on a backup went out on the dead link: their count over the rate is
    how long the daemon took to see the carrier go and move the traffic."""
    d = Daemon(binary, config, LOG)
    lab = Lab()
    for s in lab.rx.values():  # the whole stream waits in them while we send
        s.setsockopt(socket.SOL_SOCKET, 33, 256 << 20)  # SO_RCVBUFFORCE
    stream = [ipv4_frame(f"203.0.113.{i % 250 + 1}", f"f-{i}") for i in range(frames)]
    dropper = threading.Thread(target=link, args=("pri", False))
    try:
        lab.drain()
        t0 = time.perf_counter()
        for i, f in enumerate(stream):
            if i == frames // 4:
                dropper.start()
            while time.perf_counter() < t0 + i / pps:
                pass
            lab.send([f], gap=0)
        dropper.join()
        got = lab.collect("f-", expect=frames, timeout=3.0)
    finally:
        link("pri", True)
        d.stop()
    idx = {n: sorted(int(p["tag"][2:]) for p in v) for n, v in got.items()}
    arrived = sum(len(v) for v in idx.values())
    print(f"sent {frames} frames at {pps / 1000:.0f} kpps; primary carrier dropped from frame "
          f"{frames // 4} on")
    print(f"arrived: primary {len(idx['pri'])}, local {len(idx['loc'])}, geo {len(idx['geo'])}; "
          f"lost {frames - arrived}")
    backup = sorted(idx["loc"] + idx["geo"])
    if idx["pri"] and backup:
        last_pri = max(i for i in idx["pri"] if i < backup[0]) if idx["pri"][0] < backup[0] else -1
        gap = backup[0] - last_pri - 1
        print(f"failover: last frame on the primary {last_pri}, first on a backup {backup[0]}: "
              f"{gap} frames lost in between, {gap / pps * 1000:.2f} ms")
    return 0 if arrived > 0 else 1


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "demo":
        secs = int(sys.argv[4]) if len(sys.argv) > 4 else 9
        sys.exit(demo(sys.argv[2], sys.argv[3], secs))
    if len(sys.argv) >= 3 and sys.argv[1] == "failover":
        n = int(sys.argv[4]) if len(sys.argv) > 4 else 20000
        sys.exit(failover(sys.argv[2], sys.argv[3], n))
    print("usage: pflab.py demo|failover PEERFWD_BINARY CONFIG [SECONDS|FRAMES]",
          file=sys.stderr)
    sys.exit(2)
