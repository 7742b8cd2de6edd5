#!/usr/bin/env bash
# Installs what building and testing Smart Cameos needs on Debian 12: the
# Debian packages (as root) and the npm tools of tests/package.json. Quick and
# silent when everything is already there; apt-get update runs only when a
# package is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

APT_PACKAGES=(
	build-essential cmake pkg-config
	libgrpc-dev protobuf-compiler libprotobuf-dev grpc-proto
	protobuf-c-compiler libprotobuf-c-dev
	libpq-dev libuv1-dev libcriterion-dev libjansson-dev libssl-dev
	postgresql-15 postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
	nghttp2-client openssl valgrind clang clang-format jq yq curl pgbouncer expect
	# loops.sh slows a start-up down with it (a delay injected into bind).
	strace
	# The example clients (examples/): Go, Python and the plugins of
	# buf.gen.yaml. grpc-go needs golang/protobuf 1.5 (the APIv2 shim), not
	# the 1.3 that would satisfy its dependency first.
	golang-go golang-google-grpc-dev golang-github-golang-protobuf-1-5-dev
	golang-google-protobuf-dev golang-google-genproto-dev protoc-gen-go protoc-gen-go-grpc
	protobuf-compiler-grpc python3-grpcio python3-protobuf
)
# Node 20 comes with the machine; Debian's (older) node only when it is absent.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	APT_PACKAGES+=(nodejs npm)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} > 0)); then
	if ((EUID != 0)); then
		log "missing Debian packages: ${missing[*]}"
		log "run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
		exit 1
	fi
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	timeout 900 apt-get update -q
	timeout 1800 apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm ci DIR: installs DIR's package-lock.json. npm ci wipes node_modules
# every time; skip it while the installed tree still matches the lock file.
npm_ci() {
	local dir=$1 stamp="$1/node_modules/.cameos-lock.sha256" want
	want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
	if [[ ! -f $stamp || $(<"$stamp") != "$want" ]]; then
		log "installing npm packages (npm ci --prefix ${dir#"$ROOT"/})"
		timeout 900 npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
		echo "$want" >"$stamp"
	fi
}
[[ -x $BUF ]] || rm -f "$ROOT/tests/node_modules/.cameos-lock.sha256"
npm_ci "$ROOT/tests"
npm_ci "$ROOT/examples/typescript"
"$BUF" --version >/dev/null || die "buf is not runnable after npm ci"

for tool in cmake protoc protoc-c pg_prove psql openssl jq go protoc-gen-go protoc-gen-go-grpc \
	grpc_python_plugin; do
	command -v "$tool" >/dev/null || die "$tool not found after installing packages"
done
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || die "PostgreSQL 15 server binaries missing"
