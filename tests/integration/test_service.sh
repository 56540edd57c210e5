#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# peerfwd as an operator installs and runs it: `meson install` into a
# staging root (DESTDIR), the systemd unit checked by systemd-analyze, and
# the installed daemon run as the unit runs it, from the installed paths
# (the staging root's /usr/local bind-mounted over /usr/local in a mount
# namespace of its own), with an af_xdp port that loads the installed XDP
# program:
#
#   - every file meson installs is there; the unit verifies cleanly;
#   - peerfwd outside the build tree defaults to the installed XDP program
#     (--check names it while it is not installed, the build's does not);
#   - systemd's readiness protocol: READY=1 (with a STATUS) reaches
#     $NOTIFY_SOCKET once the control socket answers, STOPPING=1 on SIGTERM;
#   - the unit's ExecReload (peerctl config reload) applies a change.
#
#   PEERFWD_BUILDDIR  build directory with peerfwd and tools/peerctl/peerctl
#                     (default: the newest build*/ holding both)
#   TEST_LCORES       "MAIN WORKER" lcores for the daemon (default "0 1")
#
# Root only. Exit 0 when every check passed, 1 otherwise.
set -u -o pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
find_build "$SRC"
read -r MAIN_LCORE WORKER_LCORE <<<"${TEST_LCORES:-0 1}"
test_files service
DUT=pf-svc-$$
ROOT=$TMP/root
PID=
FAILED=0
PASSED=0

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	kill_daemon
	[[ -n ${LISTENER:-} ]] && kill "$LISTENER" 2>/dev/null
	ip netns del "$DUT" 2>/dev/null
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX_EAL"
}
trap cleanup EXIT
need_netns_build jq systemd-analyze unshare

# ---- 1: meson install ----
if meson install -C "$PEERFWD_BUILDDIR" --no-rebuild --quiet --destdir "$ROOT" >"$TMP/install.log" 2>&1; then
	ok "meson install into a staging root"
else
	fail "meson install: $(tail -3 "$TMP/install.log")"
fi
# what meson says it installs: build (or source) path -> installed path
meson introspect "$PEERFWD_BUILDDIR" --installed >"$TMP/installed.json"
installed() { jq -r --arg f "$1" 'to_entries[] | select(.key | endswith($f)) | .value' "$TMP/installed.json"; }
for f in /peerfwd /peerctl /peerfwd_xdp.o /peerfwd.service /production.cfg; do
	dest=$(installed "$f")
	if [[ -n $dest && -s $ROOT$dest ]]; then ok "installed: $dest"; else
		fail "not installed: ${f#/} ('$dest')"
	fi
done
BIN=$(dirname "$(installed /peerfwd)")
XDP=$(installed /peerfwd_xdp.o)
UNIT=$ROOT$(installed /peerfwd.service)
PREFIX=$(dirname "$BIN")

# ---- 2: the unit ----
has "$(cat "$UNIT")" "^ExecStart=$BIN/peerfwd -c /.*/peerfwd/peerfwd.cfg$" \
	"the unit runs the installed peerfwd on the installed config path"
has "$(cat "$UNIT")" "^Type=notify$" "the unit waits for peerfwd's READY=1 (Type=notify)"
has "$(cat "$UNIT")" "^ExecReload=$BIN/peerctl config reload$" "systemctl reload is peerctl config reload"
# systemd-analyze checks that the commands exist: point them at the staging root
sed "s#$PREFIX/#$ROOT$PREFIX/#g" "$UNIT" >"$TMP/peerfwd.service"
if out=$(systemd-analyze verify "$TMP/peerfwd.service" 2>&1) && [[ -z $out ]]; then
	ok "systemd-analyze verify: no warnings"
else
	fail "systemd-analyze verify: $out"
fi

# ---- 3: the XDP program an installed peerfwd loads by default ----
ip netns add "$DUT"
ip -n "$DUT" link add svc0 type veth peer name svc1
ip -n "$DUT" link set svc0 up
ip -n "$DUT" link set svc1 up
ip -n "$DUT" link set lo up
write_cfg() { # EXTRA_SETTING
	cat >"$CFG" <<EOF
peerfwd: {
$(cfg_head)
	$1
	ports = (
		{ name = "in";  device = "net_null0,no-rx=1"; tier = "none";
		  addresses = ["192.0.2.1/24"]; },
		{ name = "pri"; device = "net_af_xdp1,iface=svc0"; tier = "primary";
		  addresses = ["198.51.100.1/30"]; }
	);
	workers = ( { lcore = $WORKER_LCORE; rx = ["in:0", "pri:0"]; } );
	nexthops = ( { name = "pri-rtr"; port = "pri"; address = "198.51.100.2";
		       mac = "02:00:00:00:01:02"; } );
	pathgroups = ( { name = "carrier"; members = ["pri-rtr"]; } );
	routes = ( { prefix = "0.0.0.0/0"; pathgroup = "carrier"; } );
	registered = ( );
};
EOF
}
write_cfg ""
out=$("$ROOT$BIN/peerfwd" -c "$CFG" --check 2>&1)
rc=$?
if ((rc == 2)) && [[ $out == *"$XDP"* ]]; then
	ok "installed peerfwd, not yet installed: --check names $XDP"
