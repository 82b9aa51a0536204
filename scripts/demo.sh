#!/usr/bin/env bash
# Quick start, command 1: on a Debian 12 machine (as root) install what is missing, build and
# install student_etl, run a local PostgreSQL 15 cluster playing the stack's pg_data_wh
# (port 5488, database my_data_wh_db, user my_data_wh_user / my_data_wh_pwd), create the
# extension, load the sample delivery and show what was loaded. Safe to run again: the
# cluster and roles are reused and a second load of the same file is reported as skipped.
set -euo pipefail
source "$(dirname "$0")/common.sh"

CLUSTER=pg_data_wh
PORT=5488
DB=my_data_wh_db
DB_USER=my_data_wh_user
DB_PASSWORD=${MY_DATA_WH_PASSWORD:-my_data_wh_pwd}
DELIVERIES=/var/lib/student_etl/deliveries
INBOX=/var/lib/student_etl/inbox/new   # processed/ and failed/ go beside it

"$REPO_ROOT/scripts/install-deps.sh"
build_and_install

if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "15/$CLUSTER"; then
  pg_createcluster 15 "$CLUSTER" -p "$PORT" >/dev/null
fi
cat > "/etc/postgresql/15/$CLUSTER/conf.d/student_etl.conf" <<CONF
# Written by student_etl scripts/demo.sh
listen_addresses = 'localhost'
shared_preload_libraries = 'pg_cron,student_etl'
cron.database_name = '$DB'
# Scheduled jobs run in background workers as their owner: no password to store for pg_cron.
cron.use_background_workers = on
student_etl.allowed_dirs = '$DELIVERIES, $(dirname "$INBOX")'
student_etl.database_name = '$DB'
student_etl.inbox_dir = '$INBOX'
CONF
# A restart (not a reload) picks up the preload list and a freshly installed library.
if pg_lsclusters -h | awk -v c="$CLUSTER" '$2 == c {print $4}' | grep -q online; then
  pg_ctlcluster 15 "$CLUSTER" restart
else
  pg_ctlcluster 15 "$CLUSTER" start
fi

mkdir -p "$DELIVERIES" "$INBOX"
install -m 0644 "$REPO_ROOT/test/data/student-mat.csv" "$DELIVERIES/student-mat.csv"
chown -R postgres:postgres "$(dirname "$DELIVERIES")"

psql_admin() { PGOPTIONS="-c client_min_messages=warning" as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@"; }
psql_admin -d postgres <<SQL
SELECT format('CREATE ROLE %I LOGIN', '$DB_USER')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') \gexec
ALTER ROLE $DB_USER PASSWORD '$DB_PASSWORD';
-- 0.1 made the demo user a member of pg_read_server_files (every file of the server); loading
-- now takes the loader profile, granted below, and reads only under allowed_dirs.
REVOKE pg_read_server_files FROM $DB_USER;
SELECT format('CREATE DATABASE %I OWNER %I', '$DB', '$DB_USER')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB') \gexec
SQL
psql_admin -d "$DB" <<SQL
-- A cluster made by an older pre-release build lacks objects added since: recreate the
-- extension there (the demo's data is just the sample, loaded again below). A released
-- version is upgraded in place.
SELECT 'DROP EXTENSION student_etl CASCADE'
 WHERE EXISTS (SELECT FROM pg_extension WHERE extname = 'student_etl')
   AND (to_regclass('student_etl.run_facets') IS NULL OR to_regclass('student_etl.load_jobs') IS NULL
        OR to_regclass('student_etl.validated_checks') IS NULL) \gexec
CREATE EXTENSION IF NOT EXISTS student_etl;
ALTER EXTENSION student_etl UPDATE;
-- The scheduler the schedule examples use (cron.database_name is this database).
CREATE EXTENSION IF NOT EXISTS pg_cron;
-- The demo user loads, schedules and reads everything it loaded: the loader profile (which
-- includes analyst and dashboard), nothing more. Not a superuser, no pg_read_server_files.
SELECT student_etl.grant_access('$DB_USER', 'loader');
-- Analysts write SELECT * FROM student_performance, as in the stack this replaces.
ALTER DATABASE $DB SET search_path = "\$user", public, student_etl;
SQL

echo "demo: loading $DELIVERIES/student-mat.csv as $DB_USER"
PGPASSWORD=$DB_PASSWORD psql -X -v ON_ERROR_STOP=1 -h localhost -p "$PORT" -U "$DB_USER" -d "$DB" <<SQL
SELECT * FROM student_etl.load('$DELIVERIES/student-mat.csv');
-- What the dashboards show: the latest load of each subject, and the analysts' questions.
SELECT subject, students, pass_rate, mean_g3, at_risk_share FROM group_metrics WHERE dimension = 'all';
SELECT * FROM q1_mother_jobs_of_young_male_students;
SELECT * FROM q2_rural_most_frequent_traveltime;
SELECT * FROM q3_top_father_jobs_by_pstatus;
SELECT * FROM q4_most_frequent_failures_by_famsize;
SELECT * FROM q5_median_absences_by_famrel_sex;
SELECT run_id, status, rows_loaded, rows_rejected, left(checksum, 12) AS checksum, finished_at
  FROM student_etl.load_runs ORDER BY run_id DESC LIMIT 5;
SQL
echo "demo: deliveries dropped into $INBOX are loaded by the background worker."
echo "demo: ready. Connect with: psql -h localhost -p $PORT -U $DB_USER -d $DB   (password $DB_PASSWORD)"
