#!/usr/bin/env bash
# bench/ab.sh BASE_BINARY NEW_BINARY [METHOD] [SECONDS] [ROUNDS]: the same
# service built twice (say, main before and after a change), each started on
# the stack's database, driven in turn by bench/loadgen with the same load:
# ROUNDS (default 5) interleaved rounds of SECONDS (default 10) each, after a
# warm-up of both. Prints each round's calls/s and the ratio of the medians
# (new / base), and the same for each service's CPU time per call. METHOD
# defaults to GetProfile; the service is the binary's (cameos-planning:
# planning). List methods read the rows that
# bench/content_planning.sh seeds for its first 100 users: run that once
# first, and set NUSERS=100. IDLE=N holds N idle HTTP/2 connections open to
# each service meanwhile (bench/idle_conns.py; export MAX_CONNECTION_IDLE_MS
# above the run's length, or the services end them after 60 s). Figures only.
#   git worktree add /tmp/base main && cmake -S /tmp/base -B /tmp/base/build \
#     -DCMAKE_BUILD_TYPE=Release && cmake --build /tmp/base/build --target cameos-credits
#   bench/ab.sh /tmp/base/build/services/credits/cameos-credits \
#     build/services/credits/cameos-credits
set -euo pipefail
BASE_BIN=$(realpath "$1") NEW_BIN=$(realpath "$2")
METHOD=${3:-GetProfile} DUR=${4:-10} ROUNDS=${5:-5}
CONC=${CONC:-16} NUSERS=${NUSERS:-1000}
SERVICE=$(basename "$NEW_BIN")
SERVICE=${SERVICE#cameos-}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

seed_users
bench_users "$NUSERS" >"$WORK/users"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$WORK"' EXIT
start() { # start NAME BINARY PORT
	env DATABASE_URL="${DATABASE_URL/\/\/postgres@/\/\/cameos_$SERVICE@}" JWT_SECRET="$JWT_SECRET" \
		GRPC_LISTEN="127.0.0.1:$3" METRICS_LISTEN="127.0.0.1:$(($3 + 1))" LOG_LEVEL=warn \
		"$2" >"$WORK/$1.log" 2>&1 &
	pids+=($!)
}
start base "$BASE_BIN" 56071
start new "$NEW_BIN" 56073
sleep 2
if [ "${IDLE:-0}" -gt 0 ]; then
	for port in 56071 56073; do
		python3 "$(dirname "${BASH_SOURCE[0]}")/idle_conns.py" "127.0.0.1:$port" "$IDLE" &
		pids+=($!)
	done
	sleep 3
fi
tick=$(getconf CLK_TCK)
proc_cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# run PORT PID SECONDS: "calls/s cpu-us-per-call" (the service's own CPU
# time over the calls it served: steadier than calls/s on a shared machine).
run() {
	local c0 c1 out
	c0=$(proc_cpu "$2")
	out=$("$LOADGEN" -a "127.0.0.1:$1" -m "$METHOD" -u "$WORK/users" -k "$JWT_SECRET" \
		-c "$CONC" -n 4 -d "$3")
	c1=$(proc_cpu "$2")
	awk -v c=$((c1 - c0)) -v t="$tick" '/ calls in / {
		for (i = 1; i <= NF; i++) { if ($(i + 1) == "calls/s") r = $i; if ($(i + 1) == "calls") n = $i }
		printf "%s %.1f\n", r, c / t / n * 1e6 }' <<<"$out"
}
run 56071 "${pids[0]}" 3 >/dev/null
run 56073 "${pids[1]}" 3 >/dev/null
b=() n=() bc=() nc=()
for r in $(seq 1 "$ROUNDS"); do
	read -r rb cb < <(run 56071 "${pids[0]}" "$DUR")
	read -r rn cn < <(run 56073 "${pids[1]}" "$DUR")
	b+=("$rb") n+=("$rn") bc+=("$cb") nc+=("$cn")
	echo "round $r: base $rb calls/s $cb us CPU/call, new $rn calls/s $cn us CPU/call"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mb=$(median "${b[@]}") mn=$(median "${n[@]}") mbc=$(median "${bc[@]}") mnc=$(median "${nc[@]}")
awk -v b="$mb" -v n="$mn" -v bc="$mbc" -v nc="$mnc" -v m="$METHOD" 'BEGIN {
	printf "%s: median base %.0f, new %.0f calls/s, new/base %.3f\n", m, b, n, n / b
	printf "%s: median CPU per call base %.1f us, new %.1f us, new/base %.3f\n", m, bc, nc, nc / bc }'
