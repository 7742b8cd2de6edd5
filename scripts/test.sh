#!/usr/bin/env bash
# test.sh: the one test command (also what .ci/run runs). Installs what is
# missing, builds Release (build/), ASan/UBSan (build-asan/), both with gcc,
# and Release with clang (build-clang/; warnings are errors in every build),
# then runs the suites and counts their tests:
#   unit        Criterion tests through ctest (but label "integration"), in
#               the three builds
#   layers      scripts/layers.py over the Release objects and the sources:
#               no circle of calls between files, common/ never reaches into
#               services/, no service into another, every function a file
#               of common/ exports named after its file
#   image       deploy/image.sh all: the container image built with podman
#               (from a debootstrap base, no registry) and its smoke test
#   fuzz        the libFuzzer harnesses of tests/fuzz (clang, ASan+UBSan),
#               FUZZ_SECONDS (20) each from their seeds (scripts/fuzz.sh)
#   buf-lint    `buf lint` of proto/
#   buf-breaking  scripts/breaking.sh: `buf breaking` of proto/ against its
#               version before its last change; a break passes only when
#               announced (an API-Break: trailer)
#   pgtap       fresh PostgreSQL (build/test-pg, port 21439), `migrate` twice,
#               pg_prove over tests/pgtap/[0-9]*.sql
#   integration the Criterion tests labelled "integration" (ctest -L) and
#               tests/integration/*.sh (TAP) against the three services, once
#               with the Release binaries and once with the ASan ones
#   integration-pgbouncer  the integration suite again, the services
#               through PgBouncer 1.18 in transaction mode (DB_TRANSACTION_POOLER)
#   attack      tests/attack/run.cjs: floods and hostile requests against
#               instances it starts (Release), with memory budgets
# Prints one line per suite and, last, "N passed, N failed". Exits non-zero
# when anything failed or a suite could not run. Logs: build/test-logs/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
# shellcheck source=scripts/pg.sh
source "$ROOT/scripts/pg.sh"
# shellcheck source=scripts/pgbouncer.sh
source "$ROOT/scripts/pgbouncer.sh"

BUILD_REL="$ROOT/build"
BUILD_ASAN="$ROOT/build-asan"
BUILD_CLANG="$ROOT/build-clang"
LOGS="$ROOT/build/test-logs"
TEST_PG_DIR="$ROOT/build/test-pg"
# Every fixed port of the test run lies below the kernel's ephemeral range
# (32768-60999 by default): there, a client's outgoing connection could hold
# the port when a service binds it ("Address already in use"). free_port
# (tests/integration/lib.bash) draws from 22000-28999, between them.
TEST_PG_PORT=21439
PGB_DIR="$ROOT/build/test-pgbouncer"
PGB_PORT=21440
# Set by suite_pgbouncer for one suite_integration run: the port the
# services' DATABASE_URL uses, environment for the services only, and
# tests/integration scripts to leave out.
SVC_DB_PORT=
SVC_ENV=()
SKIP_SCRIPTS=()
SVC_REPLICAS=1 # instances of each service; the others on ports +100, +200
declare -A GRPC_PORT=([credits]=21051 [content]=21052 [planning]=21053)
declare -A METRICS_PORT=([credits]=29091 [content]=29092 [planning]=29093)
ASAN_ENV=(
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1
)

TOTAL_PASS=0
TOTAL_FAIL=0
TOTAL_SKIP=0
SUMMARY=()
declare -A SVC_PID=()

# record NAME PASSED FAILED [SKIPPED] [NOTE]
record() {
	local line
	line=$(printf 'suite %-20s %d passed, %d failed' "$1" "$2" "$3")
	if ((${4:-0} > 0)); then line+=", $4 skipped"; fi
	if [[ -n ${5:-} ]]; then line+="  ($5)"; fi
	SUMMARY+=("$line")
	echo "$line"
	TOTAL_PASS=$((TOTAL_PASS + $2))
	TOTAL_FAIL=$((TOTAL_FAIL + $3))
	TOTAL_SKIP=$((TOTAL_SKIP + ${4:-0}))
}