else
	fail "installed peerfwd --check: exit $rc, '$out' (expected 2 naming $XDP)"
fi
if "$PEERFWD" -c "$CFG" --check >/dev/null 2>&1; then
	ok "the build tree's peerfwd takes the build's program (--check ok)"
else
	fail "the build tree's peerfwd --check failed: $("$PEERFWD" -c "$CFG" --check 2>&1)"
fi

# ---- 4: the installed daemon, run as the unit runs it ----
# A notify socket as systemd's: each datagram a line of notify.log.
python3 - "$TMP/notify.sock" "$TMP/notify.log" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    m = s.recv(4096).decode().replace("\n", " | ")
    with open(sys.argv[2], "a") as f:
        f.write(m + "\n")
PYEOF
LISTENER=$!
for _ in $(seq 50); do [[ -S $TMP/notify.sock ]] && break; sleep 0.1; done
: >"$TMP/notify.log"
ip netns exec "$DUT" env NOTIFY_SOCKET="$TMP/notify.sock" WATCHDOG_USEC=400000 \
	unshare -m --propagation private \
	sh -c 'mount --bind "$1" "$2" && exec "$3" -c "$4"' sh "$ROOT$PREFIX" "$PREFIX" \
	"$BIN/peerfwd" "$CFG" >>"$TMP/daemon.log" 2>&1 &
PID=$!
answered=
for _ in $(seq 300); do
	if grep -q "READY=1" "$TMP/notify.log"; then
		# ready means the control socket answers now, not later
		pc version >/dev/null 2>&1 && answered=yes
		break
	fi
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
READY=$(grep "READY=1" "$TMP/notify.log")
if [[ -n $READY && $READY == *"STATUS=running: 2 ports, 1 workers"* ]]; then
	ok "READY=1 reached NOTIFY_SOCKET: $READY"
else
	fail "no READY=1 with a STATUS from the daemon: '$(cat "$TMP/notify.log")'"
fi
if [[ $answered == yes ]]; then ok "at READY=1 the control socket answers"; else
	fail "at READY=1 the control socket did not answer"
fi
jq_is "$(pj ports)" '.ports[] | select(.name == "pri") | .xdp.program' "$XDP" \
	"the installed daemon loaded the installed XDP program"
p=$(ip -n "$DUT" -j -d link show dev svc0 | jq -r '.[0].xdp.prog.name // ""')
if [[ $p == peerfwd_xdp ]]; then ok "peerfwd_xdp is attached to svc0"; else
	fail "the XDP program on svc0 is '$p'"
fi
# the watchdog: WATCHDOG=1 every 200 ms (half of WATCHDOG_USEC's 400 ms)
W0=$(grep -c "^WATCHDOG=1$" "$TMP/notify.log")
sleep 1
W1=$(grep -c "^WATCHDOG=1$" "$TMP/notify.log")
if ((W1 - W0 >= 3 && W1 - W0 <= 7)); then ok "WATCHDOG=1 every 200 ms: $((W1 - W0)) in 1 s"; else
	fail "WATCHDOG=1: $((W1 - W0)) in 1 s (WATCHDOG_USEC=400000: expected about 5)"
fi
has "$(cat "$UNIT")" "^WatchdogSec=" "the unit asks for the watchdog"
# ExecReload, with the installed peerctl
write_cfg "punt_rate = 500;"
if out=$("$ROOT$BIN/peerctl" -s "$SOCK" config reload 2>&1) && [[ $out == *"punt_rate 2000 -> 500"* ]]; then
	ok "the unit's reload (installed peerctl config reload) applied: $(tr '\n' ' ' <<<"$out")"
else
	fail "installed peerctl config reload: '$out'"
fi
stop_daemon
for _ in $(seq 20); do grep -q "STOPPING=1" "$TMP/notify.log" && break; sleep 0.1; done
has "$(cat "$TMP/notify.log")" "^STOPPING=1$" "STOPPING=1 reached NOTIFY_SOCKET on SIGTERM"

finish notify.log "$TMP/notify.log"
