#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# metrics and config.reload end to end, through peerctl only, against a
# daemon of its own: net_null ports (no NICs, no hugepages, no lab), its
# own EAL file prefix, socket and state under a temporary directory.
#
#   PEERFWD_BUILDDIR  build directory with peerfwd and tools/peerctl/peerctl
#                     (default: the newest build*/ holding both)
#   TEST_LCORES       "MAIN WORKER" lcores for the daemon (default "0 1")
#
# Exit 0 when every check passed, 1 otherwise.
set -u -o pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
find_build "$SRC"
read -r MAIN_LCORE WORKER_LCORE <<<"${TEST_LCORES:-0 1}"
test_files reload
PID=
FAILED=0
PASSED=0

PC_TIMEOUT=5000

cleanup() {
	kill_daemon
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX_EAL"
}
trap cleanup EXIT

# write_cfg PRI_DEVICE PRI_MAC ROUTES REGISTERED [UNREGISTERED]
write_cfg() {
	cat >"$CFG" <<EOF
peerfwd: {
$(cfg_head)
	ports = (
		{ name = "in";  device = "net_null0,no-rx=1"; tier = "none";
		  addresses = ["192.0.2.1/24"]; },
		{ name = "pri"; device = "$1"; tier = "primary";
		  addresses = ["198.51.100.1/30"]; },
		{ name = "loc"; device = "net_null2,no-rx=1"; tier = "local";
		  addresses = ["198.51.100.5/30"]; }
	);
	workers = ( { lcore = $WORKER_LCORE; rx = ["in:0", "pri:0", "loc:0"]; } );
	nexthops = (
		{ name = "pri-rtr"; port = "pri"; address = "198.51.100.2"; mac = "$2"; },
		{ name = "loc-rtr"; port = "loc"; address = "198.51.100.6"; mac = "02:00:00:00:02:02"; }
	);
	pathgroups = (
		{ name = "carrier"; members = ["pri-rtr", "loc-rtr"]; },
		{ name = "backup";  members = ["loc-rtr"]; }
	);
	routes = ( $3 );
	registered = ( $4 );
	unregistered = "${5:-drop}";
};
EOF
}

need_build jq

DEFAULT='{ prefix = "0.0.0.0/0"; pathgroup = "carrier"; }'
ACME='{ prefix = "203.0.113.0/24"; customer = "acme \"the\" co"; }'
write_cfg "net_null1,no-rx=1" 02:00:00:00:01:02 "$DEFAULT" "$ACME"
"$PEERFWD" -c "$CFG" >"$TMP/daemon.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
	pc version >/dev/null 2>&1 && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
if ! pc version >/dev/null 2>&1; then
	echo "the daemon did not come up:" >&2
	sed 's/^/     /' "$TMP/daemon.log" >&2
	exit 1
fi

# ---- metrics ----
M=$(pc metrics)
if [[ $? == 0 ]]; then ok "peerctl metrics exits 0"; else fail "peerctl metrics failed"; fi
has "$M" '^# TYPE peerfwd_port_rx_packets_total counter$' "counters are typed"
has "$M" '^peerfwd_port_tx_bytes_total\{port="pri",tier="primary"\} [0-9]+$' "per port and tier"
has "$M" '^peerfwd_port_link_up\{port="loc",tier="local"\} 1$' "link state gauge"
has "$M" '^peerfwd_nexthop_usable\{nexthop="loc-rtr",port="loc"\} 1$' \
	"next hop usable gauge (static MAC)"
has "$M" '^peerfwd_worker_polls_total\{worker="0",lcore="'"$WORKER_LCORE"'",state="idle"\} [1-9]' \
	"worker polls"
has "$M" '^peerfwd_drops_total\{reason="no_route"\} 0$' "drops by reason"
has "$M" '^peerfwd_forwarded_packets_total 0$' "forwarded total"
has "$M" '^peerfwd_prefix_packets_total\{prefix="203.0.113.0/24",customer="acme \\"the\\" co"\} 0$' \
	"prefix counters, customer label escaped"
has "$M" '^peerfwd_prefix_active\{prefix="203.0.113.0/24"\} 1$' "prefix active"
has "$M" '^peerfwd_pathgroup_bytes_total\{pathgroup="backup"\} 0$' "path group counters"
has "$M" '^peerfwd_link_changes_total\{port="in"\} 1$' "link changes"
has "$M" '^peerfwd_routes\{family="ipv4"\} [1-9]' "route count"
# every sample belongs to the family announced last (the format's rule)
BAD=$(awk '/^# TYPE /{f=$3; next} /^#/{next} {n=$1; sub(/\{.*/,"",n); if (n!=f) print}' <<<"$M")
if [[ -z $BAD ]]; then ok "samples grouped under their family"; else fail "stray samples: $BAD"; fi
jq_is "$(pj metrics)" '.format' prometheus-text-0.0.4 "JSON answer names the format"

