# shellcheck shell=bash
# bench/lib.sh: what the benchmarks share (sourced). Each case runs, at the
# same concurrency on the same machine:
#   - the service, driven by bench/loadgen (calls for many users), codes counted;
#   - pgbench on the very transaction the service sends: the statement text
#     comes from the binary itself (`cameos-X sql NAME`), with its parameters
#     replaced by per-user SQL expressions, once plain (BEGIN, claims,
#     statement, COMMIT: one round trip each) and once pipelined (what the
#     service sends: claims and statement in one pipeline, implicit transaction);
#     the service asks for binary results where its statements are
#     PGPOOL_BINARY, pgbench can only take text: its server prints the times,
#     uuids and numbers that the service receives as fixed-size values;
# in ROUNDS interleaved rounds after a short warm-up of each side (WARMUP
# seconds), and prints calls/s, latency percentiles, the ratios of the
# medians and the database connections the service holds.
# Figures only: nothing passes or fails on speed.
set -euo pipefail
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$BENCH_ROOT"
DUR=${DUR:-10}
CONC=${CONC:-16}
NUSERS=${NUSERS:-1000}
BUILD=build
LOADGEN=$BUILD/bench/cameos-loadgen
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

scripts/stack.sh up >/dev/null
# shellcheck disable=SC1091
. .stack/env
PSQL=(psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAt)
PG_HOSTPORT=$(sed -E 's|.*@([^/]+)/.*|\1|' <<<"$DATABASE_URL")
# Bench users have ids 00000000-0000-4000-8000-<n, 12 digits>, n = 1..NUSERS.
U="('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid"
CLAIMS_USER="'{\"sub\":\"' || $U || '\",\"role\":\"authenticated\"}'"
CLAIMS_SERVICE="'{\"sub\":\"00000000-0000-0000-0000-000000000000\",\"role\":\"service_role\"}'"

# seed_generations: 20 finished generations for each bench user (for
# ListGenerations), idempotently.
seed_generations() {
	"${PSQL[@]}" >/dev/null <<SQL
insert into public.generations (user_id, prompt, status, completed_at)
  select u, 'bench ' || k, 'success', now()
  from (select ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid u
        from generate_series(1, $NUSERS) g) us, generate_series(1, 20) k
  where not exists (select 1 from public.generations x where x.user_id = us.u and x.prompt = 'bench 1');
analyze public.generations;
SQL
}

# bench_users N: the ids of bench users 1..N, one a line.
bench_users() { seq 1 "$1" | awk '{ printf "00000000-0000-4000-8000-%012d\n", $1 }'; }

# service_addr SERVICE: its gRPC address on the stack.
service_addr() {
	case $1 in
	credits) echo "$CREDITS_ADDR" ;;
	content) echo "$CONTENT_ADDR" ;;
	*) echo "$PLANNING_ADDR" ;;
	esac
}

