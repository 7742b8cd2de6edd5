-- handle_new_user(): every auth.users insert (CreateUser, run by
-- cameos_credits with a service_role token) makes a profile with 100
-- credits, a unique valid username, and a +100 'Welcome bonus' transaction.
BEGIN;
SELECT plan(38);

\ir helpers.sql

SET LOCAL ROLE cameos_credits;
SELECT pg_temp.claims('{"role":"service_role"}');

-- 1. username from metadata
SELECT lives_ok($$INSERT INTO auth.users (id, email, raw_user_meta_data)
                  VALUES ('3a000000-0000-4000-8000-000000000001', 'pgtapzq.one@example.test',
                          '{"username":"pgtapzq_alice"}')$$,
                'cameos_credits (service_role) creates a user');
SELECT results_eq(
    $$SELECT username, credits, total_spent FROM user_profiles
       WHERE id = '3a000000-0000-4000-8000-000000000001'$$,
    $$VALUES ('pgtapzq_alice'::text, 100, 0::numeric)$$,
    'profile: username from metadata, 100 credits, nothing spent');
SELECT results_eq(
    $$SELECT amount, transaction_type, description, generation_id, metadata
        FROM credit_transactions WHERE user_id = '3a000000-0000-4000-8000-000000000001'$$,
    $$VALUES (100, 'bonus'::text, 'Welcome bonus'::text, NULL::uuid, '{}'::jsonb)$$,
    'exactly one +100 bonus transaction, the welcome bonus');
SELECT is((SELECT created_at FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000001'),
          now(), 'profile created_at defaults to now()');

-- 2. the same requested username again: made unique with a suffix
INSERT INTO auth.users (id, email, raw_user_meta_data)
VALUES ('3a000000-0000-4000-8000-000000000002', 'pgtapzq.two@example.test', '{"username":"pgtapzq_alice"}'),
       ('3a000000-0000-4000-8000-000000000003', 'pgtapzq.three@example.test', '{"username":"pgtapzq_alice"}');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000002'),
          'pgtapzq_alice1', 'a taken username gets suffix 1');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000003'),
          'pgtapzq_alice2', 'then suffix 2');

-- 3. derived from the email's local part
INSERT INTO auth.users (id, email) VALUES
    ('3a000000-0000-4000-8000-000000000004', 'pgtapzq.bob+tag@example.test');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000004'),
          'pgtapzq.bob_tag', 'no metadata: local part of the email, invalid characters become _');

INSERT INTO auth.users (id, email, raw_user_meta_data) VALUES
    ('3a000000-0000-4000-8000-000000000005', 'pgtapzq.carol@example.test', '{"username":"has space"}'),
    ('3a000000-0000-4000-8000-000000000006', 'pgtapzq.dave@example.test', '{"username":"ab"}'),
    ('3a000000-0000-4000-8000-000000000007', 'pgtapzq.erin@example.test',
     '{"username":"pgtapzq_1234567890123456789012345"}'),
    ('3a000000-0000-4000-8000-000000000008', 'pgtapzq.frank@example.test', '{"username":42}'),
    ('3a000000-0000-4000-8000-000000000009', 'pgtapzq.gina@example.test', '{"username":"pgtapzq_gïna"}'),
    ('3a000000-0000-4000-8000-00000000000a', 'pgtapzq.hank@example.test', '{"username":null}');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000005'),
          'pgtapzq.carol', 'metadata username with a space is ignored');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000006'),
          'pgtapzq.dave', 'metadata username shorter than 3 is ignored');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000007'),
          'pgtapzq.erin', 'metadata username longer than 32 is ignored');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000008'),
          'pgtapzq.frank', 'a numeric metadata username (42) is too short and ignored');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000009'),
          'pgtapzq.gina', 'metadata username with a non-ASCII letter is ignored');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-00000000000a'),
          'pgtapzq.hank', 'a JSON null username is ignored');

INSERT INTO auth.users (id, email, raw_user_meta_data) VALUES
    ('3a000000-0000-4000-8000-00000000000b', 'pgtapzq_exactly_thirty_two_chars@example.test', '{}'),
    ('3a000000-0000-4000-8000-00000000000c', 'pgtapzq_a_local_part_that_is_longer_than_32@example.test', '{}'),
    ('3a000000-0000-4000-8000-00000000000d', 'pgtapzq_a_local_part_that_is_longer_than_32@other.test', '{}'),
    ('3a000000-0000-4000-8000-00000000000e', 'pgtapzq_jösé@example.test', '{}'),
    ('3a000000-0000-4000-8000-00000000000f', 'Q9@example.test', '{}'),
    ('3a000000-0000-4000-8000-000000000010', '@example.test', '{}'),
    ('3a000000-0000-4000-8000-000000000011', 'pgtapzq_u0@example.test',
     '{"username":"pgtapzq_exactly_thirty_two_chars"}');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-00000000000b'),
          'pgtapzq_exactly_thirty_two_chars', 'a 32-character local part is kept whole');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-00000000000c'),
          'pgtapzq_a_local_part_that_is_lon', 'a longer local part is truncated to 32');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-00000000000d'),
          'pgtapzq_a_local_part_that_is_lo1', 'the suffix replaces the tail so the name stays at 32');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-00000000000e'),
          'pgtapzq_j_s_', 'non-ASCII letters become _ one per character');
