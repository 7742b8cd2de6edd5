#!/usr/bin/env bash
# Structured logs: one JSON line per RPC on stderr with time, service,
# method, code, duration_ms, user and peer; a database error names its
# SQLSTATE but never the parameters; a W3C traceparent's trace id and a
# money call's request_id are on the line; LOG_LEVEL=warn silences the RPC
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
# A caller's trace and its idempotency key follow the call into the log.
trace=4bf92f3577b34da6a3ce929d0e0e4736
rid="logs-$(openssl rand -hex 6)"
call "$info" cameos.credits.v1.CreditsService/GrantCredits \
	"{\"user_id\":\"$USER_ID\",\"amount\":1,\"request_id\":\"$rid\"}" "$SERVICE_TOKEN" \
	-H "traceparent: 00-$trace-00f067aa0ba902b7-01"
expect_code 0 "a GrantCredits call with a traceparent"
call "$info" cameos.credits.v1.CreditsService/GetProfile '{}' "$USER_TOKEN" -H "traceparent: 00-zz-00-01"
expect_code 0 "a call with a malformed traceparent is served"
sleep 0.3
line=$(grep '"method":"/cameos.credits.v1.CreditsService/GrantCredits"' "$info_log" | tail -n1)
[[ $line == *"\"trace_id\":\"$trace\""* && $line == *"\"request_id\":\"$rid\""* ]] &&
	pass "the line carries the trace id and the request_id" ||
	fail "the line carries the trace id and the request_id" "$line"
line=$(grep '"method":"/cameos.credits.v1.CreditsService/GetProfile"' "$info_log" | tail -n1)
[[ $line != *trace_id* ]] && pass "a malformed traceparent is not logged" ||
	fail "a malformed traceparent is not logged" "$line"
bad=$(grep -c -v '^{.*}$' "$info_log" || true)
is "$bad" 0 "every line of the log is one JSON object"

call "$quiet" cameos.credits.v1.CreditsService/GetProfile '{}' "$USER_TOKEN"
expect_code 0 "a call on the LOG_LEVEL=warn instance"
sleep 0.3
n=$(grep -c '"method":' "$quiet_log" || true)
is "$n" 0 "LOG_LEVEL=warn writes no RPC line"

done_testing
