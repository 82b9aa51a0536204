#!/usr/bin/env bash
# The Grafana login (argument 1) in database $2, logged in as itself: it reads the dashboard
# views; it cannot write, call load() or grant_dashboard_access(), read the fact table, the
# rejected records, run_facets, server files or the pipeline's own tables -- not even after
# turning its read-only default off, which any role may do for its own session.
set -uo pipefail
role=$1 db=$2
fail=0
as_reader() { psql -X -qtA -U "$role" -d "$db" "$@" 2>&1; }
allowed() {
  local out; out=$(as_reader -v ON_ERROR_STOP=1 -c "$1")
  if [ $? = 0 ]; then echo "ok - allowed: $1"; else echo "not ok - should be allowed: $1: $out"; fail=1; fi
}
refused() {   # refused SQL PATTERN
  local out; out=$(as_reader -v ON_ERROR_STOP=1 -c "SET default_transaction_read_only = off" -c "$1")
  if [ $? != 0 ] && grep -Eq "$2" <<<"$out"; then echo "ok - refused: $1"
  else echo "not ok - should be refused ($2): $1: $out"; fail=1; fi
}
[ "$(as_reader -c 'SHOW default_transaction_read_only')" = on ] && echo "ok - read-only by default" ||
  { echo "not ok - not read-only by default"; fail=1; }
[ "$(as_reader -c 'SHOW statement_timeout')" = 5s ] && echo "ok - statement_timeout 5s" ||
  { echo "not ok - statement_timeout"; fail=1; }
r=$(as_reader -c "SET statement_timeout = '5s'" -c "SELECT pg_sleep(6)")
grep -q "canceling statement due to statement timeout" <<<"$r" && echo "ok - a long query is cancelled" ||
  { echo "not ok - long query not cancelled: $r"; fail=1; }
r=$(as_reader -c "CREATE TABLE public.x (i int)")
grep -q "read-only transaction" <<<"$r" && echo "ok - read-only default refuses DDL" ||
  { echo "not ok - DDL in read-only default: $r"; fail=1; }

allowed "SELECT count(*) FROM student_etl.group_metrics"
allowed "SELECT count(*) FROM student_etl.load_history"
allowed "SELECT count(*) FROM student_etl.pipeline_schedules"
allowed "SELECT count(*) FROM student_etl.pipeline_job_runs"
allowed "SELECT count(*) FROM student_etl.load_failures"
allowed "SELECT count(*) FROM student_etl.inbox_files"
refused "SELECT count(*) FROM student_etl.student_performance_history" "permission denied for table student_performance_history"
refused "SELECT count(*) FROM student_etl.student_performance" "permission denied for view student_performance"
refused "SELECT count(*) FROM student_etl.student_metrics" "permission denied for view student_metrics"
refused "SELECT count(*) FROM student_etl.rejected_rows" "permission denied for table rejected_rows"
refused "SELECT count(*) FROM student_etl.run_facets" "permission denied for table run_facets"
refused "SELECT count(*) FROM student_etl.load_runs" "permission denied for table load_runs"
refused "SELECT * FROM student_etl.load('/etc/passwd')" "permission denied for function load"
refused "SELECT student_etl.grant_dashboard_access('$role')" "permission denied for function grant_dashboard_access"
refused "INSERT INTO student_etl.load_runs (file_path) VALUES ('x')" "permission denied for table load_runs"
refused "DELETE FROM student_etl.run_facets" "permission denied for table run_facets"
refused "UPDATE student_etl.student_performance_history SET g3 = 20" "permission denied for table student_performance_history"
refused "TRUNCATE student_etl.rejected_rows" "permission denied for table rejected_rows"
refused "DELETE FROM student_etl.load_failures" "permission denied for view load_failures"
refused "SELECT cron.schedule('x', '* * * * *', 'SELECT 1')" "permission denied for (function schedule|schema cron)"
refused "SELECT count(*) FROM cron.job_run_details" "permission denied"
refused "CREATE TABLE student_etl.x (i int)" "permission denied for schema student_etl"
refused "CREATE TABLE public.x (i int)" "permission denied for schema public"
refused "SELECT pg_read_file('/etc/passwd')" "permission denied for function pg_read_file"
refused "COPY student_etl.load_runs TO STDOUT" "permission denied for table load_runs"
refused "COPY (SELECT 1) TO '/tmp/student_etl_reader_test'" "permission denied to COPY to a file|must be superuser"
refused "SELECT * FROM pg_ls_dir('/')" "permission denied for function pg_ls_dir"
refused "SET ROLE my_data_wh_user" "permission denied to set role"
exit "$fail"
