#!/usr/bin/env bash
# Runs once, as the PostgreSQL superuser, when the postgres service starts on an empty data volume
# (the official image runs /docker-entrypoint-initdb.d/*.sh). It mirrors tests/harness.py:
#
#   tessera_owner   LOGIN CREATEDB BYPASSRLS  owns the database and tables, runs migrations (migrate service)
#   tessera_app       LOGIN, nothing more       what web, worker and beat connect as; row-level security applies;
#                                               a member of no role, so no SET ROLE can step around the policy
#   tessera_platform  LOGIN BYPASSRLS           the platform connection (PLATFORM_DATABASE_URL) of unscoped()
#
# and the superuser-only steps the owner cannot do: ts_match_vq LEAKPROOF (so full-text search under row-level
# security can use the GIN index) and the btree_gin and pg_trgm extensions. They are done in template1 before
# the database is created, so the tessera database, and any database created later from template1, has them.
#
# Passwords come from the environment (docker-compose.yml passes them from .env).
set -euo pipefail

: "${TESSERA_OWNER_PASSWORD:?set TESSERA_OWNER_PASSWORD (see .env.example)}"
: "${TESSERA_APP_PASSWORD:?set TESSERA_APP_PASSWORD (see .env.example)}"
: "${TESSERA_PLATFORM_PASSWORD:?set TESSERA_PLATFORM_PASSWORD (see .env.example)}"
database="${TESSERA_DATABASE:-tessera}"

run_psql() {
    psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" "$@"
}

run_psql --dbname template1 <<'SQL'
ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
-- JSON containment (custom-field filters, tickets.custom_fields.queries): lets the GIN index serve them under RLS.
ALTER FUNCTION pg_catalog.jsonb_contains(jsonb, jsonb) LEAKPROOF;
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL

# psql variables (:'name' quotes a literal, :"name" an identifier) keep the passwords out of the SQL text.
run_psql --dbname postgres \
    -v owner_password="$TESSERA_OWNER_PASSWORD" \
    -v app_password="$TESSERA_APP_PASSWORD" \
    -v platform_password="$TESSERA_PLATFORM_PASSWORD" \
    -v database="$database" <<'SQL'
CREATE ROLE tessera_owner LOGIN CREATEDB BYPASSRLS PASSWORD :'owner_password';
CREATE ROLE tessera_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
CREATE ROLE tessera_platform LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS PASSWORD :'platform_password';
CREATE DATABASE :"database" OWNER tessera_owner;
SQL

# PostgreSQL 15: the public schema belongs to the database owner and PUBLIC may not create in it.
# Nobody but the owner may connect until granted: the application role may.
run_psql --dbname "$database" -v database="$database" <<'SQL'
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO tessera_app, tessera_platform;
SQL

echo "tessera: roles tessera_owner, tessera_app, tessera_platform and database $database are ready"
