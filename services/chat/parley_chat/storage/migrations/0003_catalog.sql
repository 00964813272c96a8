-- The model catalog's entries managed through the admin API ({schema} is DB_SCHEMA).
-- Idempotent. Entries of the catalog file (or the LLM_* shortcut) are not stored: each replica
-- reads them at start, and they win over a row of the same id.

-- Providers: OpenAI-compatible endpoints. At most one key source: a variable or file named
-- here (read by each replica), or the key itself, Fernet-encrypted with CATALOG_SECRET_KEY.
CREATE TABLE IF NOT EXISTS {schema}.parley_catalog_providers (
    id varchar(64) PRIMARY KEY,
    kind varchar(32) NOT NULL,
    base_url text NOT NULL,
    api_key_env text,
    api_key_file text,
    api_key_encrypted text,
    timeout_seconds double precision NOT NULL,
    connect_timeout_seconds double precision NOT NULL,
    max_retries integer NOT NULL,
    enabled boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT parley_catalog_one_key_source
        CHECK (num_nonnulls(api_key_env, api_key_file, api_key_encrypted) <= 1)
);

-- Models. No foreign key on provider_id: a model may use a provider of the catalog file.
-- Deleting a provider that a model uses is refused by the admin API (it locks the row).
CREATE TABLE IF NOT EXISTS {schema}.parley_catalog_models (
    id varchar(64) PRIMARY KEY,
    provider_id varchar(64) NOT NULL,
    upstream text NOT NULL,
    display_name text NOT NULL,
    context_tokens integer NOT NULL,
    max_output_tokens integer NOT NULL,
    input_price_per_million double precision NOT NULL,
    output_price_per_million double precision NOT NULL,
    enabled boolean NOT NULL,
    is_default boolean NOT NULL,
    groups text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX IF NOT EXISTS parley_catalog_models_provider
    ON {schema}.parley_catalog_models (provider_id);

-- Every change (through the API or by hand in SQL) tells every replica to reload its
-- in-memory catalog; the periodic reload catches a notification missed while disconnected.
CREATE OR REPLACE FUNCTION {schema}.parley_catalog_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('parley_catalog_changed', '');
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS parley_catalog_providers_changed ON {schema}.parley_catalog_providers;
CREATE TRIGGER parley_catalog_providers_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {schema}.parley_catalog_providers
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.parley_catalog_changed();

DROP TRIGGER IF EXISTS parley_catalog_models_changed ON {schema}.parley_catalog_models;
CREATE TRIGGER parley_catalog_models_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {schema}.parley_catalog_models
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.parley_catalog_changed();
