#!/usr/bin/env bash
# bench/queue_claims.sh [SECONDS] [ROUNDS]: issue 17's claim figure.
# 8 workers call ClaimGenerations (batches of 10) on a content instance of
# their own, against pgbench's 8 clients running the very claim statement
# (`cameos-content sql queue_claim`, service-role claims, pipelined as the
# service sends it), in ROUNDS (default 3) interleaved rounds of SECONDS
# (default 5) each. Before every phase every lease taken is undone, so both
# sides claim from the same queue: QUEUED (default 100000) generations of
# 1000 bench users, 100 each, created once and kept generating. The
# per-user limit is lifted on both sides (QUEUE_USER_MAX, the statement's
# fourth parameter): this measures the claim, not the limit. Figures only.
DUR=${1:-5} ROUNDS=${2:-3} NUSERS=1000 QUEUED=${QUEUED:-100000}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
seed_users
per=$((QUEUED / NUSERS))
echo "== queueing $QUEUED generations ($per for each of $NUSERS users; idempotent)"
"${PSQL[@]}" >/dev/null <<SQL
select set_config('request.jwt.claims', '{"role":"service_role"}', false);
select count(*) from (
  select public.content_create_generation(('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
           'queue-bench-' || g || '-' || k, 'queue bench', 'veo-fast', '16:9', '720p', 'text_to_video', NULL)
  from generate_series(1, $NUSERS) g, generate_series(1, $per) k) s;
SQL
requeue() {
	"${PSQL[@]}" -c "update public.generation_jobs set lease_token = null, leased_by = null,
	  lease_expires_at = null where leased_by in ('loadgen', 'pgbench')" >/dev/null
}
leased_by() { "${PSQL[@]}" -c "select count(*) from public.generation_jobs where leased_by = '$1'"; }

env DATABASE_URL="${DATABASE_URL/\/\/postgres@/\/\/cameos_content@}" JWT_SECRET="$JWT_SECRET" \
	GRPC_LISTEN=127.0.0.1:56077 METRICS_LISTEN=127.0.0.1:56078 LOG_LEVEL=warn \
	QUEUE_USER_MAX=1000 "$BUILD/services/content/cameos-content" >"$WORK/content.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; requeue; rm -rf "$WORK"' EXIT
sleep 2
pgbench_script "$WORK/claim" content queue_claim "$CLAIMS_SERVICE" "'pgbench'" 10 600000 1000

svc=() pgb=()
for r in $(seq 1 "$ROUNDS"); do
	requeue
	c=$("$LOADGEN" -a 127.0.0.1:56077 -m ClaimGenerations -u "$WORK/users" -k "$JWT_SECRET" \
		-c 8 -n 4 -d "$DUR" | calls)
	got=$(leased_by loadgen)
	requeue
	t=$(pgbench -n -M prepared -c 8 -j 2 -T "$DUR" -D nusers="$NUSERS" \
		-f "$WORK/claim_pipelined.sql" "postgresql://cameos_content@$PG_HOSTPORT/cameos" 2>&1 | tps)
	gotp=$(leased_by pgbench)
	svc+=("$c") pgb+=("${t%.*}")
	echo "round $r: service $c claims/s ($got generations leased), pgbench pipelined ${t%.*} claims/s ($gotp leased)"
done
ms=$(median "${svc[@]}") mp=$(median "${pgb[@]}")
awk -v s="$ms" -v p="$mp" 'BEGIN { printf "median: service %d claims/s (batches of 10), pgbench pipelined %d, service/pgbench %.2f\n", s, p, s / p }'
