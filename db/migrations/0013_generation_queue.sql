-- 0013_generation_queue: the queue that hands generations to video workers.
--
-- A generation waits in the queue from the moment it is created 'generating'
-- until it leaves that status, whoever makes it leave: a row of
-- generation_jobs exists exactly while its generation is 'generating'
-- (triggers on generations add and remove it), so no way out of the status
-- can leave a job behind or forget one.
--
-- A job is queued (no lease) or leased to one worker until lease_expires_at,
-- under a lease_token the worker names when it reports (fencing: a worker
-- whose lease was swept and handed to another holds a stale token).
--
-- Fairness: generation_queue_users keeps, per user with work, how many jobs
-- are queued and leased (maintained by a trigger on generation_jobs) and
-- when the user was last served. A claim serves users least recently served
-- first, one job each per round, and skips users at their limit of leased
-- jobs: one user with 10,000 queued gets one job per round like everyone
-- else, and never more than the per-user limit at a time.
--
-- Lock order, everywhere: generation, then job, then queue user; a claim
-- takes the queue user first but never waits (SKIP LOCKED on the job), so
-- no cycle can form.
--
-- Every function is SECURITY DEFINER for the service role only (CM403
-- otherwise); the tables have no grants, so nothing else reaches them.

CREATE TABLE IF NOT EXISTS public.generation_jobs (
    generation_id    uuid        NOT NULL,
    user_id          uuid        NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    lease_token      uuid,
    leased_by        text,
    lease_expires_at timestamptz,
    enqueued_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT generation_jobs_pkey PRIMARY KEY (generation_id),
    CONSTRAINT generation_jobs_generation_id_fkey FOREIGN KEY (generation_id)
        REFERENCES public.generations (id) ON DELETE CASCADE,
    CONSTRAINT generation_jobs_lease_check
        CHECK ((lease_token IS NULL) = (lease_expires_at IS NULL)),
    CONSTRAINT generation_jobs_attempts_check CHECK (attempts >= 0)
);
CREATE INDEX IF NOT EXISTS generation_jobs_queued_idx
    ON public.generation_jobs (user_id, enqueued_at, generation_id) WHERE lease_token IS NULL;
CREATE INDEX IF NOT EXISTS generation_jobs_lease_idx
    ON public.generation_jobs (lease_expires_at) WHERE lease_token IS NOT NULL;
CREATE INDEX IF NOT EXISTS generation_jobs_age_idx ON public.generation_jobs (enqueued_at);
ALTER TABLE public.generation_jobs ENABLE ROW LEVEL SECURITY;

CREATE TABLE IF NOT EXISTS public.generation_queue_users (
    user_id   uuid        NOT NULL,
    queued    integer     NOT NULL DEFAULT 0,
    leased    integer     NOT NULL DEFAULT 0,
    served_at timestamptz NOT NULL DEFAULT '-infinity',
    CONSTRAINT generation_queue_users_pkey PRIMARY KEY (user_id),
    CONSTRAINT generation_queue_users_counts_check CHECK (queued >= 0 AND leased >= 0)
);
CREATE INDEX IF NOT EXISTS generation_queue_users_turn_idx
    ON public.generation_queue_users (served_at, user_id) WHERE queued > 0;
ALTER TABLE public.generation_queue_users ENABLE ROW LEVEL SECURITY;

-- ------------------------------------------------------------ bookkeeping

-- A generation enters the queue when it is created generating and leaves it
-- when its status changes.
CREATE OR REPLACE FUNCTION public.generation_queue_follow()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'generating' THEN
            INSERT INTO public.generation_jobs (generation_id, user_id, enqueued_at)
            VALUES (NEW.id, NEW.user_id, NEW.created_at)
            ON CONFLICT (generation_id) DO NOTHING;
        END IF;
    ELSIF OLD.status = 'generating' AND NEW.status <> 'generating' THEN
        DELETE FROM public.generation_jobs j WHERE j.generation_id = NEW.id;
    ELSIF OLD.status <> 'generating' AND NEW.status = 'generating' THEN
        INSERT INTO public.generation_jobs (generation_id, user_id)
        VALUES (NEW.id, NEW.user_id)
        ON CONFLICT (generation_id) DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER after_generation_queue_insert
    AFTER INSERT ON public.generations
    FOR EACH ROW EXECUTE FUNCTION public.generation_queue_follow();
CREATE OR REPLACE TRIGGER after_generation_queue_status
    AFTER UPDATE OF status ON public.generations
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION public.generation_queue_follow();

