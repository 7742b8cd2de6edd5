#!/usr/bin/env bash
# Key rotation (JWT_SECRET_PREVIOUS): a pod started with the new secret and
# the old one as previous accepts tokens of both, and the page tokens that
# old pods handed out; a pod with only the new secret refuses both.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
OLD=$JWT_SECRET
NEW=$(openssl rand -hex 32)
MINT="$IT_ROOT/scripts/mint-token.sh"
old_tok=$(JWT_SECRET=$OLD "$MINT" "$USER_ID" authenticated 600)
new_tok=$(JWT_SECRET=$NEW "$MINT" "$USER_ID" authenticated 600)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$IT_TMP"' EXIT

# The user needs two ledger rows for a second page: the welcome bonus and one grant.
call "$CREDITS_ADDR" cameos.credits.v1.CreditsService/GrantCredits \
	"{\"user_id\":\"$USER_ID\",\"amount\":1,\"request_id\":\"rotation-$(openssl rand -hex 8)\"}" \
	"$SERVICE_TOKEN"
expect_code 0 "a second ledger row for paging"

LIST=cameos.credits.v1.CreditsService/ListCreditTransactions
call "$CREDITS_ADDR" "$LIST" '{"page_size":1}' "$old_tok"
expect_code 0 "page 1 from a pod on the old secret"
page_token=$(node -e 'console.log(JSON.parse(process.argv[1]).nextPageToken || "")' "$OUT")
[[ -n $page_token ]] && pass "it hands out a next_page_token" || fail "it hands out a next_page_token"

spawn_credits rotating JWT_SECRET="$NEW" JWT_SECRET_PREVIOUS="$OLD"
pids+=("$SPAWN_PID")
rotating=127.0.0.1:$SPAWN_PORT
spawn_credits rotated JWT_SECRET="$NEW"
pids+=("$SPAWN_PID")
rotated=127.0.0.1:$SPAWN_PORT
wait_health 30 "$rotating" "" SERVING && wait_health 30 "$rotated" "" SERVING &&
	pass "both new pods are SERVING" ||
	fail "both new pods are SERVING" "$(tail -n 5 "$IT_TMP/rotating.log" "$IT_TMP/rotated.log")"

call "$rotating" cameos.credits.v1.CreditsService/GetProfile '{}' "$new_tok"
expect_code 0 "rotating pod: a token signed with the new secret"
call "$rotating" cameos.credits.v1.CreditsService/GetProfile '{}' "$old_tok"
expect_code 0 "rotating pod: a token signed with the previous secret"
call "$rotating" "$LIST" "{\"page_size\":1,\"page_token\":\"$page_token\"}" "$new_tok"
expect_code 0 "rotating pod: page 2 with the old pod's page token"
call "$rotated" cameos.credits.v1.CreditsService/GetProfile '{}' "$old_tok"
expect_code 16 "rotated pod: a token of the dropped secret is Unauthenticated"
call "$rotated" "$LIST" "{\"page_size\":1,\"page_token\":\"$page_token\"}" "$new_tok"
expect_code 3 "rotated pod: a page token of the dropped secret is InvalidArgument"

done_testing
