#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# BFD (RFC 5880/5881, single hop) to a next hop, end to end: a daemon with
# af_packet ports on veths in namespaces of its own (bd*-PID), a real BFD peer
# (BIRD 2) on the primary router, a local-redundant router without BFD. BIRD
# also runs BGP with the daemon (without BFD on its side): when the daemon's
# BFD session goes down, its BGP session with that router must end at once
# (RFC 5882 10.2), with a Cease/BFD Down (RFC 9384), and its routes go.
#
# The topology (routers.sh, interfaces bd*): the sender, the daemon, RTR1 on
# port "pri" (BIRD, BFD) and RTR2 on port "loc"; the daemon's BFD runs over the
# DUT kernel's UDP sockets; pings are counted at the routers' own ICMP
# counters, which count only frames sent to their MAC.
#
# BIRD 2.0.12 never sends AdminDown: "disable", removing the neighbor and
# "down" all just stop its packets. The peer's AdminDown (RFC 5882 3.2: no
# failure) is therefore played by a scripted BFD peer (python3) as well.
#
#   PEERFWD_BUILDDIR  build directory with peerfwd and tools/peerctl/peerctl
#   TEST_LCORES       "MAIN WORKER" lcores for the daemon (default "0 1")
#
# Root only. Exit 0 when every check passed, 1 otherwise.
set -u -o pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/routers.sh"
find_build "$SRC"
read -r MAIN_LCORE WORKER_LCORE <<<"${TEST_LCORES:-0 1}"
test_files bfd
routers_names bd
BIRD_CONF=$TMP/bird1.conf
BIRD_SOCK=$TMP/bird1.ctl
BIRD_PID=$TMP/bird1.pid
BIRD_LOG=$TMP/bird1.log
BFD_PROTO=dut
PID=
PEER_PID=
TCPDUMP_PID=
FAILED=0
PASSED=0

dx() { ip netns exec "$DUT" "$@"; }
bc() { birdc -s "$BIRD_SOCK" "$@"; }

# bird_kill: SIGKILL to BIRD in RTR1 (no goodbye packet), if it runs; the
# time it was sent in KILLED_US. (BIRD runs as a daemon: its zombie waits
# for init, which may take seconds; a zombie sends nothing.)
KILLED_US=0
bird_kill() {
	local p st
	p=$(cat "$BIRD_PID" 2>/dev/null) || return 0
	[[ -n $p ]] && kill -9 "$p" 2>/dev/null
	KILLED_US=$(now_us)
	for _ in $(seq 50); do
		st=$(ps -o stat= -p "$p" 2>/dev/null)
		[[ -z $st || $st == Z* ]] && break
		sleep 0.05
	done
	rm -f "$BIRD_PID" "$BIRD_SOCK"
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	kill_daemon
	bird_kill
	for p in $PEER_PID $TCPDUMP_PID; do kill "$p" 2>/dev/null; done
	routers_del
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX_EAL"
}
trap cleanup EXIT
need_netns_build jq bird birdc python3

routers_up bd
R1_MAC=$(ip netns exec "$RTR1" cat /sys/class/net/bdr1/address)
R2_MAC=$(ip netns exec "$RTR2" cat /sys/class/net/bdr2/address)

