-- GetProfile, blocking client: BEGIN, claims, select, COMMIT
-- Mirrors services/credits/sql.c (get_profile) with the user id made from :n
-- (bench users have ids 00000000-0000-4000-8000-<n, 12 digits>).
\set n random(1, :nusers)
BEGIN;
select set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-' || lpad(:n::text, 12, '0') || '","role":"authenticated"}', true);
select id, username, coalesce(avatar_url, ''), credits, total_spent::text, (extract(epoch from created_at) * 1000000)::int8, (extract(epoch from updated_at) * 1000000)::int8 from public.user_profiles where id = ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid;
COMMIT;
