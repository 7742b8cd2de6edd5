#!/usr/bin/env bash
# examples/run.sh [go|python|typescript ...]: generates the client code
# (buf generate, buf.gen.yaml), builds and runs the example clients against
# running services, all three unless named. Each runs the same flow (README
# in this folder) and checks its answers; their lines are printed with the
# language in front, and the script exits 1 when any example failed.
#
# The services' addresses and tokens come from the environment, as
# `. .stack/env` sets them (read from there when CREDITS_ADDR is unset):
# CREDITS_ADDR, CONTENT_ADDR, SERVICE_TOKEN, JWT_SECRET. The examples read
# deploy/grpc-service-config.json (CAMEOS_SERVICE_CONFIG to use another).
#
# A worker must complete the generations the examples watch: this script
# starts the reference worker (examples/worker, from CAMEOS_BUILD_DIR, default
# build/) for the run and stops it after; EXAMPLES_WORKER=0 leaves that to a
# worker already running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

if [[ -z ${CREDITS_ADDR:-} && -f $ROOT/.stack/env ]]; then
	# shellcheck disable=SC1091
	source "$ROOT/.stack/env"
fi
for v in CREDITS_ADDR CONTENT_ADDR SERVICE_TOKEN JWT_SECRET; do
	[[ -n ${!v:-} ]] || die "$v is not set (start the stack: scripts/stack.sh up; then . .stack/env)"
done
export CREDITS_ADDR CONTENT_ADDR SERVICE_TOKEN JWT_SECRET
export CAMEOS_SERVICE_CONFIG="${CAMEOS_SERVICE_CONFIG:-$ROOT/deploy/grpc-service-config.json}"

LANGS=("$@")
((${#LANGS[@]} > 0)) || LANGS=(go python typescript)
BUF="$ROOT/tests/node_modules/.bin/buf"
TS="$ROOT/examples/typescript"
# Debian's python3 has python3-grpcio; another python3 first on PATH may not.
PYTHON="${EXAMPLES_PYTHON:-/usr/bin/python3}"
TMP=$(mktemp -d)
WORKER_PID=
cleanup() {
	if [[ -n $WORKER_PID ]]; then
		kill -TERM "$WORKER_PID" 2>/dev/null || true
		wait "$WORKER_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

[[ -x $BUF ]] || die "buf not found at $BUF (scripts/deps.sh installs it)"
[[ -x $TS/node_modules/.bin/protoc-gen-ts_proto ]] ||
	die "ts-proto not found in $TS/node_modules (scripts/deps.sh installs it)"
log "generating gen/ from proto/ (buf.gen.yaml)"
"$BUF" generate

if [[ ${EXAMPLES_WORKER:-1} != 0 ]]; then
	worker="${CAMEOS_BUILD_DIR:-$ROOT/build}/examples/worker/cameos-example-worker"
	[[ -x $worker ]] || die "no reference worker at $worker (build first, or EXAMPLES_WORKER=0)"
	WORKER_TOKEN=$SERVICE_TOKEN WORKER_NAME="examples-$$" WORKER_WORK_MS=500 \
		"$worker" >"$TMP/worker.out" 2>&1 &
	WORKER_PID=$!
fi

# Go: GOPATH mode over Debian's packaged sources (golang-google-grpc-dev and
# friends), since this machine reaches no Go module proxy; the generated
# packages are linked in under their go_package import path.
build_go() {
	mkdir -p "$TMP/gopath/src/cameos.dev/api" "$ROOT/build"
	ln -sfn "$ROOT/gen" "$TMP/gopath/src/cameos.dev/api/gen"
	GOPATH="$TMP/gopath:/usr/share/gocode" GO111MODULE=off GOFLAGS= \
		GOCACHE="${GOCACHE:-$ROOT/build/go-cache}" go build -o "$TMP/go-flow" ./examples/go
}
run_go() {
	build_go || return 1
	# grpc-go before 1.40 applies a retryPolicy only with this set.
	GRPC_GO_RETRY=on "$TMP/go-flow"
}
run_python() {
	PYTHONPATH="$ROOT/gen/python" "$PYTHON" "$ROOT/examples/python/flow.py"
}
run_typescript() {
	(cd "$TS" && node_modules/.bin/tsc -p .) || return 1
	node "$TS/dist/examples/typescript/flow.js"
}

failed=()
for lang in "${LANGS[@]}"; do
	case $lang in
	go | python | typescript) ;;
	*) die "unknown example $lang (go, python or typescript)" ;;
	esac
	log "running the $lang example"
	rc=0
	"run_$lang" 2>&1 | sed -u "s/^/[$lang] /" || rc=$?
	((rc == 0)) || failed+=("$lang")
done
if [[ -n $WORKER_PID ]] && ! kill -0 "$WORKER_PID" 2>/dev/null; then
	echo "[worker] the reference worker died:" && sed 's/^/[worker] /' "$TMP/worker.out"
	failed+=(worker)
fi
if ((${#failed[@]} > 0)); then
	echo "examples failed: ${failed[*]}"
	exit 1
fi
echo "examples passed: ${LANGS[*]}"
