-- The pipeline views behind the Pipeline health dashboard, part of the extension so a demo
-- cluster and the Docker image show the same panels: pg_cron's student_etl jobs and their runs,
-- the deliveries waiting in the inbox, and failed loads with their error. Each reads through an
-- owner's function (SECURITY DEFINER: pg_cron's tables show a role only its own jobs; listing the
-- inbox is a superuser's right), filtered to what a dashboard may see. Without pg_cron the
-- schedule views are empty (the functions look pg_cron up when called, so CREATE EXTENSION
-- pg_cron before or after student_etl makes no difference); without student_etl.inbox_dir the
-- inbox view is empty. The dashboard profile reads them.

-- pg_cron jobs whose command calls student_etl, with their owner's name.
CREATE FUNCTION student_etl._pipeline_cron_jobs()
RETURNS TABLE (jobid bigint, jobname text, schedule text, command text, active boolean, username text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.to_regclass('cron.job') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT j.jobid, j.jobname::text, j.schedule::text, j.command::text, j.active, j.username::text
           FROM cron.job j WHERE j.command LIKE ''%student_etl%''';
END
$$;

-- pg_cron's runs of those jobs, the message cut to 500 characters.
CREATE FUNCTION student_etl._pipeline_cron_runs()
RETURNS TABLE (runid bigint, jobid bigint, jobname text, status text, start_time timestamptz,
               end_time timestamptz, return_message text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.to_regclass('cron.job_run_details') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT d.runid, d.jobid, j.jobname::text, d.status::text, d.start_time, d.end_time,
                left(d.return_message, 500)
           FROM cron.job_run_details d JOIN cron.job j ON j.jobid = d.jobid
          WHERE j.command LIKE ''%student_etl%''';
END
$$;

-- The *.csv files in student_etl.inbox_dir (set only in the server's configuration), and
-- whether content of that name was already loaded from there.
CREATE FUNCTION student_etl._pipeline_inbox_files()
RETURNS TABLE (file_name text, size bigint, modified timestamptz, loaded boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dir text := rtrim(coalesce(current_setting('student_etl.inbox_dir', true), ''), '/');
BEGIN
    IF dir = '' THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT f, s.size, s.modification,
           EXISTS (SELECT FROM student_etl.load_runs r
                    WHERE regexp_replace(r.file_path, '^.*/', '') = f AND r.status IN ('loaded', 'skipped'))
      FROM pg_ls_dir(dir, true, false) AS f
     CROSS JOIN LATERAL pg_stat_file(dir || '/' || f, true) AS s
     WHERE f ~* '\.csv$' AND f !~ '^\.' AND NOT s.isdir;
END
$$;

CREATE VIEW student_etl.pipeline_schedules AS
SELECT jobid, jobname, schedule, command, active, username FROM student_etl._pipeline_cron_jobs();
COMMENT ON VIEW student_etl.pipeline_schedules IS
    'pg_cron jobs of student_etl (schedule in GMT), whoever owns them; empty without pg_cron.';

CREATE VIEW student_etl.pipeline_job_runs AS
SELECT runid, jobid, jobname, status, start_time, end_time,
       extract(epoch FROM end_time - start_time)::double precision AS duration_seconds, return_message
  FROM student_etl._pipeline_cron_runs();
COMMENT ON VIEW student_etl.pipeline_job_runs IS
    'pg_cron runs of the student_etl jobs: status, times, message (500 characters); empty without pg_cron.';

CREATE VIEW student_etl.inbox_files AS
SELECT file_name, size, modified, loaded FROM student_etl._pipeline_inbox_files();
COMMENT ON VIEW student_etl.inbox_files IS
    'Deliveries (*.csv) waiting in student_etl.inbox_dir: name, size, time, already loaded or not.';

-- Failed loads and why, for the dashboards: the error without server paths (every path
-- reduced to its last component), at most 300 characters. Whole-file errors name the file
-- and, for a bad header, the header's column names -- never a student record.
CREATE VIEW student_etl.load_failures AS
SELECT run_id, subject, regexp_replace(file_path, '^.*/', '') AS file_name, started_at, finished_at,
       left(regexp_replace(error, '(^|[[:space:]"''(=])/([^[:space:]"'']*/)?', '\1', 'g'), 300) AS error
  FROM student_etl.load_runs
 WHERE status = 'failed';
COMMENT ON VIEW student_etl.load_failures IS
    'Failed loads: run, subject, file name and the error (no server path, 300 characters).';

INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    ('dashboard', 'TABLE student_etl.pipeline_schedules', 'SELECT'),
    ('dashboard', 'TABLE student_etl.pipeline_job_runs', 'SELECT'),
    ('dashboard', 'TABLE student_etl.inbox_files', 'SELECT'),
    ('dashboard', 'TABLE student_etl.load_failures', 'SELECT'),
    -- A view's functions are called with the reader's rights: the readers need EXECUTE.
    ('dashboard', 'FUNCTION student_etl._pipeline_cron_jobs()', 'EXECUTE'),
    ('dashboard', 'FUNCTION student_etl._pipeline_cron_runs()', 'EXECUTE'),
    ('dashboard', 'FUNCTION student_etl._pipeline_inbox_files()', 'EXECUTE');
COMMENT ON FUNCTION student_etl._pipeline_cron_jobs() IS
    'pg_cron jobs whose command calls student_etl, with their owner''s name; empty without pg_cron. Read through pipeline_schedules.';
COMMENT ON FUNCTION student_etl._pipeline_cron_runs() IS
    'pg_cron''s runs of those jobs, the message cut to 500 characters; empty without pg_cron. Read through pipeline_job_runs.';
COMMENT ON FUNCTION student_etl._pipeline_inbox_files() IS
    'The *.csv files waiting in student_etl.inbox_dir, and whether their content was loaded already. Read through inbox_files.';
