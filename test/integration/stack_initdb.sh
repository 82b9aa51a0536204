#!/usr/bin/env bash
# The image's first start, run locally: docker/initdb/* against a fresh cluster exactly as
# postgres:15's entry point runs them (test/integration/lib/image_init.sh), then the state they
# leave: extensions, search_path, roles and their rights, the replication pg_hba line, the
# schedule, the loaded sample. Then every dashboard panel's SQL, macros and variables expanded
# as Grafana does, as the Grafana login (test/integration/stack_panels.py). Port 5531.
set -euo pipefail
source "$(dirname "$0")/lib/image_init.sh"
WORK=$(mktemp -d /tmp/student_etl_stack.XXXXXX)
trap 'image_stop "$WORK/data"; rm -rf "$WORK"' EXIT
image_init "$WORK" 5531 '' || { echo "stack_initdb: init failed"; exit 1; }
sed 's/^/  /' "$WORK/initdb.out"

q() { psql -X -qtA -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" "$@"; }
fail=0
check() {   # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1: expected [$2], got [$3]"; fail=1; fi
}
check "extensions" "pg_cron student_etl" \
  "$(q -c "SELECT string_agg(extname, ' ' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'")"
check "POSTGRES_USER is the superuser it is in the image" "t" \
  "$(q -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")"
check "search_path of the database" 'search_path="$user", public, student_etl' \
  "$(q -c "SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database() AND setrole = 0")"
check "sample loaded once" "loaded math 395 0" \
  "$(q -c "SELECT string_agg(status || ' ' || subject || ' ' || rows_loaded || ' ' || rows_rejected, ',') FROM student_etl.load_runs")"
check "grafana_reader: login, no other attribute" "t f f f f f" \
  "$(q -c "SELECT concat_ws(' ', rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls) FROM pg_roles WHERE rolname = 'grafana_reader'")"
check "grafana_reader defaults" "default_transaction_read_only=on,statement_timeout=5s" \
  "$(q -c "SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting WHERE setrole = 'grafana_reader'::regrole")"
check "grafana_reader password set" "t" \
  "$(q -c "SELECT rolpassword LIKE 'SCRAM-SHA-256\$%' FROM pg_authid WHERE rolname = 'grafana_reader'")"
check "replicator: login + replication" "t t f" \
  "$(q -c "SELECT concat_ws(' ', rolcanlogin, rolreplication, rolsuper) FROM pg_roles WHERE rolname = 'replicator'")"
check "pg_hba line for the replica" "1" "$(grep -c '^host replication replicator all scram-sha-256$' "$PGDATA/pg_hba.conf")"
check "pg_hba entry point line" "1" "$(grep -c '^host all all all scram-sha-256$' "$PGDATA/pg_hba.conf")"
check "schedule" "student_etl_daily|0 6 */2 * *|t|my_data_wh_user|my_data_wh_db" \
  "$(q -c "SELECT concat_ws('|', jobname, schedule, active, username, database) FROM cron.job")"
check "server settings from docker/student_etl.conf" "pg_cron,student_etl|my_data_wh_db|replica" \
  "$(q -c "SELECT concat_ws('|', current_setting('shared_preload_libraries'), current_setting('cron.database_name'), current_setting('wal_level'))")"

echo "--- dashboard panels on the freshly initialised database"
python3 test/integration/stack_panels.py --fresh --user grafana_reader --dbname "$POSTGRES_DB" || fail=1

# The scheduled command itself: a new delivery (with rejected rows, as portuguese) and a bad
# file dropped in the inbox; the job's command enqueues the inbox and the background worker
# loads the delivery, records the bad file as failed and moves both beside the inbox.
cp test/data/student-mat-badrows.csv "$STUDENT_ETL_INBOX/student-por-2024-06.csv"
printf 'not,a,delivery\n' > "$STUDENT_ETL_INBOX/zz-broken.csv"
chown postgres "$STUDENT_ETL_INBOX"/*
check "inbox lists waiting deliveries" "student-por-2024-06.csv false,zz-broken.csv false" \
  "$(q -c "SELECT string_agg(file_name || ' ' || loaded, ',' ORDER BY file_name) FROM dashboard.inbox()")"
sleep 2.5   # older than student_etl.inbox_settle_time: the worker takes settled files only
q -c "SELECT command FROM cron.job WHERE jobname = 'student_etl_daily'" > "$WORK/job.sql"
q -f "$WORK/job.sql" > /dev/null
for _ in $(seq 60); do   # bounded: 30 s
  [ "$(q -c "SELECT count(*) FROM student_etl.load_runs WHERE file_path ~ '(student-por-2024-06|zz-broken)[.]csv$'")" = 2 ] && break
  sleep 0.5
done
check "the worker loaded the delivery" "loaded portuguese 12 8" \
  "$(q -c "SELECT concat_ws(' ', status, subject, rows_loaded, rows_rejected) FROM student_etl.load_runs WHERE file_path LIKE '%student-por-2024-06.csv'")"
check "the bad file is a failed run with its error" "failed t" \
  "$(q -c "SELECT concat_ws(' ', status, error IS NOT NULL) FROM student_etl.load_runs WHERE file_path LIKE '%zz-broken.csv'")"
check "both moved beside the inbox, named by run" "processed: student-por-2024-06.csv, failed: zz-broken.csv" \
  "processed: $(ls "$STUDENT_ETL_INBOX/../processed" | sed 's/^[0-9]*-//'), failed: $(ls "$STUDENT_ETL_INBOX/../failed" | sed 's/^[0-9]*-//')"
check "inbox empty again" "" "$(q -c "SELECT string_agg(file_name, ',') FROM dashboard.inbox()")"

# pg_cron's run history for the job-run panels. The cron launcher only runs jobs on the
# minute (this pg_cron has no seconds schedules), too slow for this test: record the run of
# the daily job above the way pg_cron records it.
q -c "INSERT INTO cron.job_run_details (jobid, runid, job_pid, database, username, command, status, return_message, start_time, end_time)
      SELECT jobid, nextval('cron.runid_seq'), 0, database, username, command, 'succeeded', 'DO',
             now() - interval '2 seconds', now()
        FROM cron.job WHERE jobname = 'student_etl_daily'" >/dev/null
check "pg_cron recorded a run" "t" "$(q -c "SELECT count(*) > 0 FROM cron.job_run_details")"

echo "--- dashboard panels as grafana_reader"
python3 test/integration/stack_panels.py --user grafana_reader --dbname "$POSTGRES_DB" || fail=1
echo "--- grafana_reader's rights"
bash test/integration/lib/reader_rights.sh grafana_reader "$POSTGRES_DB" || fail=1

[ "$fail" = 0 ] && echo "stack_initdb: ok"
exit "$fail"