-- Keeps generation_queue_users' counts equal to the jobs' states; a user
-- with nothing queued or leased has no row.
CREATE OR REPLACE FUNCTION public.generation_queue_count()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_user   uuid;
    v_queued integer := 0;
    v_leased integer := 0;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        v_user := OLD.user_id;
        IF OLD.lease_token IS NULL THEN v_queued := v_queued - 1; ELSE v_leased := v_leased - 1; END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        v_user := NEW.user_id;
        IF NEW.lease_token IS NULL THEN v_queued := v_queued + 1; ELSE v_leased := v_leased + 1; END IF;
    END IF;
    IF v_queued = 0 AND v_leased = 0 THEN
        RETURN NULL;
    END IF;
    INSERT INTO public.generation_queue_users AS u (user_id, queued, leased)
    VALUES (v_user, GREATEST(v_queued, 0), GREATEST(v_leased, 0))
    ON CONFLICT (user_id) DO UPDATE
        SET queued = u.queued + v_queued, leased = u.leased + v_leased;
    DELETE FROM public.generation_queue_users u
     WHERE u.user_id = v_user AND u.queued = 0 AND u.leased = 0;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER after_generation_job_change
    AFTER INSERT OR UPDATE OF lease_token OR DELETE ON public.generation_jobs
    FOR EACH ROW EXECUTE FUNCTION public.generation_queue_count();

-- A job back in the queue (a lease ran out or was given back) wakes the
-- waiting workers, through the channel the content service already
-- listens on; a new generation's own NOTIFY (0006) does that for new work.
-- Sent at commit, once per transaction however many jobs it requeued.
CREATE OR REPLACE FUNCTION public.generation_queue_notify()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('generation_changed', '{"queue": true}');
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER after_generation_job_requeued
    AFTER UPDATE OF lease_token ON public.generation_jobs
    FOR EACH ROW WHEN (OLD.lease_token IS NOT NULL AND NEW.lease_token IS NULL)
    EXECUTE FUNCTION public.generation_queue_notify();

-- Generations that were generating before the queue existed join it
-- (idempotent: a job already there is kept).
INSERT INTO public.generation_jobs (generation_id, user_id, enqueued_at)
SELECT g.id, g.user_id, g.created_at FROM public.generations g WHERE g.status = 'generating'
ON CONFLICT (generation_id) DO NOTHING;

-- ------------------------------------------------------------ the worker's calls

-- The worker's functions are the service role's alone (CM403 otherwise),
-- whatever reached them.
CREATE OR REPLACE FUNCTION public.queue_authorize_worker()
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $$
BEGIN
    IF auth.role() IS DISTINCT FROM 'service_role' THEN
        RAISE EXCEPTION USING ERRCODE = 'CM403', MESSAGE = 'permission denied';
    END IF;
END
$$;

-- A leased job as the worker sees it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type t
                     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                    WHERE n.nspname = 'public' AND t.typname = 'generation_lease') THEN
        CREATE TYPE public.generation_lease AS (
            generation       public.generations,
            lease_token      uuid,
            lease_expires_at timestamptz,
            attempt          integer
        );
    END IF;
END
$$;

-- Claims up to p_max queued generations for p_worker for p_lease_ms, at
-- most p_per_user leased per user at a time (fairness: see the top). Never
-- waits on another claim: jobs and users another transaction holds are
-- skipped, so two concurrent claims never return the same generation.
CREATE OR REPLACE FUNCTION public.queue_claim(p_worker text, p_max integer, p_lease_ms integer,
                                              p_per_user integer)
RETURNS SETOF public.generation_lease
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_left  integer := p_max;
    v_round integer;
    v_user  uuid;
    v_job   public.generation_jobs;
    v_gen   public.generations;
BEGIN
    PERFORM public.queue_authorize_worker();
    IF p_max < 1 OR p_lease_ms < 1 OR p_per_user < 1 OR p_worker IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400',
            MESSAGE = 'worker, max, lease and per-user limit must be set and positive';
    END IF;
    LOOP
        v_round := 0;
        FOR v_user IN
            SELECT u.user_id FROM public.generation_queue_users u
             WHERE u.queued > 0 AND u.leased < p_per_user
             ORDER BY u.served_at, u.user_id
             LIMIT v_left
             FOR UPDATE SKIP LOCKED
        LOOP
            SELECT j.* INTO v_job FROM public.generation_jobs j
             WHERE j.user_id = v_user AND j.lease_token IS NULL
             ORDER BY j.enqueued_at, j.generation_id
             LIMIT 1
             FOR UPDATE SKIP LOCKED;
            CONTINUE WHEN NOT FOUND;
            UPDATE public.generation_jobs j
               SET lease_token = pg_catalog.gen_random_uuid(), leased_by = p_worker,
                   lease_expires_at = pg_catalog.clock_timestamp()
                                      + pg_catalog.make_interval(secs => p_lease_ms / 1000.0),
                   attempts = j.attempts + 1
             WHERE j.generation_id = v_job.generation_id
            RETURNING j.* INTO v_job;
            -- clock_timestamp: a user served in this round comes after the
            -- others in the next one.
            UPDATE public.generation_queue_users u SET served_at = pg_catalog.clock_timestamp()
             WHERE u.user_id = v_user;
            SELECT g.* INTO v_gen FROM public.generations g WHERE g.id = v_job.generation_id;
            RETURN NEXT ROW(v_gen, v_job.lease_token, v_job.lease_expires_at, v_job.attempts)::public.generation_lease;
            v_round := v_round + 1;
            v_left := v_left - 1;
        END LOOP;
        EXIT WHEN v_round = 0 OR v_left <= 0;
    END LOOP;
