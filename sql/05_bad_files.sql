-- Files that cannot be deliveries fail with an error that names the problem, and leave
-- nothing behind: no rows, no rejects, no run.
CREATE TEMP TABLE before AS
SELECT (SELECT count(*) FROM student_etl.student_performance_history) AS facts,
       (SELECT count(*) FROM student_etl.rejected_rows) AS rejects,
       (SELECT count(*) FROM student_etl.load_runs) AS runs;
\set VERBOSITY terse
SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/empty.csv', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/blank-lines.csv', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/header-only.csv', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/header-missing-g3.csv', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/header-unknown-column.csv', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/header-duplicate-column.csv', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/binary.csv', 'math');
-- A quote still open where the header line ends fails the whole file. (In a data line it
-- only rejects that line: bad/unterminated-quote.csv loads 5 rows and 1 reject.)
SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/header-unterminated-quote.csv', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/no-such-file.csv');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/empty.csv');
SELECT * FROM student_etl.load(NULL);
\set VERBOSITY default
SELECT (SELECT count(*) FROM student_etl.student_performance_history) - facts AS new_facts,
       (SELECT count(*) FROM student_etl.rejected_rows) - rejects AS new_rejects,
       (SELECT count(*) FROM student_etl.load_runs) - runs AS new_runs
  FROM before;
