-- 0004_indexes: the seed's indexes, the keyset-pagination indexes the List
-- RPCs walk ((user_id, created_at DESC, id DESC), optionally with the filter
-- column in front of created_at), indexes under the foreign keys that have
-- ON DELETE actions, and the partial unique indexes that make "one debit and
-- one refund per generation" a property of the table rather than of the code.

-- user_profiles (username is indexed by its unique constraint)
CREATE INDEX IF NOT EXISTS idx_user_profiles_created_at
    ON public.user_profiles (created_at);

-- generations
CREATE INDEX IF NOT EXISTS idx_generations_user_id ON public.generations (user_id);
CREATE INDEX IF NOT EXISTS idx_generations_created_at ON public.generations (created_at);
CREATE INDEX IF NOT EXISTS idx_generations_status ON public.generations (status);
CREATE INDEX IF NOT EXISTS idx_generations_user_created
    ON public.generations (user_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_generations_user_status_created
    ON public.generations (user_id, status, created_at DESC, id DESC);

-- credit_transactions
CREATE INDEX IF NOT EXISTS idx_credit_transactions_user_id
    ON public.credit_transactions (user_id);
CREATE INDEX IF NOT EXISTS idx_credit_transactions_created_at
    ON public.credit_transactions (created_at);
CREATE INDEX IF NOT EXISTS idx_credit_transactions_user_created
    ON public.credit_transactions (user_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_credit_transactions_user_type_created
    ON public.credit_transactions (user_id, transaction_type, created_at DESC, id DESC);
-- Serves the ON DELETE SET NULL from generations and the ledger's look-ups.
CREATE INDEX IF NOT EXISTS idx_credit_transactions_generation_id
    ON public.credit_transactions (generation_id)
    WHERE generation_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS uq_credit_transactions_generation_debit
    ON public.credit_transactions (generation_id)
    WHERE generation_id IS NOT NULL AND transaction_type = 'generation';
CREATE UNIQUE INDEX IF NOT EXISTS uq_credit_transactions_generation_refund
    ON public.credit_transactions (generation_id)
    WHERE generation_id IS NOT NULL AND transaction_type = 'refund';

-- brand_guidelines
CREATE INDEX IF NOT EXISTS idx_brand_guidelines_user_id
    ON public.brand_guidelines (user_id);
CREATE INDEX IF NOT EXISTS idx_brand_guidelines_user_created
    ON public.brand_guidelines (user_id, created_at DESC, id DESC);

-- tool_configurations
CREATE INDEX IF NOT EXISTS idx_tool_configurations_user_id
    ON public.tool_configurations (user_id);
CREATE INDEX IF NOT EXISTS idx_tool_configurations_user_created
    ON public.tool_configurations (user_id, created_at DESC, id DESC);

-- campaigns
CREATE INDEX IF NOT EXISTS idx_campaigns_user_id ON public.campaigns (user_id);
CREATE INDEX IF NOT EXISTS idx_campaigns_user_created
    ON public.campaigns (user_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_campaigns_brand_guidelines_id
    ON public.campaigns (brand_guidelines_id)
    WHERE brand_guidelines_id IS NOT NULL;

-- storyboard_sequences
CREATE INDEX IF NOT EXISTS idx_storyboard_sequences_user_id
    ON public.storyboard_sequences (user_id);
CREATE INDEX IF NOT EXISTS idx_storyboard_sequences_user_created
    ON public.storyboard_sequences (user_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_storyboard_sequences_campaign_id
    ON public.storyboard_sequences (campaign_id)
    WHERE campaign_id IS NOT NULL;

-- style_presets
CREATE INDEX IF NOT EXISTS idx_style_presets_user_id ON public.style_presets (user_id);
CREATE INDEX IF NOT EXISTS idx_style_presets_user_created
    ON public.style_presets (user_id, created_at DESC, id DESC);

-- performance_metrics
CREATE INDEX IF NOT EXISTS idx_performance_metrics_user_id
    ON public.performance_metrics (user_id);
CREATE INDEX IF NOT EXISTS idx_performance_metrics_user_created
    ON public.performance_metrics (user_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS idx_performance_metrics_generation_id
    ON public.performance_metrics (generation_id)
    WHERE generation_id IS NOT NULL;

-- tool_preset_chains
CREATE INDEX IF NOT EXISTS idx_tool_preset_chains_user_id
    ON public.tool_preset_chains (user_id);
CREATE INDEX IF NOT EXISTS idx_tool_preset_chains_user_created
    ON public.tool_preset_chains (user_id, created_at DESC, id DESC);

-- platform_configurations (user_id leads the (user_id, platform) unique index too)
CREATE INDEX IF NOT EXISTS idx_platform_configurations_user_id
    ON public.platform_configurations (user_id);
CREATE INDEX IF NOT EXISTS idx_platform_configurations_user_created
    ON public.platform_configurations (user_id, created_at DESC, id DESC);
