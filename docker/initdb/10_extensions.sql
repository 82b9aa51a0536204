-- pg_data_wh first start, step 1 (run by postgres:15's entry point as the superuser in
-- POSTGRES_DB): the extensions, and student_etl on the database's search_path so analysts
-- write SELECT * FROM student_performance, as in the stack this replaces. The pipeline views
-- the dashboards read (pg_cron's student_etl jobs and runs, the inbox listing, failed loads)
-- are student_etl's own (student_etl.pipeline_schedules, pipeline_job_runs, inbox_files,
-- load_failures), as on any cluster.
CREATE EXTENSION IF NOT EXISTS student_etl;
CREATE EXTENSION IF NOT EXISTS pg_cron;
SELECT format('ALTER DATABASE %I SET search_path = "$user", public, student_etl', current_database()) \gexec
