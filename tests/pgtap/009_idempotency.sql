-- request_id idempotency (AIP-155): the same request_id with the same
-- parameters returns the stored result and changes nothing; with other
-- parameters it is CM412; a failed call leaves no key; keys are per user.
--   A = 9a..0a, B = 9a..0b (100 credits each)
BEGIN;
SELECT plan(50);

\ir helpers.sql

CREATE TEMP TABLE first_result (name text PRIMARY KEY, r ledger_result);
GRANT ALL ON first_result TO cameos_app;

INSERT INTO auth.users (id, email) VALUES
    ('9a000000-0000-4000-8000-00000000000a', 'pgtap.idem.a@example.test'),
    ('9a000000-0000-4000-8000-00000000000b', 'pgtap.idem.b@example.test');
INSERT INTO generations (id, user_id, prompt, model) VALUES
    ('9a000000-0000-4000-8000-0000000000a1', '9a000000-0000-4000-8000-00000000000a', 'g1', 'veo-fast'),
    ('9a000000-0000-4000-8000-0000000000a2', '9a000000-0000-4000-8000-00000000000a', 'g2', 'veo-fast');

SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_user('9a000000-0000-4000-8000-00000000000a');

-- ------------------------------------------------------------------- spend
INSERT INTO first_result
SELECT 'spend', s FROM ledger_spend('9a000000-0000-4000-8000-00000000000a', 15, 'Veo fast',
                                    '9a000000-0000-4000-8000-0000000000a1', 'req-spend-1') s;
SELECT is(pg_temp.state('9a000000-0000-4000-8000-00000000000a'), '85/15/2', 'spend with a request_id applies once');
SELECT results_eq(
    $$SELECT s FROM ledger_spend('9a000000-0000-4000-8000-00000000000a', 15, 'Veo fast',
                                 '9a000000-0000-4000-8000-0000000000a1', 'req-spend-1') s$$,
    $$SELECT r FROM first_result WHERE name = 'spend'$$,
    'spend: a retry returns the identical row (id, created_at, balance...)');
SELECT is(pg_temp.state('9a000000-0000-4000-8000-00000000000a'), '85/15/2', 'spend: the retry moved nothing');
SELECT throws_ok($$SELECT * FROM ledger_spend('9a000000-0000-4000-8000-00000000000a', 16, 'Veo fast',
                                               '9a000000-0000-4000-8000-0000000000a1', 'req-spend-1')$$,
                 'CM412', 'request_id was already used with different parameters',
                 'spend: same request_id, other amount is CM412');
SELECT throws_ok($$SELECT * FROM ledger_spend('9a000000-0000-4000-8000-00000000000a', 15, 'other text',
                                               '9a000000-0000-4000-8000-0000000000a1', 'req-spend-1')$$,
                 'CM412', 'request_id was already used with different parameters',
                 'spend: same request_id, other description is CM412');
SELECT throws_ok($$SELECT * FROM ledger_spend('9a000000-0000-4000-8000-00000000000a', 15, 'Veo fast',
                                               '9a000000-0000-4000-8000-0000000000a2', 'req-spend-1')$$,
                 'CM412', 'request_id was already used with different parameters',
                 'spend: same request_id, other generation is CM412');
SELECT throws_ok($$SELECT * FROM ledger_grant('9a000000-0000-4000-8000-00000000000a', 15, 'Veo fast', 'req-spend-1')$$,
                 'CM412', 'request_id was already used with different parameters',
                 'same request_id for another ledger function is CM412');
SELECT is(pg_temp.state('9a000000-0000-4000-8000-00000000000a'), '85/15/2', 'the refused retries moved nothing');

-- the stored result survives later changes of the balance and of the row
SELECT pg_temp.claims('{"role":"service_role"}');
SELECT is((SELECT balance FROM ledger_grant('9a000000-0000-4000-8000-00000000000a', 5, 'x', '')), 90,
          'balance moves on (grant without request_id)');
DELETE FROM generations WHERE id = '9a000000-0000-4000-8000-0000000000a1';
SELECT pg_temp.as_user('9a000000-0000-4000-8000-00000000000a');
SELECT results_eq(
    $$SELECT s FROM ledger_spend('9a000000-0000-4000-8000-00000000000a', 15, 'Veo fast',
                                 '9a000000-0000-4000-8000-0000000000a1', 'req-spend-1') s$$,
    $$SELECT r FROM first_result WHERE name = 'spend'$$,
    'spend: a retry after the generation was deleted and the balance moved returns the original row');
