-- The ledger functions: happy paths, every CMxxx error, and that a failed
-- call writes nothing.
--   A = 8a..0a (100 credits), B = 8a..0b (100 credits)
BEGIN;
SELECT plan(68);

\ir helpers.sql

INSERT INTO auth.users (id, email) VALUES
    ('8a000000-0000-4000-8000-00000000000a', 'pgtap.ledger.a@example.test'),
    ('8a000000-0000-4000-8000-00000000000b', 'pgtap.ledger.b@example.test');
INSERT INTO generations (id, user_id, prompt, model, status) VALUES
    ('8a000000-0000-4000-8000-0000000000a1', '8a000000-0000-4000-8000-00000000000a', 'g1', 'veo-2', 'generating'),
    ('8a000000-0000-4000-8000-0000000000a2', '8a000000-0000-4000-8000-00000000000a', 'g2', 'veo-fast', 'generating'),
    ('8a000000-0000-4000-8000-0000000000a3', '8a000000-0000-4000-8000-00000000000a', 'g3', 'veo-fast', 'error'),
    ('8a000000-0000-4000-8000-0000000000a4', '8a000000-0000-4000-8000-00000000000a', 'g4', 'veo-fast', 'generating'),
    ('8a000000-0000-4000-8000-0000000000b1', '8a000000-0000-4000-8000-00000000000b', 'gb', 'veo-2', 'generating');
INSERT INTO pricing_tiers (id, name, credits, price, is_active, sort_order) VALUES
    ('8a000000-0000-4000-8000-0000000000f0', 'pgtap retired', 10, 1.50, false, 90),
    ('8a000000-0000-4000-8000-0000000000f1', 'pgtap big', 2147483000, 1.00, true, 91);

SET LOCAL ROLE cameos_content;

-- ---------------------------------------------------------------- ledger_spend
SELECT pg_temp.as_user('8a000000-0000-4000-8000-00000000000a');
SELECT results_eq(
    $$SELECT user_id, amount, transaction_type, description, generation_id, metadata, balance
        FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 40, 'Veo 2 video',
                          '8a000000-0000-4000-8000-0000000000a1', '')$$,
    $$VALUES ('8a000000-0000-4000-8000-00000000000a'::uuid, -40, 'generation'::text, 'Veo 2 video'::text,
              '8a000000-0000-4000-8000-0000000000a1'::uuid, '{}'::jsonb, 60)$$,
    'spend: A debits 40 for A''s generation, balance 60');
SELECT is(pg_temp.state('8a000000-0000-4000-8000-00000000000a'), '60/40/2',
          'spend: credits -40, total_spent +40, one more ledger row');
RESET ROLE;
SELECT results_eq(
    $$SELECT amount, generation_id FROM credit_transactions
       WHERE user_id = '8a000000-0000-4000-8000-00000000000a' AND transaction_type = 'generation'$$,
    $$VALUES (-40, '8a000000-0000-4000-8000-0000000000a1'::uuid)$$,
    'spend: the debit is in A''s ledger, linked to the generation');
SET LOCAL ROLE cameos_content;
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 15, 'again',
                                               '8a000000-0000-4000-8000-0000000000a1', '')$$,
                 'CM412', 'generation was already charged', 'spend: a second debit of a generation is CM412');
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 0, 'x', NULL, '')$$,
                 'CM400', 'amount must be greater than 0', 'spend: amount 0 is CM400 naming the field');
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', -5, 'x', NULL, '')$$,
                 'CM400', NULL, 'spend: a negative amount is CM400');
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', NULL, 'x', NULL, '')$$,
                 'CM400', NULL, 'spend: a NULL amount is CM400');
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 1, repeat('x', 1001), NULL, '')$$,
                 'CM400', 'description must be at most 1000 characters', 'spend: an over-long description is CM400');
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 61, 'x', NULL, '')$$,
                 'CM412', 'insufficient credits', 'spend: more than the balance is CM412');
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 15, 'x',
                                               '8a000000-0000-4000-8000-0000000000b1', '')$$,
                 'CM404', 'generation not found', 'spend: B''s generation is CM404 for A');
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 15, 'x',
                                               '8a000000-0000-4000-8000-0000000000ff', '')$$,
                 'CM404', 'generation not found', 'spend: an unknown generation is CM404');
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000b', 15, 'x', NULL, '')$$,
                 'CM403', NULL, 'spend: A cannot spend B''s credits');
