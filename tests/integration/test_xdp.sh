#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# An AF_XDP port with peerfwd's XDP program (drivers/xdp/peerfwd_xdp.bpf.c):
# the daemon's port "pri" is an af_xdp vdev on its veth (xdpri); the program
# keeps the port's control traffic (ARP, ND, BGP, BFD, pings to the box) in
# the DUT kernel on that veth and gives the transit traffic to the worker.
# The topology is routers.sh's (interfaces xd*), with BIRD on RTR1 running
# BGP and BFD to the kernel's address on xdpri.
#
# Checked: the program is attached; RTR1 pings the daemon's IPv4 and IPv6
# addresses and the kernel answers without the worker punting anything;
# BFD and BGP with BIRD; traffic forwarded to RTR1 out of the af_xdp port;
# transit from RTR1 goes to the worker (the program's counters, the port's
# rx); the metrics; a link added at run time gets the program and its
# address answers, and loses the program when removed; a daemon killed
# leaves its program, and the next one takes it off and starts; the program
# is gone after the daemon stops.
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
test_files xdp
routers_names xd
BIRD_CONF=$TMP/bird1.conf
BIRD_SOCK=$TMP/bird1.ctl
BIRD_PID=$TMP/bird1.pid
BIRD_LOG=$TMP/bird1.log
PID=
FAILED=0
PASSED=0

dx() { ip netns exec "$DUT" "$@"; }
# prog_is IFACE NAME DESCRIPTION: a check that the XDP program attached to
# IFACE in the DUT is NAME ("": none)
prog_is() {
	local p
	p=$(dx ip -j -d link show dev "$1" | jq -r '.[0].xdp.prog.name // ""')
	if [[ $p == "$2" ]]; then ok "$3"; else fail "$3: the XDP program on $1 is '$p'"; fi
}
# port_field NAME FILTER: FILTER on port NAME of peerctl ports
port_field() { pj ports | jq -r ".ports[] | select(.name == \"$1\") | $2"; }

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	kill_daemon
	[[ -f $BIRD_PID ]] && kill -9 "$(cat "$BIRD_PID")" 2>/dev/null
	routers_del
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX_EAL"
}
trap cleanup EXIT
need_netns_build jq bird birdc

routers_up xd
R2_MAC=$(ip netns exec "$RTR2" cat /sys/class/net/xdr2/address)
# A veth hands TCP and UDP on with their checksums left to offload; what
# the program passes to the kernel is fine with that, but the worker is
# not: RTR1 computes its own, as a wire would carry them.
ip netns exec "$RTR1" ethtool -K xdr1 tx off >/dev/null 2>&1

bird_rtr1 "" >"$BIRD_CONF"
ip netns exec "$RTR1" bird -c "$BIRD_CONF" -s "$BIRD_SOCK" -P "$BIRD_PID" || exit 1

cat >"$CFG" <<EOF
peerfwd: {
$(cfg_head)
	ports = (
		{ name = "in";  device = "net_af_packet0,iface=xdin"; tier = "none";
		  addresses = ["192.0.2.1/24", "2001:db8:ff::1/64"]; },
		{ name = "pri"; device = "net_af_xdp1,iface=xdpri"; tier = "primary";
		  addresses = ["198.51.100.1/30", "2001:db8:1::1/64"]; },
		{ name = "loc"; device = "net_af_packet2,iface=xdloc"; tier = "local";
		  addresses = ["198.51.100.5/30", "2001:db8:2::1/64"]; }
	);
	workers = ( { lcore = $WORKER_LCORE; rx = ["in:0", "pri:0", "loc:0"]; } );
$(cfg_nexthops "")
$(cfg_carrier_bgp)
};
EOF

start_daemon
within 10

# ---- 1: the program on the port's interface ----
prog_is xdpri peerfwd_xdp "peerfwd_xdp is attached to xdpri"
jq_is "$(pj ports)" '.ports[] | select(.name == "pri") | .xdp.program | test("peerfwd_xdp.o$")' \
	true "peerctl ports shows the port's XDP program"

# ---- 2: the kernel answers for the box's addresses, the worker sees none of it ----
PUNTED0=$(port_field pri .punted)
for a in 198.51.100.1 2001:db8:1::1; do
	if ip netns exec "$RTR1" ping -q -c 3 -i 0.2 -W 1 "$a" >/dev/null 2>&1; then
		ok "RTR1 pings the daemon's $a (ARP or ND, and the echo, in the kernel)"
	else
		fail "RTR1 cannot ping the daemon's $a"
	fi
