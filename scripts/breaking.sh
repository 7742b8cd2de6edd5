#!/usr/bin/env bash
# breaking.sh: the breaking-change guard of the API (TAP). Runs `buf
# breaking` (rules FILE: wire, JSON and generated-code compatibility; see
# proto/buf.yaml) on proto/ against proto/ as it was before its last change:
#
#   - proto/ has uncommitted changes: against HEAD;
#   - else: against the parent of the last commit that changed proto/.
#
# A break fails unless it was announced: a commit in that range that changes
# proto/ carries an `API-Break: <what and why>` trailer in its message (for
# example `API-Break: Campaign.concepts becomes ListValue; callers must ...`).
# Announced breaks are printed and pass. Needs the git history: a shallow
# clone is deepened when its origin answers, else the comparison is skipped
# (TAP SKIP, counted as skipped, not passed).
#
# First it checks that the guard can fail here: a field removed from a copy
# of proto/ must be reported as a break.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

BUF="${BUF:-$ROOT/tests/node_modules/.bin/buf}"
[[ -x $BUF ]] || die "buf not found at $BUF (npm ci in tests/)"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# TAP results (pass, fail, done_testing), as the integration scripts print them.
# shellcheck source=tests/integration/tap.bash
source "$ROOT/tests/integration/tap.bash"

# buf breaking of the module in $1 against the module in $2; output in $3.
breaking() {
	(cd "$1" && "$BUF" breaking --against "$2") >"$3" 2>&1
}

# 1. The guard fails on a break: remove the first scalar field of
#    planning.proto in a copy and compare the copy with proto/.
cp -r "$ROOT/proto" "$TMP/broken"
sed -i -E '0,/^\s+(string|int32|bool|double) [a-z_]+ = [0-9]+;$/{//d}' \
	"$TMP/broken/cameos/planning/v1/planning.proto"
if breaking "$TMP/broken" "$ROOT/proto" "$TMP/self.out"; then
	fail "a field removed from a copy of proto/ is reported as a break" "$(cat "$TMP/self.out")"
elif grep -q 'FIELD_NO_DELETE\|deleted' "$TMP/self.out"; then
	pass "a field removed from a copy of proto/ is reported as a break"
else
	fail "a field removed from a copy of proto/ is reported as a break" \
		"buf failed otherwise:" "$(cat "$TMP/self.out")"
fi

# 2. The base: proto/ before its last change.
if ! git rev-parse --verify -q HEAD >/dev/null; then
	fail "proto/ has a base to compare with" "not a git checkout with commits"
	done_testing
	exit 1
fi
# A shallow clone lacks the base: fetch the history when the origin can be
# reached, else say so (SKIP: nothing was compared, which is not a pass).
if [[ $(git rev-parse --is-shallow-repository) == true ]] &&
	! timeout 120 git fetch -q --unshallow 2>/dev/null; then
	skip "proto/ compared with its previous version" "shallow clone, history not reachable"
	done_testing
	exit 0
fi
if ! git diff --quiet HEAD -- proto; then
	base=$(git rev-parse HEAD)
	range=""
	why="uncommitted changes in proto/: against HEAD"
else
	last=$(git log -1 --format=%H -- proto)
	if ! base=$(git rev-parse --verify -q "$last^"); then
		skip "proto/ compared with its previous version" "its first commit: nothing earlier"
		done_testing
		exit 0
	fi
	range="$base..HEAD"
	why="the parent of ${last:0:12}, the last commit that changed proto/"
fi
mkdir -p "$TMP/base"
if ! git archive "$base" proto | tar -x -C "$TMP/base"; then
	fail "proto/ of ${base:0:12} can be read" "a shallow clone? fetch the history"
	done_testing
	exit 1
fi
log "comparing proto/ with ${base:0:12} ($why)"

# 3. The comparison, and the announcements in the range.
if breaking "$ROOT/proto" "$TMP/base/proto" "$TMP/breaks.out"; then
	pass "proto/ keeps every compatibility of ${base:0:12} (buf breaking, FILE rules)"
else
	announced=""
	if [[ -n $range ]]; then
		announced=$(git log --format='%(trailers:key=API-Break,valueonly)' "$range" -- proto |
			sed '/^$/d')
	fi
	if [[ -n $announced ]]; then
		pass "proto/ breaks compatibility with ${base:0:12}, announced (API-Break)"
		sed 's/^/# break: /' "$TMP/breaks.out"
		printf '%s\n' "$announced" | sed 's/^/# announced: /'
	else
		fail "proto/ keeps every compatibility of ${base:0:12} (buf breaking, FILE rules)" \
			"$(cat "$TMP/breaks.out")" \
			"A break on purpose needs an 'API-Break: <what and why>' trailer in the commit that makes it."
	fi
fi

done_testing
