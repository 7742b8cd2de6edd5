#!/usr/bin/env bash
# stack.sh up|down|status: the local Smart Cameos stack. `up` installs what is
# missing, builds, starts PostgreSQL (.stack/pg, port 54329), migrates, makes a
# demo user, starts the three services and writes .stack/env; it is harmless to
# run again while up. `down` stops what `up` started and keeps the data; remove
# the database (scripts/pg.sh destroy .stack/pg) after `down` for a clean slate.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
# shellcheck source=scripts/pg.sh
source "$ROOT/scripts/pg.sh"

STACK="$ROOT/.stack"
BUILD="$ROOT/build"
PG_DIR="$STACK/pg"
PG_PORT=54329
DEMO_EMAIL=demo@cameos.local
declare -A GRPC_PORT=([credits]=50051 [content]=50052 [planning]=50053)
declare -A METRICS_PORT=([credits]=9091 [content]=9092 [planning]=9093)

superuser_url() { pg_url "$PG_DIR" "$PG_PORT" postgres cameos; }

build_release() {
	log "building (Release) in build/"
	cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >"$STACK/cmake.log" 2>&1 || {
		cat "$STACK/cmake.log" >&2
		die "cmake configure failed"
	}
	cmake --build "$BUILD" -j2 >>"$STACK/cmake.log" 2>&1 || {
		tail -n 60 "$STACK/cmake.log" >&2
		die "build failed (full log: .stack/cmake.log)"
	}
	local svc
	for svc in "${CAMEOS_SERVICES[@]}"; do
		[[ -x $(svc_bin "$BUILD" "$svc") ]] || die "build did not produce $(svc_bin "$BUILD" "$svc")"
	done
}

jwt_secret() {
	if [[ ! -s $STACK/jwt_secret ]]; then
		(umask 077 && random_secret >"$STACK/jwt_secret")
	fi
	cat "$STACK/jwt_secret"
}

