-- Organisations ({schema} is DB_SCHEMA). Idempotent.

-- Auth's feed now carries each account's role, groups and active flag (as of changed_at):
-- the token check uses role and groups for tokens issued before that change. NULL: the feed
-- did not say (rows from an older auth), and the token's claims hold.
ALTER TABLE {schema}.parley_account_states
    ADD COLUMN IF NOT EXISTS role varchar(16),
    ADD COLUMN IF NOT EXISTS groups text[],
    ADD COLUMN IF NOT EXISTS active boolean NOT NULL DEFAULT true;

-- Audit events of catalog changes, written in the change's own transaction and forwarded
-- in id order to auth's audit log (POST /auth/internal/audit) by a background task, which
-- deletes each row once auth answered 204. Never a key, a token or message content here.
-- An event auth refuses as invalid (400, 413, 422: it never will take it) is kept aside
-- (rejected_at, rejection) instead of holding back every later one; an operator may send it
-- again with UPDATE ... SET rejected_at = NULL.
CREATE TABLE IF NOT EXISTS {schema}.parley_audit_outbox (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    kind varchar(64) NOT NULL,
    actor_id varchar(255),
    actor_email varchar(320),
    target_type varchar(32),
    target_id varchar(200),
    target_label varchar(320),
    client_ip varchar(64),
    user_agent varchar(300),
    detail jsonb NOT NULL DEFAULT '{}',
    rejected_at timestamptz,
    rejection varchar(400)
);
