#!/usr/bin/env bash
# A throwaway PgBouncer (Debian 12's, 1.18) in pool_mode = transaction in
# front of a scripts/pg.sh cluster, for tests: trusted local logins for the
# superuser and the three service roles, `default_pool_size` server
# connections per role (2 unless POOL is set), at most 1000 clients.
#
# Sourced, it defines pgb_start DIR PORT UPSTREAM_PORT and pgb_stop DIR.
# Run as a command: scripts/pgbouncer.sh start DIR PORT UPSTREAM_PORT | stop DIR.
# Run as root, PgBouncer runs as the OS user postgres (it refuses root);
# when that user cannot reach DIR (a checkout under /root, say), the files
# live in a folder under /tmp and DIR/files points there (as scripts/pg.sh
# does for its clusters).

# pg__as_owner and PG_OS_USER (the OS user postgres) come from pg.sh.
# shellcheck source=scripts/pg.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg.sh"

# pgb_start DIR PORT UPSTREAM_PORT: writes DIR/pgbouncer.ini and starts it;
# waits until it answers (at most about 10 s). 0 when it does.
pgb_start() {
	local dir=$1 port=$2 up=$3 i
	[[ -n $dir && $port =~ ^[0-9]+$ && $up =~ ^[0-9]+$ ]] || {
		echo "pgb_start: usage: pgb_start DIR PORT UPSTREAM_PORT" >&2
		return 2
	}
	command -v pgbouncer >/dev/null || {
		echo "pgb_start: pgbouncer is not installed (scripts/deps.sh)" >&2
		return 1
	}
	pgb_stop "$dir"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [[ ! -e $dir/files ]]; then
		if ((EUID == 0)) && ! runuser -u "$PG_OS_USER" -- test -x "$dir"; then
			ln -s "$(mktemp -d /tmp/cameos-pgb.XXXXXX)" "$dir/files"
		else
			mkdir "$dir/files"
		fi
	fi
	dir=$(readlink -f "$dir/files")
	chmod 755 "$dir"
	cat >"$dir/pgbouncer.ini" <<EOF
[databases]
cameos = host=127.0.0.1 port=$up dbname=cameos

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = ${POOL:-2}
max_client_conn = 1000
query_wait_timeout = 10
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
	printf '"%s" ""\n' postgres cameos_credits cameos_content cameos_planning >"$dir/userlist.txt"
	if ((EUID == 0)); then chown -R "$PG_OS_USER:" "$dir"; fi
	pg__as_owner pgbouncer -d "$dir/pgbouncer.ini" >/dev/null 2>&1 || return 1
	for ((i = 0; i < 5; i++)); do
		# PgBouncer holds a client while no server connection can be made:
		# each try is bounded, so a stopped upstream fails this in ~10 s.
		if timeout 2 psql -X -q -A -t "postgresql://postgres@127.0.0.1:$port/cameos" -c 'select 1' \
			>/dev/null 2>&1; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}

# pgb_stop DIR: stops the PgBouncer of DIR, if it runs.
pgb_stop() {
	local pid f=$1/files/pgbouncer.pid
	[[ -f $f ]] || return 0
	pid=$(<"$f")
	if [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null; then
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -f "$f"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	case "${1:-}" in
	start) pgb_start "${2:?DIR}" "${3:?PORT}" "${4:?UPSTREAM_PORT}" ;;
	stop) pgb_stop "${2:?DIR}" ;;
	*)
		echo "usage: $0 start DIR PORT UPSTREAM_PORT | stop DIR" >&2
		exit 2
		;;
	esac
fi
