#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Integration test: real IPv4/IPv6 frames through peerfwd in the lab.

Brings the lab up (scripts/lab/up), runs peerfwd on configs/lab.cfg in
pfl-dut, sends raw frames from pfl-src and checks what arrives in the
carrier namespaces (pfl-pri/loc/geo) and what the daemon counted
(telemetry): registered vs unregistered destinations, TTL and hop-limit
expiry, malformed headers, non-IP, and failover when a link goes down.
Needs root. Exit status 0 when every check passed.
"""
import os
import subprocess
import sys
import time

SRC = os.environ.get("PEERFWD_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("PEERFWD_BUILDDIR", os.path.join(SRC, "build")))
sys.path.insert(0, os.path.join(SRC, "scripts", "lab"))
import pflab  # noqa: E402

from pflab import check, failures  # noqa: E402


def drops():
    return pflab.telemetry("/peerfwd/stats")["drops"]


def send_and_collect(lab, frames, prefix, expect):
    lab.drain()
    lab.send(frames)
    return lab.collect(prefix, expect=expect, timeout=2.0)


def test_registered(lab):
    v4 = [pflab.ipv4_frame(f"203.0.113.{i + 1}", f"r4-{i}", ttl=64) for i in range(50)]
    got = send_and_collect(lab, v4, "r4-", 50)
    check(len(got["pri"]) == 50 and not got["loc"] and not got["geo"],
          f"registered IPv4: 50 sent, {len(got['pri'])} on primary, "
          f"{len(got['loc'])} local, {len(got['geo'])} geo")
    check(all(p["ttl"] == 63 and p["csum_ok"] for p in got["pri"]),
          "IPv4 TTL decremented to 63 with a valid header checksum")
    check(all(p["dst_mac"] == pflab.ROUTER_MAC["pri"] and p["src_mac"] == pflab.PORT_MAC["pri"]
              for p in got["pri"]), "MACs rewritten to primary router / our primary port")

    v6 = [pflab.ipv6_frame(f"2001:db8:c000::{i + 1:x}", f"r6-{i}", hlim=64) for i in range(50)]
    got = send_and_collect(lab, v6, "r6-", 50)
    check(len(got["pri"]) == 50 and not got["loc"] and not got["geo"],
          f"registered IPv6: 50 sent, {len(got['pri'])} on primary")
    check(all(p["ttl"] == 63 for p in got["pri"]), "IPv6 hop limit decremented to 63")


def test_dropped(lab, name, frames, prefix, reason):
    before = drops()[reason]
    got = send_and_collect(lab, frames, prefix, None)
    after = drops()[reason]
    arrived = sum(len(v) for v in got.values())
    check(arrived == 0 and after - before == len(frames),
          f"{name}: {len(frames)} sent, {arrived} arrived, drop counter "
          f"{reason} +{after - before}")


def test_drops(lab):
    test_dropped(lab, "unregistered IPv4",
                 [pflab.ipv4_frame("198.18.0.1", f"u4-{i}") for i in range(20)], "u4-",
                 "unregistered")
    test_dropped(lab, "unregistered IPv6",
                 [pflab.ipv6_frame("2001:db8:dead::1", f"u6-{i}") for i in range(20)], "u6-",
                 "unregistered")
    test_dropped(lab, "IPv4 TTL 1",
                 [pflab.ipv4_frame("203.0.113.9", f"t4-{i}", ttl=1) for i in range(10)], "t4-",
                 "ttl_expired")
    test_dropped(lab, "IPv6 hop limit 1",
                 [pflab.ipv6_frame("2001:db8:c000::9", f"t6-{i}", hlim=1) for i in range(10)],
                 "t6-", "ttl_expired")
    test_dropped(lab, "IPv4 bad header checksum",
                 [pflab.ipv4_frame("203.0.113.9", f"c4-{i}", bad_csum=True) for i in range(10)],
                 "c4-", "ipv4_bad_checksum")
    test_dropped(lab, "IPv4 total length beyond the frame",
                 [pflab.ipv4_frame("203.0.113.9", f"l4-{i}", bad_len=True) for i in range(10)],
                 "l4-", "ipv4_bad_length")
    test_dropped(lab, "IPv6 payload length beyond the frame",
                 [pflab.ipv6_frame("2001:db8:c000::9", f"l6-{i}", bad_len=True)
                  for i in range(10)], "l6-", "ipv6_bad_length")
    test_dropped(lab, "non-IP ethertype",
                 [pflab.other_frame(f"n-{i}") for i in range(10)], "n-", "not_ip")


def ping_from(fam, dst, *opts, wait=2):
    """One ping from pfl-src with ping's options opts: its 'From' line (an
    ICMP error for it), or '(none)'."""
    r = subprocess.run(["ip", "netns", "exec", "pfl-src", "ping", fam, "-n", "-c", "1", *opts,
                        "-W", str(wait), dst], capture_output=True, text=True)
    return next((x for x in r.stdout.splitlines() if x.startswith("From ")), "(none)")


def test_time_exceeded():
    """A ping with TTL 1 through the forwarder: the worker answers with an
    ICMP time exceeded from its port's address (RFC 1812 5.3.1), as a
    router on a traceroute path does; the kernel in pfl-dut (forwarding
    off) sends none, so the answer is the forwarder's."""
    before = pflab.telemetry("/peerfwd/stats")["icmp_sent"]
    for fam, dst, src, what in (("-4", "203.0.113.9", "192.0.2.1", "Time to live exceeded"),
                                ("-6", "2001:db8:c000::9", "2001:db8:ff::1",
                                 "Time exceeded: Hop limit")):
        line = ping_from(fam, dst, "-t", "1")
        check(f"From {src} " in line and what in line,
              f"ping {fam} -t 1 {dst}: answered by the forwarder's {src}: {line}")
    sent = pflab.telemetry("/peerfwd/stats")["icmp_sent"] - before
    check(sent == 2, f"telemetry icmp_sent +{sent} (2 expected)")


