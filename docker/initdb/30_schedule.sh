#!/usr/bin/env bash
# pg_data_wh first start, step 3: the default schedule.
# - The job "student_etl_daily" (STUDENT_ETL_SCHEDULE, default 06:00 every second day, pg_cron
#   time zone GMT) sweeps the inbox through student_etl.schedule_load(): it enqueues the
#   directory and the background worker loads every delivery in it, moving each to
#   processed/ or failed/. The worker also watches the inbox continuously
#   (student_etl.inbox_dir); the schedule is the guaranteed 06:00 pass. Without
#   schedule_load() (an older student_etl) the job loads each file itself, in its own
#   subtransaction. The job belongs to STUDENT_ETL_WAREHOUSE_USER (my_data_wh_user) when the
#   entry point split it from the superuser: pg_cron runs it as that loader, in a background
#   worker (cron.use_background_workers), so no password is stored.
set -euo pipefail
: "${STUDENT_ETL_INBOX:=/var/lib/student_etl/inbox/new}"
: "${STUDENT_ETL_SCHEDULE:=0 6 */2 * *}"
: "${STUDENT_ETL_JOB:=student_etl_daily}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" \
     -v owner="${STUDENT_ETL_WAREHOUSE_USER:-$POSTGRES_USER}" -v inbox="$STUDENT_ETL_INBOX" -v schedule="$STUDENT_ETL_SCHEDULE" -v job="$STUDENT_ETL_JOB" <<'SQL'
SELECT EXISTS (SELECT FROM pg_proc WHERE proname = 'schedule_load'
                 AND pronamespace = 'student_etl'::regnamespace) AS has_schedule_load \gset
\if :has_schedule_load
SELECT format('SET ROLE %I', :'owner') \gexec
SELECT student_etl.schedule_load(:'job', :'schedule', :'inbox');
RESET ROLE;
\else
SELECT cron.schedule(:'job', :'schedule', format($cmd$DO $job$
DECLARE f text;
BEGIN
  FOR f IN SELECT n FROM pg_ls_dir(%1$L, true, false) AS n WHERE n ~ '\.csv$' ORDER BY n LOOP
    BEGIN
      PERFORM student_etl.load(%1$L || '/' || f);
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'student_etl: %% not loaded: %%', f, SQLERRM;
    END;
  END LOOP;
END
$job$$cmd$, rtrim(:'inbox', '/'))) AS jobid;
\endif
SQL
