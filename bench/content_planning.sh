#!/usr/bin/env bash
# bench/content_planning.sh [DURATION_S] [CONCURRENCY]: issues 4 and 5.
# CreateGeneration and ListGenerations (page of 50), GetCampaign and
# ListStoryboardSequences (page of 50), each against pgbench on the same
# transaction (see bench/lib.sh). List cases use 100 users with 60 rows each.
# CASES="GetCampaign ..." runs only the named cases (default: all four).
DUR=${1:-10} CONC=${2:-16}
# Each case: method, service, pgbench script and users file (both in $WORK).
CASE_TABLE="CreateGeneration content gen_create users
ListGenerations content gen_list listers
GetCampaign planning campaign_get users
ListStoryboardSequences planning storyboard_list listers"
ALL_CASES=" $(cut -d' ' -f1 <<<"$CASE_TABLE" | tr '\n' ' ')"
CASES=${CASES:-$ALL_CASES}
for c in $CASES; do
	[[ $ALL_CASES == *" $c "* ]] || { echo "unknown case $c (cases:$ALL_CASES)" >&2; exit 2; }
done
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LISTERS=100

echo "== seeding $NUSERS users, their campaigns, and rows for $LISTERS listers (idempotent)"
seed_users
"${PSQL[@]}" >/dev/null <<SQL
insert into public.campaigns (id, user_id, name)
  select ('00000000-0000-4000-9000-' || lpad(g::text, 12, '0'))::uuid,
         ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'bench campaign ' || g
  from generate_series(1, $NUSERS) g
  on conflict do nothing;
insert into public.storyboard_sequences (user_id, name, frames, total_duration)
  select ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'bench board ' || k,
         '[{"index":0,"description":"open","duration_seconds":4}]', 4
  from generate_series(1, $LISTERS) g, generate_series(1, 60) k
  where (select count(*) from public.storyboard_sequences s
         where s.user_id = ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid) < 60;
-- Generations go through the real function, so the ledger stays whole.
select count(*) from (
  select set_config('request.jwt.claims', '{"role":"service_role"}', true),
         public.content_create_generation(('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
           'bench-seed-' || g || '-' || k, 'seeded', 'veo-fast', '16:9', '720p', 'text_to_video', NULL)
  from generate_series(1, $LISTERS) g, generate_series(1, 60) k) s;
SQL
head -n "$LISTERS" "$WORK/users" >"$WORK/listers"

pgbench_script "$WORK/gen_create" content gen_create "$CLAIMS_USER" "$U" NULL \
	"'a lighthouse at dawn, slow dolly in'" "'veo-fast'" "'16:9'" "'720p'" "'text_to_video'" NULL
TOP="'infinity'" MAXID="'ffffffff-ffff-ffff-ffff-ffffffffffff'"
PLAN=keyset pgbench_script "$WORK/gen_list" content gen_list "$CLAIMS_USER" "$U" "$TOP" "$MAXID" 51 \
	NULL NULL
C="('00000000-0000-4000-9000-' || lpad(:n::text, 12, '0'))::uuid"
pgbench_script "$WORK/campaign_get" planning campaign_get "$CLAIMS_USER" "$C" "$U"
PLAN=keyset pgbench_script "$WORK/storyboard_list" planning storyboard_list "$CLAIMS_USER" "$U" \
	"$TOP" "$MAXID" 51 NULL NULL

# In the table's order; the table on fd 3 so that nothing a case runs reads it.
while read -r -u 3 method svc script users; do
	if [[ " $CASES " == *" $method "* ]]; then
		run_case "$svc" "$method" "$WORK/$script" "$WORK/$users"
	fi
done 3<<<"$CASE_TABLE"

echo
echo "== service processes"
for svc in content planning; do echo "peak RSS  $(peak_rss "$svc") kB (VmHWM of cameos-$svc)"; done
