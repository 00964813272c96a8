-- Usage governance ({schema} is DB_SCHEMA): the ledger, daily totals, budgets and the holds
-- of calls in flight. Idempotent.

-- The ledger: one row per model call (a chat turn, a title, an /api/v1 call). Tokens are the
-- provider's own figures, or our estimate (estimated = true) when it gave none; cost is
-- figured from the catalog's prices at admission, in the operator's currency.
CREATE TABLE IF NOT EXISTS {schema}.parley_usage (
    id bigserial PRIMARY KEY,
    user_id varchar(64) NOT NULL,
    groups text[] NOT NULL DEFAULT '{}',  -- the user's groups when the call was made
    model varchar(128) NOT NULL,
    provider varchar(128) NOT NULL,
    kind varchar(8) NOT NULL CHECK (kind IN ('turn', 'title', 'api')),
    source varchar(8) NOT NULL CHECK (source IN ('web', 'api')),
    api_key_id uuid,  -- the Parley API key of an API call (null: an access token)
    run_id varchar(64),  -- the chat turn's run, for turns and titles
    input_tokens bigint NOT NULL,
    output_tokens bigint NOT NULL,
    estimated boolean NOT NULL,
    cost numeric(20, 9) NOT NULL,
    started_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS parley_usage_user_started
    ON {schema}.parley_usage (user_id, started_at);
CREATE INDEX IF NOT EXISTS parley_usage_created ON {schema}.parley_usage (created_at);

-- Running totals per user and per group and UTC day, kept with each ledger row (same
-- transaction): a budget check reads at most 31 of them, however long the ledger grows.
CREATE TABLE IF NOT EXISTS {schema}.parley_usage_daily (
    scope varchar(8) NOT NULL CHECK (scope IN ('user', 'group')),
    scope_id varchar(64) NOT NULL,
    day date NOT NULL,
    tokens bigint NOT NULL DEFAULT 0,
    cost numeric(24, 9) NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, scope_id, day)
);

