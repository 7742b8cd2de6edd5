#!/usr/bin/env bash
# CreditsService through `buf curl` and server reflection only (no proto
# file): GetProfile, ListPricingTiers and SpendCredits, the JSON answers
# checked with node. SpendCredits runs with the service token on USER_ID with
# a fresh request_id; its replay, its reuse with other parameters and the
# refusals around it are checked too, against GetProfile and (when psql is
# there) the ledger itself.
#
# Only the credits service is needed: CONTENT_ADDR and PLANNING_ADDR, which
# lib.bash requires, default to a placeholder when unset.
: "${CONTENT_ADDR:=unused:1}" "${PLANNING_ADDR:=unused:1}"
export CONTENT_ADDR PLANNING_ADDR
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${USER_TOKEN:?}" "${SERVICE_TOKEN:?}" "${USER_ID:?}"

SVC=cameos.credits.v1.CreditsService

# js JSON EXPR: prints EXPR evaluated with the parsed JSON as `j` (objects and
# arrays as JSON, strings as is); prints "JSON-ERROR: ..." when JSON does not
# parse. proto3 JSON leaves zero values out, so EXPR should say `?? 0`.
js() {
	node -e '
		let j;
		try { j = JSON.parse(process.argv[1]); } catch (e) { console.log("JSON-ERROR: " + e.message); process.exit(0); }
		const v = eval(process.argv[2]);
		console.log(typeof v === "object" ? JSON.stringify(v) : String(v));
	' "$1" "$2" 2>&1
}

# check DESCRIPTION JSON EXPR: passes when EXPR is true for JSON.
check() {
	local got
	got=$(js "$2" "$3")
	if [[ $got == true ]]; then
		pass "$1"
	else
		fail "$1" "expression: $3" "     gave: $got" "$(printf '%s' "$2" | head -c 400)"
	fi
}

new_rid() { echo "bufcurl-$(cat /proc/sys/kernel/random/uuid)"; }

# ------------------------------------------------------------- GetProfile
call "$CREDITS_ADDR" "$SVC/GetProfile" '{}' "$USER_TOKEN"
expect_code 0 "GetProfile with the user's token is OK"
PROFILE=$OUT
check "GetProfile answers the caller's own profile" "$PROFILE" "j.id === '$USER_ID'"
check "GetProfile: username is 3-32 characters of [A-Za-z0-9_.-]" "$PROFILE" \
	'/^[A-Za-z0-9_.-]{3,32}$/.test(j.username)'
check "GetProfile: credits is a non-negative integer" "$PROFILE" \
	'Number.isInteger(j.credits ?? 0) && (j.credits ?? 0) >= 0'
check "GetProfile: totalSpent is exact decimal text" "$PROFILE" \
	'typeof j.totalSpent === "string" && /^[0-9]+(\.[0-9]+)?$/.test(j.totalSpent)'
check "GetProfile: createdAt and updatedAt are RFC 3339 times" "$PROFILE" \
	'[j.createdAt, j.updatedAt].every((t) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(t))'
CREDITS=$(js "$PROFILE" 'j.credits ?? 0')
SPENT=$(js "$PROFILE" 'j.totalSpent')

call "$CREDITS_ADDR" "$SVC/GetProfile" '{}'
expect_code 16 "GetProfile without a token is Unauthenticated"

# ------------------------------------------------------- ListPricingTiers
call "$CREDITS_ADDR" "$SVC/ListPricingTiers" '{}' "$USER_TOKEN"
expect_code 0 "ListPricingTiers is OK"
TIERS=$OUT
check "ListPricingTiers: the seeded tiers in order, prices as exact text" "$TIERS" '
	JSON.stringify((j.pricingTiers ?? [])
		.filter((t) => ["Starter", "Creator", "Pro", "Enterprise"].includes(t.name))
		.map((t) => [t.name, t.credits, t.price])) ===
	JSON.stringify([["Starter", 100, "9.99"], ["Creator", 500, "39.99"],
		["Pro", 1500, "99.99"], ["Enterprise", 5000, "299.99"]])'
check "ListPricingTiers: only active tiers, ascending sortOrder" "$TIERS" '
	(j.pricingTiers ?? []).every((t, i, a) => t.isActive === true &&
		(i === 0 || (t.sortOrder ?? 0) >= (a[i - 1].sortOrder ?? 0)))'
check "ListPricingTiers: one page, no next token" "$TIERS" '!j.nextPageToken'

call "$CREDITS_ADDR" "$SVC/ListPricingTiers" '{"page_size": 1}' "$USER_TOKEN"
expect_code 0 "ListPricingTiers with page_size 1 is OK"
PAGE1=$OUT
check "ListPricingTiers page_size 1: one tier and a next token" "$PAGE1" \
	'(j.pricingTiers ?? []).length === 1 && typeof j.nextPageToken === "string" && j.nextPageToken.length > 0'