banner() { printf '\n========== %s ==========\n' "$*"; }

stop_services() {
	local svc
	for svc in "${!SVC_PID[@]}"; do
		stop_pid "${SVC_PID[$svc]}" 10 >/dev/null 2>&1 || true
		wait "${SVC_PID[$svc]}" 2>/dev/null || true
		unset "SVC_PID[$svc]"
	done
}

FINISHED=0

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	stop_services
	pgb_stop "$PGB_DIR" >/dev/null 2>&1
	if [[ -e $TEST_PG_DIR/cluster ]]; then pg_stop "$TEST_PG_DIR" >/dev/null 2>&1; fi
	if ((FINISHED == 0)); then
		# Aborted (a signal, or a command that failed unexpectedly): still end
		# with the counts, and count the abort as a failure.
		record aborted 0 1 0 "test.sh stopped early, exit $rc"
		banner "summary"
		printf '%s\n' "${SUMMARY[@]}"
		if ((TOTAL_SKIP > 0)); then
		echo "${TOTAL_PASS} passed, ${TOTAL_FAIL} failed, ${TOTAL_SKIP} skipped"
	else
		echo "${TOTAL_PASS} passed, ${TOTAL_FAIL} failed"
	fi
		((rc != 0)) || rc=1
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

finish() {
	FINISHED=1
	banner "summary"
	printf '%s\n' "${SUMMARY[@]}"
	if ((TOTAL_SKIP > 0)); then
		echo "${TOTAL_PASS} passed, ${TOTAL_FAIL} failed, ${TOTAL_SKIP} skipped"
	else
		echo "${TOTAL_PASS} passed, ${TOTAL_FAIL} failed"
	fi
	if ((TOTAL_FAIL > 0)); then exit 1; fi
	exit 0
}

# build DIR TYPE [extra cmake args]: 0 when the three binaries exist afterwards.
build() {
	local dir=$1 type=$2 log
	shift 2
	log="$LOGS/build-$(basename "$dir").log"
	log "building $type in $(basename "$dir")/ (log: ${log#"$ROOT"/})"
	if ! { timeout 1800 cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE="$type" "$@" >"$log" 2>&1 &&
		timeout 2400 cmake --build "$dir" -j2 >>"$log" 2>&1; }; then
		tail -n 80 "$log"
		log "$type build failed"
		return 1
	fi
	local svc
	for svc in "${CAMEOS_SERVICES[@]}"; do
		if [[ ! -x $(svc_bin "$dir" "$svc") ]]; then
			log "$type build did not produce $(svc_bin "$dir" "$svc")"
			return 1
		fi
	done
}

