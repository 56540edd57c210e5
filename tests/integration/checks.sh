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