SELECT is(pg_temp.state('8a000000-0000-4000-8000-00000000000a'), '60/40/2', 'spend: failed calls wrote nothing for A');
SELECT is(pg_temp.state('8a000000-0000-4000-8000-00000000000b'), '100/0/1', 'spend: nor for B');
SELECT results_eq(
    $$SELECT amount, description, generation_id, balance
        FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 60, '', NULL, NULL)$$,
    $$VALUES (-60, 'Video generation'::text, NULL::uuid, 0)$$,
    'spend: the whole balance can be spent; no generation; default description');
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 1, 'x', NULL, '')$$,
                 'CM412', 'insufficient credits', 'spend: nothing is left');
SELECT pg_temp.claims('');
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 1, 'x', NULL, '')$$,
                 'CM403', 'permission denied', 'spend: no claims is CM403');
SELECT pg_temp.claims('{"sub":"8a000000-0000-4000-8000-00000000000a","role":"anon"}');
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 1, 'x', NULL, '')$$,
                 'CM403', 'permission denied', 'spend: role anon is CM403');
SELECT pg_temp.as_service();
SELECT throws_ok($$SELECT * FROM ledger_spend('8a000000-0000-4000-8000-0000000000ee', 1, 'x', NULL, '')$$,
                 'CM404', 'user not found', 'spend: an unknown user is CM404');
SELECT throws_ok($$SELECT * FROM ledger_spend(NULL, 1, 'x', NULL, '')$$,
                 'CM400', 'user_id is required', 'spend: a NULL user is CM400');
SELECT results_eq(
    $$SELECT user_id, amount, balance
        FROM ledger_spend('8a000000-0000-4000-8000-00000000000b', 40, 'Veo 2',
                          '8a000000-0000-4000-8000-0000000000b1', '')$$,
    $$VALUES ('8a000000-0000-4000-8000-00000000000b'::uuid, -40, 60)$$,
    'spend: service_role spends for any user');

-- ---------------------------------------------------------------- ledger_grant
SELECT results_eq(
    $$SELECT user_id, amount, transaction_type, description, generation_id, balance
        FROM ledger_grant('8a000000-0000-4000-8000-00000000000a', 250, 'Support gesture', '')$$,
    $$VALUES ('8a000000-0000-4000-8000-00000000000a'::uuid, 250, 'bonus'::text,
              'Support gesture'::text, NULL::uuid, 250)$$,
    'grant: +250 bonus, balance 250');
SELECT is(pg_temp.state('8a000000-0000-4000-8000-00000000000a'), '250/100/4',
          'grant: credits +250, total_spent unchanged');
SELECT is((SELECT description FROM ledger_grant('8a000000-0000-4000-8000-00000000000a', 1, NULL, '')),
          'Bonus credits', 'grant: default description');
SELECT throws_ok($$SELECT * FROM ledger_grant('8a000000-0000-4000-8000-00000000000a', 0, 'x', '')$$,
                 'CM400', 'amount must be greater than 0', 'grant: amount 0 is CM400');
SELECT throws_ok($$SELECT * FROM ledger_grant('8a000000-0000-4000-8000-00000000000a', -1, 'x', '')$$,
                 'CM400', NULL, 'grant: a negative amount is CM400');
SELECT throws_ok($$SELECT * FROM ledger_grant('8a000000-0000-4000-8000-0000000000ee', 5, 'x', '')$$,
                 'CM404', 'user not found', 'grant: an unknown user is CM404');
SELECT throws_ok($$SELECT * FROM ledger_grant('8a000000-0000-4000-8000-00000000000a', 2147483647, 'x', '')$$,
                 'CM412', NULL, 'grant: a balance past the integer range is CM412, not an overflow');
SELECT pg_temp.as_user('8a000000-0000-4000-8000-00000000000a');
SELECT throws_ok($$SELECT * FROM ledger_grant('8a000000-0000-4000-8000-00000000000b', 5, 'x', '')$$,
                 'CM403', NULL, 'grant: A cannot grant to B');
SELECT pg_temp.claims('');
SELECT throws_ok($$SELECT * FROM ledger_grant('8a000000-0000-4000-8000-00000000000a', 5, 'x', '')$$,
                 'CM403', NULL, 'grant: no claims is CM403');
SELECT is(pg_temp.state('8a000000-0000-4000-8000-00000000000a'), '251/100/5', 'grant: failed calls wrote nothing');
RESET ROLE;