# ---------------------------------------------------------------- unit tests
# criterion_count LOG: "passed failed" over the Criterion "Synthesis" lines of
# a ctest -V log (failed = tested - passing: Criterion's Failing already
# includes crashes), raised to the number of ctest tests that failed when
# that is higher (an executable that died before its synthesis).
criterion_count() {
	local pass fail ctest_failed
	read -r pass fail < <(sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '
		/Synthesis: Tested: *[0-9]+ \| Passing: *[0-9]+/ {
			match($0, /Tested: *[0-9]+/); t = substr($0, RSTART + 7, RLENGTH - 7) + 0
			match($0, /Passing: *[0-9]+/); p = substr($0, RSTART + 8, RLENGTH - 8) + 0
			tested += t; passing += p
		}
		END { printf "%d %d\n", passing, tested - passing }')
	ctest_failed=$(sed -n '/The following tests FAILED/,$p' "$1" | grep -cE '^[[:space:]]+[0-9]+ - ' || true)
	if ((ctest_failed > fail)); then fail=$ctest_failed; fi
	echo "$pass $fail"
}

# Plain unit tests: everything but the tests labelled "integration" (those
# need running services and run in the integration suites).
suite_unit() {
	local name=$1 dir=$2 built=$3 log rc=0 pass=0 fail=0
	shift 3
	banner "$name"
	if ((built != 0)); then
		record "$name" 0 1 0 "could not run: build failed"
		return
	fi
	log="$LOGS/$name.log"
	env "$@" timeout 1800 ctest --test-dir "$dir" -LE integration -V -j2 --timeout 300 2>&1 |
		tee "$log" || rc=$?
	read -r pass fail < <(criterion_count "$log")
	if ((pass + fail == 0)); then
		record "$name" 0 1 0 "no Criterion test ran"
	elif ((rc != 0 && fail == 0)); then
		record "$name" "$pass" 1 0 "ctest exited $rc"
	else
		record "$name" "$pass" "$fail"
	fi
}

# --------------------------------------------------------------------- image
# The container image as operators build it (deploy/image.sh all: podman
# installed as needed, a debootstrap base, the build, then the smoke test of
# the image against a throwaway PostgreSQL): about two minutes here.
# tap_suite NAME TIMEOUT CMD...: a suite that is one command printing TAP:
# runs it (log in $LOGS/NAME.tap) and records its counts; no TAP result, or
# a non-zero exit without a failed test, counts as a failure.
tap_suite() {
	local name=$1 secs=$2 log="$LOGS/$1.tap" rc=0 p f s n
	shift 2
	banner "$name"
	timeout "$secs" "$@" </dev/null 2>&1 | tee "$log" || rc=$?
	read -r p f s n < <(tap_count "$log")
	if ((n == 0)); then
		record "$name" 0 1 0 "printed no TAP result (exit $rc)"
	elif ((rc != 0 && f == 0)); then
		record "$name" "$p" 1 "$s" "exited $rc"
	else
		record "$name" "$p" "$f" "$s"
	fi
}

suite_image() {
	tap_suite image 2400 env CAMEOS_IMAGE_WORK="$ROOT/build/image" "$ROOT/deploy/image.sh" all
}

# ---------------------------------------------------------------------- fuzz
# The libFuzzer harnesses of tests/fuzz, built with clang (ASan + UBSan) in
# build-fuzz/, each run FUZZ_SECONDS (20) from its committed seeds
# (scripts/fuzz.sh): a crash, a leak or a UB report fails it.
suite_fuzz() {
	tap_suite fuzz 2400 "$ROOT/scripts/fuzz.sh" "${FUZZ_SECONDS:-20}"
}

# ------------------------------------------------------------------ buf lint
# Structure rules read from what the linker resolves (scripts/layers.py).
suite_layers() {
	if (($1 != 0)); then
		banner layers
		record layers 0 1 0 "could not run: build failed"
		return
	fi
	tap_suite layers 300 python3 "$ROOT/scripts/layers.py" "$BUILD_REL"
}

suite_buf_lint() {
	banner "buf-lint"
	if (cd "$ROOT/proto" && timeout 300 "$BUF" lint); then
		record buf-lint 1 0
	else
		record buf-lint 0 1
	fi
}

# -------------------------------------------------------------- buf breaking
suite_buf_breaking() {
	tap_suite buf-breaking 600 env BUF="$BUF" "$ROOT/scripts/breaking.sh"
}

# --------------------------------------------------------------------- pgTAP
# prove_count LOG: "ran failed missing broken" from pg_prove's output. Its summary
# report has a "file (Wstat: W ... Tests: T Failed: F)" line per file with
# problems, then details; planned-but-not-run tests count as failed, and a
# file that died or broke its plan without a failed test counts as one.
prove_count() {
	awk '
		function close_block() {
			if (blk && bad && f == 0 && miss == 0) broken++
			blk = 0
		}
		/^Files=[0-9]+, Tests=[0-9]+/ { close_block(); split($2, a, "="); total = a[2] + 0 }
		/\(Wstat: [0-9]+.*Tests: [0-9]+ Failed: [0-9]+\)/ {
			close_block()
			blk = 1; bad = 0; miss = 0
			match($0, /Failed: [0-9]+\)/); f = substr($0, RSTART + 8, RLENGTH - 9) + 0; failed += f
			match($0, /Wstat: [0-9]+/); if (substr($0, RSTART + 7, RLENGTH - 7) + 0 != 0) bad = 1
			next
		}
		blk && /Parse errors|Non-zero exit status|No plan found/ { bad = 1 }
		blk && /You planned [0-9]+ tests? but ran [0-9]+/ {
			match($0, /planned [0-9]+/); pl = substr($0, RSTART + 8, RLENGTH - 8) + 0
			match($0, /ran [0-9]+/); rn = substr($0, RSTART + 4, RLENGTH - 4) + 0
			if (pl > rn) { miss = pl - rn; missing += miss }
		}
		END { close_block(); printf "%d %d %d %d\n", total, failed, missing, broken }' "$1"
}

