-- RLS on PlanningService's tables, through cameos_planning: campaigns,
-- storyboard_sequences, brand_guidelines, tool_preset_chains.
BEGIN;
SELECT plan(77);

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
    ('6a000000-0000-4000-8000-00000000000a', '006_rls_planning.a@example.test'),
    ('6a000000-0000-4000-8000-00000000000b', '006_rls_planning.b@example.test');

SELECT * FROM pg_temp.isolation_suite('cameos_planning', 'campaigns', 'name, platform', $$'Spring', ARRAY['tiktok']$$, $$status = 'active'$$, true,
    '6a000000-0000-4000-8000-00000000000a', '6a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_planning', 'storyboard_sequences', 'name', $$'Opening'$$, $$total_duration = 12$$, true,
    '6a000000-0000-4000-8000-00000000000a', '6a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_planning', 'brand_guidelines', 'brand_name, "values"', $$'Acme', ARRAY['bold']$$, $$tone_of_voice = ARRAY['warm']$$, true,
    '6a000000-0000-4000-8000-00000000000a', '6a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_planning', 'tool_preset_chains', 'name, tools', $$'Chain', '[{"tool_name":"upscaler","settings":{}}]'$$, $$usage_count = usage_count + 1$$, true,
    '6a000000-0000-4000-8000-00000000000a', '6a000000-0000-4000-8000-00000000000b');

SET LOCAL ROLE cameos_planning;
-- SET NULL links inside planning data
SELECT pg_temp.as_user('6a000000-0000-4000-8000-00000000000a');
INSERT INTO brand_guidelines (id, user_id, brand_name, "values")
VALUES ('6a000000-0000-4000-8000-0000000000b1', '6a000000-0000-4000-8000-00000000000a', 'Acme', ARRAY['bold', 'kind']);
INSERT INTO campaigns (id, user_id, name, brand_guidelines_id, total_videos)
VALUES ('6a000000-0000-4000-8000-0000000000c1', '6a000000-0000-4000-8000-00000000000a', 'Launch',
        '6a000000-0000-4000-8000-0000000000b1', 3);
INSERT INTO storyboard_sequences (id, user_id, campaign_id, name, frames, total_duration)
VALUES ('6a000000-0000-4000-8000-0000000000d1', '6a000000-0000-4000-8000-00000000000a',
        '6a000000-0000-4000-8000-0000000000c1', 'Intro', '[{"index":0,"duration_seconds":4}]', 4);
SELECT lives_ok($$DELETE FROM brand_guidelines WHERE id = '6a000000-0000-4000-8000-0000000000b1'$$,
                'brand_guidelines: A deletes guidelines used by a campaign');
SELECT is((SELECT brand_guidelines_id FROM campaigns WHERE id = '6a000000-0000-4000-8000-0000000000c1'),
          NULL, 'campaigns: brand_guidelines_id is set to NULL');
SELECT lives_ok($$DELETE FROM campaigns WHERE id = '6a000000-0000-4000-8000-0000000000c1'$$,
                'campaigns: A deletes a campaign with storyboards');
SELECT results_eq($$SELECT campaign_id, total_duration FROM storyboard_sequences
                    WHERE id = '6a000000-0000-4000-8000-0000000000d1'$$,
                  $$VALUES (NULL::uuid, 4)$$, 'storyboard_sequences: the storyboard stays, unlinked');
SELECT throws_ok($$INSERT INTO campaigns (user_id, name, total_videos, completed_videos)
                   VALUES ('6a000000-0000-4000-8000-00000000000a', 'x', 1, 2)$$,
                 '23514', NULL, 'campaigns: completed_videos may not exceed total_videos');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
