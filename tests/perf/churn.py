#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Route churn against a running peerfwd over its control socket, and
optionally the forwarding rate and packet accounting meanwhile.

Pipelines route.add / route.del requests (newline-delimited JSON, each with
an "id") at a steady RATE changes per second: every BATCH_MS it sends the
changes due so far, never more than WINDOW unanswered at a time, and counts
the answers ({"ok":true} or {"ok":false,"error":{"code":...}}). The changes:

  flip  route.add of an existing route of FLIP_FROM (default: PREFIXES) with
        the next path group of --pathgroups (route.add replaces the route's
        path group). peerfwd refuses changes to the config file's own routes
        (read_only), so these are operator routes: routes the daemon's config
        does not hold, installed on the first path group by --install (before
        the measured window) or by an earlier run;
  add   route.add of a /25 (in general: the first or second half) of a /24
        of PREFIXES that holds no longer route, so that it needs a new FIB
        group; at most --max-extra are live at a time, the oldest goes first;
  del   route.del of such a /25 (which frees its FIB group).

Half of the changes are flips, half adds/dels (--extra-share). Afterwards
(unless --no-cleanup) the extra routes are deleted and flipped routes put
back on the first path group, outside the measured window.

With --telemetry-prefix (the EAL --file-prefix of the daemon) it also reads
/peerfwd/ports and /peerfwd/stats from DPDK telemetry at the start and end
of the window and reports the receive rate of --rx-port, the forwarding
rate, and the packets lost: received - forwarded - dropped (all reasons) -
punted, which must be 0 in a run where every packet is forwarded or dropped
for a reason. The counters are read by two telemetry calls a little apart
while traffic flows (the tightest of 5 tries, rx interpolated between two
reads of the ports around the read of the stats), so the loss carries an
uncertainty (loss_bound: half the packets received during those reads, at
each end, plus one burst in flight); it is reported.
"no_route" is the number of packets dropped for want of a route in the window:
the changes never leave a destination without a covering route, so it must
be 0. --rate 0 measures without churn.

Output: one line of key=value pairs (--json: a JSON object); exit 1 when
requests failed at the daemon (unknown command, errors), 2 on usage or
connection problems.

usage: churn.py --socket PATH --prefixes-from FILE [--rate N] [--seconds S]
                [--pathgroups A[,B...]] [--flip-from FILE] [--install]
                [--window N] [--batch-ms MS]
                [--max-extra N] [--extra-share F] [--seed N] [--no-cleanup]
                [--telemetry-prefix P [--rx-port NAME] [--warmup S]]
                [--timeout S] [--pid PID] [--json]
