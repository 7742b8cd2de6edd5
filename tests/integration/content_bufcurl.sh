#!/usr/bin/env bash
# ContentService end to end through `buf curl` and server reflection only (no
# proto files): the user starts a generation and is charged through the
# ledger, the worker fails it, and CreditsService shows the balance restored
# with the refund in the user's ledger. Then the terminal-status rules and the
# clean-up. Needs CONTENT_ADDR, CREDITS_ADDR, USER_TOKEN, SERVICE_TOKEN and
# USER_ID (a ready user).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${USER_TOKEN:?USER_TOKEN is not set}" "${SERVICE_TOKEN:?}" "${USER_ID:?}"

SVC=cameos.content.v1.ContentService
CREDITS=cameos.credits.v1.CreditsService
RUN=$(date +%s%N)

# content METHOD JSON [TOKEN]: calls the content service (as the user by default).
content() { call "$CONTENT_ADDR" "$SVC/$1" "$2" "${3:-$USER_TOKEN}"; }
# get FILTER: a jq filter on the last response ("" when it fails).
get() { jq -r "$1" <<<"$OUT" 2>/dev/null || true; }
# balance: the user's credits through CreditsService ("" when it fails).
balance() {
	call "$CREDITS_ADDR" "$CREDITS/GetProfile" '{}' "$USER_TOKEN"
	get '.credits // 0'
}

# --- a user with at least the 40 credits a veo-2 generation costs
before=$(balance)
if [[ $before =~ ^[0-9]+$ ]] && ((before < 40)); then
	call "$CREDITS_ADDR" "$CREDITS/GrantCredits" "$(jq -nc --arg u "$USER_ID" --arg r "cb-grant-$RUN" \
		'{user_id: $u, amount: 100, description: "content_bufcurl", request_id: $r}')" "$SERVICE_TOKEN"
	expect_code 0 "GrantCredits tops the user up for the test"
	before=$(balance)
fi
if [[ $before =~ ^[0-9]+$ ]]; then pass "GetProfile gives the balance ($before)"; else fail "GetProfile gives the balance" "$ERR"; fi

# --- create: charged once, idempotent on request_id
create=$(jq -nc --arg r "cb-gen-$RUN" '{generation: {prompt: "A lighthouse in a storm, cinematic",
	model: "MODEL_VEO_2", aspect_ratio: "ASPECT_RATIO_16_9", resolution: "RESOLUTION_720P",
	mode: "GENERATION_MODE_TEXT_TO_VIDEO"}, request_id: $r}')
content CreateGeneration "$create"
expect_code 0 "CreateGeneration"
gen=$(get .id)
is "$(get .status)" GENERATION_STATUS_GENERATING "the new generation is GENERATING"
is "$(get .creditsUsed)" 40 "veo-2 costs 40 credits"
is "$(get .userId)" "$USER_ID" "it belongs to the caller"
is "$(balance)" "$((before - 40))" "the balance dropped by 40"

content CreateGeneration "$create"
expect_code 0 "CreateGeneration retried with the same request_id"
is "$(get .id)" "$gen" "the retry returns the same generation"
is "$(balance)" "$((before - 40))" "the retry charged nothing"

content CreateGeneration "$(jq -c '.generation.prompt = "another prompt"' <<<"$create")"
expect_code 9 "the same request_id with other parameters is FailedPrecondition"

content CreateGeneration '{"generation": {"prompt": "x", "model": "MODEL_VEO_2",
	"aspect_ratio": "ASPECT_RATIO_16_9", "resolution": "RESOLUTION_720P",
	"mode": "GENERATION_MODE_IMAGE_TO_VIDEO"}}'
expect_code 3 "image_to_video without reference_image_url is InvalidArgument"

content GetGeneration "{\"id\": \"$gen\"}"
expect_code 0 "GetGeneration"
is "$(get .status)" GENERATION_STATUS_GENERATING "still GENERATING"

content DeleteGeneration "{\"id\": \"$gen\"}"
expect_code 9 "DeleteGeneration while GENERATING is FailedPrecondition"

# --- the worker fails it: refund through the ledger
content FailGeneration "{\"id\": \"$gen\", \"error_message\": \"safety filter\"}"
expect_code 7 "FailGeneration with a user token is PermissionDenied"

content FailGeneration "{\"id\": \"$gen\", \"error_message\": \"safety filter\"}" "$SERVICE_TOKEN"
expect_code 0 "FailGeneration by the worker"
is "$(get .status)" GENERATION_STATUS_ERROR "the generation is in ERROR"
is "$(get .errorMessage)" "safety filter" "with its error message"
if [[ -n $(get '.completedAt // empty') ]]; then pass "completed_at is set"; else fail "completed_at is set" "$OUT"; fi
is "$(balance)" "$before" "CreditsService shows the balance restored"

call "$CREDITS_ADDR" "$CREDITS/ListCreditTransactions" '{"transaction_type": "TRANSACTION_TYPE_REFUND"}' "$USER_TOKEN"
expect_code 0 "ListCreditTransactions (refunds)"
is "$(jq -r --arg g "$gen" '[.creditTransactions[]? | select(.generationId == $g) | .amount] | @csv' <<<"$OUT")" \
	40 "one refund of 40 for the generation"
call "$CREDITS_ADDR" "$CREDITS/ListCreditTransactions" '{"transaction_type": "TRANSACTION_TYPE_GENERATION"}' "$USER_TOKEN"
is "$(jq -r --arg g "$gen" '[.creditTransactions[]? | select(.generationId == $g) | .amount] | @csv' <<<"$OUT")" \
	-40 "one debit of 40 for the generation"

content FailGeneration "{\"id\": \"$gen\", \"error_message\": \"again\"}" "$SERVICE_TOKEN"
expect_code 0 "FailGeneration repeated"
is "$(get .errorMessage)" "safety filter" "the repeat changed nothing"
is "$(balance)" "$before" "and refunded nothing more"

content CompleteGeneration "{\"id\": \"$gen\", \"video_url\": \"https://videos.test/$gen.mp4\"}" "$SERVICE_TOKEN"
expect_code 9 "CompleteGeneration after ERROR is FailedPrecondition"

# --- list, then the clean-up
content ListGenerations '{"status": "GENERATION_STATUS_ERROR", "page_size": 1000}'
expect_code 0 "ListGenerations filtered by status"
is "$(jq -r --arg g "$gen" '[.generations[]? | select(.id == $g)] | length' <<<"$OUT")" 1 \
	"the failed generation is listed under ERROR"

content DeleteGeneration "{\"id\": \"$gen\"}"
expect_code 0 "DeleteGeneration once it has finished"
content GetGeneration "{\"id\": \"$gen\"}"
expect_code 5 "the deleted generation is NotFound"
is "$(balance)" "$before" "deleting it keeps the ledger as it was"

done_testing
