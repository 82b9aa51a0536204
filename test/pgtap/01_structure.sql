-- The installed objects: tables, typed columns, constraints, function contract, privileges.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS student_etl;
SELECT plan(17);

SELECT has_table('student_etl', 'student_performance_history', 'fact table exists');
SELECT has_table('student_etl', 'load_runs', 'run audit table exists');
SELECT has_table('student_etl', 'rejected_rows', 'rejected rows table exists');
SELECT col_type_is('student_etl', 'student_performance_history', 'age', 'smallint', 'age is smallint');
SELECT col_type_is('student_etl', 'student_performance_history', 'schoolsup', 'boolean', 'yes/no columns are boolean');
SELECT col_type_is('student_etl', 'student_performance_history', 'pstatus', 'text', 'codes are text');
SELECT col_type_is('student_etl', 'student_performance_history', 'grade_mean', 'numeric(4,2)', 'mean grade is numeric(4,2)');
SELECT is((SELECT count(*)::int FROM pg_attribute
            WHERE attrelid = 'student_etl.student_performance_history'::regclass AND attnum > 0
              AND attname IN ('school','sex','age','address','famsize','pstatus','medu','fedu','mjob','fjob',
                              'reason','guardian','traveltime','studytime','failures','schoolsup','famsup',
                              'paid','activities','nursery','higher','internet','romantic','famrel',
                              'freetime','goout','dalc','walc','health','absences','g1','g2','g3')),
          33, 'all 33 dictionary attributes are columns');
SELECT has_index('student_etl', 'student_performance_history', 'student_performance_history_run_brin', ARRAY['run_id'], 'runs are found through a BRIN index on run_id');
SELECT throws_ok($$INSERT INTO student_etl.student_performance_history
                   SELECT 'XX', sex, age, address, famsize, pstatus, medu, fedu, mjob, fjob, reason, guardian,
                          traveltime, studytime, failures, schoolsup, famsup, paid, activities, nursery, higher,
                          internet, romantic, famrel, freetime, goout, dalc, walc, health, absences, g1, g2, g3,
                          subject, grade_mean, passed, grade_change, -1, 1
                     FROM (VALUES ('F', 16::smallint, 'U', 'GT3', 'T', 1::smallint, 1::smallint, 'other', 'other', 'home',
                                   'mother', 1::smallint, 1::smallint, 0::smallint, true, true, true, true, true, true,
                                   true, true, 3::smallint, 3::smallint, 3::smallint, 1::smallint, 1::smallint,
                                   3::smallint, 0::smallint, 10::smallint, 10::smallint, 10::smallint, 'math',
                                   10.00, true, 0::smallint))
                          v(sex, age, address, famsize, pstatus, medu, fedu, mjob, fjob, reason, guardian,
                            traveltime, studytime, failures, schoolsup, famsup, paid, activities, nursery, higher,
                            internet, romantic, famrel, freetime, goout, dalc, walc, health, absences, g1, g2, g3,
                            subject, grade_mean, passed, grade_change)$$,
                 '23514', NULL, 'CHECK constraints enforce the dictionary domains');
SELECT function_returns('student_etl', 'load', ARRAY['text', 'text'], 'record', 'load(path, subject) returns one row');
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'student_etl.load(text,text)'::regprocedure),
          ARRAY['search_path=pg_catalog, pg_temp'], 'load() pins search_path');
SELECT ok(NOT has_function_privilege('public', 'student_etl.load(text,text)', 'EXECUTE'), 'PUBLIC cannot execute load()');
SELECT ok(NOT has_function_privilege('pg_read_server_files', 'student_etl.load(text,text)', 'EXECUTE'),
          'pg_read_server_files cannot execute load(): loading takes the loader profile');
SELECT is((SELECT boot_val FROM pg_settings WHERE name = 'student_etl.allowed_dirs'), '',
          'allowed_dirs defaults to nothing allowed');
SELECT is((SELECT context FROM pg_settings WHERE name = 'student_etl.allowed_dirs'), 'superuser',
          'only superusers can change allowed_dirs');
SELECT has_index('student_etl', 'load_runs', 'load_runs_one_load_per_checksum', 'one successful load per checksum');

SELECT * FROM finish();
ROLLBACK;