"""
import argparse
import collections
import json
import os
import random
import selectors
import socket
import sys
import time

# ---- prefixes -----------------------------------------------------------------


def load_prefixes(path):
    """IPv4 "a.b.c.d/len" lines (l3fwd's "R" prefix and trailing fields allowed)."""
    out = []
    with open(path) as f:
        for line in f:
            field = line.split("#")[0].split()
            if not field or ":" in field[0]:
                continue
            addr, plen = field[0].lstrip("R").split("/")
            out.append((int.from_bytes(socket.inet_aton(addr), "big"), int(plen)))
    return out


def fmt(addr, plen):
    return "%s/%d" % (socket.inet_ntoa(addr.to_bytes(4, "big")), plen)


def extra_candidates(routes):
    """Routes of length < 32 with no longer route of the file inside them.
    /24s are checked exactly (the common case in Internet-like tables); for
    the others only the two halves are checked."""
    present = set(routes)
    inside24 = {a >> 8 for a, p in routes if p > 24}
    cands = []
    for a, p in routes:
        if p == 24:
            if a >> 8 not in inside24:
                cands.append((a, p))
        elif p < 32:
            half = 1 << (31 - p)
            if (a, p + 1) not in present and (a | half, p + 1) not in present:
                cands.append((a, p))
    # /24s first: they are what the churn is meant to exercise.
    cands.sort(key=lambda r: r[1] != 24)
    n24 = sum(1 for r in cands if r[1] == 24)
    return cands[:n24] if n24 else cands


class Changes:
    """Generates the request lines; tracks which routes are flipped and which
    extra routes are live."""

    def __init__(self, routes, flips, pathgroups, max_extra, extra_share, seed):
        self.rng = random.Random(seed)
        self.routes = flips
        self.pgs = pathgroups
        self.flipped = {}  # route index -> path group index (absent: 0)
        self.cands = extra_candidates(routes) if extra_share > 0 else []
        self.max_extra = min(max_extra, len(self.cands))
        self.extra_share = extra_share if self.max_extra > 0 else 0.0
        self.live = collections.deque()  # (prefix string) in insertion order
        self.live_set = set()
        self.next_id = 1
        self.kind = {}  # id -> "flip" | "add" | "del"
        self.count = collections.Counter()

    def _line(self, cmd, prefix, pg, kind):
        i = self.next_id
        self.next_id += 1
        self.kind[i] = kind
        self.count[kind] += 1
        if pg is None:
            return i, ('{"cmd":"%s","prefix":"%s","id":%d}\n' % (cmd, prefix, i)).encode()
        return i, ('{"cmd":"%s","prefix":"%s","pathgroup":"%s","id":%d}\n'
                   % (cmd, prefix, pg, i)).encode()

    def next(self):
        rng = self.rng
        if self.extra_share > 0 and rng.random() < self.extra_share:
            if len(self.live) >= self.max_extra or (self.live and rng.random() < 0.5):
                p = self.live.popleft()
                self.live_set.discard(p)
                return self._line("route.del", p, None, "del")
            for _ in range(16):
                a, plen = self.cands[rng.randrange(len(self.cands))]
                half = (1 << (31 - plen)) if rng.random() < 0.5 else 0
                p = fmt(a | half, plen + 1)
                if p not in self.live_set:
                    self.live.append(p)
                    self.live_set.add(p)
                    pg = self.pgs[rng.randrange(len(self.pgs))]
                    return self._line("route.add", p, pg, "add")
        k = rng.randrange(len(self.routes))
        g = (self.flipped.get(k, 0) + 1) % len(self.pgs)
        if g:
            self.flipped[k] = g
        else:
            self.flipped.pop(k, None)
        a, plen = self.routes[k]
        return self._line("route.add", fmt(a, plen), self.pgs[g], "flip")

    def install(self):
        """Lines that put every flip route on the first path group."""
        return [self._line("route.add", fmt(a, plen), self.pgs[0], "install")
                for a, plen in self.routes]

    def cleanup(self):
        """Lines that undo every change made so far."""
        lines = []
        while self.live:
            p = self.live.popleft()
            self.live_set.discard(p)
            lines.append(self._line("route.del", p, None, "cleanup"))
        for k in list(self.flipped):
            a, plen = self.routes[k]
            lines.append(self._line("route.add", fmt(a, plen), self.pgs[0], "cleanup"))
        self.flipped.clear()
        return lines


# ---- control socket client ------------------------------------------------------


class Ctl:
    def __init__(self, path, timeout, pid):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError as e:
                self.s.close()
                if pid is not None and not os.path.exists("/proc/%d" % pid):
                    die("process %d exited" % pid)
                if time.monotonic() > deadline:
                    die("%s: %s" % (path, e))
                time.sleep(0.2)
        self.s.setblocking(False)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.s, selectors.EVENT_READ)
        self.out = bytearray()
        self.inbuf = bytearray()
        self.sent = collections.deque()  # (id, send time) in order
        self.answers = collections.Counter()  # "ok" or error code
        self.errors_by_kind = collections.Counter()
        self.first_error = None
        self.lat = []
        self.eof = False

    def outstanding(self):
        return len(self.sent)

    def queue(self, rid, line, now):
        self.out += line
        self.sent.append((rid, now))

    def pump(self, timeout, kinds):
        """Send what is queued, wait up to timeout for answers, take them."""
        if self.out:
            try:
                n = self.s.send(self.out)
                del self.out[:n]
            except BlockingIOError:
                pass
        want = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.out else 0)
        self.sel.modify(self.s, want)
        for key, ev in self.sel.select(max(timeout, 0)):
            if ev & selectors.EVENT_READ:
                self._read(kinds)

    def _read(self, kinds):
        while True:
            try:
                b = self.s.recv(1 << 16)
            except BlockingIOError:
                break
            if not b:
                self.eof = True
                if self.sent:
                    die("control socket closed with %d requests unanswered" % len(self.sent))
                break
            self.inbuf += b
        now = time.monotonic()
        start = 0
        while True:
            nl = self.inbuf.find(b"\n", start)
            if nl < 0:
                break
            line = bytes(self.inbuf[start:nl])
            start = nl + 1
            if not self.sent:
                die("unexpected answer: %r" % line[:200])
            rid, t = self.sent.popleft()
            kind = kinds.pop(rid, "?")
            if line.startswith(b'{"ok":true'):
                self.answers["ok"] += 1
            else:
                try:
                    a = json.loads(line)
                except ValueError:
                    die("bad answer: %r" % line[:200])
                if a.get("id") != rid:
                    die("answer id %r, expected %d" % (a.get("id"), rid))
                if a.get("ok"):
                    self.answers["ok"] += 1
                else:
                    code = (a.get("error") or {}).get("code", "?")
                    self.answers[code] += 1
                    self.errors_by_kind[kind + ":" + code] += 1
                    if self.first_error is None:
                        self.first_error = (kind, a.get("error"))
            self.lat.append(now - t)
        del self.inbuf[:start]

    def drain(self, kinds, timeout):
        deadline = time.monotonic() + timeout
        while (self.sent or self.out) and time.monotonic() < deadline and not self.eof:
            self.pump(0.05, kinds)
        return not self.sent