SELECT matches((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-00000000000f'),
          '^Q9_[0-9]*$', 'a 2-character local part is padded with _ to 3');
SELECT matches((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000010'),
          '^user[0-9]*$', 'an empty local part gives "user"');
SELECT is((SELECT username FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000011'),
          'pgtapzq_exactly_thirty_two_char1', 'a taken 32-character metadata name is suffixed within 32');

SELECT is_empty(
    $$SELECT username FROM user_profiles
       WHERE id::text LIKE '3a000000-%' AND username !~ '^[A-Za-z0-9_.-]{3,32}$'$$,
    'every derived username is 3 to 32 of [A-Za-z0-9_.-]');
SELECT results_eq(
    $$SELECT count(*)::int, sum(amount)::int, bool_and(transaction_type = 'bonus')
        FROM credit_transactions WHERE user_id::text LIKE '3a000000-%'$$,
    $$SELECT count(*)::int, sum(credits)::int, true FROM user_profiles WHERE id::text LIKE '3a000000-%'$$,
    'one welcome bonus per new user, balances equal the ledger');

-- 4. many users deriving the same name all succeed with distinct names
INSERT INTO auth.users (email)
SELECT 'pgtapzq_same@d' || g || '.example.test' FROM generate_series(1, 25) g;
SELECT results_eq(
    $$SELECT count(*)::int, count(DISTINCT username)::int FROM user_profiles
       WHERE username LIKE 'pgtapzq\_same%'$$,
    $$VALUES (25, 25)$$,
    '25 users with the same local part get 25 distinct usernames');
SELECT is((SELECT username FROM user_profiles WHERE username LIKE 'pgtapzq\_same%'
            ORDER BY length(username) DESC, username DESC LIMIT 1),
          'pgtapzq_same24', 'suffixes count up');

-- 5. RETURNING works for the inserting service (CreateUser reads the row back)
SELECT results_eq(
    $$INSERT INTO auth.users (id, email, raw_user_meta_data)
      VALUES ('3a000000-0000-4000-8000-000000000012', 'pgtapzq.ret@example.test', '{"a":1}')
      RETURNING id, email, raw_user_meta_data$$,
    $$VALUES ('3a000000-0000-4000-8000-000000000012'::uuid, 'pgtapzq.ret@example.test'::text, '{"a":1}'::jsonb)$$,
    'INSERT ... RETURNING on auth.users');
SELECT lives_ok($$INSERT INTO auth.users (email) VALUES ('pgtapzq.noid@example.test')$$,
                'id defaults to a new uuid');
SELECT throws_ok($$INSERT INTO auth.users (email) VALUES ('pgtapzq.one@example.test')$$,
                 '23505', NULL, 'email is unique');

-- 6. only service_role may create users
SELECT pg_temp.claims('{"sub":"3a000000-0000-4000-8000-000000000001","role":"authenticated"}');
SELECT throws_ok($$INSERT INTO auth.users (email) VALUES ('pgtapzq.user@example.test')$$,
                 '42501', NULL, 'an authenticated user cannot create users');
SELECT is((SELECT count(*)::int FROM auth.users), 0, 'an authenticated user sees no auth.users rows');
SELECT pg_temp.claims('');
SELECT throws_ok($$INSERT INTO auth.users (email) VALUES ('pgtapzq.anon@example.test')$$,
                 '42501', NULL, 'a session without claims cannot create users');
SELECT is((SELECT count(*)::int FROM auth.users), 0, 'a session without claims sees no auth.users rows');
SELECT pg_temp.claims('{"role":"service_role"}');
SELECT throws_ok($$UPDATE auth.users SET email = 'x@y' WHERE id = '3a000000-0000-4000-8000-000000000001'$$,
                 '42501', NULL, 'cameos_credits cannot update auth.users');
SELECT throws_ok($$DELETE FROM auth.users WHERE id = '3a000000-0000-4000-8000-000000000001'$$,
                 '42501', NULL, 'cameos_credits cannot delete auth.users');
RESET ROLE;

SET LOCAL ROLE cameos_content;
SELECT throws_ok($$INSERT INTO auth.users (email) VALUES ('pgtapzq.content@example.test')$$,
                 '42501', NULL, 'cameos_content cannot create users');
RESET ROLE;
SET LOCAL ROLE cameos_planning;
SELECT throws_ok($$SELECT * FROM auth.users$$, '42501', NULL, 'cameos_planning cannot read users');
RESET ROLE;

-- 7. updated_at follows updates of auth.users; deleting a user removes everything of theirs
UPDATE auth.users SET updated_at = '2000-01-01', created_at = '2000-01-01'
 WHERE id = '3a000000-0000-4000-8000-000000000001';
SELECT is((SELECT updated_at FROM auth.users WHERE id = '3a000000-0000-4000-8000-000000000001'),
          now(), 'the updated_at trigger stamps auth.users updates');
DELETE FROM auth.users WHERE id = '3a000000-0000-4000-8000-000000000001';
SELECT is((SELECT count(*)::int FROM user_profiles WHERE id = '3a000000-0000-4000-8000-000000000001'),
          0, 'deleting the auth user deletes the profile');
SELECT is((SELECT count(*)::int FROM credit_transactions WHERE user_id = '3a000000-0000-4000-8000-000000000001'),
          0, 'and the transactions');

SELECT * FROM finish();
ROLLBACK;
