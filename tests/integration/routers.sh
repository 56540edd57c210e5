# shellcheck shell=bash
# A daemon between a sender and two routers, in network namespaces of the
# test's own (source it after checks.sh). The caller names the namespaces
# DUT, SNS, RTR1 and RTR2 (routers_names does); routers_up PFX builds, with
# interface names starting with PFX:
#
#   SNS:  PFXsrc ----- PFXin  (DUT, port "in",  192.0.2.1/24,    2001:db8:ff::1/64)
#   RTR1: PFXr1  ----- PFXpri (DUT, port "pri", 198.51.100.1/30, 2001:db8:1::1/64)
#   RTR2: PFXr2  ----- PFXloc (DUT, port "loc", 198.51.100.5/30, 2001:db8:2::1/64)
#
# The DUT side veths carry the ports' addresses (the DUT kernel runs ARP, ND
# and BFD there). Both routers hold 203.0.113.5 and 2001:db8:c000::5 on lo;
# a router's own ICMP counters tell which one pings reached. The kernel
# counts only frames sent to its own MAC, so a count is also proof that the
# daemon used the right MAC. The sender reaches 203.0.113.0/24 and
# 2001:db8:c000::/48 through the daemon's "in" port.

# routers_names PFX: DUT, SNS, RTR1 and RTR2, named after PFX and the shell's
# pid (set them before the EXIT trap that deletes them)
routers_names() {
	DUT=$1-dut-$$
	SNS=$1-src-$$
	RTR1=$1-rtr1-$$
	RTR2=$1-rtr2-$$
}

# router_addrs N: router N's (1 or 2) link addresses (tests take them away
# and give them back)
router_addrs() {
	local ns=$RTR1
	[[ $1 == 2 ]] && ns=$RTR2
	ip -n "$ns" addr add "198.51.100.$((4 * $1 - 2))/30" dev "${ROUTERS_PFX}r$1"
	ip -n "$ns" addr add "2001:db8:$1::2/64" dev "${ROUTERS_PFX}r$1" nodad
}

# routers_up PFX: the namespaces, links and addresses above. IPv6 on, no DAD
# (addresses usable at once), no router advertisements; no reverse path
# filter (the routers have no route back to the sender: the echo requests
# are what counts, the replies go nowhere). No kernel forwards: the daemon
# is the only forwarder.
routers_up() {
	local ns c d h pair in_mac
	ROUTERS_PFX=$1
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
	for pair in "in $SNS src" "pri $RTR1 r1" "loc $RTR2 r2"; do
		read -r d ns h <<<"$pair"
		d=$1$d h=$1$h
		ip link add "$d" netns "$DUT" type veth peer name "$h" netns "$ns" || exit 1
		ip netns exec "$ns" sysctl -qw net.ipv4.conf."$h".rp_filter=0
		ip netns exec "$DUT" ip link set "$d" up
		ip netns exec "$ns" ip link set "$h" up
	done
	ip -n "$DUT" addr add 192.0.2.1/24 dev "${1}in"
	ip -n "$DUT" addr add 2001:db8:ff::1/64 dev "${1}in" nodad
	ip -n "$DUT" addr add 198.51.100.1/30 dev "${1}pri"
	ip -n "$DUT" addr add 2001:db8:1::1/64 dev "${1}pri" nodad
	ip -n "$DUT" addr add 198.51.100.5/30 dev "${1}loc"
	ip -n "$DUT" addr add 2001:db8:2::1/64 dev "${1}loc" nodad
	ip -n "$SNS" addr add 192.0.2.2/24 dev "${1}src"
	ip -n "$SNS" addr add 2001:db8:ff::2/64 dev "${1}src" nodad
	router_addrs 1
	router_addrs 2
	for ns in "$RTR1" "$RTR2"; do
		ip -n "$ns" addr add 203.0.113.5/32 dev lo
		ip -n "$ns" addr add 2001:db8:c000::5/128 dev lo nodad
	done
	# the daemon's "in" port has its kernel interface's MAC
	in_mac=$(ip netns exec "$DUT" cat "/sys/class/net/${1}in/address")
	ip -n "$SNS" neigh replace 192.0.2.1 lladdr "$in_mac" dev "${1}src" nud permanent
	ip -n "$SNS" -6 neigh replace 2001:db8:ff::1 lladdr "$in_mac" dev "${1}src" nud permanent
	ip -n "$SNS" route replace 203.0.113.0/24 via 192.0.2.1 dev "${1}src"
	ip -n "$SNS" -6 route replace 2001:db8:c000::/48 via 2001:db8:ff::1 dev "${1}src"
}

# cfg_carrier_bgp: the config settings after the next hops for a daemon that
# runs BGP with a router on "pri" (BIRD in test_bfd and test_exception):
# 0/0 to path group carrier4 (pri-rtr, then loc-rtr), 203.0.113.0/24
# registered, and BGP (AS64500) with pri4, 198.51.100.2 AS64496
cfg_carrier_bgp() {
	cat <<'EOF'
	pathgroups = ( { name = "carrier4"; members = ["pri-rtr", "loc-rtr"]; } );
	routes = ( { prefix = "0.0.0.0/0"; pathgroup = "carrier4"; } );
	registered = ( { prefix = "203.0.113.0/24"; customer = "acme"; } );
	unregistered = "drop";
	bgp: {
		asn = 64500;
		router_id = "198.51.100.1";
		policies = ( { name = "carrier"; ipv4_lengths = [8, 24]; bogons = false; } );
		peers = ( { name = "pri4"; port = "pri"; address = "198.51.100.2"; remote_as = 64496;
			    policy = "carrier"; hold_time = 30; connect_retry = 1; } );
	};
EOF
}

