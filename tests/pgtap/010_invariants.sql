-- Ledger invariants after a mixed sequence of operations, what deleting a
-- generation does to its ledger rows, and what deleting a user removes.
BEGIN;
SELECT plan(22);

\ir helpers.sql

CREATE TEMP TABLE tally (what text PRIMARY KEY, n int NOT NULL DEFAULT 0);
INSERT INTO tally (what) VALUES ('spent'), ('refused'), ('refunded'), ('deleted'), ('granted'), ('bought');
GRANT ALL ON tally TO cameos_app;

INSERT INTO auth.users (id, email)
SELECT ('10000000-0000-4000-8000-00000000000' || u)::uuid, 'pgtap.inv.' || u || '@example.test'
  FROM generate_series(1, 3) u;

-- ------------------------------------------------ a mixed run through the services' paths
SET LOCAL ROLE cameos_content;
DO $$
DECLARE
    v_user  uuid;
    v_gen   uuid;
    v_model text;
    v_cost  int;
BEGIN
    FOR i IN 1..60 LOOP
        v_user := ('10000000-0000-4000-8000-00000000000' || (i % 3 + 1))::uuid;
        v_model := CASE WHEN i % 2 = 0 THEN 'veo-2' ELSE 'veo-fast' END;
        -- CreateGeneration: the user's own session
        PERFORM set_config('request.jwt.claims',
                           json_build_object('sub', v_user, 'role', 'authenticated')::text, true);
        SELECT credits INTO v_cost FROM public.generation_pricing
         WHERE model = v_model AND resolution = '720p';
        BEGIN
            INSERT INTO public.generations (user_id, prompt, model, credits_used)
            VALUES (v_user, 'prompt ' || i, v_model, v_cost) RETURNING id INTO v_gen;
            PERFORM public.ledger_spend(v_user, v_cost, 'Generation ' || i, v_gen, 'gen-' || i);
            UPDATE tally SET n = n + 1 WHERE what = 'spent';
        EXCEPTION WHEN SQLSTATE 'CM412' THEN
            UPDATE tally SET n = n + 1 WHERE what = 'refused';
            CONTINUE;
        END;
        -- the worker finishes it: a third fail (FailGeneration: status + refund), the rest succeed
        PERFORM set_config('request.jwt.claims', '{"role":"service_role"}', true);
        IF i % 3 = 0 THEN
            UPDATE public.generations SET status = 'error', error_message = 'boom', completed_at = now()
             WHERE id = v_gen;
            PERFORM public.ledger_refund(v_user, v_gen, 'fail-' || i, '');
            -- FailGeneration repeated: changes nothing
            PERFORM public.ledger_refund(v_user, v_gen, 'fail-' || i, '');
            UPDATE tally SET n = n + 1 WHERE what = 'refunded';
        ELSE
            UPDATE public.generations SET status = 'success', video_url = 'https://v/' || i, completed_at = now()
             WHERE id = v_gen;
        END IF;
        -- retries of CreateGeneration's debit change nothing
        PERFORM public.ledger_spend(v_user, v_cost, 'Generation ' || i, v_gen, 'gen-' || i);
        IF i % 4 = 0 THEN
            DELETE FROM public.generations WHERE id = v_gen;
            UPDATE tally SET n = n + 1 WHERE what = 'deleted';
        END IF;
        IF i % 10 = 0 THEN
            PERFORM public.ledger_grant(v_user, 25, 'Promo', 'promo-' || i);
            UPDATE tally SET n = n + 1 WHERE what = 'granted';
        END IF;
        IF i % 25 = 0 THEN
            PERFORM public.ledger_purchase(v_user, (SELECT id FROM public.pricing_tiers WHERE name = 'Starter'),
                                           'pay-' || i, 'buy-' || i);
            UPDATE tally SET n = n + 1 WHERE what = 'bought';
        END IF;
    END LOOP;
END
$$;
RESET ROLE;

