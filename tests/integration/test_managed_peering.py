#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Integration test: managed BGP peerings (peering add / remove / convert).

Runs in its own network namespaces (mpl-dut, mpl-src, mpl-pri, mpl-loc:
the standard lab's shape, fewer carriers), so that it can run beside a
long test in the standard lab (pfl-*). BIRD in mpl-pri and mpl-loc; peerfwd
in mpl-dut on af_packet ports, DPDK file prefix "mpl". The config has one
BGP peer, loc4 (legacy); through peerctl alone:

  peering add refuses bad definitions (unknown port/policy, a taken name or
  address, an address off the port's subnets or our own, hold time 1);
  peering add pri4 (TCP MD5 + GTSM) -> Established, its route installed,
  frames to 203.0.113.77 leave on the primary link; the MD5 key is not in
  the log and peerings.json is 0600; peering remove of legacy loc4 is
  read_only; restart -> pri4 back Established from the state file, traffic
  again; peering remove pri4 -> BIRD gets Cease/Peer De-configured, the route
  leaves the FIB, frames dropped; peering convert loc4 -> listed managed;
  restart with loc4 still in the config -> one loc4, managed (warning
  logged); restart with loc4 gone from the config -> still Established,
  its route carries traffic on the local link.
Needs root, bird. Exit status 0 when every check passed, 77 when skipped.
"""
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

SRC = os.environ.get("PEERFWD_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("PEERFWD_BUILDDIR", os.path.join(SRC, "build")))
sys.path.insert(0, os.path.join(SRC, "scripts", "lab"))
import pflab  # noqa: E402

NS = "mpl"
RUN = "/run/peerfwd-mpl"
CTL = f"{RUN}/ctl.sock"
STATE = f"{RUN}/state"
CFG = f"{RUN}/peerfwd.cfg"
LOG = "/tmp/peerfwd-test-managed-peering.log"
V4 = "203.0.113.0/24"
MD5 = "mpl-pri-secret"
# name  X  v4-dut           v4-peer
LINKS = [("src", 4, "192.0.2.1/24", "192.0.2.2/24"),
         ("pri", 1, "198.51.100.1/30", "198.51.100.2/30"),
         ("loc", 2, "198.51.100.5/30", "198.51.100.6/30")]
PRI4 = ["port=pri", "address=198.51.100.2", "remote_as=64496", "policy=carrier",
        "hold_time=30", f"md5={MD5}", "ttl_security=yes", "open_hold_time=60",
        "send_hold_time=600"]
from pflab import check, failures  # noqa: E402


def sh(*cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, **kw)


def nsx(name, *cmd, **kw):
    return sh("ip", "netns", "exec", f"{NS}-{name}", *cmd, **kw)


# ---- namespaces ----

def lab_down():
    for name in ("dut", "src", "pri", "loc"):
        sh("ip", "netns", "del", f"{NS}-{name}", check=False, stderr=subprocess.DEVNULL)


def lab_up():
    lab_down()
    sh("ip", "netns", "add", f"{NS}-dut")
    nsx("dut", "ip", "link", "set", "lo", "up")
    nsx("dut", "sysctl", "-qw", "net.ipv4.ip_forward=0")
    for name, x, dut4, peer4 in LINKS:
        sh("ip", "netns", "add", f"{NS}-{name}")
        nsx(name, "ip", "link", "set", "lo", "up")
        sh("ip", "link", "add", f"mp-{name}", "netns", f"{NS}-dut", "address",
           f"02:00:00:00:0{x}:01", "type", "veth", "peer", "name", "eth0", "netns",
           f"{NS}-{name}", "address", f"02:00:00:00:0{x}:02")
        for n, dev, a4 in (("dut", f"mp-{name}", dut4), (name, "eth0", peer4)):
            nsx(n, "sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1")
            nsx(n, "ethtool", "-K", dev, "tx", "off", "rx", "off", "gso", "off", "tso", "off",
                "gro", "off", check=False, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            nsx(n, "ip", "addr", "add", a4, "dev", dev)
            nsx(n, "ip", "link", "set", dev, "up")
    nsx("src", "ip", "route", "add", "default", "via", "192.0.2.1")


# ---- BIRD ----

BIRD_CONF = """router id {peer};
log "{run}/bird-{name}.log" all;
protocol device {{}}
protocol static st4 {{
	ipv4;
	include "{run}/{name}-routes.conf";
}}
protocol bgp dut4 {{
	local {peer} as 64496;
	neighbor {dut} as 64500;
	hold time 30;
	connect retry time 2;
	error wait time 1, 3;
	{extra}
	ipv4 {{ import all; export where source = RTS_STATIC; next hop self; }};
}}
"""


def bird_routes(name, prefixes):
    with open(f"{RUN}/{name}-routes.conf.tmp", "w") as f:
        for p in prefixes:
            f.write(f"route {p} blackhole;\n")
    os.replace(f"{RUN}/{name}-routes.conf.tmp", f"{RUN}/{name}-routes.conf")


def birdc(name, *cmd):
    return nsx(name, "birdc", "-s", f"{RUN}/bird-{name}.ctl", *cmd, capture_output=True,
               text=True, check=False).stdout


def bird_set(name, prefixes):
    bird_routes(name, prefixes)
    birdc(name, "configure")


def bird_start(name, prefixes):
    dut, peer = {"pri": ("198.51.100.1", "198.51.100.2"),
                 "loc": ("198.51.100.5", "198.51.100.6")}[name]
    extra = f'password "{MD5}";\n\tttl security on;' if name == "pri" else ""
    with open(f"{RUN}/bird-{name}.conf", "w") as f:
        f.write(BIRD_CONF.format(name=name, run=RUN, dut=dut, peer=peer, extra=extra))
    bird_routes(name, prefixes)
    nsx(name, "bird", "-c", f"{RUN}/bird-{name}.conf", "-s", f"{RUN}/bird-{name}.ctl",
        "-P", f"{RUN}/bird-{name}.pid")


def bird_stop(name):
    try:
        pid = int(open(f"{RUN}/bird-{name}.pid").read().split()[0])
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError, IndexError):
        pass


# ---- peerfwd ----

CONFIG = """peerfwd: {{
	ctl_socket = "{ctl}";
	state_dir = "{state}";
	main_lcore = 0;
	eal_args = ["--no-huge", "-m", "256", "--no-pci", "--file-prefix", "{ns}"];
	fib: {{ max_routes4 = 4096; tbl8_groups4 = 256; max_routes6 = 1024; groups6 = 1024; }};
	ports = (
		{{ name = "src"; device = "net_af_packet0,iface=mp-src"; tier = "none";
		   mac = "02:00:00:00:04:01"; addresses = ["192.0.2.1/24"]; }},
		{{ name = "pri"; device = "net_af_packet1,iface=mp-pri"; tier = "primary";
		   mac = "02:00:00:00:01:01"; addresses = ["198.51.100.1/30"]; }},
		{{ name = "loc"; device = "net_af_packet2,iface=mp-loc"; tier = "local";
		   mac = "02:00:00:00:02:01"; addresses = ["198.51.100.5/30"]; }}
	);
	workers = ( {{ lcore = 1; rx = ["src:0", "pri:0", "loc:0"]; }} );
	nexthops = (
		{{ name = "pri-rtr"; port = "pri"; address = "198.51.100.2"; mac = "02:00:00:00:01:02"; }},
		{{ name = "loc-rtr"; port = "loc"; address = "198.51.100.6"; mac = "02:00:00:00:02:02"; }}
	);
	pathgroups = ( {{ name = "carrier4"; members = ["pri-rtr", "loc-rtr"]; }} );
	registered = ( {{ prefix = "{v4}"; customer = "acme"; }} );
	unregistered = "drop";
	bgp: {{
		asn = 64500;
		router_id = "198.51.100.1";
		service_prefixes = ["192.0.2.0/24"];
		policies = (
			{{ name = "carrier"; ipv4_lengths = [8, 24]; bogons = false;
			   local_pref = {{ primary = 300; local = 200; geo = 100; }}; }}
		);
		peers = ( {peers} );
	}};
}};
"""
LOC4 = ('{ name = "loc4"; port = "loc"; address = "198.51.100.6"; remote_as = 64496; '
        'policy = "carrier"; hold_time = 30; }')


def write_config(with_loc4=True):
    open(CFG, "w").write(CONFIG.format(ctl=CTL, state=STATE, ns=NS, v4=V4,
                                       peers=LOC4 if with_loc4 else ""))


class Daemon:
    def __init__(self):
        self.start_at = os.path.getsize(LOG) if os.path.exists(LOG) else 0
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", f"{NS}-dut", os.path.join(BUILD, "peerfwd"), "-c", CFG],
            stdout=open(LOG, "a"), stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"peerfwd exited with {self.proc.returncode}: {self.log()}")
            if "running:" in self.log():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("peerfwd did not start: " + self.log())

    def log(self):
        with open(LOG) as f:
            f.seek(self.start_at)
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# ---- peerctl ----

def peerctl(*args):
    r = subprocess.run([os.path.join(BUILD, "tools", "peerctl", "peerctl"), "-s", CTL, *args],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def peerctl_json(*args):
    rc, out, err = peerctl("--json", *args)
    try:
        return json.loads(out)
    except ValueError:
        return {"ok": False, "error": {"code": f"rc {rc}", "message": err.strip()}}


def peerings():
    return {p["name"]: p for p in peerctl_json("peering", "list").get("peerings", [])}


def wait_for(pred, timeout=30.0, step=0.3):
    return pflab.wait_for(pred, timeout, step)


def established(name, origin, accepted=None, timeout=40):
    def ok():
        p = peerings().get(name)
        return p if (p and p["state"] == "Established" and p["origin"] == origin and
                     (accepted is None or p["prefixes"]["installed"] == accepted)) else None
    return wait_for(ok, timeout)


def state_file():
    try:
        return {p["name"]: p for p in json.load(open(f"{STATE}/peerings.json"))["peerings"]}
    except (OSError, ValueError, KeyError):
        return None


class Frames:
    """pflab's frames and collector, on this test's namespaces."""

    def __init__(self):
        self.lab = pflab.Lab.__new__(pflab.Lab)
        self.lab.tx = pflab.raw_socket(f"{NS}-src")
        self.lab.rx = {n: pflab.raw_socket(f"{NS}-{n}") for n in ("pri", "loc")}

    def burst(self, tag, n=20):
        frames = [pflab.ipv4_frame("203.0.113.77", f"{tag}-{i}") for i in range(n)]
        self.lab.drain()
        self.lab.send(frames)
        got = self.lab.collect(f"{tag}-", expect=n, timeout=1.5)
        return {k: len(got.get(k, [])) for k in ("pri", "loc")}


# ---- the test ----

def test_refused():
    cases = [
        (["port=nosuch"], "not_found", "unknown port"),
        (["policy=nosuch"], "not_found", "unknown policy"),
        (["address=198.51.100.6"], "exists", "loc4's address"),
        (["address=198.51.100.9"], "invalid_argument", "an address off the port's subnet"),
        (["address=198.51.100.1"], "invalid_argument", "our own address"),
        (["hold_time=1"], "invalid_argument", "hold time 1"),
        (["remote_as=abc"], "bad_request", "a non-numeric AS"),
    ]
    for override, code, what in cases:
        keys = {a.split("=")[0] for a in override}
        args = [a for a in PRI4 if a.split("=")[0] not in keys] + override
        rc, _, err = peerctl("peering", "add", "pri4", *args)
        check(rc == 1 and code in err, f"peering add refused: {what}: {err.strip()!r}")
    rc, _, err = peerctl("peering", "add", "loc4", *PRI4)
    check(rc == 1 and "exists" in err, f"peering add refused: a taken name: {err.strip()!r}")
    check(set(peerings()) == {"loc4"}, "... and nothing was added")


def test_add(d, fr):
    rc, out, err = peerctl("peering", "add", "pri4", *PRI4)
    check(rc == 0 and "pri4 added" in out, f"peering add pri4: {out.strip() or err.strip()!r}")
    p = established("pri4", "managed", accepted=1)
    check(bool(p), "pri4 Established (MD5, GTSM), managed, its route installed")
    got = fr.burst("a1")
    check(got == {"pri": 20, "loc": 0}, f"frames to 203.0.113.77 leave on the primary link {got}")
    st = state_file() or {}
    mode = stat.S_IMODE(os.stat(f"{STATE}/peerings.json").st_mode) if st else None
    check("pri4" in st and st["pri4"]["md5"] == MD5 and st["pri4"]["ttl_security"] is True
          and mode == 0o600, f"peerings.json holds pri4 (mode {mode and oct(mode)})")
    timers = {k: st.get("pri4", {}).get(k) for k in ("open_hold_time", "send_hold_time")}
    check(timers == {"open_hold_time": 60, "send_hold_time": 600},
          f"... with its OpenSent and send hold times {timers}")
    log = d.log()
    check("peering.add" in log and "(redacted)" in log and MD5 not in log,
          "the request is logged with its credentials, the MD5 key redacted")
    rc, _, err = peerctl("peering", "remove", "loc4")
    check(rc == 1 and "read_only" in err, f"peering remove of a legacy peering: {err.strip()!r}")
    rc, out, _ = peerctl("peering", "list")
    row = [l for l in out.splitlines() if l.startswith("pri4")]
    check(rc == 0 and row and "managed" in row[0], f"peering list (table): {row}")


def test_restart_managed(d, fr):
    d.stop()
    d = Daemon()
    p = established("pri4", "managed", accepted=1)
    check(bool(p) and "1 managed peerings started" in d.log(),
          "after a restart pri4 is back Established from the state file")
    got = fr.burst("r1")
    check(got == {"pri": 20, "loc": 0}, f"... and carries traffic again {got}")
    return d


def test_remove(fr):
    rc, out, err = peerctl("peering", "remove", "pri4")
    check(rc == 0 and "removed" in out, f"peering remove pri4: {out.strip() or err.strip()!r}")
    st = state_file()
    check("pri4" not in peerings() and st is not None and "pri4" not in st,
          "pri4 gone from peering list and peerings.json")
    bird = wait_for(lambda: (lambda o: o if "de-configured" in o.lower() else None)(
        birdc("pri", "show", "protocols", "all", "dut4")), 10)
    check(bool(bird), "BIRD received Cease/Peer De-configured")
    rc, out, _ = peerctl("route", "lookup", "203.0.113.77")
    got = fr.burst("x1")
    check(got == {"pri": 0, "loc": 0} and "bgp" not in out,
          f"the route left the FIB: frames dropped {got}")
    rc, _, err = peerctl("peering", "remove", "pri4")
    check(rc == 1 and "not_found" in err, f"peering remove again: {err.strip()!r}")


def test_convert(d, fr):
    rc, out, err = peerctl("peering", "convert", "loc4")
    check(rc == 0 and "managed now" in out, f"peering convert loc4: {out.strip() or err.strip()!r}")
    p = peerings().get("loc4", {})
    check(p.get("origin") == "managed" and p.get("state") == "Established" and
          "loc4" in (state_file() or {}), "loc4 listed managed, session kept, in peerings.json")
    rc, out, _ = peerctl("peering", "convert", "loc4")
    check(rc == 0 and "already" in out, "converting again changes nothing")
    # Restart with loc4 still in the config: the managed one wins.
    d.stop()
    d = Daemon()
    p = established("loc4", "managed")
    check(bool(p) and len(peerings()) == 1 and "replaced by the managed peering" in d.log(),
          "restart, loc4 still in the config: one loc4, managed, a warning logged")
    # Restart with loc4 gone from the config.
    d.stop()
    write_config(with_loc4=False)
    d = Daemon()
    bird_set("loc", [V4])
    p = established("loc4", "managed", accepted=1)
    check(bool(p), "restart without loc4 in the config: loc4 Established from the state file")
    got = fr.burst("c1")
    check(got == {"pri": 0, "loc": 20}, f"its route carries traffic on the local link {got}")
    rc, out, _ = peerctl("peering", "remove", "loc4")
    check(rc == 0 and not peerings(), "a converted peering can be removed")
    return d


def main():
    if os.geteuid() != 0:
        print("test_managed_peering: needs root (network namespaces)")
        return 77
    if shutil.which("bird") is None:
        print("test_managed_peering: needs bird")
        return 77
    shutil.rmtree(RUN, ignore_errors=True)
    os.makedirs(RUN)
    if os.path.exists(LOG):
        os.unlink(LOG)
    write_config()
    lab_up()
    d = None
    try:
        bird_start("pri", [V4])
        bird_start("loc", [])
        d = Daemon()
        fr = Frames()
        check(bool(established("loc4", "legacy")), "loc4 (config file) Established, legacy")
        test_refused()
        test_add(d, fr)
        d = test_restart_managed(d, fr)
        test_remove(fr)
        d = test_convert(d, fr)
    finally:
        rc = d.stop() if d else None
        check(d is None or rc == 0, f"daemon stopped cleanly on SIGTERM (exit {rc})")
        bird_stop("pri")
        bird_stop("loc")
        time.sleep(0.3)
        lab_down()
    print(f"\n{len(failures)} failure(s) (daemon log {LOG})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