def test_too_big():
    """Traffic on the geo-redundant link, whose MTU is 1400: a bigger packet
    gets a fragmentation needed / packet too big with the MTU, from the
    forwarder's source port address, and a packet that fits goes through."""
    before = drops()["mtu_exceeded"]
    # with DF (IPv6: never fragmented on the way)
    line = ping_from("-4", "203.0.113.9", "-M", "do", "-s", "1400")  # 1428 bytes of IPv4
    check("From 192.0.2.1 " in line and "Frag needed and DF set (mtu = 1400)" in line,
          f"IPv4 1428 bytes with DF onto the 1400-byte geo link: {line}")
    line = ping_from("-6", "2001:db8:c000::9", "-M", "do", "-s", "1400")  # 1448 bytes of IPv6
    check("From 2001:db8:ff::1 " in line and "Packet too big: mtu=1400" in line,
          f"IPv6 1448 bytes onto the 1400-byte geo link: {line}")
    after = drops()["mtu_exceeded"]
    check(after - before == 2, f"drop counter mtu_exceeded +{after - before} (2 expected)")
    # without DF: sent on as two fragments (1428 bytes into 1396 + 52); to
    # another address, as pfl-src now knows 203.0.113.9's path MTU and would
    # fragment itself
    st, geo = pflab.telemetry("/peerfwd/stats"), pflab.telemetry("/peerfwd/ports")["geo"]
    ping_from("-4", "203.0.113.78", "-M", "dont", "-s", "1400", wait=1)
    st2, geo2 = pflab.telemetry("/peerfwd/stats"), pflab.telemetry("/peerfwd/ports")["geo"]
    check(st2["fragmented"] - st["fragmented"] == 1 and geo2["tx_packets"] - geo["tx_packets"] == 2,
          f"IPv4 1428 bytes without DF: fragmented +{st2['fragmented'] - st['fragmented']}, "
          f"{geo2['tx_packets'] - geo['tx_packets']} packets out on geo (1 and 2 expected)")


