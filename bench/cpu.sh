#!/usr/bin/env bash
# bench/cpu.sh SERVICE METHOD [SECONDS] [USERS]: CPU time per call, split by
# process, while bench/loadgen drives METHOD at concurrency 16 over 4
# connections: the service (all its threads), the PostgreSQL backends serving
# it, the load generator itself; and the machine's idle share. Figures from
# /proc (utime + stime), so they hold on machines without hardware counters.
# Uses the rows bench/content_planning.sh seeds (run it once first); USERS is
# how many bench users to call for (100 listers by default, 1000 for
# GetCampaign or CreateGeneration).
SVC=$1 METHOD=$2 DUR=${3:-8} NU=${4:-100}
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_users "$NU" >"$WORK/users"
addr=$(service_addr "$SVC")
pid=$(cat ".stack/$SVC.pid")
tick=$(getconf CLK_TCK)
proc_cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
backends() { for p in $(pgrep -f "postgres: cameos_$SVC" || true); do proc_cpu "$p"; done | awk '{ s += $1 } END { print s + 0 }'; }
machine() { awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }
s0=$(proc_cpu "$pid") b0=$(backends)
read -r t0 i0 < <(machine)
out=$( { /usr/bin/time -f "LOADGEN %U %S" "$LOADGEN" -a "$addr" -m "$METHOD" \
	-u "$WORK/users" -k "$JWT_SECRET" -c 16 -n 4 -d "$DUR"; } 2>&1)
s1=$(proc_cpu "$pid") b1=$(backends)
read -r t1 i1 < <(machine)
grep 'calls/s' <<<"$out"
n=$(sed -nE 's/.*: ([0-9]+) calls in.*/\1/p' <<<"$out")
lg=$(awk '/^LOADGEN/ { print $2 + $3 }' <<<"$out")
awk -v n="$n" -v s=$((s1 - s0)) -v b=$((b1 - b0)) -v l="$lg" -v t="$tick" \
	-v idle=$((i1 - i0)) -v all=$((t1 - t0)) 'BEGIN {
	printf "CPU us per call: service %.1f  postgres %.1f  loadgen %.1f;  machine idle %.0f%%\n",
		s / t / n * 1e6, b / t / n * 1e6, l / n * 1e6, 100 * idle / all }'
