-- CREATE EXTENSION adopts an existing schema named student_etl. If another role made it
-- first, that role -- as the schema's owner -- could drop and replace the extension's
-- tables later, or have planted objects there. Refuse unless the schema is owned by a
-- superuser and holds nothing yet.
DO $guard$
DECLARE
    owner_name name;
    owner_is_super boolean;
    squatters bigint;
BEGIN
    SELECT r.rolname, r.rolsuper INTO owner_name, owner_is_super
      FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
     WHERE n.nspname OPERATOR(pg_catalog.=) 'student_etl';
    IF NOT owner_is_super THEN
        RAISE EXCEPTION 'schema student_etl already exists and is owned by %, not by a superuser', owner_name
              USING HINT = 'Drop it (or give it to a superuser after checking its contents) and run CREATE EXTENSION again.';
    END IF;
    SELECT (SELECT pg_catalog.count(*) FROM pg_catalog.pg_class
             WHERE relnamespace OPERATOR(pg_catalog.=) 'student_etl'::pg_catalog.regnamespace)
         OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_proc
             WHERE pronamespace OPERATOR(pg_catalog.=) 'student_etl'::pg_catalog.regnamespace)
         OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_type
             WHERE typnamespace OPERATOR(pg_catalog.=) 'student_etl'::pg_catalog.regnamespace)
         OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_operator
             WHERE oprnamespace OPERATOR(pg_catalog.=) 'student_etl'::pg_catalog.regnamespace)
      INTO squatters;
    IF squatters OPERATOR(pg_catalog.<>) 0 THEN
        RAISE EXCEPTION 'schema student_etl already holds % objects', squatters
              USING HINT = 'Install student_etl into a new, empty schema.';
    END IF;
END
$guard$;
