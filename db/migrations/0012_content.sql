-- 0012_content: the generation lifecycle for ContentService, each step one
-- function so that the row change and the credit movement it implies commit
-- or roll back together:
--   content_create_generation   claim the request_id, price the generation,
--                               insert it as 'generating', debit the ledger
--   content_complete_generation generating -> success
--   content_fail_generation     generating -> error, refunding credits_used
-- They run as the caller (SECURITY INVOKER): row-level security and the
-- service's own privileges apply, and credits move only through the ledger
-- functions of 0008. Errors use the CMxxx codes of 0008 (see common/pgerr.c).

-- Returns the new generation, or for a request_id already used with the same
-- parameters the generation as that first call returned it (AIP-155), having
-- charged nothing more. Insufficient credits raise CM412 from ledger_spend and
-- roll back the generation and the claim with it.
CREATE OR REPLACE FUNCTION public.content_create_generation(
    p_user_id uuid, p_request_id text, p_prompt text, p_model text, p_aspect_ratio text,
    p_resolution text, p_mode text, p_reference_image_url text)
RETURNS SETOF public.generations
LANGUAGE plpgsql
VOLATILE
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
    v_prior jsonb;
    v_cost  integer;
    v_row   public.generations;
BEGIN
    v_prior := public.request_key_claim(p_user_id, p_request_id,
        pg_catalog.jsonb_build_array('CreateGeneration', p_prompt, p_model, p_aspect_ratio,
                                     p_resolution, p_mode, p_reference_image_url));
    IF v_prior IS NOT NULL THEN
        RETURN QUERY SELECT * FROM pg_catalog.jsonb_populate_record(NULL::public.generations,
                                                                    v_prior);
        RETURN;
    END IF;

    SELECT gp.credits INTO v_cost
      FROM public.generation_pricing gp
     WHERE gp.model = p_model AND gp.resolution = p_resolution;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412',
            MESSAGE = pg_catalog.format('%s at %s has no price', p_model, p_resolution);
    END IF;

    INSERT INTO public.generations AS g
           (user_id, prompt, model, aspect_ratio, resolution, mode, status,
            reference_image_url, credits_used)
    VALUES (p_user_id, p_prompt, p_model, p_aspect_ratio, p_resolution, p_mode, 'generating',
            nullif(p_reference_image_url, ''), v_cost)
    RETURNING g.* INTO v_row;

    -- No request_id of its own: the key above is this request's.
    PERFORM public.ledger_spend(p_user_id, v_cost,
        pg_catalog.format('Video generation (%s, %s)', p_model, p_resolution), v_row.id, '');

    PERFORM public.request_key_store(p_user_id, p_request_id, pg_catalog.to_jsonb(v_row));
    RETURN NEXT v_row;
END
$$;

-- The worker's success report. Repeating it with the same video_url returns
-- the row unchanged; anything else on a finished generation is CM412.
CREATE OR REPLACE FUNCTION public.content_complete_generation(p_id uuid, p_video_url text)
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
    -- The lock orders this against a concurrent Fail of the same generation
    -- (NO KEY: a metric being recorded for it need not wait).
    SELECT * INTO v_row FROM public.generations g WHERE g.id = p_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM404', MESSAGE = 'generation not found';
    END IF;
    IF v_row.status = 'success' AND v_row.video_url IS NOT DISTINCT FROM p_video_url THEN
        RETURN NEXT v_row;
        RETURN;
    END IF;
    IF v_row.status <> 'generating' THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412',
            MESSAGE = pg_catalog.format('generation is already finished (%s)', v_row.status);
    END IF;

    UPDATE public.generations g
       SET status = 'success', video_url = p_video_url,
           completed_at = pg_catalog.now()
     WHERE g.id = p_id
    RETURNING g.* INTO v_row;
    RETURN NEXT v_row;
END
$$;

-- The worker's failure report: the status change and the refund of what the
-- generation was charged happen together. Repeating it on a failed
-- generation returns the row unchanged and refunds nothing more.
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

REVOKE ALL ON FUNCTION
    public.content_create_generation(uuid, text, text, text, text, text, text, text),
    public.content_complete_generation(uuid, text),
    public.content_fail_generation(uuid, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    public.content_create_generation(uuid, text, text, text, text, text, text, text),
    public.content_complete_generation(uuid, text),
    public.content_fail_generation(uuid, text)
TO cameos_content;
