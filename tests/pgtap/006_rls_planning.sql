-- RLS on PlanningService's tables, through cameos_planning: campaigns,
-- storyboard_sequences, brand_guidelines, tool_preset_chains.
BEGIN;
SELECT plan(77);

\ir helpers.sql

INSERT INTO auth.users (id, email) VALUES
    ('6a000000-0000-4000-8000-00000000000a', '006_rls_planning.a@example.test'),
    ('6a000000-0000-4000-8000-00000000000b', '006_rls_planning.b@example.test');

SELECT * FROM pg_temp.isolation_suite('cameos_planning', 'campaigns', 'name, platform', $$'Spring', ARRAY['tiktok']$$, $$status = 'active'$$, true,
    '6a000000-0000-4000-8000-00000000000a', '6a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_planning', 'storyboard_sequences', 'name', $$'Opening'$$, $$total_duration = 12$$, true,
    '6a000000-0000-4000-8000-00000000000a', '6a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_planning', 'brand_guidelines', 'brand_name, "values"', $$'Acme', ARRAY['bold']$$, $$tone_of_voice = ARRAY['warm']$$, true,
    '6a000000-0000-4000-8000-00000000000a', '6a000000-0000-4000-8000-00000000000b');
SELECT * FROM pg_temp.isolation_suite('cameos_planning', 'tool_preset_chains', 'name, tools', $$'Chain', '[{"tool_name":"upscaler","settings":{}}]'$$, $$usage_count = usage_count + 1$$, true,
    '6a000000-0000-4000-8000-00000000000a', '6a000000-0000-4000-8000-00000000000b');

SET LOCAL ROLE cameos_planning;
-- SET NULL links inside planning data
SELECT pg_temp.as_user('6a000000-0000-4000-8000-00000000000a');
INSERT INTO brand_guidelines (id, user_id, brand_name, "values")
VALUES ('6a000000-0000-4000-8000-0000000000b1', '6a000000-0000-4000-8000-00000000000a', 'Acme', ARRAY['bold', 'kind']);
INSERT INTO campaigns (id, user_id, name, brand_guidelines_id, total_videos)
VALUES ('6a000000-0000-4000-8000-0000000000c1', '6a000000-0000-4000-8000-00000000000a', 'Launch',
        '6a000000-0000-4000-8000-0000000000b1', 3);
INSERT INTO storyboard_sequences (id, user_id, campaign_id, name, frames, total_duration)
VALUES ('6a000000-0000-4000-8000-0000000000d1', '6a000000-0000-4000-8000-00000000000a',
        '6a000000-0000-4000-8000-0000000000c1', 'Intro', '[{"index":0,"duration_seconds":4}]', 4);
SELECT lives_ok($$DELETE FROM brand_guidelines WHERE id = '6a000000-0000-4000-8000-0000000000b1'$$,
                'brand_guidelines: A deletes guidelines used by a campaign');
SELECT is((SELECT brand_guidelines_id FROM campaigns WHERE id = '6a000000-0000-4000-8000-0000000000c1'),
          NULL, 'campaigns: brand_guidelines_id is set to NULL');
SELECT lives_ok($$DELETE FROM campaigns WHERE id = '6a000000-0000-4000-8000-0000000000c1'$$,
                'campaigns: A deletes a campaign with storyboards');
SELECT results_eq($$SELECT campaign_id, total_duration FROM storyboard_sequences
                    WHERE id = '6a000000-0000-4000-8000-0000000000d1'$$,
                  $$VALUES (NULL::uuid, 4)$$, 'storyboard_sequences: the storyboard stays, unlinked');
SELECT throws_ok($$INSERT INTO campaigns (user_id, name, total_videos, completed_videos)
                   VALUES ('6a000000-0000-4000-8000-00000000000a', 'x', 1, 2)$$,
                 '23514', NULL, 'campaigns: completed_videos may not exceed total_videos');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
