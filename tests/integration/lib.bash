# shellcheck shell=bash
# Helpers for the TAP integration scripts beside this file (sourced by them;
# not a test itself, hence not *.sh). Talks to the services only through
# `buf curl` with server reflection, so no proto file is needed.
#
# Environment (set by scripts/test.sh, or `. .stack/env` for the local stack):
#   CREDITS_ADDR CONTENT_ADDR PLANNING_ADDR   host:port of each service
#   USER_TOKEN SERVICE_TOKEN JWT_SECRET USER_ID DATABASE_URL (superuser)
#   PG_STOP_CMD PG_START_CMD                  shell commands (dbdown.sh only)
set -euo pipefail

IT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ -z ${BUF:-} ]]; then
	BUF="$IT_ROOT/tests/node_modules/.bin/buf"
	for _b in "$IT_ROOT"/tests/node_modules/@bufbuild/buf-*/bin/buf; do
		if [[ -x $_b ]]; then BUF=$_b; fi
	done
	unset _b
fi
: "${CREDITS_ADDR:?CREDITS_ADDR is not set (run scripts/test.sh, or . .stack/env)}"
: "${CONTENT_ADDR:?CONTENT_ADDR is not set}"
: "${PLANNING_ADDR:?PLANNING_ADDR is not set}"

IT_TMP=$(mktemp -d)
trap 'rm -rf "$IT_TMP"' EXIT

# shellcheck disable=SC2034 # used by the scripts that source this
SERVICES=(credits content planning)
# shellcheck disable=SC2034
declare -A ADDR=([credits]=$CREDITS_ADDR [content]=$CONTENT_ADDR [planning]=$PLANNING_ADDR)
# shellcheck disable=SC2034
declare -A FULLNAME=(
	[credits]=cameos.credits.v1.CreditsService
	[content]=cameos.content.v1.ContentService
	[planning]=cameos.planning.v1.PlanningService
)
CODE_NAMES=(OK Canceled Unknown InvalidArgument DeadlineExceeded NotFound AlreadyExists
	PermissionDenied ResourceExhausted FailedPrecondition Aborted OutOfRange Unimplemented
	Internal Unavailable DataLoss Unauthenticated)

# shellcheck source=tests/integration/tap.bash
source "$(dirname "${BASH_SOURCE[0]}")/tap.bash"

