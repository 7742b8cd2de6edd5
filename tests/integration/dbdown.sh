#!/usr/bin/env bash
# PostgreSQL going away and coming back: health turns NOT_SERVING while
# `liveness` stays SERVING, RPCs fail fast with Unavailable, and everything
# recovers without restarting the services.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${USER_TOKEN:?}"
if [[ -z ${PG_STOP_CMD:-} || -z ${PG_START_CMD:-} ]]; then
	echo "1..0 # SKIP PG_STOP_CMD / PG_START_CMD not set"
	exit 0
fi

pg_stopped=0
restart_pg() { if ((pg_stopped)); then bash -c "$PG_START_CMD" >/dev/null 2>&1 || true; fi; }
trap 'restart_pg; rm -rf "$IT_TMP"' EXIT

for svc in "${SERVICES[@]}"; do
	if ! wait_health 15 "${ADDR[$svc]}" "" SERVING; then
		fail "$svc: SERVING before the test" "health: $(health "${ADDR[$svc]}" "")"
		done_testing
		exit 1
	fi
done

declare -A PROBE=(
	[credits]="cameos.credits.v1.CreditsService/GetProfile"
	[content]="cameos.content.v1.ContentService/ListGenerations"
	[planning]="cameos.planning.v1.PlanningService/ListCampaigns"
)

if bash -c "$PG_STOP_CMD" >/dev/null 2>&1; then
	pg_stopped=1
	pass "PostgreSQL stopped"
else
	fail "PostgreSQL stopped (PG_STOP_CMD failed)"
	done_testing
	exit 1
fi
t0=$(now_ms)

for svc in "${SERVICES[@]}"; do
	addr=${ADDR[$svc]}
	if wait_health 10 "$addr" "" NOT_SERVING; then
		pass "$svc: Health \"\" turns NOT_SERVING ($(($(now_ms) - t0)) ms after the stop)"
	else
		fail "$svc: Health \"\" turns NOT_SERVING within 10 s" "health: $(health "$addr" "")"
	fi
	is "$(health "$addr" "${FULLNAME[$svc]}")" NOT_SERVING "$svc: Health ${FULLNAME[$svc]} is NOT_SERVING"
	is "$(health "$addr" liveness)" SERVING "$svc: Health liveness stays SERVING"

	rpc=${PROBE[$svc]#*/}
	call "$addr" "${PROBE[$svc]}" '{}' "$USER_TOKEN"
	if [[ $CODE == 12 && $svc != credits ]]; then
		skip "$svc: $rpc fails fast with Unavailable" "$rpc not implemented yet"
	elif [[ $CODE == 14 ]] && ((MS < 2000)); then
		pass "$svc: $rpc fails fast with Unavailable (${MS} ms)"
	else
		fail "$svc: $rpc fails fast with Unavailable (< 2000 ms)" \
			"got: $(code_name "$CODE") in ${MS} ms" "$(printf '%s' "$ERR" | head -c 300)"
	fi
	# README "Errors": the reason DATABASE_UNAVAILABLE, and when to retry.
	if [[ $CODE == 14 ]] && grep -q '"type": "google.rpc.ErrorInfo"' <<<"$ERR" &&
		grep -q '"type": "google.rpc.RetryInfo"' <<<"$ERR"; then
		pass "$svc: the Unavailable carries ErrorInfo and RetryInfo"
	else
		fail "$svc: the Unavailable carries ErrorInfo and RetryInfo" "$(printf '%s' "$ERR" | head -c 600)"
	fi
done

if bash -c "$PG_START_CMD" >/dev/null 2>&1; then
	pg_stopped=0
	pass "PostgreSQL started again"
else
	fail "PostgreSQL started again (PG_START_CMD failed)"
fi
t0=$(now_ms)

for svc in "${SERVICES[@]}"; do
	addr=${ADDR[$svc]}
	if wait_health 15 "$addr" "" SERVING; then
		pass "$svc: Health \"\" is SERVING again ($(($(now_ms) - t0)) ms after the start)"
	else
		fail "$svc: Health \"\" is SERVING again within 15 s" "health: $(health "$addr" "")"
	fi
	rpc=${PROBE[$svc]#*/}
	call "$addr" "${PROBE[$svc]}" '{}' "$USER_TOKEN"
	if [[ $CODE == 12 && $svc != credits ]]; then
		skip "$svc: $rpc succeeds again" "$rpc not implemented yet"
	else
		expect_code 0 "$svc: $rpc succeeds again"
	fi
done

done_testing
