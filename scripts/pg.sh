#!/usr/bin/env bash
# Throwaway PostgreSQL 15 clusters for development and tests, NOT for anything
# that keeps data: fsync is off and every local connection is trusted.
#
# Sourced, it defines pg_init / pg_start / pg_stop / pg_running / pg_url /
# pg_socket_dir, each taking the cluster folder DIR (and PORT where needed).
# Run as a command: scripts/pg.sh init|start|stop|status|destroy DIR PORT.
#
# The cluster listens on 127.0.0.1:PORT and on a unix socket in its own folder;
# superuser role `postgres`, database `cameos`. Run as root, the server runs
# as the OS user `postgres` (PostgreSQL refuses root). When that user cannot
# reach DIR (a checkout under /root, say) or the socket path would be too long,
# the files live in a folder under /tmp and DIR/cluster points there.

PG_BINDIR="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
PG_OS_USER="${PG_OS_USER:-postgres}"

# Runs a command as the cluster's OS user.
pg__as_owner() {
	if ((EUID == 0)); then
		runuser -u "$PG_OS_USER" -- "$@"
	else
		"$@"
	fi
}

# Folder holding the cluster's files (data/, log, socket), resolved.
pg_home() { readlink -f "$1/cluster"; }
pg_socket_dir() { pg_home "$1"; }

# pg_url DIR PORT [USER] [DB]: TCP URL on 127.0.0.1.
pg_url() { printf 'postgresql://%s@127.0.0.1:%s/%s' "${3:-postgres}" "$2" "${4:-cameos}"; }

pg_running() {
	local home
	home=$(pg_home "$1") || return 1
	[[ -d $home/data ]] || return 1
	pg__as_owner "$PG_BINDIR/pg_ctl" -D "$home/data" status >/dev/null 2>&1
}

# pg_init DIR PORT: creates the cluster unless it exists. Does not start it.
pg_init() {
	local dir=$1 port=$2 home
	[[ -n $dir && $port =~ ^[0-9]+$ ]] || {
		echo "pg_init: usage: pg_init DIR PORT" >&2
		return 2
	}
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [[ ! -e $dir/cluster ]]; then
		home=$dir/cluster
		# 107 bytes is the unix socket path limit; keep a margin.
		if ((${#home} > 80)) || { ((EUID == 0)) && ! runuser -u "$PG_OS_USER" -- test -x "$dir"; }; then
			home=$(mktemp -d /tmp/cameos-pg.XXXXXX)
			ln -s "$home" "$dir/cluster"
		else
			mkdir "$home"
		fi
		if ((EUID == 0)); then chown "$PG_OS_USER:" "$home"; fi
		chmod 755 "$home"
	fi
	home=$(pg_home "$dir")
	[[ -d $home ]] || {
		echo "pg_init: $dir/cluster points to a missing folder; remove $dir" >&2
		return 1
	}
	if [[ ! -f $home/data/PG_VERSION ]]; then
		pg__as_owner "$PG_BINDIR/initdb" -D "$home/data" -U postgres -A trust \
			-E UTF8 --locale=C.UTF-8 --no-instructions >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			return 1
		}
		pg__as_owner tee -a "$home/data/postgresql.conf" >/dev/null <<EOF

# --- throwaway test cluster (scripts/pg.sh): never for real data ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$home'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
timezone = 'UTC'
EOF
		printf '%s\n' \
			'local all all trust' \
			'host all all 127.0.0.1/32 trust' |
			pg__as_owner tee "$home/data/pg_hba.conf" >/dev/null
	fi
}

# pg_start DIR PORT: initialises if needed, starts if not running, and makes
# sure database `cameos` exists.
pg_start() {
	local dir=$1 port=$2 home
	pg_init "$dir" "$port" || return 1
	home=$(pg_home "$dir")
	if ! pg_running "$dir"; then
		pg__as_owner "$PG_BINDIR/pg_ctl" -D "$home/data" -l "$home/server.log" \
			-o "-p $port" -w -t 60 start >/dev/null || {
			echo "pg_start: PostgreSQL did not start; its log:" >&2
			tail -n 30 "$home/server.log" >&2 || true
			return 1
		}
	fi
	local exists
	exists=$(timeout 30 psql -X -q -A -t -h "$home" -p "$port" -U postgres -d postgres \
		-c "SELECT 1 FROM pg_database WHERE datname = 'cameos'") || return 1
	if [[ $exists != 1 ]]; then
		timeout 30 psql -X -q -h "$home" -p "$port" -U postgres -d postgres \
			-c 'CREATE DATABASE cameos' >/dev/null || return 1
	fi
}

# pg_stop DIR: fast shutdown (disconnects clients); a no-op when not running.
pg_stop() {
	local dir=$1 home
	pg_running "$dir" || return 0
	home=$(pg_home "$dir")
	pg__as_owner "$PG_BINDIR/pg_ctl" -D "$home/data" -m fast -w -t 60 stop >/dev/null
}

# pg_destroy DIR: stops the cluster and removes its files.
pg_destroy() {
	local dir=$1 home
	[[ -e $1 ]] || return 0
	pg_stop "$dir" || true
	if [[ -L $dir/cluster ]]; then
		home=$(pg_home "$dir")
		[[ $home == /tmp/cameos-pg.* ]] && rm -rf "$home"
	fi
	rm -rf "$dir"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	cmd=${1:-}
	dir=${2:-}
	port=${3:-}
	case "$cmd" in
	init) pg_init "$dir" "$port" ;;
	start) pg_start "$dir" "$port" ;;
	stop) pg_stop "$dir" ;;
	destroy) pg_destroy "$dir" ;;
	status)
		if pg_running "$dir"; then
			echo "running ($(pg_home "$dir"))"
		else
			echo "stopped"
			exit 3
		fi
		;;
	*)
		echo "usage: $0 init|start|stop|status|destroy DIR [PORT]" >&2
		exit 2
		;;
	esac
fi
