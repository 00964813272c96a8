-- What chat learned from auth's account-changes feed ({schema} is DB_SCHEMA). Idempotent.

-- Each user's token version and deletion, as last read from the feed (one row per user who
-- ever changed). Loaded into memory at start, so revoked tokens stay refused even when auth
-- is down while chat starts.
CREATE TABLE IF NOT EXISTS {schema}.parley_account_states (
    user_id varchar PRIMARY KEY,
    token_version bigint NOT NULL,
    deleted boolean NOT NULL,
    changed_at timestamptz NOT NULL
);

-- Where the feed was read up to (auth's clock, already minus the overlap): one row. A
-- restarted chat resumes here, so a deletion made while it was down is applied at start.
CREATE TABLE IF NOT EXISTS {schema}.parley_account_feed (
    id smallint PRIMARY KEY CHECK (id = 1),
    since timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
