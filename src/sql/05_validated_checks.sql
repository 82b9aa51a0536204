-- The CHECK constraints of student_performance_history exactly as installed (name and stored
-- expression). The loader's validator enforces every one of them before a row is formed
-- (src/core/schema.cpp: the same domains), so while the table's CHECKs are all in this list
-- the bulk path does not evaluate them again per row; a CHECK added or changed by a DBA is
-- not in the list, and then every CHECK is evaluated as usual. Tests: sql/07_integrity.sql
-- re-validates all rows; sql/09_added_constraint.sql adds a CHECK and sees it enforced.
CREATE TABLE student_etl.validated_checks (
    conname name PRIMARY KEY,
    conbin  text NOT NULL
);
INSERT INTO student_etl.validated_checks (conname, conbin)
SELECT conname, conbin::text
  FROM pg_catalog.pg_constraint
 WHERE conrelid = 'student_etl.student_performance_history'::pg_catalog.regclass AND contype = 'c';
COMMENT ON TABLE student_etl.validated_checks IS
    'CHECK constraints of student_performance_history that load() validates itself (snapshot taken at CREATE EXTENSION).';
