-- 0011_planning: what the planning service needs beyond its tables.
--
-- planning_require() lets one SQL statement refuse its own work with a status
-- the services map (CMxxx, see common/pgerr.c) and a message for people. The
-- planning service checks references (brand_guidelines_id, campaign_id must be
-- the caller's) and campaign status moves inside the very statement that
-- writes, together with its request_id claim; returning no row instead would
-- commit the claim without a result. Raising rolls all of it back.

CREATE OR REPLACE FUNCTION public.planning_require(p_ok boolean, p_sqlstate text, p_message text)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SET search_path = ''
AS $$
BEGIN
    IF p_ok THEN
        RETURN true;
    END IF;
    -- Only our own class: anything else would read as a server fault.
    IF p_sqlstate IS NULL OR p_sqlstate !~ '^CM[0-9]{3}$' THEN
        p_sqlstate := 'CM400';
    END IF;
    RAISE EXCEPTION USING ERRCODE = p_sqlstate, MESSAGE = coalesce(p_message, 'invalid argument');
END
$$;

REVOKE ALL ON FUNCTION public.planning_require(boolean, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.planning_require(boolean, text, text) TO cameos_planning;
