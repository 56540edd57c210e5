#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The exception path (control/daemon/exception.c), as a PCI port uses it: the
# daemon's port "pri" has exception = true, so the kernel's ARP, ND, BGP and
# BFD for it run on a TAP (pf-pri) that the daemon feeds with what its worker
# punts and drains onto the port. No kernel may see the port's frames
# otherwise, as with a PCI NIC bound to vfio-pci. Here the port is an
# af_packet vdev, whose veth (expri) the DUT kernel also reads; that veth
# has no addresses, no IPv6, and rp_filter and arp_ignore on, so the kernel
# drops and ignores everything on it, which the test checks too.
#
# The topology is routers.sh's (interfaces ex*): the sender, the daemon,
# RTR1 on port "pri" (BIRD: BGP and BFD to the daemon) and RTR2 on port "loc".
# Checked through the TAP: the TAP's addresses; RTR1 pinging the daemon's
# IPv4 and IPv6 addresses (ARP, ND); RTR1's MAC learned from the TAP's
# neighbour table; BFD and BGP with BIRD, BIRD's route in the FIB; traffic
# forwarded to RTR1 with the learned MAC; the counters; the TAP gone after
# the daemon stops.
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
test_files exception
routers_names ex
BIRD_CONF=$TMP/bird1.conf
BIRD_SOCK=$TMP/bird1.ctl
BIRD_PID=$TMP/bird1.pid
BIRD_LOG=$TMP/bird1.log
TAP=pf-pri
PID=
FAILED=0
PASSED=0

dx() { ip netns exec "$DUT" "$@"; }

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	kill_daemon
	[[ -f $BIRD_PID ]] && kill -9 "$(cat "$BIRD_PID")" 2>/dev/null
	routers_del
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX_EAL"
}
trap cleanup EXIT
need_netns_build jq bird birdc python3

routers_up ex
R1_MAC=$(ip netns exec "$RTR1" cat /sys/class/net/exr1/address)
# A veth hands TCP and UDP on with their checksums left to offload, and the
# af_packet port reads them so; on a wire they are complete. RTR1 computes
# its own, so that what the worker punts into the TAP is what a NIC gets.
ip netns exec "$RTR1" ethtool -K exr1 tx off >/dev/null || exit 1
R2_MAC=$(ip netns exec "$RTR2" cat /sys/class/net/exr2/address)
# The DUT kernel's side of the pri link knows nothing: no addresses, no
# IPv6; what reaches it there from RTR1 fails the reverse path check (RTR1's
# subnet is on the TAP), and it answers no ARP for the TAP's addresses.
ip -n "$DUT" addr flush dev expri
dx sysctl -qw net.ipv6.conf.expri.disable_ipv6=1 net.ipv4.conf.expri.rp_filter=1 \
	net.ipv4.conf.expri.arp_ignore=1
# rp_filter_drops: the DUT kernel's reverse path drops so far
# shellcheck disable=SC2016 # awk's own fields
rp_filter_drops() {
	dx awk '$1 == "TcpExt:" { if (!h) { for (i = 2; i <= NF; i++) k[i] = $i; h = 1 }
		else for (i = 2; i <= NF; i++) if (k[i] == "IPReversePathFilter") print $i }' \
		/proc/net/netstat
}

bird_rtr1 "" >"$BIRD_CONF"
bird -p -c "$BIRD_CONF" || exit 1
ip netns exec "$RTR1" bird -c "$BIRD_CONF" -s "$BIRD_SOCK" -P "$BIRD_PID" || exit 1

# Port "pri": af_packet with two queue pairs (its packet sockets fan frames
# out over both, so the worker polls both; the control thread sends on the
# tx queue after the worker's).
cat >"$CFG" <<EOF
peerfwd: {
$(cfg_head)
	ports = (
		{ name = "in";  device = "net_af_packet0,iface=exin"; tier = "none";
		  addresses = ["192.0.2.1/24", "2001:db8:ff::1/64"]; },
		{ name = "pri"; device = "net_af_packet1,iface=expri,qpairs=2"; tier = "primary";
		  rx_queues = 2; exception = true;
		  addresses = ["198.51.100.1/30", "2001:db8:1::1/64"]; },
		{ name = "loc"; device = "net_af_packet2,iface=exloc"; tier = "local";
		  addresses = ["198.51.100.5/30", "2001:db8:2::1/64"]; }
	);
	workers = ( { lcore = $WORKER_LCORE; rx = ["in:0", "pri:0", "pri:1", "loc:0"]; } );
$(cfg_nexthops "")
$(cfg_carrier_bgp)
};
EOF

