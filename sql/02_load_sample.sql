-- The original sample loads completely, and every value equals what COPY gives.
\i test/sql/copy_reference.sql
SELECT run_id, status, subject, rows_read, rows_loaded, rows_rejected
  FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
SELECT count(*) AS reference_rows FROM copy_reference;
-- Row for row, line for line, no difference in either direction.
SELECT count(*) AS only_in_load
  FROM (SELECT * FROM loaded_attributes WHERE run_id = 1 EXCEPT ALL
        SELECT 1, * FROM copy_reference) d;
SELECT count(*) AS only_in_copy
  FROM (SELECT 1, * FROM copy_reference EXCEPT ALL
        SELECT * FROM loaded_attributes WHERE run_id = 1) d;
-- Derived columns follow their documented definitions.
SELECT count(*) FILTER (WHERE grade_mean <> round((g1 + g2 + g3) / 3.0, 2)) AS bad_mean,
       count(*) FILTER (WHERE passed <> (g3 >= 10)) AS bad_passed,
       count(*) FILTER (WHERE grade_change <> g3 - g1) AS bad_change,
       count(*) FILTER (WHERE subject <> 'math') AS bad_subject
  FROM student_etl.student_performance_history;
-- A few values as they are stored.
SELECT source_line, school, sex, age, mjob, schoolsup, g1, g2, g3, grade_mean, passed, grade_change
  FROM student_etl.student_performance_history WHERE source_line IN (2, 3, 396) ORDER BY source_line;
SELECT count(*) AS students, sum(g3) AS sum_g3, round(avg(grade_mean), 4) AS avg_mean,
       count(*) FILTER (WHERE passed) AS passed
  FROM student_etl.student_performance_history;
-- The audit row: file, size, checksum (same as sha256sum), counts, times.
SELECT run_id, file_path = resolved_path AS same_path, file_size, checksum, subject, status,
       delimiter, rows_read, rows_loaded, rows_rejected, duplicate_of,
       loaded_by = current_user AS by_me, finished_at >= started_at AS timed
  FROM student_etl.load_runs;
-- The same content again: skipped, nothing added.
SELECT run_id, status, rows_read, rows_loaded, rows_rejected
  FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
SELECT run_id, status, duplicate_of, file_size FROM student_etl.load_runs ORDER BY run_id;
SELECT count(*) AS students FROM student_etl.student_performance_history;
-- Under REPEATABLE READ or SERIALIZABLE a duplicate committed after the snapshot would be
-- invisible: load() refuses at once, before reading the file.
\set VERBOSITY terse
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
ROLLBACK;
\set VERBOSITY default
