#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Integration test: BGP peerings and operator routes, driven only by peerctl.

Brings the lab up (scripts/lab/up), starts the carrier routers
(scripts/lab/bgp: BIRD in pfl-pri and pfl-loc, GoBGP in pfl-geo, ExaBGP in
pfl-src) and runs peerfwd on a copy of configs/lab-bgp.cfg with one static
route added (so that config routes can be shown read_only). Then, through
peerctl alone:

  peering list shows all seven sessions Established; peering stats shows one
  peer's negotiated timers and message counts; peer set-policy moves loc4 to
  the "strict" policy: the session goes down with Cease/Administrative Reset
  and comes back Established under it, the documentation prefix now filtered
  as a bogon; back to "carrier"; peer reset soft (ROUTE-REFRESH) keeps the
  session, is refused for ExaBGP (no ROUTE-REFRESH); peer reset hard
  re-establishes; route add / route del move real frames; peerctl pipe
  measures pipelined route.add/s; the metrics carry the per-peering series.
Needs root. Exit status 0 when every check passed.
"""
import json
import os
import re
import subprocess
import sys
import time

SRC = os.environ.get("PEERFWD_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("PEERFWD_BUILDDIR", os.path.join(SRC, "build")))
sys.path.insert(0, os.path.join(SRC, "scripts", "lab"))
sys.path.insert(0, os.path.join(SRC, "scripts", "lab", "bgp"))
import pflab  # noqa: E402
import pflbgp  # noqa: E402

CTL = "/run/peerfwd-lab/ctl.sock"
CFG = "/tmp/peerfwd-test-peering.cfg"
LOG = "/tmp/peerfwd-test-peering.log"
V4, V6 = "203.0.113.0/24", "2001:db8:c000::/48"
STATIC = "198.18.255.0/24"  # a config file route in CFG
PEERS = ["pri4", "pri6", "loc4", "loc6", "geo4", "geo6", "exa"]
# Below the 10k/s target: the lab shares two cores with everything else.
MIN_RATE = float(os.environ.get("PEERFWD_MIN_ROUTE_RATE", "5000"))
from pflab import check, failures  # noqa: E402


def peerctl(*args, stdin=None):
    r = subprocess.run([os.path.join(BUILD, "tools", "peerctl", "peerctl"), "-s", CTL, *args],
                       input=stdin, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout, r.stderr


def peerctl_json(*args):
    rc, out, err = peerctl("--json", *args)
    try:
        return json.loads(out)
    except ValueError:
        return {"ok": False, "error": {"code": f"rc {rc}", "message": err.strip()}}


def peerings():
    a = peerctl_json("peering", "list")
    return {p["name"]: p for p in a.get("peerings", [])}


def wait_for(pred, timeout=20.0, step=0.2):
    return pflab.wait_for(pred, timeout, step)


def write_config():
    text = open(os.path.join(SRC, "configs", "lab-bgp.cfg")).read()
    anchor = "\t# No static routes: BGP installs"
    assert anchor in text
    text = text.replace(anchor, f'\troutes = ( {{ prefix = "{STATIC}"; pathgroup = "carrier4"; }} );\n'
                        + anchor, 1)
    open(CFG, "w").write(text)


def burst(lab, tag, n=20):
    frames = [pflab.ipv4_frame("203.0.113.77", f"{tag}-{i}") for i in range(n)]
    lab.drain()
    lab.send(frames)
    got = lab.collect(f"{tag}-", expect=n, timeout=1.5)
    return {k: len(v) for k, v in got.items()}


def announce(on):
    for name in ("pri", "loc"):
        pflbgp.bird_set(name, [V4, V6] if on else [])
    for p in (V4, V6):
        (pflbgp.gobgp_add if on else pflbgp.gobgp_del)(p)


def carriers_accepted(n):
    return wait_for(lambda: all(p["prefixes"]["accepted"] == n for name, p in peerings().items()
                                if name != "exa"))


def test_list():
    ok = wait_for(lambda: (lambda p: len(p) == 7 and all(v["state"] == "Established"
                                                         for v in p.values()))(peerings()), 30)
    p = peerings()
    check(ok, "peering list: all 7 sessions Established: "
          + ", ".join(f"{n}={v['state']}" for n, v in sorted(p.items())))
    announce(True)
    check(carriers_accepted(1), "203.0.113.0/24 and 2001:db8:c000::/48 accepted and installed "
          "from pri, loc, geo")
    p = peerings()
    check(all(p[n]["prefixes"]["installed"] == 1 for n in PEERS[:6]),
          f"installed counts {[p[n]['prefixes']['installed'] for n in PEERS[:6]]}")
    check(p["pri4"]["tier"] == "primary" and p["geo6"]["tier"] == "geo" and
          p["exa"]["policy"] == "strict" and p["pri4"]["remote_as"] == 64496,
          "peering list: tier, policy, remote AS per peer")
    rc, out, _ = peerctl("peering", "list")
    rows = [l for l in out.splitlines() if l.split()[:1] and l.split()[0] in PEERS]
    check(rc == 0 and out.startswith("PEER") and len(rows) == 7 and
          all("Established" in r for r in rows), "peering list (table): 7 rows, Established")


def test_stats():
    s = peerctl_json("peering", "stats", "pri4")
    n, m = s.get("negotiated", {}), s.get("messages", {})
    check(s.get("ok") and s["state"] == "Established" and n.get("hold_time_s") == 30 and
          n.get("keepalive_time_s") == 10 and n.get("route_refresh") is True,
          f"peering stats pri4: Established, hold 30 s, keepalive 10 s, route refresh: {n}")
    check(m.get("in", {}).get("open") == 1 and m["in"]["update"] >= 2 and
          m["out"]["update"] >= 1 and m["out"]["keepalive"] >= 1 and
          s["established_at"] is not None,
          f"peering stats pri4: messages in {m.get('in')}, out {m.get('out')}")
    rc, out, _ = peerctl("peering", "stats", "pri4")
    check(rc == 0 and "keepalive 10 s" in out and "NOTIFICATION" in out,
          "peering stats (human) shows timers and NOTIFICATIONs")
    rc, _, err = peerctl("peering", "stats", "nosuch")
    check(rc == 1 and "not_found" in err, f"peering stats of an unknown peer: {err.strip()!r}")


def test_set_policy():
    before = peerings()["loc4"]
    rc, _, err = peerctl("peer", "set-policy", "loc4", "nosuch")
    check(rc == 1 and "not_found" in err and "carrier, strict" in err,
          f"unknown policy refused before anything: {err.strip()!r}")
    check(peerings()["loc4"]["established"] == before["established"],
          "... and the session was not touched")
    rc, out, err = peerctl("peer", "set-policy", "loc4", "strict")
    check(rc == 0 and "carrier -> strict" in out, f"peer set-policy loc4 strict: {out.strip()!r}")
    p = wait_for(lambda: (lambda p: p if p["state"] == "Established" and
                          p["established"] == before["established"] + 1 else None)(
        peerings()["loc4"]), 30)
    s = peerctl_json("peering", "stats", "loc4")
    sent = ((s.get("last_notification") or {}).get("sent") or {}).get("message", "")
    check("cease/administrative reset" in sent,
          f"the session went down with Cease/Administrative Reset: {sent!r}")
    check(bool(p) and p["policy"] == "strict" and p["flaps"] == before["flaps"] + 1,
          f"loc4 Established again under the new policy: {p and (p['state'], p['policy'])}")
    ok = wait_for(lambda: peerings()["loc4"]["prefixes"]["accepted"] == 0 and
                  peerings()["loc4"]["prefixes"]["filtered"] > before["prefixes"]["filtered"], 10)
    check(ok, "strict (bogons) filters the documentation prefix: loc4 accepts 0")
    rc, _, _ = peerctl("peer", "set-policy", "loc4", "carrier")
    ok = wait_for(lambda: (lambda p: p["state"] == "Established" and p["policy"] == "carrier"
                           and p["prefixes"]["accepted"] == 1)(peerings()["loc4"]), 30)
    check(rc == 0 and ok, "back to carrier: loc4 Established, accepts its route again")


def test_reset():
    s0 = peerctl_json("peering", "stats", "pri4")
    rc, out, _ = peerctl("peer", "reset", "pri4", "soft")
    time.sleep(1)
    s1 = peerctl_json("peering", "stats", "pri4")
    check(rc == 0 and s1["state"] == "Established" and s1["established"] == s0["established"] and
          s1["messages"]["out"]["route_refresh"] == s0["messages"]["out"]["route_refresh"] + 1,
          f"peer reset pri4 soft: ROUTE-REFRESH sent, session kept ({out.strip()!r})")
    rc, _, err = peerctl("peer", "reset", "exa", "soft")
    check(rc == 1 and "unsupported" in err and "ROUTE-REFRESH" in err,
          f"soft reset refused for a peer without ROUTE-REFRESH: {err.strip()!r}")
    rc, _, err = peerctl("peer", "reset", "pri4", "gentle")
    check(rc == 1 and "invalid_argument" in err, f"bad mode refused: {err.strip()!r}")
    before = peerings()["geo4"]
    rc, out, _ = peerctl("peer", "reset", "geo4", "hard")
    ok = wait_for(lambda: (lambda p: p["state"] == "Established" and
                           p["established"] == before["established"] + 1 and
                           p["prefixes"]["accepted"] == 1)(peerings()["geo4"]), 30)
    check(rc == 0 and ok, f"peer reset geo4 hard: re-established with its route ({out.strip()!r})")


def test_routes(lab):
    announce(False)
    check(carriers_accepted(0), "BGP routes withdrawn everywhere")
    got = burst(lab, "o1")
    check(sum(got.values()) == 0, f"no route: 203.0.113.77 dropped {got}")
    rc, out, _ = peerctl("route", "add", V4, "carrier4")
    got = burst(lab, "o2")
    check(rc == 0 and got == {"pri": 20, "loc": 0, "geo": 0},
          f"route add {V4} carrier4: traffic on primary {got}")
    rc, out, _ = peerctl("route", "lookup", "203.0.113.77")
    check("static" in out and "carrier4" in out, "route lookup: the operator's static route")
    rc, out, _ = peerctl("route", "del", V4)
    got = burst(lab, "o3")
    check(rc == 0 and sum(got.values()) == 0, f"route del {V4}: dropped again {got}")
    rc, _, err = peerctl("route", "del", V4)
    check(rc == 1 and "not_found" in err, f"route del again: {err.strip()!r}")
    rc, _, err = peerctl("route", "add", V4, "nosuch")
    check(rc == 1 and "not_found" in err, f"unknown path group refused: {err.strip()!r}")
    rc, _, err = peerctl("route", "del", STATIC)
    check(rc == 1 and "read_only" in err, f"a config file route is read_only: {err.strip()!r}")
    rc, _, err = peerctl("route", "add", STATIC, "carrier4")
    check(rc == 1 and "read_only" in err, "... also for route add")
    announce(True)
    carriers_accepted(1)


def test_churn():
    n = 20000
    adds = "".join(f"route add 10.{i >> 8 & 255}.{i & 255}.0/24 carrier4\n" for i in range(n))
    dels = "".join(f"route del 10.{i >> 8 & 255}.{i & 255}.0/24\n" for i in range(n))
    before = peerctl_json("status")["routes"]["ipv4"]
    rc, _, err = peerctl("pipe", stdin=adds)
    m = re.search(r"(\d+) answered, (\d+) errors, ([\d.]+) s, (\d+)/s", err)
    rate = int(m.group(4)) if m else 0
    mid = peerctl_json("status")["routes"]["ipv4"]
    check(rc == 0 and m and int(m.group(1)) == n and mid == before + n,
          f"peerctl pipe: {n} route.add answered and installed ({err.strip()})")
    check(rate >= MIN_RATE, f"pipelined route.add: {rate}/s (target 10000/s, floor {MIN_RATE:.0f})")
    rc, _, err = peerctl("pipe", stdin=dels)
    after = peerctl_json("status")["routes"]["ipv4"]
    check(rc == 0 and after == before, f"peerctl pipe: {n} route.del ({err.strip()})")


def test_metrics():
    rc, out, _ = peerctl("metrics")
    check(rc == 0 and 'peerfwd_bgp_session_up{peer="pri4"} 1' in out and
          'peerfwd_bgp_prefixes{peer="pri4",state="accepted"} 1' in out and
          'peerfwd_bgp_prefixes{peer="exa",state="received"}' in out and
          'peerfwd_bgp_flaps_total{peer="loc4"} 2' in out and
          'peerfwd_bgp_flaps_total{peer="geo4"} 1' in out,
          "metrics: per-peering session_up, prefixes, flaps_total")


def main():
    if os.geteuid() != 0:
        print("test_peering: needs root (network namespaces)")
        return 77
    write_config()
    subprocess.run([os.path.join(SRC, "scripts", "lab", "up")], check=True)
    d = None
    try:
        pflbgp.start()
        d = pflab.Daemon(os.path.join(BUILD, "peerfwd"), CFG, LOG)
        lab = pflab.Lab()
        test_list()
        test_stats()
        test_set_policy()
        test_reset()
        test_routes(lab)
        test_churn()
        test_metrics()
    finally:
        rc = d.stop() if d else None
        check(d is None or rc == 0, f"daemon stopped cleanly on SIGTERM (exit {rc})")
        pflbgp.stop()
        subprocess.run([os.path.join(SRC, "scripts", "lab", "down")], check=False,
                       stdout=subprocess.DEVNULL)
    print(f"\n{len(failures)} failure(s) (daemon log {LOG})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
