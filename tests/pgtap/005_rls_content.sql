-- RLS on ContentService's tables, through cameos_content: generations,
-- performance_metrics, style_presets, tool_configurations,
-- platform_configurations, generation_pricing.
BEGIN;
SELECT plan(99);

\ir helpers.sql

INSERT INTO auth.users (id, email) VALUES
    ('5a000000-0000-4000-8000-00000000000a', '005_rls_content.a@example.test'),
    ('5a000000-0000-4000-8000-00000000000b', '005_rls_content.b@example.test');

SELECT * FROM pg_temp.isolation_suite('cameos_content', 'generations', 'prompt, model', $$'a prompt', 'veo-fast'$$, $$status = 'success', video_url = 'https://v/1.mp4'$$, true,
    '5a000000-0000-4000-8000-00000000000a', '5a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_content', 'performance_metrics', 'prompt, platform', $$'a prompt', 'tiktok'$$, $$quality_score = 90$$, false,
    '5a000000-0000-4000-8000-00000000000a', '5a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_content', 'style_presets', 'name, tags', $$'noir', ARRAY['dark']$$, $$usage_count = usage_count + 1$$, true,
    '5a000000-0000-4000-8000-00000000000a', '5a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_content', 'tool_configurations', 'tool_name', $$'upscaler'$$, $$is_favorite = true$$, true,
    '5a000000-0000-4000-8000-00000000000a', '5a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_content', 'platform_configurations', 'platform', $$'tiktok'$$, $$aspect_ratio = '9:16'$$, true,
    '5a000000-0000-4000-8000-00000000000a', '5a000000-0000-4000-8000-00000000000b');

-- generation_pricing: the public price list, read-only for everyone
SET LOCAL ROLE cameos_content;
SELECT pg_temp.claims('');
SELECT results_eq($$SELECT model, resolution, credits FROM generation_pricing ORDER BY 1, 2$$,
                  $$VALUES ('veo-2'::text, '1080p'::text, 40), ('veo-2', '720p', 40),
                           ('veo-fast', '1080p', 15), ('veo-fast', '720p', 15)$$,
                  'generation_pricing: readable without claims');
SELECT pg_temp.as_user('5a000000-0000-4000-8000-00000000000a');
SELECT is((SELECT credits FROM generation_pricing WHERE model = 'veo-fast' AND resolution = '720p'),
          15, 'generation_pricing: readable by a user');
SELECT throws_ok($$UPDATE generation_pricing SET credits = 1 WHERE true$$, '42501', NULL,
                 'generation_pricing: users cannot change prices');
SELECT throws_ok($$INSERT INTO generation_pricing VALUES ('veo-2', '4k', 1)$$, '42501', NULL,
                 'generation_pricing: users cannot add prices');
SELECT pg_temp.claims('{"role":"service_role"}');
SELECT throws_ok($$DELETE FROM generation_pricing WHERE true$$, '42501', NULL,
                 'generation_pricing: not even service_role deletes prices through cameos_content');

-- platform configurations are unique per (user, platform)
SELECT pg_temp.as_user('5a000000-0000-4000-8000-00000000000a');
INSERT INTO platform_configurations (user_id, platform)
VALUES ('5a000000-0000-4000-8000-00000000000a', 'youtube');
SELECT throws_ok($$INSERT INTO platform_configurations (user_id, platform)
                   VALUES ('5a000000-0000-4000-8000-00000000000a', 'youtube')$$,
                 '23505', NULL, 'platform_configurations: a second row for the same platform is refused');
SELECT pg_temp.as_user('5a000000-0000-4000-8000-00000000000b');
SELECT lives_ok($$INSERT INTO platform_configurations (user_id, platform)
                  VALUES ('5a000000-0000-4000-8000-00000000000b', 'youtube')$$,
                'platform_configurations: another user may use the same platform');

-- performance metrics may point at the user's generation; the link goes when the generation goes
SELECT pg_temp.as_user('5a000000-0000-4000-8000-00000000000a');
INSERT INTO generations (id, user_id, prompt, model, status)
VALUES ('5a000000-0000-4000-8000-0000000000e1', '5a000000-0000-4000-8000-00000000000a', 'p', 'veo-fast', 'success');
INSERT INTO performance_metrics (id, user_id, generation_id, platform, quality_score)
VALUES ('5a000000-0000-4000-8000-0000000000e2', '5a000000-0000-4000-8000-00000000000a',
        '5a000000-0000-4000-8000-0000000000e1', 'tiktok', 87.5);
SELECT lives_ok($$DELETE FROM generations WHERE id = '5a000000-0000-4000-8000-0000000000e1'$$,
                'generations: A deletes a generation that has metrics');
SELECT results_eq($$SELECT generation_id, quality_score FROM performance_metrics
                    WHERE id = '5a000000-0000-4000-8000-0000000000e2'$$,
                  $$VALUES (NULL::uuid, 87.5::numeric)$$,
                  'performance_metrics: the metric stays, its generation_id is set to NULL');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
