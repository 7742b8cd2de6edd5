-- 0008_ledger: the only way credits move. Each function writes one
-- credit_transactions row and the matching change to user_profiles.credits /
-- total_spent in the caller's transaction, and returns that row plus the new
-- balance (one row of public.ledger_result). They run as the owner
-- (SECURITY DEFINER, empty search_path) because no service role may write
-- those columns or that table itself.
--
-- Errors use custom SQLSTATEs whose message is meant for the end user:
--   CM400 invalid argument   CM403 permission denied   CM404 not found
--   CM409 already exists     CM412 failed precondition
--
-- Concurrency: every path that changes a balance goes through one UPDATE of
-- the user's profile row, which both checks and moves the balance and locks
-- the row until commit; checks that must see other transactions' ledger rows
-- come after that lock (or after locking the generation, for refunds), so
-- under READ COMMITTED they see everything committed before.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type t
                   JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                   WHERE n.nspname = 'public' AND t.typname = 'ledger_result') THEN
        CREATE TYPE public.ledger_result AS (
            id               uuid,
            user_id          uuid,
            amount           integer,
            transaction_type text,
            description      text,
            generation_id    uuid,
            metadata         jsonb,
            created_at       timestamptz,
            balance          integer
        );
    END IF;
END
$$;

-- The argument checks spend and grant share (CM400 names the field).
CREATE OR REPLACE FUNCTION public.ledger_check_amount(p_amount integer, p_description text)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = ''
AS $$
BEGIN
    IF p_amount IS NULL OR p_amount <= 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400', MESSAGE = 'amount must be greater than 0';
    END IF;
    IF pg_catalog.length(p_description) > 1000 THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400',
            MESSAGE = 'description must be at most 1000 characters';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION public.ledger_check_amount(integer, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION public.ledger_spend(p_user_id uuid, p_amount integer,
                                               p_description text, p_generation_id uuid,
                                               p_request_id text)
RETURNS SETOF public.ledger_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_prior   jsonb;
    v_balance integer;
    v_row     public.ledger_result;
BEGIN
    PERFORM public.ledger_authorize_caller(p_user_id);
    PERFORM public.ledger_check_amount(p_amount, p_description);

    v_prior := public.ledger_claim_request(p_user_id, p_request_id,
        pg_catalog.jsonb_build_object('function', 'ledger_spend', 'amount', p_amount,
                                      'description', p_description,
                                      'generation_id', p_generation_id));
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT * FROM pg_catalog.jsonb_populate_record(NULL::public.ledger_result,
                                                                    v_prior);
        RETURN;
    END IF;

    -- A foreign key would accept another user's generation: check ownership.
    IF p_generation_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM public.generations g
             WHERE g.id = p_generation_id AND g.user_id = p_user_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'CM404', MESSAGE = 'generation not found';
    END IF;

    UPDATE public.user_profiles p
       SET credits = p.credits - p_amount,
           total_spent = p.total_spent + p_amount
     WHERE p.id = p_user_id AND p.credits >= p_amount
    RETURNING p.credits INTO v_balance;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412', MESSAGE = 'insufficient credits';
    END IF;

    IF p_generation_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM public.credit_transactions t
             WHERE t.generation_id = p_generation_id
               AND t.transaction_type = 'generation') THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412',
            MESSAGE = 'generation was already charged';
    END IF;

    INSERT INTO public.credit_transactions AS t
           (user_id, amount, transaction_type, description, generation_id)
    VALUES (p_user_id, -p_amount, 'generation',
            coalesce(nullif(p_description, ''), 'Video generation'), p_generation_id)
    RETURNING t.id, t.user_id, t.amount, t.transaction_type, t.description,
              t.generation_id, t.metadata, t.created_at, v_balance
    INTO v_row;

    IF p_request_id <> '' THEN
        PERFORM public.ledger_store_result(p_user_id, p_request_id, pg_catalog.to_jsonb(v_row));
    END IF;
    RETURN NEXT v_row;
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

CREATE OR REPLACE FUNCTION public.ledger_grant(p_user_id uuid, p_amount integer,
                                               p_description text, p_request_id text)
