-- The generation queue (0013): a generating generation is queued, claims are
-- fair and never hand one generation out twice, leases fence the reports,
-- the sweep requeues or fails with one refund, and the owner may cancel
-- what no worker holds.
--   A = 8c..0a (5 generations), B = 8c..0b (1), C = 8c..0c (1), D = 8c..0d
BEGIN;
SELECT plan(52);

\ir helpers.sql

INSERT INTO auth.users (id, email) VALUES
    ('8c000000-0000-4000-8000-00000000000a', 'pgtap.queue.a@example.test'),
    ('8c000000-0000-4000-8000-00000000000b', 'pgtap.queue.b@example.test'),
    ('8c000000-0000-4000-8000-00000000000c', 'pgtap.queue.c@example.test'),
    ('8c000000-0000-4000-8000-00000000000d', 'pgtap.queue.d@example.test');

-- Start from an empty queue whatever other files left (they roll back, but
-- a database reused outside the test command may hold generating rows).
DELETE FROM generation_jobs;

-- A generation created through the service's function (charged 15 credits).
CREATE FUNCTION pg_temp.gen(uuid, text) RETURNS uuid LANGUAGE sql
AS $$ SELECT id FROM content_create_generation($1, $2, 'queue test', 'veo-fast', '16:9', '720p',
                                                'text_to_video', NULL) $$;
-- The queue's bookkeeping equals the jobs, read as the superuser.
CREATE FUNCTION pg_temp.counts_match() RETURNS boolean LANGUAGE sql SECURITY DEFINER
AS $$ SELECT NOT EXISTS (
        SELECT user_id, count(*) FILTER (WHERE lease_token IS NULL),
               count(*) FILTER (WHERE lease_token IS NOT NULL)
          FROM generation_jobs GROUP BY user_id
        EXCEPT SELECT user_id, queued, leased FROM generation_queue_users)
      AND NOT EXISTS (
        SELECT user_id, queued, leased FROM generation_queue_users
        EXCEPT SELECT user_id, count(*) FILTER (WHERE lease_token IS NULL),
                      count(*) FILTER (WHERE lease_token IS NOT NULL)
                 FROM generation_jobs GROUP BY user_id) $$;
CREATE FUNCTION pg_temp.refunds(uuid) RETURNS bigint LANGUAGE sql SECURITY DEFINER
AS $$ SELECT count(*) FROM credit_transactions WHERE generation_id = $1 AND transaction_type = 'refund' $$;

SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
CREATE TEMP TABLE g AS
SELECT 'a' || k AS name, pg_temp.gen('8c000000-0000-4000-8000-00000000000a', 'q-a' || k) AS id
  FROM generate_series(1, 5) k;
INSERT INTO g VALUES ('b1', pg_temp.gen('8c000000-0000-4000-8000-00000000000b', 'q-b1')),
                     ('c1', pg_temp.gen('8c000000-0000-4000-8000-00000000000c', 'q-c1'));
CREATE FUNCTION pg_temp.id(text) RETURNS uuid LANGUAGE sql AS $$ SELECT id FROM g WHERE name = $1 $$;

-- ---------------------------------------------------------------- enqueue
RESET ROLE;
-- One transaction gives them one created_at: spread A's a minute apart,
-- a1 the oldest, as separate calls would.
UPDATE generation_jobs j SET enqueued_at = now() - (10 - substr(g.name, 2)::int) * interval '1 minute'
  FROM g WHERE g.id = j.generation_id AND g.name LIKE 'a%';
SELECT is((SELECT count(*) FROM generation_jobs WHERE lease_token IS NULL), 7::bigint,
          'enqueue: every new generating generation is queued');
SELECT is((SELECT queued FROM generation_queue_users WHERE user_id = '8c000000-0000-4000-8000-00000000000a'),
          5, 'enqueue: A has 5 queued');
SELECT ok(pg_temp.counts_match(), 'enqueue: the per-user counts equal the jobs');

-- ---------------------------------------------------------------- claim
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_user('8c000000-0000-4000-8000-00000000000a');
SELECT throws_ok($$SELECT * FROM queue_claim('w', 1, 1000, 10)$$, 'CM403', 'permission denied',
                 'claim: a user cannot claim');
SELECT pg_temp.as_service();
SELECT throws_ok($$SELECT * FROM queue_claim('w', 0, 1000, 10)$$, 'CM400', NULL,
                 'claim: max 0 is refused');
SELECT throws_ok($$SELECT * FROM queue_claim('w', 1, 0, 10)$$, 'CM400', NULL,
                 'claim: a lease of 0 ms is refused');

CREATE TEMP TABLE c1 AS SELECT (l.generation).id AS id, (l.generation).user_id AS user_id,
                               l.lease_token, l.lease_expires_at, l.attempt
                          FROM queue_claim('w1', 3, 60000, 10) l;
