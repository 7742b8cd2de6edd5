#!/usr/bin/env bash
# Structured logs: one JSON line per RPC on stderr with time, service,
# method, code, duration_ms, user and peer; a database error names its
# SQLSTATE but never the parameters; the call's trace context (the caller's
# W3C traceparent, or a fresh trace; a span of its own), x-request-id and a
# money call's request_id are on the line, and the trace reaches PostgreSQL
# as the transaction's application_name; LOG_LEVEL=warn silences the RPC
# lines.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$IT_TMP"' EXIT

spawn_credits info LOG_LEVEL=info
pids+=("$SPAWN_PID")
info=127.0.0.1:$SPAWN_PORT
info_log=$SPAWN_LOG
spawn_credits quiet LOG_LEVEL=warn
pids+=("$SPAWN_PID")
quiet=127.0.0.1:$SPAWN_PORT
quiet_log=$SPAWN_LOG
wait_health 30 "$info" "" SERVING && wait_health 30 "$quiet" "" SERVING &&
	pass "two instances are SERVING" ||
	fail "two instances are SERVING" "$(tail -n 5 "$info_log" "$quiet_log")"

call "$info" cameos.credits.v1.CreditsService/GetProfile '{}' "$USER_TOKEN"
expect_code 0 "a GetProfile call"
# A username that is taken: a unique violation (23505) inside the database.
secret_name="taken$(openssl rand -hex 4)"
psql "$DATABASE_URL" -qAt -c "insert into auth.users (email, raw_user_meta_data) values
	('$secret_name@example.test', '{\"username\":\"$secret_name\"}')" >/dev/null
call "$info" cameos.credits.v1.CreditsService/UpdateProfile \
	"{\"profile\":{\"username\":\"$secret_name\"},\"update_mask\":\"username\"}" "$USER_TOKEN"
expect_code 6 "UpdateProfile to a taken username is AlreadyExists"
sleep 0.3

line=$(grep '"method":"/cameos.credits.v1.CreditsService/GetProfile"' "$info_log" | tail -n1)
if node -e '
	const l = JSON.parse(process.argv[1]);
	const need = ["time", "level", "service", "method", "code", "duration_ms", "user", "peer"];
	const miss = need.filter((k) => !(k in l));
	if (miss.length || l.code !== "OK" || l.user !== process.argv[2] || typeof l.duration_ms !== "number")
		process.exit(1);' "$line" "$USER_ID" 2>/dev/null; then
	pass "the RPC line is JSON with time, service, method, code, duration_ms, user and peer"
else
	fail "the RPC line is JSON with time, service, method, code, duration_ms, user and peer" "$line"
fi
line=$(grep '"method":"/cameos.credits.v1.CreditsService/UpdateProfile"' "$info_log" | tail -n1)
[[ $line == *'"sqlstate":"23505"'* && $line == *'"code":"ALREADY_EXISTS"'* ]] &&
	pass "a database error logs its SQLSTATE" || fail "a database error logs its SQLSTATE" "$line"
grep -q "$secret_name" "$info_log" && fail "parameters never reach the log" "found $secret_name" ||
	pass "parameters never reach the log"
# A caller's trace (W3C traceparent), its x-request-id and the request's
# idempotency key follow the call into the log; the call gets a span of its
# own, with the caller's span as parent.
trace=4bf92f3577b34da6a3ce929d0e0e4736
rid="logs-$(openssl rand -hex 6)"
call "$info" cameos.credits.v1.CreditsService/GrantCredits \
	"{\"user_id\":\"$USER_ID\",\"amount\":1,\"request_id\":\"$rid\"}" "$SERVICE_TOKEN" \
	-H "traceparent: 00-$trace-00f067aa0ba902b7-01" -H "x-request-id: edge-$rid"