SELECT cmp_ok((SELECT n FROM tally WHERE what = 'spent'), '>', 0, 'the run spent credits');
SELECT cmp_ok((SELECT n FROM tally WHERE what = 'refused'), '>', 0, 'the run hit insufficient credits');
SELECT cmp_ok((SELECT n FROM tally WHERE what = 'refunded'), '>', 0, 'the run refunded failures');
SELECT cmp_ok((SELECT n FROM tally WHERE what = 'deleted'), '>', 0, 'the run deleted generations');

CREATE TEMP VIEW ledger AS
SELECT t.*, coalesce(t.generation_id, (t.metadata->>'generation_id')::uuid) AS gen
  FROM credit_transactions t
 WHERE t.user_id::text LIKE '10000000-%';

SELECT is_empty($$SELECT id FROM user_profiles WHERE id::text LIKE '10000000-%' AND credits < 0$$,
                'invariant: credits >= 0');
SELECT is_empty($$SELECT p.id FROM user_profiles p
                   WHERE p.id::text LIKE '10000000-%'
                     AND p.credits <> (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.user_id = p.id)$$,
                'invariant: credits = sum(amount) of the user''s transactions');
SELECT is_empty($$SELECT p.id FROM user_profiles p
                   WHERE p.id::text LIKE '10000000-%'
                     AND p.total_spent <> -(SELECT coalesce(sum(amount), 0) FROM ledger l
                                             WHERE l.user_id = p.id AND l.transaction_type = 'generation')
                                          - (SELECT coalesce(sum(amount), 0) FROM ledger l
                                             WHERE l.user_id = p.id AND l.transaction_type = 'refund')$$,
                'invariant: total_spent = -(debits) - (refunds)');
SELECT is_empty($$SELECT gen FROM ledger WHERE transaction_type IN ('generation', 'refund')
                   GROUP BY gen, transaction_type HAVING count(*) > 1$$,
                'invariant: at most one debit and one refund per generation (deleted ones included)');
SELECT is_empty($$SELECT r.gen FROM ledger r
                    LEFT JOIN ledger d ON d.gen = r.gen AND d.transaction_type = 'generation'
                   WHERE r.transaction_type = 'refund' AND (d.id IS NULL OR r.amount <> -d.amount)$$,
                'invariant: every refund equals its generation''s debit');
SELECT is_empty($$SELECT r.gen FROM ledger r JOIN generations g ON g.id = r.gen
                   WHERE r.transaction_type = 'refund' AND g.status <> 'error'$$,
                'invariant: refunds only for generations in error');
SELECT is_empty($$SELECT g.id FROM generations g
                    LEFT JOIN ledger d ON d.gen = g.id AND d.transaction_type = 'generation'
                   WHERE g.user_id::text LIKE '10000000-%' AND (d.id IS NULL OR -d.amount <> g.credits_used)$$,
                'every remaining generation was charged exactly its credits_used');
SELECT results_eq(
    $$SELECT count(*)::int FROM ledger WHERE transaction_type = 'generation'$$,
    $$SELECT n FROM tally WHERE what = 'spent'$$,
    'one debit per successful CreateGeneration, retries added none');
SELECT results_eq(
    $$SELECT count(*)::int FROM ledger WHERE transaction_type = 'refund'$$,
    $$SELECT n FROM tally WHERE what = 'refunded'$$,
    'one refund per failed generation, repeats added none');
SELECT results_eq(
    $$SELECT count(*)::int FROM ledger WHERE generation_id IS NULL AND gen IS NOT NULL$$,
    $$SELECT count(*)::int FROM ledger l WHERE NOT EXISTS (SELECT 1 FROM generations g WHERE g.id = l.gen)
                                         AND l.gen IS NOT NULL$$,
    'ledger rows of deleted generations are kept, unlinked, with the id in metadata');

