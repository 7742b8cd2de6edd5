-- RLS on ContentService's tables, through cameos_content: generations,
-- performance_metrics, style_presets, tool_configurations,
-- platform_configurations, generation_pricing.
BEGIN;
SELECT plan(99);

CREATE FUNCTION pg_temp.claims(text) RETURNS void LANGUAGE sql
AS $$ SELECT set_config('request.jwt.claims', $1, true); $$;
CREATE FUNCTION pg_temp.as_user(uuid) RETURNS void LANGUAGE sql
AS $$ SELECT set_config('request.jwt.claims',
                        json_build_object('sub', $1, 'role', 'authenticated')::text, true); $$;

-- The same 18 checks for every user-owned table, run as the service role
-- p_role: A can insert, read, update (and, where users may, delete) A's
-- rows; B can neither read, update, delete A's rows nor insert rows for A;
-- without claims nothing is visible or writable; service_role sees and
-- writes for anyone. p_cols/p_vals give the other columns of a new row,
-- p_set an allowed change.
CREATE FUNCTION pg_temp.isolation_suite(p_role text, p_table text, p_cols text, p_vals text,
                                        p_set text, p_users_delete boolean, p_a uuid, p_b uuid)
RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    t     text := p_table || ': ';
    v_row uuid;
    v_n   bigint;
BEGIN
    PERFORM set_config('role', p_role, true);

    PERFORM pg_temp.as_user(p_a);
    EXECUTE format('INSERT INTO %I (user_id, %s) VALUES (%L, %s) RETURNING id',
                   p_table, p_cols, p_a, p_vals) INTO v_row;
    RETURN NEXT ok(v_row IS NOT NULL, t || 'A inserts a row of A''s');
    EXECUTE format('SELECT count(*) FROM %I WHERE id = %L', p_table, v_row) INTO v_n;
    RETURN NEXT is(v_n, 1::bigint, t || 'A reads A''s row');
    EXECUTE format('UPDATE %I SET %s WHERE id = %L', p_table, p_set, v_row);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN NEXT is(v_n, 1::bigint, t || 'A updates A''s row');
    RETURN NEXT throws_ok(format('UPDATE %I SET user_id = %L WHERE id = %L', p_table, p_b, v_row),
                          '42501', NULL, t || 'A cannot hand A''s row over to B');
    RETURN NEXT throws_ok(format('INSERT INTO %I (user_id, %s) VALUES (%L, %s)',
                                 p_table, p_cols, p_b, p_vals),
                          '42501', NULL, t || 'A cannot insert a row for B');

    PERFORM pg_temp.as_user(p_b);
    EXECUTE format('SELECT count(*) FROM %I WHERE user_id <> %L', p_table, p_b) INTO v_n;
    RETURN NEXT is(v_n, 0::bigint, t || 'B sees no one else''s rows');
    EXECUTE format('SELECT count(*) FROM %I WHERE id = %L', p_table, v_row) INTO v_n;
    RETURN NEXT is(v_n, 0::bigint, t || 'B cannot read A''s row');
    EXECUTE format('UPDATE %I SET %s WHERE id = %L', p_table, p_set, v_row);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN NEXT is(v_n, 0::bigint, t || 'B cannot update A''s row');
    EXECUTE format('DELETE FROM %I WHERE id = %L', p_table, v_row);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN NEXT is(v_n, 0::bigint, t || 'B cannot delete A''s row');
    RETURN NEXT throws_ok(format('INSERT INTO %I (user_id, %s) VALUES (%L, %s)',
                                 p_table, p_cols, p_a, p_vals),
                          '42501', NULL, t || 'B cannot insert a row for A');

    PERFORM pg_temp.claims('');
    EXECUTE format('SELECT count(*) FROM %I', p_table) INTO v_n;
    RETURN NEXT is(v_n, 0::bigint, t || 'no claims: sees nothing');
    EXECUTE format('UPDATE %I SET %s WHERE true', p_table, p_set);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN NEXT is(v_n, 0::bigint, t || 'no claims: updates nothing');
    EXECUTE format('DELETE FROM %I WHERE true', p_table);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN NEXT is(v_n, 0::bigint, t || 'no claims: deletes nothing');
    RETURN NEXT throws_ok(format('INSERT INTO %I (user_id, %s) VALUES (%L, %s)',
                                 p_table, p_cols, p_a, p_vals),
                          '42501', NULL, t || 'no claims: inserts nothing');

    PERFORM pg_temp.claims('{"role":"service_role"}');
    EXECUTE format('SELECT count(*) FROM %I WHERE id = %L', p_table, v_row) INTO v_n;
    RETURN NEXT is(v_n, 1::bigint, t || 'service_role reads A''s row');
    RETURN NEXT lives_ok(format('INSERT INTO %I (user_id, %s) VALUES (%L, %s)',
                                p_table, p_cols, p_b, p_vals),
                         t || 'service_role inserts for any user');

    PERFORM pg_temp.as_user(p_a);
    EXECUTE format('DELETE FROM %I WHERE id = %L', p_table, v_row);
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF p_users_delete THEN
        RETURN NEXT is(v_n, 1::bigint, t || 'A deletes A''s row');
    ELSE
        RETURN NEXT is(v_n, 0::bigint, t || 'users cannot delete (no delete policy)');
    END IF;

    PERFORM set_config('role', 'none', true);
    EXECUTE format('SELECT count(*) FROM %I WHERE id = %L', p_table, v_row) INTO v_n;
    RETURN NEXT is(v_n, CASE WHEN p_users_delete THEN 0 ELSE 1 END::bigint,
                   t || 'the row is where A''s own actions left it');
