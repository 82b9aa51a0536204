-- Scheduled deliveries: pg_cron jobs whose command is a fixed call of enqueue(), run by pg_cron
-- as the role that scheduled it -- never as a superuser -- so the queued job is that role's
-- too. A schedule belongs to its role (by OID): a loader sees, replaces and removes only its
-- own; an admin sees all and may remove any. pg_cron is optional; these functions look it up
-- at call time and say so clearly when it is missing.
CREATE TABLE student_etl.load_schedules (
    job_name    text NOT NULL,
    path        text NOT NULL CHECK (path ~ '^/'),
    subject     text CHECK (subject IN ('math', 'portuguese')),
    strict_every_other_day boolean NOT NULL DEFAULT false,
    cron_jobid  bigint NOT NULL,
    owner       regrole NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    CONSTRAINT load_schedules_pkey PRIMARY KEY (owner, job_name)
);
COMMENT ON TABLE student_etl.load_schedules IS
    'Deliveries scheduled with student_etl.schedule_load(): one pg_cron job each, owned by the role that scheduled it.';
COMMENT ON COLUMN student_etl.load_schedules.owner IS
    'The role that called schedule_load() (by OID); pg_cron runs the job as this role.';
ALTER TABLE student_etl.load_schedules ENABLE ROW LEVEL SECURITY;
CREATE POLICY load_schedules_own_or_admin ON student_etl.load_schedules FOR SELECT
    USING (pg_catalog.pg_has_role(owner::oid, 'USAGE') OR student_etl._has_profile(current_user::regrole, 'admin'));
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

-- schedule_load() for `caller` (owner_call.cpp passes the real caller).
CREATE FUNCTION student_etl._schedule_load(caller regrole, job_name text, schedule text, path_or_dir text,
                                           subject text, strict_every_other_day boolean)
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    jobid bigint;
    old_jobid bigint;
    subj text := CASE lower(subject) WHEN 'math' THEN 'math' WHEN 'mat' THEN 'math'
                                     WHEN 'portuguese' THEN 'portuguese' WHEN 'por' THEN 'portuguese' END;
BEGIN
    PERFORM student_etl._require_pg_cron();
    IF NOT student_etl._has_profile(caller, 'loader') THEN
        RAISE EXCEPTION 'permission denied to schedule deliveries' USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Role %s does not hold the student_etl profile "loader".', caller);
    END IF;
    IF job_name IS NULL OR job_name = '' OR schedule IS NULL OR path_or_dir IS NULL THEN
        RAISE EXCEPTION 'job_name, schedule and path_or_dir must be given' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF path_or_dir !~ '^/' THEN
        RAISE EXCEPTION 'delivery path "%" must be absolute', path_or_dir USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF subject IS NOT NULL AND subj IS NULL THEN
        RAISE EXCEPTION 'subject "%" is not one of math, portuguese', subject USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT s.cron_jobid INTO old_jobid FROM student_etl.load_schedules s
     WHERE s.owner = caller AND s.job_name = _schedule_load.job_name;
    -- pg_cron runs the job as the caller (pg_cron keys jobs by name and user, so the same
    -- name of another role is another job).
    jobid := cron.schedule_in_database(job_name, schedule,
                                       student_etl._schedule_command(path_or_dir, subj, strict_every_other_day),
                                       current_database(),
                                       (SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = caller::oid), true);
    IF old_jobid IS NOT NULL AND old_jobid <> jobid THEN
        PERFORM cron.unschedule(j.jobid) FROM cron.job j WHERE j.jobid = old_jobid;
    END IF;
    INSERT INTO student_etl.load_schedules AS s (owner, job_name, path, subject, strict_every_other_day, cron_jobid)
    VALUES (caller, job_name, path_or_dir, subj, strict_every_other_day, jobid)
    ON CONFLICT ON CONSTRAINT load_schedules_pkey DO UPDATE
       SET path = excluded.path, subject = excluded.subject,
           strict_every_other_day = excluded.strict_every_other_day, cron_jobid = excluded.cron_jobid,
           created_at = excluded.created_at;
    RETURN jobid;
END
$$;

CREATE FUNCTION student_etl.schedule_load(job_name text, schedule text, path_or_dir text,
                                          subject text DEFAULT NULL,
                                          strict_every_other_day boolean DEFAULT false)
RETURNS bigint
AS 'MODULE_PATHNAME', 'student_etl_owner_call'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl.schedule_load(text, text, text, text, boolean) IS
    'Schedule a delivery with pg_cron, run as you: at each tick the worker loads path_or_dir (a file, or every settled delivery of a directory). The same name replaces your schedule of that name. strict_every_other_day adds a day-parity guard: pair it with a daily schedule.';

-- unschedule_load() for `caller`: its own schedule, or with owner_name another role's (admin).
CREATE FUNCTION student_etl._unschedule_load(caller regrole, job_name text, owner_name name)
RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target regrole := caller;
    sched student_etl.load_schedules;
