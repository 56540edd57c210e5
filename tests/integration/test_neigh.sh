#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Next hops without a mac, resolved from the kernel's neighbour table of their
# port's interface: a daemon with af_packet ports on veths in namespaces of its
# own (nb*-PID), real routers (kernels) behind them.
#
# The topology (routers.sh, interfaces nb*): the sender, the daemon, RTR1 on
# port "pri" and RTR2 on port "loc"; pings are counted at the routers' own
# ICMP counters, which count only frames sent to their MAC.
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
test_files neigh
routers_names nb
R1_MAC=02:00:00:00:01:02
R1_NEW_MAC=02:00:00:00:01:03
R2_MAC=02:00:00:00:02:02
PID=
FAILED=0
PASSED=0

dx() { ip netns exec "$DUT" "$@"; }

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	kill_daemon
	routers_del
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX_EAL"
}
trap cleanup EXIT
need_netns_build jq

routers_up nb
ip -n "$RTR1" link set dev nbr1 address "$R1_MAC"
ip -n "$RTR2" link set dev nbr2 address "$R2_MAC"

cat >"$CFG" <<EOF
peerfwd: {
$(cfg_head)
	ports = (
		{ name = "in";  device = "net_af_packet0,iface=nbin"; tier = "none";
		  addresses = ["192.0.2.1/24", "2001:db8:ff::1/64"]; },
		{ name = "pri"; device = "net_af_packet1,iface=nbpri"; tier = "primary";
		  addresses = ["198.51.100.1/30", "2001:db8:1::1/64"]; },
		{ name = "loc"; device = "net_af_packet2,iface=nbloc"; tier = "local";
		  addresses = ["198.51.100.5/30", "2001:db8:2::1/64"]; }
	);
	workers = ( { lcore = $WORKER_LCORE; rx = ["in:0", "pri:0", "loc:0"]; } );
	nexthops = (
		{ name = "pri-rtr";  port = "pri"; address = "198.51.100.2"; },
		{ name = "pri-rtr6"; port = "pri"; address = "2001:db8:1::2"; },
		{ name = "loc-rtr";  port = "loc"; address = "198.51.100.6"; },
		{ name = "loc-rtr6"; port = "loc"; address = "2001:db8:2::2"; },
		{ name = "pri-alias"; port = "pri"; address = "198.51.100.2"; }
	);
	pathgroups = (
		{ name = "carrier4"; members = ["pri-rtr", "loc-rtr"]; },
		{ name = "carrier6"; members = ["pri-rtr6", "loc-rtr6"]; }
	);
	routes = (
		{ prefix = "0.0.0.0/0"; pathgroup = "carrier4"; },
		{ prefix = "::/0";      pathgroup = "carrier6"; }
	);
	registered = (
		{ prefix = "203.0.113.0/24";     customer = "acme"; },
		{ prefix = "2001:db8:c000::/48"; customer = "acme"; }
	);
	unregistered = "drop";
};
EOF

# start_daemon, stop_daemon: checks.sh
start_daemon

# wait_diag: for wait_lookup, the DUT kernel's neighbour table
wait_diag() {
	echo "     ip neigh in the DUT namespace:"
	dx ip neigh show | sed 's/^/       /'
}
# logged NEXTHOP MAC DESCRIPTION: a daemon log line names the next hop and MAC
logged() {
	if grep -w -- "$1" "$TMP/daemon.log" | grep -qi -- "$2"; then ok "$3"; else
		fail "$3: no log line names $1 and $2"
	fi
}
# resolved_to ADDR NEXTHOP MAC WHAT: waits until NEXTHOP is the active member
# of ADDR's path group with MAC, then checks the fields
resolved_to() {
	local l m
	wait_lookup "$1" '"\(.active.nexthop) \(.active.resolved) \(.active.mac)"' "$2 true $3"
	l=$(lookup "$1")
	m=$(member "$2")
	jq_is "$l" .active.nexthop "$2" "$4: $2 is the active member for $1"
	jq_is "$l" "$m | .resolved" true "$4: $2 is resolved"
	jq_is "$l" "$m | .mac" "$3" "$4: $2's mac is $3"
	jq_is "$l" .action forward "$4: $1 is forwarded"
}

# ---- 1: resolution at start ----
within 5
resolved_to 203.0.113.5 pri-rtr "$R1_MAC" "at start"
resolved_to 2001:db8:c000::5 pri-rtr6 "$R1_MAC" "at start"
wait_lookup 203.0.113.5 "$(member loc-rtr) | \"\(.resolved) \(.mac)\"" "true $R2_MAC"
jq_is "$(lookup 203.0.113.5)" "$(member loc-rtr) | .mac" "$R2_MAC" "at start: loc-rtr resolved too"
wait_lookup 2001:db8:c000::5 "$(member loc-rtr6) | \"\(.resolved) \(.mac)\"" "true $R2_MAC"
jq_is "$(lookup 2001:db8:c000::5)" "$(member loc-rtr6) | .mac" "$R2_MAC" "at start: loc-rtr6 resolved too"
# usable NEXTHOP: its peerfwd_nexthop_usable gauge (a next hop in no group)
usable() { pc metrics | sed -n "s/^peerfwd_nexthop_usable{nexthop=\"$1\",.*} //p"; }
# pri-alias names the same router as pri-rtr: one neighbour entry serves both
for _ in $(seq 20); do [[ $(usable pri-alias) == 1 ]] && break; sleep 0.1; done
jq_is "$(usable pri-alias)" . 1 "at start: pri-alias, a second name for RTR1, is usable too"
logged pri-rtr "$R1_MAC" "pri-rtr's resolution is logged"
logged pri-rtr6 "$R1_MAC" "pri-rtr6's resolution is logged"

