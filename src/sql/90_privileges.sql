-- Reading server files is a privilege: load() is for superusers and members of
-- pg_read_server_files (it checks that itself too), who also get the table rights it needs.
REVOKE ALL ON FUNCTION student_etl.load(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION student_etl.load(text, text) TO pg_read_server_files;
GRANT USAGE ON SCHEMA student_etl TO pg_read_server_files;
GRANT SELECT, INSERT ON student_etl.student_performance, student_etl.rejected_rows TO pg_read_server_files;
GRANT SELECT, INSERT, UPDATE ON student_etl.load_runs TO pg_read_server_files;
