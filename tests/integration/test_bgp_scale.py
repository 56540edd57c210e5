#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Scale test: a full Internet table from a real BGP peer into the FIB while
traffic flows, without losing a packet whose route did not change.

Brings the lab up (scripts/lab/up) with the BGP carrier routers, BIRD in
pfl-pri on scripts/lab/bgp/scale/bird-pri-scale.conf, and runs peerfwd on a
copy of configs/lab-bgp.cfg with full-table FIB sizes, 4 GB of EAL memory
and max_prefixes raised. Then:

  1. 203.0.113.0/24 and 2001:db8:c000::/48 announced by pri, loc and geo
     (as in test_bgp.py); a sender process in pfl-src sends a steady stream
     (PFL_SCALE_PPS, default 4000 pps, IPv4 and IPv6 alternating) to
     addresses in them, each packet tagged with a sequence number; a
     receiver process counts arrivals by sequence number in the carrier
     namespaces.
  2. BIRD (pri) enables its full table (scripts/lab/bgp/scale/gen_table.py:
     1,000,000 IPv4 + 250,000 IPv6 prefixes with the Internet's length mix).
     Measured: first UPDATE seen -> FIB (control socket "status" route
     counts) holding every route, routes/s.
  3. BIRD disables it again: time until the FIB is back where it started.
  4. Sent vs received sequence numbers: no registered packet may be lost
     (their route never changed), none may arrive on loc or geo.

Prints the numbers (load/withdraw time, routes/s, packets, daemon RSS).
Exit 0 when every check passed, 1 otherwise, 77 without root.
Knobs: PFL_SCALE_V4 / PFL_SCALE_V6 (table size), PFL_SCALE_PPS,
PFL_SCALE_TIMEOUT (s per phase, default 300).
"""
import json
import multiprocessing as mp
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

SRC = os.environ.get("PEERFWD_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("PEERFWD_BUILDDIR", os.path.join(SRC, "build"))
sys.path.insert(0, os.path.join(SRC, "scripts", "lab"))
sys.path.insert(0, os.path.join(SRC, "scripts", "lab", "bgp"))
import pflab  # noqa: E402
import pflbgp  # noqa: E402

SCALE = os.path.join(SRC, "scripts", "lab", "bgp", "scale")
V4, V6 = "203.0.113.0/24", "2001:db8:c000::/48"
CARRIER_PEERS = ["pri4", "pri6", "loc4", "loc6", "geo4", "geo6"]
N4 = int(os.environ.get("PFL_SCALE_V4", "1000000"))
N6 = int(os.environ.get("PFL_SCALE_V6", "250000"))
PPS = int(os.environ.get("PFL_SCALE_PPS", "4000"))
TIMEOUT = float(os.environ.get("PFL_SCALE_TIMEOUT", "300"))
SEED = 4271
CFG = "/tmp/peerfwd-test-bgp-scale.cfg"
LOG = "/tmp/peerfwd-test-bgp-scale.log"
CTL = "/run/peerfwd-lab/ctl.sock"
TAG = pflab.MARK + b"S"
from pflab import check, failures  # noqa: E402


def info(what):
    print("      " + what, flush=True)


from pflab import wait_for  # noqa: E402


def peers():
    return pflab.telemetry("/peerfwd/bgp")


class Ctl:
    """The daemon's control socket (newline-delimited JSON)."""

    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(30)
        self.s.connect(CTL)
        self.buf = b""

    def __call__(self, cmd, **args):
        self.s.sendall(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise RuntimeError("control socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def routes(self):
        r = self("status")["routes"]
        return r["ipv4"], r["ipv6"]


def write_config():
    text = open(os.path.join(SRC, "configs", "lab-bgp.cfg")).read()
    subs = [(r"\bmax_routes4 = \d+;", "max_routes4 = 1100000;"),
            (r"\btbl8_groups4 = \d+;", "tbl8_groups4 = 65536;"),
            (r"\bmax_routes6 = \d+;", "max_routes6 = 300000;"),
            (r"\bgroups6 = \d+;", "groups6 = 1000000;"),
            (r'"-m", "\d+"', '"-m", "4096"'),
            (r"max_prefixes = 200000", "max_prefixes = 2000000")]
    for pat, rep in subs:
        text, n = re.subn(pat, rep, text)
        assert n == 1, f"configs/lab-bgp.cfg: {pat} not found once"
    open(CFG, "w").write(text)


def table_files():
    """The generated table, cached in /tmp per size and seed."""
    base = f"/tmp/pfl-scale-table-{N4}-{N6}-{SEED}"
    gen = os.path.join(SCALE, "gen_table.py")
    if not all(os.path.exists(f) and os.path.getmtime(f) >= os.path.getmtime(gen)
               for f in (base + ".4.conf", base + ".6.conf")):
        subprocess.run([sys.executable, gen, "--v4", str(N4),
                        "--v6", str(N6), "--seed", str(SEED), base + ".4.tmp",
                        base + ".6.tmp"], check=True)
        os.replace(base + ".4.tmp", base + ".4.conf")
        os.replace(base + ".6.tmp", base + ".6.conf")
    return base + ".4.conf", base + ".6.conf"


def routers_start():
    """pflbgp.start() with BIRD (pri) on the scale config and no ExaBGP."""
    os.makedirs(pflbgp.RUN, exist_ok=True)
    pflbgp.stop()
    for n in ("pri", "loc", "geo"):
        pflbgp.ns(n, "sysctl", "-qw", "net.ipv6.conf.eth0.keep_addr_on_down=1")
    f4, f6 = table_files()
    shutil.copy(f4, f"{pflbgp.RUN}/pri-full4.conf")
    shutil.copy(f6, f"{pflbgp.RUN}/pri-full6.conf")
    # pri announces the registered prefixes from the start (st4/st6).
    pflbgp._bird_routes["pri"] = {4: {V4}, 6: {V6}}
    pflbgp._bird_write_routes("pri")
    ctl = pflbgp._bird_ctl("pri")
    if os.path.exists(ctl):
        os.unlink(ctl)
    t = time.time()
    pflbgp.ns("pri", "bird", "-c", os.path.join(SCALE, "bird-pri-scale.conf"), "-s", ctl,
              "-P", f"{pflbgp.RUN}/bird-pri.pid")
    up = wait_for(lambda: "Daemon is up" in pflbgp.birdc("pri", "show", "status"), 120, 0.1)
    check(bool(up), f"BIRD (pri) parsed its config with the {N4 + N6}-route table in "
          f"{time.time() - t:.1f} s")
    pflbgp.bird_start("loc")
    pflbgp.gobgp_start()


def rss_kb(pid):
    out = {}
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return out


def cpu_s(pid, tid=None):
    """CPU seconds (user + system) of a process, or of one of its threads."""
    path = f"/proc/{pid}/task/{tid}/stat" if tid else f"/proc/{pid}/stat"
    try:
        f = open(path).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def bird_pid(name):
    return pflbgp._pid(f"{pflbgp.RUN}/bird-{name}.pid")


# ---- traffic: one sender and one receiver process ----

def _sender(stop, sent, pps):
    tx = pflab.raw_socket("pfl-src")
    frames4 = [pflab.ipv4_frame(f"203.0.113.{i + 1}", "S0") for i in range(250)]
    frames6 = [pflab.ipv6_frame(f"2001:db8:c000::{i + 1:x}", "S0") for i in range(250)]
    seq, t0 = 0, time.monotonic()
    while not stop.is_set():
        due = int((time.monotonic() - t0) * pps)
        for _ in range(min(due - seq, 64)):
            if seq % 2 == 0:
                f = pflab.ipv4_frame(f"203.0.113.{seq // 2 % 250 + 1}", f"S{seq}")
            else:
                f = pflab.ipv6_frame(f"2001:db8:c000::{seq // 2 % 250 + 1:x}", f"S{seq}")
            while True:
                try:
                    tx.send(f)
                    break
                except (BlockingIOError, OSError):
                    time.sleep(0.0002)
            seq += 1
            sent.value = seq
        if due - seq < 16:
            time.sleep(0.001)
    del frames4, frames6


def _receiver(stop, conn):
    socks = {}
    for n in pflab.CARRIERS:
        s = pflab.raw_socket(f"pfl-{n}")
        s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE (root)
        socks[n] = s
    seen = bytearray(1 << 22)
    per = {n: 0 for n in socks}
    dup = 0
    idle_since = None
    while True:
        r, _, _ = select.select(list(socks.values()), [], [], 0.05)
        got = False
        for n, s in socks.items():
            if s not in r:
                continue
            try:
                while True:
                    data, addr = s.recvfrom(2048)
                    if addr[2] == socket.PACKET_OUTGOING:
                        continue
                    i = data.find(TAG)
                    if i < 0:
                        continue
                    j = i + len(TAG)
                    k = j
                    while k < len(data) and 48 <= data[k] <= 57:
                        k += 1
                    seq = int(data[j:k])
                    if seq >= len(seen):
                        seen.extend(bytearray(max(seq + 1 - len(seen), len(seen))))
                    if seen[seq]:
                        dup += 1
                    seen[seq] = 1
                    per[n] += 1
                    got = True
            except (BlockingIOError, OSError):
                pass
        if stop.is_set():
            # the stream has stopped: finish once nothing arrived for 1 s
            if got:
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > 1.0:
                break
    conn.send({"seen": bytes(seen), "per": per, "dup": dup})


class Traffic:
    def __init__(self, pps):
        ctx = mp.get_context("fork")
        self.stop_tx, self.stop_rx = ctx.Event(), ctx.Event()
        self.sent = ctx.Value("q", 0, lock=False)
        self.parent, child = ctx.Pipe()
        self.rx = ctx.Process(target=_receiver, args=(self.stop_rx, child), daemon=True)
        self.tx = ctx.Process(target=_sender, args=(self.stop_tx, self.sent, pps), daemon=True)
        self.rx.start()
        time.sleep(0.5)
        self.tx.start()
        self.t0 = time.time()

    def stop(self):
        self.stop_tx.set()
        self.tx.join(10)
        sent = self.sent.value
        time.sleep(0.5)
        self.stop_rx.set()
        res = self.parent.recv() if self.parent.poll(60) else None
        self.rx.join(10)
        return sent, res

    def kill(self):
        for p in (self.tx, self.rx):
            if p.is_alive():
                p.kill()


# ---- phases ----

def fib_wait(ctl, want4, want6, timeout, on_first=None):
    """Polls the FIB's route counts until (want4, want6); returns the times
    each family got there (None: not in time) and the last counts."""
    t4 = t6 = None
    deadline = time.time() + timeout
    r4, r6 = ctl.routes()
    while time.time() < deadline:
        r4, r6 = ctl.routes()
        now = time.time()
        if on_first:
            on_first(now)
        if t4 is None and r4 == want4:
            t4 = now
        if t6 is None and r6 == want6:
            t6 = now
        if t4 and t6:
            break
        time.sleep(0.05)
    return t4, t6, r4, r6


def test_load(ctl, pid):
    base4, base6 = ctl.routes()
    p = peers()
    recv0 = p["pri4"]["prefixes_received"] + p["pri6"]["prefixes_received"]
    first = {}

    def watch(now):
        if "t" not in first:
            q = peers()
            if q["pri4"]["prefixes_received"] + q["pri6"]["prefixes_received"] > recv0:
                first["t"] = now

    bpid = bird_pid("pri")
    c0, b0 = cpu_s(pid, pid), cpu_s(bpid)
    t_cmd = time.time()
    out = pflbgp.birdc("pri", "enable", "full4") + pflbgp.birdc("pri", "enable", "full6")
    check("enabled" in out, f"birdc enable full4, full6 (pri): {out.split()[-1] if out else ''}")
    t4, t6, r4, r6 = fib_wait(ctl, base4 + N4, base6 + N6, TIMEOUT, watch)
    c1, b1 = cpu_s(pid, pid), cpu_s(bpid)
    t_first = first.get("t", t_cmd)
    p = peers()
    ok = t4 is not None and t6 is not None
    check(ok, f"full table installed: FIB {r4} IPv4 (want {base4 + N4}), {r6} IPv6 "
          f"(want {base6 + N6}) within {TIMEOUT:.0f} s")
    check(p["pri4"]["prefixes_accepted"] == N4 + 1 and p["pri6"]["prefixes_accepted"] == N6 + 1,
          f"pri4 accepted {p['pri4']['prefixes_accepted']}, pri6 {p['pri6']['prefixes_accepted']}"
          f" (filtered {p['pri4']['prefixes_filtered']}+{p['pri6']['prefixes_filtered']}), "
          f"state {p['pri4']['state']}/{p['pri6']['state']}")
    res = {"base": (base4, base6), "enable_to_first": t_first - t_cmd}
    if ok:
        load = max(t4, t6) - t_first
        res.update(load=load, load4=t4 - t_first, load6=t6 - t_first)
        info(f"LOAD    first UPDATE {t_first - t_cmd:.2f} s after birdc enable; "
             f"FIB full {load:.1f} s after it: IPv4 {N4} in {t4 - t_first:.1f} s, "
             f"IPv6 {N6} in {t6 - t_first:.1f} s; {(N4 + N6) / load:,.0f} routes/s overall")
        info(f"        CPU while loading: peerfwd control thread {c1 - c0:.1f} s "
             f"({(c1 - c0) * 1e6 / (N4 + N6):.2f} us/route), BIRD (pri) {b1 - b0:.1f} s")
    info(f"RSS     peerfwd {rss_kb(pid)} kB, BIRD (pri) {rss_kb(bird_pid('pri'))} kB")
    return res


def test_lookup(ctl, present):
    """A few table routes, looked up in the daemon's FIB (route.lookup)."""
    picks = []
    for path in table_files():
        lines = open(path).read().splitlines()
        for k in (0, len(lines) // 3, len(lines) // 2, len(lines) - 1):
            picks.append(lines[k].split()[1])
    bad = []
    for pfx in picks:
        a = ctl("route.lookup", address=pfx.split("/")[0])
        m = a.get("matched")
        good = (a.get("source") == "bgp" and m and int(m.split("/")[1]) >= int(pfx.split("/")[1])
                if present else a.get("source") is None)
        if not good:
            bad.append((pfx, a.get("matched"), a.get("source")))
    check(not bad, f"route lookup of {len(picks)} table prefixes: "
          + ("BGP routes in the FIB" if present else "gone")
          + (f"; wrong: {bad[:3]}" if bad else ""))


def test_withdraw(ctl, base, pid):
    bpid = bird_pid("pri")
    c0, b0 = cpu_s(pid, pid), cpu_s(bpid)
    full = ctl.routes()
    first = {}

    def watch(now):
        if "t" not in first and ctl.routes() != full:
            first["t"] = now

    t_cmd = time.time()
    out = pflbgp.birdc("pri", "disable", "full4") + pflbgp.birdc("pri", "disable", "full6")
    check("disabled" in out, "birdc disable full4, full6 (pri)")
    t4, t6, r4, r6 = fib_wait(ctl, base[0], base[1], TIMEOUT, watch)
    c1, b1 = cpu_s(pid, pid), cpu_s(bpid)
    ok = t4 is not None and t6 is not None
    check(ok, f"full table withdrawn: FIB back to {r4} IPv4, {r6} IPv6 (want {base[0]}, "
          f"{base[1]}) within {TIMEOUT:.0f} s")
    p = peers()
    check(p["pri4"]["prefixes_accepted"] == 1 and p["pri6"]["prefixes_accepted"] == 1,
          f"pri4/pri6 keep only the registered prefixes "
          f"({p['pri4']['prefixes_accepted']}, {p['pri6']['prefixes_accepted']})")
    if ok:
        t_first = first.get("t", t_cmd)
        w = max(t4, t6) - t_first
        info(f"WITHDRAW first route gone {t_first - t_cmd:.2f} s after birdc disable; all "
             f"{w:.1f} s after that (IPv4 {t4 - t_first:.1f} s, IPv6 {t6 - t_first:.1f} s); "
             f"{(N4 + N6) / w:,.0f} routes/s")
        info(f"        CPU while withdrawing: peerfwd control thread {c1 - c0:.1f} s "
             f"({(c1 - c0) * 1e6 / (N4 + N6):.2f} us/route), BIRD (pri) {b1 - b0:.1f} s")
        return w
    return None


def test_traffic(sent, res, t0, stats0, stats1):
    if res is None:
        check(False, "receiver reported")
        return
    seen = res["seen"]
    got = sum(seen[:sent])
    lost = [i for i in range(sent) if not seen[i]]
    lost4 = sum(1 for i in lost if i % 2 == 0)
    info(f"TRAFFIC sent {sent} ({sent // 2 + sent % 2} IPv4 + {sent // 2} IPv6, {PPS} pps "
         f"for {sent / PPS:.0f} s), received {got} (pri {res['per']['pri']}, loc "
         f"{res['per']['loc']}, geo {res['per']['geo']}), lost {len(lost)} "
         f"(IPv4 {lost4}, IPv6 {len(lost) - lost4}), duplicates {res['dup']}")
    if lost:
        # when: seconds after the stream started, first and last
        info(f"        lost sequence numbers {lost[:10]}{' ...' if len(lost) > 10 else ''}; "
             f"at {lost[0] / PPS:.1f} .. {lost[-1] / PPS:.1f} s into the stream")
    d = {k: stats1["drops"][k] - stats0["drops"].get(k, 0) for k in stats1["drops"]
         if stats1["drops"][k] != stats0["drops"].get(k, 0)}
    info(f"        daemon: forwarded +{stats1['forwarded'] - stats0['forwarded']}, "
         f"drops {d or 'none'}")
    check(sent > 0 and not lost, f"no registered packet lost during load and withdraw "
          f"({len(lost)} of {sent} lost)")
    check(res["per"]["loc"] == 0 and res["per"]["geo"] == 0 and res["dup"] == 0,
          "every packet on primary, once (its route never changed)")


def main():
    if os.geteuid() != 0:
        print("test_bgp_scale: needs root (network namespaces)")
        return 77
    t_start = time.time()
    write_config()
    subprocess.run([os.path.join(SRC, "scripts", "lab", "up")], check=True)
    d = traffic = None
    try:
        routers_start()
        d = pflab.Daemon(os.path.join(BUILD, "peerfwd"), CFG, LOG)
        pid = d.proc.pid
        ok = wait_for(lambda: all(p["state"] == "Established" for n, p in peers().items()
                                  if n in CARRIER_PEERS), 60)
        check(ok, "carrier sessions Established: " +
              ", ".join(f"{n}={v['state']}" for n, v in sorted(peers().items())))
        pflbgp.bird_set("loc", [V4, V6])
        for pfx in (V4, V6):
            pflbgp.gobgp_add(pfx)
        ok = wait_for(lambda: all(peers()[n]["prefixes_accepted"] == 1 for n in CARRIER_PEERS))
        check(ok, "203.0.113.0/24 and 2001:db8:c000::/48 accepted from pri, loc and geo")
        ctl = Ctl()
        info(f"RSS     peerfwd before the table {rss_kb(pid)} kB")

        stats0 = pflab.telemetry("/peerfwd/stats")
        traffic = Traffic(PPS)
        time.sleep(3)
        res = test_load(ctl, pid)
        if "load" in res:
            test_lookup(ctl, True)
        time.sleep(2)
        res["withdraw"] = test_withdraw(ctl, res["base"], pid)
        if res["withdraw"] is not None:
            test_lookup(ctl, False)
        time.sleep(2)
        sent, rx = traffic.stop()
        stats1 = pflab.telemetry("/peerfwd/stats")
        test_traffic(sent, rx, traffic.t0, stats0, stats1)
        info(f"RSS     peerfwd at the end {rss_kb(pid)} kB")
        print(f"\nSUMMARY load {res.get('load', float('nan')):.1f} s "
              f"(IPv4 {res.get('load4', float('nan')):.1f} s, "
              f"IPv6 {res.get('load6', float('nan')):.1f} s, "
              f"{(N4 + N6) / res['load'] if res.get('load') else 0:,.0f} routes/s), "
              f"withdraw {res['withdraw'] or float('nan'):.1f} s, "
              f"packets sent {sent} lost {sent - sum(rx['seen'][:sent]) if rx else '?'}, "
              f"peerfwd VmHWM {rss_kb(pid).get('VmHWM', 0) // 1024} MB", flush=True)
    finally:
        if traffic:
            traffic.kill()
        rc = d.stop() if d else None
        check(d is None or rc == 0, f"daemon stopped cleanly on SIGTERM (exit {rc})")
        pflbgp.stop()
        subprocess.run([os.path.join(SRC, "scripts", "lab", "down")], check=False,
                       stdout=subprocess.DEVNULL)
    print(f"\n{len(failures)} failure(s) in {time.time() - t_start:.0f} s (daemon log {LOG})")
    return 1 if failures else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    sys.exit(main())
