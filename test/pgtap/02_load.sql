-- load() behaviour, checked from a second angle: result rows, SQLSTATEs, audit and rollback.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS student_etl;
SET LOCAL student_etl.allowed_dirs = '/tmp/student_etl_regress';
SELECT plan(16);

SELECT results_eq($$SELECT status, subject, rows_read, rows_loaded, rows_rejected
                      FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv')$$,
                  $$VALUES ('loaded', 'math', 395::bigint, 395::bigint, 0::bigint)$$,
                  'the sample loads 395 rows, none rejected');
SELECT is((SELECT count(*)::int FROM student_etl.student_performance_history), 395, '395 rows in the fact table');
SELECT is((SELECT checksum FROM student_etl.load_runs ORDER BY run_id DESC LIMIT 1),
          'e47f9ee225e1ee6e69b7564e6dac7123e80b8486677fe111f351964cef5dec80', 'checksum is the SHA-256 of the file');
SELECT results_eq($$SELECT status, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv')$$,
                  $$VALUES ('skipped', 0::bigint)$$, 'the same content again is skipped');
SELECT is((SELECT count(*)::int FROM student_etl.student_performance_history), 395, 'a skipped load adds no rows');
SELECT results_eq($$SELECT rows_loaded, rows_rejected
                      FROM student_etl.load('/tmp/student_etl_regress/student-mat-badrows.csv')$$,
                  $$VALUES (12::bigint, 8::bigint)$$, 'good rows of a file with bad rows still load');
SELECT is((SELECT count(*)::int FROM student_etl.rejected_rows), 8, 'every bad row is kept with a reason');
SELECT is((SELECT reason FROM student_etl.rejected_rows WHERE reason LIKE '%age%' LIMIT 1),
          'column "age": 23 is out of range 15..22', 'the reason names the column and the value');
SELECT throws_ok($$SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/header-missing-g3.csv', 'math')$$,
                 '22P04', NULL, 'a header missing a column is a bad file format');
SELECT throws_like($$SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/header-unterminated-quote.csv', 'math')$$,
                   '%line 1: unterminated quoted field%', 'a quote left open in the header fails the whole file');
SELECT throws_ok($$SELECT * FROM student_etl.load('/etc/passwd', 'math')$$, '42501', NULL,
                 'a path outside allowed_dirs is a permission error');
SELECT throws_ok($$SELECT * FROM student_etl.load('/tmp/student_etl_regress/escape-link.csv', 'math')$$, '42501', NULL,
                 'a symlink leading outside allowed_dirs is a permission error');
SELECT is((SELECT count(*)::int FROM student_etl.load_runs), 3, 'failed loads leave no run row');
SELECT is((SELECT count(*)::int FROM student_etl.student_performance_history), 407, 'failed loads leave no rows');
SELECT results_eq($$SELECT rows_loaded, rows_rejected
                      FROM student_etl.load('/tmp/student_etl_regress/bad/unterminated-quote.csv', 'math')$$,
                  $$VALUES (5::bigint, 1::bigint)$$, 'a quote left open in a data line rejects only that line');
SELECT results_eq($$SELECT line_number, reason FROM student_etl.rejected_rows
                     WHERE run_id = (SELECT max(run_id) FROM student_etl.load_runs)$$,
                  $$VALUES (7::bigint, 'unbalanced quote'::text)$$, 'it is rejected as an unbalanced quote on its line');

SELECT * FROM finish();
ROLLBACK;
