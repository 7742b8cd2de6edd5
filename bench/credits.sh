#!/usr/bin/env bash
# bench/credits.sh [DURATION_S] [CONCURRENCY]: the credits benchmark (issue 3).
# GetProfile and SpendCredits against pgbench on the same transactions (see
# bench/lib.sh), ListCreditTransactions page 1 vs page 1000 of a user with
# 200k ledger rows, and the service's peak RSS. Defaults: 10 s, 16.
DUR=${1:-10} CONC=${2:-16}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

echo "== seeding $NUSERS users (idempotent)"
seed_users
pgbench_script "$WORK/get_profile" credits get_profile "$CLAIMS_USER" "$U"
pgbench_script "$WORK/spend" credits spend "$CLAIMS_SERVICE" "$U" 1 "'benchmark'" NULL \
	"'pgbench-' || :client_id || '-' || :r"
run_case credits GetProfile "$WORK/get_profile" "$WORK/users"
run_case credits SpendCredits "$WORK/spend" "$WORK/users"

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
echo "peak RSS  $(peak_rss credits) kB (VmHWM of cameos-credits)"