-- ------------------------------------------------------------- ledger_purchase
SET LOCAL ROLE cameos_credits;
SELECT pg_temp.as_service();
SELECT results_eq(
    $$SELECT user_id, amount, transaction_type, description, generation_id, balance
        FROM ledger_purchase('8a000000-0000-4000-8000-00000000000a',
                             (SELECT id FROM pricing_tiers WHERE name = 'Pro'), 'pay_123', '')$$,
    $$VALUES ('8a000000-0000-4000-8000-00000000000a'::uuid, 1500, 'purchase'::text,
              'Purchase of the Pro tier'::text, NULL::uuid, 1751)$$,
    'purchase: the Pro tier adds 1500 credits');
SELECT results_eq(
    $$SELECT metadata->>'tier_name', metadata->>'price', metadata->>'payment_reference',
             (metadata->>'tier_id')::uuid = (SELECT id FROM pricing_tiers WHERE name = 'Pro'),
             jsonb_typeof(metadata->'price')
        FROM credit_transactions WHERE user_id = '8a000000-0000-4000-8000-00000000000a'
         AND transaction_type = 'purchase'$$,
    $$VALUES ('Pro'::text, '99.99'::text, 'pay_123'::text, true, 'string'::text)$$,
    'purchase: metadata has tier_id, tier_name, the exact price as text and the payment reference');
SELECT is(pg_temp.state('8a000000-0000-4000-8000-00000000000a'), '1751/100/6',
          'purchase: credits +1500, total_spent unchanged');
SELECT is((SELECT metadata->>'price' FROM ledger_purchase('8a000000-0000-4000-8000-00000000000b',
                                                          (SELECT id FROM pricing_tiers WHERE name = 'Starter'),
                                                          NULL, '')),
          '9.99', 'purchase: Starter costs exactly 9.99');
SELECT throws_ok($$SELECT * FROM ledger_purchase('8a000000-0000-4000-8000-00000000000a',
                                                  '8a000000-0000-4000-8000-0000000000f0', 'p', '')$$,
                 'CM412', 'pricing tier is not active', 'purchase: an inactive tier is CM412');
SELECT throws_ok($$SELECT * FROM ledger_purchase('8a000000-0000-4000-8000-00000000000a',
                                                  '8a000000-0000-4000-8000-0000000000fe', 'p', '')$$,
                 'CM404', 'pricing tier not found', 'purchase: an unknown tier is CM404');
SELECT throws_ok($$SELECT * FROM ledger_purchase('8a000000-0000-4000-8000-00000000000a', NULL, 'p', '')$$,
                 'CM400', 'tier_id is required', 'purchase: a missing tier is CM400');
SELECT throws_ok($$SELECT * FROM ledger_purchase('8a000000-0000-4000-8000-00000000000a',
                                                  (SELECT id FROM pricing_tiers WHERE name = 'Pro'), repeat('p', 256), '')$$,
                 'CM400', 'payment_reference must be at most 255 characters', 'purchase: an over-long payment reference is CM400');
SELECT throws_ok($$SELECT * FROM ledger_purchase('8a000000-0000-4000-8000-0000000000ee',
                                                  (SELECT id FROM pricing_tiers WHERE name = 'Pro'), 'p', '')$$,
                 'CM404', 'user not found', 'purchase: an unknown user is CM404');
SELECT throws_ok($$SELECT * FROM ledger_purchase('8a000000-0000-4000-8000-00000000000a',
                                                  '8a000000-0000-4000-8000-0000000000f1', 'p', '')$$,
                 'CM412', 'the balance would exceed the largest allowed value',
                 'purchase: overflowing the balance is CM412');
SELECT pg_temp.as_user('8a000000-0000-4000-8000-00000000000b');
SELECT throws_ok($$SELECT * FROM ledger_purchase('8a000000-0000-4000-8000-00000000000a',
                                                  (SELECT id FROM pricing_tiers WHERE name = 'Pro'), 'p', '')$$,
                 'CM403', NULL, 'purchase: B cannot buy for A');
SELECT pg_temp.claims('{"role":"authenticated"}');
SELECT throws_ok($$SELECT * FROM ledger_purchase('8a000000-0000-4000-8000-00000000000a',
                                                  (SELECT id FROM pricing_tiers WHERE name = 'Pro'), 'p', '')$$,
                 'CM403', NULL, 'purchase: an authenticated token without sub is CM403');
SELECT is(pg_temp.state('8a000000-0000-4000-8000-00000000000a'), '1751/100/6', 'purchase: failed calls wrote nothing');
RESET ROLE;