# Prints the demo user's id, creating the user the first time; the
# handle_new_user() trigger gives it its profile and 100 credits.
demo_user() {
	local url id
	url=$(superuser_url)
	id=$(sql_value "$url" "SELECT id FROM auth.users WHERE email = '$DEMO_EMAIL'")
	if [[ -z $id ]]; then
		id=$(sql_value "$url" "INSERT INTO auth.users (id, email, raw_user_meta_data)
			VALUES (gen_random_uuid(), '$DEMO_EMAIL', '{\"username\": \"demo\"}')
			RETURNING id")
		id=${id%%$'\n'*}
		log "created demo user $DEMO_EMAIL ($id)"
	fi
	echo "$id"
}

start_service() {
	local svc=$1 secret=$2 bin pidfile
	bin=$(svc_bin "$BUILD" "$svc")
	pidfile="$STACK/$svc.pid"
	if pid_is_ours "$pidfile" "cameos-$svc"; then
		log "$svc already running (pid $(<"$pidfile"))"
		return 0
	fi
	log "starting $svc on 127.0.0.1:${GRPC_PORT[$svc]} (log: .stack/$svc.log)"
	rm -f "$pidfile"
	# setsid + nohup: the service outlives this script and its terminal. setsid
	# forks when run as a process group leader, so the pid is written from
	# inside, by the shell that then becomes the service.
	DATABASE_URL=$(pg_url "$PG_DIR" "$PG_PORT" "cameos_$svc" cameos) \
		GRPC_LISTEN="127.0.0.1:${GRPC_PORT[$svc]}" \
		METRICS_LISTEN="127.0.0.1:${METRICS_PORT[$svc]}" \
		JWT_SECRET="$secret" \
		LOG_LEVEL="${LOG_LEVEL:-info}" \
		nohup setsid bash -c 'echo $$ >"$1" && exec "$0"' "$bin" "$pidfile" \
		>>"$STACK/$svc.log" 2>&1 </dev/null &
	wait_until 10 test -s "$pidfile" || die "$svc did not start"
}

wait_serving() {
	local svc=$1 addr="127.0.0.1:${GRPC_PORT[$1]}"
	if ! wait_until 60 is_serving "$addr"; then
		log "$svc did not report SERVING within 60 s ($(health_status "$addr")); last log lines:"
		tail -n 20 "$STACK/$svc.log" >&2 || true
		return 1
	fi
}

write_env() {
	local secret=$1 user_id=$2 tmp="$STACK/env.tmp"
	{
		echo "# Written by scripts/stack.sh up; source it: . .stack/env"
		printf 'export CREDITS_ADDR=%q\n' "127.0.0.1:${GRPC_PORT[credits]}"
		printf 'export CONTENT_ADDR=%q\n' "127.0.0.1:${GRPC_PORT[content]}"
		printf 'export PLANNING_ADDR=%q\n' "127.0.0.1:${GRPC_PORT[planning]}"
		printf 'export DATABASE_URL=%q\n' "$(superuser_url)"
		printf 'export JWT_SECRET=%q\n' "$secret"
		printf 'export USER_ID=%q\n' "$user_id"
		printf 'export USER_TOKEN=%q\n' \
			"$(JWT_SECRET=$secret "$ROOT/scripts/mint-token.sh" "$user_id" authenticated 31536000)"
		printf 'export SERVICE_TOKEN=%q\n' \
			"$(JWT_SECRET=$secret "$ROOT/scripts/mint-token.sh" 00000000-0000-0000-0000-000000000000 service_role 31536000)"
		# Hooks for tests/integration/dbdown.sh run against the stack.
		printf 'export PG_STOP_CMD=%q\n' "$(printf '%q ' "$ROOT/scripts/pg.sh" stop "$PG_DIR")"
		printf 'export PG_START_CMD=%q\n' "$(printf '%q ' "$ROOT/scripts/pg.sh" start "$PG_DIR" "$PG_PORT")"
	} >"$tmp"
	chmod 600 "$tmp"
	mv "$tmp" "$STACK/env"
}

usage_hint() {
	local b='tests/node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge'
	cat <<EOF

Stack is up. Environment: .stack/env (CREDITS_ADDR, CONTENT_ADDR, PLANNING_ADDR,
DATABASE_URL, JWT_SECRET, USER_ID, USER_TOKEN, SERVICE_TOKEN). From the repo root:

  . .stack/env
  $b --list-methods http://\$CREDITS_ADDR
  $b -d '{"service":""}' http://\$CREDITS_ADDR/grpc.health.v1.Health/Check
  $b -H "authorization: Bearer \$USER_TOKEN" \\
      http://\$CREDITS_ADDR/cameos.credits.v1.CreditsService/GetProfile
  psql "\$DATABASE_URL"

Same for \$CONTENT_ADDR (cameos.content.v1.ContentService) and \$PLANNING_ADDR
(cameos.planning.v1.PlanningService). Logs: .stack/*.log. Stop: scripts/stack.sh down
EOF
}

cmd_up() {
	mkdir -p "$STACK"
	"$ROOT/scripts/deps.sh"
	buf_resolve
	build_release
	log "PostgreSQL on 127.0.0.1:$PG_PORT (.stack/pg)"
	pg_start "$PG_DIR" "$PG_PORT" || die "PostgreSQL did not start"
	local secret user_id svc failed=0
	secret=$(jwt_secret)
	log "migrating"
	DATABASE_URL=$(superuser_url) JWT_SECRET=$secret timeout 300 "$(svc_bin "$BUILD" credits)" migrate \
		>"$STACK/migrate.log" 2>&1 || {
		tail -n 30 "$STACK/migrate.log" >&2
		die "migrate failed (log: .stack/migrate.log). If a migration was edited since this
  database was made, start from an empty one: scripts/stack.sh down && scripts/pg.sh destroy .stack/pg"
	}
	user_id=$(demo_user)
	[[ $user_id =~ ^[0-9a-f-]{36}$ ]] || die "could not create the demo user (got '$user_id')"
	for svc in "${CAMEOS_SERVICES[@]}"; do
		start_service "$svc" "$secret"
	done
	for svc in "${CAMEOS_SERVICES[@]}"; do
		wait_serving "$svc" || failed=1
	done
	write_env "$secret" "$user_id"
	cmd_status || true
	((failed == 0)) || die "not every service is SERVING; see the logs above, then: scripts/stack.sh down"
	usage_hint
}

cmd_down() {
	local svc pidfile rc=0
	for svc in "${CAMEOS_SERVICES[@]}"; do
		pidfile="$STACK/$svc.pid"
		if pid_is_ours "$pidfile" "cameos-$svc"; then
			log "stopping $svc (pid $(<"$pidfile"))"
			stop_pid "$(<"$pidfile")" 20 || rc=1
		fi
		rm -f "$pidfile"
	done
	if [[ -e $PG_DIR/cluster ]] && pg_running "$PG_DIR"; then
		log "stopping PostgreSQL"
		pg_stop "$PG_DIR" || rc=1
	fi
	log "stack is down (data kept; for an empty database next time: scripts/pg.sh destroy .stack/pg)"
	return "$rc"
}

cmd_status() {
	local svc addr rc=0
	if [[ -e $PG_DIR/cluster ]] && pg_running "$PG_DIR"; then
		echo "postgresql  running   127.0.0.1:$PG_PORT"
	else
		echo "postgresql  stopped"
		rc=3
	fi
	for svc in "${CAMEOS_SERVICES[@]}"; do
		addr="127.0.0.1:${GRPC_PORT[$svc]}"
		if pid_is_ours "$STACK/$svc.pid" "cameos-$svc"; then
			printf '%-10s  running   %s  pid %s  health %s\n' "$svc" "$addr" \
				"$(<"$STACK/$svc.pid")" "$(health_status "$addr")"
		else
			printf '%-10s  stopped\n' "$svc"
			rc=3
		fi
	done
	return "$rc"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
	echo "usage: $0 up|down|status" >&2
	exit 2
	;;
esac
