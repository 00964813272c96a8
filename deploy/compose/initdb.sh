#!/bin/sh
# Run once by the postgres image on an empty volume (docker-entrypoint-initdb.d): one role per
# service, owning its own database; neither is a superuser, may create roles or databases, or
# connect to the other's database. The superuser (`postgres`, POSTGRES_PASSWORD) is for the
# operator only. An existing volume: run this once by hand (deploy/README.md, "Database roles").
set -eu
: "${AUTH_DB_PASSWORD:?set AUTH_DB_PASSWORD in .env}"
: "${CHAT_DB_PASSWORD:?set CHAT_DB_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v auth_password="$AUTH_DB_PASSWORD" -v chat_password="$CHAT_DB_PASSWORD" <<'SQL'
CREATE ROLE parley_auth LOGIN PASSWORD :'auth_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
CREATE ROLE parley_chat LOGIN PASSWORD :'chat_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
-- The owner may create tables (auth, in schema public) and schemas (chat's `ai`) in its own
-- database; PostgreSQL 15+ gives the owner the public schema.
CREATE DATABASE auth OWNER parley_auth;
CREATE DATABASE chat OWNER parley_chat;
-- No role connects to a database it does not own (PUBLIC may by default).
REVOKE ALL ON DATABASE auth FROM PUBLIC;
REVOKE ALL ON DATABASE chat FROM PUBLIC;
SQL
