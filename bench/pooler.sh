#!/usr/bin/env bash
# bench/pooler.sh [DURATION_S] [CONCURRENCY]: GetProfile (credits) and
# ListGenerations (content, 20 generations a user) in three set-ups, in one
# run, interleaved over ROUNDS (default 3) rounds:
#   direct/named    DATABASE_URL to PostgreSQL, statements prepared once per
#                   connection, pipelines queued per connection (the default)
#   direct/pooler   DB_TRANSACTION_POOLER=1 straight to PostgreSQL: unnamed
#                   statements, one transaction in flight per connection
#   pgbouncer       DB_TRANSACTION_POOLER=1 through PgBouncer 1.18 in
#                   transaction mode (scripts/pgbouncer.sh, POOL=4 server
#                   connections per role)
# Each set-up runs its own instance of the service (DB_POOL_SIZE=4) on the
# local stack's database; prints calls/s and latency per round and the
# medians. Figures only: nothing passes or fails on speed.
DUR=${1:-10} CONC=${2:-16}
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/pgbouncer.sh
source scripts/pgbouncer.sh
ROUNDS=${ROUNDS:-3}
PGB_PORT=${PGB_PORT:-56432}
PG_PORT=${PG_HOSTPORT##*:}

echo "== seeding $NUSERS users, 20 generations each (idempotent)"
seed_users
seed_generations

POOL=4 pgb_start "$WORK/pgbouncer" "$PGB_PORT" "$PG_PORT" || {
	echo "PgBouncer did not start (scripts/deps.sh installs it)" >&2
	exit 1
}
PIDS=()
stop_all() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	pgb_stop "$WORK/pgbouncer"
	rm -rf "$WORK"
}
trap stop_all EXIT

# start SETUP SERVICE PORT: an instance of the service for the set-up.
start() {
	local setup=$1 svc=$2 port=$3 url=$DATABASE_URL direct=$DATABASE_URL pooler=0
	case $setup in
	direct/pooler) pooler=1 ;;
	pgbouncer)
		pooler=1
		url="postgresql://postgres@127.0.0.1:$PGB_PORT/cameos"
		;;
	esac
	DATABASE_URL=$url LISTEN_DATABASE_URL=$direct DB_TRANSACTION_POOLER=$pooler DB_POOL_SIZE=4 \
		GRPC_LISTEN=127.0.0.1:$port METRICS_LISTEN=127.0.0.1:$((port + 1000)) LOG_LEVEL=warn \
		"$BUILD/services/$svc/cameos-$svc" >"$WORK/$svc-${setup//\//-}.log" 2>&1 &
	PIDS+=($!)
}

SETUPS=(direct/named direct/pooler pgbouncer)
declare -A PORT=()
p=57400
for s in "${SETUPS[@]}"; do
	PORT[credits $s]=$p
	PORT[content $s]=$((p + 1))
	start "$s" credits "$p"
	start "$s" content "$((p + 1))"
	p=$((p + 10))
done
sleep 2

declare -A RATES=()
for ((r = 1; r <= ROUNDS; r++)); do
	echo "== round $r"
	for case in "credits GetProfile" "content ListGenerations"; do
		for s in "${SETUPS[@]}"; do
			svc=${case%% *} method=${case##* }
			out=$("$LOADGEN" -a "127.0.0.1:${PORT[$svc $s]}" -m "$method" -u "$WORK/users" -k "$JWT_SECRET" \
				-c "$CONC" -n 4 -d "$DUR")
			printf '%-16s %-14s %s | %s\n' "$method" "$s" "$(sed -n 1p <<<"$out" | sed 's/.*= //')" \
				"$(sed -n '2,3p' <<<"$out" | tr '\n' ' ')"
			RATES[$method $s]+="$(sed -nE '1s/.* = ([0-9]+) calls\/s.*/\1/p' <<<"$out") "
		done
	done
done

echo
echo "== medians over $ROUNDS rounds (calls/s; ratio to direct/named)"
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for method in GetProfile ListGenerations; do
	base=$(median <<<"${RATES[$method direct/named]}")
	for s in "${SETUPS[@]}"; do
		m=$(median <<<"${RATES[$method $s]}")
		printf '%-16s %-14s %8s calls/s  %s\n' "$method" "$s" "$m" \
			"$(awk -v a="$m" -v b="$base" 'BEGIN { if (b > 0) printf "x%.2f", a / b }')"
	done
done
