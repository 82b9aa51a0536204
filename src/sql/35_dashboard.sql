-- What dashboards read. Besides the metrics views (20_student_metrics.sql, 21_questions.sql),
-- pipeline views expose run metadata, the queue and reject reasons without the delivered
-- records; grant_dashboard_access() gives a role the dashboard profile (06_access.sql).

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

-- One row per run, column and rule of the rejected records' problems: counted from the
-- structured reject_issues, so no delivered value is ever read, split or shown. reason keeps
-- the 0.1 wording ('column "age": out of range').
CREATE VIEW student_etl.reject_reasons AS
SELECT i.run_id, r.subject, r.started_at, i.column_name, i.rule,
       CASE WHEN i.column_name IS NOT NULL THEN format('column "%s": %s', i.column_name, replace(i.rule, '_', ' '))
            ELSE replace(i.rule, '_', ' ') END AS reason,
       count(*) AS occurrences
  FROM student_etl.reject_issues i
  JOIN student_etl.load_runs r USING (run_id)
 GROUP BY i.run_id, r.subject, r.started_at, i.column_name, i.rule;
COMMENT ON VIEW student_etl.reject_reasons IS
    'Per run: how often each column failed each validation rule (column, rule, count; never a value).';

-- grant_dashboard_access(role, timeout): grant_access(role, 'dashboard'), with the dashboard
-- role's statement_timeout chosen.
CREATE FUNCTION student_etl._grant_dashboard_access(caller regrole, role_name name, timeout text)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT student_etl._grant_access(caller, role_name, 'dashboard', timeout)
$$;

CREATE FUNCTION student_etl.grant_dashboard_access(role_name name, timeout text DEFAULT '5s')
RETURNS void
AS 'MODULE_PATHNAME', 'student_etl_owner_call'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl.grant_dashboard_access(name, text) IS
    'The dashboard profile: grant_access(role, ''dashboard''), with the role''s statement_timeout set to timeout. Superuser or extension owner only.';
COMMENT ON FUNCTION student_etl._grant_dashboard_access(regrole, name, text) IS
    'grant_dashboard_access() for caller: grant_access(role, ''dashboard'') with the role''s statement_timeout. Owner only.';
