#!/usr/bin/env bash
# image.sh [all|base|build|smoke|context]: builds the container image (deploy/
# Containerfile) with podman and tries it, on a Debian 12 host that reaches
# Debian's package mirror but no image registry. scripts/test.sh runs `all`
# (suite image); it installs podman, runc and debootstrap (as root) and
# takes about two minutes from nothing.
#
#   base   a Debian 12 base image from `debootstrap --variant=minbase
#          bookworm`, imported as localhost/cameos-debian:bookworm-minbase;
#          kept, so later runs skip it (remove the image to rebuild it)
#   build  the image, localhost/cameos:dev (CAMEOS_IMAGE), and its
#          debian-runtime stage as localhost/cameos:dev-debian, from a copy of the
#          source folders (so build trees and node_modules stay out): of the
#          working tree, or of the git revision CAMEOS_IMAGE_REF when set
#   smoke  a new throwaway PostgreSQL on 127.0.0.1:55447, `migrate` from the
#          image, then cameos-credits in a container (read-only root, no
#          capabilities, user 10001, --network=host, gRPC on 127.0.0.1:57171,
#          metrics on :57172): Health/Check must answer SERVING; then SIGTERM
#          must stop it with exit 0. Checks the image has no shell, and that
#          the debian-runtime stage (--target; a shell, built with the image)
#          runs the binaries.
#   all    the three, in order (the default)
#   context without podman: copies the same source folders and runs the
#          Containerfile's cmake commands on this host (CAMEOS_TESTS=OFF,
#          the three service targets); TAP. Quicker than `build` to find a
#          file the image does not copy.
#
# Podman runs as `podman --runtime runc --cgroup-manager cgroupfs` with
# CONTAINERS_CONF=deploy/containers.conf (no default ulimits) and host
# networking: on this kind of machine crun fails on the cgroups and rlimits.
# Work files go to CAMEOS_IMAGE_WORK (default /tmp/cameos-image). The Debian
# mirror is the one apt uses (DEBIAN_MIRROR overrides it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
# shellcheck source=scripts/pg.sh
source "$ROOT/scripts/pg.sh"

WORK="${CAMEOS_IMAGE_WORK:-/tmp/cameos-image}"
BASE_IMAGE=localhost/cameos-debian:bookworm-minbase
IMAGE="${CAMEOS_IMAGE:-localhost/cameos:dev}"
# The Containerfile's debian-runtime stage (a shell, for debugging), built
# with --target from the same layers.
IMAGE_DEBIAN="$IMAGE-debian"
SMOKE_NAME=cameos-image-smoke
PG_PORT=55447
GRPC_PORT=57171
METRICS_PORT=57172
export CONTAINERS_CONF="$ROOT/deploy/containers.conf"

PM=(podman --runtime runc --cgroup-manager cgroupfs)
pm() { "${PM[@]}" "$@"; }

# TAP results (pass, fail, done_testing), as the integration scripts print them.
# shellcheck source=tests/integration/tap.bash
source "$ROOT/tests/integration/tap.bash"

ensure_tools() {
	local missing=() p
	for p in podman runc debootstrap; do
		command -v "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	((EUID == 0)) || die "missing ${missing[*]}; run as root: apt-get install podman runc debootstrap"
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	timeout 900 apt-get update -q
	timeout 1800 apt-get install -y -q podman runc debootstrap
}

# apt_uri SUITE: the first URI of an enabled apt source serving SUITE, from
# deb822 *.sources files or one-line sources.list entries.
apt_uri() {
	local suite=$1 files=() f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] && files+=("$f")
	done
	if ((${#files[@]} > 0)); then
		awk -v s="$suite" '
			$1 == "deb" {
				i = 2
				if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
				if ($(i + 1) == s) { print $i; exit }
			}' "${files[@]}" | head -n 1
	fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		awk -v s="$suite" 'BEGIN { RS = ""; FS = "\n" }
			{
				uris = ""; suites = ""; types = ""; enabled = "yes"
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^URIs:/) uris = substr($i, 6)
					else if ($i ~ /^Suites:/) suites = substr($i, 8)
					else if ($i ~ /^Types:/) types = substr($i, 7)
					else if ($i ~ /^Enabled:/) enabled = substr($i, 9)
				}
				if (enabled ~ /no/ || (" " types " ") !~ / deb /) next
				if ((" " suites " ") ~ (" " s " ")) { split(uris, u, " "); print u[1]; exit }
			}' "$f"
	done | head -n 1
}