# ---- telemetry -------------------------------------------------------------------


class Telemetry:
    def __init__(self, prefix, runtime_dir):
        self.path = os.path.join(runtime_dir, prefix, "dpdk_telemetry.v2")
        self.s = None

    def query(self, cmd):
        if self.s is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(self.path)
            s.recv(4096)  # greeting
            self.s = s
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(1 << 16).decode())[cmd]

    def snapshot(self, rx_port, tries=5):
        """The tightest of a few _snapshot()s."""
        return min((self._snapshot(rx_port) for _ in range(tries)),
                   key=lambda s: s["rx_spread"])

    def _snapshot(self, rx_port):
        """Counters at one instant, as near as two telemetry calls get:
        ports, stats, ports again; rx is interpolated to the stats read."""
        p0 = self.query("/peerfwd/ports")
        t0 = time.monotonic()
        st = self.query("/peerfwd/stats")
        t1 = time.monotonic()
        p1 = self.query("/peerfwd/ports")
        t2 = time.monotonic()
        rx0, rx1 = p0[rx_port]["rx_packets"], p1[rx_port]["rx_packets"]
        f = (t1 - t0) / (t2 - t0) if t2 > t0 else 0.5
        return {
            "t": t1,
            "rx": rx0 + (rx1 - rx0) * f,
            "rx_spread": rx1 - rx0,
            "forwarded": st["forwarded"],
            "drops": dict(st["drops"]),
            "punted": sum(p.get("punted", 0) for p in p1.values()),
            "tx": sum(p.get("tx_packets", 0) for p in p1.values()),
        }

    def wait_traffic(self, rx_port, timeout, pid):
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.query("/peerfwd/ports")[rx_port]["rx_packets"] > 0:
                    return
            except (OSError, ValueError, KeyError, TypeError):
                self.s = None
            if pid is not None and not os.path.exists("/proc/%d" % pid):
                die("process %d exited before forwarding" % pid)
            if time.monotonic() > deadline:
                die("%s: no traffic on port %s within %.0f s" % (self.path, rx_port, timeout))
            time.sleep(0.5)


