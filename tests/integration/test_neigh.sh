#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Next hops without a mac, resolved from the kernel's neighbour table of their
# port's interface: a daemon with af_packet ports on veths in namespaces of its
# own (nb*-PID), real routers (kernels) behind them.
#
#   src ns:  nbsrc ----- nbin  (dut ns, port "in",  192.0.2.1/24, 2001:db8:ff::1/64)
#   rtr1 ns: nbr1 ------ nbpri (dut ns, port "pri", 198.51.100.1/30, 2001:db8:1::1/64)
#   rtr2 ns: nbr2 ------ nbloc (dut ns, port "loc", 198.51.100.5/30, 2001:db8:2::1/64)
#
# The DUT side veths carry the ports' addresses too: the DUT kernel resolves
# the routers through them. Both routers hold 203.0.113.5 and 2001:db8:c000::5
# on lo; a router's own ICMP counters (InEchos) tell which one the pings
# reached. The kernel counts only frames sent to its own MAC, so a count is
# also proof that the daemon used the right MAC.
#
#   PEERFWD_BUILDDIR  build directory with peerfwd and tools/peerctl/peerctl
#   TEST_LCORES       "MAIN WORKER" lcores for the daemon (default "0 1")
#
# Root only. Exit 0 when every check passed, 1 otherwise.
set -u -o pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
find_build "$SRC"
read -r MAIN_LCORE WORKER_LCORE <<<"${TEST_LCORES:-0 1}"
TMP=$(mktemp -d /tmp/test_neigh.XXXXXX)
CFG=$TMP/peerfwd.cfg
SOCK=$TMP/ctl.sock
PREFIX_EAL=pf-neigh-$$
DUT=nb-dut-$$
SNS=nb-src-$$
RTR1=nb-rtr1-$$
RTR2=nb-rtr2-$$
R1_MAC=02:00:00:00:01:02
R1_NEW_MAC=02:00:00:00:01:03
R2_MAC=02:00:00:00:02:02
PID=
FAILED=0
PASSED=0

pc() { "$PEERCTL" -s "$SOCK" -t 10000 "$@"; }
pj() { "$PEERCTL" -s "$SOCK" -t 10000 --json "$@"; }
dx() { ip netns exec "$DUT" "$@"; }
sx() { ip netns exec "$SNS" "$@"; }

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
		kill "$PID"
		for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$PID" 2>/dev/null && kill -9 "$PID"
	fi
	for ns in "$DUT" "$SNS" "$RTR1" "$RTR2"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX_EAL"
}
trap cleanup EXIT

if [[ $(id -u) != 0 ]]; then
	echo "root only (network namespaces)" >&2
	exit 1
fi
if [[ ! -x $PEERFWD || ! -x $PEERCTL ]]; then
	echo "peerfwd or peerctl not built (set PEERFWD_BUILDDIR)" >&2
	exit 1
fi
command -v jq >/dev/null || {
	echo "jq is needed" >&2
	exit 1
}

# ---- namespaces ----
# IPv6 on, no DAD (addresses usable at once), no router advertisements; no
# reverse path filter (the routers have no route back to the sender: the
# echo requests are what counts, the replies go nowhere). The DUT kernel
# forwards nothing: the daemon is the only forwarder.
for ns in "$DUT" "$SNS" "$RTR1" "$RTR2"; do
	ip netns add "$ns" || exit 1
	for c in all default; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.$c.disable_ipv6=0 \
			net.ipv6.conf.$c.accept_dad=0 net.ipv6.conf.$c.accept_ra=0 \
			net.ipv6.conf.$c.forwarding=0 net.ipv4.conf.$c.rp_filter=0
	done
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0
	ip netns exec "$ns" ip link set lo up
done
for pair in "nbin $SNS nbsrc" "nbpri $RTR1 nbr1" "nbloc $RTR2 nbr2"; do
	read -r d ns h <<<"$pair"
	ip link add "$d" netns "$DUT" type veth peer name "$h" netns "$ns" || exit 1
	ip netns exec "$ns" sysctl -qw net.ipv4.conf."$h".rp_filter=0
	dx ip link set "$d" up
	ip netns exec "$ns" ip link set "$h" up
done
ip -n "$RTR1" link set dev nbr1 address "$R1_MAC"
ip -n "$RTR2" link set dev nbr2 address "$R2_MAC"
dx ip addr add 192.0.2.1/24 dev nbin
dx ip addr add 2001:db8:ff::1/64 dev nbin nodad
dx ip addr add 198.51.100.1/30 dev nbpri
dx ip addr add 2001:db8:1::1/64 dev nbpri nodad
dx ip addr add 198.51.100.5/30 dev nbloc
dx ip addr add 2001:db8:2::1/64 dev nbloc nodad
sx ip addr add 192.0.2.2/24 dev nbsrc
sx ip addr add 2001:db8:ff::2/64 dev nbsrc nodad
# rtr1_addrs: RTR1's link addresses (taken away and given back below)
rtr1_addrs() {
	ip -n "$RTR1" addr add 198.51.100.2/30 dev nbr1
	ip -n "$RTR1" addr add 2001:db8:1::2/64 dev nbr1 nodad
}
rtr1_addrs
ip -n "$RTR2" addr add 198.51.100.6/30 dev nbr2
ip -n "$RTR2" addr add 2001:db8:2::2/64 dev nbr2 nodad
for ns in "$RTR1" "$RTR2"; do
	ip -n "$ns" addr add 203.0.113.5/32 dev lo
	ip -n "$ns" addr add 2001:db8:c000::5/128 dev lo nodad
