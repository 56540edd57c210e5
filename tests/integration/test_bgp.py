#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Integration test: BGP sessions with real carrier routers, routes into the FIB.

Brings the lab up (scripts/lab/up), starts the carrier routers
(scripts/lab/bgp: BIRD in pfl-pri and pfl-loc, GoBGP in pfl-geo, ExaBGP in
pfl-src), runs peerfwd on configs/lab-bgp.cfg (no static routes) and checks,
through /peerfwd/bgp telemetry and real packets:

  sessions Established over IPv4 and IPv6 (MD5 + GTSM on pri4); our service
  prefixes reach the carrier, with GRACEFUL_SHUTDOWN while pri4 is in graceful
  shutdown (RFC 8326); 203.0.113.0/24 + 2001:db8:c000::/48 announced by
  all three tiers go to primary, move to local when primary withdraws, are
  dropped (no_route) when withdrawn everywhere; BIRD in pfl-loc killed and
  restarted (graceful restart helper) comes back with its routes; ExaBGP's
  bogon is filtered, its malformed MED is treat-as-withdraw with the session
  kept (RFC 7606), and more than max_prefixes gets Cease 6/1.
Needs root. Exit status 0 when every check passed.
"""
import json
import os
import subprocess
import sys
import time

SRC = os.environ.get("PEERFWD_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("PEERFWD_BUILDDIR", os.path.join(SRC, "build"))
sys.path.insert(0, os.path.join(SRC, "scripts", "lab"))
sys.path.insert(0, os.path.join(SRC, "scripts", "lab", "bgp"))
import pflab  # noqa: E402
import pflbgp  # noqa: E402

V4, V6 = "203.0.113.0/24", "2001:db8:c000::/48"
CARRIER_PEERS = ["pri4", "pri6", "loc4", "loc6", "geo4", "geo6"]
LOG = "/tmp/peerfwd-test-bgp.log"
from pflab import check, failures  # noqa: E402


def peers():
    return pflab.telemetry("/peerfwd/bgp")


from pflab import wait_for  # noqa: E402


def accepted(name):
    return peers()[name]["prefixes_accepted"]


def wait_accepted(expect, timeout=20.0):
    """expect: {peer: count}; True once every peer has that many routes."""
    return wait_for(lambda: all(accepted(n) == c for n, c in expect.items()), timeout)


def burst(lab, tag):
    frames = [pflab.ipv4_frame("203.0.113.77", f"{tag}-4-{i}") for i in range(20)]
    frames += [pflab.ipv6_frame("2001:db8:c000::77", f"{tag}-6-{i}") for i in range(20)]
    lab.drain()
    lab.send(frames)
    got = lab.collect(f"{tag}-", expect=40, timeout=1.5)
    return {n: len(v) for n, v in got.items()}


def announce(where, on):
    for name in where:
        if name == "geo":
            for p in (V4, V6):
                (pflbgp.gobgp_add if on else pflbgp.gobgp_del)(p)
        else:
            pflbgp.bird_set(name, [V4, V6] if on else [])


def test_sessions(t0):
    ok = wait_for(lambda: all(p["state"] == "Established" for n, p in peers().items()
                              if n in CARRIER_PEERS + ["exa"]), timeout=30)
    took = time.time() - t0
    p = peers()
    check(ok, f"all 7 sessions Established in {took:.1f} s after the daemon started: "
          + ", ".join(f"{n}={v['state']}" for n, v in sorted(p.items())))
    check(all(p[n]["ipv4"] == 1 for n in ("pri4", "loc4", "geo4", "exa")) and
          all(p[n]["ipv6"] == 1 for n in ("pri6", "loc6", "geo6")),
          "IPv4 sessions negotiated IPv4 unicast, IPv6 sessions IPv6 unicast")
    out = pflbgp.birdc("pri", "show", "route", "protocol", "dut4")
    out6 = pflbgp.birdc("pri", "show", "route", "protocol", "dut6")
    check("192.0.2.0/24" in out and "2001:db8:ff::/48" in out6,
          "service prefixes 192.0.2.0/24 and 2001:db8:ff::/48 received by BIRD (pri)")
    geo = pflbgp.gobgp("global", "rib", "-a", "ipv4").stdout
    check("192.0.2.0/24" in geo and "198.51.100.9" in geo,
          "GoBGP (geo) has 192.0.2.0/24 with next hop self (198.51.100.9)")


def peerctl(*args):
    r = subprocess.run([os.path.join(BUILD, "tools", "peerctl", "peerctl"), "-s",
                        "/run/peerfwd-lab/ctl.sock", "--json", *args],
                       capture_output=True, text=True, check=False)
    return json.loads(r.stdout) if r.stdout.strip() else {"stderr": r.stderr}


def test_gshut():
    """RFC 8326 before maintenance of pri: our service prefix to BIRD (pri)
    carries GRACEFUL_SHUTDOWN (65535:0) while it is on, the session stays."""
    def bird_gshut():
        out = pflbgp.birdc("pri", "show", "route", "192.0.2.0/24", "protocol", "dut4", "all")
        return "192.0.2.0/24" in out and "(65535,0)" in out

    check(not bird_gshut(), "before: BIRD's 192.0.2.0/24 carries no GRACEFUL_SHUTDOWN")
    r = peerctl("peer", "graceful-shutdown", "pri4", "on")
    check(r.get("graceful_shutdown") is True and r.get("changed") is True,
          f"peer graceful-shutdown pri4 on: {r}")
    check(wait_for(bird_gshut, 5), "gshut on: BIRD (pri) has 192.0.2.0/24 with (65535,0)")
    flags = {p["name"]: p["graceful_shutdown"] for p in peerctl("peering", "list")["peerings"]}
    check(flags.get("pri4") is True and not flags.get("pri6"),
          f"peering list: graceful_shutdown on pri4 only {flags}")
    check(peers()["pri4"]["state"] == "Established", "gshut on: the session stays Established")
    r = peerctl("peer", "graceful-shutdown", "pri4", "off")
    check(r.get("graceful_shutdown") is False, f"peer graceful-shutdown pri4 off: {r}")
    check(wait_for(lambda: not bird_gshut(), 5),
          "gshut off: BIRD's 192.0.2.0/24 without (65535,0) again")
    r = peerctl("peer", "graceful-shutdown", "nosuch", "on")
    check("graceful_shutdown" not in r, f"an unknown peer is refused: {r}")


def test_tiers(lab):
    announce(["pri", "loc", "geo"], True)
    ok = wait_accepted({n: 1 for n in CARRIER_PEERS})
    check(ok, "203.0.113.0/24 and 2001:db8:c000::/48 accepted from pri, loc and geo")
    got = burst(lab, "b1")
    check(got == {"pri": 40, "loc": 0, "geo": 0}, f"announced by all tiers: traffic on primary {got}")

    t = time.time()
    announce(["pri"], False)
    wait_accepted({"pri4": 0, "pri6": 0})
    got = wait_for(lambda: (lambda g: g if g["loc"] == 40 else None)(burst(lab, "b2")), 10, 0)
    check(got == {"pri": 0, "loc": 40, "geo": 0},
          f"withdrawn on primary: traffic on local-redundant {got} "
          f"({time.time() - t:.2f} s from birdc configure)")

    pflab.link("loc", False)
    try:
        wait_for(lambda: pflab.telemetry("/peerfwd/ports")["loc"]["link"] == "down", 5)
        got = burst(lab, "b3")
        check(got == {"pri": 0, "loc": 0, "geo": 40},
              f"local link down: the path group fails over to geo {got}")
    finally:
        pflab.link("loc", True)
    wait_for(lambda: pflab.telemetry("/peerfwd/ports")["loc"]["link"] == "up", 5)

    announce(["loc", "geo"], False)
    wait_accepted({n: 0 for n in CARRIER_PEERS})
    before = pflab.telemetry("/peerfwd/stats")["drops"]
    got = burst(lab, "b4")
    after = pflab.telemetry("/peerfwd/stats")["drops"]
    nr = after["no_route"] - before["no_route"]
    check(sum(got.values()) == 0 and nr == 40,
          f"withdrawn everywhere: nothing forwarded, no_route +{nr}")

    announce(["pri", "loc", "geo"], True)
    wait_accepted({n: 1 for n in CARRIER_PEERS})
    got = burst(lab, "b5")
    check(got == {"pri": 40, "loc": 0, "geo": 0}, f"announced again: back on primary {got}")


def test_restart(lab):
    """BIRD in pfl-loc dies (no NOTIFICATION) and starts again."""
    est = {n: peers()[n]["established"] for n in ("loc4", "loc6")}
    pflab.link("pri", False)  # make loc carry the traffic
    try:
        wait_for(lambda: pflab.telemetry("/peerfwd/ports")["pri"]["link"] == "down", 5)
        pflbgp.bird_stop("loc", kill=True)
        down = wait_for(lambda: all(peers()[n]["state"] != "Established"
                                    for n in ("loc4", "loc6")), 10)
        p = peers()
        check(down, f"killed BIRD (loc): sessions down: {p['loc4']['state']}, "
              f"{p['loc6']['state']}")
        check(p["loc4"]["prefixes_stale"] == 1 and p["loc6"]["prefixes_stale"] == 1,
              "graceful restart helper: loc's routes kept as stale")
        got = burst(lab, "r1")
        check(got == {"pri": 0, "loc": 40, "geo": 0},
              f"during the restart traffic still follows loc's stale routes {got}")
        t = time.time()
        pflbgp.bird_start("loc", recovery=True)
        back = wait_for(lambda: all(peers()[n]["state"] == "Established" and
                                    peers()[n]["established"] > est[n]
                                    for n in ("loc4", "loc6")), 30)
        check(back, f"restarted BIRD (loc): sessions Established again in "
              f"{time.time() - t:.1f} s")
        ok = wait_for(lambda: all(peers()[n]["prefixes_accepted"] == 1 and
                                  peers()[n]["prefixes_stale"] == 0
                                  for n in ("loc4", "loc6")), 20)
        check(ok, "routes back from loc, stale marks cleared at End-of-RIB")
        got = burst(lab, "r2")
        check(got == {"pri": 0, "loc": 40, "geo": 0}, f"traffic on loc after its restart {got}")
    finally:
        pflab.link("pri", True)
    wait_for(lambda: pflab.telemetry("/peerfwd/ports")["pri"]["link"] == "up", 5)


def test_exabgp(lab):
    """RFC 7606 and policy with a misbehaving peer (policy strict, max 10)."""
    pflbgp.exa_cmd("announce route 100.128.1.0/24 next-hop self")
    pflbgp.exa_cmd("announce route 10.1.0.0/16 next-hop self")
    ok = wait_for(lambda: peers()["exa"]["prefixes_accepted"] == 1 and
                  peers()["exa"]["prefixes_filtered"] >= 1, 10)
    check(ok, "ExaBGP: 100.128.1.0/24 accepted, bogon 10.1.0.0/16 filtered (RFC 7454)")
    est = peers()["exa"]["established"]
    # MED (type 4) two octets long: RFC 7606 7.4, treat-as-withdraw
    pflbgp.exa_cmd("announce route 100.128.1.0/24 next-hop self attribute [0x04 0x80 0x0001]")
    ok = wait_for(lambda: peers()["exa"]["treat_as_withdraw"] >= 1, 10)
    time.sleep(0.5)
    p = peers()["exa"]
    check(ok and p["prefixes_accepted"] == 0,
          f"malformed MED: treat-as-withdraw, route removed (accepted {p['prefixes_accepted']})")
    check(p["state"] == "Established" and p["established"] == est,
          f"malformed MED: session kept up ({p['state']}, last_error '{p['last_error']}')")

    for i in range(11):
        pflbgp.exa_cmd(f"announce route 100.128.{10 + i}.0/24 next-hop self")
    down = wait_for(lambda: peers()["exa"]["state"] != "Established", 10)
    p = peers()["exa"]
    check(down and "maximum number of prefixes" in p["last_error"],
          f"11 prefixes > max_prefixes 10: Cease ({p['last_error']}), "
          f"state {p['state']}, accepted {p['prefixes_accepted']}")
    for i in range(11):
        pflbgp.exa_cmd(f"withdraw route 100.128.{10 + i}.0/24 next-hop self")
    back = wait_for(lambda: peers()["exa"]["state"] == "Established" and
                    peers()["exa"]["established"] > est, 30)
    check(back, "after restart_after (5 s) the session comes back below the limit")


def main():
    if os.geteuid() != 0:
        print("test_bgp: needs root (network namespaces)")
        return 77
    subprocess.run([os.path.join(SRC, "scripts", "lab", "up")], check=True)
    d = None
    try:
        pflbgp.start()
        t0 = time.time()
        d = pflab.Daemon(os.path.join(BUILD, "peerfwd"),
                         os.path.join(SRC, "configs", "lab-bgp.cfg"), LOG)
        lab = pflab.Lab()
        test_sessions(t0)
        test_gshut()
        test_tiers(lab)
        test_restart(lab)
        test_exabgp(lab)
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