SELECT is((SELECT generation_id FROM ledger_spend('9a000000-0000-4000-8000-00000000000a', 15, 'Veo fast',
                                                  '9a000000-0000-4000-8000-0000000000a1', 'req-spend-1')),
          '9a000000-0000-4000-8000-0000000000a1'::uuid,
          'spend: ... including the generation_id the ledger row no longer has');
SELECT is((SELECT balance FROM ledger_spend('9a000000-0000-4000-8000-00000000000a', 15, 'Veo fast',
                                            '9a000000-0000-4000-8000-0000000000a1', 'req-spend-1')),
          85, 'spend: ... and the balance of the time');
SELECT is(pg_temp.state('9a000000-0000-4000-8000-00000000000a'), '90/15/3', 'spend: still nothing moved');

-- keys are per user
SELECT pg_temp.as_user('9a000000-0000-4000-8000-00000000000b');
SELECT is((SELECT balance FROM ledger_spend('9a000000-0000-4000-8000-00000000000b', 30, 'x', NULL, 'req-spend-1')),
          70, 'another user''s identical request_id is a different key');

-- a failed call keeps no key: the retry is judged afresh
SELECT throws_ok($$SELECT * FROM ledger_spend('9a000000-0000-4000-8000-00000000000b', 500, 'x', NULL, 'req-big')$$,
                 'CM412', 'insufficient credits', 'spend: insufficient credits with a request_id');
SELECT is(pg_temp.state('9a000000-0000-4000-8000-00000000000b'), '70/30/2',
          'spend: the failed call wrote nothing');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM request_keys
            WHERE user_id = '9a000000-0000-4000-8000-00000000000b' AND request_id = 'req-big'), 0,
          'spend: the failed call left no key');
SELECT is((SELECT balance FROM ledger_grant('9a000000-0000-4000-8000-00000000000b', 500, 'top up', '')),
          570, 'B gets enough credits');
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_user('9a000000-0000-4000-8000-00000000000b');
SELECT is((SELECT balance FROM ledger_spend('9a000000-0000-4000-8000-00000000000b', 500, 'x', NULL, 'req-big')),
          70, 'spend: the same request_id now succeeds');
SELECT is((SELECT balance FROM ledger_spend('9a000000-0000-4000-8000-00000000000b', 500, 'x', NULL, 'req-big')),
          70, 'spend: and its retry returns the same balance');
SELECT is(pg_temp.state('9a000000-0000-4000-8000-00000000000b'), '70/530/4', 'spend: applied exactly once');

-- an empty or NULL request_id means no idempotency
SELECT is((SELECT balance FROM ledger_spend('9a000000-0000-4000-8000-00000000000b', 1, 'x', NULL, '')), 69,
          'empty request_id: applied');
SELECT is((SELECT balance FROM ledger_spend('9a000000-0000-4000-8000-00000000000b', 1, 'x', NULL, '')), 68,
          'empty request_id: applied again');
SELECT is((SELECT balance FROM ledger_spend('9a000000-0000-4000-8000-00000000000b', 1, 'x', NULL, NULL)), 67,
          'NULL request_id: applied');
SELECT throws_ok($$SELECT * FROM ledger_spend('9a000000-0000-4000-8000-00000000000b', 1, 'x', NULL, repeat('k', 256))$$,
                 'CM400', 'request_id must be at most 255 characters', 'a request_id over 255 characters is CM400');
RESET ROLE;

-- ------------------------------------------------------------------- grant
SET LOCAL ROLE cameos_credits;
SELECT pg_temp.claims('{"role":"service_role"}');
INSERT INTO first_result
SELECT 'grant', g FROM ledger_grant('9a000000-0000-4000-8000-00000000000a', 50, 'Promo', 'req-grant-1') g;
SELECT results_eq($$SELECT g FROM ledger_grant('9a000000-0000-4000-8000-00000000000a', 50, 'Promo', 'req-grant-1') g$$,
                  $$SELECT r FROM first_result WHERE name = 'grant'$$, 'grant: a retry returns the identical row');
