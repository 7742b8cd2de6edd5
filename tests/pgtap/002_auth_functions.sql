-- auth.uid(), auth.role() and auth.jwt() read the claims the way Supabase
-- does: request.jwt.claim.<name> first, then request.jwt.claims, with
-- empty settings treated as absent.
BEGIN;
SELECT plan(16);

SELECT set_config('request.jwt.claims', '', true);
SELECT set_config('request.jwt.claim.sub', '', true);
SELECT set_config('request.jwt.claim.role', '', true);
SELECT set_config('request.jwt.claim', '', true);

SELECT is(auth.uid(), NULL, 'no claims: uid is NULL');
SELECT is(auth.role(), NULL, 'no claims: role is NULL');
SELECT is(auth.jwt(), NULL, 'no claims: jwt is NULL');

SELECT set_config('request.jwt.claims',
    '{"sub":"0a0a0a0a-0000-4000-8000-000000000001","role":"authenticated","exp":1}', true);
SELECT is(auth.uid(), '0a0a0a0a-0000-4000-8000-000000000001'::uuid, 'uid comes from the claims object');
SELECT is(auth.role(), 'authenticated', 'role comes from the claims object');
SELECT is(auth.jwt() ->> 'exp', '1', 'jwt returns the whole claims object');
SELECT is(pg_typeof(auth.uid())::text, 'uuid', 'uid is a uuid');

SELECT set_config('request.jwt.claim.sub', '0a0a0a0a-0000-4000-8000-000000000002', true);
SELECT set_config('request.jwt.claim.role', 'service_role', true);
SELECT is(auth.uid(), '0a0a0a0a-0000-4000-8000-000000000002'::uuid, 'request.jwt.claim.sub wins over the claims object');
SELECT is(auth.role(), 'service_role', 'request.jwt.claim.role wins over the claims object');

SELECT set_config('request.jwt.claim', '{"sub":"x","role":"anon"}', true);
SELECT is(auth.jwt() ->> 'role', 'anon', 'request.jwt.claim wins over request.jwt.claims in jwt()');

SELECT set_config('request.jwt.claim.sub', '', true);
SELECT set_config('request.jwt.claim.role', '', true);
SELECT set_config('request.jwt.claim', '', true);
SELECT set_config('request.jwt.claims', '{"role":"service_role"}', true);
SELECT is(auth.uid(), NULL, 'claims without sub: uid is NULL');
SELECT is(auth.role(), 'service_role', 'service_role token');

SELECT set_config('request.jwt.claims', '{"sub":"not-a-uuid","role":"authenticated"}', true);
SELECT throws_ok('SELECT auth.uid()', '22P02', NULL, 'a malformed sub is an error, never a silent NULL');

-- The service roles can call the helpers (policies run them as the caller).
SET LOCAL ROLE cameos_planning;
SELECT set_config('request.jwt.claims',
    '{"sub":"0a0a0a0a-0000-4000-8000-000000000003","role":"authenticated"}', true);
SELECT is(auth.uid(), '0a0a0a0a-0000-4000-8000-000000000003'::uuid, 'cameos_planning can run auth.uid()');
SELECT is(auth.role(), 'authenticated', 'cameos_planning can run auth.role()');
SELECT is(auth.jwt() ->> 'role', 'authenticated', 'cameos_planning can run auth.jwt()');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