expect_code 0 "a GrantCredits call with a traceparent and an x-request-id"
call "$info" cameos.credits.v1.CreditsService/GetProfile '{}' "$USER_TOKEN" -H "traceparent: 00-zz-00-01"
expect_code 0 "a call with a malformed traceparent is served"
call "$info" cameos.credits.v1.CreditsService/GetProfile '{}' "$USER_TOKEN"
expect_code 0 "a call without a traceparent"
sleep 0.3
# field NAME LINE: a string field of a JSON log line, or "".
field() { jq -r --arg k "$1" '.[$k] // ""' <<<"$2" 2>/dev/null || true; }
line=$(grep '"method":"/cameos.credits.v1.CreditsService/GrantCredits"' "$info_log" | tail -n1)
is "$(field trace_id "$line") $(field parent_span_id "$line") $(field x_request_id "$line") $(field request_id "$line")" \
	"$trace 00f067aa0ba902b7 edge-$rid $rid" \
	"the line carries the caller's trace id and span (as parent), x-request-id and request_id"
span=$(field span_id "$line")
[[ $span =~ ^[0-9a-f]{16}$ && $span != 00f067aa0ba902b7 ]] && pass "the call has a span id of its own" ||
	fail "the call has a span id of its own" "$line"
mapfile -t fresh < <(grep '"method":"/cameos.credits.v1.CreditsService/GetProfile"' "$info_log" | tail -n2)
t1=$(field trace_id "${fresh[0]}") t2=$(field trace_id "${fresh[1]}")
if [[ $t1 =~ ^[0-9a-f]{32}$ && $t2 =~ ^[0-9a-f]{32}$ && $t1 != "$t2" && $t1 != 0000* &&
	-z $(field parent_span_id "${fresh[0]}") && $(field span_id "${fresh[1]}") =~ ^[0-9a-f]{16}$ ]]; then
	pass "without a valid traceparent each call starts a trace of its own"
else
	fail "without a valid traceparent each call starts a trace of its own" "${fresh[@]}"
fi

# The trace reaches PostgreSQL in the call's prelude, as the transaction's
# application_name: seen in pg_stat_activity while the call waits on a lock,
# gone once it ends.
trace2=$(openssl rand -hex 16)
lock_table public.user_profiles logs-locker || fail "logs-locker holds user_profiles"
pids+=("$LOCKER_PID")
"$BUF" curl --protocol grpc --http2-prior-knowledge --timeout 60s -H "authorization: Bearer $USER_TOKEN" \
	-H "traceparent: 00-$trace2-00f067aa0ba902b7-01" \
	"http://$info/cameos.credits.v1.CreditsService/GetProfile" >"$IT_TMP/blocked.out" 2>&1 &
blocked=$!
app=
for _ in $(seq 1 300); do
	app=$(psql "$DATABASE_URL" -qAt -c "select application_name from pg_stat_activity
		where application_name like 'credits/$trace2-%'")
	[[ -n $app ]] && break
	sleep 0.1
done
unlock_table logs-locker
wait "$blocked" && pass "the blocked call completes once the lock goes" ||
	fail "the blocked call completes once the lock goes" "$(cat "$IT_TMP/blocked.out")"
sleep 0.3
line=$(grep "\"trace_id\":\"$trace2\"" "$info_log" | tail -n1)
is "$app" "credits/$trace2-$(field span_id "$line")" \
	"while it runs, the call's backend is named credits/<trace id>-<span id>"
left=$(psql "$DATABASE_URL" -qAt -c "select count(*) from pg_stat_activity
	where application_name like 'credits/$trace2-%'")
is "$left" 0 "the name is local to the call's transaction"

bad=$(grep -c -v '^{.*}$' "$info_log" || true)
is "$bad" 0 "every line of the log is one JSON object"

call "$quiet" cameos.credits.v1.CreditsService/GetProfile '{}' "$USER_TOKEN"
expect_code 0 "a call on the LOG_LEVEL=warn instance"
sleep 0.3
n=$(grep -c '"method":' "$quiet_log" || true)
is "$n" 0 "LOG_LEVEL=warn writes no RPC line"

done_testing
