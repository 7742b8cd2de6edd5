-- 0002_roles: one login role per service, all members of the group role
-- cameos_app that the RLS policies name. None may bypass RLS. Passwords are
-- not set here: deployment sets them (ALTER ROLE ... PASSWORD) or uses
-- another authentication method.

DO $$
DECLARE
    r text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'cameos_app') THEN
        CREATE ROLE cameos_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;

    FOREACH r IN ARRAY ARRAY['cameos_credits', 'cameos_content', 'cameos_planning'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB '
                           'NOCREATEROLE NOREPLICATION INHERIT', r);
        ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                      WHERE rolname = r
                        AND (rolsuper OR rolbypassrls OR NOT rolinherit OR NOT rolcanlogin)) THEN
            -- Only touch a pre-existing role when it is unsafe or unusable,
            -- so that a re-run changes nothing.
            EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS INHERIT', r);
        END IF;

        IF NOT pg_catalog.pg_has_role(r, 'cameos_app', 'MEMBER') THEN
            EXECUTE format('GRANT cameos_app TO %I', r);
        END IF;
    END LOOP;
END
$$;
