-- Bad records are rejected with line and reason; the good records of the file still load.
SELECT run_id, status, rows_read, rows_loaded, rows_rejected
  FROM student_etl.load('/tmp/student_etl_regress/student-mat-badrows.csv');
SELECT line_number, reason FROM student_etl.rejected_rows WHERE run_id = 5 ORDER BY line_number;
-- The raw record is kept as delivered.
SELECT line_number, raw_record FROM student_etl.rejected_rows
 WHERE run_id = 5 ORDER BY line_number LIMIT 2;
-- Loaded and rejected lines partition the file's records.
SELECT (SELECT count(*) FROM student_etl.student_performance_history WHERE run_id = 5) AS loaded,
       (SELECT count(*) FROM student_etl.rejected_rows WHERE run_id = 5) AS rejected,
       (SELECT count(*) FROM (SELECT source_line FROM student_etl.student_performance_history WHERE run_id = 5
                              INTERSECT
                              SELECT line_number FROM student_etl.rejected_rows WHERE run_id = 5) x) AS both;
SELECT rows_read, rows_loaded, rows_rejected FROM student_etl.load_runs WHERE run_id = 5;