TOKEN=$(js "$PAGE1" 'j.nextPageToken')
FIRST=$(js "$TIERS" '(j.pricingTiers ?? [])[1]?.id')
call "$CREDITS_ADDR" "$SVC/ListPricingTiers" "{\"page_size\": 1, \"page_token\": \"$TOKEN\"}" "$USER_TOKEN"
expect_code 0 "ListPricingTiers second page is OK"
check "ListPricingTiers second page holds the second tier" "$OUT" \
	"(j.pricingTiers ?? [])[0]?.id === '$FIRST'"
call "$CREDITS_ADDR" "$SVC/ListPricingTiers" '{"page_size": -1}' "$USER_TOKEN"
expect_code 3 "ListPricingTiers with a negative page_size is InvalidArgument"

# ----------------------------------------------------------- SpendCredits
if ((CREDITS < 1)); then
	# The stack's user may have been drained by other scripts: give it one credit.
	call "$CREDITS_ADDR" "$SVC/GrantCredits" \
		"{\"user_id\":\"$USER_ID\",\"amount\":1,\"request_id\":\"$(new_rid)\"}" "$SERVICE_TOKEN"
	expect_code 0 "GrantCredits of 1 credit before spending it"
	CREDITS=$(js "$OUT" 'j.balance ?? 0')
fi
RID=$(new_rid)
BODY="{\"user_id\":\"$USER_ID\",\"amount\":1,\"description\":\"buf curl spend\",\"request_id\":\"$RID\"}"
call "$CREDITS_ADDR" "$SVC/SpendCredits" "$BODY" "$SERVICE_TOKEN"
expect_code 0 "SpendCredits with the service token is OK"
SPEND=$OUT
check "SpendCredits: a generation transaction of -1 for the user" "$SPEND" \
	"j.transaction?.amount === -1 && j.transaction?.transactionType === 'TRANSACTION_TYPE_GENERATION' && j.transaction?.userId === '$USER_ID' && j.transaction?.description === 'buf curl spend'"
check "SpendCredits: the new balance is one less" "$SPEND" "(j.balance ?? 0) === $CREDITS - 1"
TXID=$(js "$SPEND" 'j.transaction?.id')

call "$CREDITS_ADDR" "$SVC/SpendCredits" "$BODY" "$SERVICE_TOKEN"
expect_code 0 "SpendCredits retried with the same request_id is OK"
is "$OUT" "$SPEND" "SpendCredits retry answers the original response, unchanged"

call "$CREDITS_ADDR" "$SVC/SpendCredits" \
	"{\"user_id\":\"$USER_ID\",\"amount\":2,\"description\":\"buf curl spend\",\"request_id\":\"$RID\"}" \
	"$SERVICE_TOKEN"
expect_code 9 "SpendCredits reusing the request_id with another amount is FailedPrecondition"

call "$CREDITS_ADDR" "$SVC/SpendCredits" \
	"{\"user_id\":\"$USER_ID\",\"amount\":1,\"request_id\":\"$(new_rid)\"}" "$USER_TOKEN"
expect_code 7 "SpendCredits with a user token is PermissionDenied"
call "$CREDITS_ADDR" "$SVC/SpendCredits" \
	"{\"user_id\":\"$USER_ID\",\"amount\":2000000000,\"request_id\":\"$(new_rid)\"}" "$SERVICE_TOKEN"
expect_code 3 "SpendCredits of an absurd amount is InvalidArgument"
call "$CREDITS_ADDR" "$SVC/SpendCredits" \
	"{\"user_id\":\"$USER_ID\",\"amount\":$((CREDITS + 1)),\"request_id\":\"$(new_rid)\"}" "$SERVICE_TOKEN"
expect_code 9 "SpendCredits of more than the balance is FailedPrecondition"
call "$CREDITS_ADDR" "$SVC/SpendCredits" \
	"{\"user_id\":\"not-a-uuid\",\"amount\":1,\"request_id\":\"$(new_rid)\"}" "$SERVICE_TOKEN"
expect_code 3 "SpendCredits with a malformed user_id is InvalidArgument"

call "$CREDITS_ADDR" "$SVC/GetProfile" '{}' "$USER_TOKEN"
expect_code 0 "GetProfile after the spend is OK"
check "GetProfile after the spend: one credit less, totalSpent one more (once)" "$OUT" \
	"(j.credits ?? 0) === $CREDITS - 1 && Number(j.totalSpent) === Number('$SPENT') + 1"

if command -v psql >/dev/null 2>&1 && [[ -n ${DATABASE_URL:-} ]]; then
	rows=$(timeout 20 psql "$DATABASE_URL" -X -A -t -c \
		"SELECT count(*) || ':' || coalesce(min(amount), 0) FROM public.credit_transactions
		 WHERE id = '$TXID' AND user_id = '$USER_ID' AND transaction_type = 'generation'" 2>&1) || rows="psql failed: $rows"
	is "$rows" "1:-1" "the ledger holds the spend once, as answered"
else
	skip "the ledger holds the spend once, as answered" "psql or DATABASE_URL missing"
fi

done_testing
