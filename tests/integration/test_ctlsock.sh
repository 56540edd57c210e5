#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Control socket end to end, through peerctl only. Assumes the lab is up
# and the daemon running (configs/lab.cfg: ports src/pri/loc/geo, a default
# route over the three tiers, unregistered traffic dropped).
#
#   PEERCTL_SOCKET  control socket (default /run/peerfwd-lab/ctl.sock)
#   PEERCTL         peerctl binary (default: found in build*/ or $PATH)
#   PEERFWD_STATE   state dir to check the durable registrations in
#                   (default /run/peerfwd-lab/state; skipped if absent)
#
# Exit 0 when every check passed, 1 otherwise.
set -u -o pipefail

export PEERCTL_SOCKET=${PEERCTL_SOCKET:-/run/peerfwd-lab/ctl.sock}
STATE_DIR=${PEERFWD_STATE:-/run/peerfwd-lab/state}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -z ${PEERCTL:-} ]]; then
	PEERCTL=$(ls -t "$SRC"/build*/tools/peerctl/peerctl 2>/dev/null | head -1)
	[[ -n $PEERCTL ]] || PEERCTL=$(command -v peerctl || true)
fi
TEST_PREFIX=198.18.100.0/24 # RFC 2544 benchmarking space: no real customer
TEST_ADDR=198.18.100.7
TMP=$(mktemp -d /tmp/test_ctlsock.XXXXXX)
FAILED=0
PASSED=0

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
# peerctl on the lab daemon's socket (PEERCTL_SOCKET), not checks.sh's $SOCK
pc() { "$PEERCTL" -t 5000 "$@"; }
pj() { "$PEERCTL" -t 5000 --json "$@"; }
# check DESCRIPTION COMMAND...: the command must succeed
check() {
	local what=$1
	shift
	if "$@" >"$TMP/out" 2>&1; then ok "$what"; else
		fail "$what"
		sed 's/^/     /' "$TMP/out" >&2
	fi
}
# expect_exit CODE DESCRIPTION peerctl-args...
expect_exit() {
	local want=$1 what=$2 got
	shift 2
	"$PEERCTL" -t 5000 "$@" >"$TMP/out" 2>&1
	got=$?
	if [[ $got == "$want" ]]; then ok "$what (exit $got)"; else
		fail "$what: exit $got, expected $want"
		sed 's/^/     /' "$TMP/out" >&2
	fi
}
# retry up to 2 s for link liveness to settle (the workers see it at once,
# the control thread's view is what we query)
eventually() {
	for _ in $(seq 20); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

DOWNED=()
cleanup() {
	pc prefix unregister "$TEST_PREFIX" >/dev/null 2>&1
	pc tier release >/dev/null 2>&1
	for p in "${DOWNED[@]}"; do pc link set "$p" up >/dev/null 2>&1; done
	jobs -p | xargs -r kill 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

if [[ -z $PEERCTL || ! -x $PEERCTL ]]; then
	echo "peerctl not found (build it, or set PEERCTL)" >&2
	exit 1
fi
if ! pc version >/dev/null; then
	echo "no daemon on $PEERCTL_SOCKET (is the lab up? scripts/lab/up)" >&2
	exit 1
fi
pc prefix unregister "$TEST_PREFIX" >/dev/null 2>&1 # a previous run's leftover

# ---- basics and exit statuses ----
S=$(pj status)
jq_is "$S" .ok true "status answers"
jq_is "$S" '.ports > 0 and .workers > 0' true "status counts ports and workers"
jq_is "$(pj version)" .api 1 "version gives the API level"
expect_exit 1 "unknown command is an error answer" bgp neighbors
jq_is "$(pj bgp neighbors)" .error.code unknown_command "BGP commands are not this socket's"
expect_exit 2 "usage error" --no-such-option status
expect_exit 3 "no daemon at a wrong socket" -s "$TMP/none.sock" status
check "help lists prefix.register" bash -c "$PEERCTL help | grep -q prefix.register"
check "bash completion script parses" bash -c "$PEERCTL completion bash | bash -n"
check "watch refreshes" bash -c "[[ \$($PEERCTL -n 2 watch ports | grep -c '^PORT') == 2 ]]"
check "config check of the running config" pc config check
expect_exit 1 "config check of a missing file" config check "$TMP/missing.cfg"
jq_is "$(pj config check "$TMP/missing.cfg")" .error.code invalid_config \
	"config check error is invalid_config"

# ---- registration ----
P=$(pj prefix register "$TEST_PREFIX" customer=ctltest)
jq_is "$P" .ok true "register $TEST_PREFIX"
jq_is "$P" .origin managed "a socket registration is managed"
jq_is "$P" .state active "the default route makes it active"
expect_exit 1 "registering twice" prefix register "$TEST_PREFIX"
jq_is "$(pj prefix register "$TEST_PREFIX")" .error.code exists "twice is 'exists'"
jq_is "$(pj prefix register 198.18.100.1/24)" .error.code invalid_argument "host bits refused"
jq_is "$(pj prefix register not-a-prefix)" .error.code invalid_argument "garbage prefix refused"
jq_is "$(pj prefix register 198.18.101.0/24 color=blue)" .error.code bad_request \
	"unknown field refused"
jq_is "$(pj prefix list limit=1000)" \
	"[.prefixes[] | select(.prefix == \"$TEST_PREFIX\")][0].customer" ctltest \
	"prefix list shows it"
jq_is "$(pj prefix list limit=1000)" '[.prefixes[] | select(.origin == "config")] | length > 0' \
	true "config registrations are listed as config"
CFG_PREFIX=$(pj prefix list limit=1000 | jq -r '[.prefixes[] | select(.origin == "config")][0].prefix')
jq_is "$(pj prefix unregister "$CFG_PREFIX")" .error.code read_only \
	"config registrations can't be removed over the socket"
if [[ -d $STATE_DIR ]]; then
	check "state file holds the registration" \
		jq -e ".registered[] | select(.prefix == \"$TEST_PREFIX\")" "$STATE_DIR/registered.json"
	check "state file holds no config registration" \
		bash -c "! jq -e '.registered[] | select(.prefix == \"$CFG_PREFIX\")' $STATE_DIR/registered.json"
fi

L=$(pj route lookup "$TEST_ADDR")
jq_is "$L" .registered true "lookup: the address is registered"
jq_is "$L" .registered_prefix "$TEST_PREFIX" "lookup: under the test prefix"
jq_is "$L" .action forward "lookup: forwarded"
jq_is "$L" .active.tier primary "lookup: on the primary tier"
jq_is "$(pj route lookup 999.1.1.1)" .error.code invalid_argument "lookup of a non-address"

# ---- route list paging ----
TOTAL=$(pj route list | jq .total)
SEEN=0 CURSOR=0 PAGES=0
while :; do
	R=$(pj route list limit=2 cursor=$CURSOR) || break
	SEEN=$((SEEN + $(jq '.routes | length' <<<"$R")))
	PAGES=$((PAGES + 1))
	CURSOR=$(jq -r .next_cursor <<<"$R")
	[[ $CURSOR == null || $PAGES -gt 100000 ]] && break
done
if [[ $SEEN == "$TOTAL" ]]; then ok "route list pages add up to $TOTAL entries"; else
	fail "route list pages: $SEEN entries seen, total $TOTAL"
fi

# ---- maintenance: link down/up and the failover history ----
PRI=$(pj ports | jq -r '[.ports[] | select(.tier == "primary" and .link == "up")][0].name')
LOC=$(pj ports | jq -r '[.ports[] | select(.tier == "local" and .link == "up")][0].name')
if [[ $PRI == null || $LOC == null ]]; then
	fail "the lab needs an up primary and local port (have '$PRI', '$LOC')"
else
	DOWNED+=("$PRI")
	jq_is "$(pj link set "$PRI" down)" .link down "link set $PRI down"
	check "traffic moves to the local tier" eventually bash -c \
		"$PEERCTL --json route lookup $TEST_ADDR | jq -e '.active.tier == \"local\"'"
	H=$(pj failover history limit=1)
	jq_is "$H" ".events[0].port" "$PRI" "history: newest event is $PRI"
	jq_is "$H" ".events[0].state" down "history: it went down"
	jq_is "$H" ".events[0].reason" "forced down by operator" "history: by the operator"
	jq_is "$(pj link set "$PRI" down)" .changed false "link set down twice changes nothing"
	jq_is "$(pj link set "$PRI" up)" .admin up "link set $PRI up"
	check "traffic returns to the primary tier" eventually bash -c \
		"$PEERCTL --json route lookup $TEST_ADDR | jq -e '.active.tier == \"primary\"'"
	jq_is "$(pj failover history limit=1)" ".events[0].state" up "history: back up"
	jq_is "$(pj link set no-such-port down)" .error.code not_found "unknown port"
	jq_is "$(pj link set "$PRI" sideways)" .error.code invalid_argument "bad link state"

	# tier.force: only the chosen tier carries traffic until release
	GEO=$(pj ports | jq -r '[.ports[] | select(.tier == "geo" and .link == "up")][0].name')
	if [[ $GEO != null ]]; then
		jq_is "$(pj tier force geo)" .tier geo "tier force geo"
		check "traffic on the geo tier" eventually bash -c \
			"$PEERCTL --json route lookup $TEST_ADDR | jq -e '.active.tier == \"geo\"'"
		jq_is "$(pj status)" .tier_forced geo "status shows the forced tier"
		jq_is "$(pj tier release)" .changed true "tier release"
		check "traffic back on the primary tier" eventually bash -c \
			"$PEERCTL --json route lookup $TEST_ADDR | jq -e '.active.tier == \"primary\"'"
	fi
	jq_is "$(pj tier force backup)" .error.code invalid_argument "unknown tier"
fi

# ---- unregistration ----
jq_is "$(pj prefix unregister "$TEST_PREFIX")" .ok true "unregister $TEST_PREFIX"
jq_is "$(pj route lookup "$TEST_ADDR")" ".registered_prefix != \"$TEST_PREFIX\"" true \
	"no longer registered"
jq_is "$(pj prefix unregister "$TEST_PREFIX")" .error.code not_found "unregister twice"

# ---- many clients at once ----
N=100
for i in $(seq $N); do
	(
		for _ in 1 2 3 4 5; do
			"$PEERCTL" -t 10000 --json status >/dev/null || exit 1
		done
	) &
done
BAD=0
for pid in $(jobs -p); do wait "$pid" || BAD=$((BAD + 1)); done
if [[ $BAD == 0 ]]; then ok "$N concurrent clients x 5 requests"; else
	fail "$BAD of $N concurrent clients failed"
fi

# ---- clients that misbehave (raw socket) ----
python3 - "$PEERCTL_SOCKET" "$PEERCTL" >"$TMP/py" 2>&1 <<'EOF'
import json, socket, subprocess, sys, time
path, peerctl = sys.argv[1], sys.argv[2]
failed = 0

def report(good, what):
    global failed
    print(("ok   " if good else "FAIL ") + what)
    failed += not good

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s

def answer(s, timeout=5):
    s.settimeout(timeout)
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(65536)
        if not d:
            break
        buf += d
    return json.loads(buf) if buf else None

def others_served(what):
    r = subprocess.run([peerctl, "-t", "3000", "--json", "status"], capture_output=True)
    report(r.returncode == 0, what)

# pipelined requests, one of them broken: each gets its answer, in order
s = conn()
s.sendall(b'{"cmd":"version","id":1}\n{oops\n\n{"cmd":"nope","id":3}\r\n{"cmd":"version","id":4}')
s.shutdown(socket.SHUT_WR)  # the last request has no newline: EOF ends it
s.settimeout(5)
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
answers = [json.loads(l) for l in data.splitlines()]
report([a.get("id") for a in answers] == [1, None, 3, 4], "pipelined answers in order")
report(answers[1]["error"]["code"] == "bad_json", "bad JSON answered, connection kept")
report(answers[2]["error"]["code"] == "unknown_command", "unknown command answered")
s.close()

# a request larger than the limit: an error, then the daemon hangs up
s = conn()
s.sendall(b'{"cmd":"status","id":"' + b"x" * 100000)
a = answer(s)
report(a is not None and a["error"]["code"] == "request_too_large", "oversized request refused")
report(s.recv(1) == b"", "and the connection closed")
s.close()

# one client asks and never reads; another floods requests and never reads
lazy = conn()
lazy.sendall(b'{"cmd":"ports"}\n')
flood = conn()
flood.setblocking(False)
req = b'{"cmd":"ports"}\n' * 1000
sent, t0 = 0, time.time()
while time.time() - t0 < 3:
    try:
        sent += flood.send(req)
    except BlockingIOError:
        time.sleep(0.05)  # the daemon stopped taking requests: backpressure
    except OSError:
        break
report(sent > 0, "flooder sent %d bytes before backpressure" % sent)
others_served("others are served while two clients don't read")
# the flooder is dropped once its answers stall (the daemon never blocks)
closed, t0 = False, time.time()
while time.time() - t0 < 20 and not closed:
    try:
        flood.send(b'{"cmd":"ports"}\n')
        time.sleep(0.2)
    except BlockingIOError:
        time.sleep(0.2)
    except OSError:
        closed = True
report(closed, "a client that never reads is dropped")
others_served("others are served after the drop")
lazy.close()
flood.close()

# more clients than the daemon takes: the extra ones are told, not hung
socks, busy = [], 0
for i in range(300):
    try:
        socks.append(conn())
    except OSError:
        busy += 1
time.sleep(0.5)
for s in socks:
    s.setblocking(False)
    try:
        d = s.recv(4096)
        if b'"busy"' in d:
            busy += 1
    except BlockingIOError:
        pass
report(busy >= 300 - 256, "clients beyond the limit refused (%d)" % busy)
for s in socks:
    s.close()
time.sleep(0.5)
others_served("served again once they left")
sys.exit(1 if failed else 0)
EOF
PY=$?
cat "$TMP/py"
PASSED=$((PASSED + $(grep -c '^ok' "$TMP/py")))
FAILED=$((FAILED + $(grep -c '^FAIL' "$TMP/py")))
[[ $PY == 0 ]] || [[ $(grep -c '^FAIL' "$TMP/py") -gt 0 ]] || fail "python checks crashed"

echo "test_ctlsock: $PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]