# Packets a worker may hold between counting them received and counting their
# fate: one rx burst (peerfwd bursts are at most 32; 64 for margin).
IN_FLIGHT = 64


def accounting(s0, s1):
    dt = s1["t"] - s0["t"]
    rx = s1["rx"] - s0["rx"]
    fwd = s1["forwarded"] - s0["forwarded"]
    drops = {k: s1["drops"][k] - s0["drops"].get(k, 0) for k in s1["drops"]}
    punted = s1["punted"] - s0["punted"]
    lost = rx - fwd - sum(drops.values()) - punted
    bound = (s0["rx_spread"] + s1["rx_spread"]) / 2 + IN_FLIGHT
    return {
        "rx_mpps": rx / dt / 1e6,
        "fwd_mpps": fwd / dt / 1e6,
        "rx_packets": int(round(rx)),
        "forwarded": fwd,
        "dropped": sum(drops.values()),
        "no_route": drops.get("no_route", 0),
        "punted": punted,
        "lost": int(round(lost)),
        "loss_bound": int(round(bound)),
        "drops_by_reason": {k: v for k, v in drops.items() if v},
    }


# ---- main ------------------------------------------------------------------------


def send_all(ctl, lines, window, kinds):
    """Pipelines lines, at most window unanswered; True when all answered."""
    for rid, line in lines:
        while ctl.outstanding() >= window:
            ctl.pump(0.01, kinds)
        ctl.queue(rid, line, time.monotonic())
    return ctl.drain(kinds, 120)


