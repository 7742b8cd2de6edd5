-- 0006_triggers: row triggers. updated_at bookkeeping; the profile and
-- welcome bonus made for every new auth.users row (handle_new_user); keeping a
-- deleted generation's id in its ledger rows; and the NOTIFY that drives
-- ContentService.WatchGeneration.

CREATE OR REPLACE FUNCTION public.update_updated_at_column()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER update_users_updated_at
    BEFORE UPDATE ON auth.users
    FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE OR REPLACE TRIGGER update_user_profiles_updated_at
    BEFORE UPDATE ON public.user_profiles
    FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE OR REPLACE TRIGGER update_brand_guidelines_updated_at
    BEFORE UPDATE ON public.brand_guidelines
    FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE OR REPLACE TRIGGER update_tool_configurations_updated_at
    BEFORE UPDATE ON public.tool_configurations
    FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE OR REPLACE TRIGGER update_campaigns_updated_at
    BEFORE UPDATE ON public.campaigns
    FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE OR REPLACE TRIGGER update_storyboard_sequences_updated_at
    BEFORE UPDATE ON public.storyboard_sequences
    FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE OR REPLACE TRIGGER update_style_presets_updated_at
    BEFORE UPDATE ON public.style_presets
    FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE OR REPLACE TRIGGER update_tool_preset_chains_updated_at
    BEFORE UPDATE ON public.tool_preset_chains
    FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE OR REPLACE TRIGGER update_platform_configurations_updated_at
    BEFORE UPDATE ON public.platform_configurations
    FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

-- Runs with the owner's rights: the inserting role (cameos_credits) may not
-- write user_profiles.credits nor credit_transactions itself.
CREATE OR REPLACE FUNCTION public.handle_new_user()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_base      text;
    v_candidate text;
    v_suffix    text;
    v_try       integer := 0;
BEGIN
    v_base := NEW.raw_user_meta_data ->> 'username';
    IF v_base IS NULL OR v_base !~ '^[A-Za-z0-9_.-]{3,32}$' THEN
        v_base := pg_catalog.regexp_replace(
            pg_catalog.split_part(NEW.email, '@', 1), '[^A-Za-z0-9_.-]', '_', 'g');
        IF v_base = '' THEN
            v_base := 'user';
        ELSIF pg_catalog.length(v_base) < 3 THEN
            v_base := pg_catalog.rpad(v_base, 3, '_');
        END IF;
        v_base := pg_catalog.left(v_base, 32);
    END IF;

    -- ON CONFLICT waits for a concurrent insert of the same name instead of
    -- failing, so two sign-ups deriving the same name both succeed. Counting
    -- up stays readable (alice, alice1, alice2...); past 100 taken names a
    -- random suffix keeps the loop short.
    v_candidate := v_base;
    LOOP
        INSERT INTO public.user_profiles (id, username, credits, total_spent)
        VALUES (NEW.id, v_candidate, 100, 0)
        ON CONFLICT (username) DO NOTHING;
        EXIT WHEN FOUND;
        v_try := v_try + 1;
        IF v_try <= 100 THEN
            v_suffix := v_try::text;
        ELSE
            v_suffix := (pg_catalog.floor(pg_catalog.random() * 1000000000))::bigint::text;
        END IF;
        v_candidate := pg_catalog.left(v_base, 32 - pg_catalog.length(v_suffix)) || v_suffix;
    END LOOP;

    INSERT INTO public.credit_transactions (user_id, amount, transaction_type, description)
    VALUES (NEW.id, 100, 'bonus', 'Welcome bonus');

    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER on_auth_user_created
    AFTER INSERT ON auth.users
    FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();

-- The foreign key nulls credit_transactions.generation_id when a generation
-- is deleted; the ledger must still say which generation a debit paid for.
-- When the generation goes because its user is being deleted, the ledger
-- goes too: touching it then would only trip the user_id foreign key.
CREATE OR REPLACE FUNCTION public.keep_generation_id_in_ledger()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.user_profiles p WHERE p.id = OLD.user_id) THEN
        RETURN OLD;
    END IF;
    UPDATE public.credit_transactions
       SET metadata = metadata || pg_catalog.jsonb_build_object('generation_id', OLD.id)
     WHERE generation_id = OLD.id;
    RETURN OLD;
END
$$;

CREATE OR REPLACE TRIGGER before_generation_delete
    BEFORE DELETE ON public.generations
    FOR EACH ROW EXECUTE FUNCTION public.keep_generation_id_in_ledger();

-- Delivered at commit only, so listeners never see a rolled-back state.
CREATE OR REPLACE FUNCTION public.notify_generation_changed()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_catalog.pg_notify(
        'generation_changed',
        pg_catalog.json_build_object('id', NEW.id, 'user_id', NEW.user_id,
                                     'status', NEW.status)::text);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER generation_changed_notify
    AFTER INSERT OR UPDATE ON public.generations
    FOR EACH ROW EXECUTE FUNCTION public.notify_generation_changed();