SELECT is(pg_temp.state('9a000000-0000-4000-8000-00000000000a'), '140/15/4', 'grant: applied once');
SELECT throws_ok($$SELECT * FROM ledger_grant('9a000000-0000-4000-8000-00000000000a', 51, 'Promo', 'req-grant-1')$$,
                 'CM412', 'request_id was already used with different parameters', 'grant: other amount is CM412');

-- ---------------------------------------------------------------- purchase
INSERT INTO first_result
SELECT 'purchase', p FROM ledger_purchase('9a000000-0000-4000-8000-00000000000a',
                                          (SELECT id FROM pricing_tiers WHERE name = 'Creator'), 'pay_9', 'req-buy-1') p;
SELECT results_eq($$SELECT p FROM ledger_purchase('9a000000-0000-4000-8000-00000000000a',
                                                   (SELECT id FROM pricing_tiers WHERE name = 'Creator'), 'pay_9', 'req-buy-1') p$$,
                  $$SELECT r FROM first_result WHERE name = 'purchase'$$, 'purchase: a retry returns the identical row');
SELECT is(pg_temp.state('9a000000-0000-4000-8000-00000000000a'), '640/15/5', 'purchase: applied once');
SELECT throws_ok($$SELECT * FROM ledger_purchase('9a000000-0000-4000-8000-00000000000a',
                                                  (SELECT id FROM pricing_tiers WHERE name = 'Creator'), 'pay_10', 'req-buy-1')$$,
                 'CM412', 'request_id was already used with different parameters', 'purchase: other payment reference is CM412');
SELECT throws_ok($$SELECT * FROM ledger_purchase('9a000000-0000-4000-8000-00000000000a',
                                                  (SELECT id FROM pricing_tiers WHERE name = 'Pro'), 'pay_9', 'req-buy-1')$$,
                 'CM412', 'request_id was already used with different parameters', 'purchase: other tier is CM412');
RESET ROLE;
UPDATE pricing_tiers SET is_active = false WHERE name = 'Creator';
SET LOCAL ROLE cameos_credits;
SELECT results_eq($$SELECT p FROM ledger_purchase('9a000000-0000-4000-8000-00000000000a',
                                                   (SELECT id FROM pricing_tiers WHERE name = 'Creator'), 'pay_9', 'req-buy-1') p$$,
                  $$SELECT r FROM first_result WHERE name = 'purchase'$$,
                  'purchase: a retry after the tier was retired still returns the original result');
RESET ROLE;

-- ------------------------------------------------------------------ refund
SET LOCAL ROLE cameos_content;
SELECT pg_temp.claims('{"role":"service_role"}');
SELECT is((SELECT balance FROM ledger_spend('9a000000-0000-4000-8000-00000000000a', 15, 'g2',
                                            '9a000000-0000-4000-8000-0000000000a2', 'req-spend-2')),
          625, 'refund setup: g2 charged');
UPDATE generations SET status = 'error' WHERE id = '9a000000-0000-4000-8000-0000000000a2';
INSERT INTO first_result
SELECT 'refund', r FROM ledger_refund('9a000000-0000-4000-8000-00000000000a',
                                      '9a000000-0000-4000-8000-0000000000a2', 'req-refund-1', '') r;
SELECT results_eq($$SELECT r FROM ledger_refund('9a000000-0000-4000-8000-00000000000a',
                                                 '9a000000-0000-4000-8000-0000000000a2', 'req-refund-1', '') r$$,
                  $$SELECT r FROM first_result WHERE name = 'refund'$$,
                  'refund: a retry returns the identical row instead of "already refunded"');
SELECT is(pg_temp.state('9a000000-0000-4000-8000-00000000000a'), '640/15/7', 'refund: applied once');
SELECT throws_ok($$SELECT * FROM ledger_refund('9a000000-0000-4000-8000-00000000000a',
                                                '9a000000-0000-4000-8000-0000000000a2', 'req-refund-2', '')$$,
                 'CM412', 'generation was already refunded', 'refund: a new request_id cannot refund twice');
SELECT throws_ok($$SELECT * FROM ledger_refund('9a000000-0000-4000-8000-00000000000a',
                                                '9a000000-0000-4000-8000-0000000000a2', 'req-refund-1', 'other')$$,
                 'CM412', 'request_id was already used with different parameters', 'refund: other description is CM412');