done
jq_is "$(port_field pri .punted)" . "$PUNTED0" "the worker punted nothing of it"

# ---- 3: BFD and BGP with BIRD, through the kernel on xdpri ----
bfd_bgp_up "through the kernel on xdpri"

# ---- 4: traffic out of the af_xdp port, and transit into it ----
reaches "pings from the sender reach RTR1 through the af_xdp port" 4 "$RTR1" "$RTR2"
# RTR1 sends 50 to a registered address the daemon routes back to it (0/0
# through pri-rtr): they are transit, for the worker.
ip -n "$RTR1" route replace 203.0.113.7/32 via 198.51.100.1
K0=$(port_field pri .xdp.to_workers)
RX0=$(port_field pri .rx_packets)
TX0=$(port_field pri .tx_packets)
ip netns exec "$RTR1" ping -q -c 50 -i 0.01 -W 0.1 203.0.113.7 >/dev/null 2>&1
sleep 0.3
K1=$(port_field pri .xdp.to_workers)
RX1=$(port_field pri .rx_packets)
TX1=$(port_field pri .tx_packets)
echo "     transit from RTR1: xdp to_workers +$((K1 - K0)), port rx +$((RX1 - RX0)), tx +$((TX1 - TX0))"
if ((K1 - K0 >= 50 && RX1 - RX0 >= 50 && TX1 - TX0 >= 50)); then
	ok "RTR1's transit went through the program to the worker and was forwarded"
else
	fail "RTR1's 50 transit packets: to_workers +$((K1 - K0)), rx +$((RX1 - RX0)), tx +$((TX1 - TX0))"
fi
X=$(pj ports | jq -c ".ports[] | select(.name == \"pri\") | .xdp")
jq_is "$X" '"\(.to_kernel > 0) \(.no_socket)"' "true 0" "the program's counters: $X"
MX=$(pc metrics | sed -n 's/^peerfwd_xdp_frames_total{port="pri",verdict="to_workers"} //p')
if [[ -n $MX ]] && ((MX >= K1)); then ok "metrics: peerfwd_xdp_frames_total, $MX to the workers"; else
	fail "metrics: no peerfwd_xdp_frames_total to_workers sample for pri ('$MX')"
fi

# ---- 5: a link added at run time gets the program, and its address answers ----
ip link add xdext netns "$DUT" type veth peer name xdextr netns "$SNS" || exit 1
dx ip link set xdext up
dx ip addr add 100.64.0.1/30 dev xdext
ip -n "$SNS" link set xdextr up
ip -n "$SNS" addr add 100.64.0.2/30 dev xdextr
jq_is "$(pj link add ext device=net_af_xdp5,iface=xdext tier=local addresses=100.64.0.1/30)" \
	.ok true "link add of an af_xdp port answers ok"
prog_is xdext peerfwd_xdp "link add: peerfwd_xdp is attached to xdext"
# the kernel answers only if the program knows 100.64.0.1 is the box's
if ip netns exec "$SNS" ping -q -c 3 -i 0.2 -W 1 100.64.0.1 >/dev/null 2>&1; then
	ok "link add: the new port's address answers (in the program's pf_local)"
else
	fail "link add: 100.64.0.1 does not answer through xdext"
fi
jq_is "$(pj link remove ext)" .ok true "link remove of the af_xdp port answers ok"
prog_is xdext "" "link remove: no XDP program left on xdext"

# ---- 6: a daemon that dies leaves its program; the next one starts all the same ----
kill -9 "$PID"
wait "$PID" 2>/dev/null
PID=
prog_is xdpri peerfwd_xdp "killed: the dead daemon's program stays on xdpri"
if ip netns exec "$RTR1" ping -q -c 2 -i 0.2 -W 1 198.51.100.1 >/dev/null 2>&1; then
	ok "killed: with no socket bound, the program still passes the kernel its traffic"
else
	fail "killed: the daemon's address does not answer with the program left alone"
fi
start_daemon
has "$(cat "$TMP/daemon.log")" "took the XDP program a previous run left off xdpri" \
	"restarted: the daemon takes the stale program off"
if ip netns exec "$RTR1" ping -q -c 3 -i 0.2 -W 1 198.51.100.1 >/dev/null 2>&1; then
	ok "restarted: the daemon's address answers through its new program"
else
	fail "restarted: 198.51.100.1 does not answer"
fi

stop_daemon
prog_is xdpri "" "after the daemon stopped: no XDP program left on xdpri"
finish "BIRD's log" "$BIRD_LOG"
