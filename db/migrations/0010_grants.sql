-- 0010_grants: least privilege per service. Each service role gets only the
-- tables its RPCs use; RLS (0009) then limits the rows. Privileges are
-- revoked first and granted again, so the end state is exactly this file
-- whatever was granted by hand before. Nobody may write
-- credit_transactions, user_profiles.credits or user_profiles.total_spent:
-- credits move only through the ledger functions (0008).

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON SCHEMA auth FROM PUBLIC;

-- Policies run auth.uid()/auth.role() with the querying role's rights, so
-- every service role needs them.
GRANT USAGE ON SCHEMA auth TO cameos_app;
REVOKE ALL ON FUNCTION auth.uid(), auth.role(), auth.jwt() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.jwt() TO cameos_app;

REVOKE ALL ON TABLE
    auth.users,
    public.user_profiles, public.generations, public.credit_transactions,
    public.pricing_tiers, public.brand_guidelines, public.tool_configurations,
    public.campaigns, public.storyboard_sequences, public.style_presets,
    public.performance_metrics, public.tool_preset_chains,
    public.platform_configurations, public.generation_pricing, public.request_keys
FROM PUBLIC, cameos_app, cameos_credits, cameos_content, cameos_planning;

-- Trigger functions and internal helpers: nobody calls them directly.
REVOKE ALL ON FUNCTION
    public.update_updated_at_column(),
    public.handle_new_user(),
    public.keep_generation_id_in_ledger(),
    public.notify_generation_changed(),
    public.ledger_authorize_caller(uuid),
    public.ledger_claim_request(uuid, text, jsonb),
    public.ledger_store_result(uuid, text, jsonb)
FROM PUBLIC;

REVOKE ALL ON FUNCTION
    public.ledger_spend(uuid, integer, text, uuid, text),
    public.ledger_refund(uuid, uuid, text, text),
    public.ledger_grant(uuid, integer, text, text),
    public.ledger_purchase(uuid, uuid, text, text),
    public.request_key_claim(uuid, text, jsonb),
    public.request_key_store(uuid, text, jsonb),
    public.request_keys_purge(interval)
FROM PUBLIC, cameos_app, cameos_credits, cameos_content, cameos_planning;

-- cameos_credits: users, profiles (username and avatar only), the ledger.
GRANT SELECT, INSERT ON TABLE auth.users TO cameos_credits;
GRANT SELECT ON TABLE public.user_profiles TO cameos_credits;
GRANT UPDATE (username, avatar_url) ON TABLE public.user_profiles TO cameos_credits;
GRANT SELECT ON TABLE public.credit_transactions, public.pricing_tiers TO cameos_credits;

-- cameos_content: generations and what hangs off them, the price list.
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE
    public.generations, public.performance_metrics, public.style_presets,
    public.tool_configurations, public.platform_configurations
TO cameos_content;
GRANT SELECT ON TABLE public.generation_pricing TO cameos_content;

-- cameos_planning: campaigns, storyboards, brand guidelines, tool chains.
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE
    public.campaigns, public.storyboard_sequences, public.brand_guidelines,
    public.tool_preset_chains
TO cameos_planning;

-- Ledger: credits sells, grants and refunds; content debits and refunds
-- generations.
GRANT EXECUTE ON FUNCTION
    public.ledger_spend(uuid, integer, text, uuid, text),
    public.ledger_refund(uuid, uuid, text, text),
    public.ledger_grant(uuid, integer, text, text),
    public.ledger_purchase(uuid, uuid, text, text)
TO cameos_credits, cameos_content;

-- request_id bookkeeping for every service's own mutating RPCs.
GRANT EXECUTE ON FUNCTION
    public.request_key_claim(uuid, text, jsonb),
    public.request_key_store(uuid, text, jsonb),
    public.request_keys_purge(interval)
TO cameos_credits, cameos_content, cameos_planning;