step_base() {
	if pm image exists "$BASE_IMAGE"; then
		log "base image $BASE_IMAGE exists (cached)"
		return 0
	fi
	local mirror security rootfs="$WORK/rootfs"
	mirror=${DEBIAN_MIRROR:-$(apt_uri bookworm)}
	mirror=${mirror:-http://deb.debian.org/debian}
	security=${DEBIAN_SECURITY_MIRROR:-$(apt_uri bookworm-security)}
	security=${security:-http://deb.debian.org/debian-security}
	log "debootstrap --variant=minbase bookworm from $mirror"
	rm -rf "$rootfs"
	mkdir -p "$WORK"
	if ! timeout 1800 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" \
		>"$WORK/debootstrap.log" 2>&1; then
		tail -n 30 "$WORK/debootstrap.log" >&2
		die "debootstrap failed (log: $WORK/debootstrap.log)"
	fi
	# The image's own apt sources: the same mirror, with updates and security.
	cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
	rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
	log "importing it as $BASE_IMAGE"
	tar --numeric-owner -C "$rootfs" -c . |
		pm import --change 'CMD ["/bin/bash"]' --message "debootstrap minbase bookworm" - "$BASE_IMAGE" >/dev/null
	rm -rf "$rootfs"
}

# The folders the Containerfile's build stage COPYs, and nothing else.
IMAGE_SOURCES=(CMakeLists.txt cmake proto common services db)

# make_context DIR: the build context, from the working tree or CAMEOS_IMAGE_REF.
make_context() {
	local ctx=$1 d
	rm -rf "$ctx"
	mkdir -p "$ctx"
	if [[ -n ${CAMEOS_IMAGE_REF:-} ]]; then
		log "source: git revision $CAMEOS_IMAGE_REF"
		git -C "$ROOT" archive --format=tar "$CAMEOS_IMAGE_REF" -- "${IMAGE_SOURCES[@]}" |
			tar -C "$ctx" -x
	else
		log "source: the working tree"
		for d in "${IMAGE_SOURCES[@]}"; do
			cp -a "$ROOT/$d" "$ctx/"
		done
	fi
}

# The Containerfile's RUN cmake lines, on this host, in a copy of the context.
step_context() {
	local ctx="$WORK/check-context" out="$WORK/check-build" svc
	make_context "$ctx"
	rm -rf "$out"
	if timeout 600 cmake -S "$ctx" -B "$out" -DCMAKE_BUILD_TYPE=Release -DCAMEOS_TESTS=OFF \
		>"$WORK/check.log" 2>&1; then
		pass "the image's sources configure with CAMEOS_TESTS=OFF"
	else
		tail -n 30 "$WORK/check.log"
		fail "the image's sources configure with CAMEOS_TESTS=OFF"
	fi
	if timeout 1800 cmake --build "$out" -j2 --target cameos-credits cameos-content cameos-planning \
		>>"$WORK/check.log" 2>&1; then
		pass "the three services build from them"
	else
		tail -n 30 "$WORK/check.log"
		fail "the three services build from them"
	fi
	for svc in credits content planning; do
		if [[ -x $out/services/$svc/cameos-$svc ]]; then
			pass "cameos-$svc is built"
		else
			fail "cameos-$svc is built"
		fi
	done
	rm -rf "$ctx" "$out"
	done_testing
}

step_build() {
	pm image exists "$BASE_IMAGE" || die "no $BASE_IMAGE: run $0 base first"
	local ctx="$WORK/context"
	make_context "$ctx"
	log "podman build -> $IMAGE (log: $WORK/build.log)"
	if ! timeout 3600 "${PM[@]}" build --network=host \
		-f "$ROOT/deploy/Containerfile" --build-arg "BASE=$BASE_IMAGE" \
		-t "$IMAGE" "$ctx" >"$WORK/build.log" 2>&1; then
		tail -n 60 "$WORK/build.log" >&2
		die "podman build failed (log: $WORK/build.log)"
	fi
	log "podman build --target debian-runtime -> $IMAGE_DEBIAN"
	if ! timeout 3600 "${PM[@]}" build --network=host --target debian-runtime \
		-f "$ROOT/deploy/Containerfile" --build-arg "BASE=$BASE_IMAGE" \
		-t "$IMAGE_DEBIAN" "$ctx" >>"$WORK/build.log" 2>&1; then
		tail -n 60 "$WORK/build.log" >&2
		die "podman build --target debian-runtime failed (log: $WORK/build.log)"
	fi
	rm -rf "$ctx"
	local size
	size=$(pm image inspect --format '{{.Size}}' "$IMAGE")
	log "built $IMAGE: $((size / 1000000)) MB ($size bytes)"
}

smoke_cleanup() {
	pm rm -f -t 2 "$SMOKE_NAME" >/dev/null 2>&1 || true
	pg_destroy "$WORK/pg" >/dev/null 2>&1 || true
}

step_smoke() {
	pm image exists "$IMAGE" || die "no $IMAGE: run $0 build first"
	local port
	for port in "$GRPC_PORT" "$METRICS_PORT"; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			die "port $port is in use"
		fi
	done
	trap smoke_cleanup EXIT
	pm rm -f "$SMOKE_NAME" >/dev/null 2>&1 || true
	pg_destroy "$WORK/pg" >/dev/null 2>&1 || true # a fresh, empty database
	pg_start "$WORK/pg" "$PG_PORT" || die "PostgreSQL did not start"
	log "PostgreSQL on 127.0.0.1:$PG_PORT"
	local hardening=(--network=host --read-only --cap-drop=all
		--security-opt=no-new-privileges --user 10001:10001)

	local user
	user=$(pm image inspect --format '{{.Config.User}}' "$IMAGE")
	if [[ $user == 10001:10001 ]]; then pass "image user is $user"; else fail "image user is 10001:10001 (got '$user')"; fi
	if pm run --rm "${hardening[@]}" --entrypoint /bin/sh "$IMAGE" -c true >/dev/null 2>&1; then
		fail "image has no /bin/sh"
	else
		pass "image has no /bin/sh"
	fi

	if pm run --rm "${hardening[@]}" -e DATABASE_URL="$(pg_url "$WORK/pg" "$PG_PORT")" \
		"$IMAGE" cameos-credits migrate >"$WORK/migrate.log" 2>&1; then
		pass "cameos-credits migrate in the image applies the migrations"
	else
		cat "$WORK/migrate.log"
		fail "cameos-credits migrate in the image applies the migrations"
	fi

	# The other two binaries: they load (every library resolves) and stop at
	# the configuration check, exit 2, naming the missing variable.
	local svc rc out
	for svc in content planning; do
		rc=0
		out=$(pm run --rm "${hardening[@]}" "$IMAGE" "cameos-$svc" 2>&1) || rc=$?
		if ((rc == 2)) && [[ $out == *DATABASE_URL* ]]; then
			pass "cameos-$svc runs in the image (exit 2 without configuration: $out)"
		else
			fail "cameos-$svc runs in the image (exit $rc: $out)"
		fi
	done

	pm run -d --name "$SMOKE_NAME" "${hardening[@]}" \
		-e DATABASE_URL="$(pg_url "$WORK/pg" "$PG_PORT" cameos_credits cameos)" \
		-e JWT_SECRET="$(random_secret)" \
		-e GRPC_LISTEN="127.0.0.1:$GRPC_PORT" -e METRICS_LISTEN="127.0.0.1:$METRICS_PORT" \
		-e SHUTDOWN_GRACE_MS=5000 "$IMAGE" >/dev/null
	local addr="127.0.0.1:$GRPC_PORT" name
	if wait_until 60 is_serving "$addr"; then
		pass "container $SMOKE_NAME: Health/Check \"\" is SERVING"
	else
		fail "container $SMOKE_NAME: Health/Check \"\" is SERVING (got $(health_status "$addr"))"
		pm logs "$SMOKE_NAME" 2>&1 | tail -n 20
	fi
	for name in cameos.credits.v1.CreditsService liveness; do
		if [[ $(health_status "$addr" "$name") == SERVING ]]; then
			pass "container $SMOKE_NAME: Health/Check $name is SERVING"
		else
			fail "container $SMOKE_NAME: Health/Check $name is SERVING (got $(health_status "$addr" "$name"))"
		fi
	done
	echo "# $BUF curl --protocol grpc --http2-prior-knowledge -d '{\"service\":\"cameos.credits.v1.CreditsService\"}' http://$addr/grpc.health.v1.Health/Check"
	timeout 15 "$BUF" curl --protocol grpc --http2-prior-knowledge \
		-d '{"service":"cameos.credits.v1.CreditsService"}' \
		"http://$addr/grpc.health.v1.Health/Check" 2>&1 | sed 's/^/# /' || true
	local pid uid
	pid=$(pm inspect --format '{{.State.Pid}}' "$SMOKE_NAME")
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo "?")
	if [[ $uid == 10001 ]]; then pass "the service runs as uid 10001"; else fail "the service runs as uid 10001 (got $uid)"; fi
	if timeout 10 curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" >"$WORK/metrics.txt" 2>&1 &&
		[[ -s $WORK/metrics.txt ]]; then
		pass "/metrics answers ($(wc -l <"$WORK/metrics.txt") lines)"
	else
		fail "/metrics answers ($(head -c 200 "$WORK/metrics.txt"))"
	fi

	pm stop -t 20 "$SMOKE_NAME" >/dev/null
	local code
	code=$(pm inspect --format '{{.State.ExitCode}}' "$SMOKE_NAME")
	if [[ $code == 0 ]]; then pass "SIGTERM stops the container with exit 0"; else fail "SIGTERM stops the container with exit 0 (got $code)"; fi
	pm logs "$SMOKE_NAME" >"$WORK/credits.log" 2>&1 || true
	smoke_cleanup
	trap - EXIT

	local size
	size=$(pm image inspect --format '{{.Size}}' "$IMAGE")
	echo "# image $IMAGE: $((size / 1000000)) MB"

	# The debian-runtime stage: a shell, and the same binaries, which run
	# (`sql` lists the prepared statements without any configuration).
	local n
	if pm image exists "$IMAGE_DEBIAN" &&
		n=$(pm run --rm "${hardening[@]}" "$IMAGE_DEBIAN" /bin/sh -c 'cameos-credits sql | wc -l' 2>&1) &&
		[[ $n =~ ^[0-9]+$ ]] && ((n > 0)); then
		size=$(pm image inspect --format '{{.Size}}' "$IMAGE_DEBIAN")
		pass "--target debian-runtime has a shell and the binaries ($n credits statements; $((size / 1000000)) MB)"
	else
		fail "--target debian-runtime has a shell and the binaries (${n:-no image $IMAGE_DEBIAN})"
	fi
	done_testing
}

main() {
	local cmd=${1:-all}
	case "$cmd" in
	base | build | smoke | all) ;;
	context)
		mkdir -p "$WORK"
		step_context
		return
		;;
	*)
		echo "usage: $0 [all|base|build|smoke|context]" >&2
		exit 2
		;;
	esac
	timed tools ensure_tools
	mkdir -p "$WORK"
	[[ -x $BUF ]] || [[ $cmd == base || $cmd == build ]] ||
		die "no buf at $BUF: run scripts/deps.sh first"
	case "$cmd" in
	base) timed base step_base ;;
	build) timed build step_build ;;
	smoke) timed smoke step_smoke ;;
	all)
		timed base step_base
		timed build step_build
		timed smoke step_smoke
		;;
	esac
}

# timed NAME CMD...: runs CMD and prints how long it took as a TAP comment
# ("# time base: 26 s"), the figures OPERATORS.md quotes.
timed() {
	local name=$1 t0=$SECONDS
	shift
	"$@"
	echo "# time $name: $((SECONDS - t0)) s"
}

main "$@"
