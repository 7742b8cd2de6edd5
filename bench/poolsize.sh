#!/usr/bin/env bash
# bench/poolsize.sh [DURATION_S] [CONCURRENCY]: GetProfile (credits) and
# ListGenerations (content, 20 generations a user) with DB_POOL_SIZE 1, 2,
# 4, 8 and 16 (SIZES to choose), each size its own instance of the service
# on the local stack's database, interleaved over ROUNDS (default 3) rounds
# so that a slow spell of the machine lands on every size alike. Prints
# calls/s and latency per round, then the medians and their ratio to the
# default size, 4, and each instance's resident memory idle (after start)
# and at its peak (VmHWM): the figures behind OPERATORS.md's advice on pool
# sizes and memory requests.
# Figures only: nothing passes or fails on speed.
DUR=${1:-10} CONC=${2:-32}
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS=${ROUNDS:-3}
read -r -a SIZES <<<"${SIZES:-1 2 4 8 16}"

echo "== seeding $NUSERS users, 20 generations each (idempotent)"
seed_users
seed_generations
bench_users "$NUSERS" >"$WORK/users"

PIDS=()
stop_all() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap stop_all EXIT
declare -A PORT=() PID=()
port=57600
for size in "${SIZES[@]}"; do
	for svc in credits content; do
		PORT[$svc $size]=$port
		DATABASE_URL="postgresql://cameos_$svc@$PG_HOSTPORT/cameos" DB_POOL_SIZE=$size \
			GRPC_LISTEN=127.0.0.1:$port METRICS_LISTEN=127.0.0.1:$((port + 1000)) LOG_LEVEL=warn \
			JWT_SECRET=$JWT_SECRET "$BUILD/services/$svc/cameos-$svc" >"$WORK/$svc-$size.log" 2>&1 &
		PIDS+=($!)
		PID[$svc $size]=$!
		port=$((port + 1))
	done
done
sleep 2
# rss FIELD SERVICE SIZE: VmRSS or VmHWM of that instance, in kB.
rss() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/${PID[$2 $3]}/status"; }
for size in "${SIZES[@]}"; do
	echo "idle RSS  pool $size: credits $(rss VmRSS credits "$size") kB, content $(rss VmRSS content "$size") kB"
done

declare -A RATES=()
for ((r = 1; r <= ROUNDS; r++)); do
	echo "== round $r"
	for case in "credits GetProfile" "content ListGenerations"; do
		svc=${case%% *} method=${case##* }
		for size in "${SIZES[@]}"; do
			out=$("$LOADGEN" -a "127.0.0.1:${PORT[$svc $size]}" -m "$method" -u "$WORK/users" \
				-k "$JWT_SECRET" -c "$CONC" -n 4 -d "$DUR")
			printf '%-16s pool %-3s %s | %s\n' "$method" "$size" "$(sed -n 1p <<<"$out" | sed 's/.*= //')" \
				"$(sed -n 2p <<<"$out")"
			RATES[$method $size]+="$(calls <<<"$out") "
		done
	done
done

echo
echo "== medians over $ROUNDS rounds, concurrency $CONC (calls/s; ratio to DB_POOL_SIZE=4)"
for method in GetProfile ListGenerations; do
	# shellcheck disable=SC2086 # the rates are words on purpose
	base=$(median ${RATES[$method 4]:-0})
	for size in "${SIZES[@]}"; do
		# shellcheck disable=SC2086
		m=$(median ${RATES[$method $size]})
		printf '%-16s pool %-3s %8s calls/s  %s\n' "$method" "$size" "$m" \
			"$(awk -v a="$m" -v b="$base" 'BEGIN { if (b > 0) printf "x%.2f", a / b }')"
	done
done
echo
for size in "${SIZES[@]}"; do
	echo "peak RSS  pool $size: credits $(rss VmHWM credits "$size") kB, content $(rss VmHWM content "$size") kB (VmHWM)"
done
