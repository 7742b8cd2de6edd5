#!/usr/bin/env bash
# OPERATORS.md "The roles and their passwords", run as written against a
# PostgreSQL of this test's own that authenticates the service roles the way
# a managed one does: TLS required (a CA and a server certificate made here,
# so `sslmode=verify-full` really verifies), SCRAM passwords. The owner
# (`postgres`, trusted, standing in for a managed admin user):
#   - `SHOW password_encryption` says scram-sha-256;
#   - creates the roles before the first migration, which keeps them;
#   - sets a password with psql's `\password` (typed at its prompt, through
#     expect): stored as a SCRAM verifier, never in the server log;
# then cameos-credits connects with the documented URL and serves; a wrong
# password keeps an instance NOT_SERVING; after `\password` again, the
# running instance goes on serving and a new one needs the new password.
# Needs CAMEOS_BUILD_DIR (the binaries) and expect.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
source "$IT_ROOT/scripts/pg.sh"
# shellcheck source=scripts/lib.sh
source "$IT_ROOT/scripts/lib.sh" # wait_until
: "${CAMEOS_BUILD_DIR:?CAMEOS_BUILD_DIR is not set (scripts/test.sh sets it)}"

PGDIR=$IT_TMP/pg
PORT=$(free_port)
pids=()
cleanup() {
	kill "${pids[@]}" 2>/dev/null
	pg_destroy "$PGDIR" >/dev/null 2>&1
	rm -rf "$IT_TMP"
}
trap cleanup EXIT

# ---- a cluster that wants TLS and SCRAM from the service roles.
pg_init "$PGDIR" "$PORT" >/dev/null || {
	fail "a PostgreSQL of the test's own" "initdb failed"
	done_testing
	exit
}
home=$(pg_home "$PGDIR")
ca=$IT_TMP/ca.pem
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=cameos test CA" \
	-keyout "$IT_TMP/ca.key" -out "$ca" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$IT_TMP/server.key" \
	-out "$IT_TMP/server.csr" 2>/dev/null
openssl x509 -req -in "$IT_TMP/server.csr" -CA "$ca" -CAkey "$IT_TMP/ca.key" -CAcreateserial \
	-days 1 -extfile <(printf 'subjectAltName = IP:127.0.0.1\n') -out "$IT_TMP/server.crt" 2>/dev/null
install -m 600 "$IT_TMP/server.key" "$home/server.key"
install -m 644 "$IT_TMP/server.crt" "$home/server.crt"
if ((EUID == 0)); then chown "$PG_OS_USER:" "$home/server.key" "$home/server.crt"; fi
pg__as_owner tee -a "$home/data/postgresql.conf" >/dev/null <<EOF
ssl = on
ssl_cert_file = '$home/server.crt'
ssl_key_file = '$home/server.key'
log_statement = 'all'
EOF
printf '%s\n' \
	'local all postgres trust' \
	'host all postgres 127.0.0.1/32 trust' \
	'hostssl cameos cameos_credits,cameos_content,cameos_planning 127.0.0.1/32 scram-sha-256' |
	pg__as_owner tee "$home/data/pg_hba.conf" >/dev/null
if pg_start "$PGDIR" "$PORT"; then pass "a PostgreSQL of the test's own, TLS and SCRAM for the service roles"; else
	fail "a PostgreSQL of the test's own, TLS and SCRAM for the service roles"
	done_testing
	exit
fi
OWNER_URL=$(pg_url "$PGDIR" "$PORT")
server_log=$home/server.log

# ---- the owner's steps, as OPERATORS.md gives them.
is "$(psql "$OWNER_URL" -c 'SHOW password_encryption' -At)" scram-sha-256 \
	"SHOW password_encryption: scram-sha-256"
psql "$OWNER_URL" -q -v ON_ERROR_STOP=1 \
	-c 'CREATE ROLE cameos_credits LOGIN; CREATE ROLE cameos_content LOGIN; CREATE ROLE cameos_planning LOGIN;' &&
	pass "the roles created before the first migration" || fail "the roles created before the first migration"
rc=0
DATABASE_URL=$OWNER_URL "$CAMEOS_BUILD_DIR/services/credits/cameos-credits" migrate >"$IT_TMP/migrate.log" 2>&1 || rc=$?
is "$rc" 0 "the first migration runs over them"
is "$(psql "$OWNER_URL" -At -c "select string_agg(rolname || ':' || (rolcanlogin and not rolsuper and
	not rolbypassrls and pg_has_role(rolname, 'cameos_app', 'member')), ' ' order by rolname)
	from pg_roles where rolname in ('cameos_credits', 'cameos_content', 'cameos_planning')")" \
	"cameos_content:true cameos_credits:true cameos_planning:true" \
	"the migration kept them: LOGIN, not SUPERUSER, no BYPASSRLS, members of cameos_app"

