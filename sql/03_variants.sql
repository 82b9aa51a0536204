-- The same students delivered comma-delimited, unquoted, CRLF, with a BOM, upper-case header
-- names and shuffled columns: the same values, on the same lines.
\i test/sql/copy_reference.sql
SELECT run_id, status, subject, rows_read, rows_loaded, rows_rejected
  FROM student_etl.load('/tmp/student_etl_regress/student-mat-variant.csv');
SELECT delimiter, rows_loaded FROM student_etl.load_runs WHERE run_id = 3;
SELECT count(*) AS only_in_variant
  FROM (SELECT * FROM loaded_attributes WHERE run_id = 3 EXCEPT ALL
        SELECT 3, * FROM copy_reference) d;
SELECT count(*) AS only_in_copy
  FROM (SELECT 3, * FROM copy_reference EXCEPT ALL
        SELECT * FROM loaded_attributes WHERE run_id = 3) d;
-- A file name that does not tell the subject needs the argument (here: the sample with
-- CRLF line ends, so new content); bad subjects are refused.
SELECT * FROM student_etl.load('/tmp/student_etl_regress/unnamed-delivery.csv');
SELECT status, subject, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/unnamed-delivery.csv', 'POR');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv', 'biology');
SELECT subject, count(*) FROM student_etl.student_performance_history GROUP BY subject ORDER BY subject;
