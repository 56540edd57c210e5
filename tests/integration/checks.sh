# shellcheck shell=bash
# Shared by the peerctl-driven integration scripts (source it): pass/fail
# counting and the assertions they all use. The caller sets PASSED=0 FAILED=0
# and prints the totals.

ok() {
	PASSED=$((PASSED + 1))
	echo "ok   $*"
}
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL $*" >&2
}
# jq_is JSON FILTER EXPECTED DESCRIPTION
jq_is() {
	local got
	got=$(jq -r "$2" <<<"$1" 2>/dev/null)
	if [[ $got == "$3" ]]; then ok "$4"; else fail "$4: $2 is '$got', expected '$3'"; fi
}
# has TEXT REGEX DESCRIPTION: a line of TEXT matches
has() {
	if grep -Eq -- "$2" <<<"$1"; then ok "$3"; else fail "$3: no line matches $2"; fi
}
# pc, pj ARGS: peerctl on the daemon's socket $SOCK, as text and --json;
# PC_TIMEOUT ms (default 10000) for an answer
pc() { "$PEERCTL" -s "$SOCK" -t "${PC_TIMEOUT:-10000}" "$@"; }
pj() { "$PEERCTL" -s "$SOCK" -t "${PC_TIMEOUT:-10000}" --json "$@"; }
# test_files NAME: a fresh TMP directory, and in it CFG (the daemon's config)
# and SOCK (its control socket); PREFIX_EAL, the EAL file prefix
test_files() {
	TMP=$(mktemp -d "/tmp/test_$1.XXXXXX")
	CFG=$TMP/peerfwd.cfg
	SOCK=$TMP/ctl.sock
	PREFIX_EAL=pf-$1-$$
}
# cfg_head: the settings every test daemon's config starts with (socket and
# state in TMP, MAIN_LCORE, EAL without hugepages or PCI, small FIB tables)
cfg_head() {
	cat <<EOF
	ctl_socket = "$SOCK";
	state_dir = "$TMP/state";
	main_lcore = $MAIN_LCORE;
	eal_args = ["--no-huge", "-m", "512", "--no-pci", "--no-telemetry",
		    "--file-prefix", "$PREFIX_EAL"];
	fib = { max_routes4 = 4096; tbl8_groups4 = 256; max_routes6 = 4096; groups6 = 4096; };
EOF
}
# finish [NAME FILE]...: the totals, then exit 0; after a failure, the
# daemon's log and each NAME's FILE to stderr, and exit 1
finish() {
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0)) && exit 0
	echo "daemon log:" >&2
	sed 's/^/     /' "$TMP/daemon.log" >&2
	while (($# >= 2)); do
		echo "$1:" >&2
		sed 's/^/     /' "$2" >&2
		shift 2
	done
	exit 1
}
# find_build SRC: PEERFWD and PEERCTL from PEERFWD_BUILDDIR, else from the
# newest SRC/build*/ that has both built.
find_build() {
	local b
	if [[ -z ${PEERFWD_BUILDDIR:-} ]]; then
		for b in $(ls -td "$1"/build*/ 2>/dev/null); do
			[[ -x $b/peerfwd && -x $b/tools/peerctl/peerctl ]] && PEERFWD_BUILDDIR=$b && break
		done
	fi
	PEERFWD=${PEERFWD_BUILDDIR:-}/peerfwd
	PEERCTL=${PEERFWD_BUILDDIR:-}/tools/peerctl/peerctl
}
# start_daemon: start peerfwd in namespace $DUT with config $CFG, its log
# appended to $TMP/daemon.log, and wait until `pc version` (the caller's
# peerctl wrapper) answers; PID is set. Exits the script if it never does.
start_daemon() {
	ip netns exec "$DUT" "$PEERFWD" -c "$CFG" >>"$TMP/daemon.log" 2>&1 &
	PID=$!
	for _ in $(seq 150); do
		pc version >/dev/null 2>&1 && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "the daemon did not come up:" >&2
	sed 's/^/     /' "$TMP/daemon.log" >&2
	exit 1
}
# stop_daemon: SIGTERM; a clean exit is a check (sanitizer builds exit
# non-zero on a leak or error).
stop_daemon() {
	local rc
	kill "$PID"
	for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$PID" 2>/dev/null && fail "the daemon did not stop on SIGTERM" && kill -9 "$PID"
	wait "$PID"
	rc=$?
	if ((rc == 0)); then ok "the daemon exits cleanly"; else fail "the daemon exited with status $rc"; fi
	PID=
}
# kill_daemon: for the EXIT trap: SIGTERM to $PID if it runs, SIGKILL after
# 5 s.
kill_daemon() {
	if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
		kill "$PID"
		for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$PID" 2>/dev/null && kill -9 "$PID"
	fi
}
# need_netns_build TOOL...: exit 1 with a reason unless root (network
# namespaces), peerfwd and peerctl are built and every TOOL is installed.
need_netns_build() {
	if [[ $(id -u) != 0 ]]; then
		echo "root only (network namespaces)" >&2
		exit 1
	fi
	need_build "$@"
}
# need_build TOOL...: as need_netns_build, without the root check.
need_build() {
	local tool
	if [[ ! -x $PEERFWD || ! -x $PEERCTL ]]; then
		echo "peerfwd or peerctl not built (set PEERFWD_BUILDDIR)" >&2
		exit 1
	fi
	for tool in "$@"; do
		command -v "$tool" >/dev/null || {
			echo "$tool is needed" >&2
			exit 1
		}
	done
}
