-- RLS and privileges on CreditsService's tables (user_profiles,
-- credit_transactions, pricing_tiers) seen through cameos_credits.
BEGIN;
SELECT plan(47);

\ir helpers.sql

-- A and B (superuser insert; the trigger makes profiles and bonuses)
INSERT INTO auth.users (id, email, raw_user_meta_data) VALUES
    ('4a000000-0000-4000-8000-00000000000a', 'pgtap.credits.a@example.test', '{"username":"pgtapzq_cr_a"}'),
    ('4a000000-0000-4000-8000-00000000000b', 'pgtap.credits.b@example.test', '{"username":"pgtapzq_cr_b"}');
INSERT INTO pricing_tiers (id, name, credits, price, is_active, sort_order)
VALUES ('4a000000-0000-4000-8000-0000000000f0', 'pgtap retired tier', 10, 1.00, false, 99);

SET LOCAL ROLE cameos_credits;

-- user_profiles as A
SELECT pg_temp.as_user('4a000000-0000-4000-8000-00000000000a');
SELECT results_eq($$SELECT id FROM user_profiles$$,
                  $$VALUES ('4a000000-0000-4000-8000-00000000000a'::uuid)$$,
                  'profiles: A sees exactly A''s profile');
SELECT is_empty($$SELECT 1 FROM user_profiles WHERE id = '4a000000-0000-4000-8000-00000000000b'$$,
                'profiles: A cannot read B''s profile');
SELECT results_eq($$UPDATE user_profiles SET username = 'pgtapzq_cr_a2', avatar_url = 'https://x/a.png'
                     WHERE id = '4a000000-0000-4000-8000-00000000000a' RETURNING username, avatar_url$$,
                  $$VALUES ('pgtapzq_cr_a2'::text, 'https://x/a.png'::text)$$,
                  'profiles: A updates A''s username and avatar_url');
SELECT is_empty($$UPDATE user_profiles SET username = 'pgtapzq_hijack'
                   WHERE id = '4a000000-0000-4000-8000-00000000000b' RETURNING 1$$,
                'profiles: A cannot update B''s profile (no row matches)');
SELECT throws_ok($$UPDATE user_profiles SET credits = 100000 WHERE id = '4a000000-0000-4000-8000-00000000000a'$$,
                 '42501', NULL, 'profiles: A cannot change A''s credits');
SELECT throws_ok($$UPDATE user_profiles SET total_spent = 0 WHERE id = '4a000000-0000-4000-8000-00000000000a'$$,
                 '42501', NULL, 'profiles: A cannot change A''s total_spent');
SELECT throws_ok($$UPDATE user_profiles SET id = '4a000000-0000-4000-8000-00000000000b' WHERE true$$,
                 '42501', NULL, 'profiles: the id column is not updatable');
SELECT throws_ok($$UPDATE user_profiles SET created_at = now() WHERE true$$,
                 '42501', NULL, 'profiles: created_at is not updatable');
SELECT throws_ok($$INSERT INTO user_profiles (id, username) VALUES ('4a000000-0000-4000-8000-00000000000c', 'pgtapzq_new')$$,
                 '42501', NULL, 'profiles: nobody inserts profiles directly');
SELECT throws_ok($$DELETE FROM user_profiles WHERE id = '4a000000-0000-4000-8000-00000000000b'$$,
                 '42501', NULL, 'profiles: A cannot delete B''s profile');
SELECT throws_ok($$DELETE FROM user_profiles WHERE id = '4a000000-0000-4000-8000-00000000000a'$$,
                 '42501', NULL, 'profiles: nor A''s own');
SELECT throws_ok($$UPDATE user_profiles SET username = 'pgtapzq_cr_b' WHERE id = '4a000000-0000-4000-8000-00000000000a'$$,
                 '23505', NULL, 'profiles: usernames are unique (B''s name is taken)');
SELECT throws_ok($$UPDATE user_profiles SET username = 'bad name' WHERE id = '4a000000-0000-4000-8000-00000000000a'$$,
                 '23514', NULL, 'profiles: usernames must be 3 to 32 of [A-Za-z0-9_.-]');

