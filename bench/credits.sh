#!/usr/bin/env bash
# bench/credits.sh: the credits benchmark of issue 3. Prints figures; passes
# or fails nothing on speed (the machines are noisy: read the numbers).
#
# Brings the local stack up (scripts/stack.sh up), seeds NUSERS users with
# ids 00000000-0000-4000-8000-<n> and a large balance, then for GetProfile and
# SpendCredits runs, at the same concurrency on the same machine:
#   - the service, driven by bench/loadgen (each call for another user; every
#     SpendCredits with a fresh request_id), codes counted per call;
#   - pgbench with the same transaction, plain (BEGIN/claims/query/COMMIT, one
#     statement per round trip) and pipelined (what the service sends);
# and prints calls/s, latency percentiles, service/pgbench ratios, the
# database connections the service holds and its peak RSS. Last, the cost of
# ListCreditTransactions page 1 vs page 1000 for a user with 200k ledger rows.
#
#   bench/credits.sh [DURATION_S] [CONCURRENCY]     (defaults 10, 16)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DUR=${1:-10}
CONC=${2:-16}
NUSERS=${NUSERS:-1000}
cd "$ROOT"

scripts/stack.sh up >/dev/null
# shellcheck disable=SC1091
. .stack/env
LOADGEN=build/bench/cameos-loadgen
[[ -x $LOADGEN ]] || cmake --build build -j2 --target cameos-loadgen >/dev/null
PSQL=(psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAt)
PGHOST_PORT=$(sed -E 's|.*@([^/]+)/.*|\1|' <<<"$DATABASE_URL")
SVC_URL="postgresql://cameos_credits@${PGHOST_PORT}/cameos"
CREDITS_PID=$(cat .stack/credits.pid 2>/dev/null || pgrep -f 'cameos-credits$' | head -n1)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== seeding $NUSERS users (idempotent)"
"${PSQL[@]}" <<SQL
insert into auth.users (id, email)
  select ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'bench' || g || '@bench.local'
  from generate_series(1, $NUSERS) g
  on conflict do nothing;
select set_config('request.jwt.claims', '{"role":"service_role"}', false);
select count(*) from (
  select public.ledger_grant(('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
                             1000000, 'benchmark balance', 'bench-seed-' || g)
  from generate_series(1, $NUSERS) g) s;
SQL
seq 1 "$NUSERS" | awk '{ printf "00000000-0000-4000-8000-%012d\n", $1 }' >"$WORK/users"

rss_peak() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$CREDITS_PID/status"; }
conns() {
	"${PSQL[@]}" -c "select count(*) from pg_stat_activity where application_name = 'cameos-credits'"
}
tps() { sed -nE 's/^tps = ([0-9.]+).*/\1/p' | head -n1; }
calls() { sed -nE 's/.*= ([0-9]+) calls\/s.*/\1/p'; }

run_case() {
	local method=$1 script=$2
	echo
	echo "== $method: concurrency $CONC, ${DUR}s each"
	local out svc plain piped
	out=$("$LOADGEN" -a "$CREDITS_ADDR" -m "$method" -u "$WORK/users" -k "$JWT_SECRET" \
		-c "$CONC" -n 4 -d "$DUR")
	echo "$out" | sed 's/^/service   /'
	svc=$(calls <<<"$out")
	plain=$(pgbench -n -M prepared -c "$CONC" -j 2 -T "$DUR" -D nusers="$NUSERS" \
		-f "bench/pgbench/$script.sql" "$SVC_URL" 2>&1 | tps)
	piped=$(pgbench -n -M prepared -c "$CONC" -j 2 -T "$DUR" -D nusers="$NUSERS" \
		-f "bench/pgbench/${script}_pipelined.sql" "$SVC_URL" 2>&1 | tps)
	printf 'pgbench   plain %.0f tps, pipelined %.0f tps (%d clients)\n' "$plain" "$piped" "$CONC"
	awk -v s="$svc" -v p="$plain" -v q="$piped" \
		'BEGIN { printf "ratio     service/plain %.2f, service/pipelined %.2f\n", s / p, s / q }'
	echo "db conns  $(conns) held by cameos-credits"
}

run_case GetProfile get_profile
run_case SpendCredits spend

echo
echo "== ListCreditTransactions: page 1 vs page 1000 (pages of 50, 200k rows)"
BIG=00000000-0000-4000-8000-999999999999
"${PSQL[@]}" <<SQL
insert into auth.users (id, email) values ('$BIG', 'bench-big@bench.local') on conflict do nothing;
do \$\$
declare have bigint;
begin
  select count(*) into have from public.credit_transactions where user_id = '$BIG';
  if have < 200000 then
    -- Direct inserts as the owner (the bench only): keep credits = sum(amount).
    insert into public.credit_transactions (user_id, amount, transaction_type, description, created_at)
      select '$BIG', 1, 'bonus', 'bench row', now() - g * interval '1 second'
      from generate_series(1, 200000 - have) g;
    update public.user_profiles set credits = credits + (200000 - have) where id = '$BIG';
  end if;
end
\$\$;
analyze public.credit_transactions;
SQL
echo "$BIG" >"$WORK/big"
for page in 1 1000; do
	"$LOADGEN" -a "$CREDITS_ADDR" -m ListCreditTransactions -u "$WORK/big" -k "$JWT_SECRET" \
		-c "$CONC" -n 4 -d "$DUR" -P "$page" | sed 's/^/service   /'
done

echo
echo "== service process"
echo "peak RSS  $(rss_peak) kB (VmHWM of pid $CREDITS_PID)"
