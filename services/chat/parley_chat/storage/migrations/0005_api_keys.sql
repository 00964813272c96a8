-- API keys for the OpenAI-compatible API ({schema} is DB_SCHEMA). Idempotent.

-- Only the SHA-256 of a key is kept (the key has 240 random bits: a slow hash adds nothing);
-- the key itself is shown once, at creation. A request with a key is one lookup on
-- secret_hash's unique index. Revoked keys stay 30 days in their owner's list, then only
-- here. A deleted user's keys are deleted with their chats (the account follower).
CREATE TABLE IF NOT EXISTS {schema}.parley_api_keys (
    id uuid PRIMARY KEY,
    user_id varchar(64) NOT NULL,
    name varchar(100) NOT NULL,
    prefix varchar(24) NOT NULL,
    secret_hash char(64) NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    revoked_by varchar(64)
);

CREATE INDEX IF NOT EXISTS parley_api_keys_user_created
    ON {schema}.parley_api_keys (user_id, created_at);