# ---- reload: next hop MAC, a route, a registration ----
pc prefix register 100.64.0.0/16 customer=managed >/dev/null || fail "managed registration"
jq_is "$(pj route lookup 10.1.2.3)" .matched 0.0.0.0/0 "before: 10/8 follows the default"
write_cfg "net_null1,no-rx=1" 02:00:00:00:01:99 \
	"$DEFAULT, { prefix = \"10.0.0.0/8\"; pathgroup = \"backup\"; }" \
	"$ACME, { prefix = \"198.18.0.0/15\"; customer = \"newco\"; }"
R=$(pj config reload)
jq_is "$R" .ok true "config reload applies"
jq_is "$R" '.nexthops.changed' 1 "one next hop changed"
jq_is "$R" '.pathgroups.changed' 1 "its path group moved"
jq_is "$R" '.routes.added' 1 "one route added"
jq_is "$R" '.routes.changed' 1 "the default route moved to the new group"
jq_is "$R" '.registered.added' 1 "one prefix registered"
L=$(pj route lookup 10.1.2.3)
jq_is "$L" .matched 10.0.0.0/8 "after: 10/8 has its own route"
jq_is "$L" .source static "a static one"
L=$(pj route lookup 198.18.1.1)
jq_is "$L" .registered_prefix 198.18.0.0/15 "the new registration answers lookups"
jq_is "$L" .action forward "and is forwarded"
jq_is "$L" '.active.nexthop' pri-rtr "over the changed next hop"
jq_is "$L" '.active.resolved' true "which is resolved"
P=$(pj prefix list)
jq_is "$P" '[.prefixes[] | select(.prefix == "198.18.0.0/15")][0].origin' config \
	"config-origin prefix"
jq_is "$P" '[.prefixes[] | select(.prefix == "100.64.0.0/16")][0].origin' managed \
	"managed prefix untouched"
jq_is "$(cat "$TMP/state/registered.json")" '.registered | map(.prefix) | join(",")' \
	100.64.0.0/16 "state file keeps only managed prefixes"

# ---- reload: unregistered policy, removal ----
write_cfg "net_null1,no-rx=1" 02:00:00:00:01:99 "$DEFAULT" "$ACME" backup
R=$(pj config reload)
jq_is "$R" '.routes.removed' 1 "route removed"
jq_is "$R" '.registered.removed' 1 "config registration removed"
jq_is "$R" '.unregistered_changed' true "unregistered policy changed"
jq_is "$(pj route lookup 10.1.2.3)" .action forward "unregistered traffic now follows backup"
jq_is "$(pj route lookup 198.18.1.1)" .registered false "removed prefix is unregistered"
jq_is "$(pj prefix list)" '[.prefixes[] | select(.prefix == "100.64.0.0/16")] | length' 1 \
	"managed prefix still there"
jq_is "$(pj config reload)" '.routes.added + .routes.changed + .routes.removed' 0 \
	"reloading the same file changes nothing"

# ---- refused: restart needed, invalid file ----
write_cfg "net_null7,no-rx=1" 02:00:00:00:01:99 "$DEFAULT" "$ACME" backup
R=$(pj config reload)
jq_is "$R" .error.code restart_required "port change needs a restart"
jq_is "$R" '.error.message | test("ports: \"pri\": device changed")' true \
	"the message names the port and what changed"
pc config reload >/dev/null 2>&1
if [[ $? == 1 ]]; then ok "peerctl exits 1 on restart_required"; else fail "peerctl exit status"; fi
echo "this is not libconfig" >"$CFG"
jq_is "$(pj config reload)" .error.code invalid_config "an invalid file is refused"
jq_is "$(pj route lookup 10.1.2.3)" .action forward "and nothing changed"

pc status >/dev/null && kill -0 "$PID" 2>/dev/null && ok "daemon still running" ||
	fail "daemon died"
kill "$PID" 2>/dev/null
wait "$PID"
RC=$?
PID=
if [[ $RC == 0 ]]; then ok "daemon stops cleanly"; else fail "daemon exit status $RC"; fi
# a sanitizer build reports here
if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$TMP/daemon.log"; then
	fail "sanitizer report:"
	grep -E -A5 'ERROR: |runtime error:' "$TMP/daemon.log" | head -40 | sed 's/^/     /' >&2
else
	ok "no sanitizer report"
fi
echo "$PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]