-- Budgets set by admins. 'everyone' applies to each user on their own unless that user has a
-- budget of their own for the same period; 'group' is shared by the group's members together.
-- Every budget that applies must allow a call (the tightest one wins).
CREATE TABLE IF NOT EXISTS {schema}.parley_budgets (
    id uuid PRIMARY KEY,
    scope varchar(8) NOT NULL CHECK (scope IN ('everyone', 'user', 'group')),
    scope_id varchar(64) NOT NULL DEFAULT '',
    period varchar(8) NOT NULL CHECK (period IN ('day', 'month')),
    max_tokens bigint CHECK (max_tokens >= 0),
    max_cost numeric(20, 6) CHECK (max_cost >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by varchar(64),
    CHECK (max_tokens IS NOT NULL OR max_cost IS NOT NULL),
    CHECK ((scope = 'everyone') = (scope_id = '')),
    UNIQUE (scope, scope_id, period)
);

-- A call in flight holds its worst case (the model's whole history budget in and its maximum
-- reply out) until it settles to what it used. Renewed by its replica's lease heartbeat; a
-- crashed replica's holds stop counting when they expire.
CREATE TABLE IF NOT EXISTS {schema}.parley_usage_holds (
    id varchar(64) PRIMARY KEY,  -- the run id of a turn, the call id of an /api/v1 call
    user_id varchar(64) NOT NULL,
    groups text[] NOT NULL DEFAULT '{}',
    model varchar(128) NOT NULL,
    provider varchar(128) NOT NULL,
    kind varchar(8) NOT NULL,
    source varchar(8) NOT NULL,
    api_key_id uuid,
    tokens bigint NOT NULL,
    cost numeric(20, 9) NOT NULL,
    input_price numeric(20, 9) NOT NULL,  -- per million tokens, as the catalog said
    output_price numeric(20, 9) NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS parley_usage_holds_user ON {schema}.parley_usage_holds (user_id);

-- Admission: whether a call of p_user may start with model p_model; if so, its hold is stored
-- and NULL returned, else the refusal ({code, limit, retry_after}). p_plan maps each model the
-- call may use to its worst case and prices: {"input", "output" (tokens), "provider",
-- "input_price", "output_price" (per million tokens)}.
-- Called inside the statement that takes a chat's lease (no round trip of its own). A volatile
-- function's statements each see what committed before them, so after the locks below the
-- sums include every hold of a call admitted before this one.
CREATE OR REPLACE FUNCTION {schema}.parley_admit(
    p_hold_id text, p_user text, p_groups text[], p_model text, p_plan jsonb,
    p_kind text, p_source text, p_api_key uuid, p_ttl double precision,
    p_max_in_flight integer, p_max_per_minute integer, p_chat text DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    plan jsonb := p_plan -> p_model;
    worst_input bigint := COALESCE((plan ->> 'input')::bigint, 0);
    worst_output bigint := COALESCE((plan ->> 'output')::bigint, 0);
    input_price numeric := COALESCE((plan ->> 'input_price')::numeric, 0);
    output_price numeric := COALESCE((plan ->> 'output_price')::numeric, 0);
    worst_tokens bigint := worst_input + worst_output;
    worst_cost numeric := (worst_input * input_price + worst_output * output_price) / 1000000;
    today date := (now() AT TIME ZONE 'UTC')::date;
    lock_key text;
    b record;
    n integer;
    oldest timestamptz;
    period_start date;
    resets_at timestamptz;
    used_tokens bigint;
    used_cost numeric;
    held_tokens bigint;
    held_cost numeric;
    over_unit text;
BEGIN
    -- One admission at a time per user and per budgeted group, locks taken in one global order
    -- (sorted keys) so two admissions never wait on each other in a cycle.
    FOR lock_key IN
        SELECT k FROM (
            SELECT 'u:' || p_user AS k
            UNION SELECT 'g:' || bg.scope_id FROM {schema}.parley_budgets bg
                WHERE bg.scope = 'group' AND bg.scope_id = ANY(p_groups)
        ) keys ORDER BY k
    LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('parley_usage:' || lock_key, 0));
    END LOOP;

    -- A turn for a chat whose reply is still running finds it busy (409), not over a limit:
    -- checked after the lock, so a reply admitted just before is seen with its lease.
    IF p_chat IS NOT NULL AND EXISTS (SELECT 1 FROM {schema}.parley_run_leases l
            WHERE l.session_id = p_chat AND l.expires_at >= now()) THEN
        RETURN jsonb_build_object('code', 'CHAT_BUSY');
    END IF;

    IF p_max_in_flight > 0 THEN
        SELECT count(*) INTO n FROM {schema}.parley_usage_holds
            WHERE user_id = p_user AND expires_at > now();
        IF n >= p_max_in_flight THEN
            RETURN jsonb_build_object('code', 'RATE_LIMITED', 'retry_after', 5,
                'limit', jsonb_build_object('name', 'replies_in_flight', 'max', p_max_in_flight));
        END IF;
    END IF;

    IF p_max_per_minute > 0 THEN
        SELECT count(*), min(t) INTO n, oldest FROM (
            SELECT started_at AS t FROM {schema}.parley_usage_holds
                WHERE user_id = p_user AND started_at > now() - interval '60 seconds'
            UNION ALL
            SELECT started_at FROM {schema}.parley_usage
                WHERE user_id = p_user AND kind <> 'title'
                AND started_at > now() - interval '60 seconds'
        ) recent;
        IF n >= p_max_per_minute THEN
            RETURN jsonb_build_object('code', 'RATE_LIMITED',
                'retry_after', GREATEST(1, ceil(extract(epoch FROM
                    oldest + interval '60 seconds' - now())))::integer,
                'limit', jsonb_build_object('name', 'turns_per_minute', 'max', p_max_per_minute));
        END IF;
    END IF;

    FOR b IN
        SELECT * FROM {schema}.parley_budgets bg
        WHERE (bg.scope = 'user' AND bg.scope_id = p_user)
           OR (bg.scope = 'group' AND bg.scope_id = ANY(p_groups))
           OR (bg.scope = 'everyone' AND NOT EXISTS (
                SELECT 1 FROM {schema}.parley_budgets own
                WHERE own.scope = 'user' AND own.scope_id = p_user AND own.period = bg.period))
        ORDER BY bg.scope, bg.scope_id, bg.period
    LOOP
        IF b.period = 'day' THEN
            period_start := today;
            resets_at := (today + 1)::timestamp AT TIME ZONE 'UTC';
        ELSE
            period_start := date_trunc('month', today)::date;
            resets_at := (period_start + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        END IF;
        SELECT COALESCE(sum(d.tokens), 0), COALESCE(sum(d.cost), 0) INTO used_tokens, used_cost
            FROM {schema}.parley_usage_daily d
            WHERE d.day >= period_start AND (CASE WHEN b.scope = 'group'
                THEN d.scope = 'group' AND d.scope_id = b.scope_id
                ELSE d.scope = 'user' AND d.scope_id = p_user END);
        SELECT COALESCE(sum(h.tokens), 0), COALESCE(sum(h.cost), 0) INTO held_tokens, held_cost
            FROM {schema}.parley_usage_holds h
            WHERE h.expires_at > now() AND (CASE WHEN b.scope = 'group'
                THEN b.scope_id = ANY(h.groups) ELSE h.user_id = p_user END);
        over_unit := CASE
            WHEN b.max_tokens IS NOT NULL
                AND used_tokens + held_tokens + worst_tokens > b.max_tokens THEN 'tokens'
            WHEN b.max_cost IS NOT NULL
                AND used_cost + held_cost + worst_cost > b.max_cost THEN 'cost'
        END;
        IF over_unit IS NOT NULL THEN
            RETURN jsonb_build_object('code', 'BUDGET_EXCEEDED',
                -- Only the calls in flight stand in the way: retry when they have settled.
                'retry_after', CASE
                    WHEN (over_unit = 'tokens' AND used_tokens + worst_tokens <= b.max_tokens)
                      OR (over_unit = 'cost' AND used_cost + worst_cost <= b.max_cost) THEN 5
                    ELSE GREATEST(1, ceil(extract(epoch FROM resets_at - now())))::integer END,
                'limit', jsonb_build_object('name', 'budget', 'scope', b.scope,
                    'scope_id', b.scope_id, 'period', b.period, 'unit', over_unit,
                    'max', CASE over_unit WHEN 'tokens' THEN b.max_tokens::numeric
                        ELSE b.max_cost END,
                    'used', CASE over_unit WHEN 'tokens' THEN used_tokens::numeric
                        ELSE used_cost END,
                    'held', CASE over_unit WHEN 'tokens' THEN held_tokens::numeric
                        ELSE held_cost END,
                    'needed', CASE over_unit WHEN 'tokens' THEN worst_tokens::numeric
                        ELSE worst_cost END,
                    'resets_at', resets_at));
        END IF;
    END LOOP;

    INSERT INTO {schema}.parley_usage_holds (id, user_id, groups, model, provider, kind, source,
        api_key_id, tokens, cost, input_price, output_price, expires_at)
    VALUES (p_hold_id, p_user, COALESCE(p_groups, '{}'), p_model,
        COALESCE(plan ->> 'provider', ''), p_kind, p_source, p_api_key, worst_tokens,
        worst_cost, input_price, output_price, now() + make_interval(secs => p_ttl));
    RETURN NULL;
END
$$;

-- A model call's ledger row, and the day's totals of its user and groups grow (titles are
-- recorded so; calls admitted with a hold settle through parley_settle).
CREATE OR REPLACE FUNCTION {schema}.parley_record_usage(
    p_user text, p_groups text[], p_model text, p_provider text, p_kind text, p_source text,
    p_api_key uuid, p_run_id text, p_input bigint, p_output bigint, p_estimated boolean,
    p_input_price numeric, p_output_price numeric, p_started_at timestamptz
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    spent numeric := (p_input * p_input_price + p_output * p_output_price) / 1000000;
    today date := (now() AT TIME ZONE 'UTC')::date;
BEGIN
    INSERT INTO {schema}.parley_usage (user_id, groups, model, provider, kind, source,
        api_key_id, run_id, input_tokens, output_tokens, estimated, cost, started_at)
    VALUES (p_user, COALESCE(p_groups, '{}'), p_model, p_provider, p_kind, p_source, p_api_key,
        p_run_id, p_input, p_output, p_estimated, spent, p_started_at);
    -- Rows in one order (scope, id): two calls sharing groups never deadlock.
    INSERT INTO {schema}.parley_usage_daily AS d (scope, scope_id, day, tokens, cost)
    SELECT s.scope, s.scope_id, today, p_input + p_output, spent FROM (
        SELECT 'user' AS scope, p_user AS scope_id
        UNION SELECT 'group', g FROM unnest(p_groups) g
    ) s ORDER BY s.scope, s.scope_id
    ON CONFLICT (scope, scope_id, day) DO UPDATE
        SET tokens = d.tokens + EXCLUDED.tokens, cost = d.cost + EXCLUDED.cost;
END
$$;

-- Settling: the hold becomes a ledger row with what the call used. A hold already settled
-- (or never taken) makes it a no-op, so a run saved twice is counted once.
CREATE OR REPLACE FUNCTION {schema}.parley_settle(
    p_hold_id text, p_input bigint, p_output bigint, p_estimated boolean, p_run_id text
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    h record;
BEGIN
    DELETE FROM {schema}.parley_usage_holds WHERE id = p_hold_id RETURNING * INTO h;
    IF FOUND THEN
        PERFORM {schema}.parley_record_usage(h.user_id, h.groups, h.model, h.provider, h.kind,
            h.source, h.api_key_id, p_run_id, p_input, p_output, p_estimated, h.input_price,
            h.output_price, h.started_at);
    END IF;
END
$$;

-- A chat turn settles in agno's final save of its run (same transaction, no round trip):
-- the provider's usage from the run's metrics, else an estimate from the text (4 characters
-- a token); a run that failed or was cancelled before any text is free.
CREATE OR REPLACE FUNCTION {schema}.parley_settle_run() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    input_tokens bigint := COALESCE((NEW.run_data -> 'metrics' ->> 'input_tokens')::bigint, 0);
    output_tokens bigint := COALESCE((NEW.run_data -> 'metrics' ->> 'output_tokens')::bigint, 0);
    reply text := COALESCE(NEW.run_data ->> 'content', '');
    estimated boolean := false;
BEGIN
    IF NEW.status NOT IN ('COMPLETED', 'ERROR', 'CANCELLED') THEN
        RETURN NULL;
    END IF;
    IF input_tokens = 0 AND output_tokens = 0 THEN
        estimated := true;
        IF reply <> '' THEN
            output_tokens := ceil(length(reply) / 4.0);
            SELECT COALESCE(ceil(sum(length(m ->> 'content')) / 4.0), 0) INTO input_tokens
                FROM jsonb_array_elements(COALESCE(NEW.run_data -> 'messages', '[]'::jsonb)) m
                WHERE m ->> 'role' IS DISTINCT FROM 'assistant'
                   OR (m ->> 'from_history')::boolean;
        END IF;
    END IF;
    PERFORM {schema}.parley_settle(NEW.run_id, input_tokens, output_tokens, estimated,
        NEW.run_id);
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS parley_settle_run ON {schema}.agno_runs;
CREATE TRIGGER parley_settle_run AFTER INSERT OR UPDATE OF status
    ON {schema}.agno_runs FOR EACH ROW EXECUTE FUNCTION {schema}.parley_settle_run();
