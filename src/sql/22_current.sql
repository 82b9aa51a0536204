-- The current students: the rows of the latest loaded, not purged delivery of each subject
-- (latest_runs), each record of it once. This is what `SELECT * FROM student_performance`
-- meant in the stack this replaces, where each delivery replaced the last; every delivery
-- stays in student_performance_history.
CREATE VIEW student_etl.student_performance AS
SELECT p.*
  FROM student_etl.student_performance_history p
 WHERE p.run_id IN (SELECT r.run_id FROM student_etl.latest_runs r);
COMMENT ON VIEW student_etl.student_performance IS
    'The current students: every row of the latest loaded (not purged) delivery of each subject, columns as in student_performance_history. One row per student record of that delivery.';