def wait_link(name, state):
    deadline = time.time() + 5
    while time.time() < deadline:
        if pflab.telemetry("/peerfwd/ports")[name]["link"] == state:
            return True
        time.sleep(0.02)
    return False


def burst_where(lab, tag):
    frames = [pflab.ipv4_frame("203.0.113.77", f"{tag}-4-{i}") for i in range(20)]
    frames += [pflab.ipv6_frame("2001:db8:c000::77", f"{tag}-6-{i}") for i in range(20)]
    got = send_and_collect(lab, frames, f"{tag}-", 40)
    return {n: len(v) for n, v in got.items()}


def test_failover(lab):
    try:
        pflab.link("pri", False)
        check(wait_link("pri", "down"), "primary carrier loss seen by the daemon")
        got = burst_where(lab, "f1")
        check(got == {"pri": 0, "loc": 40, "geo": 0},
              f"primary down: traffic moved to local-redundant {got}")
        pflab.link("loc", False)
        check(wait_link("loc", "down"), "local carrier loss seen")
        got = burst_where(lab, "f2")
        check(got == {"pri": 0, "loc": 0, "geo": 40},
              f"primary and local down: traffic on geo-redundant {got}")
        test_too_big()
        pflab.link("geo", False)
        check(wait_link("geo", "down"), "geo carrier loss seen")
        before = drops()["no_live_path"]
        got = burst_where(lab, "f3")
        check(sum(got.values()) == 0 and drops()["no_live_path"] - before == 40,
              f"all links down: nothing forwarded, no_live_path +{drops()['no_live_path'] - before}")
    finally:
        for n in pflab.CARRIERS:
            pflab.link(n, True)
    check(all(wait_link(n, "up") for n in pflab.CARRIERS), "links back up")
    got = burst_where(lab, "f4")
    check(got == {"pri": 40, "loc": 0, "geo": 0}, f"primary back: traffic returns to it {got}")