def die(msg, code=2):
    print("churn: " + msg, file=sys.stderr)
    sys.exit(code)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--socket", required=True, help="peerfwd's ctl_socket")
    ap.add_argument("--prefixes-from", required=True,
                    help="'prefix/len' lines (IPv4): the table, whose /24s get /25s")
    ap.add_argument("--flip-from", help="operator routes to flip (default: --prefixes-from)")
    ap.add_argument("--install", action="store_true",
                    help="first route.add every --flip-from route on the first path group")
    ap.add_argument("--rate", type=float, default=10000, help="changes/s (0: measure only)")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--pathgroups", default="carrier4",
                    help="comma-separated; the first is the one the routes start on")
    ap.add_argument("--window", type=int, default=512, help="max unanswered requests")
    ap.add_argument("--batch-ms", type=float, default=1.0)
    ap.add_argument("--max-extra", type=int, default=1000, help="max live extra routes")
    ap.add_argument("--extra-share", type=float, default=0.5,
                    help="share of changes that add/delete extra routes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-cleanup", action="store_true")
    ap.add_argument("--telemetry-prefix", help="EAL --file-prefix: also measure forwarding")
    ap.add_argument("--runtime-dir", default="/var/run/dpdk")
    ap.add_argument("--rx-port", default="in", help="peerfwd port the traffic arrives on")
    ap.add_argument("--warmup", type=float, default=2.0,
                    help="s of traffic before measuring (with --telemetry-prefix)")
    ap.add_argument("--timeout", type=float, default=900,
                    help="s to wait for the socket (and traffic)")
    ap.add_argument("--pid", type=int, help="give up as soon as this process exits")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    pgs = [g for g in a.pathgroups.split(",") if g]
    if not pgs:
        die("--pathgroups: none given")
    routes = load_prefixes(a.prefixes_from)
    if not routes:
        die("%s: no IPv4 prefixes" % a.prefixes_from)
    flips = load_prefixes(a.flip_from) if a.flip_from else routes
    if not flips:
        die("%s: no IPv4 prefixes" % a.flip_from)
    ch = Changes(routes, flips, pgs, a.max_extra, a.extra_share, a.seed)

    tel = None
    if a.telemetry_prefix:
        tel = Telemetry(a.telemetry_prefix, a.runtime_dir)
        tel.wait_traffic(a.rx_port, a.timeout, a.pid)
    ctl = Ctl(a.socket, a.timeout, a.pid) if a.rate > 0 or a.install else None
    res = {"rate_target": a.rate}
    if a.install:
        t = time.monotonic()
        if not send_all(ctl, ch.install(), a.window, ch.kind):
            die("install: requests unanswered")
        t = time.monotonic() - t
        bad = sum(v for k, v in ctl.answers.items() if k != "ok")
        res.update({"installed": ctl.answers["ok"], "install_errors": bad,
                    "install_per_s": round(ctl.answers["ok"] / t, 1)})
        if bad:
            die("install: %d of %d route.add failed, first: %s"
                % (bad, len(flips), ctl.first_error[1]), 1)
        ctl.answers.clear()
        ctl.lat.clear()
    if tel:
        time.sleep(a.warmup)

    # ---- the measured window ----
    s0 = tel.snapshot(a.rx_port) if tel else None
    start = time.monotonic()
    end = start + a.seconds
    tick = a.batch_ms / 1000.0
    sent = skipped = 0
    max_out = 0
    ok_in_window = 0
    if ctl:
        backlog_max = max(a.window, int(a.rate * 0.01))  # catch up at most 10 ms
        next_tick = start
        while True:
            now = time.monotonic()
            if now >= end:
                break
            due = int((now - start) * a.rate) - sent - skipped
            if due > backlog_max:
                skipped += due - backlog_max
                due = backlog_max
            n = min(due, a.window - ctl.outstanding())
            for _ in range(max(n, 0)):
                rid, line = ch.next()
                ctl.queue(rid, line, now)
            sent += max(n, 0)
            max_out = max(max_out, ctl.outstanding())
            next_tick += tick
            if next_tick < now:
                next_tick = now + tick
            ctl.pump(min(next_tick, end) - time.monotonic(), ch.kind)
            if ctl.eof:
                die("control socket closed by the daemon")
            if ctl.first_error and ctl.first_error[1] and \
                    ctl.first_error[1].get("code") == "unknown_command":
                die("the daemon does not know route.add/route.del: %s"
                    % ctl.first_error[1].get("message"), 1)
        ok_in_window = ctl.answers["ok"]
    else:
        time.sleep(a.seconds)
    elapsed = time.monotonic() - start
    s1 = tel.snapshot(a.rx_port) if tel else None

    res["seconds"] = round(elapsed, 3)
    if ctl and a.rate > 0:
        drained = ctl.drain(ch.kind, 30)
        lat = sorted(ctl.lat)
        res.update({
            "sent": sent,
            "acked_ok": ctl.answers["ok"],
            "errors": sum(v for k, v in ctl.answers.items() if k != "ok"),
            "unanswered": ctl.outstanding(),
            "skipped": skipped,
            "changes_per_s": round(ok_in_window / elapsed, 1),
            "flips": ch.count["flip"], "adds": ch.count["add"], "dels": ch.count["del"],
            "max_outstanding": max_out,
            "lat_p50_ms": round(lat[len(lat) // 2] * 1e3, 3) if lat else None,
            "lat_p99_ms": round(lat[int(len(lat) * 0.99)] * 1e3, 3) if lat else None,
        })
        if ctl.errors_by_kind:
            res["errors_by_kind"] = dict(ctl.errors_by_kind)
            res["first_error"] = ctl.first_error[1]
        if drained and not a.no_cleanup:
            lines = ch.cleanup()
            send_all(ctl, lines, a.window, ch.kind)
            res["cleanup_requests"] = len(lines)
            res["cleanup_errors"] = sum(v for k, v in ctl.answers.items() if k != "ok") - \
                res["errors"]
    if tel:
        res.update({k: (round(v, 4) if isinstance(v, float) else v)
                    for k, v in accounting(s0, s1).items()})

    if a.json:
        print(json.dumps(res))
    else:
        print(" ".join("%s=%s" % (k, json.dumps(v, separators=(",", ":")) if isinstance(v, dict)
                                  else v) for k, v in res.items()))
    if ctl and a.rate > 0 and (res["errors"] or res["unanswered"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