DELETE FROM generations WHERE id = '9a000000-0000-4000-8000-0000000000a2';
SELECT results_eq($$SELECT r FROM ledger_refund('9a000000-0000-4000-8000-00000000000a',
                                                 '9a000000-0000-4000-8000-0000000000a2', 'req-refund-1', '') r$$,
                  $$SELECT r FROM first_result WHERE name = 'refund'$$,
                  'refund: a retry after the generation was deleted returns the original row');
SELECT throws_ok($$SELECT * FROM ledger_refund('9a000000-0000-4000-8000-00000000000a',
                                                '9a000000-0000-4000-8000-0000000000a2', 'req-refund-3', '')$$,
                 'CM404', 'generation not found', 'refund: a new request for the deleted generation is CM404');

-- ------------------------------------------- request_key_claim / request_key_store
SELECT pg_temp.as_user('9a000000-0000-4000-8000-00000000000a');
SELECT is(request_key_claim('9a000000-0000-4000-8000-00000000000a', 'req-gen-1',
                            '{"rpc":"CreateGeneration","prompt":"p"}'), NULL,
          'request_key_claim: a new key returns NULL (do the work)');
SELECT throws_ok($$SELECT request_key_claim('9a000000-0000-4000-8000-00000000000a', 'req-gen-1',
                                            '{"rpc":"CreateGeneration","prompt":"p"}')$$,
                 'CM412', 'request_id is already in use by a request that has not finished',
                 'request_key_claim: a claimed key without a stored result is in use');
SELECT lives_ok($$SELECT request_key_store('9a000000-0000-4000-8000-00000000000a', 'req-gen-1', '{"id":"g-1"}')$$,
                'request_key_store: stores the response');
SELECT is(request_key_claim('9a000000-0000-4000-8000-00000000000a', 'req-gen-1',
                            '{"rpc":"CreateGeneration","prompt":"p"}'), '{"id":"g-1"}'::jsonb,
          'request_key_claim: a retry gets the stored response');
SELECT throws_ok($$SELECT request_key_claim('9a000000-0000-4000-8000-00000000000a', 'req-gen-1',
                                            '{"rpc":"CreateGeneration","prompt":"q"}')$$,
                 'CM412', 'request_id was already used with different parameters',
                 'request_key_claim: other parameters are CM412');
SELECT throws_ok($$SELECT request_key_store('9a000000-0000-4000-8000-00000000000a', 'req-gen-1', '{"id":"g-2"}')$$,
                 'CM412', 'request_id was not claimed in this transaction',
                 'request_key_store: a stored response cannot be overwritten');
SELECT throws_ok($$SELECT request_key_claim('9a000000-0000-4000-8000-00000000000b', 'req-gen-1', '{"rpc":"x"}')$$,
                 'CM403', NULL, 'request_key_claim: A cannot claim keys for B');
RESET ROLE;
SET LOCAL ROLE cameos_planning;
SELECT pg_temp.as_user('9a000000-0000-4000-8000-00000000000b');
SELECT is(request_key_claim('9a000000-0000-4000-8000-00000000000b', 'req-camp-1', '{"rpc":"CreateCampaign"}'),
          NULL, 'request_key_claim: cameos_planning can use request keys');
RESET ROLE;

-- ------------------------------------------------------------------- purge
UPDATE request_keys SET created_at = now() - interval '25 hours'
 WHERE user_id = '9a000000-0000-4000-8000-00000000000a' AND request_id = 'req-spend-1';
UPDATE request_keys SET created_at = now() - interval '23 hours'
 WHERE user_id = '9a000000-0000-4000-8000-00000000000a' AND request_id = 'req-grant-1';
SET LOCAL ROLE cameos_credits;
SELECT cmp_ok(request_keys_purge('1 hour'), '>=', 1::bigint, 'purge: removes keys older than 24 hours');
RESET ROLE;
SELECT results_eq($$SELECT request_id FROM request_keys
                    WHERE user_id = '9a000000-0000-4000-8000-00000000000a'
                      AND request_id IN ('req-spend-1', 'req-grant-1')$$,
                  $$VALUES ('req-grant-1'::text)$$,
                  'purge: never removes keys younger than 24 hours, whatever it is asked');

SELECT * FROM finish();
ROLLBACK;
