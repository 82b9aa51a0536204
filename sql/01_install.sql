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
  FROM pg_proc p WHERE p.pronamespace = 'student_etl'::regnamespace ORDER BY p.oid::regprocedure::text;
-- Right after install nobody but the owner holds any right on the extension's objects:
-- rights come from profiles (grant_access; sql/13_privilege_matrix.sql has the whole matrix).
SELECT count(*) AS grants_to_others
  FROM pg_class c CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
 WHERE c.relnamespace = 'student_etl'::regnamespace AND a.grantee <> c.relowner;
SELECT count(*) AS function_grants_to_others
  FROM pg_proc p CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
 WHERE p.pronamespace = 'student_etl'::regnamespace AND a.grantee <> p.proowner;
-- The fact table's columns: the 33 attributes (header names in lower case), typed.
SELECT attname, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute
 WHERE attrelid = 'student_etl.student_performance_history'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;
-- The settings, with a secure default.
SELECT name, boot_val, context FROM pg_settings WHERE name LIKE 'student_etl.%' ORDER BY name;
-- Later test files run in new sessions of this database.
ALTER DATABASE :"DBNAME" SET student_etl.allowed_dirs = '/tmp/student_etl_regress';
