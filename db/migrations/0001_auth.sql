-- 0001_auth: the `auth` schema as Supabase lays it out, reduced to what the
-- services use: auth.users and the claim helpers auth.uid(), auth.role() and
-- auth.jwt(). The helpers read the JWT claims that each service transaction
-- sets with set_config('request.jwt.claims', <json>, true), so RLS policies
-- written for Supabase work unchanged.

CREATE SCHEMA IF NOT EXISTS auth;

CREATE TABLE IF NOT EXISTS auth.users (
    id                 uuid        NOT NULL DEFAULT gen_random_uuid(),
    email              text        NOT NULL,
    raw_user_meta_data jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_key UNIQUE (email)
);

-- The older per-claim setting (request.jwt.claim.sub) wins over the claims
-- object, as in Supabase; empty strings count as "not set" because a
-- set_config(..., '', true) is how a pooled connection clears them.
CREATE OR REPLACE FUNCTION auth.uid()
RETURNS uuid
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

CREATE OR REPLACE FUNCTION auth.role()
RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

CREATE OR REPLACE FUNCTION auth.jwt()
RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;