def peerctl(*args):
    r = subprocess.run([os.path.join(BUILD, "tools", "peerctl", "peerctl"), "-s", CTL, *args],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


CTL = "/run/peerfwd-lab/ctl.sock"


def test_control_socket(lab):
    """Operator actions through peerctl move real traffic."""
    rc, out = peerctl("link", "set", "pri", "down")
    check(rc == 0, f"peerctl link set pri down: {out.strip()!r}")
    got = burst_where(lab, "m1")
    check(got == {"pri": 0, "loc": 40, "geo": 0}, f"maintenance on primary: traffic on local {got}")
    rc, out = peerctl("link", "set", "pri", "up")
    got = burst_where(lab, "m2")
    check(rc == 0 and got == {"pri": 40, "loc": 0, "geo": 0}, f"released: back on primary {got}")
    rc, out = peerctl("failover", "history")
    check(rc == 0 and "operator" in out, "failover history records the operator's change")

    frames = [pflab.ipv4_frame("198.18.0.1", f"g1-{i}") for i in range(20)]
    got = send_and_collect(lab, frames, "g1-", None)
    check(sum(len(v) for v in got.values()) == 0, "198.18.0.1 unregistered: dropped")
    rc, out = peerctl("prefix", "register", "198.18.0.0/24", "customer=lab")
    frames = [pflab.ipv4_frame("198.18.0.1", f"g2-{i}") for i in range(20)]
    got = send_and_collect(lab, frames, "g2-", 20)
    check(rc == 0 and len(got["pri"]) == 20, f"registered over the socket: forwarded {len(got['pri'])}/20")
    rc, out = peerctl("prefix", "register", "not-a-prefix")
    check(rc == 1 and "invalid" in out, f"bad prefix refused: {out.strip()!r}")


def test_restart_keeps_state(d):
    """Managed registrations survive a restart; then removed cleanly."""
    d.stop()
    d2 = pflab.Daemon(os.path.join(BUILD, "peerfwd"), os.path.join(SRC, "configs", "lab.cfg"),
                      "/tmp/peerfwd-test-lab2.log")
    rc, out = peerctl("prefix", "list")
    check(rc == 0 and "198.18.0.0/24" in out, "registration made over the socket survives a restart")
    lab = pflab.Lab()
    frames = [pflab.ipv4_frame("198.18.0.1", f"g3-{i}") for i in range(20)]
    got = send_and_collect(lab, frames, "g3-", 20)
    check(len(got["pri"]) == 20, f"and still forwards after the restart ({len(got['pri'])}/20)")
    rc, out = peerctl("prefix", "unregister", "198.18.0.0/24")
    check(rc == 0, "unregister over the socket")
    script = os.path.join(SRC, "tests", "integration", "test_ctlsock.sh")
    env = dict(os.environ, PEERCTL_SOCKET=CTL,
               PATH=os.path.join(BUILD, "tools", "peerctl") + ":" + os.environ["PATH"])
    r = subprocess.run(["bash", script], env=env, capture_output=True, text=True, timeout=240)
    last = (r.stdout.strip().splitlines() or [""])[-1]
    check(r.returncode == 0, f"control socket suite (peerctl only): {last}")
    if r.returncode != 0:
        print(r.stdout[-3000:], r.stderr[-2000:])
    return d2


def test_counters():
    p = pflab.telemetry("/peerfwd/prefixes")
    v4 = p.get("203_0_113_0/24", {})
    check(v4.get("packets", 0) >= 50, f"per-prefix counter for 203.0.113.0/24: {v4.get('packets')}")
    w = pflab.telemetry("/peerfwd/workers")
    check(w["worker0"]["polls_busy"] > 0, "worker load counters move")


def test_bad_config():
    """A config error stops the daemon before any port: exit 2, FILE:LINE: SETTING."""
    bad = "/tmp/peerfwd-bad.cfg"
    text = open(os.path.join(SRC, "configs", "lab.cfg")).read()
    text = text.replace('tier = "primary";', 'tier = "primray";')
    open(bad, "w").write(text)
    line = next(i + 1 for i, l in enumerate(text.splitlines()) if "primray" in l)
    r = subprocess.run([os.path.join(BUILD, "peerfwd"), "-c", bad], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 2 and f"{bad}:{line}: ports[1].tier" in r.stderr,
          f"bad config: exit {r.returncode}, message {r.stderr.strip()!r}")
    r = subprocess.run([os.path.join(BUILD, "peerfwd"), "-c",
                        os.path.join(SRC, "configs", "lab.cfg"), "--check"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "--check accepts configs/lab.cfg")


def main():
    if os.geteuid() != 0:
        print("test_lab: needs root (network namespaces)")
        return 77
    test_bad_config()
    subprocess.run([os.path.join(SRC, "scripts", "lab", "up")], check=True)
    d = None
    try:
        d = pflab.Daemon(os.path.join(BUILD, "peerfwd"), os.path.join(SRC, "configs", "lab.cfg"),
                         "/tmp/peerfwd-test-lab.log")
        lab = pflab.Lab()
        test_registered(lab)
        test_drops(lab)
        test_time_exceeded()
        test_failover(lab)
        test_counters()
        test_control_socket(lab)
        d = test_restart_keeps_state(d)
    finally:
        rc = d.stop() if d else None
        check(d is None or rc == 0, f"daemon stopped cleanly on SIGTERM (exit {rc})")
        subprocess.run([os.path.join(SRC, "scripts", "lab", "down")], check=False,
                       stdout=subprocess.DEVNULL)
    print(f"\n{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
