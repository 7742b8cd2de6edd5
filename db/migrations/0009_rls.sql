-- 0009_rls: Row Level Security on every table. Policies apply to the
-- group role cameos_app (all three service roles) and read the caller from
-- the JWT claims that each service transaction sets:
--   * role "authenticated": the user's own rows only, with the operations the
--     seed allows per table (no client writes to credit_transactions, no
--     client-created profiles: those come from handle_new_user());
--   * role "service_role": internal callers acting for any user (the services
--     check per RPC who may do what);
--   * no claims: nothing, except the public generation price list.
-- Table privileges (0010) narrow this further per service.
-- `(select auth.uid())` is evaluated once per statement, not once per row.


-- auth.users: only internal callers (CreateUser) read or create users.
ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Service role can view users" ON auth.users;
CREATE POLICY "Service role can view users" ON auth.users
    FOR SELECT TO cameos_app
    USING ((select auth.role()) = 'service_role');
DROP POLICY IF EXISTS "Service role can create users" ON auth.users;
CREATE POLICY "Service role can create users" ON auth.users
    FOR INSERT TO cameos_app
    WITH CHECK ((select auth.role()) = 'service_role');

-- user_profiles: read and update one's own; never insert (handle_new_user does).
ALTER TABLE public.user_profiles ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view their own profile" ON public.user_profiles;
CREATE POLICY "Users can view their own profile" ON public.user_profiles
    FOR SELECT TO cameos_app
    USING ((select auth.uid()) = id);
DROP POLICY IF EXISTS "Users can update their own profile" ON public.user_profiles;
CREATE POLICY "Users can update their own profile" ON public.user_profiles
    FOR UPDATE TO cameos_app
    USING ((select auth.uid()) = id)
    WITH CHECK ((select auth.uid()) = id);
DROP POLICY IF EXISTS "Service role can manage profiles" ON public.user_profiles;
CREATE POLICY "Service role can manage profiles" ON public.user_profiles
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- credit_transactions: read only; rows are written by the ledger functions.
ALTER TABLE public.credit_transactions ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view their own transactions" ON public.credit_transactions;
CREATE POLICY "Users can view their own transactions" ON public.credit_transactions
    FOR SELECT TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Service role can manage transactions" ON public.credit_transactions;
CREATE POLICY "Service role can manage transactions" ON public.credit_transactions
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- pricing_tiers: active tiers are visible to signed-in users.
ALTER TABLE public.pricing_tiers ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Authenticated users can view active tiers" ON public.pricing_tiers;
CREATE POLICY "Authenticated users can view active tiers" ON public.pricing_tiers
    FOR SELECT TO cameos_app
    USING (is_active AND (select auth.role()) = 'authenticated');
DROP POLICY IF EXISTS "Service role can manage pricing tiers" ON public.pricing_tiers;
CREATE POLICY "Service role can manage pricing tiers" ON public.pricing_tiers
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- generation_pricing: the public price list.
ALTER TABLE public.generation_pricing ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Anyone can view generation pricing" ON public.generation_pricing;
CREATE POLICY "Anyone can view generation pricing" ON public.generation_pricing
    FOR SELECT TO cameos_app
    USING (true);
DROP POLICY IF EXISTS "Service role can manage generation pricing" ON public.generation_pricing;
CREATE POLICY "Service role can manage generation pricing" ON public.generation_pricing
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- generations
ALTER TABLE public.generations ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view their own generations" ON public.generations;
CREATE POLICY "Users can view their own generations" ON public.generations
    FOR SELECT TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can insert their own generations" ON public.generations;
CREATE POLICY "Users can insert their own generations" ON public.generations
    FOR INSERT TO cameos_app
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can update their own generations" ON public.generations;
CREATE POLICY "Users can update their own generations" ON public.generations
    FOR UPDATE TO cameos_app
    USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can delete their own generations" ON public.generations;