END
$$;

-- Extends a lease (the worker's heartbeat): the new expiry, or CM412 when
-- the lease is no longer this token's (expired and swept, or never was).
CREATE OR REPLACE FUNCTION public.queue_extend(p_id uuid, p_lease_token uuid, p_lease_ms integer)
RETURNS timestamptz
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_until timestamptz;
BEGIN
    PERFORM public.queue_authorize_worker();
    IF p_lease_ms < 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'CM400', MESSAGE = 'lease must be positive';
    END IF;
    UPDATE public.generation_jobs j
       SET lease_expires_at = pg_catalog.clock_timestamp()
                              + pg_catalog.make_interval(secs => p_lease_ms / 1000.0)
     WHERE j.generation_id = p_id AND j.lease_token = p_lease_token
    RETURNING j.lease_expires_at INTO v_until;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412', MESSAGE = 'the lease is not held (expired or taken)';
    END IF;
    RETURN v_until;
END
$$;

-- Gives a leased generation back to the queue at once (the worker cannot
-- do it now, or is shutting down). A give-back is not an abandonment: the
-- claim does not count towards the attempts (the age limit still bounds a
-- generation every worker gives back).
CREATE OR REPLACE FUNCTION public.queue_release(p_id uuid, p_lease_token uuid)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    PERFORM public.queue_authorize_worker();
    UPDATE public.generation_jobs j
       SET lease_token = NULL, leased_by = NULL, lease_expires_at = NULL,
           attempts = j.attempts - 1
     WHERE j.generation_id = p_id AND j.lease_token = p_lease_token;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412', MESSAGE = 'the lease is not held (expired or taken)';
    END IF;
END
$$;

-- Fencing for a worker's report: with a token, the generation must still be
-- leased under it (checked with the generation locked, so a sweep cannot
-- slip in between); without one (operators), anything goes as before. The
-- report itself is content_complete_generation / content_fail_generation.
CREATE OR REPLACE FUNCTION public.queue_check_lease(p_id uuid, p_lease_token uuid)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    PERFORM public.queue_authorize_worker();
    IF p_lease_token IS NULL THEN
        RETURN;
    END IF;
    PERFORM 1 FROM public.generations g WHERE g.id = p_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM404', MESSAGE = 'generation not found';
    END IF;
    PERFORM 1 FROM public.generation_jobs j
     WHERE j.generation_id = p_id AND j.lease_token = p_lease_token FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CM412', MESSAGE = 'the lease is not held (expired or taken)';
    END IF;
END
$$;

-- The sweep: leases past their expiry go back to the queue, or, after
-- p_max_attempts claims, or for a generation older than p_max_age_s, the
-- generation fails with its refund through content_fail_generation (exactly
-- once: the status change removes the job). One sweeper at a time across
-- replicas (a transaction advisory lock; a sweep that finds it taken does
-- nothing); at most p_batch jobs per call. Returns what it did.
CREATE OR REPLACE FUNCTION public.queue_sweep(p_max_attempts integer, p_max_age_s integer,
                                              p_batch integer,
                                              OUT requeued integer, OUT failed integer)
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
    requeued := 0;
    failed := 0;
    PERFORM public.queue_authorize_worker();
    IF NOT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('cameos.queue_sweep')) THEN
        RETURN;
    END IF;
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
        SELECT j.* INTO v_job FROM public.generation_jobs j WHERE j.generation_id = v_id FOR UPDATE;
        CONTINUE WHEN NOT FOUND OR v_gen.status <> 'generating';
        v_why := NULL;
        IF v_job.enqueued_at < pg_catalog.now() - pg_catalog.make_interval(secs => p_max_age_s) THEN
            v_why := 'no worker finished it in time';
        ELSIF v_job.lease_token IS NOT NULL AND v_job.lease_expires_at < pg_catalog.clock_timestamp() THEN
            IF v_job.attempts >= p_max_attempts THEN
                v_why := pg_catalog.format('abandoned by its workers %s times', v_job.attempts);
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
            failed := failed + 1;
        END IF;
    END LOOP;
END
$$;

-- The owner cancels a generation no worker holds: it fails with its refund.
-- CM412 when a worker holds it (or it is finished), CM404 when it is not the
-- caller's (row-level security of the caller decides what exists).
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

REVOKE ALL ON FUNCTION
    public.queue_authorize_worker(),
    public.generation_queue_follow(),
    public.generation_queue_notify(),
    public.generation_queue_count(),
    public.queue_claim(text, integer, integer, integer),
    public.queue_extend(uuid, uuid, integer),
    public.queue_release(uuid, uuid),
    public.queue_check_lease(uuid, uuid),
    public.queue_sweep(integer, integer, integer),
    public.queue_cancel(uuid)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    public.queue_claim(text, integer, integer, integer),
    public.queue_extend(uuid, uuid, integer),
    public.queue_release(uuid, uuid),
    public.queue_check_lease(uuid, uuid),
    public.queue_sweep(integer, integer, integer),
    public.queue_cancel(uuid)
TO cameos_content;
