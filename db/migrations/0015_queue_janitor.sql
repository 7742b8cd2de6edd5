-- 0015_queue_janitor: the sweep of 0013, telling what it did and what the
-- queue holds, for the content service's metrics.
--
-- queue_janitor is the one sweep: queue_sweep (0013) becomes a wrapper over
-- it with the same signature and answer, so callers of either see the same
-- behaviour. What it did (requeued, exhausted, too_old, refunds) counts only
-- when swept is true: one sweeper at a time across replicas (the transaction
-- advisory lock of 0013), and a replica that finds it taken does nothing but
-- read the queue's size. The size (queued, leased, oldest_queued_s) is read
-- by every replica, so every replica reports the same queue-wide figures.

CREATE OR REPLACE FUNCTION public.queue_janitor(p_max_attempts integer, p_max_age_s integer,
                                                p_batch integer,
                                                OUT swept boolean, OUT requeued integer,
                                                OUT exhausted integer, OUT too_old integer,
                                                OUT refunds integer, OUT refunded_credits bigint,
                                                OUT queued bigint, OUT leased bigint,
                                                OUT oldest_queued_s double precision)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_id    uuid;
    v_job   public.generation_jobs;
    v_gen   public.generations;
    v_why   text;
BEGIN
    PERFORM public.queue_authorize_worker();
    IF p_max_attempts IS NULL OR p_max_attempts < 1 OR p_max_age_s IS NULL OR p_max_age_s < 1
       OR p_batch IS NULL OR p_batch < 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400',
            MESSAGE = 'max attempts, max age and batch must be at least 1';
    END IF;
    requeued := 0;
    exhausted := 0;
    too_old := 0;
    refunds := 0;
    refunded_credits := 0;
    swept := pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('cameos.queue_sweep'));
    IF swept THEN
        -- Two index scans (expired leases, then the oldest jobs), not one
        -- filter over every job: the sweep runs every few seconds.
        FOR v_id IN
            (SELECT j.generation_id FROM public.generation_jobs j
              WHERE j.lease_token IS NOT NULL AND j.lease_expires_at < pg_catalog.clock_timestamp()
              ORDER BY j.lease_expires_at LIMIT p_batch)
            UNION
            (SELECT j.generation_id FROM public.generation_jobs j
              WHERE j.enqueued_at < pg_catalog.now() - pg_catalog.make_interval(secs => p_max_age_s)
              ORDER BY j.enqueued_at LIMIT p_batch)
        LOOP
            -- The generation first (the lock order); one being reported right
            -- now is left to that report.
            SELECT g.* INTO v_gen FROM public.generations g WHERE g.id = v_id
               FOR NO KEY UPDATE SKIP LOCKED;
            CONTINUE WHEN NOT FOUND;
            SELECT j.* INTO v_job FROM public.generation_jobs j
             WHERE j.generation_id = v_id FOR UPDATE;
            CONTINUE WHEN NOT FOUND OR v_gen.status <> 'generating';
            v_why := NULL;
            IF v_job.enqueued_at < pg_catalog.now() - pg_catalog.make_interval(secs => p_max_age_s) THEN
                v_why := 'no worker finished it in time';
                too_old := too_old + 1;
            ELSIF v_job.lease_token IS NOT NULL
                  AND v_job.lease_expires_at < pg_catalog.clock_timestamp() THEN
                IF v_job.attempts >= p_max_attempts THEN
                    v_why := pg_catalog.format('abandoned by its workers %s times', v_job.attempts);
                    exhausted := exhausted + 1;
                ELSE
                    UPDATE public.generation_jobs j
                       SET lease_token = NULL, leased_by = NULL, lease_expires_at = NULL
                     WHERE j.generation_id = v_id;
                    requeued := requeued + 1;
                END IF;
            END IF;
            IF v_why IS NOT NULL THEN
                -- The worker's own failure report: status, refund, the job gone.
                PERFORM public.content_fail_generation(v_id, v_why);
                -- content_fail_generation refunds exactly what was charged.
                IF v_gen.credits_used > 0 THEN
                    refunds := refunds + 1;
                    refunded_credits := refunded_credits + v_gen.credits_used;
                END IF;
            END IF;
        END LOOP;
    END IF;

    -- The per-user counts are kept by a trigger (0013): one row per user
    -- with work, not one per job.
    SELECT coalesce(sum(u.queued), 0), coalesce(sum(u.leased), 0) INTO queued, leased
      FROM public.generation_queue_users u;
    SELECT pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - j.enqueued_at)
      INTO oldest_queued_s
      FROM public.generation_jobs j
     WHERE j.lease_token IS NULL
     ORDER BY j.enqueued_at
     LIMIT 1;
    oldest_queued_s := coalesce(GREATEST(oldest_queued_s, 0), 0);
END
$$;

CREATE OR REPLACE FUNCTION public.queue_sweep(p_max_attempts integer, p_max_age_s integer,
                                              p_batch integer,
                                              OUT requeued integer, OUT failed integer)
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT j.requeued, j.exhausted + j.too_old
      FROM public.queue_janitor(p_max_attempts, p_max_age_s, p_batch) j;
$$;

REVOKE ALL ON FUNCTION public.queue_janitor(integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.queue_janitor(integer, integer, integer) TO cameos_content;