RETURNS SETOF public.ledger_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_prior   jsonb;
    v_balance integer;
    v_row     public.ledger_result;
BEGIN
    PERFORM public.ledger_authorize_caller(p_user_id);
    PERFORM public.ledger_check_amount(p_amount, p_description);

    v_prior := public.ledger_claim_request(p_user_id, p_request_id,
        pg_catalog.jsonb_build_object('function', 'ledger_grant', 'amount', p_amount,
                                      'description', p_description));
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT * FROM pg_catalog.jsonb_populate_record(NULL::public.ledger_result,
                                                                    v_prior);
        RETURN;
    END IF;

    UPDATE public.user_profiles p
       SET credits = p.credits + p_amount
     WHERE p.id = p_user_id AND p.credits <= 2147483647 - p_amount
    RETURNING p.credits INTO v_balance;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412',
            MESSAGE = 'the balance would exceed the largest allowed value';
    END IF;

    INSERT INTO public.credit_transactions AS t
           (user_id, amount, transaction_type, description)
    VALUES (p_user_id, p_amount, 'bonus', coalesce(nullif(p_description, ''), 'Bonus credits'))
    RETURNING t.id, t.user_id, t.amount, t.transaction_type, t.description,
              t.generation_id, t.metadata, t.created_at, v_balance
    INTO v_row;

    IF p_request_id <> '' THEN
        PERFORM public.ledger_store_result(p_user_id, p_request_id, pg_catalog.to_jsonb(v_row));
    END IF;
    RETURN NEXT v_row;
END
$$;

CREATE OR REPLACE FUNCTION public.ledger_purchase(p_user_id uuid, p_tier_id uuid,
                                                  p_payment_reference text,
                                                  p_request_id text)
RETURNS SETOF public.ledger_result
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_prior   jsonb;
    v_name    text;
    v_credits integer;
    v_price   numeric;
    v_active  boolean;
    v_balance integer;
    v_row     public.ledger_result;
BEGIN
    PERFORM public.ledger_authorize_caller(p_user_id);
    IF p_tier_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400', MESSAGE = 'tier_id is required';
    END IF;
    IF pg_catalog.length(p_payment_reference) > 255 THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400',
            MESSAGE = 'payment_reference must be at most 255 characters';
    END IF;

    v_prior := public.ledger_claim_request(p_user_id, p_request_id,
        pg_catalog.jsonb_build_object('function', 'ledger_purchase', 'tier_id', p_tier_id,
                                      'payment_reference', p_payment_reference));
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT * FROM pg_catalog.jsonb_populate_record(NULL::public.ledger_result,
                                                                    v_prior);
        RETURN;
    END IF;

    SELECT pt.name, pt.credits, pt.price, pt.is_active
      INTO v_name, v_credits, v_price, v_active
      FROM public.pricing_tiers pt
     WHERE pt.id = p_tier_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM404', MESSAGE = 'pricing tier not found';
    END IF;
    IF NOT v_active THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412', MESSAGE = 'pricing tier is not active';
    END IF;

    UPDATE public.user_profiles p
       SET credits = p.credits + v_credits
     WHERE p.id = p_user_id AND p.credits <= 2147483647 - v_credits
    RETURNING p.credits INTO v_balance;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412',
            MESSAGE = 'the balance would exceed the largest allowed value';
    END IF;

    INSERT INTO public.credit_transactions AS t
           (user_id, amount, transaction_type, description, metadata)
    VALUES (p_user_id, v_credits, 'purchase',
            pg_catalog.format('Purchase of the %s tier', v_name),
            pg_catalog.jsonb_build_object('tier_id', p_tier_id, 'tier_name', v_name,
                                          'price', v_price::text,
                                          'payment_reference', p_payment_reference))
    RETURNING t.id, t.user_id, t.amount, t.transaction_type, t.description,
              t.generation_id, t.metadata, t.created_at, v_balance
    INTO v_row;

    IF p_request_id <> '' THEN
        PERFORM public.ledger_store_result(p_user_id, p_request_id, pg_catalog.to_jsonb(v_row));
    END IF;
    RETURN NEXT v_row;
END
$$;