# ------------------------------------------------------------------ gRPC
code_name() {
	if [[ $1 =~ ^[0-9]+$ ]] && (($1 < ${#CODE_NAMES[@]})); then
		echo "${CODE_NAMES[$1]}"
	else
		echo "$1"
	fi
}

# call ADDR SERVICE/METHOD [JSON] [TOKEN] [extra buf curl args...]
# Sets OUT (response JSON), ERR (buf's stderr), CODE (gRPC code number, or
# "timeout" / "client-error-N" when the call did not complete) and MS (wall
# time in milliseconds, process start included).
call() {
	local addr=$1 method=$2 data=${3:-"{}"} token=${4:-} rc=0 t0 t1
	shift $(($# < 4 ? $# : 4))
	local args=(--protocol grpc --http2-prior-knowledge --connect-timeout 3 --timeout 15s -d "$data")
	if [[ -n $token ]]; then args+=(-H "authorization: Bearer $token"); fi
	t0=$(date +%s%N)
	OUT=$(timeout 20 "$BUF" curl "${args[@]}" "$@" "http://$addr/$method" 2>"$IT_TMP/err") || rc=$?
	t1=$(date +%s%N)
	MS=$(((t1 - t0) / 1000000))
	ERR=$(<"$IT_TMP/err")
	if ((rc == 124)); then
		CODE=timeout
	elif ((rc % 8 == 0)); then
		CODE=$((rc / 8))
	else
		CODE=client-error-$rc
	fi
}

# expect_code CODE DESCRIPTION: checks the CODE of the last call().
expect_code() {
	if [[ $CODE == "$1" ]]; then
		pass "$2"
	else
		fail "$2" "expected: $(code_name "$1")" "     got: $(code_name "$CODE") in ${MS} ms" \
			"$(printf '%s' "$ERR" | head -c 400)"
	fi
}

# raw_call ADDR /PATH [TOKEN]: a unary call with an empty body on any path
# (buf curl only calls methods that reflection knows), through the
# independent @grpc/grpc-js client. Prints the gRPC code.
raw_call() {
	NODE_PATH="$IT_ROOT/tests/node_modules" timeout 20 node -e '
		const grpc = require("@grpc/grpc-js");
		const [addr, path, token] = process.argv.slice(1);
		const client = new grpc.Client(addr, grpc.credentials.createInsecure());
		const md = new grpc.Metadata();
		if (token) md.set("authorization", "Bearer " + token);
		const id = (b) => b;
		client.makeUnaryRequest(path, id, id, Buffer.alloc(0), md,
			{ deadline: Date.now() + 10000 }, (err) => {
				console.log(err ? err.code : 0);
				client.close();
			});
	' "$1" "$2" "${3:-}" 2>/dev/null || echo "client-error"
}

# health ADDR [SERVICE]: SERVING / NOT_SERVING / ... or ERROR(code).
health() {
	call "$1" grpc.health.v1.Health/Check "{\"service\":\"${2:-}\"}"
	if [[ $CODE != 0 ]]; then
		echo "ERROR($(code_name "$CODE"))"
	elif [[ $OUT =~ \"status\":[[:space:]]*\"([A-Z_]+)\" ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo UNKNOWN # the zero value prints as {}
	fi
}

# wait_health SECONDS ADDR SERVICE WANT: polls until health says WANT.
wait_health() {
	local deadline=$(($(date +%s) + $1))
	while [[ $(health "$2" "$3") != "$4" ]]; do
		(($(date +%s) < deadline)) || return 1
		sleep 0.25
	done
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ------------------------------------------------------------ locks
# lock_table TABLE NAME: holds TABLE in ACCESS EXCLUSIVE mode from a psql
# session named NAME (in the background; LOCKER_PID), returning once the lock
# is granted (20 s at most), so that calls touching TABLE stay in flight.
lock_table() {
	PGAPPNAME=$2 psql "$DATABASE_URL" -qAt -c "begin; lock table $1 in access exclusive mode;
		select pg_sleep(120); commit;" >/dev/null 2>&1 &
	LOCKER_PID=$!
	for _ in $(seq 1 200); do
		[[ $(psql "$DATABASE_URL" -qAt -c "select count(*) from pg_locks l join pg_stat_activity a using (pid)
			where a.application_name = '$2' and l.mode = 'AccessExclusiveLock' and l.granted") -ge 1 ]] && return 0
		sleep 0.1
	done
	return 1
}
# unlock_table NAME: ends lock_table's session NAME and waits for it.
unlock_table() {
	psql "$DATABASE_URL" -qAt -c "select pg_terminate_backend(pid) from pg_stat_activity
		where application_name = '$1'" >/dev/null
	wait "$LOCKER_PID" 2>/dev/null || true
}

# ------------------------------------------------- instances of our own
# For tests that restart or reconfigure a service: a credits process of the
# test's own, on a free port pair, with extra environment. Needs
# CAMEOS_BUILD_DIR (scripts/test.sh sets it).

# free_port: a port p with p and p+1 free, from 22000-28999: below the
# kernel's ephemeral ports (where an outgoing connection may hold one) and
# clear of scripts/test.sh's fixed ports (21xxx and 29xxx).
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((22000 + RANDOM % 7000))
		if ! ss -ltnH "sport = :$p or sport = :$((p + 1))" | grep -q .; then
			echo "$p"
			return
		fi
	done
	return 1
}

# spawn_credits NAME [VAR=value...]: starts cameos-credits (or the service
# SPAWN_SVC names: SPAWN_SVC=content spawn_credits ...) as the service's
# role on a free port; sets SPAWN_PID, SPAWN_PORT and SPAWN_LOG. Later
# VAR=value pairs override the defaults (e.g. JWT_SECRET=...). Returns once
# the process listens on both ports or has exited; a port taken between
# free_port and the bind (another test's process, a client's ephemeral
# port) is retried on a new pair, up to three times.
spawn_credits() {
	local name=$1 attempt
	shift
	: "${CAMEOS_BUILD_DIR:?CAMEOS_BUILD_DIR is not set (scripts/test.sh sets it)}"
	SPAWN_LOG="$IT_TMP/$name.log"
	for attempt in 1 2 3; do
		SPAWN_PORT=$(free_port)
		env DATABASE_URL="${DATABASE_URL/\/\/postgres@/\/\/cameos_${SPAWN_SVC:-credits}@}" \
			GRPC_LISTEN="127.0.0.1:$SPAWN_PORT" METRICS_LISTEN="127.0.0.1:$((SPAWN_PORT + 1))" \
			JWT_SECRET="$JWT_SECRET" "$@" \
			"$CAMEOS_BUILD_DIR/services/${SPAWN_SVC:-credits}/cameos-${SPAWN_SVC:-credits}" >"$SPAWN_LOG" 2>&1 &
		SPAWN_PID=$!
		for _ in $(seq 1 120); do
			kill -0 "$SPAWN_PID" 2>/dev/null || break
			ss -ltnH "sport = :$((SPAWN_PORT + 1))" | grep -q . && return 0
			sleep 0.25
		done
		kill -0 "$SPAWN_PID" 2>/dev/null && return 0 # slow, not failed: the caller's wait decides
		grep -qi "address already in use" "$SPAWN_LOG" || return 0
		echo "# $name: port $SPAWN_PORT or $((SPAWN_PORT + 1)) was taken (attempt $attempt)"
	done
}

# spawn_serving NAME [VAR=value...]: spawn_credits, then a test that the
# instance reaches SERVING; when it does not, the instance is killed and
# the script ends there (its tests need it).
spawn_serving() {
	spawn_credits "$@"
	if wait_health 30 "127.0.0.1:$SPAWN_PORT" "" SERVING; then
		pass "$1 instance is SERVING"
		return
	fi
	fail "$1 instance is SERVING" "$(tail -n 5 "$SPAWN_LOG")"
	kill "$SPAWN_PID" 2>/dev/null
	done_testing
	exit 1
}
