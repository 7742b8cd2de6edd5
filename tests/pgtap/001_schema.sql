-- Schema shape: tables, columns, constraints, indexes, triggers, RLS,
-- policies, functions, seed rows and roles, as the migrations define them.
-- (Generated from the reviewed catalog once; edit by hand from now on.)
BEGIN;
SELECT plan(205);

-- A user for the check-constraint tests (the trigger makes the profile).
INSERT INTO auth.users (id, email) VALUES ('5c4e0000-0000-4000-8000-000000000001', 'pgtap.schema@example.test');

SELECT has_schema('auth', 'schema auth exists');
SELECT has_table('auth', 'users', 'auth.users exists');
SELECT has_table('public', 'brand_guidelines', 'public.brand_guidelines exists');
SELECT has_table('public', 'campaigns', 'public.campaigns exists');
SELECT has_table('public', 'credit_transactions', 'public.credit_transactions exists');
SELECT has_table('public', 'generation_pricing', 'public.generation_pricing exists');
SELECT has_table('public', 'generations', 'public.generations exists');
SELECT has_table('public', 'performance_metrics', 'public.performance_metrics exists');
SELECT has_table('public', 'platform_configurations', 'public.platform_configurations exists');
SELECT has_table('public', 'pricing_tiers', 'public.pricing_tiers exists');
SELECT has_table('public', 'request_keys', 'public.request_keys exists');
SELECT has_table('public', 'storyboard_sequences', 'public.storyboard_sequences exists');
SELECT has_table('public', 'style_presets', 'public.style_presets exists');
SELECT has_table('public', 'tool_configurations', 'public.tool_configurations exists');
SELECT has_table('public', 'tool_preset_chains', 'public.tool_preset_chains exists');
SELECT has_table('public', 'user_profiles', 'public.user_profiles exists');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'auth' AND table_name = 'users' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('email', 'text', 'NO', NULL),
        ('raw_user_meta_data', 'jsonb', 'NO', '''{}''::jsonb'),
        ('created_at', 'timestamp with time zone', 'NO', 'now()'),
        ('updated_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'auth.users: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'brand_guidelines' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('user_id', 'uuid', 'NO', NULL),
        ('brand_name', 'text', 'NO', NULL),
        ('values', 'ARRAY', 'NO', '''{}''::text[]'),
        ('tone_of_voice', 'ARRAY', 'NO', '''{}''::text[]'),
        ('visual_style', 'text', 'YES', NULL),
        ('do_list', 'ARRAY', 'NO', '''{}''::text[]'),
        ('dont_list', 'ARRAY', 'NO', '''{}''::text[]'),
        ('color_palette', 'ARRAY', 'NO', '''{}''::text[]'),
        ('fonts', 'text', 'YES', NULL),
        ('created_at', 'timestamp with time zone', 'NO', 'now()'),
        ('updated_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'public.brand_guidelines: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'campaigns' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('user_id', 'uuid', 'NO', NULL),
        ('name', 'text', 'NO', NULL),
        ('description', 'text', 'YES', NULL),
        ('target_audience', 'text', 'YES', NULL),
        ('platform', 'ARRAY', 'NO', '''{}''::text[]'),
        ('status', 'text', 'NO', '''draft''::text'),
        ('total_videos', 'integer', 'NO', '0'),
        ('completed_videos', 'integer', 'NO', '0'),
        ('concepts', 'jsonb', 'NO', '''[]''::jsonb'),
        ('brand_guidelines_id', 'uuid', 'YES', NULL),
        ('created_at', 'timestamp with time zone', 'NO', 'now()'),
        ('updated_at', 'timestamp with time zone', 'NO', 'now()'),
        ('completed_at', 'timestamp with time zone', 'YES', NULL)$$,
    'public.campaigns: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'credit_transactions' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('user_id', 'uuid', 'NO', NULL),
        ('amount', 'integer', 'NO', NULL),
        ('transaction_type', 'text', 'NO', NULL),
        ('description', 'text', 'NO', '''''::text'),
        ('generation_id', 'uuid', 'YES', NULL),
        ('metadata', 'jsonb', 'NO', '''{}''::jsonb'),
        ('created_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'public.credit_transactions: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'generation_pricing' ORDER BY ordinal_position$$,
    $$VALUES ('model', 'text', 'NO', NULL),
        ('resolution', 'text', 'NO', NULL),
        ('credits', 'integer', 'NO', NULL)$$,
    'public.generation_pricing: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'generations' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('user_id', 'uuid', 'NO', NULL),
        ('prompt', 'text', 'NO', NULL),
        ('model', 'text', 'NO', '''veo-2''::text'),
        ('aspect_ratio', 'text', 'NO', '''16:9''::text'),
        ('resolution', 'text', 'NO', '''720p''::text'),
        ('mode', 'text', 'NO', '''text_to_video''::text'),
        ('status', 'text', 'NO', '''generating''::text'),
        ('video_url', 'text', 'YES', NULL),
        ('error_message', 'text', 'YES', NULL),
        ('reference_image_url', 'text', 'YES', NULL),
        ('credits_used', 'integer', 'NO', '0'),
        ('created_at', 'timestamp with time zone', 'NO', 'now()'),
        ('completed_at', 'timestamp with time zone', 'YES', NULL)$$,
    'public.generations: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'performance_metrics' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('user_id', 'uuid', 'NO', NULL),
        ('generation_id', 'uuid', 'YES', NULL),
        ('prompt', 'text', 'YES', NULL),
        ('character_id', 'text', 'YES', NULL),
        ('platform', 'text', 'YES', NULL),
        ('predicted_score', 'numeric', 'YES', NULL),
        ('actual_engagement', 'jsonb', 'NO', '''{}''::jsonb'),
        ('quality_score', 'numeric', 'YES', NULL),
        ('style_consistency', 'numeric', 'YES', NULL),
        ('brand_compliance', 'numeric', 'YES', NULL),
        ('improvements', 'jsonb', 'NO', '''[]''::jsonb'),
        ('created_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'public.performance_metrics: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'platform_configurations' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('user_id', 'uuid', 'NO', NULL),
        ('platform', 'text', 'NO', NULL),
        ('aspect_ratio', 'text', 'YES', NULL),
        ('preferred_style', 'jsonb', 'NO', '''{}''::jsonb'),
        ('prompt_templates', 'jsonb', 'NO', '''[]''::jsonb'),
        ('character_preferences', 'jsonb', 'NO', '''{}''::jsonb'),
        ('created_at', 'timestamp with time zone', 'NO', 'now()'),
        ('updated_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'public.platform_configurations: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'pricing_tiers' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('name', 'text', 'NO', NULL),
        ('credits', 'integer', 'NO', NULL),
        ('price', 'numeric', 'NO', NULL),
        ('is_active', 'boolean', 'NO', 'true'),
        ('sort_order', 'integer', 'NO', '0'),
        ('created_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'public.pricing_tiers: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'request_keys' ORDER BY ordinal_position$$,
    $$VALUES ('user_id', 'uuid', 'NO', NULL),
        ('request_id', 'text', 'NO', NULL),
        ('params', 'jsonb', 'NO', NULL),
        ('result', 'jsonb', 'NO', NULL),
        ('created_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'public.request_keys: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'storyboard_sequences' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('user_id', 'uuid', 'NO', NULL),
        ('campaign_id', 'uuid', 'YES', NULL),
        ('name', 'text', 'NO', NULL),
        ('frames', 'jsonb', 'NO', '''[]''::jsonb'),
        ('total_duration', 'integer', 'NO', '0'),
        ('character_id', 'text', 'YES', NULL),
        ('created_at', 'timestamp with time zone', 'NO', 'now()'),
        ('updated_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'public.storyboard_sequences: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'style_presets' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('user_id', 'uuid', 'NO', NULL),
        ('name', 'text', 'NO', NULL),
        ('character_id', 'text', 'YES', NULL),
        ('style_data', 'jsonb', 'NO', '''{}''::jsonb'),
        ('thumbnail_url', 'text', 'YES', NULL),
        ('is_favorite', 'boolean', 'NO', 'false'),
        ('usage_count', 'integer', 'NO', '0'),
        ('tags', 'ARRAY', 'NO', '''{}''::text[]'),
        ('created_at', 'timestamp with time zone', 'NO', 'now()'),
        ('updated_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'public.style_presets: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'tool_configurations' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('user_id', 'uuid', 'NO', NULL),
        ('tool_name', 'text', 'NO', NULL),
        ('character_id', 'text', 'YES', NULL),
        ('configuration', 'jsonb', 'NO', '''{}''::jsonb'),
        ('is_favorite', 'boolean', 'NO', 'false'),
        ('usage_count', 'integer', 'NO', '0'),
        ('created_at', 'timestamp with time zone', 'NO', 'now()'),
        ('updated_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'public.tool_configurations: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'tool_preset_chains' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', 'gen_random_uuid()'),
        ('user_id', 'uuid', 'NO', NULL),
        ('name', 'text', 'NO', NULL),
        ('description', 'text', 'YES', NULL),
        ('tools', 'jsonb', 'NO', '''[]''::jsonb'),
        ('is_favorite', 'boolean', 'NO', 'false'),
        ('usage_count', 'integer', 'NO', '0'),
        ('created_at', 'timestamp with time zone', 'NO', 'now()'),
        ('updated_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'public.tool_preset_chains: columns, types, NOT NULL and defaults');
SELECT results_eq(
    $$SELECT column_name::text COLLATE "default", data_type::text COLLATE "default",
             is_nullable::text COLLATE "default", column_default::text COLLATE "default"
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'user_profiles' ORDER BY ordinal_position$$,
    $$VALUES ('id', 'uuid', 'NO', NULL),
        ('username', 'text', 'NO', NULL),
        ('avatar_url', 'text', 'YES', NULL),
        ('credits', 'integer', 'NO', '0'),
        ('total_spent', 'numeric', 'NO', '0'),
        ('created_at', 'timestamp with time zone', 'NO', 'now()'),
        ('updated_at', 'timestamp with time zone', 'NO', 'now()')$$,
    'public.user_profiles: columns, types, NOT NULL and defaults');
SELECT col_not_null('public', 'user_profiles', 'credits', 'user_profiles.credits is NOT NULL');
SELECT col_default_is('public', 'user_profiles', 'credits', '0'::text, 'user_profiles.credits defaults to 0');
SELECT col_not_null('public', 'user_profiles', 'total_spent', 'user_profiles.total_spent is NOT NULL');
SELECT col_default_is('public', 'user_profiles', 'total_spent', '0'::text, 'user_profiles.total_spent defaults to 0');
SELECT col_not_null('public', 'generations', 'status', 'generations.status is NOT NULL');
SELECT col_default_is('public', 'generations', 'status', 'generating'::text, 'generations.status defaults to generating');
SELECT col_not_null('public', 'campaigns', 'status', 'campaigns.status is NOT NULL');
SELECT col_default_is('public', 'campaigns', 'status', 'draft'::text, 'campaigns.status defaults to draft');
SELECT col_not_null('public', 'style_presets', 'usage_count', 'style_presets.usage_count is NOT NULL');
SELECT col_default_is('public', 'style_presets', 'usage_count', '0'::text, 'style_presets.usage_count defaults to 0');
SELECT col_not_null('public', 'tool_configurations', 'is_favorite', 'tool_configurations.is_favorite is NOT NULL');
SELECT col_default_is('public', 'tool_configurations', 'is_favorite', 'false'::text, 'tool_configurations.is_favorite defaults to false');
SELECT col_is_pk('auth', 'users', ARRAY['id']::name[], 'auth.users primary key');
SELECT col_is_pk('public', 'brand_guidelines', ARRAY['id']::name[], 'public.brand_guidelines primary key');
SELECT col_is_pk('public', 'campaigns', ARRAY['id']::name[], 'public.campaigns primary key');
SELECT col_is_pk('public', 'credit_transactions', ARRAY['id']::name[], 'public.credit_transactions primary key');
SELECT col_is_pk('public', 'generation_pricing', ARRAY['model', 'resolution']::name[], 'public.generation_pricing primary key');
SELECT col_is_pk('public', 'generations', ARRAY['id']::name[], 'public.generations primary key');
SELECT col_is_pk('public', 'performance_metrics', ARRAY['id']::name[], 'public.performance_metrics primary key');
SELECT col_is_pk('public', 'platform_configurations', ARRAY['id']::name[], 'public.platform_configurations primary key');
SELECT col_is_pk('public', 'pricing_tiers', ARRAY['id']::name[], 'public.pricing_tiers primary key');
SELECT col_is_pk('public', 'request_keys', ARRAY['user_id', 'request_id']::name[], 'public.request_keys primary key');
SELECT col_is_pk('public', 'storyboard_sequences', ARRAY['id']::name[], 'public.storyboard_sequences primary key');
SELECT col_is_pk('public', 'style_presets', ARRAY['id']::name[], 'public.style_presets primary key');
SELECT col_is_pk('public', 'tool_configurations', ARRAY['id']::name[], 'public.tool_configurations primary key');
SELECT col_is_pk('public', 'tool_preset_chains', ARRAY['id']::name[], 'public.tool_preset_chains primary key');
SELECT col_is_pk('public', 'user_profiles', ARRAY['id']::name[], 'public.user_profiles primary key');
SELECT col_is_unique('auth', 'users', ARRAY['email']::name[], 'auth.users unique ' || '''email''');
SELECT col_is_unique('public', 'user_profiles', ARRAY['username']::name[], 'public.user_profiles unique ' || '''username''');
SELECT col_is_unique('public', 'pricing_tiers', ARRAY['name']::name[], 'public.pricing_tiers unique ' || '''name''');
SELECT col_is_unique('public', 'platform_configurations', ARRAY['user_id','platform']::name[], 'public.platform_configurations unique ' || '''user_id'',''platform''');
SELECT results_eq(
    $$SELECT conrelid::regclass::text, conname::text COLLATE "default", confrelid::regclass::text, confdeltype::text
        FROM pg_constraint
       WHERE contype = 'f' AND connamespace IN ('public'::regnamespace, 'auth'::regnamespace)
         AND conrelid::regclass::text NOT LIKE '%migration%'
       ORDER BY 1, 2$$,
    $$VALUES ('brand_guidelines', 'brand_guidelines_user_id_fkey', 'user_profiles', 'c'),
        ('campaigns', 'campaigns_brand_guidelines_id_fkey', 'brand_guidelines', 'n'),
        ('campaigns', 'campaigns_user_id_fkey', 'user_profiles', 'c'),
        ('credit_transactions', 'credit_transactions_generation_id_fkey', 'generations', 'n'),
        ('credit_transactions', 'credit_transactions_user_id_fkey', 'user_profiles', 'c'),
        ('generation_jobs', 'generation_jobs_generation_id_fkey', 'generations', 'c'),
        ('generations', 'generations_user_id_fkey', 'user_profiles', 'c'),
        ('performance_metrics', 'performance_metrics_generation_id_fkey', 'generations', 'n'),
        ('performance_metrics', 'performance_metrics_user_id_fkey', 'user_profiles', 'c'),
        ('platform_configurations', 'platform_configurations_user_id_fkey', 'user_profiles', 'c'),
        ('request_keys', 'request_keys_user_id_fkey', 'user_profiles', 'c'),
        ('storyboard_sequences', 'storyboard_sequences_campaign_id_fkey', 'campaigns', 'n'),
        ('storyboard_sequences', 'storyboard_sequences_user_id_fkey', 'user_profiles', 'c'),
        ('style_presets', 'style_presets_user_id_fkey', 'user_profiles', 'c'),
        ('tool_configurations', 'tool_configurations_user_id_fkey', 'user_profiles', 'c'),
        ('tool_preset_chains', 'tool_preset_chains_user_id_fkey', 'user_profiles', 'c'),
        ('user_profiles', 'user_profiles_id_fkey', 'auth.users', 'c')$$,
    'foreign keys and their ON DELETE actions (c = cascade, n = set null)');
SELECT has_index('public', 'user_profiles', 'idx_user_profiles_created_at', 'index idx_user_profiles_created_at exists');
SELECT has_index('public', 'generations', 'idx_generations_user_id', 'index idx_generations_user_id exists');
SELECT has_index('public', 'generations', 'idx_generations_created_at', 'index idx_generations_created_at exists');
SELECT has_index('public', 'generations', 'idx_generations_status', 'index idx_generations_status exists');
SELECT has_index('public', 'generations', 'idx_generations_user_created', 'index idx_generations_user_created exists');
SELECT has_index('public', 'generations', 'idx_generations_user_status_created', 'index idx_generations_user_status_created exists');
SELECT has_index('public', 'credit_transactions', 'idx_credit_transactions_user_id', 'index idx_credit_transactions_user_id exists');
SELECT has_index('public', 'credit_transactions', 'idx_credit_transactions_created_at', 'index idx_credit_transactions_created_at exists');
SELECT has_index('public', 'credit_transactions', 'idx_credit_transactions_user_created', 'index idx_credit_transactions_user_created exists');
SELECT has_index('public', 'credit_transactions', 'idx_credit_transactions_user_type_created', 'index idx_credit_transactions_user_type_created exists');
SELECT has_index('public', 'credit_transactions', 'idx_credit_transactions_generation_id', 'index idx_credit_transactions_generation_id exists');
SELECT has_index('public', 'credit_transactions', 'uq_credit_transactions_generation_debit', 'index uq_credit_transactions_generation_debit exists');
SELECT has_index('public', 'credit_transactions', 'uq_credit_transactions_generation_refund', 'index uq_credit_transactions_generation_refund exists');
SELECT has_index('public', 'brand_guidelines', 'idx_brand_guidelines_user_id', 'index idx_brand_guidelines_user_id exists');
SELECT has_index('public', 'brand_guidelines', 'idx_brand_guidelines_user_created', 'index idx_brand_guidelines_user_created exists');
SELECT has_index('public', 'tool_configurations', 'idx_tool_configurations_user_id', 'index idx_tool_configurations_user_id exists');
SELECT has_index('public', 'tool_configurations', 'idx_tool_configurations_user_created', 'index idx_tool_configurations_user_created exists');
SELECT has_index('public', 'campaigns', 'idx_campaigns_user_id', 'index idx_campaigns_user_id exists');
SELECT has_index('public', 'campaigns', 'idx_campaigns_user_created', 'index idx_campaigns_user_created exists');
SELECT has_index('public', 'campaigns', 'idx_campaigns_brand_guidelines_id', 'index idx_campaigns_brand_guidelines_id exists');
SELECT has_index('public', 'storyboard_sequences', 'idx_storyboard_sequences_user_id', 'index idx_storyboard_sequences_user_id exists');
SELECT has_index('public', 'storyboard_sequences', 'idx_storyboard_sequences_user_created', 'index idx_storyboard_sequences_user_created exists');
SELECT has_index('public', 'storyboard_sequences', 'idx_storyboard_sequences_campaign_id', 'index idx_storyboard_sequences_campaign_id exists');
SELECT has_index('public', 'style_presets', 'idx_style_presets_user_id', 'index idx_style_presets_user_id exists');
SELECT has_index('public', 'style_presets', 'idx_style_presets_user_created', 'index idx_style_presets_user_created exists');
SELECT has_index('public', 'performance_metrics', 'idx_performance_metrics_user_id', 'index idx_performance_metrics_user_id exists');
SELECT has_index('public', 'performance_metrics', 'idx_performance_metrics_user_created', 'index idx_performance_metrics_user_created exists');
SELECT has_index('public', 'performance_metrics', 'idx_performance_metrics_generation_id', 'index idx_performance_metrics_generation_id exists');
SELECT has_index('public', 'tool_preset_chains', 'idx_tool_preset_chains_user_id', 'index idx_tool_preset_chains_user_id exists');
SELECT has_index('public', 'tool_preset_chains', 'idx_tool_preset_chains_user_created', 'index idx_tool_preset_chains_user_created exists');
SELECT has_index('public', 'platform_configurations', 'idx_platform_configurations_user_id', 'index idx_platform_configurations_user_id exists');
SELECT has_index('public', 'platform_configurations', 'idx_platform_configurations_user_created', 'index idx_platform_configurations_user_created exists');
SELECT has_index('public', 'request_keys', 'idx_request_keys_created_at', 'index idx_request_keys_created_at exists');
SELECT is(pg_get_indexdef('public.idx_generations_user_created'::regclass), 'CREATE INDEX idx_generations_user_created ON public.generations USING btree (user_id, created_at DESC, id DESC)', 'index idx_generations_user_created definition');
SELECT is(pg_get_indexdef('public.idx_generations_user_status_created'::regclass), 'CREATE INDEX idx_generations_user_status_created ON public.generations USING btree (user_id, status, created_at DESC, id DESC)', 'index idx_generations_user_status_created definition');
SELECT is(pg_get_indexdef('public.idx_credit_transactions_user_created'::regclass), 'CREATE INDEX idx_credit_transactions_user_created ON public.credit_transactions USING btree (user_id, created_at DESC, id DESC)', 'index idx_credit_transactions_user_created definition');
SELECT is(pg_get_indexdef('public.idx_credit_transactions_user_type_created'::regclass), 'CREATE INDEX idx_credit_transactions_user_type_created ON public.credit_transactions USING btree (user_id, transaction_type, created_at DESC, id DESC)', 'index idx_credit_transactions_user_type_created definition');
SELECT is(pg_get_indexdef('public.idx_credit_transactions_generation_id'::regclass), 'CREATE INDEX idx_credit_transactions_generation_id ON public.credit_transactions USING btree (generation_id) WHERE (generation_id IS NOT NULL)', 'index idx_credit_transactions_generation_id definition');
SELECT is(pg_get_indexdef('public.uq_credit_transactions_generation_debit'::regclass), 'CREATE UNIQUE INDEX uq_credit_transactions_generation_debit ON public.credit_transactions USING btree (generation_id) WHERE ((generation_id IS NOT NULL) AND (transaction_type = ''generation''::text))', 'index uq_credit_transactions_generation_debit definition');
SELECT is(pg_get_indexdef('public.uq_credit_transactions_generation_refund'::regclass), 'CREATE UNIQUE INDEX uq_credit_transactions_generation_refund ON public.credit_transactions USING btree (generation_id) WHERE ((generation_id IS NOT NULL) AND (transaction_type = ''refund''::text))', 'index uq_credit_transactions_generation_refund definition');
SELECT is(pg_get_indexdef('public.idx_brand_guidelines_user_created'::regclass), 'CREATE INDEX idx_brand_guidelines_user_created ON public.brand_guidelines USING btree (user_id, created_at DESC, id DESC)', 'index idx_brand_guidelines_user_created definition');
SELECT is(pg_get_indexdef('public.idx_tool_configurations_user_created'::regclass), 'CREATE INDEX idx_tool_configurations_user_created ON public.tool_configurations USING btree (user_id, created_at DESC, id DESC)', 'index idx_tool_configurations_user_created definition');
SELECT is(pg_get_indexdef('public.idx_campaigns_user_created'::regclass), 'CREATE INDEX idx_campaigns_user_created ON public.campaigns USING btree (user_id, created_at DESC, id DESC)', 'index idx_campaigns_user_created definition');
SELECT is(pg_get_indexdef('public.idx_campaigns_brand_guidelines_id'::regclass), 'CREATE INDEX idx_campaigns_brand_guidelines_id ON public.campaigns USING btree (brand_guidelines_id) WHERE (brand_guidelines_id IS NOT NULL)', 'index idx_campaigns_brand_guidelines_id definition');
SELECT is(pg_get_indexdef('public.idx_storyboard_sequences_user_created'::regclass), 'CREATE INDEX idx_storyboard_sequences_user_created ON public.storyboard_sequences USING btree (user_id, created_at DESC, id DESC)', 'index idx_storyboard_sequences_user_created definition');
SELECT is(pg_get_indexdef('public.idx_storyboard_sequences_campaign_id'::regclass), 'CREATE INDEX idx_storyboard_sequences_campaign_id ON public.storyboard_sequences USING btree (campaign_id) WHERE (campaign_id IS NOT NULL)', 'index idx_storyboard_sequences_campaign_id definition');
SELECT is(pg_get_indexdef('public.idx_style_presets_user_created'::regclass), 'CREATE INDEX idx_style_presets_user_created ON public.style_presets USING btree (user_id, created_at DESC, id DESC)', 'index idx_style_presets_user_created definition');
SELECT is(pg_get_indexdef('public.idx_performance_metrics_user_created'::regclass), 'CREATE INDEX idx_performance_metrics_user_created ON public.performance_metrics USING btree (user_id, created_at DESC, id DESC)', 'index idx_performance_metrics_user_created definition');
SELECT is(pg_get_indexdef('public.idx_performance_metrics_generation_id'::regclass), 'CREATE INDEX idx_performance_metrics_generation_id ON public.performance_metrics USING btree (generation_id) WHERE (generation_id IS NOT NULL)', 'index idx_performance_metrics_generation_id definition');
SELECT is(pg_get_indexdef('public.idx_tool_preset_chains_user_created'::regclass), 'CREATE INDEX idx_tool_preset_chains_user_created ON public.tool_preset_chains USING btree (user_id, created_at DESC, id DESC)', 'index idx_tool_preset_chains_user_created definition');
SELECT is(pg_get_indexdef('public.idx_platform_configurations_user_created'::regclass), 'CREATE INDEX idx_platform_configurations_user_created ON public.platform_configurations USING btree (user_id, created_at DESC, id DESC)', 'index idx_platform_configurations_user_created definition');
SELECT throws_ok('UPDATE user_profiles SET credits = -1 WHERE id = ''5c4e0000-0000-4000-8000-000000000001''', '23514', NULL, 'check: credits >= 0');
SELECT throws_ok('UPDATE user_profiles SET total_spent = -1 WHERE id = ''5c4e0000-0000-4000-8000-000000000001''', '23514', NULL, 'check: total_spent >= 0');
SELECT throws_ok('UPDATE user_profiles SET username = ''ab'' WHERE id = ''5c4e0000-0000-4000-8000-000000000001''', '23514', NULL, 'check: username of 3 to 32 allowed characters');
SELECT throws_ok('INSERT INTO generations (user_id, prompt, status) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''p'', ''done'')', '23514', NULL, 'check: generations.status in generating/success/error');
SELECT throws_ok('INSERT INTO generations (user_id, prompt, model) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''p'', ''veo-3'')', '23514', NULL, 'check: generations.model in veo-2/veo-fast');
SELECT throws_ok('INSERT INTO generations (user_id, prompt, aspect_ratio) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''p'', ''4:3'')', '23514', NULL, 'check: generations.aspect_ratio in 16:9/9:16/1:1');
SELECT throws_ok('INSERT INTO generations (user_id, prompt, resolution) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''p'', ''4k'')', '23514', NULL, 'check: generations.resolution in 720p/1080p');
SELECT throws_ok('INSERT INTO generations (user_id, prompt, mode) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''p'', ''video_to_video'')', '23514', NULL, 'check: generations.mode in text_to_video/image_to_video');
SELECT throws_ok('INSERT INTO credit_transactions (user_id, amount, transaction_type) VALUES (''5c4e0000-0000-4000-8000-000000000001'', 5, ''gift'')', '23514', NULL, 'check: credit_transactions.transaction_type in the four types');
SELECT throws_ok('INSERT INTO credit_transactions (user_id, amount, transaction_type) VALUES (''5c4e0000-0000-4000-8000-000000000001'', 5, ''generation'')', '23514', NULL, 'check: a generation debit is negative');
SELECT throws_ok('INSERT INTO credit_transactions (user_id, amount, transaction_type) VALUES (''5c4e0000-0000-4000-8000-000000000001'', -5, ''bonus'')', '23514', NULL, 'check: a bonus is positive');
SELECT throws_ok('INSERT INTO campaigns (user_id, name, status) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''c'', ''paused'')', '23514', NULL, 'check: campaigns.status in draft/active/completed');
SELECT throws_ok('INSERT INTO campaigns (user_id, name, total_videos, completed_videos) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''c'', 2, 3)', '23514', NULL, 'check: completed_videos <= total_videos');
SELECT throws_ok('INSERT INTO campaigns (user_id, name, total_videos, completed_videos) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''c'', 2, -1)', '23514', NULL, 'check: completed_videos >= 0');
SELECT throws_ok('INSERT INTO performance_metrics (user_id, predicted_score) VALUES (''5c4e0000-0000-4000-8000-000000000001'', 100.5)', '23514', NULL, 'check: predicted_score <= 100');
SELECT throws_ok('INSERT INTO performance_metrics (user_id, quality_score) VALUES (''5c4e0000-0000-4000-8000-000000000001'', -0.1)', '23514', NULL, 'check: quality_score >= 0');
SELECT throws_ok('INSERT INTO performance_metrics (user_id, style_consistency) VALUES (''5c4e0000-0000-4000-8000-000000000001'', 101)', '23514', NULL, 'check: style_consistency <= 100');
SELECT throws_ok('INSERT INTO performance_metrics (user_id, brand_compliance) VALUES (''5c4e0000-0000-4000-8000-000000000001'', -1)', '23514', NULL, 'check: brand_compliance >= 0');
SELECT throws_ok('INSERT INTO style_presets (user_id, name, usage_count) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''s'', -1)', '23514', NULL, 'check: style_presets.usage_count >= 0');
SELECT throws_ok('INSERT INTO tool_configurations (user_id, tool_name, usage_count) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''t'', -1)', '23514', NULL, 'check: tool_configurations.usage_count >= 0');
SELECT throws_ok('INSERT INTO tool_preset_chains (user_id, name, usage_count) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''c'', -1)', '23514', NULL, 'check: tool_preset_chains.usage_count >= 0');
SELECT throws_ok('INSERT INTO storyboard_sequences (user_id, name, total_duration) VALUES (''5c4e0000-0000-4000-8000-000000000001'', ''s'', -1)', '23514', NULL, 'check: storyboard total_duration >= 0');
SELECT throws_ok('UPDATE generation_pricing SET credits = 0 WHERE model = ''veo-2''', '23514', NULL, 'check: generation_pricing.credits > 0');
SELECT throws_ok('INSERT INTO pricing_tiers (name, credits, price) VALUES (''Zero'', 0, 1)', '23514', NULL, 'check: pricing_tiers.credits > 0');
SELECT throws_ok($$INSERT INTO platform_configurations (user_id, platform) VALUES ('5c4e0000-0000-4000-8000-000000000001', 'tiktok'), ('5c4e0000-0000-4000-8000-000000000001', 'tiktok')$$, '23505', NULL, 'platform unique per user');
SELECT lives_ok($$INSERT INTO performance_metrics (user_id, predicted_score, quality_score, style_consistency, brand_compliance) VALUES ('5c4e0000-0000-4000-8000-000000000001', 0, 100, 50.5, 99.99)$$, 'scores of 0 to 100 are accepted');
SELECT trigger_is('auth', 'users', 'on_auth_user_created', 'public', 'handle_new_user', 'trigger on_auth_user_created on auth.users runs handle_new_user()');
SELECT trigger_is('auth', 'users', 'update_users_updated_at', 'public', 'update_updated_at_column', 'trigger update_users_updated_at on auth.users runs update_updated_at_column()');
SELECT trigger_is('public', 'brand_guidelines', 'update_brand_guidelines_updated_at', 'public', 'update_updated_at_column', 'trigger update_brand_guidelines_updated_at on public.brand_guidelines runs update_updated_at_column()');
SELECT trigger_is('public', 'campaigns', 'update_campaigns_updated_at', 'public', 'update_updated_at_column', 'trigger update_campaigns_updated_at on public.campaigns runs update_updated_at_column()');
SELECT trigger_is('public', 'generations', 'before_generation_delete', 'public', 'keep_generation_id_in_ledger', 'trigger before_generation_delete on public.generations runs keep_generation_id_in_ledger()');
SELECT trigger_is('public', 'generations', 'generation_changed_notify', 'public', 'notify_generation_changed', 'trigger generation_changed_notify on public.generations runs notify_generation_changed()');
SELECT trigger_is('public', 'platform_configurations', 'update_platform_configurations_updated_at', 'public', 'update_updated_at_column', 'trigger update_platform_configurations_updated_at on public.platform_configurations runs update_updated_at_column()');
SELECT trigger_is('public', 'storyboard_sequences', 'update_storyboard_sequences_updated_at', 'public', 'update_updated_at_column', 'trigger update_storyboard_sequences_updated_at on public.storyboard_sequences runs update_updated_at_column()');
SELECT trigger_is('public', 'style_presets', 'update_style_presets_updated_at', 'public', 'update_updated_at_column', 'trigger update_style_presets_updated_at on public.style_presets runs update_updated_at_column()');
SELECT trigger_is('public', 'tool_configurations', 'update_tool_configurations_updated_at', 'public', 'update_updated_at_column', 'trigger update_tool_configurations_updated_at on public.tool_configurations runs update_updated_at_column()');
SELECT trigger_is('public', 'tool_preset_chains', 'update_tool_preset_chains_updated_at', 'public', 'update_updated_at_column', 'trigger update_tool_preset_chains_updated_at on public.tool_preset_chains runs update_updated_at_column()');
SELECT trigger_is('public', 'user_profiles', 'update_user_profiles_updated_at', 'public', 'update_updated_at_column', 'trigger update_user_profiles_updated_at on public.user_profiles runs update_updated_at_column()');
SELECT results_eq(
    $$SELECT tgrelid::regclass::text, tgname::text COLLATE "default",
             CASE WHEN tgtype & 2 = 2 THEN 'BEFORE' ELSE 'AFTER' END
             || CASE WHEN tgtype & 4 = 4 THEN ' INSERT' ELSE '' END
             || CASE WHEN tgtype & 8 = 8 THEN ' DELETE' ELSE '' END
             || CASE WHEN tgtype & 16 = 16 THEN ' UPDATE' ELSE '' END
             || CASE WHEN tgtype & 1 = 1 THEN ' ROW' ELSE ' STATEMENT' END
        FROM pg_trigger
       WHERE NOT tgisinternal
         AND tgrelid IN (SELECT c.oid FROM pg_class c
                          WHERE c.relnamespace IN ('public'::regnamespace, 'auth'::regnamespace))
       ORDER BY 1, 2$$,
    $$VALUES ('auth.users', 'on_auth_user_created', 'AFTER INSERT ROW'),
        ('auth.users', 'update_users_updated_at', 'BEFORE UPDATE ROW'),
        ('brand_guidelines', 'update_brand_guidelines_updated_at', 'BEFORE UPDATE ROW'),
        ('campaigns', 'update_campaigns_updated_at', 'BEFORE UPDATE ROW'),
        ('generation_jobs', 'after_generation_job_change', 'AFTER INSERT DELETE UPDATE ROW'),
        ('generation_jobs', 'after_generation_job_requeued', 'AFTER UPDATE ROW'),
        ('generations', 'after_generation_queue_insert', 'AFTER INSERT ROW'),
        ('generations', 'after_generation_queue_status', 'AFTER UPDATE ROW'),
        ('generations', 'before_generation_delete', 'BEFORE DELETE ROW'),
        ('generations', 'generation_changed_notify', 'AFTER INSERT UPDATE ROW'),
        ('platform_configurations', 'update_platform_configurations_updated_at', 'BEFORE UPDATE ROW'),
        ('storyboard_sequences', 'update_storyboard_sequences_updated_at', 'BEFORE UPDATE ROW'),
        ('style_presets', 'update_style_presets_updated_at', 'BEFORE UPDATE ROW'),
        ('tool_configurations', 'update_tool_configurations_updated_at', 'BEFORE UPDATE ROW'),
        ('tool_preset_chains', 'update_tool_preset_chains_updated_at', 'BEFORE UPDATE ROW'),
        ('user_profiles', 'update_user_profiles_updated_at', 'BEFORE UPDATE ROW')$$,
    'trigger timing and events');
SELECT results_eq(
    $$SELECT c.oid::regclass::text, c.relrowsecurity
        FROM pg_class c
       WHERE c.oid IN ('auth.users'::regclass, 'public.brand_guidelines'::regclass, 'public.campaigns'::regclass, 'public.credit_transactions'::regclass, 'public.generation_pricing'::regclass, 'public.generations'::regclass, 'public.performance_metrics'::regclass, 'public.platform_configurations'::regclass, 'public.pricing_tiers'::regclass, 'public.request_keys'::regclass, 'public.storyboard_sequences'::regclass, 'public.style_presets'::regclass, 'public.tool_configurations'::regclass, 'public.tool_preset_chains'::regclass, 'public.user_profiles'::regclass)
       ORDER BY 1$$,
    $$SELECT x, true FROM unnest(ARRAY['auth.users', 'brand_guidelines', 'campaigns', 'credit_transactions', 'generation_pricing', 'generations', 'performance_metrics', 'platform_configurations', 'pricing_tiers', 'request_keys', 'storyboard_sequences', 'style_presets', 'tool_configurations', 'tool_preset_chains', 'user_profiles']) AS x ORDER BY 1$$,
    'row level security is enabled on every table');
SELECT policies_are('auth', 'users', ARRAY['Service role can create users', 'Service role can view users'], 'auth.users has exactly its policies');
SELECT policies_are('public', 'brand_guidelines', ARRAY['Service role can manage brand guidelines', 'Users can delete their own brand guidelines', 'Users can insert their own brand guidelines', 'Users can update their own brand guidelines', 'Users can view their own brand guidelines'], 'public.brand_guidelines has exactly its policies');
SELECT policies_are('public', 'campaigns', ARRAY['Service role can manage campaigns', 'Users can delete their own campaigns', 'Users can insert their own campaigns', 'Users can update their own campaigns', 'Users can view their own campaigns'], 'public.campaigns has exactly its policies');
SELECT policies_are('public', 'credit_transactions', ARRAY['Service role can manage transactions', 'Users can view their own transactions'], 'public.credit_transactions has exactly its policies');
SELECT policies_are('public', 'generation_pricing', ARRAY['Anyone can view generation pricing', 'Service role can manage generation pricing'], 'public.generation_pricing has exactly its policies');
SELECT policies_are('public', 'generations', ARRAY['Service role can manage generations', 'Users can delete their own generations', 'Users can insert their own generations', 'Users can update their own generations', 'Users can view their own generations'], 'public.generations has exactly its policies');
SELECT policies_are('public', 'performance_metrics', ARRAY['Service role can manage performance metrics', 'Users can insert their own performance metrics', 'Users can update their own performance metrics', 'Users can view their own performance metrics'], 'public.performance_metrics has exactly its policies');
SELECT policies_are('public', 'platform_configurations', ARRAY['Service role can manage platform configurations', 'Users can delete their own platform configurations', 'Users can insert their own platform configurations', 'Users can update their own platform configurations', 'Users can view their own platform configurations'], 'public.platform_configurations has exactly its policies');
SELECT policies_are('public', 'pricing_tiers', ARRAY['Authenticated users can view active tiers', 'Service role can manage pricing tiers'], 'public.pricing_tiers has exactly its policies');
SELECT policies_are('public', 'request_keys', ARRAY[]::name[], 'public.request_keys has exactly its policies');
SELECT policies_are('public', 'storyboard_sequences', ARRAY['Service role can manage storyboard sequences', 'Users can delete their own storyboard sequences', 'Users can insert their own storyboard sequences', 'Users can update their own storyboard sequences', 'Users can view their own storyboard sequences'], 'public.storyboard_sequences has exactly its policies');
SELECT policies_are('public', 'style_presets', ARRAY['Service role can manage style presets', 'Users can delete their own style presets', 'Users can insert their own style presets', 'Users can update their own style presets', 'Users can view their own style presets'], 'public.style_presets has exactly its policies');
SELECT policies_are('public', 'tool_configurations', ARRAY['Service role can manage tool configurations', 'Users can delete their own tool configurations', 'Users can insert their own tool configurations', 'Users can update their own tool configurations', 'Users can view their own tool configurations'], 'public.tool_configurations has exactly its policies');
SELECT policies_are('public', 'tool_preset_chains', ARRAY['Service role can manage tool preset chains', 'Users can delete their own tool preset chains', 'Users can insert their own tool preset chains', 'Users can update their own tool preset chains', 'Users can view their own tool preset chains'], 'public.tool_preset_chains has exactly its policies');
SELECT policies_are('public', 'user_profiles', ARRAY['Service role can manage profiles', 'Users can update their own profile', 'Users can view their own profile'], 'public.user_profiles has exactly its policies');
SELECT results_eq(
    $$SELECT schemaname::text COLLATE "default", tablename::text COLLATE "default", policyname::text COLLATE "default", cmd::text,
             array_to_string(roles, ',') COLLATE "default", coalesce(qual, '') COLLATE "default",
             coalesce(with_check, '') COLLATE "default"
        FROM pg_policies WHERE schemaname IN ('public', 'auth') ORDER BY 1, 2, 3$$,
    $$VALUES ('auth', 'users', 'Service role can create users', 'INSERT', 'cameos_app', '', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('auth', 'users', 'Service role can view users', 'SELECT', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', ''),
        ('public', 'brand_guidelines', 'Service role can manage brand guidelines', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'brand_guidelines', 'Users can delete their own brand guidelines', 'DELETE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'brand_guidelines', 'Users can insert their own brand guidelines', 'INSERT', 'cameos_app', '', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'brand_guidelines', 'Users can update their own brand guidelines', 'UPDATE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'brand_guidelines', 'Users can view their own brand guidelines', 'SELECT', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'campaigns', 'Service role can manage campaigns', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'campaigns', 'Users can delete their own campaigns', 'DELETE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'campaigns', 'Users can insert their own campaigns', 'INSERT', 'cameos_app', '', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'campaigns', 'Users can update their own campaigns', 'UPDATE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'campaigns', 'Users can view their own campaigns', 'SELECT', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'credit_transactions', 'Service role can manage transactions', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'credit_transactions', 'Users can view their own transactions', 'SELECT', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'generation_pricing', 'Anyone can view generation pricing', 'SELECT', 'cameos_app', 'true', ''),
        ('public', 'generation_pricing', 'Service role can manage generation pricing', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'generations', 'Service role can manage generations', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'generations', 'Users can delete their own generations', 'DELETE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'generations', 'Users can insert their own generations', 'INSERT', 'cameos_app', '', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'generations', 'Users can update their own generations', 'UPDATE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'generations', 'Users can view their own generations', 'SELECT', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'performance_metrics', 'Service role can manage performance metrics', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'performance_metrics', 'Users can insert their own performance metrics', 'INSERT', 'cameos_app', '', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'performance_metrics', 'Users can update their own performance metrics', 'UPDATE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'performance_metrics', 'Users can view their own performance metrics', 'SELECT', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'platform_configurations', 'Service role can manage platform configurations', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'platform_configurations', 'Users can delete their own platform configurations', 'DELETE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'platform_configurations', 'Users can insert their own platform configurations', 'INSERT', 'cameos_app', '', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'platform_configurations', 'Users can update their own platform configurations', 'UPDATE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'platform_configurations', 'Users can view their own platform configurations', 'SELECT', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'pricing_tiers', 'Authenticated users can view active tiers', 'SELECT', 'cameos_app', '(is_active AND (( SELECT auth.role() AS role) = ''authenticated''::text))', ''),
        ('public', 'pricing_tiers', 'Service role can manage pricing tiers', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'storyboard_sequences', 'Service role can manage storyboard sequences', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'storyboard_sequences', 'Users can delete their own storyboard sequences', 'DELETE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'storyboard_sequences', 'Users can insert their own storyboard sequences', 'INSERT', 'cameos_app', '', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'storyboard_sequences', 'Users can update their own storyboard sequences', 'UPDATE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'storyboard_sequences', 'Users can view their own storyboard sequences', 'SELECT', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'style_presets', 'Service role can manage style presets', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'style_presets', 'Users can delete their own style presets', 'DELETE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'style_presets', 'Users can insert their own style presets', 'INSERT', 'cameos_app', '', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'style_presets', 'Users can update their own style presets', 'UPDATE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'style_presets', 'Users can view their own style presets', 'SELECT', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'tool_configurations', 'Service role can manage tool configurations', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'tool_configurations', 'Users can delete their own tool configurations', 'DELETE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'tool_configurations', 'Users can insert their own tool configurations', 'INSERT', 'cameos_app', '', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'tool_configurations', 'Users can update their own tool configurations', 'UPDATE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'tool_configurations', 'Users can view their own tool configurations', 'SELECT', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'tool_preset_chains', 'Service role can manage tool preset chains', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'tool_preset_chains', 'Users can delete their own tool preset chains', 'DELETE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'tool_preset_chains', 'Users can insert their own tool preset chains', 'INSERT', 'cameos_app', '', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'tool_preset_chains', 'Users can update their own tool preset chains', 'UPDATE', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', '(( SELECT auth.uid() AS uid) = user_id)'),
        ('public', 'tool_preset_chains', 'Users can view their own tool preset chains', 'SELECT', 'cameos_app', '(( SELECT auth.uid() AS uid) = user_id)', ''),
        ('public', 'user_profiles', 'Service role can manage profiles', 'ALL', 'cameos_app', '(( SELECT auth.role() AS role) = ''service_role''::text)', '(( SELECT auth.role() AS role) = ''service_role''::text)'),
        ('public', 'user_profiles', 'Users can update their own profile', 'UPDATE', 'cameos_app', '(( SELECT auth.uid() AS uid) = id)', '(( SELECT auth.uid() AS uid) = id)'),
        ('public', 'user_profiles', 'Users can view their own profile', 'SELECT', 'cameos_app', '(( SELECT auth.uid() AS uid) = id)', '')$$,
    'every policy: command, roles, USING and WITH CHECK');
SELECT function_returns('public', 'ledger_spend', ARRAY['uuid', 'integer', 'text', 'uuid', 'text'], 'setof ledger_result', 'ledger_spend() returns SETOF ledger_result');
SELECT is_definer('public', 'ledger_spend', ARRAY['uuid', 'integer', 'text', 'uuid', 'text'], 'ledger_spend() is SECURITY DEFINER');
SELECT function_returns('public', 'ledger_refund', ARRAY['uuid', 'uuid', 'text', 'text'], 'setof ledger_result', 'ledger_refund() returns SETOF ledger_result');
SELECT is_definer('public', 'ledger_refund', ARRAY['uuid', 'uuid', 'text', 'text'], 'ledger_refund() is SECURITY DEFINER');
SELECT function_returns('public', 'ledger_grant', ARRAY['uuid', 'integer', 'text', 'text'], 'setof ledger_result', 'ledger_grant() returns SETOF ledger_result');
SELECT is_definer('public', 'ledger_grant', ARRAY['uuid', 'integer', 'text', 'text'], 'ledger_grant() is SECURITY DEFINER');
SELECT function_returns('public', 'ledger_purchase', ARRAY['uuid', 'uuid', 'text', 'text'], 'setof ledger_result', 'ledger_purchase() returns SETOF ledger_result');
SELECT is_definer('public', 'ledger_purchase', ARRAY['uuid', 'uuid', 'text', 'text'], 'ledger_purchase() is SECURITY DEFINER');
SELECT is_definer('public', 'handle_new_user', ARRAY[]::name[], 'handle_new_user() is SECURITY DEFINER');
SELECT is_definer('public', 'keep_generation_id_in_ledger', ARRAY[]::name[], 'keep_generation_id_in_ledger() is SECURITY DEFINER');
SELECT is_definer('public', 'request_key_claim', ARRAY['uuid', 'text', 'jsonb'], 'request_key_claim() is SECURITY DEFINER');
SELECT is_definer('public', 'request_key_store', ARRAY['uuid', 'text', 'jsonb'], 'request_key_store() is SECURITY DEFINER');
SELECT is_definer('public', 'request_keys_purge', ARRAY['interval'], 'request_keys_purge() is SECURITY DEFINER');
SELECT is_empty(
    $$SELECT p.oid::regprocedure::text FROM pg_proc p
       WHERE p.prosecdef AND p.pronamespace IN ('public'::regnamespace, 'auth'::regnamespace)
         AND NOT coalesce('search_path=""' = ANY (p.proconfig), false)$$,
    'every SECURITY DEFINER function pins search_path to an empty string');
SELECT results_eq(
    $$SELECT attname::text COLLATE "default", format_type(atttypid, atttypmod) FROM pg_attribute
       WHERE attrelid = 'public.ledger_result'::regclass AND attnum > 0 ORDER BY attnum$$,
    $$VALUES ('id', 'uuid'), ('user_id', 'uuid'), ('amount', 'integer'),
             ('transaction_type', 'text'), ('description', 'text'), ('generation_id', 'uuid'),
             ('metadata', 'jsonb'), ('created_at', 'timestamp with time zone'),
             ('balance', 'integer')$$,
    'ledger_result columns');
SELECT function_returns('auth', 'uid', ARRAY[]::name[], 'uuid', 'auth.uid() returns uuid');
SELECT function_lang_is('auth', 'uid', ARRAY[]::name[], 'sql', 'auth.uid() is LANGUAGE sql');
SELECT volatility_is('auth', 'uid', ARRAY[]::name[], 'stable', 'auth.uid() is STABLE');
SELECT isnt_definer('auth', 'uid', ARRAY[]::name[], 'auth.uid() runs as the caller');
SELECT function_returns('auth', 'role', ARRAY[]::name[], 'text', 'auth.role() returns text');
SELECT function_lang_is('auth', 'role', ARRAY[]::name[], 'sql', 'auth.role() is LANGUAGE sql');
SELECT volatility_is('auth', 'role', ARRAY[]::name[], 'stable', 'auth.role() is STABLE');
SELECT isnt_definer('auth', 'role', ARRAY[]::name[], 'auth.role() runs as the caller');
SELECT function_returns('auth', 'jwt', ARRAY[]::name[], 'jsonb', 'auth.jwt() returns jsonb');
SELECT function_lang_is('auth', 'jwt', ARRAY[]::name[], 'sql', 'auth.jwt() is LANGUAGE sql');
SELECT volatility_is('auth', 'jwt', ARRAY[]::name[], 'stable', 'auth.jwt() is STABLE');
SELECT isnt_definer('auth', 'jwt', ARRAY[]::name[], 'auth.jwt() runs as the caller');
SELECT results_eq(
    $$SELECT model, resolution, credits FROM generation_pricing ORDER BY 1, 2$$,
    $$VALUES ('veo-2', '1080p', 40), ('veo-2', '720p', 40), ('veo-fast', '1080p', 15), ('veo-fast', '720p', 15)$$,
    'generation prices are seeded');
SELECT results_eq(
    $$SELECT name, credits, price::text, is_active, sort_order FROM pricing_tiers
       WHERE name IN ('Starter', 'Creator', 'Pro', 'Enterprise') ORDER BY sort_order$$,
    $$VALUES ('Starter', 100, '9.99', true, 1), ('Creator', 500, '39.99', true, 2),
             ('Pro', 1500, '99.99', true, 3), ('Enterprise', 5000, '299.99', true, 4)$$,
    'the four default pricing tiers are seeded');
SELECT has_role('cameos_app', 'role cameos_app exists');
SELECT has_role('cameos_credits', 'role cameos_credits exists');
SELECT has_role('cameos_content', 'role cameos_content exists');
SELECT has_role('cameos_planning', 'role cameos_planning exists');
SELECT results_eq(
    $$SELECT rolname::text COLLATE "default", rolcanlogin, rolsuper, rolbypassrls, rolinherit, rolcreaterole, rolcreatedb
        FROM pg_roles WHERE rolname LIKE 'cameos\_%' ORDER BY 1$$,
    $$VALUES ('cameos_app', false, false, false, true, false, false),
             ('cameos_content', true, false, false, true, false, false),
             ('cameos_credits', true, false, false, true, false, false),
             ('cameos_planning', true, false, false, true, false, false)$$,
    'roles: services log in, nobody is superuser or bypasses RLS, members inherit');
SELECT is_member_of('cameos_app', ARRAY['cameos_credits', 'cameos_content', 'cameos_planning']::name[], 'the service roles are members of cameos_app');

SELECT * FROM finish();
ROLLBACK;
