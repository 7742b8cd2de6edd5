-- 0003_tables: the twelve tables of the Smart Cameos data model
-- (seed/database-schema-reference.md) with the constraints that keep the data
-- valid whatever a client sends. Every user-owned row hangs off user_profiles
-- and goes away with it.

CREATE TABLE IF NOT EXISTS public.user_profiles (
    id          uuid        NOT NULL,
    username    text        NOT NULL,
    avatar_url  text,
    credits     integer     NOT NULL DEFAULT 0,
    total_spent numeric     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_profiles_pkey PRIMARY KEY (id),
    CONSTRAINT user_profiles_id_fkey FOREIGN KEY (id)
        REFERENCES auth.users (id) ON DELETE CASCADE,
    CONSTRAINT user_profiles_username_key UNIQUE (username),
    CONSTRAINT user_profiles_username_check
        CHECK (username ~ '^[A-Za-z0-9_.-]{3,32}$'),
    CONSTRAINT user_profiles_credits_check CHECK (credits >= 0),
    CONSTRAINT user_profiles_total_spent_check CHECK (total_spent >= 0)
);

CREATE TABLE IF NOT EXISTS public.generations (
    id                  uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id             uuid        NOT NULL,
    prompt              text        NOT NULL,
    model               text        NOT NULL DEFAULT 'veo-2',
    aspect_ratio        text        NOT NULL DEFAULT '16:9',
    resolution          text        NOT NULL DEFAULT '720p',
    mode                text        NOT NULL DEFAULT 'text_to_video',
    status              text        NOT NULL DEFAULT 'generating',
    video_url           text,
    error_message       text,
    reference_image_url text,
    credits_used        integer     NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    completed_at        timestamptz,
    CONSTRAINT generations_pkey PRIMARY KEY (id),
    CONSTRAINT generations_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    CONSTRAINT generations_model_check CHECK (model IN ('veo-2', 'veo-fast')),
    CONSTRAINT generations_aspect_ratio_check
        CHECK (aspect_ratio IN ('16:9', '9:16', '1:1')),
    CONSTRAINT generations_resolution_check CHECK (resolution IN ('720p', '1080p')),
    CONSTRAINT generations_mode_check
        CHECK (mode IN ('text_to_video', 'image_to_video')),
    CONSTRAINT generations_status_check
        CHECK (status IN ('generating', 'success', 'error')),
    CONSTRAINT generations_credits_used_check CHECK (credits_used >= 0)
);

CREATE TABLE IF NOT EXISTS public.credit_transactions (
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id          uuid        NOT NULL,
    amount           integer     NOT NULL,
    transaction_type text        NOT NULL,
    description      text        NOT NULL DEFAULT '',
    generation_id    uuid,
    metadata         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT credit_transactions_pkey PRIMARY KEY (id),
    CONSTRAINT credit_transactions_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    CONSTRAINT credit_transactions_generation_id_fkey FOREIGN KEY (generation_id)
        REFERENCES public.generations (id) ON DELETE SET NULL,
    CONSTRAINT credit_transactions_transaction_type_check
        CHECK (transaction_type IN ('purchase', 'generation', 'refund', 'bonus')),
    -- Debits are negative, everything else credits the user.
    CONSTRAINT credit_transactions_amount_check
        CHECK (CASE WHEN transaction_type = 'generation' THEN amount < 0
                    ELSE amount > 0 END)
);

CREATE TABLE IF NOT EXISTS public.pricing_tiers (
    id         uuid          NOT NULL DEFAULT gen_random_uuid(),
    name       text          NOT NULL,
    credits    integer       NOT NULL,
    price      numeric(12,2) NOT NULL,
    is_active  boolean       NOT NULL DEFAULT true,
    sort_order integer       NOT NULL DEFAULT 0,
    created_at timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT pricing_tiers_pkey PRIMARY KEY (id),
    CONSTRAINT pricing_tiers_name_key UNIQUE (name),
    CONSTRAINT pricing_tiers_credits_check CHECK (credits > 0),
    CONSTRAINT pricing_tiers_price_check CHECK (price >= 0)
);

