-- Break-ins a hostile user would try, each of which must fail: only the extension writes its
-- tables; who loaded and who queued come from the session, never from a row a user wrote;
-- jobs belong to their role; internal functions are the owner's; a table altered under the
-- loader is refused, not crashed on. (The worker, search_path shadowing by the database owner
-- and schedules are attacked in test/integration/hostile_owner.sh and test/pgtap.)
\set VERBOSITY terse
CREATE ROLE student_etl_loader_a;
CREATE ROLE student_etl_loader_b;
CREATE ROLE student_etl_admin_c;
SELECT student_etl.grant_access('student_etl_loader_a', 'loader');
SELECT student_etl.grant_access('student_etl_loader_b', 'loader');
SELECT student_etl.grant_access('student_etl_admin_c', 'admin');
SET client_min_messages = error;   -- enqueue() warns that no worker serves this database
SET ROLE student_etl_loader_a;
SELECT student_etl.enqueue('/tmp/student_etl_regress/student-mat.csv') > 0 AS a_queued;
RESET ROLE;
SET ROLE student_etl_loader_b;
SELECT student_etl.enqueue('/tmp/student_etl_regress/student-mat-variant.csv', 'math') > 0 AS b_queued;
RESET ROLE;
RESET client_min_messages;

SET ROLE student_etl_loader_a;
-- A job for somebody else (the worker would load it as that role): no INSERT.
INSERT INTO student_etl.load_jobs (path, enqueued_by) VALUES ('/tmp/student_etl_regress/student-mat.csv', 'postgres');
UPDATE student_etl.load_jobs SET enqueued_by = 'postgres';
-- The audit: no UPDATE of a run, no forged 'loaded' row that would make a real delivery skip.
UPDATE student_etl.load_runs SET status = 'failed', loaded_by = 'nobody';
INSERT INTO student_etl.load_runs (file_path, resolved_path, file_size, checksum, status, loaded_by)
VALUES ('/x/y.csv', '/x/y.csv', 1, repeat('a', 64), 'loaded', 'postgres');
DELETE FROM student_etl.load_runs;
-- The facts and what dashboards read.
INSERT INTO student_etl.student_performance_history SELECT * FROM student_etl.student_performance_history LIMIT 1;
INSERT INTO student_etl.run_facets SELECT * FROM student_etl.run_facets LIMIT 1;
DELETE FROM student_etl.rejected_rows;
TRUNCATE student_etl.reject_issues;
-- Its own profile, and the owner's internals.
INSERT INTO student_etl.role_profiles (role, profile, granted_by) VALUES ('student_etl_loader_a', 'admin', 'x');
SELECT student_etl.grant_access('student_etl_loader_a', 'admin');
SELECT student_etl._grant_access('postgres', 'student_etl_loader_a', 'admin');
SELECT student_etl._apply_profile_rights('student_etl_loader_a');
SELECT student_etl._unschedule_load('postgres', 'x', NULL);
SELECT nextval('student_etl.load_runs_run_id_seq');
-- Jobs belong to their role: a loader sees its own only.
SELECT path, enqueued_by::text FROM student_etl.load_jobs ORDER BY job_id;
RESET ROLE;
-- An admin sees every role's jobs.
SET ROLE student_etl_admin_c;
SELECT path, enqueued_by::text FROM student_etl.load_jobs ORDER BY job_id;
RESET ROLE;

-- Who called is the current user, not the session's: a function owned by a role without a
-- profile (even one granted EXECUTE by mistake), called by a superuser, runs load() as its
-- owner and is refused.
CREATE ROLE student_etl_trojan;
GRANT CREATE ON SCHEMA public TO student_etl_trojan;
GRANT USAGE ON SCHEMA student_etl TO student_etl_trojan;
GRANT EXECUTE ON FUNCTION student_etl.load(text, text) TO student_etl_trojan;
SET ROLE student_etl_trojan;
SET check_function_bodies = off;
CREATE FUNCTION public.innocent() RETURNS text SECURITY DEFINER LANGUAGE sql
    AS $$ SELECT status FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv') $$;
RESET check_function_bodies;
RESET ROLE;
SELECT public.innocent();
DROP FUNCTION public.innocent();
REVOKE CREATE ON SCHEMA public FROM student_etl_trojan;
DROP OWNED BY student_etl_trojan;
DROP ROLE student_etl_trojan;

-- Drift: a column altered under the loader is refused with its name, never written as the
-- old type (0.1 crashed the server here).
ALTER TABLE student_etl.rejected_rows ALTER COLUMN line_number TYPE numeric;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat-drift.csv');
ALTER TABLE student_etl.rejected_rows ALTER COLUMN line_number TYPE bigint;
ALTER TABLE student_etl.reject_issues ALTER COLUMN issue_no TYPE integer;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat-drift.csv');
ALTER TABLE student_etl.reject_issues ALTER COLUMN issue_no TYPE smallint;
-- (NOT NULL can only be set once the record-level issues, whose value is null, are gone.)
DELETE FROM student_etl.reject_issues WHERE value IS NULL;
ALTER TABLE student_etl.reject_issues ALTER COLUMN value SET NOT NULL;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat-drift.csv');
ALTER TABLE student_etl.reject_issues ALTER COLUMN value DROP NOT NULL;
-- Restored, the same delivery loads.
SELECT status, rows_loaded, rows_rejected FROM student_etl.load('/tmp/student_etl_regress/student-mat-drift.csv');

DELETE FROM student_etl.load_jobs;
SELECT student_etl.revoke_access(r) FROM unnest(ARRAY['student_etl_loader_a', 'student_etl_loader_b', 'student_etl_admin_c']) r;
DROP ROLE student_etl_loader_a;
DROP ROLE student_etl_loader_b;
DROP ROLE student_etl_admin_c;
\set VERBOSITY default
