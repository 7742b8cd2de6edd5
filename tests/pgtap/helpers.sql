-- Helpers of the pgTAP files, not a test itself (scripts/test.sh runs only
-- the numbered files). A test file includes it with \ir right after plan(),
-- so it runs inside the test's transaction: the functions live in pg_temp
-- and go with the test's ROLLBACK, and every file starts from the same state.

-- Claims as the services pass them (docs/API.md §2), until the transaction ends:
-- any claims text, an authenticated user, or the service role.
CREATE FUNCTION pg_temp.claims(text) RETURNS void LANGUAGE sql
AS $$ SELECT set_config('request.jwt.claims', $1, true); $$;
CREATE FUNCTION pg_temp.as_user(uuid) RETURNS void LANGUAGE sql
AS $$ SELECT set_config('request.jwt.claims',
                        json_build_object('sub', $1, 'role', 'authenticated')::text, true); $$;
CREATE FUNCTION pg_temp.as_service() RETURNS void LANGUAGE sql
AS $$ SELECT set_config('request.jwt.claims', '{"role":"service_role"}', true); $$;

-- credits/total_spent/number of ledger rows of a user, read as the
-- superuser whatever role and claims the test has switched to.
CREATE FUNCTION pg_temp.state(uuid) RETURNS text LANGUAGE sql SECURITY DEFINER
AS $$ SELECT p.credits || '/' || p.total_spent || '/' ||
             (SELECT count(*) FROM credit_transactions t WHERE t.user_id = $1)
        FROM user_profiles p WHERE p.id = $1 $$;

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