CREATE TABLE IF NOT EXISTS public.brand_guidelines (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid        NOT NULL,
    brand_name    text        NOT NULL,
    "values"      text[]      NOT NULL DEFAULT '{}',
    tone_of_voice text[]      NOT NULL DEFAULT '{}',
    visual_style  text,
    do_list       text[]      NOT NULL DEFAULT '{}',
    dont_list     text[]      NOT NULL DEFAULT '{}',
    color_palette text[]      NOT NULL DEFAULT '{}',
    fonts         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT brand_guidelines_pkey PRIMARY KEY (id),
    CONSTRAINT brand_guidelines_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES public.user_profiles (id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS public.tool_configurations (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid        NOT NULL,
    tool_name     text        NOT NULL,
    character_id  text,
    configuration jsonb       NOT NULL DEFAULT '{}'::jsonb,
    is_favorite   boolean     NOT NULL DEFAULT false,
    usage_count   integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tool_configurations_pkey PRIMARY KEY (id),
    CONSTRAINT tool_configurations_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    CONSTRAINT tool_configurations_usage_count_check CHECK (usage_count >= 0)
);

CREATE TABLE IF NOT EXISTS public.campaigns (
    id                  uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id             uuid        NOT NULL,
    name                text        NOT NULL,
    description         text,
    target_audience     text,
    platform            text[]      NOT NULL DEFAULT '{}',
    status              text        NOT NULL DEFAULT 'draft',
    total_videos        integer     NOT NULL DEFAULT 0,
    completed_videos    integer     NOT NULL DEFAULT 0,
    concepts            jsonb       NOT NULL DEFAULT '[]'::jsonb,
    brand_guidelines_id uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    completed_at        timestamptz,
    CONSTRAINT campaigns_pkey PRIMARY KEY (id),
    CONSTRAINT campaigns_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    CONSTRAINT campaigns_brand_guidelines_id_fkey FOREIGN KEY (brand_guidelines_id)
        REFERENCES public.brand_guidelines (id) ON DELETE SET NULL,
    CONSTRAINT campaigns_status_check CHECK (status IN ('draft', 'active', 'completed')),
    CONSTRAINT campaigns_videos_check
        CHECK (completed_videos >= 0 AND completed_videos <= total_videos)
);

CREATE TABLE IF NOT EXISTS public.storyboard_sequences (
    id             uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id        uuid        NOT NULL,
    campaign_id    uuid,
    name           text        NOT NULL,
    frames         jsonb       NOT NULL DEFAULT '[]'::jsonb,
    total_duration integer     NOT NULL DEFAULT 0,
    character_id   text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT storyboard_sequences_pkey PRIMARY KEY (id),
    CONSTRAINT storyboard_sequences_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    CONSTRAINT storyboard_sequences_campaign_id_fkey FOREIGN KEY (campaign_id)
        REFERENCES public.campaigns (id) ON DELETE SET NULL,
    CONSTRAINT storyboard_sequences_total_duration_check CHECK (total_duration >= 0)
);

CREATE TABLE IF NOT EXISTS public.style_presets (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid        NOT NULL,
    name          text        NOT NULL,
    character_id  text,
    style_data    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    thumbnail_url text,
    is_favorite   boolean     NOT NULL DEFAULT false,
    usage_count   integer     NOT NULL DEFAULT 0,
    tags          text[]      NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT style_presets_pkey PRIMARY KEY (id),
    CONSTRAINT style_presets_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    CONSTRAINT style_presets_usage_count_check CHECK (usage_count >= 0)
);

CREATE TABLE IF NOT EXISTS public.performance_metrics (
    id                uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id           uuid        NOT NULL,
    generation_id     uuid,
    prompt            text,
    character_id      text,
    platform          text,
    predicted_score   numeric,
    actual_engagement jsonb       NOT NULL DEFAULT '{}'::jsonb,
    quality_score     numeric,
    style_consistency numeric,
    brand_compliance  numeric,
    improvements      jsonb       NOT NULL DEFAULT '[]'::jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT performance_metrics_pkey PRIMARY KEY (id),
    CONSTRAINT performance_metrics_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    CONSTRAINT performance_metrics_generation_id_fkey FOREIGN KEY (generation_id)
        REFERENCES public.generations (id) ON DELETE SET NULL,
    CONSTRAINT performance_metrics_predicted_score_check
        CHECK (predicted_score >= 0 AND predicted_score <= 100),
    CONSTRAINT performance_metrics_quality_score_check
        CHECK (quality_score >= 0 AND quality_score <= 100),
    CONSTRAINT performance_metrics_style_consistency_check
        CHECK (style_consistency >= 0 AND style_consistency <= 100),
    CONSTRAINT performance_metrics_brand_compliance_check
        CHECK (brand_compliance >= 0 AND brand_compliance <= 100)
);

CREATE TABLE IF NOT EXISTS public.tool_preset_chains (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id     uuid        NOT NULL,
    name        text        NOT NULL,
    description text,
    tools       jsonb       NOT NULL DEFAULT '[]'::jsonb,
    is_favorite boolean     NOT NULL DEFAULT false,
    usage_count integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tool_preset_chains_pkey PRIMARY KEY (id),
    CONSTRAINT tool_preset_chains_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    CONSTRAINT tool_preset_chains_usage_count_check CHECK (usage_count >= 0)
);

CREATE TABLE IF NOT EXISTS public.platform_configurations (
    id                    uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id               uuid        NOT NULL,
    platform              text        NOT NULL,
    aspect_ratio          text,
    preferred_style       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    prompt_templates      jsonb       NOT NULL DEFAULT '[]'::jsonb,
    character_preferences jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT platform_configurations_pkey PRIMARY KEY (id),
    CONSTRAINT platform_configurations_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    CONSTRAINT platform_configurations_user_id_platform_key UNIQUE (user_id, platform)
);
