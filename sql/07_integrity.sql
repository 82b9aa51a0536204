-- After all the loads above, rejected and failed ones included: every index holds exactly the
-- table's rows (amcheck, heapallindexed) and every constraint holds.
CREATE EXTENSION IF NOT EXISTS amcheck;
SELECT c.relname AS index, bt_index_parent_check(c.oid, true)::text = '' AS checked
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_am a ON a.oid = c.relam AND a.amname = 'btree'
 WHERE i.indrelid IN ('student_etl.student_performance_history'::regclass, 'student_etl.rejected_rows'::regclass,
                      'student_etl.load_runs'::regclass)
 ORDER BY 1;
-- The BRIN index on run_id finds exactly the rows a sequential scan finds, for every run.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM student_etl.student_performance_history WHERE run_id = 1;
SELECT run_id, count(*) AS via_brin FROM student_etl.student_performance_history
 WHERE run_id IN (SELECT run_id FROM student_etl.load_runs) GROUP BY run_id ORDER BY run_id;
RESET enable_seqscan;
SET enable_bitmapscan = off;
SELECT run_id, count(*) AS via_seqscan FROM student_etl.student_performance_history
 WHERE run_id IN (SELECT run_id FROM student_etl.load_runs) GROUP BY run_id ORDER BY run_id;
RESET enable_bitmapscan;
-- One row per run and line.
SELECT count(*) AS duplicated_lines
  FROM (SELECT run_id, source_line FROM student_etl.student_performance_history
         GROUP BY 1, 2 HAVING count(*) > 1) d;
-- Re-validating every CHECK constraint of the fact table finds nothing to complain about.
DO $$
DECLARE c record;
BEGIN
  FOR c IN SELECT conname FROM pg_constraint
            WHERE conrelid = 'student_etl.student_performance_history'::regclass AND contype = 'c' LOOP
    EXECUTE format('ALTER TABLE student_etl.student_performance_history DROP CONSTRAINT %I, ADD CONSTRAINT %I CHECK (%s)',
                   c.conname, c.conname,
                   (SELECT pg_get_expr(conbin, conrelid) FROM pg_constraint
                     WHERE conrelid = 'student_etl.student_performance_history'::regclass AND conname = c.conname));
  END LOOP;
END $$;
SELECT count(*) AS check_constraints FROM pg_constraint
 WHERE conrelid = 'student_etl.student_performance_history'::regclass AND contype = 'c';
-- Row counts agree with the audit trail.
SELECT (SELECT sum(rows_loaded) FROM student_etl.load_runs) = (SELECT count(*) FROM student_etl.student_performance_history) AS facts_match,
       (SELECT sum(rows_rejected) FROM student_etl.load_runs) = (SELECT count(*) FROM student_etl.rejected_rows) AS rejects_match;
