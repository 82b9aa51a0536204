#!/usr/bin/env bash
# pg_data_wh first start, step 2: roles.
# - GRAFANA_DB_USER (grafana_reader / GRAFANA_DB_PASSWORD): the login Grafana's datasource uses.
#   student_etl.grant_dashboard_access() gives it SELECT on the dashboard views only and makes
#   it read-only with a statement_timeout (GRAFANA_DB_STATEMENT_TIMEOUT, 5s) by default (the
#   pipeline views over pg_cron and the inbox included).
# - REPLICATION_USER (replicator / REPLICATION_PASSWORD): the login the read replica streams
#   with, and its pg_hba.conf line (the entry point only allows "host all all all").
# - STUDENT_ETL_WAREHOUSE_USER (set by docker/entrypoint.sh to the compose file's POSTGRES_USER,
#   my_data_wh_user, when POSTGRES_SUPERUSER is a different role): the people's login. Not a
#   superuser, no pg_read_server_files: student_etl's "loader" profile (load, schedule, read
#   what was loaded -- docs/security.md) and the ownership of the database, as in
#   scripts/demo.sh.
set -euo pipefail
: "${GRAFANA_DB_USER:=grafana_reader}" "${GRAFANA_DB_PASSWORD:=grafana_reader_pwd}"
: "${GRAFANA_DB_STATEMENT_TIMEOUT:=5s}"
: "${REPLICATION_USER:=replicator}" "${REPLICATION_PASSWORD:=replicator_pwd}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" \
     -v reader="$GRAFANA_DB_USER" -v reader_pwd="$GRAFANA_DB_PASSWORD" \
     -v timeout="$GRAFANA_DB_STATEMENT_TIMEOUT" \
     -v repl="$REPLICATION_USER" -v repl_pwd="$REPLICATION_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'reader')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'reader') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'reader', :'reader_pwd') \gexec
SELECT student_etl.grant_dashboard_access(:'reader', :'timeout');

SELECT format('CREATE ROLE %I LOGIN REPLICATION', :'repl')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'repl') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'repl', :'repl_pwd') \gexec
SQL

if [ -n "${STUDENT_ETL_WAREHOUSE_USER:-}" ]; then
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" \
       -v wh="$STUDENT_ETL_WAREHOUSE_USER" -v wh_pwd="${STUDENT_ETL_WAREHOUSE_PASSWORD:-}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'wh')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'wh') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'wh', :'wh_pwd') WHERE :'wh_pwd' <> '' \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'wh') \gexec
SELECT student_etl.grant_access(:'wh', 'loader');
SQL
fi

if ! grep -q "^host replication $REPLICATION_USER all " "$PGDATA/pg_hba.conf"; then
  printf 'host replication %s all scram-sha-256\n' "$REPLICATION_USER" >> "$PGDATA/pg_hba.conf"
fi
