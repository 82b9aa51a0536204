#!/usr/bin/env bash
# Backup and restore as a DBA does it: pg_dump of a database in use (loads, rejects, profiles,
# a queued job, a run whose resolved file name is not valid UTF-8), restored into a new
# database of the same cluster and -- with the roles from pg_dumpall --globals-only -- into a
# new cluster. pg_dump must not warn; afterwards every count is equal, run and job ids
# continue, profiles map to the roles by name, and load() and enqueue() work.
# Uses the suite's server, and a cluster of its own on STUDENT_ETL_RESTORE_TEST_PORT (5514).
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

make_data_dir
cp test/data/student-mat.csv test/data/student-mat-badrows.csv test/data/student-mat-variant.csv \
   test/data/student-por.csv test/data/student-mat-missing.csv "$DATA_DIR/"
cp test/data/student-mat-drift.csv "$DATA_DIR/student-mat-$(printf '\xff\xfe')-latin.csv"
ln -s "$DATA_DIR/student-mat-$(printf '\xff\xfe')-latin.csv" "$DATA_DIR/student-mat-link.csv"
cp test/data/student-mat-leaky-value.csv "$DATA_DIR/student-por-after-restore.csv"
chmod a+r "$DATA_DIR"/*.csv
make_db
SUITE_PGHOST=$PGHOST SUITE_PGPORT=$PGPORT
for r in dr_loader dr_dash; do
  psql -X -q -d postgres -c "DROP ROLE IF EXISTS $r" 2>/dev/null
  psql -X -q -d postgres -c "CREATE ROLE $r LOGIN" || fail "role $r"
  on_exit "PGHOST=$SUITE_PGHOST PGPORT=$SUITE_PGPORT psql -X -q -d postgres -c 'DROP ROLE IF EXISTS $r'"
done
q <<SQL >/dev/null || fail "setup"
SET student_etl.allowed_dirs = '$DATA_DIR';
SELECT student_etl.grant_access('dr_loader', 'loader');
SELECT student_etl.grant_access('dr_dash', 'dashboard');
SELECT * FROM student_etl.load('$DATA_DIR/student-mat.csv');
SELECT * FROM student_etl.load('$DATA_DIR/student-por.csv');
-- Missing values kept and flagged, under a policy set by an admin (dumped with the data).
SELECT student_etl.set_missing_value_policy('g1', 'default', '10');
SELECT * FROM student_etl.load('$DATA_DIR/student-mat-missing.csv');
SET ROLE dr_loader;
SELECT * FROM student_etl.load('$DATA_DIR/student-mat-badrows.csv');
SELECT * FROM student_etl.load('$DATA_DIR/student-mat-link.csv');
SELECT * FROM student_etl.load('$DATA_DIR/student-mat.csv');
SET client_min_messages = error;
SELECT student_etl.enqueue('$DATA_DIR/student-mat-variant.csv', 'portuguese');
RESET ROLE;
SQL
[ "$(q -c "SELECT resolved_path FROM student_etl.load_runs WHERE file_path LIKE '%link.csv'")" = \
  "$DATA_DIR/student-mat-\\xff\\xfe-latin.csv" ] ||
  fail "a non-UTF-8 resolved name is not stored escaped: $(q -c "SELECT resolved_path FROM student_etl.load_runs")"

state_sql="SELECT (SELECT count(*) FROM student_etl.student_performance_history) || ' ' ||
                  (SELECT count(*) FROM student_etl.rejected_rows) || ' ' ||
                  (SELECT count(*) FROM student_etl.reject_issues) || ' ' ||
                  (SELECT count(*) FROM student_etl.run_facets) || ' ' ||
                  (SELECT count(*) FROM student_etl.missing_values) || ' ' ||
                  (SELECT string_agg(run_id || ':' || duplicate_records || ':' || likely_dropouts, ',' ORDER BY run_id) FROM student_etl.run_quality) || ' ' ||
                  (SELECT sum(kept_null + defaulted + rejected) FROM student_etl.run_missing_values) || ' ' ||
                  (SELECT string_agg(column_name || ':' || action || ':' || coalesce(default_value, '') || ':' || shipped, ',' ORDER BY column_name, shipped) FROM student_etl.missing_value_policy) || ' ' ||
                  (SELECT string_agg(run_id || ':' || status || ':' || loaded_by || ':' || coalesce(duplicate_of::text, ''), ',' ORDER BY run_id) FROM student_etl.load_runs) || ' ' ||
                  (SELECT string_agg(job_id || ':' || state || ':' || enqueued_by::text, ',' ORDER BY job_id) FROM student_etl.load_jobs) || ' ' ||
                  (SELECT string_agg(role_name || ':' || profile, ',' ORDER BY role_name) FROM student_etl.access) || ' ' ||
                  (SELECT count(*) || ':' || count(*) FILTER (WHERE ambiguous) FROM student_etl.course_matches) || ' ' ||
                  (SELECT row(o.*)::text FROM student_etl.course_overlap o) || ' ' ||
                  (SELECT count(*) || ':' || count(*) FILTER (WHERE flagged) FROM student_etl.delivery_drift) || ' ' ||
                  (SELECT count(*) || ':' || sum(students) FROM student_etl.group_trends)"
before=$(q -c "$state_sql")
last_run=$(q -c "SELECT max(run_id) FROM student_etl.load_runs")
last_job=$(q -c "SELECT max(job_id) FROM student_etl.load_jobs")
note "before: $before"

pg_dump -Fc -f "$DATA_DIR/backup.dump" "$DB" 2> "$DATA_DIR/dump.err" || fail "pg_dump: $(cat "$DATA_DIR/dump.err")"
[ ! -s "$DATA_DIR/dump.err" ] || fail "pg_dump warned: $(cat "$DATA_DIR/dump.err")"

# Checks a restored database: the same state, then it keeps working where it left off.
check_restored() {
  local db=$1 where=$2 after
  after=$(psql -X -qtA -d "$db" -c "$state_sql") || fail "$where: reading the restored state"
  [ "$after" = "$before" ] || fail "$where: restored state differs:
  before $before
  after  $after"
  psql -X -qtA -v ON_ERROR_STOP=1 -U dr_loader -d "$db" > "$DATA_DIR/after.out" 2>&1 <<SQL || fail "$where: loading after restore: $(cat "$DATA_DIR/after.out")"
SET client_min_messages = error;
SELECT (run_id > $last_run) || ' ' || status FROM student_etl.load('$DATA_DIR/student-por-after-restore.csv');
SELECT student_etl.enqueue('$DATA_DIR/student-mat.csv') > $last_job;
SQL
  [ "$(head -n 1 "$DATA_DIR/after.out")" = "true loaded" ] && [ "$(sed -n 2p "$DATA_DIR/after.out")" = t ] ||
    fail "$where: after restore (run id > $last_run, loaded; job id > $last_job): $(cat "$DATA_DIR/after.out")"
  note "$where: state equal, run and job ids continue, load() and enqueue() work as dr_loader"
}

createdb "${DB}_restored" || fail createdb
on_exit "dropdb --if-exists '${DB}_restored'"
pg_restore --exit-on-error -d "${DB}_restored" "$DATA_DIR/backup.dump" 2> "$DATA_DIR/restore.err" ||
  fail "pg_restore into a new database: $(cat "$DATA_DIR/restore.err")"
# Database settings travel only with --create (as below); under another name, set them again.
psql -X -q -d postgres -c "ALTER DATABASE ${DB}_restored SET student_etl.allowed_dirs = '$DATA_DIR'" || fail "settings"
check_restored "${DB}_restored" "new database"

# A new cluster: the roles first (pg_dumpall --globals-only), then the database with its
# settings (pg_restore --create).
pg_dumpall --globals-only > "$DATA_DIR/globals.sql" 2>/dev/null || fail "pg_dumpall --globals-only"
init_throwaway_cluster "${STUDENT_ETL_RESTORE_TEST_PORT:-5514}" "fsync = off" || fail "second cluster"
on_exit stop_throwaway_cluster
psql -X -q -d postgres -f "$DATA_DIR/globals.sql" > /dev/null 2>&1   # the bootstrap role exists: one error
pg_restore --exit-on-error --create -d postgres "$DATA_DIR/backup.dump" 2> "$DATA_DIR/restore2.err" ||
  fail "pg_restore into a new cluster: $(cat "$DATA_DIR/restore2.err")"
check_restored "$DB" "new cluster"
note ok
