-- The privilege matrix: every table, view, sequence and function of the extension, and what
-- each profile, PUBLIC (a login with no profile), and the database's owner may do with it.
-- The rows in Markdown are the table in docs/security.md (test/integration/docs.sh checks
-- they are the same). '-' is nothing; every table right is at most SELECT.
\set VERBOSITY terse
CREATE ROLE student_etl_m_dashboard;
CREATE ROLE student_etl_m_analyst;
CREATE ROLE student_etl_m_loader;
CREATE ROLE student_etl_m_admin;
CREATE ROLE student_etl_m_public;
CREATE ROLE student_etl_m_db_owner;
SELECT student_etl.grant_access('student_etl_m_' || p, p) FROM unnest(ARRAY['dashboard', 'analyst', 'loader', 'admin']) p;
ALTER DATABASE :"DBNAME" OWNER TO student_etl_m_db_owner;
CREATE TEMP VIEW matrix_roles (col, role) AS VALUES
    (1, 'student_etl_m_public'), (2, 'student_etl_m_db_owner'), (3, 'student_etl_m_dashboard'),
    (4, 'student_etl_m_analyst'), (5, 'student_etl_m_loader'), (6, 'student_etl_m_admin');
CREATE TEMP VIEW matrix_objects (kind, object, oid) AS
SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence' END,
       c.relname::text, c.oid
  FROM pg_class c WHERE c.relnamespace = 'student_etl'::regnamespace AND c.relkind IN ('r', 'v', 'S')
UNION ALL
SELECT 'function', regexp_replace(p.oid::regprocedure::text, '^student_etl\.', ''), p.oid
  FROM pg_proc p WHERE p.pronamespace = 'student_etl'::regnamespace;
CREATE TEMP VIEW matrix AS
SELECT o.kind, o.object, r.col,
       coalesce(nullif(concat_ws(', ',
           CASE WHEN o.kind IN ('table', 'view') AND has_table_privilege(r.role, o.oid, 'SELECT') THEN 'SELECT' END,
           CASE WHEN o.kind IN ('table', 'view') AND has_table_privilege(r.role, o.oid, 'INSERT') THEN 'INSERT' END,
           CASE WHEN o.kind IN ('table', 'view') AND has_table_privilege(r.role, o.oid, 'UPDATE') THEN 'UPDATE' END,
           CASE WHEN o.kind IN ('table', 'view') AND has_table_privilege(r.role, o.oid, 'DELETE') THEN 'DELETE' END,
           CASE WHEN o.kind IN ('table', 'view') AND has_table_privilege(r.role, o.oid, 'TRUNCATE') THEN 'TRUNCATE' END,
           CASE WHEN o.kind IN ('table', 'view') AND has_table_privilege(r.role, o.oid, 'REFERENCES, TRIGGER') THEN 'REFERENCES/TRIGGER' END,
           CASE WHEN o.kind = 'sequence' AND has_sequence_privilege(r.role, o.oid, 'SELECT, USAGE, UPDATE') THEN 'USAGE' END,
           CASE WHEN o.kind = 'function' AND has_function_privilege(r.role, o.oid, 'EXECUTE') THEN 'EXECUTE' END), ''),
           '-') AS rights
  FROM matrix_objects o CROSS JOIN matrix_roles r;
-- The schema itself.
SELECT r.role, has_schema_privilege(r.role, 'student_etl', 'USAGE') AS usage,
       has_schema_privilege(r.role, 'student_etl', 'CREATE') AS "create"
  FROM matrix_roles r ORDER BY r.col;
-- No role but the owner may write any table, view or sequence.
SELECT count(*) AS writes FROM matrix WHERE rights ~ 'INSERT|UPDATE|DELETE|TRUNCATE|REFERENCES|USAGE';
-- The matrix, as Markdown.
SELECT '| object | kind | PUBLIC | database owner | dashboard | analyst | loader | admin |' AS markdown
UNION ALL SELECT '|---|---|---|---|---|---|---|---|'
UNION ALL
SELECT * FROM (
    SELECT format('| %s | %s | %s |', object, kind, string_agg(rights, ' | ' ORDER BY col)) AS markdown
      FROM matrix GROUP BY kind, object
     ORDER BY CASE kind WHEN 'table' THEN 1 WHEN 'view' THEN 2 WHEN 'sequence' THEN 3 ELSE 4 END, object) m;
ALTER DATABASE :"DBNAME" OWNER TO CURRENT_USER;
SELECT student_etl.revoke_access('student_etl_m_' || p) FROM unnest(ARRAY['dashboard', 'analyst', 'loader', 'admin']) p;
DROP ROLE student_etl_m_dashboard, student_etl_m_analyst, student_etl_m_loader, student_etl_m_admin,
          student_etl_m_public, student_etl_m_db_owner;
\set VERBOSITY default