SELECT is((SELECT count(*) FROM c1), 3::bigint, 'claim: 3 asked, 3 given');
SELECT is((SELECT count(DISTINCT user_id) FROM c1), 3::bigint,
          'claim: fair, one each for A (5 queued), B and C (1 each)');
SELECT is((SELECT id FROM c1 WHERE user_id = '8c000000-0000-4000-8000-00000000000a'), pg_temp.id('a1'),
          'claim: A''s oldest comes first');
SELECT ok((SELECT bool_and(lease_token IS NOT NULL AND lease_expires_at > now() AND attempt = 1) FROM c1),
          'claim: each has a token, an expiry ahead and attempt 1');

CREATE TEMP TABLE c2 AS SELECT (l.generation).id AS id, l.lease_token, l.attempt
                          FROM queue_claim('w2', 10, 60000, 3) l;
SELECT is((SELECT count(*) FROM c2), 2::bigint,
          'claim: per-user limit 3 with 1 of A''s leased: 2 more of A''s, B and C have none left');
SELECT is((SELECT count(*) FROM c2 JOIN c1 USING (id)), 0::bigint,
          'claim: nothing already leased is handed out again');
SELECT is((SELECT count(*) FROM queue_claim('w3', 10, 60000, 3)), 0::bigint,
          'claim: A at its limit of 3 gets nothing more');
SELECT is((SELECT count(*) FROM queue_claim('w3', 10, 60000, 4)), 1::bigint,
          'claim: a limit of 4 lets one more of A''s through');
RESET ROLE;
SELECT ok(pg_temp.counts_match(), 'claim: the per-user counts equal the jobs');
SELECT is((SELECT leased FROM generation_queue_users WHERE user_id = '8c000000-0000-4000-8000-00000000000a'),
          4, 'claim: A has 4 leased');

-- ---------------------------------------------------------------- heartbeat and release
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
SELECT ok(queue_extend(pg_temp.id('b1'), (SELECT lease_token FROM c1 WHERE id = pg_temp.id('b1')), 120000)
          > now() + interval '100 seconds', 'extend: the right token moves the expiry');
SELECT throws_ok(format($$SELECT queue_extend(%L, gen_random_uuid(), 1000)$$, pg_temp.id('b1')),
                 'CM412', NULL, 'extend: another token is CM412');
SELECT lives_ok(format($$SELECT queue_release(%L, %L)$$, pg_temp.id('c1'),
                       (SELECT lease_token FROM c1 WHERE id = pg_temp.id('c1'))),
                'release: the holder gives it back');
SELECT throws_ok(format($$SELECT queue_release(%L, %L)$$, pg_temp.id('c1'),
                        (SELECT lease_token FROM c1 WHERE id = pg_temp.id('c1'))),
                 'CM412', NULL, 'release: twice is CM412');
CREATE TEMP TABLE c3 AS SELECT (l.generation).id AS id, l.lease_token, l.attempt
                          FROM queue_claim('w4', 10, 60000, 10) l;
SELECT is((SELECT array_agg(id) FROM c3 WHERE id = pg_temp.id('c1')), ARRAY[pg_temp.id('c1')],
          'release: the generation is claimed again');
SELECT is((SELECT attempt FROM c3 WHERE id = pg_temp.id('c1')), 1,
          'release: a give-back does not count as an attempt');

-- ---------------------------------------------------------------- fencing
SELECT throws_ok(format($$SELECT queue_check_lease(%L, %L)$$, pg_temp.id('c1'),
                        (SELECT lease_token FROM c1 WHERE id = pg_temp.id('c1'))),
                 'CM412', NULL, 'fence: the first worker''s stale token is CM412');
SELECT lives_ok(format($$SELECT queue_check_lease(%L, %L)$$, pg_temp.id('c1'),
                       (SELECT lease_token FROM c3 WHERE id = pg_temp.id('c1'))),
                'fence: the current holder''s token passes');
SELECT lives_ok(format($$SELECT queue_check_lease(%L, NULL)$$, pg_temp.id('c1')),
                'fence: no token (an operator) passes');
SELECT throws_ok($$SELECT queue_check_lease('8c000000-0000-4000-8000-0000000000ff', gen_random_uuid())$$,
                 'CM404', NULL, 'fence: an unknown generation is CM404');
SELECT lives_ok(format($$SELECT * FROM content_complete_generation(%L, 'https://v.example/c1')$$,
                       pg_temp.id('c1')), 'complete: the holder reports success');
RESET ROLE;
SELECT is((SELECT count(*) FROM generation_jobs WHERE generation_id = pg_temp.id('c1')), 0::bigint,
          'complete: the job is gone with the status');
SELECT ok(pg_temp.counts_match(), 'complete: the per-user counts equal the jobs');

