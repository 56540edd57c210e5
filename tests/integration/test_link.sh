#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# link.add / link.remove end to end: a daemon with af_packet ports on veths
# in namespaces of its own (lkl-*-PID), real packets through it.
#
#   hst ns: lksrc ----- lkin  (dut ns, port "in")
#           lkdst ----- lkout (dut ns, port "pri", next hop pri-rtr)
#           lknewp ---- lknew (dut ns, port "new", added at run time)
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
test_files link
DUT=lkl-dut-$$
HST=lkl-hst-$$
DST_MAC=02:00:00:00:0d:02
PID=
FAILED=0
PASSED=0

hx() { ip netns exec "$HST" "$@"; }
dx() { ip netns exec "$DUT" "$@"; }

cleanup() {
	kill_daemon
	ip netns del "$DUT" 2>/dev/null
	ip netns del "$HST" 2>/dev/null
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX_EAL"
}
trap cleanup EXIT

need_netns_build jq

# ---- namespaces ----
ip netns add "$DUT" && ip netns add "$HST" || exit 1
for ns in "$DUT" "$HST"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$ns" ip link set lo up
done
for pair in "lkin lksrc" "lkout lkdst" "lknew lknewp"; do
	read -r d h <<<"$pair"
	ip link add "$d" netns "$DUT" type veth peer name "$h" netns "$HST" || exit 1
	dx ip link set "$d" up
	hx ip link set "$h" up
done
hx ip link set lkdst address "$DST_MAC"
hx ip addr add 192.0.2.2/24 dev lksrc
hx ip addr add 198.51.100.9/30 dev lknewp

cat >"$CFG" <<EOF
peerfwd: {
$(cfg_head)
	ports = (
		{ name = "in";  device = "net_af_packet0,iface=lkin"; tier = "none";
		  addresses = ["192.0.2.1/24"]; },
		{ name = "pri"; device = "net_af_packet1,iface=lkout"; tier = "primary";
		  addresses = ["198.51.100.1/30"]; }
	);
	workers = ( { lcore = $WORKER_LCORE; rx = ["in:0", "pri:0"]; } );
	nexthops = (
		{ name = "pri-rtr"; port = "pri"; address = "198.51.100.2"; mac = "$DST_MAC"; }
	);
	pathgroups = ( { name = "carrier"; members = ["pri-rtr"]; } );
	routes = ( { prefix = "0.0.0.0/0"; pathgroup = "carrier"; } );
	registered = ( { prefix = "203.0.113.0/24"; customer = "acme"; } );
	unregistered = "drop";
};
EOF

# start_daemon, stop_daemon: checks.sh
start_daemon

dst_rx() { hx cat /sys/class/net/lkdst/statistics/rx_packets; }
port_field() { pj ports | jq -r ".ports[] | select(.name == \"$1\") | .$2"; }
# send IFACE DUT_MAC N: UDP to 203.0.113.5 through the daemon's port
send() {
	hx ip neigh replace 192.0.2.1 lladdr "$2" dev "$1" nud permanent 2>/dev/null
	hx ip neigh replace 198.51.100.10 lladdr "$2" dev "$1" nud permanent 2>/dev/null
	local via=192.0.2.1
	[[ $1 == lknewp ]] && via=198.51.100.10
	hx ip route replace 203.0.113.0/24 via "$via" dev "$1"
	hx ping -q -c "$3" -i 0.01 -W 0.2 203.0.113.5 >/dev/null 2>&1
	sleep 0.3
}
# forwards DESCRIPTION IFACE DUT_MAC: N packets in, at least N out of lkdst
forwards() {
	local before after n=30
	before=$(dst_rx)
	send "$2" "$3" $n
	after=$(dst_rx)
	if ((after - before >= n)); then ok "$1 ($((after - before)) frames out)"; else
		fail "$1: $((after - before)) of $n frames forwarded"
	fi
}

IN_MAC=$(dx cat /sys/class/net/lkin/address)
NEW_MAC=$(dx cat /sys/class/net/lknew/address)
forwards "forwarding before link add" lksrc "$IN_MAC"

# wait_link PORT STATE: until peerctl shows the port's link in STATE (2 s at
# most); 0 if it did
wait_link() {
	for _ in $(seq 20); do [[ $(port_field "$1" link) == "$2" ]] && return 0; sleep 0.1; done
	return 1
}
wait_up() { wait_link "$1" up; }
# links.json's link names, comma-separated (a JSON string)
links_json() { jq -c '.links | map(.name) | join(",")' "$TMP/state/links.json"; }

# ---- link add ----
A=$(pj link add new device=net_af_packet9,iface=lknew tier=local addresses=198.51.100.10/30)
jq_is "$A" .ok true "link add answers ok"
jq_is "$A" .durable true "link add says it is durable"
jq_is "$A" .origin managed "link add: origin managed"
jq_is "$A" .driver net_af_packet "the new port runs af_packet"
jq_is "$(links_json)" . new "links.json lists it"
wait_up new
jq_is "$(pj ports)" '.ports[] | select(.name == "new") | .link' up "peerctl ports shows the new port up"
jq_is "$(pj ports)" '.ports[] | select(.name == "new") | .origin' managed "peerctl ports: origin managed"
jq_is "$(pj ports)" '.ports[] | select(.name == "in") | .origin' config "peerctl ports: a config port's origin"
jq_is "$(pj ports)" '.ports | length' 3 "three ports"
pc ports | grep -q '^new ' && ok "peerctl ports table lists it" || fail "peerctl ports table: no 'new' row"
jq_is "$(pj route lookup 198.51.100.10)" .local true "its address is local"
forwards "packets received on the added port are forwarded" lknewp "$NEW_MAC"
jq_is "$(pj link add new device=net_af_packet8,iface=lknewp)" .error.code exists "duplicate name refused"
jq_is "$(pj link add other device=net_af_packet9,iface=lknew)" .error.code exists "duplicate device refused"
jq_is "$(pj link add bad device=net_af_packet7)" .error.code invalid_argument "af_packet without iface refused"
jq_is "$(pj link add bad device=net_af_packet7,iface=nosuchif)" .ok false "a device that fails to probe is refused"
jq_is "$(pj ports)" '.ports | length' 3 "still three ports after the refusals"
jq_is "$(pj config reload)" .ok true "config reload works with a link added at run time"
forwards "forwarding after the reload" lknewp "$NEW_MAC"

