-- Loading is for roles with the loader profile, reads only under student_etl.allowed_dirs,
-- and a path outside gets one answer whether or not it exists.
\set VERBOSITY terse
CREATE ROLE student_etl_nobody;
CREATE ROLE student_etl_file_reader IN ROLE pg_read_server_files;
CREATE ROLE student_etl_sneaky;
CREATE ROLE student_etl_loader;
CREATE ROLE student_etl_team;
CREATE ROLE student_etl_member IN ROLE student_etl_team;
-- A role without a profile cannot call load() at all...
SET ROLE student_etl_nobody;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
-- ...nor change where it may read from.
SET student_etl.allowed_dirs = '/';
RESET ROLE;
-- pg_read_server_files, which reads every file of the server, is not what loading needs.
SET ROLE student_etl_file_reader;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
RESET ROLE;
-- Even granted EXECUTE by mistake, a role without the loader profile is refused by load().
GRANT USAGE ON SCHEMA student_etl TO student_etl_sneaky;
GRANT EXECUTE ON FUNCTION student_etl.load(text, text) TO student_etl_sneaky;
SET ROLE student_etl_sneaky;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
RESET ROLE;
REVOKE ALL ON FUNCTION student_etl.load(text, text) FROM student_etl_sneaky;
REVOKE ALL ON SCHEMA student_etl FROM student_etl_sneaky;
-- Only a superuser (or the extension's owner) hands out profiles.
SET ROLE student_etl_sneaky;
SELECT student_etl.grant_access('student_etl_sneaky', 'admin');
RESET ROLE;
SELECT student_etl.grant_access('student_etl_loader', 'loader');
SELECT student_etl.grant_access('student_etl_loader', 'superuser');
SELECT student_etl.grant_access('student_etl_no_such_role', 'loader');
SELECT role_name, profile, rank FROM student_etl.access ORDER BY role_name, profile;
-- A loader loads from the allowed directories, and the run is recorded as its own.
SET ROLE student_etl_loader;
SELECT status, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv', 'portuguese');
SELECT loaded_by FROM student_etl.load_runs ORDER BY run_id DESC LIMIT 1;
-- Outside them: absolute paths, .. escapes and symbolic links are all refused, and whether
-- the target exists or can be read makes no difference to the answer.
SELECT * FROM student_etl.load('/etc/passwd', 'math');
SELECT * FROM student_etl.load('/etc/no-such-file', 'math');
SELECT * FROM student_etl.load('/root/x', 'math');
SELECT * FROM student_etl.load('/no-such-dir/x.csv', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/../../etc/passwd', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/../../etc/no-such-file', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/escape-link.csv', 'math');
SELECT * FROM student_etl.load('student-mat.csv');
-- Inside them, a missing file is just missing.
SELECT * FROM student_etl.load('/tmp/student_etl_regress/no-such-delivery.csv', 'math');
SELECT * FROM student_etl.load('/tmp/student_etl_regress/no-such-dir/x.csv', 'math');
RESET ROLE;
-- A profile given to a group reaches its members; taking it back takes every right back.
SELECT student_etl.grant_access('student_etl_team', 'analyst');
SET ROLE student_etl_member;
SELECT count(*) > 0 AS member_reads_facts FROM student_etl.student_performance_history;
RESET ROLE;
SELECT student_etl.revoke_access('student_etl_team');
SET ROLE student_etl_member;
SELECT count(*) FROM student_etl.student_performance_history;
RESET ROLE;
SELECT count(*) AS rights_left FROM information_schema.role_table_grants WHERE grantee = 'student_etl_team';
-- A dropped role's profile does not pass to a new role of the same name.
SELECT student_etl.revoke_access('student_etl_loader');
SELECT student_etl.grant_access('student_etl_nobody', 'loader');
DROP OWNED BY student_etl_nobody;
DROP ROLE student_etl_nobody;
CREATE ROLE student_etl_nobody;
SELECT student_etl._has_profile('student_etl_nobody', 'loader') AS reborn_role_is_loader;
SET ROLE student_etl_nobody;
SELECT * FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
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
DROP ROLE student_etl_file_reader;
DROP ROLE student_etl_sneaky;
DROP OWNED BY student_etl_loader;
DROP ROLE student_etl_loader;
DROP ROLE student_etl_member;
DROP ROLE student_etl_team;
