-- Parley's additions to agno's schema ({schema} is DB_SCHEMA). Idempotent: applied on every
-- `parley-chat migrate` (and start with MIGRATE_ON_START), after agno has created its tables.

-- The chat list: a user's chats, most recently updated first.
CREATE INDEX IF NOT EXISTS parley_sessions_user_updated
    ON {schema}.agno_sessions (user_id, updated_at DESC, session_id DESC);

-- One run per chat across replicas: the lease of the replica running the chat's reply,
-- renewed by its heartbeat, carrying the cancel flag; gone with the chat.
CREATE TABLE IF NOT EXISTS {schema}.parley_run_leases (
    session_id varchar PRIMARY KEY
        REFERENCES {schema}.agno_sessions (session_id) ON DELETE CASCADE,
    run_id varchar NOT NULL UNIQUE,
    user_id varchar NOT NULL,
    owner varchar NOT NULL,
    cancel_requested boolean NOT NULL DEFAULT false,
    expires_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS parley_run_leases_owner ON {schema}.parley_run_leases (owner);

-- agno's final save of a run releases the chat's lease in the same transaction: no extra
-- round trip per turn, and the chat is free exactly when the reply is stored.
CREATE OR REPLACE FUNCTION {schema}.parley_release_lease() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('COMPLETED', 'ERROR', 'CANCELLED') THEN
        DELETE FROM {schema}.parley_run_leases WHERE run_id = NEW.run_id;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS parley_release_lease ON {schema}.agno_runs;
CREATE TRIGGER parley_release_lease AFTER INSERT OR UPDATE OF status
    ON {schema}.agno_runs FOR EACH ROW EXECUTE FUNCTION {schema}.parley_release_lease();