-- --------------------------------------------------------------- ledger_refund
SET LOCAL ROLE cameos_content;
SELECT pg_temp.as_service();
-- g2: charged 15, then failed
SELECT is((SELECT balance FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 15, 'Veo fast',
                                            '8a000000-0000-4000-8000-0000000000a2', '')),
          1736, 'refund setup: g2 charged 15');
SELECT throws_ok($$SELECT * FROM ledger_refund('8a000000-0000-4000-8000-00000000000a',
                                                '8a000000-0000-4000-8000-0000000000a2', '', '')$$,
                 'CM412', 'only a failed generation can be refunded', 'refund: a generating generation is CM412');
UPDATE generations SET status = 'success' WHERE id = '8a000000-0000-4000-8000-0000000000a2';
SELECT throws_ok($$SELECT * FROM ledger_refund('8a000000-0000-4000-8000-00000000000a',
                                                '8a000000-0000-4000-8000-0000000000a2', '', '')$$,
                 'CM412', 'only a failed generation can be refunded', 'refund: a successful generation is CM412');
UPDATE generations SET status = 'error', error_message = 'model failed', completed_at = now()
 WHERE id = '8a000000-0000-4000-8000-0000000000a2';
SELECT results_eq(
    $$SELECT user_id, amount, transaction_type, description, generation_id, balance
        FROM ledger_refund('8a000000-0000-4000-8000-00000000000a',
                           '8a000000-0000-4000-8000-0000000000a2', '', 'Generation failed')$$,
    $$VALUES ('8a000000-0000-4000-8000-00000000000a'::uuid, 15, 'refund'::text, 'Generation failed'::text,
              '8a000000-0000-4000-8000-0000000000a2'::uuid, 1751)$$,
    'refund: exactly the debit of the failed generation comes back');
RESET ROLE;
SELECT is((SELECT metadata->>'refunded_transaction_id' FROM credit_transactions
            WHERE generation_id = '8a000000-0000-4000-8000-0000000000a2' AND transaction_type = 'refund'),
          (SELECT id::text FROM credit_transactions
            WHERE generation_id = '8a000000-0000-4000-8000-0000000000a2' AND transaction_type = 'generation'),
          'refund: metadata names the refunded debit');
SET LOCAL ROLE cameos_content;
SELECT is(pg_temp.state('8a000000-0000-4000-8000-00000000000a'), '1751/100/8',
          'refund: credits +15 and total_spent -15 (back to 100)');
SELECT throws_ok($$SELECT * FROM ledger_refund('8a000000-0000-4000-8000-00000000000a',
                                                '8a000000-0000-4000-8000-0000000000a2', '', '')$$,
                 'CM412', 'generation was already refunded', 'refund: a second refund is CM412');
SELECT throws_ok($$SELECT * FROM ledger_refund('8a000000-0000-4000-8000-00000000000a',
                                                '8a000000-0000-4000-8000-0000000000a3', '', '')$$,
                 'CM412', 'generation was never charged', 'refund: an uncharged generation is CM412');
SELECT throws_ok($$SELECT * FROM ledger_refund('8a000000-0000-4000-8000-00000000000a',
                                                '8a000000-0000-4000-8000-0000000000b1', '', '')$$,
                 'CM404', 'generation not found', 'refund: B''s generation is CM404 for A');
SELECT throws_ok($$SELECT * FROM ledger_refund('8a000000-0000-4000-8000-00000000000a',
                                                '8a000000-0000-4000-8000-0000000000ff', '', '')$$,
                 'CM404', 'generation not found', 'refund: an unknown generation is CM404');
SELECT throws_ok($$SELECT * FROM ledger_refund('8a000000-0000-4000-8000-00000000000a', NULL, '', '')$$,
                 'CM400', 'generation_id is required', 'refund: a missing generation is CM400');
SELECT throws_ok($$SELECT * FROM ledger_refund('8a000000-0000-4000-8000-0000000000ee',
                                                '8a000000-0000-4000-8000-0000000000a2', '', '')$$,
                 'CM404', 'user not found', 'refund: an unknown user is CM404');
SELECT pg_temp.as_user('8a000000-0000-4000-8000-00000000000b');
SELECT throws_ok($$SELECT * FROM ledger_refund('8a000000-0000-4000-8000-00000000000a',
                                                '8a000000-0000-4000-8000-0000000000a2', '', '')$$,
                 'CM403', NULL, 'refund: B cannot refund for A');
