#!/usr/bin/env bash
# The reference worker (examples/worker) against the running services: it
# waits, claims, heartbeats and completes or fails what the user queued, the
# failed generation is refunded, and on SIGTERM it stops at once, leaving
# the generation it was working on to its lease (which runs out; the owner
# can then cancel it, refunded). Needs CONTENT_ADDR, CREDITS_ADDR,
# USER_TOKEN, SERVICE_TOKEN, USER_ID; the binary from CAMEOS_BUILD_DIR.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${USER_TOKEN:?USER_TOKEN is not set}" "${SERVICE_TOKEN:?}" "${USER_ID:?}"

SVC=cameos.content.v1.ContentService
CREDITS=cameos.credits.v1.CreditsService
WORKER=${CAMEOS_BUILD_DIR:-$IT_ROOT/build}/examples/worker/cameos-example-worker
RUN=$(date +%s%N)

get() { jq -r "$1" <<<"$OUT" 2>/dev/null || true; }
balance() {
	call "$CREDITS_ADDR" "$CREDITS/GetProfile" '{}' "$USER_TOKEN"
	get '.credits // 0'
}
# create PROMPT: a veo-2 generation (40 credits) of the user; prints its id.
create() {
	call "$CONTENT_ADDR" "$SVC/CreateGeneration" "$(jq -nc --arg p "$1" '{generation: {prompt: $p,
		model: "MODEL_VEO_2", aspect_ratio: "ASPECT_RATIO_16_9", resolution: "RESOLUTION_720P",
		mode: "GENERATION_MODE_TEXT_TO_VIDEO"}}')" "$USER_TOKEN"
	get .id
}
# gen ID: the generation as the user sees it (OUT).
gen() { call "$CONTENT_ADDR" "$SVC/GetGeneration" "{\"id\": \"$1\"}" "$USER_TOKEN"; }

if [[ -x $WORKER ]]; then pass "the example worker is built"; else
	fail "the example worker is built" "no $WORKER"
	done_testing
	exit
fi

call "$CREDITS_ADDR" "$CREDITS/GrantCredits" "$(jq -nc --arg u "$USER_ID" --arg r "wk-grant-$RUN" \
	'{user_id: $u, amount: 200, description: "worker example", request_id: $r}')" "$SERVICE_TOKEN"
expect_code 0 "credits for four generations"
before=$(balance)
a=$(create "worker example: a harbour at dawn")
f=$(create "fail: worker example, refused")
b=$(create "worker example: a fox in snow")
if [[ $a =~ ^[0-9a-f-]{36}$ && $f =~ ^[0-9a-f-]{36}$ && $b =~ ^[0-9a-f-]{36}$ ]]; then
	pass "three generations queued"
else
	fail "three generations queued" "$ERR"
fi
is "$(balance)" "$((before - 120))" "the user paid 3 x 40"

# --- the loop: until a claim finds nothing. Leases of 3 s, 1.2 s of work
# each, in batches of 2: the heartbeats must keep the second one's lease.
out=$IT_TMP/worker.out
rc=0
CONTENT_ADDR=$CONTENT_ADDR WORKER_TOKEN=$SERVICE_TOKEN WORKER_NAME="it-worker-$RUN" \
	WORKER_EXIT_IDLE=1 WORKER_LEASE_S=3 WORKER_WORK_MS=1200 WORKER_BATCH=2 \
	timeout 300 "$WORKER" >"$out" 2>&1 || rc=$?
is "$rc" 0 "the worker exits 0 once the queue has nothing for it"
grep -q "^completed $a$" "$out" && grep -q "^completed $b$" "$out" &&
	pass "it completed both" || fail "it completed both" "$(tail -n 20 "$out")"
grep -q "^failed $f$" "$out" && pass "it failed the one it could not make" ||
	fail "it failed the one it could not make" "$(tail -n 20 "$out")"
grep -q "^heartbeat .*: OK$" "$out" && pass "it sent heartbeats" || fail "it sent heartbeats"
grep -q "lease lost" "$out" && fail "no lease was lost" "$(grep "lease lost" "$out")" ||
	pass "no lease was lost"
gen "$a"
is "$(get .status)/$(get .videoUrl)" "GENERATION_STATUS_SUCCESS/https://videos.example/$a.mp4" \
	"a is SUCCESS with its video"
gen "$b"
is "$(get .status)" GENERATION_STATUS_SUCCESS "b is SUCCESS"
gen "$f"
is "$(get .status)/$(get .errorMessage)" "GENERATION_STATUS_ERROR/the model refused this prompt" \
	"the refused one is ERROR with the worker's reason"
is "$(balance)" "$((before - 80))" "the refused one was refunded, once"

# --- SIGTERM mid-work: the worker stops, the generation stays GENERATING
# under its lease; when the lease runs out it is queued again and the
# owner may cancel it.
s=$(create "worker example: stopped mid-work")
rm -f "$out"
CONTENT_ADDR=$CONTENT_ADDR WORKER_TOKEN=$SERVICE_TOKEN WORKER_NAME="it-worker-stop-$RUN" \
	WORKER_LEASE_S=3 WORKER_WORK_MS=600000 WORKER_BATCH=1 \
	timeout 300 "$WORKER" >"$out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
	grep -q "^claimed $s " "$out" 2>/dev/null && break
	sleep 0.1
done
grep -q "^claimed $s " "$out" && pass "a second worker claims the new generation" ||
	fail "a second worker claims the new generation" "$(cat "$out")"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
is "$rc" 0 "on SIGTERM it exits 0"
grep -q "^stopping: $s is left to its lease$" "$out" && pass "it leaves the generation to its lease" ||
	fail "it leaves the generation to its lease" "$(tail -n 5 "$out")"
gen "$s"
is "$(get .status)" GENERATION_STATUS_GENERATING "the generation is still GENERATING"
CODE=
for _ in $(seq 1 60); do
	call "$CONTENT_ADDR" "$SVC/CancelGeneration" "{\"id\": \"$s\"}" "$USER_TOKEN"
	[[ $CODE == 0 ]] && break
	sleep 0.5
done
expect_code 0 "once its lease ran out and the sweep requeued it, the owner cancels it"
is "$(balance)" "$((before - 80))" "and gets the 40 credits back"

done_testing
