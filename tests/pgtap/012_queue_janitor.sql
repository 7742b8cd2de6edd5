-- The queue's janitor (0015): the sweep of 0013 telling what it did (the
-- metrics' counters) and what the queue holds (their gauges), and the
-- account lock order of 0014 (who may take the account lock).
--   E = 8d..0e (3 generations), F = 8d..0f (1)
BEGIN;
SELECT plan(22);

\ir helpers.sql

INSERT INTO auth.users (id, email) VALUES
    ('8d000000-0000-4000-8000-00000000000e', 'pgtap.janitor.e@example.test'),
    ('8d000000-0000-4000-8000-00000000000f', 'pgtap.janitor.f@example.test');
DELETE FROM generation_jobs;

CREATE FUNCTION pg_temp.gen(uuid, text) RETURNS uuid LANGUAGE sql
AS $$ SELECT id FROM content_create_generation($1, $2, 'janitor test', 'veo-fast', '16:9', '720p',
                                                'text_to_video', NULL) $$;
-- One janitor run as the content service, as text: what it did, then the
-- queue's size (the age is checked apart).
CREATE FUNCTION pg_temp.run(int, int, int) RETURNS text LANGUAGE sql
AS $$ SELECT (swept, requeued, exhausted, too_old, refunds, refunded_credits, queued, leased)::text
        FROM queue_janitor($1, $2, $3) $$;

-- ---------------------------------------------------------------- who and what
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_user('8d000000-0000-4000-8000-00000000000e');
SELECT throws_ok($$SELECT * FROM queue_janitor(3, 3600, 10)$$, 'CM403', 'permission denied',
                 'janitor: a user cannot sweep');
SELECT pg_temp.as_service();
SELECT throws_ok($$SELECT * FROM queue_janitor(0, 3600, 10)$$, 'CM400', NULL,
                 'janitor: 0 attempts is refused');
SELECT throws_ok($$SELECT * FROM queue_janitor(3, 0, 10)$$, 'CM400', NULL,
                 'janitor: an age of 0 is refused');
SELECT throws_ok($$SELECT * FROM queue_janitor(3, 3600, NULL)$$, 'CM400', NULL,
                 'janitor: no batch is refused');
SELECT is(pg_temp.run(3, 3600, 10), '(t,0,0,0,0,0,0,0)', 'janitor: an empty queue');
SELECT is((SELECT oldest_queued_s FROM queue_janitor(3, 3600, 10)), 0::double precision,
          'janitor: nothing waits, the oldest age is 0');

CREATE TEMP TABLE g AS
SELECT 'e' || k AS name, pg_temp.gen('8d000000-0000-4000-8000-00000000000e', 'j-e' || k) AS id
  FROM generate_series(1, 3) k;
INSERT INTO g VALUES ('f1', pg_temp.gen('8d000000-0000-4000-8000-00000000000f', 'j-f1'));
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql AS $$ SELECT id FROM g WHERE name = $1 $$;
SELECT is(pg_temp.run(3, 3600, 10), '(t,0,0,0,0,0,4,0)', 'janitor: 4 queued, none leased');

RESET ROLE;
UPDATE generation_jobs SET enqueued_at = now() - interval '100 seconds'
 WHERE generation_id = pg_temp.id('e2');
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
SELECT ok((SELECT oldest_queued_s BETWEEN 100 AND 1000 FROM queue_janitor(3, 3600, 10)),
          'janitor: the oldest waiting generation is 100 s old');

-- ---------------------------------------------------------------- leases
CREATE TEMP TABLE c AS SELECT (l.generation).id AS id, l.lease_token
                         FROM queue_claim('jw', 2, 60000, 10) l;
SELECT is(pg_temp.run(3, 3600, 10), '(t,0,0,0,0,0,2,2)', 'janitor: 2 claimed, 2 left');
SELECT ok((SELECT oldest_queued_s < 100 FROM queue_janitor(3, 3600, 10)),
          'janitor: a leased generation does not count as waiting');

-- Both leases run out: with 2 attempts allowed they go back to the queue.
RESET ROLE;
UPDATE generation_jobs SET lease_expires_at = now() - interval '1 second'
 WHERE generation_id IN (SELECT id FROM c);
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
SELECT is(pg_temp.run(2, 3600, 10), '(t,2,0,0,0,0,4,0)', 'janitor: 2 expired leases requeued');

-- Claimed again (attempt 2) and run out again: failed, each refunded its 15.
CREATE TEMP TABLE c2 AS SELECT (l.generation).id AS id FROM queue_claim('jw', 2, 60000, 10) l;
SELECT is((SELECT count(*) FROM c2 JOIN c USING (id)), 2::bigint,
          'janitor: the same two are claimed again (the oldest of each user)');
RESET ROLE;
UPDATE generation_jobs SET lease_expires_at = now() - interval '1 second'
 WHERE generation_id IN (SELECT id FROM c2);
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
SELECT is(pg_temp.run(2, 3600, 10), '(t,0,2,0,2,30,2,0)',
          'janitor: at the attempt limit 2 fail with 2 refunds of 15');
SELECT is(pg_temp.run(2, 3600, 10), '(t,0,0,0,0,0,2,0)', 'janitor: a second run finds nothing');
RESET ROLE;
SELECT is((SELECT count(*) FROM credit_transactions t
            WHERE t.generation_id IN (SELECT id FROM c) AND t.transaction_type = 'refund'),
          2::bigint, 'janitor: one refund row per failed generation');

-- ---------------------------------------------------------------- age
UPDATE generation_jobs SET enqueued_at = now() - interval '2 hours'
 WHERE generation_id IN (SELECT id FROM g WHERE id NOT IN (SELECT id FROM c));
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
SELECT is(pg_temp.run(5, 3600, 1), '(t,0,0,1,1,15,1,0)',
          'janitor: past the maximum age, a batch of 1 fails one');
SELECT is(pg_temp.run(5, 3600, 10), '(t,0,0,1,1,15,0,0)', 'janitor: the next run fails the other');
SELECT is((SELECT (requeued, failed)::text FROM queue_sweep(5, 3600, 10)), '(0,0)',
          'janitor: queue_sweep (0013) answers through it, on an empty queue');

-- ---------------------------------------------------------------- the account lock (0014)
RESET ROLE;
SELECT ok(has_function_privilege('cameos_content', 'public.ledger_lock_account(uuid)', 'EXECUTE'),
          'lock: the content service may take the account lock (its failure reports need it)');
SELECT ok(NOT has_function_privilege('cameos_app', 'public.ledger_lock_account(uuid)', 'EXECUTE')
          AND NOT has_function_privilege('cameos_credits', 'public.ledger_lock_account(uuid)', 'EXECUTE')
          AND NOT has_function_privilege('cameos_planning', 'public.ledger_lock_account(uuid)', 'EXECUTE'),
          'lock: no other role may');
SELECT is(pg_temp.state('8d000000-0000-4000-8000-00000000000e'), '100/0/7',
          'janitor: E has every credit back (bonus, 3 debits, 3 refunds)');
SELECT is(pg_temp.state('8d000000-0000-4000-8000-00000000000f'), '100/0/3',
          'janitor: F has every credit back (bonus, debit, refund)');

SELECT * FROM finish();
ROLLBACK;
