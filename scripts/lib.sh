# shellcheck shell=bash
# Shared helpers for the scripts in this folder: paths, logging, bounded waits,
# gRPC health probes through `buf curl`, and starting/stopping service processes.
# Sourced, never run; it sets no shell options of its own.

CAMEOS_ROOT="${CAMEOS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
# buf_resolve: BUF is the native buf binary when npm installed one (no node
# start-up per call), else npm's launcher. Call again after installing.
buf_resolve() {
	local b
	BUF="$CAMEOS_ROOT/tests/node_modules/.bin/buf"
	for b in "$CAMEOS_ROOT"/tests/node_modules/@bufbuild/buf-*/bin/buf; do
		if [[ -x $b ]]; then BUF=$b; fi
	done
	export BUF
}
if [[ -z ${BUF:-} ]]; then buf_resolve; fi
export CAMEOS_ROOT BUF

# shellcheck disable=SC2034 # used by the scripts that source this
CAMEOS_SERVICES=(credits content planning)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# Path of a service binary in build directory $1.
svc_bin() { printf '%s/services/%s/cameos-%s' "$1" "$2" "$2"; }

# Fully-qualified gRPC service name of a service.
svc_fullname() {
	case "$1" in
	credits) echo cameos.credits.v1.CreditsService ;;
	content) echo cameos.content.v1.ContentService ;;
	planning) echo cameos.planning.v1.PlanningService ;;
	*) return 1 ;;
	esac
}

# wait_until SECONDS CMD...: re-run CMD every 0.2 s until it succeeds; fails
# once SECONDS have passed. Every wait in these scripts goes through here so
# that nothing can hang forever.
wait_until() {
	local limit=$1
	shift
	local deadline=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

# health_status ADDR [SERVICE]: prints SERVING / NOT_SERVING / SERVICE_UNKNOWN /
# UNKNOWN, or "ERROR(rc)" when the call itself failed.
health_status() {
	local addr=$1 svc=${2:-} out rc=0
	out=$(timeout 15 "$BUF" curl --protocol grpc --http2-prior-knowledge \
		--connect-timeout 2 --timeout 10s \
		-d "{\"service\":\"$svc\"}" \
		"http://$addr/grpc.health.v1.Health/Check" 2>/dev/null) || rc=$?
	if ((rc != 0)); then
		echo "ERROR($rc)"
		return 0
	fi
	# An all-default message prints as {}: status UNKNOWN is the zero value.
	if [[ $out =~ \"status\":[[:space:]]*\"([A-Z_]+)\" ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo UNKNOWN
	fi
}

is_serving() { [[ $(health_status "$@") == SERVING ]]; }

# pid_is_ours PIDFILE BIN_NAME: true when the pid in PIDFILE is alive and runs
# a program of that name (pids get reused after a reboot).
pid_is_ours() {
	local pidfile=$1 name=$2 pid
	[[ -f $pidfile ]] || return 1
	pid=$(<"$pidfile")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	pid_alive "$pid" || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name"
}

# pid_alive PID: running, and not a zombie awaiting its parent (a process
# detached with setsid is reaped by whoever adopted it, maybe late).
pid_alive() {
	local state
	kill -0 "$1" 2>/dev/null || return 1
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $state && $state != Z ]]
}

# stop_pid PID GRACE_SECONDS: SIGTERM, wait, then SIGKILL. Returns 0 when the
# process ended on SIGTERM within the grace period, 1 when it had to be killed.
stop_pid() {
	local pid=$1 grace=$2
	pid_alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null || true
	if wait_until "$grace" eval "! pid_alive $pid"; then
		return 0
	fi
	log "pid $pid did not stop within ${grace}s of SIGTERM; killing it"
	kill -KILL "$pid" 2>/dev/null || true
	wait_until 5 eval "! pid_alive $pid" || true
	return 1
}

# random_secret: 64 hex characters (32 random bytes), enough for HS256.
random_secret() { openssl rand -hex 32; }

# sql_value DSN SQL: runs one statement as-is and prints the single value.
sql_value() {
	timeout 30 psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}
