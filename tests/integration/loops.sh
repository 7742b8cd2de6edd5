#!/usr/bin/env bash
# A process of several loops (LOOPS), on credits instances of their own:
# with LOOPS=2 both loops serve calls (each its own thread, listener and
# connections), the metrics page sums the two, the ledger stays exact when
# both loops spend from one balance at once, and SIGTERM drains both and
# exits 0. LOOPS above DB_POOL_SIZE runs one loop per connection. Health
# is the process's: one loop without its database makes every loop's
# answer NOT_SERVING (health_loops.cjs). And a
# content process of two loops cues the streams each loop keeps (waiting
# workers, watchers) from its own LISTEN connection (cue_loops.cjs; needs
# USER_ID, USER_TOKEN and SERVICE_TOKEN). SIGTERM in the middle of the
# start-up drains every loop (strace slows the start-up down).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${CAMEOS_BUILD_DIR:?CAMEOS_BUILD_DIR is not set (scripts/test.sh sets it)}"
LOADGEN="$CAMEOS_BUILD_DIR/bench/cameos-loadgen"
PSQL=(psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAtX)

# threads PID: "name:cpu-ticks" of each thread, one a line.
threads() {
	local t
	for t in /proc/"$1"/task/*; do
		echo "$(cat "$t/comm"):$(awk '{ print $14 + $15 }' "$t/stat")"
	done
}
# metric PORT NAME_AND_LABELS: the value on the metrics page, or "none".
metric() {
	curl -sf --max-time 10 "http://127.0.0.1:$(($1 + 1))/metrics" |
		awk -v p="$2" 'index($0, p " ") == 1 { v = $NF } END { print v == "" ? "none" : v }'
}
# has FILE TEXT DESCRIPTION: passes when FILE contains TEXT.
has() {
	if grep -qF -- "$2" "$1"; then pass "$3"; else fail "$3" "$(tail -n 5 "$1")"; fi
}
# metric_becomes PORT NAME WANT: the metric's value once it is WANT, or
# the last value seen in 5 s (loops other than the first publish their
# counts at the end of a turn, and their pool's gauges once a second).
metric_becomes() {
	local v=none
	for _ in $(seq 1 25); do
		v=$(metric "$1" "$2")
		[[ $v == "$3" ]] && break
		sleep 0.2
	done
	echo "$v"
}
HANDLED_OK='grpc_server_handled_total{grpc_code="OK",grpc_method="GetProfile",grpc_service="cameos.credits.v1.CreditsService",grpc_type="unary"}'

spawn_serving loops LOOPS=2
pid=$SPAWN_PID PORT=$SPAWN_PORT
is "$(grep -c '"loop [01] of 2: listening on' "$SPAWN_LOG")" 2 "each of the two loops listens on the port"
is "$(metric_becomes "$PORT" cameos_db_pool_size 4)" 4 "the two loops' pools make DB_POOL_SIZE (4) together"
threads "$pid" >"$IT_TMP/before"
is "$(grep -c '^loop1:' "$IT_TMP/before")" 1 "loop 1 runs on a thread of its own"

# GetProfile over 16 connections: the kernel spreads them over the two
# listeners (SO_REUSEPORT), so both loops answer.
echo "$USER_ID" >"$IT_TMP/users"
out=$("$LOADGEN" -a "127.0.0.1:$PORT" -m GetProfile -u "$IT_TMP/users" -k "$JWT_SECRET" -c 16 -n 16 -d 2 2>&1) || true
calls=$(awk '/ calls in / { print $2 }' <<<"$out")
codes=$(awk '/^codes:/ { $1 = ""; print substr($0, 2) }' <<<"$out")
if [[ ${calls:-0} -gt 0 && $codes == "0=$calls" ]]; then pass "every GetProfile call answered OK ($calls)"; else
	fail "every GetProfile call answered OK" "$out"
fi
threads "$pid" >"$IT_TMP/after"
for name in cameos-credits loop1; do
	t0=$(awk -F: -v n="$name" '$1 == n { print $2 }' "$IT_TMP/before")
	t1=$(awk -F: -v n="$name" '$1 == n { print $2 }' "$IT_TMP/after")
	# Thousands of calls each: far more than the 5 ticks (50 ms) of CPU an
	# idle loop's timers could use in those 2 s.
	if [[ $((${t1:-0} - ${t0:-0})) -ge 5 ]]; then pass "loop thread $name served calls (CPU $t0 -> $t1 ticks)"; else
		fail "loop thread $name served calls" "$(cat "$IT_TMP/after")"
	fi
done
is "$(metric_becomes "$PORT" "$HANDLED_OK" "${calls:-0}")" "${calls:-0}" "the metrics page counts the calls of both loops"

# One balance, spent from both loops at once: every credit is accounted for.
uid=$(cat /proc/sys/kernel/random/uuid)
"${PSQL[@]}" >/dev/null <<SQL
insert into auth.users (id, email) values ('$uid', 'loops-$uid@test.local');
select set_config('request.jwt.claims', '{"role":"service_role"}', false);
select public.ledger_grant('$uid', 300, 'loops test', 'loops-$uid');
SQL
start=$("${PSQL[@]}" -c "select credits from public.user_profiles where id = '$uid'")
echo "$uid" >"$IT_TMP/spender"
# Until a spend is refused for want of credits (FAILED_PRECONDITION), a
# slow machine taking more than one run.
ok=0
for _ in $(seq 1 20); do
	out=$("$LOADGEN" -a "127.0.0.1:$PORT" -m SpendCredits -u "$IT_TMP/spender" -k "$JWT_SECRET" -c 16 -n 16 -d 2 2>&1) || true
	n=$(awk '/^codes:/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "0") print kv[2] } }' <<<"$out")
	ok=$((ok + ${n:-0}))
	grep -q '^codes:.* 9=' <<<"$out" && break
done
balance=$("${PSQL[@]}" -c "select credits from public.user_profiles where id = '$uid'")
spends=$("${PSQL[@]}" -c "select count(*) from public.credit_transactions where user_id = '$uid' and amount < 0")
if [[ ${ok:-0} == "$start" ]]; then
	pass "as many spends of 1 credit succeed across the two loops as the balance held ($start)"
else
	fail "as many spends of 1 credit succeed across the two loops as the balance held ($start)" "$out"
fi
is "$balance" 0 "the balance ends at 0"
is "$spends" "${ok:-0}" "one ledger row for each successful spend"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
is "$rc" 0 "SIGTERM: the process exits 0"
is "$(grep -c '"signal 15: draining' "$SPAWN_LOG")" 2 "both loops drained"
is "$(grep -c '"msg":"stopped"' "$SPAWN_LOG")" 1 "the process stopped once"

# Stream caps are divided among the loops, so the process's total holds:
# UNAUTHENTICATED_STREAMS_MAX=2 over two loops keeps at most 2 Health/Watch
# streams in all, and at least 1 (each loop may hold one), whichever
# loops the kernel gives the 8 connections to.
spawn_serving loops-streams LOOPS=2 UNAUTHENTICATED_STREAMS_MAX=2
pid=$SPAWN_PID PORT=$SPAWN_PORT
counts=$(node "$(dirname "${BASH_SOURCE[0]}")/health_loops.cjs" count "127.0.0.1:$PORT" 8 4)
read -r _ kept _ refused _ other <<<"$counts"
if ((kept >= 1 && kept <= 2 && kept + refused == 8)); then
	pass "two loops keep 1 or 2 of 8 streams under UNAUTHENTICATED_STREAMS_MAX=2 ($counts)"
else
	fail "two loops keep 1 or 2 of 8 streams under UNAUTHENTICATED_STREAMS_MAX=2" "$counts"
fi
kill -TERM "$pid"
wait "$pid" || true

# Health is the process's: a loop whose database is gone takes the whole
# process out of service, not just the probes its listener happens to take.
# DB_POOL_SIZE=2 gives each of the two loops one connection; that of one
# loop is terminated while the role's CONNECTION LIMIT keeps it from coming
# back, until the limit is lifted. 8 Watch streams and 16 Checks, each on
# a connection of its own, reach both loops.
spawn_serving loops-health LOOPS=2 DB_POOL_SIZE=2
pid=$SPAWN_PID PORT=$SPAWN_PORT
node "$(dirname "${BASH_SOURCE[0]}")/health_loops.cjs" watch "127.0.0.1:$PORT" 8 >"$IT_TMP/watch" &
watcher=$!
check16() { node "$(dirname "${BASH_SOURCE[0]}")/health_loops.cjs" check "127.0.0.1:$PORT" 16; }
# watch_becomes "S N": once the streams whose last status is SERVING, and
# those whose last is NOT_SERVING, number S and N; else what 30 s saw last.
watch_becomes() {
	local v
	for _ in $(seq 1 150); do
		v=$(awk '$3 != "ended" { last[$2] = $3 } END { for (i in last) c[last[i]]++;
			print c["SERVING"] + 0, c["NOT_SERVING"] + 0 }' "$IT_TMP/watch")
		[[ $v == "$1" ]] && break
		sleep 0.2
	done
	echo "$v"
}
is "$(watch_becomes "8 0")" "8 0" "two loops up: 8 Watch streams SERVING"
is "$(check16)" "SERVING 16 NOT_SERVING 0 other 0" "two loops up: 16 Checks SERVING"
pgport=$("${PSQL[@]}" -c 'show port')
ours=$(ss -tnpH "dport = :$pgport" | awk -v p="pid=$pid," 'index($0, p) { n = split($4, a, ":"); print a[n] }')
is "$(wc -w <<<"$ours")" 2 "the process holds 2 database connections, one a loop"
held=$("${PSQL[@]}" -c "select count(*) from pg_stat_activity where usename = 'cameos_credits'")
"${PSQL[@]}" -c "alter role cameos_credits connection limit $((held - 1))"
"${PSQL[@]}" >/dev/null -c "select pg_terminate_backend(pid) from pg_stat_activity
	where usename = 'cameos_credits' and client_port = $(head -n 1 <<<"$ours")"
is "$(watch_becomes "0 8")" "0 8" "one loop without its database: all 8 Watch streams, on both loops, turn NOT_SERVING"
is "$(check16)" "SERVING 0 NOT_SERVING 16 other 0" "and all 16 Checks are NOT_SERVING"
is "$(health "127.0.0.1:$PORT" liveness)" SERVING "liveness stays SERVING"
"${PSQL[@]}" -c "alter role cameos_credits connection limit -1"
is "$(watch_becomes "8 0")" "8 0" "the loop connects again: all 8 Watch streams SERVING"
is "$(check16)" "SERVING 16 NOT_SERVING 0 other 0" "and all 16 Checks SERVING"
kill "$watcher" 2>/dev/null
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
is "$rc" 0 "the process exits 0 on SIGTERM with the Watch streams gone"

# Content keeps its streams per loop (content_loop): 8 waiting workers and
# 8 watchers, each on a connection of its own, over two loops; new work
# cues every worker and a change reaches every watcher, whichever loop
# holds it.
SPAWN_SVC=content spawn_serving loops-content LOOPS=2
pid=$SPAWN_PID PORT=$SPAWN_PORT
is "$(grep -c '"loop [01] of 2: listening on' "$SPAWN_LOG")" 2 "content runs two loops"
cues=$(node "$(dirname "${BASH_SOURCE[0]}")/cue_loops.cjs" "127.0.0.1:$PORT" 8 2>&1)
is "$cues" "waiters 8/8 watchers 8/8" "every waiting worker is cued by new work and every watcher sees the change, on both loops"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
is "$rc" 0 "content with two loops exits 0 on SIGTERM after its streams"

# SIGTERM in the middle of the start-up: the loops are set up one after
# another on the main thread, and a loop set up after the signal came has
# not seen it. strace slows each bind(2) by 300 ms (one per loop's gRPC
# listener, one for /metrics), and the signal goes as soon as loop 1
# listens, with loops 2 and 3 still to come: every loop must drain (the
# first one takes the others along) and the process exit 0, not hang.
# LeakSanitizer cannot run under ptrace (it exits 1 at the end): off for
# this one run of a sanitized build; every other run here checks leaks.
port=$(free_port)
env DATABASE_URL="${DATABASE_URL/\/\/postgres@/\/\/cameos_credits@}" JWT_SECRET="$JWT_SECRET" \
	GRPC_LISTEN="127.0.0.1:$port" METRICS_LISTEN="127.0.0.1:$((port + 1))" LOOPS=4 DB_POOL_SIZE=4 \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -f -o /dev/null -e trace=bind -e inject=bind:delay_exit=300000 \
	"$CAMEOS_BUILD_DIR/services/credits/cameos-credits" >"$IT_TMP/loops-early.log" 2>&1 &
tracer=$!
for _ in $(seq 1 200); do
	grep -q '"loop 1 of 4: listening' "$IT_TMP/loops-early.log" && break
	sleep 0.05
done
sent_ms=$(date +%s%3N)
kill -TERM "$(pgrep -P "$tracer")" 2>/dev/null || true
timeout 30 tail --pid="$tracer" -f /dev/null || true
if kill -0 "$tracer" 2>/dev/null; then
	fail "SIGTERM during start-up: the process ends" "$(tail -n 3 "$IT_TMP/loops-early.log")"
	pkill -KILL -P "$tracer"
	kill -KILL "$tracer"
else
	pass "SIGTERM during start-up: the process ends"
fi
rc=0
wait "$tracer" || rc=$?
is "$rc" 0 "and exits 0"
early=$IT_TMP/loops-early.log
# The log's drain lines come later (loop 0 reads the signal once it runs):
# the signal's moment is this script's clock, loop 3's its log line's.
t3=$(grep -m 1 '"loop 3 of 4: listening' "$early" | jq -r .time 2>/dev/null)
t3_ms=$(date -d "${t3:-never}" +%s%3N 2>/dev/null || echo 0)
if ((t3_ms > sent_ms)); then
	pass "loop 3 was set up after the signal came ($((t3_ms - sent_ms)) ms after)"
else
	fail "loop 3 was set up after the signal came" "signal at $sent_ms, loop 3 at ${t3:-never}"
fi
is "$(grep -c 'signal 15: draining' "$early")" 4 "and all four loops drained"

# More loops than connections: one loop per connection.
spawn_credits loops-capped LOOPS=8 DB_POOL_SIZE=2
pid=$SPAWN_PID PORT=$SPAWN_PORT
wait_health 30 "127.0.0.1:$PORT" "" SERVING || true
has "$SPAWN_LOG" "2 loops: each needs one of DB_POOL_SIZE=2 connections" "LOOPS=8 with 2 connections says it runs 2 loops"
threads "$pid" >"$IT_TMP/capped"
is "$(grep -c '^loop' "$IT_TMP/capped")" 1 "and runs exactly one loop thread beside the main one"
is "$(metric_becomes "$PORT" cameos_db_pool_size 2)" 2 "their pools make DB_POOL_SIZE (2) together"
kill -TERM "$pid"
wait "$pid" || true

done_testing
