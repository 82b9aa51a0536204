-- The demo's database, shared by scripts/demo.sh and test/integration/doc_examples.sh (which
-- runs the documented examples against exactly this setup). psql variables: db, db_user,
-- db_password. Run as a superuser connected to database postgres. Safe to run again.
SELECT format('CREATE ROLE %I LOGIN', :'db_user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'db_user') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'db_user', :'db_password') \gexec
-- 0.1 made the demo user a member of pg_read_server_files (every file of the server); loading
-- now takes the loader profile, granted below, and reads only under allowed_dirs.
SELECT format('REVOKE pg_read_server_files FROM %I', :'db_user')
 WHERE EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
                WHERE r.rolname = :'db_user' AND m.roleid = 'pg_read_server_files'::regrole) \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'db_user')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
\connect :db
-- A cluster made by an older pre-release build lacks objects added since: recreate the
-- extension there (the demo's data is just the sample, loaded again by the demo). A
-- released version is upgraded in place.
SELECT 'DROP EXTENSION student_etl CASCADE'
 WHERE EXISTS (SELECT FROM pg_extension WHERE extname = 'student_etl')
   AND (to_regclass('student_etl.run_facets') IS NULL OR to_regclass('student_etl.load_jobs') IS NULL
        OR to_regclass('student_etl.validated_checks') IS NULL) \gexec
CREATE EXTENSION IF NOT EXISTS student_etl;
ALTER EXTENSION student_etl UPDATE;
-- The scheduler the schedule examples use (cron.database_name is this database).
CREATE EXTENSION IF NOT EXISTS pg_cron;
-- The demo user loads, schedules and reads everything it loaded: the loader profile (which
-- includes analyst and dashboard), nothing more. Not a superuser, no pg_read_server_files.
SELECT student_etl.grant_access(:'db_user', 'loader');
-- Analysts write SELECT * FROM student_performance, as in the stack this replaces.
SELECT format('ALTER DATABASE %I SET search_path = "$user", public, student_etl', :'db') \gexec
