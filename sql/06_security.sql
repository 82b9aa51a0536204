-- Reading server files is a privilege, and only under student_etl.allowed_dirs.
\set VERBOSITY terse
CREATE ROLE student_etl_nobody;
CREATE ROLE student_etl_reader IN ROLE pg_read_server_files;
CREATE ROLE student_etl_sneaky;
-- A role without pg_read_server_files cannot call load() at all...
SET ROLE student_etl_nobody;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
-- ...nor change where it may read from.
SET student_etl.allowed_dirs = '/';
RESET ROLE;
-- Even granted EXECUTE by mistake, a role without pg_read_server_files is refused by load().
GRANT USAGE ON SCHEMA student_etl TO student_etl_sneaky;
GRANT EXECUTE ON FUNCTION student_etl.load(text, text) TO student_etl_sneaky;
SET ROLE student_etl_sneaky;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
RESET ROLE;
REVOKE ALL ON FUNCTION student_etl.load(text, text) FROM student_etl_sneaky;
REVOKE ALL ON SCHEMA student_etl FROM student_etl_sneaky;
-- Members of pg_read_server_files may load from the allowed directories.
SET ROLE student_etl_reader;
SELECT status, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv', 'portuguese');
-- Outside them: absolute paths, .. escapes and symbolic links are all refused.
SELECT * FROM student_etl.load('/etc/passwd', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/../../etc/passwd', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/escape-link.csv', 'math');
SELECT * FROM student_etl.load('student-mat.csv');
RESET ROLE;
-- With no allowed directory, nothing is allowed, not even to a superuser.
SET student_etl.allowed_dirs = '';
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
SET student_etl.allowed_dirs = 'relative/dir';
RESET student_etl.allowed_dirs;
-- A directory that merely shares a prefix is not the allowed one.
SET student_etl.allowed_dirs = '/tmp/student_etl_regress/ba';
SELECT * FROM student_etl.load('/tmp/student_etl_regress/bad/empty.csv', 'math');
RESET student_etl.allowed_dirs;
\set VERBOSITY default
DROP ROLE student_etl_nobody;
DROP ROLE student_etl_reader;
DROP ROLE student_etl_sneaky;
