#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The lab's BGP carrier routers, run inside the lab namespaces:

  pfl-pri  BIRD   (bird-pri.conf)   primary, IPv4 session with MD5 + GTSM
  pfl-loc  BIRD   (bird-loc.conf)   local-redundant, graceful restart on
  pfl-geo  GoBGP  (gobgpd-geo.toml) geo-redundant
  pfl-src  ExaBGP (exabgp-src.conf) misbehaving peer for RFC 7606 / max-prefix

Each has its own control socket and pid file under /run/pfl-bgp. Used by
tests/integration/test_bgp.py; also a command line:

  pflbgp.py start|stop|status
  pflbgp.py announce pri|loc|geo PREFIX...   (replaces BIRD's set; adds on GoBGP)
  pflbgp.py withdraw pri|loc|geo PREFIX...
  pflbgp.py exa 'announce route 100.128.1.0/24 next-hop self'
"""
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = "/run/pfl-bgp"
GOBGP_API = "127.0.0.1:50051"
EXA_FIFO = f"{RUN}/exa.fifo"

# what BIRD announces now, per router and family
_bird_routes = {"pri": {4: set(), 6: set()}, "loc": {4: set(), 6: set()}}


def ns(name, *cmd, check=True, **kw):
    return subprocess.run(["ip", "netns", "exec", f"pfl-{name}", *cmd], check=check, **kw)


def _pid(path):
    try:
        return int(open(path).read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid):
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _kill(pidfile, sig=signal.SIGTERM, wait=5.0):
    pid = _pid(pidfile)
    if _alive(pid):
        os.kill(pid, sig)
        deadline = time.time() + wait
        while _alive(pid) and time.time() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    try:
        os.unlink(pidfile)
    except OSError:
        pass


# ---- BIRD (pri, loc) ----

def _bird_ctl(name):
    return f"{RUN}/bird-{name}.ctl"


def _bird_write_routes(name):
    for fam in (4, 6):
        with open(f"{RUN}/{name}-routes{fam}.conf.tmp", "w") as f:
            for p in sorted(_bird_routes[name][fam]):
                f.write(f"route {p} blackhole;\n")
        os.replace(f"{RUN}/{name}-routes{fam}.conf.tmp", f"{RUN}/{name}-routes{fam}.conf")


def bird_start(name, recovery=False):
    """Starts BIRD in pfl-NAME; recovery: as after a crash (-R, RFC 4724 R bit)."""
    _bird_write_routes(name)
    ctl = _bird_ctl(name)
    if os.path.exists(ctl):
        os.unlink(ctl)
    args = ["bird", "-c", f"{HERE}/bird-{name}.conf", "-s", ctl, "-P", f"{RUN}/bird-{name}.pid"]
    if recovery:
        args.append("-R")
    ns(name, *args)


def bird_stop(name, kill=False):
    _kill(f"{RUN}/bird-{name}.pid", signal.SIGKILL if kill else signal.SIGTERM)


def birdc(name, *cmd):
    return ns(name, "birdc", "-s", _bird_ctl(name), *cmd, capture_output=True, text=True,
              check=False).stdout


def bird_set(name, prefixes):
    """BIRD announces exactly these prefixes (both families)."""
    _bird_routes[name] = {4: {p for p in prefixes if ":" not in p},
                          6: {p for p in prefixes if ":" in p}}
    _bird_write_routes(name)
    out = birdc(name, "configure")
    if "Reconfigured" not in out and "Reconfiguration in progress" not in out:
        raise RuntimeError(f"birdc configure in pfl-{name}: {out}")


def bird_set_file(name, fam, path):
    """A big table: BIRD announces the routes listed in path (route ...; lines)."""
    shutil.copy(path, f"{RUN}/{name}-routes{fam}.conf")
    return birdc(name, "configure")


# ---- GoBGP (geo) ----

def gobgp(*args, check=True):
    return ns("geo", "gobgp", "-p", GOBGP_API.split(":")[1], *args, check=check,
              capture_output=True, text=True)


def gobgp_start():
    with open(f"{RUN}/gobgpd-geo.log", "w") as log:
        p = subprocess.Popen(["ip", "netns", "exec", "pfl-geo", "gobgpd", "-f",
                              f"{HERE}/gobgpd-geo.toml", "--api-hosts", GOBGP_API,
                              "-l", "info"], stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    open(f"{RUN}/gobgpd-geo.pid", "w").write(str(p.pid))
    deadline = time.time() + 10
    while time.time() < deadline:
        if gobgp("global", check=False).returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("gobgpd did not start: " + open(f"{RUN}/gobgpd-geo.log").read())


def gobgp_stop():
    _kill(f"{RUN}/gobgpd-geo.pid")


def _afi(prefix):
    return "ipv6" if ":" in prefix else "ipv4"


def gobgp_add(prefix):
    gobgp("global", "rib", "add", prefix, "-a", _afi(prefix))


def gobgp_del(prefix):
    gobgp("global", "rib", "del", prefix, "-a", _afi(prefix))


# ---- ExaBGP (src) ----

def exa_start():
    shutil.copy(f"{HERE}/exa-pipe.py", f"{RUN}/exa-pipe.py")
    if not os.path.exists(EXA_FIFO):
        os.mkfifo(EXA_FIFO)
    env = dict(os.environ, exabgp_daemon_user="root", exabgp_api_ack="false",
               exabgp_log_destination=f"{RUN}/exabgp.log", exabgp_tcp_bind="",
               exabgp_daemon_pid=f"{RUN}/exabgp.pid")
    with open(f"{RUN}/exabgp.out", "w") as log:
        subprocess.Popen(["ip", "netns", "exec", "pfl-src", "exabgp", f"{HERE}/exabgp-src.conf"],
                         stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.time() + 10
    while time.time() < deadline and _pid(f"{RUN}/exabgp.pid") is None:
        time.sleep(0.1)


def exa_stop():
    _kill(f"{RUN}/exabgp.pid")


def exa_cmd(line):
    with open(EXA_FIFO, "w") as f:
        f.write(line.rstrip("\n") + "\n")


# ---- all ----

def start(exa=True):
    os.makedirs(RUN, exist_ok=True)
    stop()
    # The lab flaps links with "ip link set eth0 down" in the router's
    # namespace; IPv6 would drop the router's address with it, and the IPv6
    # session could not come back.
    for n in ("pri", "loc", "geo"):
        ns(n, "sysctl", "-qw", "net.ipv6.conf.eth0.keep_addr_on_down=1")
    bird_start("pri")
    bird_start("loc")
    gobgp_start()
    if exa:
        exa_start()


def stop():
    for n in ("pri", "loc"):
        bird_stop(n)
    gobgp_stop()
    exa_stop()


def status():
    out = []
    for n in ("pri", "loc"):
        out.append(f"== bird {n}\n" + birdc(n, "show", "protocols"))
    out.append("== gobgp geo\n" + gobgp("neighbor", check=False).stdout)
    return "\n".join(out)


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "start":
        start()
    elif cmd == "stop":
        stop()
    elif cmd == "status":
        print(status())
    elif cmd in ("announce", "withdraw") and args:
        name, prefixes = args[0], args[1:]
        if name == "geo":
            for p in prefixes:
                (gobgp_add if cmd == "announce" else gobgp_del)(p)
        else:
            cur = set(_bird_routes[name][4] | _bird_routes[name][6])
            for fam in (4, 6):
                try:
                    for line in open(f"{RUN}/{name}-routes{fam}.conf"):
                        cur.add(line.split()[1])
                except OSError:
                    pass
            cur = cur | set(prefixes) if cmd == "announce" else cur - set(prefixes)
            bird_set(name, cur)
    elif cmd == "exa" and args:
        exa_cmd(" ".join(args))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