-- credit_transactions as A
SELECT results_eq($$SELECT user_id, amount FROM credit_transactions$$,
                  $$VALUES ('4a000000-0000-4000-8000-00000000000a'::uuid, 100)$$,
                  'transactions: A sees exactly A''s welcome bonus');
SELECT is_empty($$SELECT 1 FROM credit_transactions WHERE user_id = '4a000000-0000-4000-8000-00000000000b'$$,
                'transactions: A cannot read B''s transactions');
SELECT throws_ok($$INSERT INTO credit_transactions (user_id, amount, transaction_type)
                   VALUES ('4a000000-0000-4000-8000-00000000000a', 1000, 'bonus')$$,
                 '42501', NULL, 'transactions: A cannot insert A''s transactions');
SELECT throws_ok($$INSERT INTO credit_transactions (user_id, amount, transaction_type)
                   VALUES ('4a000000-0000-4000-8000-00000000000b', 1000, 'bonus')$$,
                 '42501', NULL, 'transactions: A cannot insert B''s transactions');
SELECT throws_ok($$UPDATE credit_transactions SET amount = 1000 WHERE true$$,
                 '42501', NULL, 'transactions: A cannot update transactions');
SELECT throws_ok($$DELETE FROM credit_transactions WHERE true$$,
                 '42501', NULL, 'transactions: A cannot delete transactions');

-- pricing_tiers as A
SELECT results_eq($$SELECT count(*)::int FROM pricing_tiers$$,
                  $$SELECT count(*)::int FROM pricing_tiers WHERE is_active$$,
                  'tiers: A sees the active tiers');
SELECT is_empty($$SELECT 1 FROM pricing_tiers WHERE NOT is_active$$,
                'tiers: A does not see inactive tiers');
SELECT results_eq($$SELECT name, credits, price::text FROM pricing_tiers
                    WHERE name IN ('Starter', 'Creator', 'Pro', 'Enterprise') ORDER BY sort_order$$,
                  $$VALUES ('Starter'::text, 100, '9.99'::text), ('Creator', 500, '39.99'),
                           ('Pro', 1500, '99.99'), ('Enterprise', 5000, '299.99')$$,
                  'tiers: the four default tiers with exact prices');
SELECT throws_ok($$UPDATE pricing_tiers SET price = 0 WHERE true$$, '42501', NULL,
                 'tiers: A cannot change prices');
SELECT throws_ok($$INSERT INTO pricing_tiers (name, credits, price) VALUES ('Free', 1000000, 0)$$,
                 '42501', NULL, 'tiers: A cannot add tiers');

-- B sees only B; B cannot touch A
SELECT pg_temp.as_user('4a000000-0000-4000-8000-00000000000b');
SELECT results_eq($$SELECT id, username FROM user_profiles$$,
                  $$VALUES ('4a000000-0000-4000-8000-00000000000b'::uuid, 'pgtapzq_cr_b'::text)$$,
                  'profiles: B sees only B''s profile, unchanged by A''s attempt');
SELECT is_empty($$UPDATE user_profiles SET avatar_url = 'https://evil'
                   WHERE id = '4a000000-0000-4000-8000-00000000000a' RETURNING 1$$,
                'profiles: B cannot update A''s profile');
SELECT throws_ok($$UPDATE user_profiles SET id = id WHERE true$$, '42501', NULL,
                 'profiles: B cannot rewrite ids');

-- no claims: nothing
SELECT pg_temp.claims('');
SELECT is_empty($$SELECT 1 FROM user_profiles$$, 'no claims: no profiles');
SELECT is_empty($$SELECT 1 FROM credit_transactions$$, 'no claims: no transactions');
SELECT is_empty($$SELECT 1 FROM pricing_tiers$$, 'no claims: no tiers');
SELECT is_empty($$SELECT 1 FROM auth.users$$, 'no claims: no users');
SELECT is_empty($$UPDATE user_profiles SET avatar_url = 'x' WHERE true RETURNING 1$$,
                'no claims: updates nothing');