-- ------------------------------------------- deleting one generation, step by step
INSERT INTO generations (id, user_id, prompt, model, status, credits_used)
VALUES ('10000000-0000-4000-8000-0000000000d1', '10000000-0000-4000-8000-000000000001', 'doomed', 'veo-fast', 'generating', 15);
SELECT ledger_spend('10000000-0000-4000-8000-000000000001', 15, 'doomed', '10000000-0000-4000-8000-0000000000d1', '')
  FROM (SELECT pg_temp.claims('{"role":"service_role"}')) x;
UPDATE generations SET status = 'error' WHERE id = '10000000-0000-4000-8000-0000000000d1';
SELECT ledger_refund('10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-0000000000d1', '', '');
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_user('10000000-0000-4000-8000-000000000001');
SELECT lives_ok($$DELETE FROM generations WHERE id = '10000000-0000-4000-8000-0000000000d1'$$,
                'the owner deletes a failed, refunded generation');
RESET ROLE;
SELECT results_eq(
    $$SELECT transaction_type, amount, generation_id, metadata->>'generation_id',
             metadata ? 'refunded_transaction_id'
        FROM credit_transactions WHERE metadata->>'generation_id' = '10000000-0000-4000-8000-0000000000d1'
       ORDER BY transaction_type$$,
    $$VALUES ('generation'::text, -15, NULL::uuid, '10000000-0000-4000-8000-0000000000d1'::text, false),
             ('refund', 15, NULL, '10000000-0000-4000-8000-0000000000d1', true)$$,
    'its debit and refund stay: generation_id NULL, the id in metadata, other metadata kept');
SELECT is_empty($$SELECT 1 FROM generations WHERE id = '10000000-0000-4000-8000-0000000000d1'$$,
                'the generation is gone');
SELECT lives_ok($$DELETE FROM generations WHERE user_id = '10000000-0000-4000-8000-000000000002' AND status = 'success'$$,
                'deleting many generations at once works');
SELECT is_empty($$SELECT 1 FROM credit_transactions t
                   WHERE t.user_id = '10000000-0000-4000-8000-000000000002' AND t.transaction_type = 'generation'
                     AND t.generation_id IS NULL AND NOT t.metadata ? 'generation_id'$$,
                'every debit of the deleted generations kept its generation id');

-- ------------------------------------------------------- deleting a user
INSERT INTO style_presets (user_id, name) VALUES ('10000000-0000-4000-8000-000000000003', 's');
INSERT INTO campaigns (user_id, name) VALUES ('10000000-0000-4000-8000-000000000003', 'c');
DELETE FROM auth.users WHERE id = '10000000-0000-4000-8000-000000000003';
SELECT is((SELECT count(*)::int FROM user_profiles WHERE id = '10000000-0000-4000-8000-000000000003')
        + (SELECT count(*)::int FROM credit_transactions WHERE user_id = '10000000-0000-4000-8000-000000000003')
        + (SELECT count(*)::int FROM generations WHERE user_id = '10000000-0000-4000-8000-000000000003')
        + (SELECT count(*)::int FROM request_keys WHERE user_id = '10000000-0000-4000-8000-000000000003')
        + (SELECT count(*)::int FROM style_presets WHERE user_id = '10000000-0000-4000-8000-000000000003')
        + (SELECT count(*)::int FROM campaigns WHERE user_id = '10000000-0000-4000-8000-000000000003'),
          0, 'deleting the auth user removes the profile and every row of the user');
SELECT isnt_empty($$SELECT 1 FROM credit_transactions WHERE user_id = '10000000-0000-4000-8000-000000000001'$$,
                  'other users keep their ledgers');
SELECT is_empty($$SELECT p.id FROM user_profiles p
                   WHERE p.id::text LIKE '10000000-%'
                     AND p.credits <> (SELECT coalesce(sum(amount), 0) FROM credit_transactions l WHERE l.user_id = p.id)$$,
                'invariant still holds after the deletions');

SELECT * FROM finish();
ROLLBACK;