BEGIN
    PERFORM student_etl._require_pg_cron();
    IF owner_name IS NOT NULL THEN
        SELECT oid::regrole INTO target FROM pg_catalog.pg_roles WHERE rolname = owner_name;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'role "%" does not exist', owner_name USING ERRCODE = 'undefined_object';
        END IF;
    END IF;
    IF NOT (pg_catalog.pg_has_role(caller::oid, target::oid, 'USAGE') AND student_etl._has_profile(caller, 'loader'))
       AND NOT student_etl._has_profile(caller, 'admin') THEN
        RAISE EXCEPTION 'permission denied to unschedule deliveries of role %', target
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO sched FROM student_etl.load_schedules s
     WHERE s.owner = target AND s.job_name = _unschedule_load.job_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no scheduled load named "%" for role %', job_name, target USING ERRCODE = 'undefined_object';
    END IF;
    -- The pg_cron job goes with it, or nothing goes (an error here rolls both back).
    PERFORM cron.unschedule(j.jobid) FROM cron.job j WHERE j.jobid = sched.cron_jobid;
    DELETE FROM student_etl.load_schedules s WHERE s.owner = target AND s.job_name = _unschedule_load.job_name;
    RETURN true;
END
$$;

CREATE FUNCTION student_etl.unschedule_load(job_name text, owner_name name DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'student_etl_owner_call'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl.unschedule_load(text, name) IS
    'Remove your delivery scheduled with schedule_load(), and its pg_cron job; an admin may name another role''s with owner_name.';

-- The scheduled deliveries `caller` may see (its own, or all for an admin) with their pg_cron
-- job and the last outcome of each: the last cron run (did the enqueue happen) and the last
-- queued job of the schedule's owner for the path (did the load succeed).
CREATE FUNCTION student_etl._scheduled_load_list(caller regrole)
RETURNS TABLE (job_name text, owner text, schedule text, path text, subject text, strict_every_other_day boolean,
               active boolean, cron_jobid bigint, database text,
               last_cron_status text, last_cron_message text, last_cron_start timestamptz,
               last_job_id bigint, last_job_state text, last_run_id bigint, last_run_status text,
               last_error text, last_finished_at timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM student_etl._require_pg_cron();
    RETURN QUERY
    SELECT s.job_name, s.owner::text, j.schedule, s.path, s.subject, s.strict_every_other_day,
           j.active, s.cron_jobid, j.database,
           d.status, d.return_message, d.start_time,
           q.job_id, q.state, q.run_id, r.status, coalesce(q.error, r.error), q.finished_at
      FROM student_etl.load_schedules s
      LEFT JOIN cron.job j ON j.jobid = s.cron_jobid
      LEFT JOIN LATERAL (SELECT dd.status, dd.return_message, dd.start_time
                           FROM cron.job_run_details dd WHERE dd.jobid = s.cron_jobid
                          ORDER BY dd.runid DESC LIMIT 1) d ON true
      LEFT JOIN LATERAL (SELECT qq.job_id, qq.state, qq.run_id, qq.error, qq.finished_at
                           FROM student_etl.load_jobs qq
                          WHERE qq.enqueued_by = s.owner AND (qq.path = s.path OR qq.path = s.path || '/')
                          ORDER BY qq.job_id DESC LIMIT 1) q ON true
      LEFT JOIN student_etl.load_runs r ON r.run_id = q.run_id
     WHERE pg_catalog.pg_has_role(caller::oid, s.owner::oid, 'USAGE') OR student_etl._has_profile(caller, 'admin')
     ORDER BY s.job_name, s.owner::text;
END
$$;

CREATE FUNCTION student_etl.scheduled_load_list()
RETURNS TABLE (job_name text, owner text, schedule text, path text, subject text, strict_every_other_day boolean,
               active boolean, cron_jobid bigint, database text,
               last_cron_status text, last_cron_message text, last_cron_start timestamptz,
               last_job_id bigint, last_job_state text, last_run_id bigint, last_run_status text,
               last_error text, last_finished_at timestamptz)
AS 'MODULE_PATHNAME', 'student_etl_owner_call'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl.scheduled_load_list() IS
    'Your scheduled deliveries (all of them for an admin) with their pg_cron job and the outcome of the last cron run and of the last load of the path.';

CREATE VIEW student_etl.scheduled_loads AS SELECT * FROM student_etl.scheduled_load_list();
COMMENT ON VIEW student_etl.scheduled_loads IS
    'Scheduled deliveries (yours, or all for an admin): pg_cron job, schedule, and the outcome of the last cron run and of the last load of the path.';
COMMENT ON FUNCTION student_etl._require_pg_cron() IS
    'Raises unless pg_cron is installed in this database: the schedule helpers need it.';
COMMENT ON FUNCTION student_etl._schedule_command(text, text, boolean) IS
    'The pg_cron command of a scheduled delivery: SELECT student_etl.enqueue(path, subject), with the strict every-other-day guard when asked.';
COMMENT ON FUNCTION student_etl._schedule_load(regrole, text, text, text, text, boolean) IS
    'schedule_load() for caller: the pg_cron job, run as caller, and its load_schedules row. Owner only.';
COMMENT ON FUNCTION student_etl._unschedule_load(regrole, text, name) IS
    'unschedule_load() for caller: removes the schedule and its pg_cron job together (another role''s for an admin). Owner only.';
COMMENT ON FUNCTION student_etl._scheduled_load_list(regrole) IS
    'The scheduled deliveries caller may see (its own; all for an admin), with the last cron run and the last queued load of each. Owner only; read through scheduled_loads.';
