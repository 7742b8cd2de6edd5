-- SpendCredits as the service sends it: one pipeline
-- Mirrors services/credits/sql.c (spend) with the user id made from :n
-- (bench users have ids 00000000-0000-4000-8000-<n, 12 digits>).
\set n random(1, :nusers)
\set r random(1, 1000000000000)
\startpipeline
select set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-000000000000","role":"service_role"}', true);
select id, amount, transaction_type, coalesce(description, ''), coalesce(generation_id::text, ''), metadata::text, (extract(epoch from created_at) * 1000000)::int8, user_id, balance from public.ledger_spend(('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid, 1, 'benchmark', NULL, 'pgbench-' || :client_id || '-' || :r);
\endpipeline
