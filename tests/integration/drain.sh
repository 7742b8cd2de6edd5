#!/usr/bin/env bash
# SIGTERM drain, on a credits instance of its own: calls in flight when the
# signal comes all finish OK (none lost), new calls are refused, and the
# process exits 0 within the grace period.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${CAMEOS_BUILD_DIR:?CAMEOS_BUILD_DIR is not set (scripts/test.sh sets it)}"
INFLIGHT=8

spawn_serving drain SHUTDOWN_GRACE_MS=10000
pid=$SPAWN_PID PORT=$SPAWN_PORT

# Hold GetProfile's table so that the calls stay in flight until we let go
# (the locker ends when we terminate it, after the signal).
lock_table public.user_profiles drain-locker || true # the count below says whether calls got in
for i in $(seq 1 "$INFLIGHT"); do
	(
		rc=0
		"$BUF" curl --protocol grpc --http2-prior-knowledge --timeout 20s \
			-H "authorization: Bearer $USER_TOKEN" \
			"http://127.0.0.1:$PORT/cameos.credits.v1.CreditsService/GetProfile" \
			>"$IT_TMP/call-$i.out" 2>&1 || rc=$?
		echo "$rc" >"$IT_TMP/call-$i.rc"
	) &
done
# Every call must have reached the server (and be blocked on the lock)
# before the signal: the server's own count of started calls says so.
started='grpc_server_started_total{grpc_method="GetProfile",grpc_service="cameos.credits.v1.CreditsService",grpc_type="unary"}'
n=0
for _ in $(seq 1 600); do
	n=$(curl -sf --max-time 5 "http://127.0.0.1:$((PORT + 1))/metrics" | awk -v p="$started" 'index($0, p) == 1 { print $NF }')
	[[ ${n:-0} -ge $INFLIGHT ]] && break
	sleep 0.1
done
is "${n:-0}" "$INFLIGHT" "all $INFLIGHT calls are in flight before SIGTERM"
kill -TERM "$pid"
t_term=$(now_ms)
sleep 0.3
call "127.0.0.1:$PORT" cameos.credits.v1.CreditsService/GetProfile '{}' "$USER_TOKEN"
if [[ $CODE != 0 ]]; then pass "a new call after SIGTERM is refused ($(code_name "$CODE"))"; else
	fail "a new call after SIGTERM is refused" "it succeeded"
fi
unlock_table drain-locker
rc=0
wait "$pid" || rc=$?
t_exit=$(now_ms)
is "$rc" 0 "the process exits 0 after draining"
if ((t_exit - t_term < 10000)); then pass "it exits within the grace period ($((t_exit - t_term)) ms)"; else
	fail "it exits within the grace period" "took $((t_exit - t_term)) ms"
fi
wait # the calls
ok=0
for i in $(seq 1 "$INFLIGHT"); do
	if [[ $(cat "$IT_TMP/call-$i.rc" 2>/dev/null) == 0 ]] && grep -q '"credits"' "$IT_TMP/call-$i.out"; then
		ok=$((ok + 1))
	fi
done
is "$ok" "$INFLIGHT" "all $INFLIGHT calls in flight at SIGTERM completed OK"
grep -q '"msg":"stopped"' "$SPAWN_LOG" && pass "the log ends with a clean stop" ||
	fail "the log ends with a clean stop" "$(tail -n 3 "$SPAWN_LOG")"

done_testing