CREATE POLICY "Users can delete their own generations" ON public.generations
    FOR DELETE TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Service role can manage generations" ON public.generations;
CREATE POLICY "Service role can manage generations" ON public.generations
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- brand_guidelines
ALTER TABLE public.brand_guidelines ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view their own brand guidelines" ON public.brand_guidelines;
CREATE POLICY "Users can view their own brand guidelines" ON public.brand_guidelines
    FOR SELECT TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can insert their own brand guidelines" ON public.brand_guidelines;
CREATE POLICY "Users can insert their own brand guidelines" ON public.brand_guidelines
    FOR INSERT TO cameos_app
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can update their own brand guidelines" ON public.brand_guidelines;
CREATE POLICY "Users can update their own brand guidelines" ON public.brand_guidelines
    FOR UPDATE TO cameos_app
    USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can delete their own brand guidelines" ON public.brand_guidelines;
CREATE POLICY "Users can delete their own brand guidelines" ON public.brand_guidelines
    FOR DELETE TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Service role can manage brand guidelines" ON public.brand_guidelines;
CREATE POLICY "Service role can manage brand guidelines" ON public.brand_guidelines
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- tool_configurations
ALTER TABLE public.tool_configurations ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view their own tool configurations" ON public.tool_configurations;
CREATE POLICY "Users can view their own tool configurations" ON public.tool_configurations
    FOR SELECT TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can insert their own tool configurations" ON public.tool_configurations;
CREATE POLICY "Users can insert their own tool configurations" ON public.tool_configurations
    FOR INSERT TO cameos_app
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can update their own tool configurations" ON public.tool_configurations;
CREATE POLICY "Users can update their own tool configurations" ON public.tool_configurations
    FOR UPDATE TO cameos_app
    USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can delete their own tool configurations" ON public.tool_configurations;
CREATE POLICY "Users can delete their own tool configurations" ON public.tool_configurations
    FOR DELETE TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Service role can manage tool configurations" ON public.tool_configurations;
CREATE POLICY "Service role can manage tool configurations" ON public.tool_configurations
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- campaigns
ALTER TABLE public.campaigns ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view their own campaigns" ON public.campaigns;
CREATE POLICY "Users can view their own campaigns" ON public.campaigns
    FOR SELECT TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can insert their own campaigns" ON public.campaigns;
CREATE POLICY "Users can insert their own campaigns" ON public.campaigns
    FOR INSERT TO cameos_app
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can update their own campaigns" ON public.campaigns;
CREATE POLICY "Users can update their own campaigns" ON public.campaigns
    FOR UPDATE TO cameos_app
    USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can delete their own campaigns" ON public.campaigns;
CREATE POLICY "Users can delete their own campaigns" ON public.campaigns
    FOR DELETE TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Service role can manage campaigns" ON public.campaigns;
CREATE POLICY "Service role can manage campaigns" ON public.campaigns
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- storyboard_sequences
ALTER TABLE public.storyboard_sequences ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view their own storyboard sequences" ON public.storyboard_sequences;
CREATE POLICY "Users can view their own storyboard sequences" ON public.storyboard_sequences
    FOR SELECT TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can insert their own storyboard sequences" ON public.storyboard_sequences;
CREATE POLICY "Users can insert their own storyboard sequences" ON public.storyboard_sequences
    FOR INSERT TO cameos_app
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can update their own storyboard sequences" ON public.storyboard_sequences;
CREATE POLICY "Users can update their own storyboard sequences" ON public.storyboard_sequences
    FOR UPDATE TO cameos_app
    USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can delete their own storyboard sequences" ON public.storyboard_sequences;
CREATE POLICY "Users can delete their own storyboard sequences" ON public.storyboard_sequences
    FOR DELETE TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Service role can manage storyboard sequences" ON public.storyboard_sequences;
