#!/usr/bin/env bash
# A clean shutdown is leak-free under valgrind: each service serves a few
# calls (unary, reflection stream, health watch, a database error) under
# memcheck, then SIGTERM; valgrind must report no error and nothing
# definitely or indirectly lost. Content runs a second time with two loops. scripts/test.sh runs it with the Release
# binaries only (valgrind cannot run ASan ones; that suite has LeakSanitizer).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
command -v valgrind >/dev/null || { fail "valgrind is installed"; done_testing; exit 1; }

# content once more with two loops (LOOPS=2): two threads, two gRPC
# servers, two pools and LISTEN connections, all freed at the end.
for run in credits content planning content:2; do
	svc=${run%%:*} loops=1
	[[ $run == *:* ]] && loops=${run#*:}
	what=$svc
	[[ $loops -gt 1 ]] && what="$svc with LOOPS=$loops"
	port=$(free_port)
	log="$IT_TMP/vg-$svc-$loops.log"
	env DATABASE_URL="${DATABASE_URL/\/\/postgres@/\/\/cameos_$svc@}" \
		GRPC_LISTEN="127.0.0.1:$port" METRICS_LISTEN="127.0.0.1:$((port + 1))" \
		JWT_SECRET="$JWT_SECRET" SHUTDOWN_GRACE_MS=3000 LOOPS="$loops" \
		valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		"$CAMEOS_BUILD_DIR/services/$svc/cameos-$svc" >"$log" 2>&1 &
	pid=$!
	addr=127.0.0.1:$port
	if ! wait_health 90 "$addr" "" SERVING; then
		fail "$what under valgrind reaches SERVING" "$(tail -n 5 "$log")"
		kill "$pid" 2>/dev/null
		continue
	fi
	pass "$what under valgrind reaches SERVING"
	if [[ $loops -gt 1 ]]; then
		is "$(grep -c "loop [0-9]* of $loops: listening" "$log")" "$loops" "$what runs $loops loops"
	fi
	# A mix of paths: an RPC with a token, one without, reflection, a
	# health Watch left open at shutdown, and the metrics page.
	call "$addr" "${FULLNAME[$svc]}/$(case $svc in credits) echo GetProfile ;; content) echo ListGenerations ;; planning) echo ListCampaigns ;; esac)" '{}' "$USER_TOKEN"
	expect_code 0 "$what under valgrind answers a call"
	call "$addr" "${FULLNAME[$svc]}/$(case $svc in credits) echo GetProfile ;; content) echo ListGenerations ;; planning) echo ListCampaigns ;; esac)" '{}'
	expect_code 16 "$what under valgrind refuses a call without token"
	timeout 60 "$BUF" curl --protocol grpc --http2-prior-knowledge --list-methods "http://$addr" >/dev/null 2>&1 &&
		pass "$what under valgrind serves reflection" || fail "$what under valgrind serves reflection"
	curl -sf --max-time 20 "http://127.0.0.1:$((port + 1))/metrics" >/dev/null &&
		pass "$what under valgrind serves /metrics" || fail "$what under valgrind serves /metrics"
	timeout 30 "$BUF" curl --protocol grpc --http2-prior-knowledge -d '{}' \
		"http://$addr/grpc.health.v1.Health/Watch" >/dev/null 2>&1 &
	watch=$!
	sleep 2
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	wait "$watch" 2>/dev/null || true
	is "$rc" 0 "$what under valgrind exits 0 on SIGTERM (99: valgrind found errors or leaks)"
	if grep -qE 'ERROR SUMMARY: 0 errors' "$log" && grep -qE 'definitely lost: 0 bytes|All heap blocks were freed' "$log"; then
		pass "$what: valgrind reports no error and no leak"
	else
		fail "$what: valgrind reports no error and no leak" "$(grep -E 'definitely|indirectly|ERROR SUMMARY' "$log")"
	fi
done

done_testing
