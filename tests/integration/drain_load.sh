#!/usr/bin/env bash
# drain_load.sh - drains lose nothing (TAP): a SIGTERM in the middle of
# sustained load (hundreds of calls a second, money calls among them) on a
# credits instance of its own ends with every call answered OK or refused
# before the service started it, the ledger intact (drain_load.cjs, a
# grpc-js load with checks in PostgreSQL), and the process exiting 0 within
# the grace period with a clean stop in its log.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${CAMEOS_BUILD_DIR:?CAMEOS_BUILD_DIR is not set (scripts/test.sh sets it)}"
GRACE_MS=10000

spawn_serving drain_load SHUTDOWN_GRACE_MS=$GRACE_MS
pid=$SPAWN_PID PORT=$SPAWN_PORT

# The load runs in the background while this shell waits for the instance:
# the exit is timed and its status kept here, where the process is a child.
term_file="$IT_TMP/term"
DRAIN_ADDR="127.0.0.1:$PORT" DRAIN_PID="$pid" DRAIN_TERM_FILE="$term_file" DRAIN_LOG="$SPAWN_LOG" \
	node "$IT_ROOT/tests/integration/drain_load.cjs" >"$IT_TMP/load.tap" 2>&1 &
node_pid=$!
rc=0 done_pid=
wait -n -p done_pid "$pid" "$node_pid" || rc=$?
t_exit=$(now_ms)
if [[ ${done_pid:-} == "$pid" ]]; then
	node_rc=0
	wait "$node_pid" || node_rc=$?
else
	# The load ended first: the instance outlived it (the .cjs signals it
	# even when it failed early, so that this wait ends).
	node_rc=$rc
	[[ -s $term_file ]] || kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 $((GRACE_MS / 100 + 50))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" || rc=$?
	t_exit=$(now_ms)
fi

# The .cjs's results, numbered on from ours; its plan is dropped (ours
# comes last).
before=$_tap_n failed_before=$_tap_failed
while IFS= read -r line; do
	if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then
		pass "${BASH_REMATCH[1]}"
	elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then
		fail "${BASH_REMATCH[1]}"
	elif [[ $line =~ ^1\.\.[0-9]+$ ]]; then
		continue
	elif [[ $line == '#'* ]]; then
		echo "$line"
	else
		diag "$line" # stray output (a stack trace, a warning)
	fi
done <"$IT_TMP/load.tap"
if ((_tap_n == before)); then
	fail "drain_load.cjs printed TAP results" "exit $node_rc"
elif ((node_rc != 0 && _tap_failed == failed_before)); then
	fail "drain_load.cjs exits 0" "exit $node_rc"
fi

is "$rc" 0 "the process exits 0 after draining"
if [[ -s $term_file ]]; then
	t_term=$(<"$term_file")
	if ((t_exit - t_term < GRACE_MS)); then pass "it exits within the grace period ($((t_exit - t_term)) ms)"; else
		fail "it exits within the grace period" "took $((t_exit - t_term)) ms"
	fi
else
	fail "it exits within the grace period" "drain_load.cjs never sent SIGTERM"
fi
if grep -q 'grace period over' "$SPAWN_LOG"; then
	fail "no call was cancelled at the end of the grace period" "$(grep 'grace period over' "$SPAWN_LOG")"
else
	pass "no call was cancelled at the end of the grace period"
fi
if grep -q '"msg":"stopped"' "$SPAWN_LOG"; then pass "the log ends with a clean stop"; else
	fail "the log ends with a clean stop" "$(tail -n 3 "$SPAWN_LOG")"
fi

done_testing
