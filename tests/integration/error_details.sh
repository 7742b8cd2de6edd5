#!/usr/bin/env bash
# error_details.sh - machine-readable errors (TAP): google.rpc.Status in
# grpc-status-details-bin, decoded by a grpc-js caller (error_details.cjs),
# and shown by `buf curl`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${CREDITS_ADDR:?CREDITS_ADDR is not set (run scripts/test.sh, or . .stack/env)}"
node "$ROOT/tests/integration/error_details.cjs" | sed '/^1\.\.[0-9]*$/d' | tee "${TMPDIR:-/tmp}/error_details.$$"
n=$(grep -c '^\(not \)\?ok ' "${TMPDIR:-/tmp}/error_details.$$" || true)
failed=$(grep -c '^not ok ' "${TMPDIR:-/tmp}/error_details.$$" || true)
rm -f "${TMPDIR:-/tmp}/error_details.$$"

# buf curl (with reflection) prints the details' types.
BUF="$ROOT/tests/node_modules/.bin/buf"
for b in "$ROOT"/tests/node_modules/@bufbuild/buf-*/bin/buf; do [[ -x $b ]] && BUF=$b; done
out=$("$BUF" curl --protocol grpc --http2-prior-knowledge -H "authorization: Bearer $USER_TOKEN" \
	-d '{"id":"nope"}' "http://$PLANNING_ADDR/cameos.planning.v1.PlanningService/GetCampaign" 2>&1 || true)
n=$((n + 1))
if grep -q '"type": "google.rpc.ErrorInfo"' <<<"$out" && grep -q '"type": "google.rpc.BadRequest"' <<<"$out"; then
	echo "ok $n - buf curl shows ErrorInfo and BadRequest of a malformed id"
else
	failed=$((failed + 1))
	echo "not ok $n - buf curl shows ErrorInfo and BadRequest of a malformed id"
	while IFS= read -r line; do echo "# $line"; done <<<"$out"
fi
echo "1..$n"
((failed == 0))