-- an unknown role claim is no better than none
SELECT pg_temp.claims('{"sub":"4a000000-0000-4000-8000-00000000000a","role":"anon"}');
SELECT is_empty($$SELECT 1 FROM pricing_tiers$$, 'role anon: no tiers');

-- service_role: any user, still no direct balance writes
SELECT pg_temp.claims('{"role":"service_role"}');
SELECT results_eq($$SELECT count(*)::int FROM user_profiles
                    WHERE id IN ('4a000000-0000-4000-8000-00000000000a', '4a000000-0000-4000-8000-00000000000b')$$,
                  $$VALUES (2)$$, 'service_role sees every profile');
SELECT results_eq($$SELECT count(*)::int FROM credit_transactions
                    WHERE user_id IN ('4a000000-0000-4000-8000-00000000000a', '4a000000-0000-4000-8000-00000000000b')$$,
                  $$VALUES (2)$$, 'service_role sees every transaction');
SELECT isnt_empty($$SELECT 1 FROM pricing_tiers WHERE id = '4a000000-0000-4000-8000-0000000000f0'$$,
                  'service_role sees inactive tiers too');
SELECT isnt_empty($$SELECT 1 FROM auth.users WHERE id = '4a000000-0000-4000-8000-00000000000b'$$,
                  'service_role reads auth.users');
SELECT results_eq($$UPDATE user_profiles SET avatar_url = 'https://x/b.png'
                     WHERE id = '4a000000-0000-4000-8000-00000000000b' RETURNING avatar_url$$,
                  $$VALUES ('https://x/b.png'::text)$$, 'service_role updates any profile''s avatar');
SELECT throws_ok($$UPDATE user_profiles SET credits = credits + 1 WHERE true$$, '42501', NULL,
                 'service_role cannot change credits directly');
SELECT throws_ok($$UPDATE user_profiles SET total_spent = 0 WHERE true$$, '42501', NULL,
                 'service_role cannot change total_spent directly');
SELECT throws_ok($$INSERT INTO credit_transactions (user_id, amount, transaction_type)
                   VALUES ('4a000000-0000-4000-8000-00000000000a', 5, 'bonus')$$,
                 '42501', NULL, 'service_role cannot insert transactions directly');
SELECT throws_ok($$DELETE FROM credit_transactions WHERE true$$, '42501', NULL,
                 'service_role cannot delete transactions');
RESET ROLE;

-- what actually happened, seen by the superuser
SELECT results_eq($$SELECT username, avatar_url, credits, total_spent FROM user_profiles
                    WHERE id IN ('4a000000-0000-4000-8000-00000000000a', '4a000000-0000-4000-8000-00000000000b')
                    ORDER BY id$$,
                  $$VALUES ('pgtapzq_cr_a2'::text, 'https://x/a.png'::text, 100, 0::numeric),
                           ('pgtapzq_cr_b', 'https://x/b.png', 100, 0)$$,
                  'only the allowed changes landed');
SELECT is((SELECT count(*)::int FROM credit_transactions
            WHERE user_id IN ('4a000000-0000-4000-8000-00000000000a', '4a000000-0000-4000-8000-00000000000b')),
          2, 'no transaction was written by the attempts');
UPDATE user_profiles SET updated_at = '2000-01-01' WHERE id = '4a000000-0000-4000-8000-00000000000a';
SELECT is((SELECT updated_at FROM user_profiles WHERE id = '4a000000-0000-4000-8000-00000000000a'),
          now(), 'updated_at is stamped on update');
SELECT column_privs_are('public', 'user_profiles', 'username', 'cameos_credits',
                        ARRAY['SELECT', 'UPDATE'], 'cameos_credits may update username');
SELECT column_privs_are('public', 'user_profiles', 'credits', 'cameos_credits',
                        ARRAY['SELECT'], 'cameos_credits may only read credits');

SELECT * FROM finish();
ROLLBACK;
