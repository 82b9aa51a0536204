-- Retention (purge) and retry at the SQL level; the worker's side of retry (a file moved back
-- from failed/) is in test/integration/worker.sh.
\set VERBOSITY terse
CREATE ROLE student_etl_ret_admin;
CREATE ROLE student_etl_ret_loader;
SELECT student_etl.grant_access('student_etl_ret_admin', 'admin');
SELECT student_etl.grant_access('student_etl_ret_loader', 'loader');
SELECT subject, count(*) AS loaded_runs, count(*) FILTER (WHERE purged_at IS NOT NULL) AS purged
  FROM student_etl.load_runs WHERE status = 'loaded' GROUP BY subject ORDER BY subject;
-- Only an admin purges, and never the latest delivery of a subject.
SET ROLE student_etl_ret_loader;
SELECT * FROM student_etl.purge(1);
RESET ROLE;
SET ROLE student_etl_ret_admin;
SELECT * FROM student_etl.purge(0);
-- Nothing is old enough yet.
SELECT count(*) AS purged FROM student_etl.purge(1, older_than => '1 day');
-- Keep the latest delivery of each subject: the others lose their rows, rejects and cells.
SELECT subject, count(*) AS runs, sum(students_removed) > 0 AS removed_students,
       sum(rejects_removed) > 0 AS removed_rejects, sum(facet_cells_removed) > 0 AS removed_cells
  FROM student_etl.purge(1) GROUP BY subject ORDER BY subject;
RESET ROLE;
SELECT subject, count(*) AS loaded_runs, count(*) FILTER (WHERE purged_at IS NOT NULL) AS purged
  FROM student_etl.load_runs WHERE status = 'loaded' GROUP BY subject ORDER BY subject;
-- What is left is exactly the latest run of each subject, and nothing of a purged run.
SELECT (SELECT count(DISTINCT run_id) FROM student_etl.student_performance_history)
     = (SELECT count(*) FROM student_etl.latest_runs) AS only_latest_rows,
       NOT EXISTS (SELECT FROM student_etl.student_performance_history p JOIN student_etl.load_runs r USING (run_id)
                    WHERE r.purged_at IS NOT NULL)
   AND NOT EXISTS (SELECT FROM student_etl.run_facets f JOIN student_etl.load_runs r USING (run_id)
                    WHERE r.purged_at IS NOT NULL)
   AND NOT EXISTS (SELECT FROM student_etl.rejected_rows x JOIN student_etl.load_runs r USING (run_id)
                    WHERE r.purged_at IS NOT NULL) AS purged_runs_are_empty;
-- The metrics still answer from the latest deliveries.
SELECT subject, students FROM student_etl.group_metrics WHERE dimension = 'all' ORDER BY subject;
-- A purged delivery sent again loads again (its rows are gone).
SELECT status, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/student-mat-badrows.csv');

-- retry(run_id): a failed run's file is queued again for the caller; anything else is refused.
INSERT INTO student_etl.load_runs (file_path, status, error, loaded_by)
VALUES ('/tmp/student_etl_regress/student-mat-variant.csv', 'failed', 'disk full', 'someone');
SET client_min_messages = error;   -- no worker serves this database: the job waits
SET ROLE student_etl_ret_loader;
SELECT student_etl.retry(max(run_id)) > 0 AS queued FROM student_etl.load_runs WHERE status = 'failed';
SELECT path, state, enqueued_by::text, spool FROM student_etl.load_jobs;
SELECT student_etl.retry((SELECT max(run_id) FROM student_etl.load_runs WHERE status = 'loaded'));
SELECT student_etl.retry(-1);
RESET ROLE;
RESET client_min_messages;
DELETE FROM student_etl.load_jobs;
SELECT student_etl.revoke_access(r) FROM unnest(ARRAY['student_etl_ret_admin', 'student_etl_ret_loader']) r;
DROP ROLE student_etl_ret_admin;
DROP ROLE student_etl_ret_loader;
\set VERBOSITY default