# set_password ROLE PASSWORD: psql's \password at its prompts, as a person would.
set_password() {
	# A prompt that does not come fails the step (exit 1), not the wait.
	PW=$2 ROLE=$1 URL=$OWNER_URL expect -c '
		set timeout 30
		expect_before timeout { exit 1 }
		spawn psql $env(URL)
		expect "=# "
		send "\\password $env(ROLE)\r"
		expect -re {password for user "?[a-z_]+"?: $}
		send "$env(PW)\r"
		expect "again:"
		send "$env(PW)\r"
		expect "=# "
		send "\\q\r"
		expect eof' >"$IT_TMP/expect.log" 2>&1
}
pw1=$(openssl rand -hex 24)
set_password cameos_credits "$pw1" && pass "\\password cameos_credits at psql's prompt" ||
	fail "\\password cameos_credits at psql's prompt" "$(tail -n 5 "$IT_TMP/expect.log")"
[[ $(psql "$OWNER_URL" -At -c "select rolpassword from pg_authid where rolname = 'cameos_credits'") == SCRAM-SHA-256\$* ]] &&
	pass "the password is stored as a SCRAM verifier" || fail "the password is stored as a SCRAM verifier"
grep -q "$pw1" "$server_log" && fail "the password never reaches the server log (log_statement = all)" ||
	pass "the password never reaches the server log (log_statement = all)"

# ---- the service, with the URL as OPERATORS.md writes it.
url() { echo "postgresql://cameos_credits:$1@127.0.0.1:$PORT/cameos?sslmode=verify-full&sslrootcert=$ca"; }
is "$(psql "$(url "$pw1")" -At -c 'select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()' 2>&1)" \
	"cameos_credits|t" "psql with the service URL: cameos_credits over TLS, the certificate verified"
spawn_credits roles-good DATABASE_URL="$(url "$pw1")"
good=127.0.0.1:$SPAWN_PORT good_pid=$SPAWN_PID
pids+=("$SPAWN_PID")
wait_health 60 "$good" "" SERVING && pass "cameos-credits with the password is SERVING" ||
	fail "cameos-credits with the password is SERVING" "$(tail -n 5 "$SPAWN_LOG")"
call "$good" cameos.credits.v1.CreditsService/CreateUser \
	"{\"user\": {\"email\": \"roles-$(openssl rand -hex 4)@example.test\"}}" "$SERVICE_TOKEN"
expect_code 0 "and writes through it (CreateUser)"

spawn_credits roles-wrong DATABASE_URL="$(url "not-$pw1")"
wrong=127.0.0.1:$SPAWN_PORT wrong_log=$SPAWN_LOG
pids+=("$SPAWN_PID")
wait_until 60 grep -q "password authentication failed" "$wrong_log" || true
grep -q 'password authentication failed' "$wrong_log" && pass "a wrong password is refused (its log says why)" ||
	fail "a wrong password is refused (its log says why)" "$(tail -n 5 "$wrong_log")"
is "$(health "$wrong")" NOT_SERVING "and that instance is NOT_SERVING"
is "$(health "$wrong" liveness)" SERVING "while its liveness stays SERVING (no restart loop)"

# ---- a new password: the running instance's open connections stay logged in.
pw2=$(openssl rand -hex 24)
set_password cameos_credits "$pw2" && pass "\\password again, a new one" || fail "\\password again, a new one"
call "$good" cameos.credits.v1.CreditsService/CreateUser \
	"{\"user\": {\"email\": \"roles-$(openssl rand -hex 4)@example.test\"}}" "$SERVICE_TOKEN"
expect_code 0 "the running instance goes on writing"
spawn_credits roles-old DATABASE_URL="$(url "$pw1")"
old=127.0.0.1:$SPAWN_PORT old_log=$SPAWN_LOG
pids+=("$SPAWN_PID")
spawn_credits roles-new DATABASE_URL="$(url "$pw2")"
new=127.0.0.1:$SPAWN_PORT
pids+=("$SPAWN_PID")
new_log=$SPAWN_LOG
wait_health 60 "$new" "" SERVING && pass "a new instance with the new password is SERVING" ||
	fail "a new instance with the new password is SERVING" "health: $(health "$new")" \
		"$(grep -v '"grpc ' "$new_log" | tail -n 5)" "$(tail -n 5 "$server_log")"
wait_until 60 grep -q "password authentication failed" "$old_log" || true
is "$(health "$old")" NOT_SERVING "a new instance with the old password is NOT_SERVING"
kill "$good_pid" 2>/dev/null
done_testing
