-- What dashboards read. Besides the metrics views (20_student_metrics.sql, 21_questions.sql),
-- two pipeline views expose run metadata and reject reasons without the delivered records,
-- and grant_dashboard_access() turns an existing role into a read-only dashboard reader.

-- Every load() call without paths on the server or the calling user: enough for "loads over
-- time", "rows loaded vs rejected" and "last successful load".
CREATE VIEW student_etl.load_history AS
SELECT run_id, subject, status, regexp_replace(file_path, '^.*/', '') AS file_name,
       rows_read, rows_loaded, rows_rejected, duplicate_of, error IS NOT NULL AS failed,
       started_at, finished_at,
       extract(epoch FROM finished_at - started_at)::double precision AS duration_seconds
  FROM student_etl.load_runs;
COMMENT ON VIEW student_etl.load_history IS
    'One row per load() call: status, counts and times, without server paths or the raw records.';

-- The background worker's queue (load_jobs) without server paths or users: "queue state".
CREATE VIEW student_etl.queue_history AS
SELECT job_id, state, regexp_replace(rtrim(path, '/'), '^.*/', '') ||
           CASE WHEN path ~ '/$' THEN '/' ELSE '' END AS target,
       subject, run_id, attempts, error IS NOT NULL AS failed, enqueued_at, started_at, finished_at
  FROM student_etl.load_jobs;
COMMENT ON VIEW student_etl.queue_history IS
    'One row per queued load: state, target file or directory name, run, attempts and times.';

-- One row per run and reject reason class: a rejected record names every bad field
-- ("; "-separated); each field's reason is reduced to its column and kind, values dropped.
CREATE VIEW student_etl.reject_reasons AS
WITH parts AS (
    SELECT x.run_id, part
      FROM student_etl.rejected_rows x
     CROSS JOIN LATERAL regexp_split_to_table(x.reason, '; ') AS part
)
SELECT p.run_id, r.subject, r.started_at,
       CASE WHEN p.part ~ '^column "[^"]+": '
            THEN substring(p.part FROM '^column "[^"]+"') || ': ' ||
                 CASE WHEN p.part ~ ': empty value$' THEN 'empty value'
                      WHEN p.part ~ ' is out of range ' THEN 'out of range'
                      WHEN p.part ~ ' is not a whole number$' THEN 'not a whole number'
                      WHEN p.part ~ ' is not yes or no$' THEN 'not yes or no'
                      WHEN p.part ~ ' is not one of ' THEN 'not a known code'
                      ELSE 'invalid value' END
            WHEN p.part ~ '^expected [0-9]+ fields, found [0-9]+$' THEN 'wrong number of fields'
            ELSE p.part END AS reason,
       count(*) AS occurrences
  FROM parts p
  JOIN student_etl.load_runs r USING (run_id)
 GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW student_etl.reject_reasons IS
    'Per run: how often each kind of validation failure occurred (column and kind, no values).';

-- Makes an existing role a dashboard reader: USAGE on the schema, SELECT on the views
-- dashboards query and nothing else (not the fact table, the rejected records or run_facets),
-- and role defaults default_transaction_read_only = on and a statement_timeout. The defaults
-- are a second line: the privileges are what keep the role from writing. Runs with the
-- caller's rights: the caller must be able to grant on the extension's objects and to ALTER
-- the role (a superuser, typically the one who created the extension).
CREATE FUNCTION student_etl.grant_dashboard_access(role_name name, timeout text DEFAULT '5s')
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r pg_catalog.pg_roles%ROWTYPE;
    v text;
BEGIN
    SELECT * INTO r FROM pg_catalog.pg_roles WHERE rolname = role_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = 'undefined_object';
    END IF;
    IF r.rolsuper OR r.rolbypassrls OR r.rolreplication OR r.rolcreaterole OR r.rolcreatedb THEN
        RAISE EXCEPTION 'role "%" has attributes beyond reading; a dashboard role must not', role_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA student_etl TO %I', role_name);
    FOREACH v IN ARRAY ARRAY[
        'latest_runs', 'group_metrics', 'run_metrics', 'grade_distribution', 'load_history', 'reject_reasons', 'queue_history',
        'q1_mother_jobs_of_young_male_students', 'q2_rural_most_frequent_traveltime',
        'q3_top_father_jobs_by_pstatus', 'q4_most_frequent_failures_by_famsize',
        'q5_median_absences_by_famrel_sex']
    LOOP
        EXECUTE format('GRANT SELECT ON student_etl.%I TO %I', v, role_name);
    END LOOP;
    EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', role_name);
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', role_name, timeout);
END
$$;
COMMENT ON FUNCTION student_etl.grant_dashboard_access(name, text) IS
    'Grant a role read access to the dashboard views only, and make it read-only with a statement_timeout by default.';
REVOKE ALL ON FUNCTION student_etl.grant_dashboard_access(name, text) FROM PUBLIC;