# seed_users: NUSERS users with a large balance, idempotently.
seed_users() {
	"${PSQL[@]}" >/dev/null <<SQL
insert into auth.users (id, email)
  select ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'bench' || g || '@bench.local'
  from generate_series(1, $NUSERS) g
  on conflict do nothing;
select set_config('request.jwt.claims', '{"role":"service_role"}', false);
select count(*) from (
  select public.ledger_grant(('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
                             1000000, 'benchmark balance', 'bench-seed-' || g)
  from generate_series(1, $NUSERS) g) s;
SQL
	bench_users "$NUSERS" >"$WORK/users"
}

# [PLAN=keyset] pgbench_script OUT BINARY STATEMENT CLAIMS PARAM... : writes
# OUT.sql (plain) and OUT_pipelined.sql. PARAM k replaces $k (an SQL
# expression; may use :n). PLAN=keyset for a PGPOOL_KEYSET statement.
pgbench_script() {
	local out=$1 bin=$2 stmt=$3 claims=$4 sql k=1
	shift 4
	sql=$("$BUILD/services/$bin/cameos-$bin" sql "$stmt")
	for expr in "$@"; do
		# Highest numbers first would be needed past $9; no statement has that many.
		sql=$(EXPR="$expr" K="$k" perl -pe 's/\$$ENV{K}(?![0-9])/$ENV{EXPR}/g' <<<"$sql")
		k=$((k + 1))
	done
	# The service's own prelude (common/db/pgpool.c): keyset lists (PLAN=keyset)
	# run on one generic plan made with sorts off, everything else on "auto".
	local mode=auto sort=on
	if [[ ${PLAN:-} == keyset ]]; then mode=force_generic_plan sort=off; fi
	local prelude="select set_config('request.jwt.claims', $claims, true), set_config('statement_timeout', '0', true), set_config('plan_cache_mode', '$mode', true), set_config('enable_sort', '$sort', true);"
	{
		echo '\set n random(1, :nusers)'
		echo '\set r random(1, 1000000000000)'
		echo 'BEGIN;'
		echo "$prelude"
		echo "$sql;"
		echo 'COMMIT;'
	} >"$out.sql"
	{
		echo '\set n random(1, :nusers)'
		echo '\set r random(1, 1000000000000)'
		echo '\startpipeline'
		echo "$prelude"
		echo "$sql;"
		echo '\endpipeline'
	} >"$out"_pipelined.sql
}

# handled METRICS_ADDR METHOD CODE: the sum of grpc_server_handled_total for
# the method (and code, when not empty) on the service's own /metrics.
handled() {
	curl -sf "http://$1/metrics" | awk -v m="grpc_method=\"$2\"" -v code="$3" \
		'index($0, "grpc_server_handled_total{") == 1 && index($0, m) &&
		 (code == "" || index($0, "grpc_code=\"" code "\"")) { n += $NF } END { print n + 0 }'
}

tps() { sed -nE 's/^tps = ([0-9.]+).*/\1/p' | head -n1; }
calls() { sed -nE 's/.*= ([0-9]+) calls\/s.*/\1/p'; }

# median N...: the middle value (the lower middle for an even count).
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run_case SERVICE METHOD SCRIPT USERS_FILE [loadgen args...]: one comparison.
# ROUNDS rounds (default 3) of service, pgbench plain, pgbench pipelined, in
# turn, so that a slow spell of this shared machine (autovacuum after the
# inserts of an earlier case, a busy neighbour) lands on all three alike;
# the ratios are of the medians.
run_case() {
	local svc=$1 method=$2 script=$3 users=$4 addr out nusers r
	shift 4
	addr=$(service_addr "$svc")
	nusers=$(wc -l <"$users")
	local maddr ok0 ok1 all0 all1
	case $svc in credits) maddr=127.0.0.1:9091 ;; content) maddr=127.0.0.1:9092 ;; *) maddr=127.0.0.1:9093 ;; esac
	local url="postgresql://cameos_$svc@$PG_HOSTPORT/cameos"
	local -a s=() plain=() piped=()
	echo
	echo "== $method: concurrency $CONC, ${ROUNDS:-3} rounds of ${DUR}s each, $nusers users"
	# Unmeasured warm-up of both sides (WARMUP seconds each, default 3):
	# without it the first round, which the service opens, ran 5-10% below
	# the other two in three cases of four (after a case switch: fresh
	# client connections, the last case's dead rows being vacuumed).
	if ((${WARMUP:-3} > 0)); then
		"$LOADGEN" -a "$addr" -m "$method" -u "$users" -k "$JWT_SECRET" -c "$CONC" -n 4 \
			-d "${WARMUP:-3}" "$@" >/dev/null || true
		pgbench -n -M prepared -c "$CONC" -j 2 -T "${WARMUP:-3}" -D nusers="$nusers" \
			-f "$script.sql" "$url" >/dev/null 2>&1 || true
	fi
	for ((r = 1; r <= ${ROUNDS:-3}; r++)); do
		ok0=$(handled "$maddr" "$method" OK)
		all0=$(handled "$maddr" "$method" "")
		out=$("$LOADGEN" -a "$addr" -m "$method" -u "$users" -k "$JWT_SECRET" -c "$CONC" -n 4 \
			-d "$DUR" "$@")
		sed "s/^/service   [$r] /" <<<"$out"
		s+=("$(calls <<<"$out")")
		ok1=$(handled "$maddr" "$method" OK)
		all1=$(handled "$maddr" "$method" "")
		echo "server    [$r] /metrics: $((all1 - all0)) handled, $((ok1 - ok0)) OK (grpc_server_handled_total)"
		plain+=("$(pgbench -n -M prepared -c "$CONC" -j 2 -T "$DUR" -D nusers="$nusers" \
			-f "$script.sql" "$url" 2>&1 | tps)")
		piped+=("$(pgbench -n -M prepared -c "$CONC" -j 2 -T "$DUR" -D nusers="$nusers" \
			-f "${script}_pipelined.sql" "$url" 2>&1 | tps)")
		printf 'pgbench   [%d] plain %.0f tps, pipelined %.0f tps (%d clients)\n' "$r" \
			"${plain[-1]}" "${piped[-1]}" "$CONC"
	done
	local ms mp mq
	ms=$(median "${s[@]}") mp=$(median "${plain[@]}") mq=$(median "${piped[@]}")
	printf 'median    service %.0f calls/s, pgbench plain %.0f tps, pipelined %.0f tps\n' \
		"$ms" "$mp" "$mq"
	awk -v s="$ms" -v p="$mp" -v q="$mq" \
		'BEGIN { printf "ratio     service/plain %.2f, service/pipelined %.2f\n", s / p, s / q }'
	echo "db conns  $("${PSQL[@]}" -c "select count(*) from pg_stat_activity where application_name = 'cameos-$svc' or application_name like '$svc/%'") held by cameos-$svc"
}

# peak_rss SERVICE: VmHWM of the stack's process.
peak_rss() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$(cat ".stack/$1.pid")/status"
}