CREATE POLICY "Service role can manage storyboard sequences" ON public.storyboard_sequences
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- style_presets
ALTER TABLE public.style_presets ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view their own style presets" ON public.style_presets;
CREATE POLICY "Users can view their own style presets" ON public.style_presets
    FOR SELECT TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can insert their own style presets" ON public.style_presets;
CREATE POLICY "Users can insert their own style presets" ON public.style_presets
    FOR INSERT TO cameos_app
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can update their own style presets" ON public.style_presets;
CREATE POLICY "Users can update their own style presets" ON public.style_presets
    FOR UPDATE TO cameos_app
    USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can delete their own style presets" ON public.style_presets;
CREATE POLICY "Users can delete their own style presets" ON public.style_presets
    FOR DELETE TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Service role can manage style presets" ON public.style_presets;
CREATE POLICY "Service role can manage style presets" ON public.style_presets
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- tool_preset_chains
ALTER TABLE public.tool_preset_chains ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view their own tool preset chains" ON public.tool_preset_chains;
CREATE POLICY "Users can view their own tool preset chains" ON public.tool_preset_chains
    FOR SELECT TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can insert their own tool preset chains" ON public.tool_preset_chains;
CREATE POLICY "Users can insert their own tool preset chains" ON public.tool_preset_chains
    FOR INSERT TO cameos_app
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can update their own tool preset chains" ON public.tool_preset_chains;
CREATE POLICY "Users can update their own tool preset chains" ON public.tool_preset_chains
    FOR UPDATE TO cameos_app
    USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can delete their own tool preset chains" ON public.tool_preset_chains;
CREATE POLICY "Users can delete their own tool preset chains" ON public.tool_preset_chains
    FOR DELETE TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Service role can manage tool preset chains" ON public.tool_preset_chains;
CREATE POLICY "Service role can manage tool preset chains" ON public.tool_preset_chains
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- platform_configurations
ALTER TABLE public.platform_configurations ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view their own platform configurations" ON public.platform_configurations;
CREATE POLICY "Users can view their own platform configurations" ON public.platform_configurations
    FOR SELECT TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can insert their own platform configurations" ON public.platform_configurations;
CREATE POLICY "Users can insert their own platform configurations" ON public.platform_configurations
    FOR INSERT TO cameos_app
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can update their own platform configurations" ON public.platform_configurations;
CREATE POLICY "Users can update their own platform configurations" ON public.platform_configurations
    FOR UPDATE TO cameos_app
    USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can delete their own platform configurations" ON public.platform_configurations;
CREATE POLICY "Users can delete their own platform configurations" ON public.platform_configurations
    FOR DELETE TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Service role can manage platform configurations" ON public.platform_configurations;
CREATE POLICY "Service role can manage platform configurations" ON public.platform_configurations
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- performance_metrics: no delete for users, as in the seed.
ALTER TABLE public.performance_metrics ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view their own performance metrics" ON public.performance_metrics;
CREATE POLICY "Users can view their own performance metrics" ON public.performance_metrics
    FOR SELECT TO cameos_app
    USING ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can insert their own performance metrics" ON public.performance_metrics;
CREATE POLICY "Users can insert their own performance metrics" ON public.performance_metrics
    FOR INSERT TO cameos_app
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Users can update their own performance metrics" ON public.performance_metrics;
CREATE POLICY "Users can update their own performance metrics" ON public.performance_metrics
    FOR UPDATE TO cameos_app
    USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);
DROP POLICY IF EXISTS "Service role can manage performance metrics" ON public.performance_metrics;
CREATE POLICY "Service role can manage performance metrics" ON public.performance_metrics
    FOR ALL TO cameos_app
    USING ((select auth.role()) = 'service_role')
    WITH CHECK ((select auth.role()) = 'service_role');

-- request_keys: no policy at all; only the SECURITY DEFINER functions use it.
ALTER TABLE public.request_keys ENABLE ROW LEVEL SECURITY;
