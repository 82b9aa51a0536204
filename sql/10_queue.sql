-- The load queue and the pg_cron helpers at the SQL level. The worker that runs the jobs is
-- tested on a cluster of its own (test/integration/worker.sh).
\set VERBOSITY terse
-- enqueue() warns when no worker serves this database; that depends on the cluster.
SET client_min_messages = error;
SELECT student_etl.enqueue('/tmp/student_etl_regress/student-mat.csv') > 0 AS queued;
SELECT student_etl.enqueue('/tmp/student_etl_regress/student-mat-variant.csv', 'POR') > 0 AS queued;
-- A directory is a sweep job: marked with a trailing slash.
SELECT student_etl.enqueue('/tmp/student_etl_regress/bad') > 0 AS queued;
RESET client_min_messages;
SELECT path, subject, state, run_id, error, attempts, enqueued_by = current_user::regrole AS by_me,
       started_at IS NULL AS not_started
  FROM student_etl.load_jobs ORDER BY job_id;
-- Bad arguments are refused at once.
SELECT student_etl.enqueue(NULL);
SELECT student_etl.enqueue('student-mat.csv');
SELECT student_etl.enqueue('/tmp/student_etl_regress/student-mat.csv', 'physics');
-- Queueing a load needs the loader profile, like load().
CREATE ROLE student_etl_queue_nobody;
SET ROLE student_etl_queue_nobody;
SELECT student_etl.enqueue('/tmp/student_etl_regress/student-mat.csv');
RESET ROLE;
-- Even granted EXECUTE by mistake: enqueue() checks the profile itself.
GRANT USAGE ON SCHEMA student_etl TO student_etl_queue_nobody;
GRANT EXECUTE ON FUNCTION student_etl.enqueue(text, text) TO student_etl_queue_nobody;
SET ROLE student_etl_queue_nobody;
SELECT student_etl.enqueue('/tmp/student_etl_regress/student-mat.csv');
RESET ROLE;
REVOKE ALL ON FUNCTION student_etl.enqueue(text, text) FROM student_etl_queue_nobody;
REVOKE ALL ON SCHEMA student_etl FROM student_etl_queue_nobody;
DROP ROLE student_etl_queue_nobody;
-- Neither PUBLIC nor pg_read_server_files (0.1's loaders) may queue.
SELECT has_function_privilege('public', 'student_etl.enqueue(text,text)', 'EXECUTE') AS public_can_enqueue,
       has_function_privilege('pg_read_server_files', 'student_etl.enqueue(text,text)', 'EXECUTE') AS readers_can_enqueue;
-- A directory whose processed/ and failed/ would fall outside allowed_dirs is refused, and so
-- is any path outside them, existing or not.
SELECT student_etl.enqueue('/tmp/student_etl_regress/');
SELECT student_etl.enqueue('/etc/');
SELECT student_etl.enqueue('/etc/passwd');
SELECT student_etl.enqueue('/etc/no-such-file');
-- A rolled-back enqueue leaves no job.
BEGIN;
SET LOCAL client_min_messages = error;
SELECT student_etl.enqueue('/tmp/student_etl_regress/student-mat.csv') > 0 AS queued;
ROLLBACK;
SELECT count(*) AS jobs FROM student_etl.load_jobs;
-- Job states are checked.
UPDATE student_etl.load_jobs SET state = 'lost';
UPDATE student_etl.load_jobs SET state = 'failed';
DELETE FROM student_etl.load_jobs;
-- load_runs: a failed run (written by the worker) needs its error, and may lack a checksum;
-- any other run needs its checksum, size and resolved path.
BEGIN;
INSERT INTO student_etl.load_runs (file_path, status, error, loaded_by) VALUES ('/x/student-mat.csv', 'failed', 'boom', 'x')
RETURNING status, checksum, file_size, resolved_path, rows_read;
ROLLBACK;
INSERT INTO student_etl.load_runs (file_path, status, loaded_by) VALUES ('/x/student-mat.csv', 'failed', 'x');
INSERT INTO student_etl.load_runs (file_path, resolved_path, file_size, status, loaded_by)
VALUES ('/x/student-mat.csv', '/x/student-mat.csv', 1, 'running', 'x');
-- pg_cron is not installed in this database: every helper says so.
SELECT student_etl.schedule_load('mat-every-two-days', '0 6 */2 * *', '/tmp/student_etl_regress/student-mat.csv');
SELECT student_etl.unschedule_load('mat-every-two-days');
SELECT * FROM student_etl.scheduled_loads;
-- The command a schedule runs: a fixed call with quoted literals; the strict variant skips odd days.
SELECT student_etl._schedule_command('/tmp/it''s here/student-mat.csv', 'math', false);
SELECT student_etl._schedule_command('/tmp/deliveries/', NULL, true);
\set VERBOSITY default