done

cat >"$CFG" <<EOF
peerfwd: {
	ctl_socket = "$SOCK";
	state_dir = "$TMP/state";
	main_lcore = $MAIN_LCORE;
	eal_args = ["--no-huge", "-m", "512", "--no-pci", "--no-telemetry",
		    "--file-prefix", "$PREFIX_EAL"];
	fib = { max_routes4 = 4096; tbl8_groups4 = 256; max_routes6 = 4096; groups6 = 4096; };
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

# The sender reaches the registered prefixes through the daemon's "in" port.
IN_MAC=$(dx cat /sys/class/net/nbin/address)
sx ip neigh replace 192.0.2.1 lladdr "$IN_MAC" dev nbsrc nud permanent
sx ip -6 neigh replace 2001:db8:ff::1 lladdr "$IN_MAC" dev nbsrc nud permanent
sx ip route replace 203.0.113.0/24 via 192.0.2.1 dev nbsrc
sx ip -6 route replace 2001:db8:c000::/48 via 2001:db8:ff::1 dev nbsrc

# shellcheck disable=SC2016 # awk's own fields
# echos NS FAMILY: echo requests the namespace's kernel took in (4 or 6)
echos() {
	if [[ $2 == 6 ]]; then
		ip netns exec "$1" awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6
	else
		ip netns exec "$1" awk '$1 == "Icmp:" {
			if (!h) { for (i = 2; i <= NF; i++) k[i] = $i; h = 1 }
			else for (i = 2; i <= NF; i++) if (k[i] == "InEchos") print $i }' /proc/net/snmp
	fi
}
dest() { if [[ $1 == 6 ]]; then echo 2001:db8:c000::5; else echo 203.0.113.5; fi; }
rtr_name() { if [[ $1 == "$RTR1" ]]; then echo RTR1; else echo RTR2; fi; }
# reaches DESCRIPTION FAMILY TO OTHER: N pings from the sender, at least N
# echo requests reach router namespace TO and none reach OTHER
reaches() {
	local n=30 to0 other0 to1 other1
	to0=$(echos "$3" "$2")
	other0=$(echos "$4" "$2")
	sx ping -"$2" -q -c $n -i 0.01 -W 0.2 "$(dest "$2")" >/dev/null 2>&1
	sleep 0.3
	to1=$(echos "$3" "$2")
	other1=$(echos "$4" "$2")
	if ((to1 - to0 >= n && other1 == other0)); then
		ok "$1 ($((to1 - to0)) echo requests at $(rtr_name "$3"))"
	else
		fail "$1: $((to1 - to0)) of $n echo requests at $(rtr_name "$3"), $((other1 - other0)) at $(rtr_name "$4")"
	fi
}

lookup() { pj route lookup "$1"; }
member() { echo ".members[] | select(.nexthop == \"$1\")"; }
# within SECONDS: the deadline the waits after it share (the next hops of a
# step resolve in parallel; a failing step costs SECONDS, not SECONDS a wait)
DEADLINE=0
now_us() { echo "${EPOCHREALTIME/./}"; }
within() { DEADLINE=$(($(now_us) + $1 * 1000000)); }
# wait_lookup ADDR FILTER EXPECTED: until FILTER on the route lookup of ADDR
# gives EXPECTED or the deadline passes; 0 if it did. When it does not, what
# the DUT kernel's neighbour table and the lookup showed goes to stderr.
wait_lookup() {
	local got
	while :; do
		got=$(lookup "$1" | jq -r "$2" 2>/dev/null)
		[[ $got == "$3" ]] && return 0
		(($(now_us) >= DEADLINE)) && break
		sleep 0.1
	done
	{
		echo "     waited for $2 == '$3' on route lookup $1, got '$got'"
		echo "     ip neigh in the DUT namespace:"
		dx ip neigh show | sed 's/^/       /'
		echo "     route lookup $1:"
		lookup "$1" | sed 's/^/       /'
	} >&2
	return 1
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
rtr1_addrs
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

echo "$PASSED passed, $FAILED failed"
if ((FAILED > 0)); then
	echo "daemon log:" >&2
	sed 's/^/     /' "$TMP/daemon.log" >&2
	exit 1
fi
exit 0
