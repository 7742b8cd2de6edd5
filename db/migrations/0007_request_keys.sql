-- 0007_request_keys: AIP-155 request ids. One row per (user, request_id):
-- the parameters of the first call and the result it returned, so a retry
-- gets the same answer and changes nothing. Rows are written only through
-- the SECURITY DEFINER functions below and in 0008 (RLS is on and no role
-- has a privilege on the table).

CREATE TABLE IF NOT EXISTS public.request_keys (
    user_id    uuid        NOT NULL,
    request_id text        NOT NULL,
    params     jsonb       NOT NULL,
    result     jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT request_keys_pkey PRIMARY KEY (user_id, request_id),
    CONSTRAINT request_keys_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES public.user_profiles (id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS idx_request_keys_created_at
    ON public.request_keys (created_at);

-- Who may act for p_user_id: the user themself, or an internal caller.
-- Raises CM403 for anyone else and CM404 when the user does not exist.
-- Internal helper: EXECUTE is revoked from PUBLIC (0010).
CREATE OR REPLACE FUNCTION public.ledger_authorize_caller(p_user_id uuid)
RETURNS void
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_role text := auth.role();
BEGIN
    IF v_role = 'authenticated' THEN
        IF auth.uid() IS DISTINCT FROM p_user_id THEN
            RAISE EXCEPTION USING ERRCODE = 'CM403',
                MESSAGE = 'permission denied: a user may only act on their own account';
        END IF;
    ELSIF v_role IS DISTINCT FROM 'service_role' THEN
        RAISE EXCEPTION USING ERRCODE = 'CM403', MESSAGE = 'permission denied';
    END IF;
    IF p_user_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400', MESSAGE = 'user_id is required';
    END IF;
    PERFORM 1 FROM public.user_profiles p WHERE p.id = p_user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM404', MESSAGE = 'user not found';
    END IF;
END
$$;

-- Claims p_request_id for p_user_id. Returns NULL when the key is new (or
-- empty: no idempotency wanted) and the caller must do the work and then
-- store its result; returns the stored result when the same parameters were
-- already applied; raises CM412 when they differ. A concurrent first use of
-- the same key makes this wait for that transaction's outcome.
-- Internal helper: EXECUTE is revoked from PUBLIC (0010).
CREATE OR REPLACE FUNCTION public.ledger_claim_request(p_user_id uuid, p_request_id text,
                                                       p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_params jsonb;
    v_result jsonb;
BEGIN
    IF p_request_id IS NULL OR p_request_id = '' THEN
        RETURN NULL;
    END IF;
    IF pg_catalog.length(p_request_id) > 255 THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400',
            MESSAGE = 'request_id must be at most 255 characters';
    END IF;

    -- Twice at most: the second round covers a key purged between the
    -- failed insert and the read.
    FOR i IN 1..2 LOOP
        INSERT INTO public.request_keys (user_id, request_id, params, result)
        VALUES (p_user_id, p_request_id, p_params, 'null'::jsonb)
        ON CONFLICT ON CONSTRAINT request_keys_pkey DO NOTHING;
        IF FOUND THEN
            RETURN NULL;
        END IF;

        SELECT k.params, k.result INTO v_params, v_result
          FROM public.request_keys k
         WHERE k.user_id = p_user_id AND k.request_id = p_request_id;
        IF FOUND THEN
            IF v_params IS DISTINCT FROM p_params THEN
                RAISE EXCEPTION USING ERRCODE = 'CM412',
                    MESSAGE = 'request_id was already used with different parameters';
            END IF;
            IF v_result = 'null'::jsonb THEN
                -- Claimed but no result stored: asked twice in one transaction,
                -- or a caller committed without request_key_store().
                RAISE EXCEPTION USING ERRCODE = 'CM412',
                    MESSAGE = 'request_id is already in use by a request that has not finished';
            END IF;
            RETURN v_result;
        END IF;
    END LOOP;
    RAISE EXCEPTION USING ERRCODE = 'CM412',
        MESSAGE = 'request_id could not be claimed, try again';
END
$$;

-- Internal helper: EXECUTE is revoked from PUBLIC (0010).
-- Returns false when no key claimed by this transaction awaits a result.
CREATE OR REPLACE FUNCTION public.ledger_store_result(p_user_id uuid, p_request_id text,
                                                      p_result jsonb)
RETURNS boolean
LANGUAGE sql
AS $$
    WITH stored AS (
        UPDATE public.request_keys k
           SET result = p_result
         WHERE k.user_id = p_user_id AND k.request_id = p_request_id
           AND k.result = 'null'::jsonb
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM stored);
$$;

-- The same request_id protocol for the services' own mutating RPCs
-- (CreateGeneration, CreateCampaign, ...): call request_key_claim first in
-- the transaction; NULL means "new, do the work, then request_key_store the
-- response"; a jsonb value is the stored response to return as is. p_params
-- should name the RPC. A ledger function called in that same transaction
-- must get an empty request_id (or a derived one): the key is taken.
CREATE OR REPLACE FUNCTION public.request_key_claim(p_user_id uuid, p_request_id text,
                                                    p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    PERFORM public.ledger_authorize_caller(p_user_id);
    IF p_params IS NULL OR p_params = 'null'::jsonb THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400', MESSAGE = 'params are required';
    END IF;
    RETURN public.ledger_claim_request(p_user_id, p_request_id, p_params);
END
$$;

CREATE OR REPLACE FUNCTION public.request_key_store(p_user_id uuid, p_request_id text,
                                                    p_result jsonb)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    PERFORM public.ledger_authorize_caller(p_user_id);
    IF p_result IS NULL OR p_result = 'null'::jsonb THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400', MESSAGE = 'result is required';
    END IF;
    IF p_request_id IS NULL OR p_request_id = '' THEN
        RETURN;
    END IF;
    IF NOT public.ledger_store_result(p_user_id, p_request_id, p_result) THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412',
            MESSAGE = 'request_id was not claimed in this transaction';
    END IF;
END
$$;

-- Drops keys older than p_older_than (never younger than the 24 hours that
-- API.md promises). Returns how many were removed.
CREATE OR REPLACE FUNCTION public.request_keys_purge(p_older_than interval DEFAULT '7 days')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_count bigint;
BEGIN
    DELETE FROM public.request_keys k
     WHERE k.created_at < pg_catalog.now()
                          - GREATEST(coalesce(p_older_than, '7 days'), interval '24 hours');
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;
