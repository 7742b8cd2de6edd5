#!/usr/bin/env bash
# bench/instr.sh BASE_BINARY NEW_BINARY [METHOD] [SECONDS]: user-space
# instructions per call of the same service built twice, counted by
# valgrind's callgrind while bench/loadgen drives METHOD (concurrency 4, one
# connection) for SECONDS (default 15) after a warm-up. Counts are the same
# on a busy machine as on an idle one, where calls/s (bench/ab.sh) swing by
# a tenth between rounds; they leave out the kernel's share of a call.
# Needs the stack (scripts/stack.sh up) for its database. INSTR_KEEP=DIR
# keeps both profiles (DIR/base.callgrind, DIR/new.callgrind) for
# callgrind_annotate. Figures only.
set -euo pipefail
BASE_BIN=$(realpath "$1") NEW_BIN=$(realpath "$2")
METHOD=${3:-GetProfile} DUR=${4:-15} NUSERS=${NUSERS:-1000}
SERVICE=$(basename "$NEW_BIN")
SERVICE=${SERVICE#cameos-}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
seed_users
bench_users "$NUSERS" >"$WORK/users"
pid=
trap '[[ -z $pid ]] || kill "$pid" 2>/dev/null; rm -rf "$WORK"' EXIT
load() { # load PORT SECONDS: loadgen's summary
	"$LOADGEN" -a "127.0.0.1:$1" -m "$METHOD" -u "$WORK/users" -k "$JWT_SECRET" -c 4 -n 1 -d "$2"
}
count() { # count NAME BINARY PORT: "instructions calls"
	env DATABASE_URL="${DATABASE_URL/\/\/postgres@/\/\/cameos_$SERVICE@}" JWT_SECRET="$JWT_SECRET" \
		GRPC_LISTEN="127.0.0.1:$3" METRICS_LISTEN="127.0.0.1:$(($3 + 1))" LOG_LEVEL=warn \
		valgrind --tool=callgrind --callgrind-out-file="$WORK/$1.%p" "$2" >"$WORK/$1.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 60); do
		load "$3" 1 >/dev/null 2>&1 && break
		sleep 1
	done
	load "$3" 3 >/dev/null
	callgrind_control -z "$pid" >/dev/null 2>&1
	local out n
	out=$(load "$3" "$DUR")
	callgrind_control -d "$pid" >/dev/null 2>&1
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	n=$(sed -nE 's/.*: ([0-9]+) calls in.*/\1/p' <<<"$out")
	local f
	f=$(ls "$WORK"/"$1".*.1)
	[[ -z ${INSTR_KEEP:-} ]] || cp "$f" "$INSTR_KEEP/$1.callgrind"
	echo "$(callgrind_annotate "$f" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }') $n"
}
read -r bi bn < <(count base "$BASE_BIN" 56091)
read -r ni nn < <(count new "$NEW_BIN" 56093)
awk -v bi="$bi" -v bn="$bn" -v ni="$ni" -v nn="$nn" -v m="$METHOD" 'BEGIN {
	printf "%s: base %.0f instructions per call (%d calls), new %.0f (%d calls), new/base %.3f\n",
		m, bi / bn, bn, ni / nn, nn, (ni / nn) / (bi / bn) }'
