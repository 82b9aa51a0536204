CREATE FUNCTION student_etl.load(path text, subject text DEFAULT NULL)
RETURNS TABLE (run_id bigint, status text, subject text,
               rows_read bigint, rows_loaded bigint, rows_rejected bigint)
AS 'MODULE_PATHNAME', 'student_etl_load'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION student_etl.load(text, text) IS
    'Load one delivery file (server path under student_etl.allowed_dirs) into student_performance, in one transaction.';