SELECT pg_temp.claims('');
SELECT throws_ok($$SELECT * FROM ledger_refund('8a000000-0000-4000-8000-00000000000a',
                                                '8a000000-0000-4000-8000-0000000000a2', '', '')$$,
                 'CM403', NULL, 'refund: no claims is CM403');
-- g4: charged, failed, refunded by the user's own session (CreateGeneration-style caller)
SELECT pg_temp.as_user('8a000000-0000-4000-8000-00000000000a');
SELECT is((SELECT amount FROM ledger_spend('8a000000-0000-4000-8000-00000000000a', 7, 'odd price',
                                           '8a000000-0000-4000-8000-0000000000a4', '')),
          -7, 'refund setup: g4 charged 7');
UPDATE generations SET status = 'error' WHERE id = '8a000000-0000-4000-8000-0000000000a4';
SELECT is((SELECT amount FROM ledger_refund('8a000000-0000-4000-8000-00000000000a',
                                            '8a000000-0000-4000-8000-0000000000a4', '', NULL)),
          7, 'refund: the refund equals the debit (7), whatever the model''s list price');
RESET ROLE;
SELECT is((SELECT description FROM credit_transactions
            WHERE generation_id = '8a000000-0000-4000-8000-0000000000a4' AND transaction_type = 'refund'),
          'Refund for failed generation', 'refund: default description');

-- ------------------------------------------------- the tables back the rules up
SELECT throws_ok($$INSERT INTO credit_transactions (user_id, amount, transaction_type, generation_id)
                   VALUES ('8a000000-0000-4000-8000-00000000000a', -1, 'generation',
                           '8a000000-0000-4000-8000-0000000000a1')$$,
                 '23505', NULL, 'a second debit row for a generation is impossible even for the owner');
SELECT throws_ok($$INSERT INTO credit_transactions (user_id, amount, transaction_type, generation_id)
                   VALUES ('8a000000-0000-4000-8000-00000000000a', 1, 'refund',
                           '8a000000-0000-4000-8000-0000000000a2')$$,
                 '23505', NULL, 'a second refund row for a generation is impossible even for the owner');
SELECT throws_ok($$UPDATE user_profiles SET credits = -1 WHERE id = '8a000000-0000-4000-8000-00000000000a'$$,
                 '23514', NULL, 'a negative balance is impossible even for the owner');

-- -------------------------------------------------------------- invariants
SELECT is_empty($$
    SELECT p.id FROM user_profiles p
      LEFT JOIN credit_transactions t ON t.user_id = p.id
     WHERE p.id IN ('8a000000-0000-4000-8000-00000000000a', '8a000000-0000-4000-8000-00000000000b')
     GROUP BY p.id, p.credits, p.total_spent
    HAVING p.credits <> coalesce(sum(t.amount), 0)
        OR p.total_spent <> -coalesce(sum(t.amount) FILTER (WHERE t.transaction_type = 'generation'), 0)
                            - coalesce(sum(t.amount) FILTER (WHERE t.transaction_type = 'refund'), 0)
        OR p.credits < 0$$,
    'invariants: credits = sum(amount), total_spent = -debits - refunds, credits >= 0');
SELECT is_empty($$
    SELECT r.generation_id FROM credit_transactions r
      JOIN credit_transactions d ON d.generation_id = r.generation_id AND d.transaction_type = 'generation'
      JOIN generations g ON g.id = r.generation_id
     WHERE r.transaction_type = 'refund'
       AND r.user_id IN ('8a000000-0000-4000-8000-00000000000a', '8a000000-0000-4000-8000-00000000000b')
       AND (r.amount <> -d.amount OR g.status <> 'error')$$,
    'invariants: every refund equals its debit and belongs to a failed generation');
SELECT results_eq(
    $$SELECT credits, total_spent FROM user_profiles
       WHERE id IN ('8a000000-0000-4000-8000-00000000000a', '8a000000-0000-4000-8000-00000000000b') ORDER BY id$$,
    $$VALUES (1751, 100::numeric), (160, 40)$$,
    'final balances: A 1751 (spent 100), B 160 (spent 40)');
SELECT is((SELECT count(*)::int FROM request_keys
            WHERE user_id IN ('8a000000-0000-4000-8000-00000000000a', '8a000000-0000-4000-8000-00000000000b')),
          0, 'an empty request_id stores no key');

SELECT * FROM finish();
ROLLBACK;