PG_READY=0 # 1 once the test database is up and migrated

suite_pgtap() {
	local pass=0 fail=0 url bin log rc
	banner "pgtap"
	url=$(pg_url "$TEST_PG_DIR" "$TEST_PG_PORT")
	if [[ $1 != 0 ]]; then
		record pgtap 0 1 0 "could not run: no binary to migrate with"
		return
	fi
	bin=$(svc_bin "$BUILD_REL" credits)
	pg_destroy "$TEST_PG_DIR" || true
	if ! pg_start "$TEST_PG_DIR" "$TEST_PG_PORT"; then
		record pgtap 0 1 0 "could not run: PostgreSQL did not start"
		return
	fi
	log "test PostgreSQL on 127.0.0.1:$TEST_PG_PORT"

	if DATABASE_URL=$url JWT_SECRET=$(random_secret) timeout 300 "$bin" migrate >"$LOGS/migrate-1.log" 2>&1; then
		echo "ok - migrate applies every migration to an empty database"
		pass=$((pass + 1))
	else
		cat "$LOGS/migrate-1.log"
		echo "not ok - migrate applies every migration to an empty database"
		record pgtap 0 1 0 "could not run: first migrate failed"
		return
	fi
	# pg_dump 15.14+ writes a random \restrict key into every dump: drop it.
	{ timeout 60 pg_dump -s -d "$url" || echo "pg_dump failed"; } |
		grep -v '^\\\(un\)\?restrict ' >"$LOGS/schema-1.sql" || true
	if DATABASE_URL=$url JWT_SECRET=$(random_secret) timeout 300 "$bin" migrate >"$LOGS/migrate-2.log" 2>&1; then
		echo "ok - migrate run again succeeds"
		pass=$((pass + 1))
	else
		cat "$LOGS/migrate-2.log"
		echo "not ok - migrate run again succeeds"
		fail=$((fail + 1))
	fi
	{ timeout 60 pg_dump -s -d "$url" || echo "pg_dump failed"; } |
		grep -v '^\\\(un\)\?restrict ' >"$LOGS/schema-2.sql" || true
	if diff -u "$LOGS/schema-1.sql" "$LOGS/schema-2.sql" >"$LOGS/schema.diff"; then
		echo "ok - migrate run again leaves the schema unchanged"
		pass=$((pass + 1))
	else
		head -n 40 "$LOGS/schema.diff"
		echo "not ok - migrate run again leaves the schema unchanged"
		fail=$((fail + 1))
	fi
	PG_READY=1

	# The numbered files are the tests; helpers.sql is what they include.
	local files=(tests/pgtap/[0-9]*.sql) # relative: we run from the repo root
	if [[ ! -e ${files[0]} ]]; then
		record pgtap "$pass" $((fail + 1)) 0 "no tests/pgtap/[0-9]*.sql"
		return
	fi
	if ! sql_value "$url" 'CREATE EXTENSION IF NOT EXISTS pgtap' >/dev/null; then
		record pgtap "$pass" $((fail + 1)) 0 "could not run: CREATE EXTENSION pgtap failed"
		return
	fi
	log="$LOGS/pg_prove.log"
	rc=0
	timeout 1200 pg_prove -h "$(pg_socket_dir "$TEST_PG_DIR")" -p "$TEST_PG_PORT" \
		-U postgres -d cameos "${files[@]}" 2>&1 | tee "$log" || rc=$?
	local total subfail missing broken
	read -r total subfail missing broken < <(prove_count "$log")
	pass=$((pass + total - subfail))
	subfail=$((subfail + missing + broken))
	fail=$((fail + subfail))
	if ((total == 0 && fail == 0)); then
		record pgtap "$pass" 1 0 "pg_prove ran no test (exit $rc)"
	elif ((rc != 0 && subfail == 0)); then
		record pgtap "$pass" $((fail + 1)) 0 "pg_prove exited $rc"
	else
		record pgtap "$pass" "$fail"
	fi
}