END
$f$;

INSERT INTO auth.users (id, email) VALUES
    ('5a000000-0000-4000-8000-00000000000a', '005_rls_content.a@example.test'),
    ('5a000000-0000-4000-8000-00000000000b', '005_rls_content.b@example.test');

SELECT * FROM pg_temp.isolation_suite('cameos_content', 'generations', 'prompt, model', $$'a prompt', 'veo-fast'$$, $$status = 'success', video_url = 'https://v/1.mp4'$$, true,
    '5a000000-0000-4000-8000-00000000000a', '5a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_content', 'performance_metrics', 'prompt, platform', $$'a prompt', 'tiktok'$$, $$quality_score = 90$$, false,
    '5a000000-0000-4000-8000-00000000000a', '5a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_content', 'style_presets', 'name, tags', $$'noir', ARRAY['dark']$$, $$usage_count = usage_count + 1$$, true,
    '5a000000-0000-4000-8000-00000000000a', '5a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_content', 'tool_configurations', 'tool_name', $$'upscaler'$$, $$is_favorite = true$$, true,
    '5a000000-0000-4000-8000-00000000000a', '5a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_content', 'platform_configurations', 'platform', $$'tiktok'$$, $$aspect_ratio = '9:16'$$, true,
    '5a000000-0000-4000-8000-00000000000a', '5a000000-0000-4000-8000-00000000000b');

-- generation_pricing: the public price list, read-only for everyone
SET LOCAL ROLE cameos_content;
SELECT pg_temp.claims('');
SELECT results_eq($$SELECT model, resolution, credits FROM generation_pricing ORDER BY 1, 2$$,
                  $$VALUES ('veo-2'::text, '1080p'::text, 40), ('veo-2', '720p', 40),
                           ('veo-fast', '1080p', 15), ('veo-fast', '720p', 15)$$,
                  'generation_pricing: readable without claims');
SELECT pg_temp.as_user('5a000000-0000-4000-8000-00000000000a');
SELECT is((SELECT credits FROM generation_pricing WHERE model = 'veo-fast' AND resolution = '720p'),
          15, 'generation_pricing: readable by a user');
SELECT throws_ok($$UPDATE generation_pricing SET credits = 1 WHERE true$$, '42501', NULL,
                 'generation_pricing: users cannot change prices');
SELECT throws_ok($$INSERT INTO generation_pricing VALUES ('veo-2', '4k', 1)$$, '42501', NULL,
                 'generation_pricing: users cannot add prices');
SELECT pg_temp.claims('{"role":"service_role"}');
SELECT throws_ok($$DELETE FROM generation_pricing WHERE true$$, '42501', NULL,
                 'generation_pricing: not even service_role deletes prices through cameos_content');

-- platform configurations are unique per (user, platform)
SELECT pg_temp.as_user('5a000000-0000-4000-8000-00000000000a');
INSERT INTO platform_configurations (user_id, platform)
VALUES ('5a000000-0000-4000-8000-00000000000a', 'youtube');
SELECT throws_ok($$INSERT INTO platform_configurations (user_id, platform)
                   VALUES ('5a000000-0000-4000-8000-00000000000a', 'youtube')$$,
                 '23505', NULL, 'platform_configurations: a second row for the same platform is refused');
SELECT pg_temp.as_user('5a000000-0000-4000-8000-00000000000b');
SELECT lives_ok($$INSERT INTO platform_configurations (user_id, platform)
                  VALUES ('5a000000-0000-4000-8000-00000000000b', 'youtube')$$,
                'platform_configurations: another user may use the same platform');

-- performance metrics may point at the user's generation; the link goes when the generation goes
SELECT pg_temp.as_user('5a000000-0000-4000-8000-00000000000a');
INSERT INTO generations (id, user_id, prompt, model, status)
VALUES ('5a000000-0000-4000-8000-0000000000e1', '5a000000-0000-4000-8000-00000000000a', 'p', 'veo-fast', 'success');
INSERT INTO performance_metrics (id, user_id, generation_id, platform, quality_score)
VALUES ('5a000000-0000-4000-8000-0000000000e2', '5a000000-0000-4000-8000-00000000000a',
        '5a000000-0000-4000-8000-0000000000e1', 'tiktok', 87.5);
SELECT lives_ok($$DELETE FROM generations WHERE id = '5a000000-0000-4000-8000-0000000000e1'$$,
                'generations: A deletes a generation that has metrics');
SELECT results_eq($$SELECT generation_id, quality_score FROM performance_metrics
                    WHERE id = '5a000000-0000-4000-8000-0000000000e2'$$,
                  $$VALUES (NULL::uuid, 87.5::numeric)$$,
                  'performance_metrics: the metric stays, its generation_id is set to NULL');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
