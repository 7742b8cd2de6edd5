#!/usr/bin/env bash
# fuzz.sh [SECONDS] [TARGET...]: builds the libFuzzer harnesses of tests/fuzz
# with clang (build-fuzz/: Debug, -DCAMEOS_FUZZ=ON, no unit tests) and runs
# each TARGET (fuzz_request or request; default: every harness) for SECONDS
# (default 20) over a working copy of its seed corpus, build-fuzz/corpus/
# <target>/ (kept between runs: what a run finds, the next starts from;
# tests/fuzz/corpus/ is only read). Crashes, leaks and timeouts land in
# build-fuzz/artifacts/<target>/, the whole output in build-fuzz/logs/.
# Prints TAP, one line per target, then the plan; exits non-zero when a
# target failed or did not build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

BUILD="$ROOT/build-fuzz"
SEEDS="$ROOT/tests/fuzz/corpus"

SECS=20
if (($# > 0)) && [[ $1 =~ ^[0-9]+$ ]]; then
	SECS=$1
	shift
fi
((SECS > 0)) || die "SECONDS must be at least 1"

ALL=()
for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
	ALL+=("$(basename "$src" .c)")
done
((${#ALL[@]} > 0)) || die "no harness in tests/fuzz"

TARGETS=()
if (($# == 0)); then
	TARGETS=("${ALL[@]}")
fi
for arg in "$@"; do
	t=fuzz_${arg#fuzz_}
	[[ -f $ROOT/tests/fuzz/$t.c ]] || die "no harness $t (there are: ${ALL[*]})"
	TARGETS+=("$t")
done

command -v clang >/dev/null || die "clang is not installed (libFuzzer comes with it)"
mkdir -p "$BUILD/logs"

log "configuring $BUILD (clang, Debug, CAMEOS_FUZZ=ON)"
if ! CC=clang cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DCAMEOS_FUZZ=ON \
	-DCAMEOS_TESTS=OFF >"$BUILD/logs/configure.log" 2>&1; then
	tail -n 20 "$BUILD/logs/configure.log" >&2
	die "configuring failed (a build-fuzz/ made with another compiler must be removed first)"
fi

# Every target at once; when that fails, one by one, to know which.
declare -A BUILT=()
log "building ${TARGETS[*]}"
if cmake --build "$BUILD" -j "$(nproc)" --target "${TARGETS[@]}" >"$BUILD/logs/build.log" 2>&1; then
	for t in "${TARGETS[@]}"; do BUILT[$t]=1; done
else
	for t in "${TARGETS[@]}"; do
		if cmake --build "$BUILD" --target "$t" >"$BUILD/logs/build-$t.log" 2>&1; then
			BUILT[$t]=1
		fi
	done
fi

# first_lines LOG: the start of the report of what went wrong.
first_lines() {
	local from
	from=$(grep -n -m1 -E 'ERROR: |runtime error|invariant broken|deadly signal|out-of-memory|Timeout' "$1" |
		cut -d: -f1) || true
	sed -n "${from:-1},$((${from:-1} + 14))p" "$1"
}

N=0
FAILED=0
for t in "${TARGETS[@]}"; do
	N=$((N + 1))
	if [[ -z ${BUILT[$t]:-} ]]; then
		echo "not ok $N - $t: did not build (see build-fuzz/logs/build-$t.log)"
		FAILED=$((FAILED + 1))
		continue
	fi
	work="$BUILD/corpus/$t"
	art="$BUILD/artifacts/$t"
	out="$BUILD/logs/$t.log"
	mkdir -p "$work" "$art"
	if [[ -d $SEEDS/$t ]]; then
		cp -n "$SEEDS/$t"/* "$work"/ 2>/dev/null || true
	fi
	dict=()
	if [[ -f $ROOT/tests/fuzz/dict/$t.dict ]]; then
		dict=("-dict=$ROOT/tests/fuzz/dict/$t.dict")
	fi
	log "running $t for ${SECS}s"
	start=$SECONDS
	rc=0
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		timeout -k 10 $((SECS * 2 + 120)) "$BUILD/tests/fuzz/$t" -max_total_time="$SECS" \
		-timeout=10 -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$art/" \
		"${dict[@]}" "$work" >"$out" 2>&1 || rc=$?
	took=$((SECONDS - start))
	execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$out" | tail -n 1 | awk '{print $2}') || true
	cov=$(grep -o ' cov: [0-9]*' "$out" | tail -n 1 | awk '{print $2}') || true
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$out" | tail -n 1)
	if ((rc == 0)) && [[ -z $crash ]]; then
		echo "ok $N - $t: ${execs:-?} execs, cov ${cov:-?}, no crash in ${took} s"
		continue
	fi
	FAILED=$((FAILED + 1))
	echo "not ok $N - $t: exit $rc after ${execs:-?} execs in ${took} s"
	first_lines "$out" | sed 's/^/#   /'
	if [[ -n $crash ]]; then
		echo "#   crash file: $crash"
		echo "#   reproduce: $BUILD/tests/fuzz/$t $crash"
	fi
	echo "#   full log: $out"
done
echo "1..$N"
if ((FAILED > 0)); then
	log "$FAILED of $N targets failed"
	exit 1
fi
log "all $N targets ran without a crash"