# --------------------------------------------------------------- integration
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# tap_count LOG: prints "passed failed skipped" for one TAP script's output.
tap_count() {
	awk '
		/^ok( |$)/ {
			if (tolower($0) ~ /# *skip/) s++; else p++; n++; next
		}
		/^not ok/ { if (tolower($0) ~ /# *todo/) s++; else f++; n++; next }
		/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0 }
		END {
			if (plan > n) f += plan - n
			printf "%d %d %d %d\n", p, f, s, n
		}' "$1"
}

all_serving() {
	local svc
	for svc in "${CAMEOS_SERVICES[@]}"; do
		is_serving "127.0.0.1:${GRPC_PORT[$svc]}" || return 1
	done
}

suite_integration() {
	local name=$1 dir=$2 built=$3 grace=$4
	shift 4
	local extra_env=("$@") svc bin pass=0 fail=0 skip=0 secret user_id
	banner "$name"
	if ((built != 0)); then
		record "$name" 0 1 0 "could not run: build failed"
		return
	fi
	if ((PG_READY != 1)) || ! pg_start "$TEST_PG_DIR" "$TEST_PG_PORT"; then
		record "$name" 0 1 0 "could not run: no migrated test database"
		return
	fi
	for svc in "${CAMEOS_SERVICES[@]}"; do
		for port in "${GRPC_PORT[$svc]}" "${METRICS_PORT[$svc]}"; do
			if port_busy "$port"; then
				record "$name" 0 1 0 "could not run: port $port is already in use"
				return
			fi
		done
	done

	local url
	url=$(pg_url "$TEST_PG_DIR" "$TEST_PG_PORT")
	secret=$(random_secret)
	user_id=$(sql_value "$url" "INSERT INTO auth.users (id, email, raw_user_meta_data)
		VALUES (gen_random_uuid(), '$name-' || md5(random()::text) || '@test.local', '{}')
		RETURNING id") || user_id=
	user_id=${user_id%%$'\n'*}
	if [[ ! $user_id =~ ^[0-9a-f-]{36}$ ]]; then
		record "$name" 0 1 0 "could not run: could not create a test user"
		return
	fi

	# Instance k (0 first) of each service listens on its ports + 100 k.
	local k key gport
	declare -A addrs=() maddrs=()
	for ((k = 0; k < SVC_REPLICAS; k++)); do
		for svc in "${CAMEOS_SERVICES[@]}"; do
			bin=$(svc_bin "$dir" "$svc")
			key=$svc
			((k == 0)) || key=$svc-$k
			gport=$((GRPC_PORT[$svc] + 100 * k))
			addrs[$svc]+="${addrs[$svc]:+,}127.0.0.1:$gport"
			maddrs[$svc]+="${maddrs[$svc]:+,}127.0.0.1:$((METRICS_PORT[$svc] + 100 * k))"
			env "${extra_env[@]}" \
				"${SVC_ENV[@]}" \
				DATABASE_URL="$(pg_url "$TEST_PG_DIR" "${SVC_DB_PORT:-$TEST_PG_PORT}" "cameos_$svc" cameos)" \
				LISTEN_DATABASE_URL="$(pg_url "$TEST_PG_DIR" "$TEST_PG_PORT" "cameos_$svc" cameos)" \
				GRPC_LISTEN="127.0.0.1:$gport" \
				METRICS_LISTEN="127.0.0.1:$((METRICS_PORT[$svc] + 100 * k))" \
				JWT_SECRET="$secret" LOG_LEVEL=info \
				"$bin" >"$LOGS/$name-$key.log" 2>&1 </dev/null &
			SVC_PID[$key]=$!
		done
	done
	for ((k = 0; k < SVC_REPLICAS; k++)); do
		for svc in "${CAMEOS_SERVICES[@]}"; do
			key=$svc
			((k == 0)) || key=$svc-$k
			gport=$((GRPC_PORT[$svc] + 100 * k))
			if wait_until 90 is_serving "127.0.0.1:$gport"; then
				echo "ok - $key reports SERVING after start"
				pass=$((pass + 1))
			else
				echo "not ok - $key reports SERVING after start ($(health_status "127.0.0.1:$gport"))"
				tail -n 20 "$LOGS/$name-$key.log"
				fail=$((fail + 1))
			fi
		done
	done

	# What the tests get: the same names as .stack/env, plus PostgreSQL hooks.
	local it_env=(
		CREDITS_ADDR="127.0.0.1:${GRPC_PORT[credits]}" CREDITS_ADDRS="${addrs[credits]}"
		CONTENT_ADDRS="${addrs[content]}" PLANNING_ADDRS="${addrs[planning]}"
		CONTENT_METRICS_ADDRS="${maddrs[content]}"
		CONTENT_ADDR="127.0.0.1:${GRPC_PORT[content]}"
		PLANNING_ADDR="127.0.0.1:${GRPC_PORT[planning]}"
		CREDITS_METRICS_ADDR="127.0.0.1:${METRICS_PORT[credits]}"
		CONTENT_METRICS_ADDR="127.0.0.1:${METRICS_PORT[content]}"
		PLANNING_METRICS_ADDR="127.0.0.1:${METRICS_PORT[planning]}"
		DATABASE_URL="$url" JWT_SECRET="$secret" USER_ID="$user_id"
		USER_TOKEN="$(JWT_SECRET=$secret "$ROOT/scripts/mint-token.sh" "$user_id" authenticated 86400)"
		SERVICE_TOKEN="$(JWT_SECRET=$secret "$ROOT/scripts/mint-token.sh" \
			00000000-0000-0000-0000-000000000000 service_role 86400)"
		PG_STOP_CMD="$(printf '%q ' "$ROOT/scripts/pg.sh" stop "$TEST_PG_DIR")"
		PG_START_CMD="$(printf '%q ' "$ROOT/scripts/pg.sh" start "$TEST_PG_DIR" "$TEST_PG_PORT")"
		SERVICE_LOG_DIR="$LOGS" SERVICE_LOG_PREFIX="$name-" CAMEOS_BUILD_DIR="$dir"
		SANITIZED=$((${#extra_env[@]} > 0 ? 1 : 0))
	)

	# Criterion tests labelled "integration" (a real gRPC client in C), one
	# at a time since they share the services and the database.
	local script p f s n rc=0
	log "running the Criterion tests labelled integration"
	env "${extra_env[@]}" "${it_env[@]}" timeout 1800 \
		ctest --test-dir "$dir" -L integration -V --timeout 600 </dev/null 2>&1 |
		tee "$LOGS/$name-ctest.log" || rc=$?
	read -r p f < <(criterion_count "$LOGS/$name-ctest.log")
	if ((rc != 0 && f == 0)); then
		echo "not ok - ctest -L integration exited $rc"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if ! wait_until 30 all_serving; then
		echo "not ok - the services are SERVING after the Criterion integration tests"
		fail=$((fail + 1))
	fi

	for script in "$ROOT"/tests/integration/*.sh; do
		[[ -e $script ]] || continue
		# valgrind cannot run ASan binaries; the Release suite runs it.
		if [[ $(basename "$script") == valgrind.sh ]] && ((${#extra_env[@]} > 0)); then continue; fi
		if [[ " ${SKIP_SCRIPTS[*]} " == *" $(basename "$script") "* ]]; then continue; fi
		log "running ${script#"$ROOT"/}"
		rc=0
		env "${it_env[@]}" \
			timeout 600 bash "$script" </dev/null 2>&1 | tee "$LOGS/$name-$(basename "$script" .sh).tap" || rc=$?
		read -r p f s n < <(tap_count "$LOGS/$name-$(basename "$script" .sh).tap")
		if ((n == 0)); then
			echo "not ok - $(basename "$script") printed no TAP result (exit $rc)"
			f=$((f + 1))
		elif ((rc != 0 && f == 0)); then
			echo "not ok - $(basename "$script") exited $rc"
			f=$((f + 1))
		fi
		pass=$((pass + p))
		fail=$((fail + f))
		skip=$((skip + s))
		# A script that stopped PostgreSQL and died must not take the rest down.
		pg_running "$TEST_PG_DIR" || pg_start "$TEST_PG_DIR" "$TEST_PG_PORT" || true
	done

	# Shutdown: each service must still be up, exit 0 on SIGTERM within the
	# grace period, and (sanitized builds) leave no sanitizer report.
	local pid src
	for svc in "${CAMEOS_SERVICES[@]}"; do
		pid=${SVC_PID[$svc]}
		if pid_alive "$pid"; then
			echo "ok - $svc stayed up through the tests"
			pass=$((pass + 1))
		else
			echo "not ok - $svc stayed up through the tests (it died)"
			fail=$((fail + 1))
		fi
		src=0
		stop_pid "$pid" "$grace" || src=$?
		rc=0
		wait "$pid" 2>/dev/null || rc=$?
		unset "SVC_PID[$svc]"
		if ((src == 0 && rc == 0)); then
			echo "ok - $svc exits 0 on SIGTERM"
			pass=$((pass + 1))
		else
			echo "not ok - $svc exits 0 on SIGTERM (exit $rc$( ((src != 0)) && echo ', had to be killed'))"
			tail -n 20 "$LOGS/$name-$svc.log"
			fail=$((fail + 1))
		fi
		if ((${#extra_env[@]} > 0)); then
			if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|UndefinedBehaviorSanitizer' \
				"$LOGS/$name-$svc.log"; then
				echo "not ok - $svc: no sanitizer report"
				grep -E -A 30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$LOGS/$name-$svc.log" | head -n 60
				fail=$((fail + 1))
			else
				echo "ok - $svc: no sanitizer report"
				pass=$((pass + 1))
			fi
		fi
	done
	local scripts=("$ROOT"/tests/integration/*.sh)
	if [[ ! -e ${scripts[0]} ]]; then
		record "$name" "$pass" $((fail + 1)) "$skip" "no tests/integration/*.sh"
	else
		record "$name" "$pass" "$fail" "$skip"
	fi
}

# --------------------------------------------------------------------- attack
# tests/attack/run.cjs: hostile and careless traffic against instances it
# starts itself (Release binaries: the memory budgets are for them), one line
# of figures per attack and TAP results judged against the budgets.
suite_attack() {
	local built=$1 log="$LOGS/attack.tap" rc=0 p f s n
	banner "attack"
	if ((built != 0)); then
		record attack 0 1 0 "could not run: build failed"
		return
	fi
	if ((PG_READY != 1)) || ! pg_start "$TEST_PG_DIR" "$TEST_PG_PORT"; then
		record attack 0 1 0 "could not run: no migrated test database"
		return
	fi
	CAMEOS_BUILD_DIR="$BUILD_REL" DATABASE_URL="$(pg_url "$TEST_PG_DIR" "$TEST_PG_PORT")" \
		JWT_SECRET="$(random_secret)" SERVICE_LOG_DIR="$LOGS" \
		timeout 1200 node "$ROOT/tests/attack/run.cjs" </dev/null 2>&1 | tee "$log" || rc=$?
	read -r p f s n < <(tap_count "$log")
	if ((n == 0)); then
		record attack 0 1 0 "run.cjs printed no TAP result (exit $rc)"
	elif ((rc != 0 && f == 0)); then
		record attack "$p" 1 "$s" "run.cjs exited $rc"
	else
		record attack "$p" "$f" "$s"
	fi
}

# ---------------------------------------------------------------- pgbouncer
# The integration suite again, the services going through a real PgBouncer
# 1.18 in pool_mode = transaction (scripts/pgbouncer.sh: 2 server
# connections per role for 3 instances of each service with 4 client
# connections each), with
# DB_TRANSACTION_POOLER=1 (unnamed statements, one transaction in flight per
# connection) and content's LISTEN connection direct (LISTEN_DATABASE_URL).
# Release binaries.
suite_pgbouncer() {
	local name=integration-pgbouncer
	if ((rel_built != 0)); then
		record "$name" 0 1 0 "could not run: build failed"
		return
	fi
	if ((PG_READY != 1)) || ! pg_start "$TEST_PG_DIR" "$TEST_PG_PORT" ||
		! pgb_start "$PGB_DIR" "$PGB_PORT" "$TEST_PG_PORT"; then
		record "$name" 0 1 0 "could not run: no test database or no PgBouncer in front of it"
		return
	fi
	SVC_DB_PORT=$PGB_PORT
	SVC_ENV=(DB_TRANSACTION_POOLER=1)
	# valgrind.sh: the Release suite runs it. dbdown.sh: behind PgBouncer a
	# database outage is not a lost connection (PgBouncer keeps the
	# services' client connections and queues their calls), so health stays
	# SERVING and calls fail UNAVAILABLE or at their deadline; OPERATORS.md
	# says so.
	SKIP_SCRIPTS=(valgrind.sh dbdown.sh)
	# Three instances of each service: 36 client connections to PgBouncer,
	# which opens at most 2 per role (6) to PostgreSQL. The tests call the
	# first; test_credits_concurrency spreads over all three (CREDITS_ADDRS).
	SVC_REPLICAS=3
	suite_integration "$name" "$BUILD_REL" "$rel_built" 20
	SVC_DB_PORT=
	SVC_ENV=()
	SKIP_SCRIPTS=()
	SVC_REPLICAS=1
	pgb_stop "$PGB_DIR"
}

# ---------------------------------------------------------------------- main
rm -rf "$LOGS"
mkdir -p "$LOGS"

banner "dependencies"
if ! "$ROOT/scripts/deps.sh"; then
	record deps 0 1 0 "could not install dependencies; nothing else can run"
	finish
fi
buf_resolve

banner "build"
rel_built=0
asan_built=0
build "$BUILD_REL" Release || rel_built=1
build "$BUILD_ASAN" Debug -DCAMEOS_ASAN=ON || asan_built=1
clang_built=0
CC=clang build "$BUILD_CLANG" Release || clang_built=1
if ((rel_built == 0)); then log "Release build ok"; fi
if ((asan_built == 0)); then log "ASan build ok"; fi
if ((clang_built == 0)); then log "clang build ok"; fi

suite_unit unit-release "$BUILD_REL" "$rel_built"
suite_unit unit-asan "$BUILD_ASAN" "$asan_built" "${ASAN_ENV[@]}"
suite_unit unit-clang "$BUILD_CLANG" "$clang_built"
suite_layers "$rel_built"
suite_image
suite_fuzz
suite_buf_lint
suite_buf_breaking
suite_pgtap "$rel_built"
suite_integration integration-release "$BUILD_REL" "$rel_built" 20
suite_integration integration-asan "$BUILD_ASAN" "$asan_built" 40 "${ASAN_ENV[@]}"
suite_pgbouncer
# Its thousands of client sockets take ephemeral ports; the fixed ports the
# integration suites bind lie below that range, so no order is needed for
# them. It runs last as it always has.
suite_attack "$rel_built"

finish
