-- pg_data_wh first start, step 1 (run by postgres:15's entry point as POSTGRES_USER in
-- POSTGRES_DB): the extensions, and student_etl on the database's search_path so analysts
-- write SELECT * FROM student_performance, as in the stack this replaces.
CREATE EXTENSION IF NOT EXISTS student_etl;
CREATE EXTENSION IF NOT EXISTS pg_cron;
SELECT format('ALTER DATABASE %I SET search_path = "$user", public, student_etl', current_database()) \gexec

-- Pipeline views over pg_cron's tables, for the Pipeline health dashboard. pg_cron's tables
-- show each user only their own jobs; these views (owned by the superuser) show the
-- student_etl jobs to whoever is granted SELECT on them.
CREATE SCHEMA IF NOT EXISTS dashboard;
COMMENT ON SCHEMA dashboard IS 'Views over pg_cron and the inbox for the Pipeline health dashboard (created by the image''s init scripts).';
CREATE OR REPLACE VIEW dashboard.schedule AS
SELECT jobid, jobname, schedule, command, active, username
  FROM cron.job
 WHERE command LIKE '%student_etl%';
CREATE OR REPLACE VIEW dashboard.job_runs AS
SELECT d.runid, d.jobid, j.jobname, d.status, d.start_time, d.end_time,
       extract(epoch FROM d.end_time - d.start_time)::double precision AS duration_seconds,
       left(d.return_message, 500) AS return_message
  FROM cron.job_run_details d
  JOIN cron.job j USING (jobid)
 WHERE j.command LIKE '%student_etl%';
