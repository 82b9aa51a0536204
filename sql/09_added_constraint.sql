-- A CHECK the extension did not ship (so the loader's validation does not cover it) is
-- evaluated on every row: a load that breaks it fails whole; the shipped ones are trusted
-- only while they are exactly as installed (validated_checks).
SELECT count(*) AS shipped_checks FROM student_etl.validated_checks;
ALTER TABLE student_etl.student_performance_history
  ADD CONSTRAINT local_rule_g3_at_least_5 CHECK (g3 >= 5) NOT VALID;
SELECT count(*) AS before FROM student_etl.student_performance_history \gset
\set VERBOSITY terse
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat-variant.csv');
\set VERBOSITY default
SELECT count(*) - :before AS rows_added FROM student_etl.student_performance_history;
ALTER TABLE student_etl.student_performance_history DROP CONSTRAINT local_rule_g3_at_least_5;
SELECT status, rows_loaded, rows_rejected
  FROM student_etl.load('/tmp/student_etl_regress/student-mat-variant.csv');
