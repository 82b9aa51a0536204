-- Dashboard views and the read-only dashboard role.
\set VERBOSITY terse
SELECT status, rows_loaded, rows_rejected FROM student_etl.load('/tmp/student_etl_regress/student-mat-badrows.csv');
-- load_history: one row per call, no paths.
SELECT status, subject, file_name, rows_read, rows_loaded, rows_rejected, failed,
       duration_seconds >= 0 AS has_duration
  FROM student_etl.load_history ORDER BY run_id;
-- reject_reasons: per run, reasons by column and kind; occurrences add up to the fields named.
SELECT reason, occurrences FROM student_etl.reject_reasons
 WHERE run_id = (SELECT max(run_id) FROM student_etl.load_runs) ORDER BY occurrences DESC, reason;
SELECT (SELECT sum(occurrences) FROM student_etl.reject_reasons r WHERE r.run_id = x.run_id)
     = (SELECT sum(array_length(string_to_array(reason, '; '), 1)) FROM student_etl.rejected_rows y WHERE y.run_id = x.run_id)
       AS reasons_add_up
  FROM (SELECT max(run_id) AS run_id FROM student_etl.load_runs) x;

-- A delivered value holding '; ' (a phone number in a note) reaches no dashboard view: the
-- views count columns and rules, never split or show values. Analysts see the value.
SELECT status, rows_loaded, rows_rejected FROM student_etl.load('/tmp/student_etl_regress/student-mat-leaky-value.csv');
SELECT column_name, rule, reason, occurrences FROM student_etl.reject_reasons
 WHERE run_id = (SELECT max(run_id) FROM student_etl.load_runs);
SELECT column_name, rule, value FROM student_etl.reject_issues
 WHERE run_id = (SELECT max(run_id) FROM student_etl.load_runs);

-- grant_dashboard_access: refuses missing and privileged roles.
CREATE ROLE student_etl_dash_admin CREATEROLE;
SELECT student_etl.grant_dashboard_access('student_etl_no_such_role');
SELECT student_etl.grant_dashboard_access('student_etl_dash_admin');
-- Not executable by PUBLIC.
CREATE ROLE student_etl_dash;
SET ROLE student_etl_dash;
SELECT student_etl.grant_dashboard_access('student_etl_dash');
RESET ROLE;
SELECT student_etl.grant_dashboard_access('student_etl_dash', '3s');
-- Exactly the dashboard views, SELECT only; nothing else in the schema.
SELECT c.relname, has_table_privilege('student_etl_dash', c.oid, 'SELECT') AS can_select,
       has_table_privilege('student_etl_dash', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') AS can_write
  FROM pg_class c WHERE c.relnamespace = 'student_etl'::regnamespace AND c.relkind IN ('r', 'v')
 ORDER BY 1;
SELECT p.proname, has_function_privilege('student_etl_dash', p.oid, 'EXECUTE') AS can_execute
  FROM pg_proc p WHERE p.pronamespace = 'student_etl'::regnamespace ORDER BY 1;
-- Role defaults.
SELECT unnest(setconfig) AS setting FROM pg_db_role_setting
 WHERE setrole = 'student_etl_dash'::regrole ORDER BY 1;
-- As that role: the views answer; the tables and load() are refused.
SET ROLE student_etl_dash;
SELECT count(*) > 0 AS sees_groups FROM student_etl.group_metrics;
SELECT count(*) > 0 AS sees_reasons FROM student_etl.reject_reasons;
SELECT count(*) AS rows_showing_the_value FROM student_etl.reject_reasons r WHERE r::text LIKE '%555-0100%';
SELECT count(*) FROM student_etl.reject_issues;
SELECT count(*) FROM student_etl.student_performance_history;
SELECT count(*) FROM student_etl.rejected_rows;
SELECT count(*) FROM student_etl.run_facets;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
DELETE FROM student_etl.load_runs;
RESET ROLE;
-- Granting again is harmless.
SELECT student_etl.grant_dashboard_access('student_etl_dash', '3s');
DROP OWNED BY student_etl_dash;
DROP ROLE student_etl_dash;
DROP ROLE student_etl_dash_admin;