# bird_bgp_dut4: BIRD's side of that session, for RTR1's config: BGP dut4
# (AS64496) to the daemon, exporting its static 198.18.7.0/24; after an
# error it connects again within 1-5 s, then every 2 s
bird_bgp_dut4() {
	cat <<'EOF'
protocol static { ipv4; route 198.18.7.0/24 blackhole; }
protocol bgp dut4 {
	local 198.51.100.2 as 64496;
	neighbor 198.51.100.1 as 64500;
	hold time 30;
	connect retry time 2;
	error wait time 1, 5;
	ipv4 { import none; export where source = RTS_STATIC; next hop self; };
}
EOF
}

# bird_rtr1 [NAME]: RTR1's BIRD config (BFD protocol NAME, default unnamed):
# BFD to the daemon's 198.51.100.1 on RTR1's link, 100 ms x 3, and BGP dut4
# (bird_bgp_dut4); its log to $BIRD_LOG
bird_rtr1() {
	cat <<EOF
log "$BIRD_LOG" all;
router id 198.51.100.2;
protocol device {}
protocol bfd ${1:-} {
	debug { states, events };
	interface "${ROUTERS_PFX}r1" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
	neighbor 198.51.100.1;
}
$(bird_bgp_dut4)
EOF
}

# cfg_nexthops [R1_MAC]: the config's next hops for cfg_carrier_bgp: pri-rtr
# (198.51.100.2, with BFD at 100 ms x 3; its MAC from the kernel's
# neighbour table unless R1_MAC) and loc-rtr (198.51.100.6 at $R2_MAC)
cfg_nexthops() {
	local mac=
	[[ -n ${1:-} ]] && mac=" mac = \"$1\";"
	cat <<EOF
	nexthops = (
		{ name = "pri-rtr"; port = "pri"; address = "198.51.100.2";$mac
		  bfd = true; bfd_interval_ms = 100; bfd_multiplier = 3; },
		{ name = "loc-rtr"; port = "loc"; address = "198.51.100.6"; mac = "$R2_MAC"; }
	);
EOF
}

# wait_diag: what wait_lookup prints when it gives up: port pri, the
# peerings and BIRD's protocols (tests with other concerns define their own)
wait_diag() {
	echo "     ports: $(pj ports | jq -c '.ports[] | select(.name == "pri")')"
	echo "     peerings: $(pj peering list | jq -c '.peerings[]? | {name, state, last_error}')"
	echo "     birdc show protocols (RTR1):"
	birdc -s "$BIRD_SOCK" show protocols 2>&1 | sed 's/^/       /'
}

# bfd_bgp_up HOW: BFD with BIRD up, BGP Established and BIRD's 198.18.7.0/24
# in the FIB (deadline from within); HOW says how they run, for the checks
bfd_bgp_up() {
	if wait_lookup 203.0.113.5 "$(member pri-rtr) | .bfd" up; then ok "BFD with BIRD up $1"; else
		fail "BFD with BIRD not up $1"
	fi
	if wait_lookup 198.18.7.1 .matched 198.18.7.0/24; then
		ok "BGP with BIRD $1: its 198.18.7.0/24 is in the FIB"
	else
		fail "BIRD's 198.18.7.0/24 not in the FIB ($1)"
	fi
	jq_is "$(pj peering list)" '.peerings[] | select(.name == "pri4") | .state' Established \
		"the BGP peering is Established"
}

routers_del() {
	local ns
	for ns in "$DUT" "$SNS" "$RTR1" "$RTR2"; do ip netns del "$ns" 2>/dev/null; done
}

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
	ip netns exec "$SNS" ping -"$2" -q -c $n -i 0.01 -W 0.2 "$(dest "$2")" >/dev/null 2>&1
	sleep 0.3
	to1=$(echos "$3" "$2")
	other1=$(echos "$4" "$2")
	if ((to1 - to0 >= n && other1 == other0)); then
		ok "$1 ($((to1 - to0)) echo requests at $(rtr_name "$3"))"
	else
		fail "$1: $((to1 - to0)) of $n echo requests at $(rtr_name "$3"), $((other1 - other0)) at $(rtr_name "$4")"
	fi
}

# lookup [ADDR]: the daemon's route lookup (pj, the caller's peerctl --json
# wrapper) of ADDR, 203.0.113.5 by default
lookup() { pj route lookup "${1:-203.0.113.5}"; }
# member NEXTHOP: the jq filter for that member of a lookup
member() { echo ".members[] | select(.nexthop == \"$1\")"; }

now_us() { echo "${EPOCHREALTIME/./}"; }
# within SECONDS: the deadline the waits after it share (what a step waits
# for happens in parallel; a failing step costs SECONDS, not SECONDS a wait)
DEADLINE=0
within() { DEADLINE=$(($(now_us) + $1 * 1000000)); }
# wait_lookup ADDR FILTER EXPECTED: until FILTER on the route lookup of ADDR
# gives EXPECTED or the deadline passes; 0 if it did. When it does not, what
# it got, the lookup and the caller's wait_diag (more of what it knows) go to
# stderr.
wait_lookup() {
	local got
	while :; do
		got=$(lookup "$1" | jq -r "$2" 2>/dev/null)
		[[ $got == "$3" ]] && return 0
		(($(now_us) >= DEADLINE)) && break
		sleep 0.05
	done
	{
		echo "     waited for $2 == '$3' on route lookup $1, got '$got'"
		echo "     route lookup $1:"
		lookup "$1" | sed 's/^/       /'
		wait_diag
	} >&2
	return 1
}
