-- 0014_account_lock_order: every transaction that moves credits locks the
-- account row (user_profiles) FOR NO KEY UPDATE before anything else touches
-- it, and all of them take their locks in one order.
--
-- Why: PostgreSQL 15 can fail an UPDATE of a row with XX000 "new multixact
-- has more than one updating member" when the updating transaction already
-- holds a key-share lock on that row (taken by the foreign key check of its
-- own earlier insert: request_keys in ledger_claim_request, generations in
-- content_create_generation) and another transaction's update of the row
-- has just committed. The ledger functions did exactly that under load
-- (several calls a minute at 50 concurrent money calls on 5 accounts). A
-- transaction whose first lock on the row is the strong one never holds a
-- weak lock on a version someone else then updates. The service also reruns
-- a transaction that fails this way (common/pgerr.c), but only this order
-- keeps it from happening.
--
-- The order, wherever a transaction waits: generation, then account, then
-- queue bookkeeping (generation_jobs, generation_queue_users). So
--   ledger_claim_request    locks the account first (every ledger function
--                           and request_key_claim start with it);
--   ledger_refund           locks the generation before that;
--   content_fail_generation and queue_cancel lock the account after the
--                           generation and before the status change, whose
--                           trigger updates the queue's rows.
-- content_create_generation needs no change: request_key_claim is its first
-- statement and the rows it inserts are new.
--
-- The bodies are those of 0007, 0008, 0012 and 0013 with the lock added.

-- The lock itself, as the owner: content_fail_generation runs as the
-- content service, which may not lock profile rows on its own.
-- Internal helper: EXECUTE only for the content service (below).
CREATE OR REPLACE FUNCTION public.ledger_lock_account(p_user_id uuid)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    PERFORM 1 FROM public.user_profiles p WHERE p.id = p_user_id FOR NO KEY UPDATE;
END
$$;

