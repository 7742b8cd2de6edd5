-- 0005_pricing: what a generation costs (read by ContentService when it
-- creates a generation) and the default credit packs sold by CreditsService.
-- Seed rows are inserted only when missing so operators' later price changes
-- survive a re-run.

CREATE TABLE IF NOT EXISTS public.generation_pricing (
    model      text    NOT NULL,
    resolution text    NOT NULL,
    credits    integer NOT NULL,
    CONSTRAINT generation_pricing_pkey PRIMARY KEY (model, resolution),
    CONSTRAINT generation_pricing_model_check CHECK (model IN ('veo-2', 'veo-fast')),
    CONSTRAINT generation_pricing_resolution_check
        CHECK (resolution IN ('720p', '1080p')),
    CONSTRAINT generation_pricing_credits_check CHECK (credits > 0)
);

INSERT INTO public.generation_pricing (model, resolution, credits)
VALUES ('veo-2', '720p', 40),
       ('veo-2', '1080p', 40),
       ('veo-fast', '720p', 15),
       ('veo-fast', '1080p', 15)
ON CONFLICT (model, resolution) DO NOTHING;

INSERT INTO public.pricing_tiers (name, credits, price, is_active, sort_order)
VALUES ('Starter', 100, 9.99, true, 1),
       ('Creator', 500, 39.99, true, 2),
       ('Pro', 1500, 99.99, true, 3),
       ('Enterprise', 5000, 299.99, true, 4)
ON CONFLICT (name) DO NOTHING;