# ---- 2: traffic to the resolved MAC ----
reaches "IPv4 pings reach RTR1" 4 "$RTR1" "$RTR2"
reaches "IPv6 pings reach RTR1" 6 "$RTR1" "$RTR2"

# ---- 3: RTR1 goes away: its entries fail, traffic moves to RTR2 ----
# A deleted entry keeps its MAC while the kernel probes again (about 3 s
# before it gives up): the flush alone moves no traffic. The kernel announces
# a deletion as FAILED (with the deleter's port id), then deleted: that
# FAILED is no failed probe. The daemon asks for the entries again as soon as
# they are gone, so the flush never sees an empty table ("Flush not complete"
# after 10 rounds, on stdout).
ip -n "$RTR1" addr flush dev nbr1
dx ip neigh flush dev nbpri >/dev/null 2>&1
sleep 0.5
for a in "203.0.113.5 pri-rtr" "2001:db8:c000::5 pri-rtr6"; do
	read -r addr nh <<<"$a"
	jq_is "$(lookup "$addr")" "$(member "$nh") | \"\\(.resolved) \\(.mac)\"" "true $R1_MAC" \
		"entry flushed: $nh keeps its MAC while the kernel probes again"
done
within 8
for a in "203.0.113.5 pri-rtr loc-rtr" "2001:db8:c000::5 pri-rtr6 loc-rtr6"; do
	read -r addr nh alt <<<"$a"
	wait_lookup "$addr" "$(member "$nh") | .resolved" false
	l=$(lookup "$addr")
	jq_is "$l" "$(member "$nh") | .resolved" false "RTR1 gone: $nh is unresolved"
	jq_is "$l" "$(member "$nh") | .mac" "" "RTR1 gone: $nh has no mac"
	jq_is "$l" .active.nexthop "$alt" "RTR1 gone: $alt is the active member for $addr"
	jq_is "$l" .action forward "RTR1 gone: $addr is still forwarded"
done
if kill -0 "$PID" 2>/dev/null; then ok "daemon still running after the failure"; else fail "daemon died"; fi
reaches "RTR1 gone: IPv4 pings reach RTR2" 4 "$RTR2" "$RTR1"
reaches "RTR1 gone: IPv6 pings reach RTR2" 6 "$RTR2" "$RTR1"
jq_is "$(usable pri-alias)" . 0 "RTR1 gone: pri-alias is not usable either"
H=$(pj failover history limit=8 | jq -c '[.events[] | select(.nexthop == "pri-rtr")][0]')
jq_is "$H" '[.port, .state, .reason] | join(",")' "pri,down,neighbour unresolved" \
	"failover history: pri-rtr down, its neighbour unresolved"

# ---- 4: RTR1 comes back: resolved again, traffic back on it ----
router_addrs 1
within 8
resolved_to 203.0.113.5 pri-rtr "$R1_MAC" "RTR1 back"
resolved_to 2001:db8:c000::5 pri-rtr6 "$R1_MAC" "RTR1 back"
H=$(pj failover history limit=8 | jq -c '[.events[] | select(.nexthop == "pri-rtr")][0]')
jq_is "$H" '[.port, .state, .reason] | join(",")' "pri,up,neighbour ARP" \
	"failover history: pri-rtr up again, its neighbour resolved"
reaches "RTR1 back: IPv4 pings reach RTR1" 4 "$RTR1" "$RTR2"
reaches "RTR1 back: IPv6 pings reach RTR1" 6 "$RTR1" "$RTR2"

# ---- 5: RTR1 gets a new MAC: the next resolution picks it up ----
ip -n "$RTR1" link set dev nbr1 address "$R1_NEW_MAC"
dx ip neigh flush dev nbpri >/dev/null 2>&1
within 8
resolved_to 203.0.113.5 pri-rtr "$R1_NEW_MAC" "new MAC"
resolved_to 2001:db8:c000::5 pri-rtr6 "$R1_NEW_MAC" "new MAC"
logged pri-rtr "$R1_NEW_MAC" "pri-rtr's new MAC is logged"
reaches "new MAC: IPv4 pings reach RTR1" 4 "$RTR1" "$RTR2"
reaches "new MAC: IPv6 pings reach RTR1" 6 "$RTR1" "$RTR2"

# ---- 6: still running, clean exit ----
if kill -0 "$PID" 2>/dev/null; then ok "daemon still running"; else fail "daemon died"; fi
stop_daemon

finish