RP0=$(rp_filter_drops)
start_daemon
within 10

# ---- 1: the TAP ----
if A=$(dx ip -br addr show dev "$TAP" 2>&1); then
	ok "the daemon made $TAP: $A"
	if [[ $A == *" UP "* || $A == *" UNKNOWN "* ]]; then ok "$TAP is up"; else
		fail "$TAP is not up: $A"
	fi
	if [[ $A == *198.51.100.1/30* && $A == *2001:db8:1::1/64* ]]; then
		ok "$TAP carries the port's addresses"
	else
		fail "$TAP lacks the port's addresses: $A"
	fi
	M=$(dx cat "/sys/class/net/$TAP/address")
	jq_is "$(pj ports)" ".ports[] | select(.name == \"pri\") | .mac | ascii_downcase" "$M" \
		"$TAP has the port's MAC"
else
	fail "no interface $TAP in the DUT: $A"
fi

# ---- 2: the DUT's addresses answer RTR1 (ARP, ND, ICMP through the TAP) ----
for a in 198.51.100.1 2001:db8:1::1; do
	if ip netns exec "$RTR1" ping -q -c 3 -i 0.2 -W 1 "$a" >/dev/null 2>&1; then
		ok "RTR1 pings the daemon's $a through the exception path"
	else
		fail "RTR1 cannot ping the daemon's $a"
	fi
done

# ---- 3: the next hop's MAC, from the TAP's neighbour table ----
if wait_lookup 203.0.113.5 "$(member pri-rtr) | \"\(.resolved) \(.mac)\"" "true $R1_MAC"; then
	ok "pri-rtr resolved through $TAP's neighbour table: $R1_MAC"
else
	fail "pri-rtr not resolved to $R1_MAC"
fi

# ---- 4: BFD and BGP with BIRD over the TAP ----
bfd_bgp_up "over $TAP"

# ---- 5: traffic through the daemon to RTR1, with the learned MAC ----
jq_is "$(lookup)" .active.nexthop pri-rtr "pri-rtr is the active member"
reaches "pings from the sender reach RTR1" 4 "$RTR1" "$RTR2"

# ---- 6: what went through the TAP, and what the DUT kernel did on expri ----
X=$(pj ports | jq -c '.ports[] | select(.name == "pri") | .exception')
jq_is "$X" '"\(.iface) \(.to_kernel > 0) \(.from_kernel > 0) \(.dropped)"' "$TAP true true 0" \
	"the exception path's counters: $X"
MX=$(pc metrics | sed -n 's/^peerfwd_exception_frames_total{port="pri",direction="to_kernel"} //p')
if [[ -n $MX ]] && ((MX > 0)); then ok "metrics: peerfwd_exception_frames_total, $MX frames to the kernel"; else
	fail "metrics: no peerfwd_exception_frames_total to_kernel sample for pri ('$MX')"
fi
RP1=$(rp_filter_drops)
if ((RP1 > RP0)); then
	ok "the DUT kernel dropped its own copies on expri ($((RP1 - RP0)) by the reverse path check)"
else
	fail "the DUT kernel dropped nothing on expri by rp_filter: was the test's premise kept?"
fi