CREATE OR REPLACE FUNCTION public.ledger_claim_request(p_user_id uuid, p_request_id text,
                                                       p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_params jsonb;
    v_result jsonb;
BEGIN
    -- The account row first, before this transaction takes any weaker lock
    -- on it (the foreign key checks of the inserts below): see the header.
    PERFORM public.ledger_lock_account(p_user_id);
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

CREATE OR REPLACE FUNCTION public.ledger_refund(p_user_id uuid, p_generation_id uuid,
                                                p_request_id text, p_description text)
RETURNS SETOF public.ledger_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_prior    jsonb;
    v_status   text;
    v_debit_id uuid;
    v_refund   integer;
    v_balance  integer;
    v_row      public.ledger_result;
BEGIN
    PERFORM public.ledger_authorize_caller(p_user_id);
    IF p_generation_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400', MESSAGE = 'generation_id is required';
    END IF;
    IF pg_catalog.length(p_description) > 1000 THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400',
            MESSAGE = 'description must be at most 1000 characters';
    END IF;

    -- The generation before the account (the lock order of the header); a
    -- missing one is reported below, after a possible replay.
    PERFORM 1 FROM public.generations g
     WHERE g.id = p_generation_id AND g.user_id = p_user_id
       FOR NO KEY UPDATE;

    v_prior := public.ledger_claim_request(p_user_id, p_request_id,
        pg_catalog.jsonb_build_object('function', 'ledger_refund',
                                      'generation_id', p_generation_id,
                                      'description', p_description));
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT * FROM pg_catalog.jsonb_populate_record(NULL::public.ledger_result,
                                                                    v_prior);
        RETURN;
    END IF;

    -- The row lock serialises refunds of one generation, so the "already
    -- refunded" check below sees a concurrent refund once it has committed.
    SELECT g.status INTO v_status
      FROM public.generations g
     WHERE g.id = p_generation_id AND g.user_id = p_user_id
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM404', MESSAGE = 'generation not found';
    END IF;

    SELECT t.id, -t.amount INTO v_debit_id, v_refund
      FROM public.credit_transactions t
     WHERE t.generation_id = p_generation_id
       AND t.user_id = p_user_id
       AND t.transaction_type = 'generation';
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412', MESSAGE = 'generation was never charged';
    END IF;
    IF v_status <> 'error' THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412',
            MESSAGE = 'only a failed generation can be refunded';
    END IF;
    IF EXISTS (SELECT 1 FROM public.credit_transactions t
                WHERE t.generation_id = p_generation_id
                  AND t.transaction_type = 'refund') THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412', MESSAGE = 'generation was already refunded';
    END IF;

    UPDATE public.user_profiles p
       SET credits = p.credits + v_refund,
           total_spent = p.total_spent - v_refund
     WHERE p.id = p_user_id AND p.credits <= 2147483647 - v_refund
    RETURNING p.credits INTO v_balance;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412',
            MESSAGE = 'the balance would exceed the largest allowed value';
    END IF;

    INSERT INTO public.credit_transactions AS t
           (user_id, amount, transaction_type, description, generation_id, metadata)
    VALUES (p_user_id, v_refund, 'refund',
            coalesce(nullif(p_description, ''), 'Refund for failed generation'),
            p_generation_id,
            pg_catalog.jsonb_build_object('refunded_transaction_id', v_debit_id))
    RETURNING t.id, t.user_id, t.amount, t.transaction_type, t.description,
              t.generation_id, t.metadata, t.created_at, v_balance
    INTO v_row;

    IF p_request_id <> '' THEN
        PERFORM public.ledger_store_result(p_user_id, p_request_id, pg_catalog.to_jsonb(v_row));
    END IF;
    RETURN NEXT v_row;
END
$$;

CREATE OR REPLACE FUNCTION public.content_fail_generation(p_id uuid, p_error_message text)
RETURNS SETOF public.generations
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
    v_row public.generations;
BEGIN
    IF auth.role() IS DISTINCT FROM 'service_role' THEN
        RAISE EXCEPTION USING ERRCODE = 'CM403', MESSAGE = 'permission denied';
    END IF;
    SELECT * INTO v_row FROM public.generations g WHERE g.id = p_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM404', MESSAGE = 'generation not found';
    END IF;
    IF v_row.status = 'error' THEN
        RETURN NEXT v_row;
        RETURN;
    END IF;
    IF v_row.status <> 'generating' THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412',
            MESSAGE = pg_catalog.format('generation is already finished (%s)', v_row.status);
    END IF;

    -- The account before the status change, whose trigger takes the queue
    -- user's row (the lock order of the header).
    PERFORM public.ledger_lock_account(v_row.user_id);
    UPDATE public.generations g
       SET status = 'error', error_message = p_error_message, completed_at = pg_catalog.now()
     WHERE g.id = p_id
    RETURNING g.* INTO v_row;
    -- A generation that cost nothing was never charged: nothing to refund.
    IF v_row.credits_used > 0 THEN
        PERFORM public.ledger_refund(v_row.user_id, p_id, '', NULL);
    END IF;
    RETURN NEXT v_row;
END
$$;

CREATE OR REPLACE FUNCTION public.queue_cancel(p_id uuid)
RETURNS SETOF public.generations
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_gen public.generations;
    v_job public.generation_jobs;
BEGIN
    SELECT g.* INTO v_gen FROM public.generations g
     WHERE g.id = p_id AND (g.user_id = auth.uid() OR auth.role() = 'service_role')
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM404', MESSAGE = 'generation not found';
    END IF;
    IF v_gen.status <> 'generating' THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412',
            MESSAGE = pg_catalog.format('generation is already finished (%s)', v_gen.status);
    END IF;
    SELECT j.* INTO v_job FROM public.generation_jobs j WHERE j.generation_id = p_id FOR UPDATE;
    IF FOUND AND v_job.lease_token IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412', MESSAGE = 'a worker is generating it';
    END IF;
    -- The account before the status change (the lock order of the header).
    PERFORM public.ledger_lock_account(v_gen.user_id);
    UPDATE public.generations g
       SET status = 'error', error_message = 'cancelled by its owner', completed_at = pg_catalog.now()
     WHERE g.id = p_id
    RETURNING g.* INTO v_gen;
    IF v_gen.credits_used > 0 THEN
        PERFORM public.ledger_refund(v_gen.user_id, p_id, '', NULL);
    END IF;
    RETURN NEXT v_gen;
END
$$;

REVOKE ALL ON FUNCTION public.ledger_lock_account(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.ledger_lock_account(uuid) TO cameos_content;
