-- The extension installs into its own schema, with pinned search_path and locked-down load().
CREATE EXTENSION student_etl;
SELECT extname, extversion, nspname AS schema, extrelocatable
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'student_etl';
SELECT c.relname, c.relkind
  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid AND d.classid = 'pg_class'::regclass
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'student_etl')
 ORDER BY c.relname;
-- Every function pins search_path.
SELECT p.oid::regprocedure AS function, p.proconfig
  FROM pg_proc p WHERE p.pronamespace = 'student_etl'::regnamespace ORDER BY 1::text;
-- load() is not executable by PUBLIC, only by pg_read_server_files (and superusers).
SELECT has_function_privilege('public', 'student_etl.load(text,text)', 'EXECUTE') AS public_can_load,
       has_function_privilege('pg_read_server_files', 'student_etl.load(text,text)', 'EXECUTE') AS readers_can_load;
-- The fact table's columns: the 33 attributes (header names in lower case), typed.
SELECT attname, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute
 WHERE attrelid = 'student_etl.student_performance'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;
-- The settings, with a secure default.
SELECT name, boot_val, context FROM pg_settings WHERE name LIKE 'student_etl.%' ORDER BY name;
-- Later test files run in new sessions of this database.
ALTER DATABASE :"DBNAME" SET student_etl.allowed_dirs = '/tmp/student_etl_regress';
