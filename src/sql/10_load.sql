-- One row out (OUT parameters, not a set): the run and its counts.
CREATE FUNCTION student_etl.load(path text, subject text DEFAULT NULL,
                                 OUT run_id bigint, OUT status text, OUT subject text,
                                 OUT rows_read bigint, OUT rows_loaded bigint, OUT rows_rejected bigint,
                                 OUT rows_with_missing bigint)
AS 'MODULE_PATHNAME', 'student_etl_load'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION student_etl.load(text, text) IS
    'Load one delivery file (server path under student_etl.allowed_dirs) into student_performance, in one transaction, as you (loader profile). rows_with_missing: loaded records with a missing value kept (student_etl.missing_value_policy).';