# ---- BIRD in RTR1: BFD to the DUT's pri address, 100 ms x 3 ----
bird_rtr1 "$BFD_PROTO" >"$BIRD_CONF"
bird -p -c "$BIRD_CONF" || exit 1
# bird_start: BIRD in RTR1, until birdc answers (5 s at most)
bird_start() {
	rm -f "$BIRD_PID" "$BIRD_SOCK"
	ip netns exec "$RTR1" bird -c "$BIRD_CONF" -s "$BIRD_SOCK" -P "$BIRD_PID" || return 1
	for _ in $(seq 50); do bc show status >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
# bird_session_up: BIRD shows its session to the DUT Up
bird_session_up() { bc show bfd sessions 2>/dev/null | grep -Eq '^198\.51\.100\.1 +bdr1 +Up '; }

cat >"$CFG" <<EOF
peerfwd: {
$(cfg_head)
	ports = (
		{ name = "in";  device = "net_af_packet0,iface=bdin"; tier = "none";
		  addresses = ["192.0.2.1/24"]; },
		{ name = "pri"; device = "net_af_packet1,iface=bdpri"; tier = "primary";
		  addresses = ["198.51.100.1/30"]; },
		{ name = "loc"; device = "net_af_packet2,iface=bdloc"; tier = "local";
		  addresses = ["198.51.100.5/30"]; }
	);
	workers = ( { lcore = $WORKER_LCORE; rx = ["in:0", "pri:0", "loc:0"]; } );
$(cfg_nexthops "$R1_MAC")
$(cfg_carrier_bgp)
};
EOF

# start_daemon, stop_daemon: checks.sh

bfd_of() { lookup | jq -r "$(member "$1") | .bfd" 2>/dev/null; }
active() { lookup | jq -r .active.nexthop 2>/dev/null; }
# bfd_active: "PRI-RTR'S BFD/ACTIVE MEMBER" from one lookup
bfd_active() { lookup | jq -r "\"\\($(member pri-rtr) | .bfd)/\\(.active.nexthop)\"" 2>/dev/null; }
# wait_diag: for wait_lookup, BIRD's view of the session
wait_diag() {
	echo "     birdc show bfd sessions (RTR1):"
	bc show bfd sessions 2>&1 | sed 's/^/       /'
}
# wait_bfd STATE: until pri-rtr's bfd is STATE (deadline from within);
# prints the milliseconds it took from T0_US
T0_US=0
wait_bfd() {
	local got
	while :; do
		got=$(bfd_of pri-rtr)
		[[ $got == "$1" ]] && break
		if (($(now_us) >= DEADLINE)); then
			echo "     pri-rtr's bfd still '$got', waited for '$1'" >&2
			return 1
		fi
		sleep 0.02
	done
	echo $((($(now_us) - T0_US) / 1000))
}
# stays_active NEXTHOP MS: NEXTHOP is the active member all through MS
# milliseconds (looked at every 50 ms); 0 if it was
stays_active() {
	local end=$(($(now_us) + $2 * 1000)) got
	while (($(now_us) < end)); do
		got=$(active)
		if [[ $got != "$1" ]]; then
			echo "     the active member became '$got'" >&2
			return 1
		fi
		sleep 0.05
	done
	return 0
}
# stays_up MS: pri-rtr's bfd is up and pri-rtr the active member all through
# MS milliseconds (a session that flaps right after coming up fails it)
stays_up() {
	local end=$(($(now_us) + $1 * 1000)) got
	while (($(now_us) < end)); do
		got=$(bfd_active)
		if [[ $got != up/pri-rtr ]]; then
			echo "     pri-rtr's bfd/active member became '$got'" >&2
			return 1
		fi
		sleep 0.05
	done
	return 0
}
# settle WHAT: before a step that needs it, the session up and steady for
# 1.2 s (three tries); a fail naming WHAT if it never is
settle() {
	for _ in 1 2 3; do
		within 5
		wait_bfd up >/dev/null 2>&1 && stays_up 1200 2>/dev/null && return 0
	done
	fail "$1: the session is not steadily up (bfd '$(bfd_of pri-rtr)', active '$(active)')"
	return 1
}
# log_count REGEX: daemon log lines that match
log_count() { grep -Ec -- "$1" "$TMP/daemon.log"; }
UP_RE='bfd pri-rtr 198\.51\.100\.2: up'
DOWN_RE='bfd pri-rtr 198\.51\.100\.2: down \(.+\)'

# ---- 1: the session comes up at start ----
bird_start || {
	echo "BIRD did not start in RTR1" >&2
	exit 1
}
T0_US=$(now_us)
start_daemon
DEADLINE=$((T0_US + 5000000))
if ms=$(wait_bfd up); then ok "at start: pri-rtr's bfd is up ${ms} ms after the daemon's start"; else
	fail "at start: pri-rtr's bfd not up within 5 s"
fi
for _ in $(seq 20); do bird_session_up && break; sleep 0.1; done
if bird_session_up; then ok "at start: BIRD shows the session Up"; else
	fail "at start: BIRD does not show the session Up: $(bc show bfd sessions 2>&1 | tail -n +3)"
fi
L=$(lookup)
jq_is "$L" .active.nexthop pri-rtr "at start: pri-rtr is the active member"
jq_is "$L" "$(member loc-rtr) | .bfd" off "at start: loc-rtr's bfd is off"
jq_is "$L" .action forward "at start: 203.0.113.5 is forwarded"
if stays_up 1000; then ok "at start: the session stays up (1 s looked at)"; else
	fail "at start: the session did not stay up after coming up"
fi
B=$(pj bfd list | jq -c '.sessions[] | select(.nexthop == "pri-rtr")')
jq_is "$B" '[.state, .remote_state, .tx_interval_ms, .detect_time_ms, .multiplier, .auth, .up_count, .holds_down] | map(tostring) | join(" ")' \
	"up up 100 300 3 none 1 false" "bfd list: pri-rtr up both ways, 100 ms, detection 300 ms, x3, once up"
if (($(jq .rx <<<"$B") > 5 && $(jq .tx <<<"$B") > 5)); then ok "bfd list: packets both ways ($B)"; else
	fail "bfd list: packets '$B'"
fi
has "$(pc bfd list)" "^pri-rtr +pri +198\.51\.100\.2 +up +up " "peerctl bfd list shows the session"
M=$(pc metrics)
has "$M" '^peerfwd_bfd_session_up\{nexthop="pri-rtr"\} 1$' "metrics: peerfwd_bfd_session_up 1"
has "$M" '^peerfwd_bfd_packets_total\{nexthop="pri-rtr",direction="rx"\} [1-9]' \
	"metrics: peerfwd_bfd_packets_total rx"
if (($(log_count "$UP_RE") >= 1)); then ok "the session's up is logged"; else
	fail "no log line matches '$UP_RE'"
fi

# ---- 2: traffic to RTR1 ----
reaches "at start: pings reach RTR1" 4 "$RTR1" "$RTR2"

# ---- 3: BIRD killed (no goodbye): detection time, then RTR2 ----
settle "before BIRD is killed"
DOWNS=$(log_count "$DOWN_RE")
bird_kill
T0_US=$KILLED_US
within 3
if ms=$(wait_bfd down); then
	if ((ms <= 1000)); then ok "BIRD killed: pri-rtr's bfd down after ${ms} ms (detection time 300 ms)"; else
		fail "BIRD killed: pri-rtr's bfd down only after ${ms} ms (detection time 300 ms, 1000 allowed)"
	fi
else
	fail "BIRD killed: pri-rtr's bfd not down within 3 s"
fi
DETECT_MS=${ms:-none}
within 1
wait_lookup 203.0.113.5 .active.nexthop loc-rtr
jq_is "$(lookup)" .active.nexthop loc-rtr "BIRD killed: loc-rtr is the active member"
jq_is "$(lookup)" .action forward "BIRD killed: 203.0.113.5 is still forwarded"
if (($(log_count "$DOWN_RE") > DOWNS)); then ok "the session's down is logged: $(grep -E -- "$DOWN_RE" "$TMP/daemon.log" | tail -1 | grep -Eo 'down \(.*\)')"; else
	fail "no new log line matches '$DOWN_RE'"
fi
reaches "BIRD killed: pings reach RTR2" 4 "$RTR2" "$RTR1"
H=$(pj failover history limit=8 | jq -c '[.events[] | select(.nexthop == "pri-rtr")][0]')
jq_is "$H" '[.port, .state, (.reason | startswith("bfd down"))] | join(",")' "pri,down,true" \
	"failover history: pri-rtr down by BFD on port pri"

# ---- 4: BIRD back: up again, traffic back on RTR1 ----
UPS=$(log_count "$UP_RE")
T0_US=$(now_us)
bird_start || fail "BIRD did not start again"
within 5
if ms=$(wait_bfd up); then ok "BIRD back: pri-rtr's bfd up again after ${ms} ms"; else
	fail "BIRD back: pri-rtr's bfd not up within 5 s"
fi
within 1
wait_lookup 203.0.113.5 .active.nexthop pri-rtr
jq_is "$(lookup)" .active.nexthop pri-rtr "BIRD back: pri-rtr is the active member again"
if stays_up 1000; then ok "BIRD back: the session stays up (1 s looked at)"; else
	fail "BIRD back: the session did not stay up after coming up"
fi
if (($(log_count "$UP_RE") > UPS)); then ok "the session's second up is logged"; else
	fail "no new log line matches '$UP_RE'"
fi
reaches "BIRD back: pings reach RTR1" 4 "$RTR1" "$RTR2"

# ---- 5: "birdc disable" of BIRD's BFD protocol ----
# What BIRD sends then decides what is right: an AdminDown (RFC 5882 3.2: not
# a failure, pri-rtr stays) or nothing (the detection time expires: a failure,
# loc-rtr takes over). tcpdump in the DUT namespace tells which; without it,
# BIRD 2.0.12's behaviour (nothing) is assumed.
settle "before BIRD's BFD is disabled"
for _ in $(seq 20); do bird_session_up && break; sleep 0.1; done
# BIRD's BGP session and its route: BIRD was killed and restarted above
BGP_ROUTE=198.18.7.1
within 15
if wait_lookup $BGP_ROUTE .matched 198.18.7.0/24; then
	ok "BGP with BIRD: its 198.18.7.0/24 is in the FIB"
else
	fail "BGP with BIRD: 198.18.7.0/24 not in the FIB within 15 s: $(pj peering list | jq -c '.peerings[]? | {name, state, last_error}')"
fi
TORN=$(log_count 'bfd pri-rtr 198\.51\.100\.2: BGP session with it torn down')
CAP=$TMP/disable.txt
if command -v tcpdump >/dev/null; then
	dx tcpdump -l -nvv -i bdpri 'udp dst port 3784 and src host 198.51.100.2' >"$CAP" 2>"$TMP/tcpdump.err" &
	TCPDUMP_PID=$!
	for _ in $(seq 50); do grep -q "listening on" "$TMP/tcpdump.err" 2>/dev/null && break; sleep 0.05; done
fi
DOWNS=$(log_count "$DOWN_RE")
T0_US=$(now_us)
bc disable "$BFD_PROTO" >/dev/null
# what the daemon shows (bfd/active member) for 1.5 s, when pri-rtr's bfd
# first left up, and when BIRD's BGP route first left the FIB
SEEN=
LEFT_UP_MS=
BGP_GONE_MS=
end=$(($(now_us) + 1500000))
while (($(now_us) < end)); do
	s=$(bfd_active)
	[[ -z $LEFT_UP_MS && $s != up/* ]] && LEFT_UP_MS=$((($(now_us) - T0_US) / 1000))
	if [[ -z $BGP_GONE_MS && $(lookup $BGP_ROUTE | jq -r .matched) != 198.18.7.0/24 ]]; then
		BGP_GONE_MS=$((($(now_us) - T0_US) / 1000))
	fi
	[[ $SEEN == *"$s" ]] || SEEN="${SEEN:+$SEEN -> }$s"
	sleep 0.05
done
if [[ -n $TCPDUMP_PID ]]; then
	kill "$TCPDUMP_PID" 2>/dev/null
	wait "$TCPDUMP_PID" 2>/dev/null
	TCPDUMP_PID=
fi
echo "     after birdc disable, the daemon showed (bfd/active): $SEEN"
if grep -q "State AdminDown" "$CAP" 2>/dev/null; then
	SENT=admindown
	if stays_active pri-rtr 1000 && [[ $SEEN != *loc-rtr* ]]; then
		ok "BIRD disabled, it sent AdminDown: pri-rtr stays the active member (RFC 5882 3.2; daemon showed $SEEN)"
		jq_is "$(lookup $BGP_ROUTE)" .matched 198.18.7.0/24 \
			"BIRD's AdminDown: its BGP session and route stay (no failure)"
	else
		fail "BIRD disabled, it sent AdminDown: pri-rtr was taken out (daemon showed $SEEN)"
	fi
else
	SENT=nothing
	if [[ $(bfd_of pri-rtr) == down && -n $LEFT_UP_MS ]] && ((LEFT_UP_MS <= 1000)); then
		ok "BIRD disabled, it went silent (no AdminDown sent): pri-rtr's bfd timed out to down after ${LEFT_UP_MS} ms (daemon showed $SEEN)"
	else
		fail "BIRD disabled, it went silent (no AdminDown sent): pri-rtr's bfd should time out to down within 1 s (left up after ${LEFT_UP_MS:-never} ms; daemon showed $SEEN)"
	fi
	jq_is "$(lookup)" .active.nexthop loc-rtr "BIRD disabled (silent): loc-rtr is the active member"
	# RFC 5882 10.2: BGP with the router follows BFD, whatever BIRD's BGP
	# (still running, without BFD) thinks
	if [[ -n $BGP_GONE_MS ]] && ((BGP_GONE_MS <= 1000)); then
		ok "BIRD's BFD silent: the BGP route from BIRD left the FIB ${BGP_GONE_MS} ms after the disable (hold time 30 s)"
	else
		fail "BIRD's BFD silent: 198.18.7.0/24 did not leave the FIB within 1 s of the disable (left after ${BGP_GONE_MS:-never} ms)"
	fi
	jq_is "$(pj peering stats pri4)" '.last_notification.sent.message | test("BFD down")' true \
		"BIRD's BFD silent: the daemon sent BIRD a Cease/BFD Down (RFC 9384)"
	if (($(log_count 'bfd pri-rtr 198\.51\.100\.2: BGP session with it torn down') > TORN)); then
		ok "the BGP teardown is logged"
	else
		fail "no log line says the BGP session was torn down"
	fi
	# BIRD 2.0.12 predates RFC 9384: it names 6/10 "Unknown error 6.10"
	if grep -Eq 'dut4: Received: (Cease.*|Unknown error 6\.10)$' "$BIRD_LOG"; then
		ok "BIRD received the Cease 6/10: $(grep -Eo 'dut4: Received: .*' "$BIRD_LOG" | tail -1)"
	else
		fail "BIRD logged no Cease received: $(grep dut4 "$BIRD_LOG" | tail -3)"
	fi
	if (($(log_count "$DOWN_RE") > DOWNS)); then ok "the timeout is logged: $(grep -E -- "$DOWN_RE" "$TMP/daemon.log" | tail -1 | grep -Eo 'down \(.*\)')"; else
		fail "no new log line matches '$DOWN_RE'"
	fi
	# While BFD stays down, so does BGP: BIRD tries again (error wait 1 s,
	# connect retry 2 s) and is refused; the daemon does not connect either.
	REFUSED_RE='bgp: connection from 198\.51\.100\.2 refused \(BFD down\)'
	sleep 4
	P=$(pj peering list | jq -c '.peerings[] | select(.name == "pri4") | {state, bfd_down}')
	jq_is "$P" '"\(.state)/\(.bfd_down)"' Idle/true \
		"BIRD's BFD silent for 5 s: the BGP peering stays Idle, held by BFD"
	jq_is "$(lookup $BGP_ROUTE)" .matched 0.0.0.0/0 \
		"BIRD's BFD silent for 5 s: BIRD's route stays out of the FIB"
	if (($(log_count "$REFUSED_RE") > 0)); then
		ok "BIRD's BGP reconnects are refused while BFD is down ($(log_count "$REFUSED_RE") logged)"
	else
		fail "no log line says BIRD's reconnect was refused for BFD: $(grep -E 'bgp.*198\.51\.100\.2|pri4' "$TMP/daemon.log" | tail -3)"
	fi
	T0_US=$(now_us)
	bc enable "$BFD_PROTO" >/dev/null
	within 15
	if ms=$(wait_bfd up); then ok "BIRD's BFD enabled: pri-rtr's bfd up after ${ms} ms"; else
		fail "BIRD's BFD enabled: pri-rtr's bfd did not come up"
	fi
	if wait_lookup $BGP_ROUTE .matched 198.18.7.0/24; then
		ok "BFD up again: BGP with BIRD is back, its route in the FIB $((($(now_us) - T0_US) / 1000)) ms after the enable"
	else
		fail "BFD up again: BIRD's route not back in the FIB within 15 s: $(pj peering list | jq -c '.peerings[]? | {name, state, bfd_down, last_error}')"
	fi
fi

# ---- 5b: a peer's AdminDown, from a scripted BFD peer in RTR1 ----
# BIRD (which never sends AdminDown) makes way for a minimal RFC 5880 peer: it
# brings the session up (100 ms x 3) and keeps it up; when the flag file
# appears it sends AdminDown for 2 s, then goes silent and exits.
bird_kill
# BIRD's session times out first (300 ms), so that the "up" peer_start waits
# for is the scripted peer's and not what is left of BIRD's: a peer that
# came up later than the flag would send its AdminDown into the timeout.
within 2
wait_bfd down >/dev/null || fail "BIRD killed again: pri-rtr's bfd did not time out"
read -r -d '' PEER_PY <<'EOF'
import os, select, socket, struct, sys, time
flag = sys.argv[1]
# "silent": when the flag appears, first fall silent for 1 s (the daemon
# times the session out), then send AdminDown
silent = len(sys.argv) > 2 and sys.argv[2] == "silent"
silent_until = None
LOCAL, PEER, MY = "198.51.100.2", "198.51.100.1", 0x5EED0001
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
rx.bind((LOCAL, 3784))
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
tx.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
tx.bind((LOCAL, 49999))
ADMIN, DOWN, INIT, UP = 0, 1, 2, 3
state, diag, your = DOWN, 0, 0
def send(final=False):
    b = struct.pack("!BBBBIIIII", (1 << 5) | diag, (state << 6) | (0x10 if final else 0),
                    3, 24, MY, your, 100000, 100000, 0)
    tx.sendto(b, (PEER, 3784))
admin_at, next_tx, last_rx = None, 0.0, time.monotonic()
end = time.monotonic() + 60
while time.monotonic() < end:
    now = time.monotonic()
    if admin_at is None and os.path.exists(flag):
        if silent and silent_until is None:
            silent_until = now + 1.0
        if silent_until is None or now >= silent_until:
            admin_at, state, diag, next_tx = now, ADMIN, 7, now
    if silent_until is not None and admin_at is None:
        next_tx = now + 0.05  # nothing goes out while silent
    if admin_at is not None and now - admin_at > 2:
        break
    if now >= next_tx:
        send()
        next_tx = now + 0.075
    r, _, _ = select.select([rx], [], [], max(0.0, next_tx - time.monotonic()))
    if not r:
        if state in (INIT, UP) and time.monotonic() - last_rx > 3.5:
            state, diag = DOWN, 1
        continue
    pkt, src = rx.recvfrom(256)
    if len(pkt) < 24 or src[0] != PEER or state == ADMIN:
        continue
    vd, fl, _, _, md, _ = struct.unpack("!BBBBII", pkt[:12])
    st, last_rx, your = fl >> 6, time.monotonic(), md
    if fl & 0x20:
        send(final=True)
    if st == ADMIN:
        if state != DOWN:
            state, diag = DOWN, 3
    elif state == DOWN:
        state = {DOWN: INIT, INIT: UP}.get(st, DOWN)
    elif state == INIT:
        state = UP if st in (INIT, UP) else INIT
    elif state == UP and st == DOWN:
        state, diag = DOWN, 3
EOF
ADMIN_FLAG=$TMP/admindown
# peer_start WHAT [silent]: the scripted peer in RTR1 (errors in peer.log),
# and the check that the session comes up with it within 5 s
peer_start() {
	rm -f "$ADMIN_FLAG"
	ip netns exec "$RTR1" python3 -c "$PEER_PY" "$ADMIN_FLAG" ${2:+"$2"} 2>"$TMP/peer.log" &
	PEER_PID=$!
	within 5
	if wait_bfd up >/dev/null; then ok "$1: pri-rtr's bfd up"; else
		fail "$1: pri-rtr's bfd not up within 5 s"
	fi
}
# peer_done: wait for the scripted peer to exit; a check that it had no error
peer_done() {
	wait "$PEER_PID"
	PEER_PID=
	if [[ -s $TMP/peer.log ]]; then fail "the scripted peer failed: $(cat "$TMP/peer.log")"; fi
}
peer_start "scripted peer"
within 1
wait_lookup 203.0.113.5 .active.nexthop pri-rtr
jq_is "$(lookup)" .active.nexthop pri-rtr "scripted peer: pri-rtr is the active member"
T0_US=$(now_us)
touch "$ADMIN_FLAG"
within 1
if ms=$(wait_bfd down); then ok "peer's AdminDown: pri-rtr's bfd is down after ${ms} ms (RFC 5880 6.8.6)"; else
	fail "peer's AdminDown: pri-rtr's bfd did not go down"
fi
if stays_active pri-rtr 1000; then ok "peer's AdminDown: pri-rtr stays the active member for 1 s (RFC 5882 3.2)"; else
	fail "peer's AdminDown: pri-rtr was taken out (RFC 5882 3.2: AdminDown is no failure)"
fi
reaches "peer's AdminDown: pings still reach RTR1" 4 "$RTR1" "$RTR2"
peer_done
# the peer is silent now: the session is Down without having failed
if stays_active pri-rtr 1000; then ok "peer gone silent after AdminDown: pri-rtr still the active member"; else
	fail "peer gone silent after AdminDown: pri-rtr was taken out"
fi
reaches "peer gone silent after AdminDown: pings reach RTR1" 4 "$RTR1" "$RTR2"

# ---- 5c: AdminDown after a failure releases the next hop (RFC 5882 3.2) ----
# The scripted peer comes up, falls silent (the daemon times it out and
# takes pri-rtr out), then says AdminDown: BFD is off on its side, which
# says nothing of the path, so pri-rtr is used again.
peer_start "scripted peer again" silent
within 2
wait_lookup 203.0.113.5 .active.nexthop pri-rtr
touch "$ADMIN_FLAG"
within 1
wait_lookup 203.0.113.5 .active.nexthop loc-rtr
jq_is "$(lookup)" .active.nexthop loc-rtr "peer silent: timed out, loc-rtr is the active member"
within 3
wait_lookup 203.0.113.5 .active.nexthop pri-rtr
jq_is "$(lookup)" .active.nexthop pri-rtr "then its AdminDown: pri-rtr is the active member again"
H=$(pj failover history limit=8 | jq -c '[.events[] | select(.nexthop == "pri-rtr")][0]')
jq_is "$H" '[.state, .reason] | join(",")' "up,bfd neighbour admin down" \
	"failover history: pri-rtr back by the neighbour's AdminDown"
peer_done

# ---- 6: BIRD back, config reload with the file unchanged ----
bird_start || fail "BIRD did not start again"
settle "before the reload"
DOWNS=$(log_count "$DOWN_RE")
jq_is "$(pj config reload)" .ok true "config reload with the file unchanged answers ok"
if stays_up 1000 && (($(log_count "$DOWN_RE") == DOWNS)); then
	ok "the reload leaves the session up and pri-rtr active"
else
	fail "the reload: pri-rtr's bfd '$(bfd_of pri-rtr)', active '$(active)', $(($(log_count "$DOWN_RE") - DOWNS)) new down lines"
fi

# ---- 6b: config reload changes BFD without a restart ----
# bird_interval: the TX interval BIRD's session to the DUT runs at now (s)
bird_interval() { bc show bfd sessions 2>/dev/null | awk '$1 == "198.51.100.1" {print $5}'; }
# reload_bfd SED WHAT: the config edited by SED and reloaded; a check that
# the reload applied and says WHAT of the BFD sessions
reload_bfd() {
	local r
	sed -i -E "$1" "$CFG"
	r=$(pj config reload)
	if [[ $(jq -r .ok <<<"$r") == true && $(jq -r '.notes // [] | join("; ")' <<<"$r") == *"bfd sessions $2"* ]]; then
		ok "config reload ($1): bfd sessions $2"
	else
		fail "config reload ($1): $r"
	fi
}
# bird_interval_is S: BIRD's TX interval comes to S within 3 s
bird_interval_is() {
	for _ in $(seq 30); do [[ $(bird_interval) == "$1" ]] && return 0; sleep 0.1; done
	return 1
}
settle "before the BFD reloads"
DOWNS=$(log_count "$DOWN_RE")
# slower: our RequiredMinRx 300 ms reaches BIRD by a Poll Sequence, the
# session stays Up and BIRD sends every 300 ms
reload_bfd 's/bfd_interval_ms = 100;/bfd_interval_ms = 300;/' "+0 ~1 -0"
if bird_interval_is 0.300; then ok "BIRD now sends every 300 ms"; else
	fail "BIRD's interval is '$(bird_interval)', not 0.300"
fi
jq_is "$(pj bfd list)" '.sessions[] | select(.nexthop == "pri-rtr") | "\(.tx_interval_ms) \(.detect_time_ms)"' \
	"300 900" "bfd list: we send every 300 ms and detect in 900 ms"
if stays_up 1500 && (($(log_count "$DOWN_RE") == DOWNS)); then
	ok "300 ms: the session stayed up through the change"
else
	fail "300 ms: the session went down ($(bfd_active))"
fi
reload_bfd 's/bfd_interval_ms = 300;/bfd_interval_ms = 100;/' "+0 ~1 -0"
if bird_interval_is 0.100; then ok "back to 100 ms: BIRD sends every 100 ms"; else
	fail "BIRD's interval is '$(bird_interval)', not 0.100"
fi
if stays_up 1000 && (($(log_count "$DOWN_RE") == DOWNS)); then
	ok "100 ms: the session stayed up through the change"
else
	fail "100 ms: the session went down ($(bfd_active))"
fi
# off: the session ends with AdminDown (no failure: pri-rtr stays active)
reload_bfd 's/bfd = true; bfd_interval_ms = 100; bfd_multiplier = 3;/bfd = false;/' "+0 ~0 -1"
jq_is "$(lookup)" "\"\($(member pri-rtr) | .bfd)/\(.active.nexthop)\"" off/pri-rtr \
	"bfd off: no session, pri-rtr still the active member"
for _ in $(seq 20); do bird_session_up || break; sleep 0.1; done
if ! bird_session_up; then ok "bfd off: BIRD's session is no longer Up"; else
	fail "bfd off: BIRD still shows the session Up"
fi
# on again: a new session comes up
reload_bfd 's/bfd = false;/bfd = true; bfd_interval_ms = 100; bfd_multiplier = 3;/' "+1 ~0 -0"
within 5
if ms=$(wait_bfd up); then ok "bfd on again: the session is up"; else
	fail "bfd on again: the session is '$(bfd_of pri-rtr)'"
fi
if (($(log_count "$DOWN_RE") == DOWNS)); then ok "no BFD failure in all of it"; else
	fail "$(($(log_count "$DOWN_RE") - DOWNS)) BFD failures during the reloads"
fi

# ---- 7: still running, clean exit ----
if kill -0 "$PID" 2>/dev/null; then ok "daemon still running"; else fail "daemon died"; fi
stop_daemon

# ---- 8: authentication (RFC 5880 6.7), against BIRD's ----
# auth_cfg TYPE SECRET: the daemon's config with pri-rtr's session
# authenticated (key id 5); bird_auth BIRD_TYPE SECRET: BIRD's the same,
# reconfigured ("" BIRD_TYPE: none)
# auth_cfg_raw SETTINGS: pri-rtr's authentication settings are SETTINGS
auth_cfg_raw() {
	sed -i -E '/^\t\t  bfd = true;/s/ bfd_auth = .*$/ },/' "$CFG"
	sed -i -E "/^\t\t  bfd = true;/s/bfd_multiplier = 3;/& $1/" "$CFG"
}
auth_cfg() { auth_cfg_raw "bfd_auth = \"$1\"; bfd_key_id = 5; bfd_secret = \"$2\";"; }
# bird_auth_raw SETTINGS: BIRD's BFD interface with SETTINGS, reconfigured
bird_auth_raw() {
	bird_rtr1 "$BFD_PROTO" >"$BIRD_CONF"
	sed -i "s/multiplier 3; };/multiplier 3; $1 };/" "$BIRD_CONF"
	bc configure >/dev/null 2>&1 || fail "birdc configure with '$1'"
}
bird_auth() {
	if [[ -n $1 ]]; then bird_auth_raw "authentication $1; password \"$2\" { id 5; };"; else
		bird_auth_raw ""
	fi
}
auth_failed() { lookup | jq -r "$(member pri-rtr) | .bfd_auth_failed" 2>/dev/null; }
for pair in "simple:simple" "keyed-md5:keyed md5" "meticulous-keyed-md5:meticulous keyed md5" \
	"keyed-sha1:keyed sha1" "meticulous-keyed-sha1:meticulous keyed sha1"; do
	type=${pair%%:*}
	secret=$type-key
	secret=${secret:0:16} # the most a password or MD5 key takes (SHA1: 20)
	bird_auth "${pair#*:}" "$secret"
	auth_cfg "$type" "$secret"
	T0_US=$(now_us)
	start_daemon
	DEADLINE=$((T0_US + 5000000))
	if ms=$(wait_bfd up); then
		ok "$type: the session with BIRD comes up, ${ms} ms after the start"
	else
		fail "$type: no session with BIRD (BIRD: $(bc show bfd sessions 2>&1 | tail -n +3 | tr -s ' '))"
	fi
	jq_is "$(lookup)" "$(member pri-rtr) | \"\(.bfd_auth) \(.bfd_auth_failed)\"" "$type 0" \
		"$type: route lookup shows it, no packet failed"
	[[ $type == meticulous-keyed-sha1 ]] || stop_daemon
done
# BIRD's key changes: its packets fail, the session times out and pri-rtr
# is out of use; BIRD's key back: up again
bird_auth "meticulous keyed sha1" "another-key"
within 3
if wait_bfd down >/dev/null; then ok "BIRD with another key: the session goes down"; else
	fail "BIRD with another key: the session stayed '$(bfd_of pri-rtr)'"
fi
jq_is "$(lookup)" .active.nexthop loc-rtr "BIRD with another key: loc-rtr is the active member"
F=$(auth_failed)
if ((F > 0)); then ok "BIRD with another key: $F packets failed authentication"; else
	fail "BIRD with another key: no packet counted as failed ('$F')"
fi
has "$(cat "$TMP/daemon.log")" "bfd pri-rtr 198\.51\.100\.2: packet discarded: wrong digest" \
	"the log says why BIRD's packets were discarded"
has "$(pc metrics)" '^peerfwd_bfd_auth_failures_total\{nexthop="pri-rtr"\} [1-9]' \
	"metrics: peerfwd_bfd_auth_failures_total counts them"
jq_is "$(pj bfd list)" '.sessions[] | select(.nexthop == "pri-rtr") | "\(.auth) \(.holds_down)"' \
	"meticulous-keyed-sha1 true" "bfd list: meticulous-keyed-sha1, holding pri-rtr down"
bird_auth "keyed sha1" "meticulous-keyed"
within 3
if wait_bfd up >/dev/null 2>&1; then fail "BIRD with keyed (not meticulous) SHA1: up"; else
	ok "BIRD with keyed (not meticulous) SHA1: still $(bfd_of pri-rtr) after 3 s"
fi
bird_auth "meticulous keyed sha1" "meticulous-keyed"
within 5
if wait_bfd up >/dev/null; then ok "BIRD's key back: the session is up again"; else
	fail "BIRD's key back: the session is '$(bfd_of pri-rtr)'"
fi

# A key rolled in without a failure (RFC 5880 6.7.1, by Key ID): each end
# takes the new key (id 6) besides the old (5), then signs with the new,
# then drops the old; the daemon's part by config reloads. BIRD with two
# passwords signs with one of them, which the daemon then takes.
settle "before the key rollover"
DOWNS=$(log_count "$DOWN_RE")
F0=$(auth_failed)
rollover_step() { # WHAT: the session stays up 1 s, none of BIRD's packets failing
	if stays_up 1000 && (($(log_count "$DOWN_RE") == DOWNS)) && [[ $(auth_failed) == "$F0" ]]; then
		ok "key rollover, $1: the session stayed up, no packet failed"
	else
		fail "key rollover, $1: '$(bfd_active)', $(($(log_count "$DOWN_RE") - DOWNS)) down, failures $F0 -> $(auth_failed)"
	fi
}
OLD='password "meticulous-keyed" { id 5; };' NEW='password "rolled-in-key" { id 6; };'
auth_cfg_raw 'bfd_auth = "meticulous-keyed-sha1"; bfd_key_id = 5; bfd_secret = "meticulous-keyed"; bfd_accept = ( { key_id = 6; secret = "rolled-in-key"; } );'
jq_is "$(pj config reload)" '.notes | join("; ")' "bfd sessions +0 ~1 -0" \
	"key rollover: the daemon takes key 6 too (config reload)"
rollover_step "the daemon takes both"
bird_auth_raw "authentication meticulous keyed sha1; $OLD $NEW"
rollover_step "BIRD has both"
auth_cfg_raw 'bfd_auth = "meticulous-keyed-sha1"; bfd_key_id = 6; bfd_secret = "rolled-in-key"; bfd_accept = ( { key_id = 5; secret = "meticulous-keyed"; } );'
pj config reload >/dev/null
rollover_step "the daemon signs with key 6"
bird_auth_raw "authentication meticulous keyed sha1; $NEW"
auth_cfg_raw 'bfd_auth = "meticulous-keyed-sha1"; bfd_key_id = 6; bfd_secret = "rolled-in-key";'
pj config reload >/dev/null
rollover_step "both ends have key 6 only"
stop_daemon

echo "BFD detection measured: ${DETECT_MS} ms; BIRD on disable sent: ${SENT}"
finish "BIRD log (RTR1)" "$BIRD_LOG"