-- ---------------------------------------------------------------- sweep
-- B's lease runs out: requeued while attempts < 2, then failed and refunded.
UPDATE generation_jobs SET lease_expires_at = now() - interval '1 second'
 WHERE generation_id = pg_temp.id('b1');
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
SELECT is((SELECT (requeued, failed)::text FROM queue_sweep(2, 3600, 100)), '(1,0)',
          'sweep: an expired lease goes back to the queue');
SELECT is((SELECT count(*) FROM queue_claim('w5', 1, 60000, 10) l WHERE (l.generation).id = pg_temp.id('b1')),
          1::bigint, 'sweep: the requeued generation is claimed again');
RESET ROLE;
UPDATE generation_jobs SET lease_expires_at = now() - interval '1 second'
 WHERE generation_id = pg_temp.id('b1');
SELECT is(pg_temp.state('8c000000-0000-4000-8000-00000000000b'), '85/15/2',
          'sweep: before, B paid 15 (bonus and debit)');
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
SELECT is((SELECT (requeued, failed)::text FROM queue_sweep(2, 3600, 100)), '(0,1)',
          'sweep: at 2 attempts the generation fails');
SELECT is((SELECT (requeued, failed)::text FROM queue_sweep(2, 3600, 100)), '(0,0)',
          'sweep: a second sweep finds nothing');
RESET ROLE;
SELECT is((SELECT status || ': ' || error_message FROM generations WHERE id = pg_temp.id('b1')),
          'error: abandoned by its workers 2 times', 'sweep: the generation says why it failed');
SELECT is(pg_temp.refunds(pg_temp.id('b1')), 1::bigint, 'sweep: one refund');
SELECT is(pg_temp.state('8c000000-0000-4000-8000-00000000000b'), '100/0/3',
          'sweep: B has the 15 credits back');

-- Past the maximum age a queued generation fails too, refunded.
UPDATE generation_jobs SET enqueued_at = now() - interval '2 hours'
 WHERE generation_id = pg_temp.id('a5');
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
SELECT is((SELECT failed FROM queue_sweep(5, 3600, 100)), 1, 'sweep: a generation past the maximum age fails');
RESET ROLE;
SELECT is((SELECT status FROM generations WHERE id = pg_temp.id('a5')), 'error', 'sweep: a5 is error');
SELECT is(pg_temp.refunds(pg_temp.id('a5')), 1::bigint, 'sweep: a5 refunded once');
SELECT ok(pg_temp.counts_match(), 'sweep: the per-user counts equal the jobs');

-- ---------------------------------------------------------------- cancel
-- D's generation is queued: D may cancel it; A may not touch it.
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
INSERT INTO g VALUES ('d1', pg_temp.gen('8c000000-0000-4000-8000-00000000000d', 'q-d1'));
SELECT pg_temp.as_user('8c000000-0000-4000-8000-00000000000a');
SELECT throws_ok(format($$SELECT * FROM queue_cancel(%L)$$, pg_temp.id('d1')), 'CM404', NULL,
                 'cancel: another user''s generation is CM404');
SELECT throws_ok(format($$SELECT * FROM queue_cancel(%L)$$, pg_temp.id('a1')), 'CM412', NULL,
                 'cancel: one a worker holds is CM412');
SELECT pg_temp.as_user('8c000000-0000-4000-8000-00000000000d');
SELECT is((SELECT status || ': ' || error_message FROM queue_cancel(pg_temp.id('d1'))),
          'error: cancelled by its owner', 'cancel: the owner cancels a queued generation');
SELECT throws_ok(format($$SELECT * FROM queue_cancel(%L)$$, pg_temp.id('d1')), 'CM412', NULL,
                 'cancel: twice is CM412');
RESET ROLE;
SELECT is(pg_temp.refunds(pg_temp.id('d1')), 1::bigint, 'cancel: refunded once');
SELECT is(pg_temp.state('8c000000-0000-4000-8000-00000000000d'), '100/0/3', 'cancel: D has everything back');
SELECT is((SELECT count(*) FROM generation_jobs WHERE generation_id = pg_temp.id('d1')), 0::bigint,
          'cancel: the job is gone');

-- ---------------------------------------------------------------- fail
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
SELECT lives_ok(format($$SELECT * FROM content_fail_generation(%L, 'worker gave up')$$, pg_temp.id('a2')),
                'fail: a worker''s failure report');
RESET ROLE;
SELECT is((SELECT count(*) FROM generation_jobs WHERE generation_id = pg_temp.id('a2')), 0::bigint,
          'fail: the job is gone with the status');
SELECT ok(pg_temp.counts_match(), 'fail: the per-user counts equal the jobs');
SELECT is((SELECT count(*) FROM generation_queue_users WHERE queued = 0 AND leased = 0), 0::bigint,
          'bookkeeping: no user row without work');

SELECT * FROM finish();
ROLLBACK;
