-- Scheduled deliveries: pg_cron jobs whose command is a fixed call of enqueue(). pg_cron is
-- optional; these functions look it up at call time and say so clearly when it is missing.
CREATE TABLE student_etl.load_schedules (
    job_name    text PRIMARY KEY,
    path        text NOT NULL CHECK (path ~ '^/'),
    subject     text CHECK (subject IN ('math', 'portuguese')),
    strict_every_other_day boolean NOT NULL DEFAULT false,
    cron_jobid  bigint NOT NULL,
    created_by  name NOT NULL DEFAULT CURRENT_USER,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
COMMENT ON TABLE student_etl.load_schedules IS
    'Deliveries scheduled with student_etl.schedule_load(): one pg_cron job each.';
SELECT pg_catalog.pg_extension_config_dump('student_etl.load_schedules', '');

-- Raises unless pg_cron is installed in this database.
CREATE FUNCTION student_etl._require_pg_cron()
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
            USING ERRCODE = 'undefined_object',
                  HINT = format('Add pg_cron to shared_preload_libraries, set cron.database_name = %L '
                                'and run CREATE EXTENSION pg_cron there (cron.database_name is now %s).',
                                current_database(),
                                coalesce(quote_literal(current_setting('cron.database_name', true)), 'unset'));
    END IF;
END
$$;

-- The pg_cron command of a scheduled delivery: fixed text around quoted literals.
CREATE FUNCTION student_etl._schedule_command(path text, subject text, strict_every_other_day boolean)
RETURNS text LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('SELECT student_etl.enqueue(%L, %L)', path, subject)
        || CASE WHEN strict_every_other_day
                THEN ' WHERE (current_date - date ''2000-01-01'') % 2 = 0' ELSE '' END
$$;

CREATE FUNCTION student_etl.schedule_load(job_name text, schedule text, path_or_dir text,
                                          subject text DEFAULT NULL,
                                          strict_every_other_day boolean DEFAULT false)
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    jobid bigint;
    subj text := CASE lower(subject) WHEN 'math' THEN 'math' WHEN 'mat' THEN 'math'
                                     WHEN 'portuguese' THEN 'portuguese' WHEN 'por' THEN 'portuguese' END;
BEGIN
    PERFORM student_etl._require_pg_cron();
    IF job_name IS NULL OR job_name = '' OR schedule IS NULL OR path_or_dir IS NULL THEN
        RAISE EXCEPTION 'job_name, schedule and path_or_dir must be given' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF path_or_dir !~ '^/' THEN
        RAISE EXCEPTION 'delivery path "%" must be absolute', path_or_dir USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF subject IS NOT NULL AND subj IS NULL THEN
        RAISE EXCEPTION 'subject "%" is not one of math, portuguese', subject USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The same privilege as load() and enqueue(): the cron job will run as this role.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'pg_read_server_files', 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to schedule deliveries' USING ERRCODE = 'insufficient_privilege';
    END IF;
    jobid := cron.schedule(job_name, schedule,
                           student_etl._schedule_command(path_or_dir, subj, strict_every_other_day));
    INSERT INTO student_etl.load_schedules AS s (job_name, path, subject, strict_every_other_day, cron_jobid)
    VALUES (job_name, path_or_dir, subj, strict_every_other_day, jobid)
    ON CONFLICT ON CONSTRAINT load_schedules_pkey DO UPDATE
       SET path = excluded.path, subject = excluded.subject,
           strict_every_other_day = excluded.strict_every_other_day, cron_jobid = excluded.cron_jobid,
           created_by = excluded.created_by, created_at = excluded.created_at;
    RETURN jobid;
END
$$;

COMMENT ON FUNCTION student_etl.schedule_load(text, text, text, text, boolean) IS
    'Schedule a delivery with pg_cron: at each tick the worker loads path_or_dir (a file, or every settled file of a directory). strict_every_other_day adds a day-parity guard: pair it with a daily schedule.';

CREATE FUNCTION student_etl.unschedule_load(job_name text)
RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    sched student_etl.load_schedules;
BEGIN
    PERFORM student_etl._require_pg_cron();
    SELECT * INTO sched FROM student_etl.load_schedules s WHERE s.job_name = unschedule_load.job_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no scheduled load named "%"', job_name USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM cron.unschedule(j.jobid) FROM cron.job j WHERE j.jobid = sched.cron_jobid;
    DELETE FROM student_etl.load_schedules s WHERE s.job_name = unschedule_load.job_name;
    RETURN true;
END
$$;

COMMENT ON FUNCTION student_etl.unschedule_load(text) IS 'Remove a delivery scheduled with schedule_load().';

-- The scheduled deliveries with their pg_cron job and the last outcome of each: the last cron
-- run (did the enqueue happen) and the last queued job for the path (did the load succeed).
CREATE FUNCTION student_etl.scheduled_load_list()
RETURNS TABLE (job_name text, schedule text, path text, subject text, strict_every_other_day boolean,
               active boolean, cron_jobid bigint, username text, database text,
               last_cron_status text, last_cron_message text, last_cron_start timestamptz,
               last_job_id bigint, last_job_state text, last_run_id bigint, last_run_status text,
               last_error text, last_finished_at timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM student_etl._require_pg_cron();
    RETURN QUERY
    SELECT s.job_name, j.schedule, s.path, s.subject, s.strict_every_other_day,
           j.active, s.cron_jobid, j.username, j.database,
           d.status, d.return_message, d.start_time,
           q.job_id, q.state, q.run_id, r.status, coalesce(q.error, r.error), q.finished_at
      FROM student_etl.load_schedules s
      LEFT JOIN cron.job j ON j.jobid = s.cron_jobid
      LEFT JOIN LATERAL (SELECT dd.status, dd.return_message, dd.start_time
                           FROM cron.job_run_details dd WHERE dd.jobid = s.cron_jobid
                          ORDER BY dd.runid DESC LIMIT 1) d ON true
      LEFT JOIN LATERAL (SELECT qq.job_id, qq.state, qq.run_id, qq.error, qq.finished_at
                           FROM student_etl.load_jobs qq
                          WHERE qq.path = s.path OR qq.path = s.path || '/'
                          ORDER BY qq.job_id DESC LIMIT 1) q ON true
      LEFT JOIN student_etl.load_runs r ON r.run_id = q.run_id
     ORDER BY s.job_name;
END
$$;

CREATE VIEW student_etl.scheduled_loads AS SELECT * FROM student_etl.scheduled_load_list();
COMMENT ON VIEW student_etl.scheduled_loads IS
    'Scheduled deliveries: pg_cron job, schedule, and the outcome of the last cron run and of the last load of the path.';

REVOKE ALL ON FUNCTION student_etl._require_pg_cron(), student_etl._schedule_command(text, text, boolean),
    student_etl.schedule_load(text, text, text, text, boolean), student_etl.unschedule_load(text),
    student_etl.scheduled_load_list() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION student_etl._require_pg_cron(), student_etl._schedule_command(text, text, boolean),
    student_etl.schedule_load(text, text, text, text, boolean), student_etl.unschedule_load(text),
    student_etl.scheduled_load_list() TO pg_read_server_files;
GRANT SELECT, INSERT, UPDATE, DELETE ON student_etl.load_schedules TO pg_read_server_files;
GRANT SELECT ON student_etl.scheduled_loads TO pg_read_server_files;
