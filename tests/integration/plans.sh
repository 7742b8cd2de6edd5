#!/usr/bin/env bash
# Keyset lists keep their one generic plan on the index, whoever the user:
# for every statement a binary marks "keyset" (`cameos-X sql`), planned the
# way the service plans it (its role and row-level security, a generic plan
# made with sorts off), the plan must walk (user_id, created_at, id) with the
# page bound as an index condition and sort nothing. A bound that is not a
# bare parameter stays a filter under row-level security, and page 1000 of a
# long history then reads every row before it (see common/crud/list.h).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${DATABASE_URL:?}" "${CAMEOS_BUILD_DIR:?}"

for svc in "${SERVICES[@]}"; do
	bin="$CAMEOS_BUILD_DIR/services/$svc/cameos-$svc"
	mapfile -t keyset < <("$bin" sql | awk -F'\t' '$2 == "keyset" { print $1 }')
	if ((${#keyset[@]} == 0)); then
		fail "$svc marks its list statements keyset" "cameos-$svc sql lists none"
		continue
	fi
	for name in "${keyset[@]}"; do
		sql=$("$bin" sql "$name")
		nparams=$(grep -oE '\$[0-9]+' <<<"$sql" | tr -d '$' | sort -n | tail -n1)
		args="'$USER_ID', 'infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 51"
		for ((k = 5; k <= nparams; k++)); do args+=", NULL"; done
		plan=$(psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAt 2>&1 <<SQL || true
set role cameos_$svc;
select set_config('request.jwt.claims', '{"sub":"$USER_ID","role":"authenticated"}', false) \\g /dev/null
set plan_cache_mode = force_generic_plan;
set enable_sort = off;
prepare s as $sql;
explain execute s($args);
SQL
		)
		if grep -qE 'Index Cond: \(\(user_id = \$1\).*ROW\(created_at, id\) < ROW\(\$2, \$3\)' <<<"$plan" &&
			! grep -qE 'Sort|Seq Scan' <<<"$plan"; then
			pass "$svc $name: index walk, bound in the index condition, no sort"
		else
			fail "$svc $name: index walk, bound in the index condition, no sort" "$plan"
		fi
	done
done
done_testing