# ---- link remove: any port, not only the last ----
jq_is "$(pj link remove pri)" .error.code busy "removing the next hop's port is refused (busy)"
jq_is "$(pj link remove nosuch)" .error.code not_found "removing an unknown port: not_found"
R=$(pj link remove in)
jq_is "$R" .ok true "removing the first port (a config file port) answers ok"
jq_is "$R" .durable false "removing a config file port is not durable"
jq_is "$(pj ports)" '.ports | map(.name) | join(",")' "pri,new" "the port is gone from peerctl ports"
jq_is "$(pj route lookup 192.0.2.1)" .local false "its address is no longer local"
forwards "the ports after it still forward (new)" lknewp "$NEW_MAC"
before=$(dst_rx)
send lksrc "$IN_MAC" 10
jq_is "$(($(dst_rx) - before))" . 0 "nothing comes in through the removed port"
grep -q "link remove in" "$TMP/daemon.log" && ok "removal logged" || fail "no 'link remove in' in the log"
jq_is "$(pj failover history)" '.events[0].port' in "failover history names the removed port"
R=$(pj config reload)
jq_is "$R" .ok true "config reload works after removing a config file port"
jq_is "$R" '.notes | map(select(test("port in "))) | length' 1 "and notes that the file's port stays removed"

# the same name and device again: back in its slot, forwarding
jq_is "$(pj link add in device=net_af_packet0,iface=lkin addresses=192.0.2.1/24)" .ok true \
	"the removed port can be added again"
wait_up in
forwards "and forwards again" lksrc "$IN_MAC"
jq_is "$(pj config reload)" .ok true "config reload with the re-added port the file also lists"
jq_is "$(links_json)" . in,new "links.json lists both"

# ---- restart: the managed links come back, the file's port wins ----
stop_daemon
start_daemon
wait_up new
jq_is "$(pj ports)" '.ports | map(.name) | join(",")' "in,pri,new" "after a restart: in, pri and the managed new"
jq_is "$(pj ports)" '.ports[] | select(.name == "in") | .origin' config "in is the config file's again"
jq_is "$(pj ports)" '.ports[] | select(.name == "new") | .origin' managed "new is managed"
jq_is "$(links_json)" . new "links.json drops the entry the config file took over"
forwards "the restored managed link forwards" lknewp "$NEW_MAC"
forwards "the config port forwards" lksrc "$IN_MAC"

R=$(pj link remove new)
jq_is "$R" .durable true "removing a managed link is durable"
jq_is "$(links_json)" . "" "links.json is empty"
stop_daemon
start_daemon
jq_is "$(pj ports)" '.ports | map(.name) | join(",")' "in,pri" "after another restart the removed link stays away"

# ---- a links.json entry that cannot start is kept, not fatal ----
stop_daemon
cat >"$TMP/state/links.json" <<EOF
{"version": 1, "links": [{"name": "gone", "device": "net_af_packet6,iface=nosuchif"}, {"name": "x"}]}
EOF
start_daemon
jq_is "$(pj ports)" '.ports | length' 2 "entries that cannot start leave the daemon running"
grep -q "links.json: link gone: .*kept, not started" "$TMP/daemon.log" && ok "the failed entry is logged" ||
	fail "no log line for the failed links.json entry"
jq_is "$(links_json)" . gone,x "and both are kept in the file"
kill -0 "$PID" 2>/dev/null && ok "daemon still running" || fail "daemon died"
stop_daemon

# ---- carrier changes come from the kernel's link events ----
# With the poll at 60 s, only the netlink announcement can tell the daemon
# within the 2 s allowed here.
sed -i "s/main_lcore = $MAIN_LCORE;/main_lcore = $MAIN_LCORE; link_poll_ms = 60000;/" "$CFG"
start_daemon
wait_link pri up && ok "pri's carrier read at start" || fail "pri not up at start"
hx ip link set lkdst down
wait_link pri down && ok "carrier loss seen at once with the poll at 60 s (netlink)" ||
	fail "carrier loss not seen within 2 s with the poll at 60 s"
hx ip link set lkdst up
wait_link pri up && ok "carrier back seen at once" || fail "carrier back not seen within 2 s"
sed -i "s/link_poll_ms = 60000;/link_poll_ms = 50;/" "$CFG"
R=$(pj config reload)
jq_is "$R" .error.code restart_required "changing link_poll_ms needs a restart"
has "$(jq -r .error.message <<<"$R")" "link_poll_ms changed \(60000 -> 50\)" \
	"the refusal names link_poll_ms"
stop_daemon

finish
