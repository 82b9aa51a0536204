-- The pipeline views the Pipeline health dashboard reads (src/sql/36_pipeline_views.sql).
\set VERBOSITY terse
-- load_failures: failed runs with their error, every server path cut to its last component.
-- (Failed runs are recorded by the background worker; written here directly.)
INSERT INTO student_etl.load_runs (file_path, status, error, loaded_by) VALUES
    ('/srv/school/inbox/claimed/student-mat-2026.csv', 'failed',
     'invalid delivery "/srv/school/inbox/claimed/student-mat-2026.csv": header: unknown columns "not", "a"', current_user),
    ('/srv/school/inbox/claimed/student-por.csv', 'failed',
     'could not open file /srv/school/inbox/claimed/student-por.csv: Permission denied', current_user),
    ('/srv/school/inbox/claimed/x.csv', 'failed', repeat('long error ', 40), current_user);
SELECT file_name, left(error, 80) AS error, length(error) AS length FROM student_etl.load_failures ORDER BY run_id;
SELECT count(*) AS failures_with_a_path FROM student_etl.load_failures WHERE error LIKE '%/srv/%';
-- pg_cron is not installed in this database: its views are empty, not an error.
SELECT count(*) AS schedules FROM student_etl.pipeline_schedules;
SELECT count(*) AS runs FROM student_etl.pipeline_job_runs;
-- student_etl.inbox_dir is not set on this cluster: nothing to list.
SELECT count(*) AS inbox_files FROM student_etl.inbox_files;
-- A dashboard role reads them; a role without a profile does not.
CREATE ROLE student_etl_pv_dash;
CREATE ROLE student_etl_pv_none;
SELECT student_etl.grant_dashboard_access('student_etl_pv_dash');
SET ROLE student_etl_pv_dash;
SELECT count(*) AS failures_seen FROM student_etl.load_failures;
SELECT count(*) AS schedules_seen FROM student_etl.pipeline_schedules;
RESET ROLE;
SET ROLE student_etl_pv_none;
SELECT count(*) FROM student_etl.load_failures;
SELECT count(*) FROM student_etl.inbox_files;
RESET ROLE;
DELETE FROM student_etl.load_runs WHERE status = 'failed' AND file_path LIKE '/srv/school/%';
SELECT student_etl.revoke_access('student_etl_pv_dash', NULL);
DROP ROLE student_etl_pv_dash;
DROP ROLE student_etl_pv_none;