# ---- 6b: storms from RTR1 take neither BFD nor BGP down ----
# 200k frames a second for 3 s from other senders than RTR1's address: the
# workers police all but the sessions of the daemon's neighbours
# (punt_rate), so that theirs still get through. First ARP requests, during
# which the DUT resolves RTR1 afresh: RTR1's ARP reply comes from a
# neighbour and is not policed. The punt rate is 10 a second meanwhile, so
# that a reply that were policed would find the rate's few punts taken by
# the storm. Then SYNs to port 179, which BGP from a neighbour is and these
# are not.
DOWN_RE='bfd pri-rtr 198\.51\.100\.2: down'
storm_drops() { # DROP_COUNTER: it and punt_ring_full now
	pj drops | jq -r "\"\\(.drops.$1 // 0) \\(.drops.punt_ring_full // 0)\""
}
storm_held() { # WHAT DROP_COUNTER "$(storm_drops DROP_COUNTER)" FLOOD_OUTPUT
	local d0 f0 d1 f1
	read -r d0 f0 <<<"$3"
	read -r d1 f1 <<<"$(storm_drops "$2")"
	echo "     $1: $4; $2 +$((d1 - d0)), punt_ring_full +$((f1 - f0))"
	if (($(grep -Ec -- "$DOWN_RE" "$TMP/daemon.log") == DOWNS)) &&
		[[ $(lookup | jq -r "$(member pri-rtr) | .bfd") == up ]]; then
		ok "$1: BFD with BIRD stayed up"
	else
		fail "$1: BFD with BIRD went down: $(grep -E -- "$DOWN_RE" "$TMP/daemon.log" | tail -1)"
	fi
	jq_is "$(pj peering list)" '.peerings[] | select(.name == "pri4") | "\(.state) \(.established)"' \
		"Established 1" "$1: the BGP session stayed up (established once)"
	local sent=${4#sent }
	if ((sent > 0 && (d1 - d0) * 10 >= sent * 9)); then
		ok "$1: the workers policed $((d1 - d0)) of its $sent frames ($2)"
	else
		fail "$1: the workers policed $((d1 - d0)) of its $sent frames as $2 (not 90%)"
	fi
	if ((f1 == f0)); then
		ok "$1: the punt ring never overflowed"
	else
		fail "$1: $((f1 - f0)) punts found the punt ring full"
	fi
}
punt_rate() { # RATE [SETTING RATE]...: the config's punt_rate etc. ("": the default), reloaded
	local name=punt_rate
	while (($# > 0)); do
		sed -i "/^\t$name = /d" "$CFG"
		[[ -n $1 ]] && sed -i "s/^peerfwd: {\$/&\n\t$name = $1;/" "$CFG"
		shift
		(($# > 0)) && { name=$1; shift; }
	done
	pj config reload >/dev/null || fail "config reload with the punt rates refused"
}
DOWNS=$(grep -Ec -- "$DOWN_RE" "$TMP/daemon.log")
punt_rate 10
D0=$(storm_drops punt_rate_limited)
ip netns exec "$RTR1" python3 "$SRC/tests/integration/flood.py" arp exr1 198.51.100.1 \
	200000 3 >"$TMP/flood.out" 2>&1 &
FLOOD=$!
sleep 0.5
# BFD's next packet to RTR1 (every 100 ms) has the kernel ask for its MAC
dx ip neigh del 198.51.100.2 dev "$TAP" 2>/dev/null
sleep 1.5
N=$(dx ip neigh show 198.51.100.2 dev "$TAP")
wait "$FLOOD"
sleep 0.5
if [[ $N == *"$R1_MAC"* && $N != *FAILED* && $N != *INCOMPLETE* ]]; then
	ok "ARP storm: the DUT resolved RTR1 afresh during it ($N)"
else
	fail "ARP storm: the DUT could not resolve RTR1 during it ('$N')"
fi
storm_held "ARP storm" punt_rate_limited "$D0" "$(cat "$TMP/flood.out")"

D0=$(storm_drops punt_rate_limited)
ip netns exec "$RTR1" python3 "$SRC/tests/integration/flood.py" syn exr1 198.51.100.1 \
	200000 3 "$M" >"$TMP/flood.out" 2>&1 &
FLOOD=$!
sleep 1
# Meanwhile RTR1 resolves the DUT's address from its link-local address, as
# many routers do: an NS neither from nor about a neighbour's address, but
# from the MAC of a next hop (pri-rtr's, which the DUT resolved above).
R1_LL=$(ip -n "$RTR1" -j -6 addr show dev exr1 | jq -r '[.[0].addr_info[] | select(.scope == "link") | .local][0]')
NA=$(ip netns exec "$RTR1" python3 "$SRC/tests/integration/nd_probe.py" exr1 "$R1_LL" \
	2001:db8:1::1 5)
wait "$FLOOD"
sleep 0.5
if [[ $NA == "NA from ${M,,} "* ]]; then
	ok "SYN flood: RTR1's NS from $R1_LL for the DUT's address answered ($NA)"
else
	fail "SYN flood: RTR1's NS from $R1_LL for the DUT's address: $NA"
fi
storm_held "SYN flood to port 179" punt_rate_limited "$D0" "$(cat "$TMP/flood.out")"

# The same SYNs with RTR1's own address forged as their source, as from
# off the link (TTL 64; the BGP session is not GTSM): BGP from a neighbour,
# which the punt rate does not police, but the neighbours' rate
# (peer_punt_rate, here 1000 a second) does. BFD comes with TTL 255, from
# on the link only, and takes no rate. The storm is a pcap that
# dpdk-testpmd replays for 3 s on the control thread's CPU (not the
# worker's), 300k-500k frames a second here. With no peer_punt_rate, 45k,
# 72k and 79k of its punts found the ring full in three runs: any BFD, ARP
# or ND of the neighbours' in the way would have been lost too.
replay() { # PCAP SECONDS: replay PCAP out of RTR1's exr1; prints "sent N"
	(sleep "$2"; echo) | ip netns exec "$RTR1" dpdk-testpmd \
		--lcores="0@$MAIN_LCORE,1@$MAIN_LCORE" --no-huge -m 512 --no-pci \
		--file-prefix="pfx-flood-$$" --vdev "net_pcap0,rx_pcap=$1,infinite_rx=1" \
		--vdev net_af_packet1,iface=exr1 -- --total-num-mbufs=16384 --forward-mode=io \
		--auto-start >"$TMP/testpmd.out" 2>&1
	echo "sent $(sed -n '/Forward statistics for port 1/,/TX-packets/s/.*TX-packets: *\([0-9]*\).*/\1/p' \
		"$TMP/testpmd.out" | tail -1)"
}
python3 "$SRC/tests/integration/flood.py" syn-pcap "$TMP/syn.pcap" 198.51.100.1 10000 "$M" 198.51.100.2
punt_rate "" peer_punt_rate 1000
D0=$(storm_drops peer_punt_rate_limited)
F=$(replay "$TMP/syn.pcap" 3)
sleep 0.5
storm_held "SYN flood forging RTR1's address" peer_punt_rate_limited "$D0" "$F"
punt_rate "" peer_punt_rate ""

# ---- 6c: the TAP follows the port's carrier ----
tap_state() { dx ip -br link show dev "$TAP" 2>/dev/null | awk '{print $2}'; }
wait_tap() {
	local got
	for _ in $(seq 50); do
		got=$(tap_state)
		[[ $got == "$1" ]] && return 0
		sleep 0.1
	done
	echo "     $TAP is '$got', waited for '$1'" >&2
	return 1
}
ip -n "$RTR1" link set exr1 down
if wait_tap DOWN; then ok "carrier lost on pri: $TAP goes down"; else fail "carrier lost: $TAP not down"; fi
jq_is "$(pj ports)" '.ports[] | select(.name == "pri") | .link' down "carrier lost: the link is down"
ip -n "$RTR1" link set exr1 up
router_addrs 1 2>/dev/null # IPv6 ones went with the down
if wait_tap UNKNOWN || [[ $(tap_state) == UP ]]; then ok "carrier back: $TAP up again"; else
	fail "carrier back: $TAP not up"
fi
A=$(dx ip -br addr show dev "$TAP" 2>&1)
if [[ $A == *198.51.100.1/30* && $A == *2001:db8:1::1/64* ]]; then
	ok "carrier back: $TAP has the port's addresses again"
else
	fail "carrier back: $TAP lacks the port's addresses: $A"
fi
within 15
if wait_lookup 198.18.7.1 .matched 198.18.7.0/24; then
	ok "carrier back: BGP with BIRD again, its route in the FIB"
else
	fail "carrier back: BIRD's route not back in the FIB within 15 s"
fi

# ---- 7: stop: the TAP goes with the daemon ----
stop_daemon
if dx ip link show "$TAP" >/dev/null 2>&1; then
	fail "$TAP still exists after the daemon stopped"
else
	ok "$TAP is gone with the daemon"
fi

# ---- 8: on a VLAN port the TAP is the VLAN's interface ----
# This kernel has no VLAN interfaces (no 8021q), so RTR1 on VLAN 101 is a raw
# socket (vlan_peer.py): an untagged ARP request (the daemon must drop it),
# then a tagged one and a tagged echo request, whose answers must be tagged.
[[ -f $BIRD_PID ]] && kill -9 "$(cat "$BIRD_PID")" 2>/dev/null
rm -f "$BIRD_PID"
sed -i 's/rx_queues = 2; exception = true;/rx_queues = 2; exception = true; vlan = 101;/' "$CFG"
start_daemon
OUT=$(ip netns exec "$RTR1" python3 "$SRC/tests/integration/vlan_peer.py" exr1 198.51.100.1 \
	198.51.100.2 101 2>&1)
echo "     RTR1 on VLAN 101 (raw socket): $(echo "$OUT" | tr '\n' ' ')"
if [[ $OUT == *"untagged-arp unanswered"* ]]; then
	ok "VLAN port: an untagged ARP request gets no answer"
else
	fail "VLAN port: an untagged ARP request was answered"
fi
if [[ $OUT == *"tagged-arp vlan=101 mac="* ]]; then
	ok "VLAN port: the TAP answers ARP on VLAN 101"
else
	fail "VLAN port: no ARP answer on VLAN 101"
fi
if [[ $OUT == *"echo-reply vlan=101"* ]]; then
	ok "VLAN port: the TAP answers an echo request on VLAN 101"
else
	fail "VLAN port: no echo reply on VLAN 101"
fi
X=$(pj ports | jq -c '.ports[] | select(.name == "pri") | .exception')
jq_is "$X" '"\(.to_kernel >= 2) \(.from_kernel >= 2) \(.dropped >= 1)"' "true true true" \
	"VLAN port: tagged frames both ways, the untagged one dropped: $X"
stop_daemon

# ---- 9: link remove takes the TAP with the port ----
cat >"$CFG" <<EOF
peerfwd: {
$(cfg_head)
	ports = (
		{ name = "in";  device = "net_af_packet0,iface=exin"; tier = "none";
		  addresses = ["192.0.2.1/24"]; },
		{ name = "pri"; device = "net_af_packet1,iface=expri,qpairs=2"; tier = "primary";
		  rx_queues = 2; exception = true; addresses = ["198.51.100.1/30"]; }
	);
	workers = ( { lcore = $WORKER_LCORE; rx = ["in:0", "pri:0", "pri:1"]; } );
	unregistered = "drop";
};
EOF
start_daemon
jq_is "$(pj link remove pri)" .ok true "link remove of the exception port answers ok"
if dx ip link show "$TAP" >/dev/null 2>&1; then fail "$TAP still exists after link remove"; else
	ok "$TAP is gone with the removed port"
fi
jq_is "$(pj ports)" '.ports | map(.name) | join(",")' in "the daemon runs on without it"

# ---- 10: link add with an exception path, kept across a restart ----
A=$(pj link add new device=net_af_packet2,iface=exloc,qpairs=2 tier=local \
	addresses=198.51.100.13/30 exception=yes exception_iface=pf-new)
jq_is "$A" .ok true "link add with exception=yes answers ok"
new_tap() {
	local a
	a=$(dx ip -br addr show dev pf-new 2>&1)
	if [[ $a == *198.51.100.13/30* ]]; then ok "$1: TAP pf-new carries 198.51.100.13/30"; else
		fail "$1: no TAP pf-new with 198.51.100.13/30: $a"
	fi
}
new_tap "link add"
jq_is "$(pj ports)" '.ports[] | select(.name == "new") | .exception.iface' pf-new \
	"peerctl ports shows the new port's exception path"
jq_is "$(cat "$TMP/state/links.json")" '.links[] | select(.name == "new") |
	"\(.exception) \(.exception_iface)"' "true pf-new" "links.json keeps it"
stop_daemon
start_daemon
new_tap "after a restart (links.json)"
stop_daemon
finish "BIRD's log" "$BIRD_LOG"
