# shellcheck shell=bash
# TAP output for the test scripts beside this file (sourced; not a test
# itself, hence not *.sh): lib.bash sources it for the scripts that call the
# services, and the scripts that need none (manifests.sh, doc_refs.sh)
# source it alone. pass/fail/skip print one result, diag a comment, is
# compares two strings, done_testing the trailing plan (exit 1 on a failure).
_tap_n=0
_tap_failed=0

pass() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}
fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	shift
	local line
	for line in "$@"; do diag "$line"; done
}
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP ${2:-}"
}
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# is ACTUAL EXPECTED DESCRIPTION
is() {
	if [[ $1 == "$2" ]]; then pass "$3"; else fail "$3" "expected: $2" "     got: $1"; fi
}

# Ends the script: trailing plan, exit 1 when a test failed.
done_testing() {
	echo "1..$_tap_n"
	((_tap_failed == 0))
}
