-- student_etl 0.1.0 -> 0.2.0 (ALTER EXTENSION student_etl UPDATE).
--
-- The trust model: rights come from profiles (dashboard < analyst < loader < admin, granted
-- with grant_access()); users hold at most SELECT and the extension's functions write as its
-- owner; jobs and schedules belong to their role by OID; pg_read_server_files no longer loads.
-- Rejects are also kept structured (reject_issues), and load() returns one row (OUT
-- parameters). The result equals a fresh 0.2.0 install (test/integration/upgrade.sh).
\echo Use "ALTER EXTENSION student_etl UPDATE TO '0.2.0'" to load this file. \quit

-- ---- profiles (as src/sql/06_access.sql) ----------------------------------------------------
CREATE TABLE student_etl.profiles (
    profile     text PRIMARY KEY,
    rank        smallint NOT NULL UNIQUE,
    description text NOT NULL
);
INSERT INTO student_etl.profiles (profile, rank, description) VALUES
    ('dashboard', 1, 'The aggregate views Grafana reads: no student-level row, no delivered value. Read-only role defaults and a statement_timeout.'),
    ('analyst',   2, 'Adds the student-level facts and metrics and the rejected records of every run. Read-only role default.'),
    ('loader',    3, 'Adds load(), enqueue(), its own schedules and queued jobs, and the load audit (load_runs).'),
    ('admin',     4, 'Everything: every role''s jobs and schedules, and the extension''s own bookkeeping.');
COMMENT ON TABLE student_etl.profiles IS 'The access profiles, lowest first; each includes the rights of those below it.';

CREATE TABLE student_etl.role_profiles (
    role        regrole NOT NULL,
    profile     text NOT NULL REFERENCES student_etl.profiles,
    granted_by  name NOT NULL,
    granted_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    PRIMARY KEY (role, profile)
);
COMMENT ON TABLE student_etl.role_profiles IS
    'Profiles granted with student_etl.grant_access(): role (by OID), profile, who granted it and when.';
SELECT pg_catalog.pg_extension_config_dump('student_etl.role_profiles', '');

CREATE TABLE student_etl.profile_rights (
    profile   text NOT NULL REFERENCES student_etl.profiles,
    object    text NOT NULL,
    privilege text NOT NULL,
    PRIMARY KEY (object, privilege)
);
COMMENT ON TABLE student_etl.profile_rights IS
    'The privilege matrix: object (as GRANT names it), privilege, and the lowest profile that holds it.';

CREATE FUNCTION student_etl._has_profile(who regrole, wanted text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
SELECT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = who::oid AND r.rolsuper)
    OR EXISTS (SELECT FROM student_etl.role_profiles g
                 JOIN student_etl.profiles p ON p.profile = g.profile
                 JOIN pg_catalog.pg_roles r ON r.oid = g.role::oid
                WHERE p.rank >= (SELECT w.rank FROM student_etl.profiles w WHERE w.profile = wanted)
                  AND pg_catalog.pg_has_role(who::oid, g.role::oid, 'USAGE'))
$$;
COMMENT ON FUNCTION student_etl._has_profile(regrole, text) IS
    'Internal: does the role hold the profile (or a higher one), directly, through an inherited role, or as a superuser.';

CREATE FUNCTION student_etl._apply_profile_rights(target regrole, dashboard_timeout text DEFAULT '5s')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    top smallint;
    r record;
BEGIN
    SELECT max(p.rank) INTO top
      FROM student_etl.role_profiles g JOIN student_etl.profiles p ON p.profile = g.profile
     WHERE g.role = target;
    FOR r IN SELECT DISTINCT object FROM student_etl.profile_rights LOOP
        EXECUTE format('REVOKE ALL ON %s FROM %s', r.object, target);
    END LOOP;
    FOR r IN SELECT x.object, x.privilege FROM student_etl.profile_rights x
               JOIN student_etl.profiles p ON p.profile = x.profile
              WHERE p.rank <= coalesce(top, 0) LOOP
        EXECUTE format('GRANT %s ON %s TO %s', r.privilege, r.object, target);
    END LOOP;
    IF top IS NULL OR top >= 3 THEN
        EXECUTE format('ALTER ROLE %s RESET default_transaction_read_only', target);
    ELSE
        EXECUTE format('ALTER ROLE %s SET default_transaction_read_only = on', target);
    END IF;
    IF top = 1 THEN
        EXECUTE format('ALTER ROLE %s SET statement_timeout = %L', target, dashboard_timeout);
    ELSIF top IS NULL THEN
        EXECUTE format('ALTER ROLE %s RESET statement_timeout', target);
    END IF;
END
$$;
COMMENT ON FUNCTION student_etl._apply_profile_rights(regrole, text) IS
    'Internal: makes a role''s privileges on the extension''s objects exactly what its profiles carry.';

CREATE FUNCTION student_etl._require_access_manager(caller regrole)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = caller::oid AND r.rolsuper)
       AND caller::oid <> (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'student_etl') THEN
        RAISE EXCEPTION 'permission denied to manage student_etl access'
              USING ERRCODE = 'insufficient_privilege',
                    DETAIL = 'Only a superuser or the owner of the extension may grant or revoke profiles.';
    END IF;
END
$$;

CREATE FUNCTION student_etl._grant_access(caller regrole, role_name name, profile text, dashboard_timeout text DEFAULT '5s')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r pg_catalog.pg_roles%ROWTYPE;
BEGIN
    PERFORM student_etl._require_access_manager(caller);
    SELECT * INTO r FROM pg_catalog.pg_roles WHERE rolname = role_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT EXISTS (SELECT FROM student_etl.profiles p WHERE p.profile = _grant_access.profile) THEN
        RAISE EXCEPTION 'profile "%" does not exist', profile USING ERRCODE = 'invalid_parameter_value',
              HINT = 'The profiles are dashboard, analyst, loader and admin.';
    END IF;
    IF profile = 'dashboard' AND (r.rolsuper OR r.rolbypassrls OR r.rolreplication OR r.rolcreaterole OR r.rolcreatedb) THEN
        RAISE EXCEPTION 'role "%" has attributes beyond reading; a dashboard role must not', role_name
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO student_etl.role_profiles AS g (role, profile, granted_by)
    VALUES (r.oid::regrole, profile, caller::text)
    ON CONFLICT ON CONSTRAINT role_profiles_pkey DO UPDATE
       SET granted_by = excluded.granted_by, granted_at = excluded.granted_at;
    PERFORM student_etl._apply_profile_rights(r.oid::regrole, dashboard_timeout);
END
$$;

CREATE FUNCTION student_etl._revoke_access(caller regrole, role_name name, profile text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    role_oid oid;
BEGIN
    PERFORM student_etl._require_access_manager(caller);
    SELECT oid INTO role_oid FROM pg_catalog.pg_roles WHERE rolname = role_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = 'undefined_object';
    END IF;
    DELETE FROM student_etl.role_profiles g
     WHERE g.role = role_oid::regrole AND (_revoke_access.profile IS NULL OR g.profile = _revoke_access.profile);
    PERFORM student_etl._apply_profile_rights(role_oid::regrole);
END
$$;

CREATE FUNCTION student_etl.grant_access(role_name name, profile text)
RETURNS void
AS 'MODULE_PATHNAME', 'student_etl_owner_call'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl.grant_access(name, text) IS
    'Give a role a profile (dashboard, analyst, loader, admin) and the grants it carries. Superuser or extension owner only.';

CREATE FUNCTION student_etl.revoke_access(role_name name, profile text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'student_etl_owner_call'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl.revoke_access(name, text) IS
    'Take a profile (or, with NULL, every profile) from a role; its grants follow what it still holds. Superuser or extension owner only.';

CREATE VIEW student_etl.access AS
SELECT g.role::text AS role_name, g.profile, p.rank, g.granted_by, g.granted_at
  FROM student_etl.role_profiles g
  JOIN student_etl.profiles p ON p.profile = g.profile
 WHERE EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = g.role::oid)
   AND (pg_catalog.pg_has_role(g.role::oid, 'USAGE') OR student_etl._has_profile(current_user::regrole, 'admin'));
COMMENT ON VIEW student_etl.access IS
    'Profiles granted to roles (yours, or every role''s for an admin): role, profile, rank, who granted it and when.';

-- ---- backup: the identity sequences are dumped with the data ------------------------------------
-- 0.1.0 registered only the tables: a restored database handed out run ids already taken.
SELECT pg_catalog.pg_extension_config_dump('student_etl.load_runs_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('student_etl.load_jobs_job_id_seq', '');

-- ---- load_runs: loaded_by is set by the extension only ----------------------------------------
ALTER TABLE student_etl.load_runs ALTER COLUMN loaded_by DROP DEFAULT;
-- A self-referencing foreign key made pg_dump warn of a cycle on every backup; only the
-- extension writes duplicate_of (the loaded run it found under the checksum lock).
ALTER TABLE student_etl.load_runs DROP CONSTRAINT load_runs_duplicate_of_fkey;
COMMENT ON COLUMN student_etl.load_runs.duplicate_of IS
    'For skipped runs: the run that loaded this content (always an earlier loaded run; not a declared foreign key, which would make pg_dump warn of a cycle on every backup).';
COMMENT ON COLUMN student_etl.load_runs.loaded_by IS
    'The role the delivery was loaded for: who called load(), or the owner of the queued job. Set by the extension, never by a user.';

-- ---- retention: purged runs keep their audit row ---------------------------------------------------
ALTER TABLE student_etl.load_runs ADD COLUMN purged_at timestamptz
    CONSTRAINT load_runs_purged_only_if_loaded CHECK (purged_at IS NULL OR status = 'loaded');
COMMENT ON COLUMN student_etl.load_runs.purged_at IS
    'When student_etl.purge() removed this loaded run''s rows, rejects and facet cells; the audit row stays.';
DROP INDEX student_etl.load_runs_one_load_per_checksum;
CREATE UNIQUE INDEX load_runs_one_load_per_checksum
    ON student_etl.load_runs (checksum) WHERE status = 'loaded' AND purged_at IS NULL;
-- Loads look up loaded files of their size: only such a file can be a duplicate, and only
-- then is the checksum computed before the parse pass.
CREATE INDEX load_runs_loaded_size
    ON student_etl.load_runs (file_size) WHERE status = 'loaded' AND purged_at IS NULL;

-- ---- structured rejects ------------------------------------------------------------------------
CREATE TABLE student_etl.reject_issues (
    run_id      bigint   NOT NULL,
    line_number bigint   NOT NULL,
    issue_no    smallint NOT NULL CHECK (issue_no > 0),
    column_name text,
    rule        text     NOT NULL,
    value       text,
    PRIMARY KEY (run_id, line_number, issue_no)
);
COMMENT ON TABLE student_etl.reject_issues IS
    'One row per problem of a rejected record: column (null for a record-level problem such as a wrong field count), rule, and the delivered value (printable, capped).';
COMMENT ON COLUMN student_etl.reject_issues.rule IS
    'empty_value, not_a_whole_number, out_of_range, not_yes_or_no, unknown_code, wrong_field_count, field_too_long, record_too_long, malformed_quoting, unbalanced_quote (docs/analyst.md).';
SELECT pg_catalog.pg_extension_config_dump('student_etl.reject_issues', '');

-- 0.1.0 kept only the reason text; split it once here (a problem starts at '; column "'), so
-- that from now on nothing parses reasons.
INSERT INTO student_etl.reject_issues (run_id, line_number, issue_no, column_name, rule, value)
SELECT x.run_id, x.line_number, p.n,
       lower(substring(p.part FROM '^column "([^"]+)": ')),
       CASE WHEN p.part ~ '^column "[^"]+": empty value$' THEN 'empty_value'
            WHEN p.part ~ ' is out of range [0-9]+\.\.[0-9]+$' THEN 'out_of_range'
            WHEN p.part ~ ' is not a whole number$' THEN 'not_a_whole_number'
            WHEN p.part ~ ' is not yes or no$' THEN 'not_yes_or_no'
            WHEN p.part ~ ' is not one of ' THEN 'unknown_code'
            WHEN p.part ~ '^expected [0-9]+ fields, found [0-9]+$' THEN 'wrong_field_count'
            WHEN p.part ~ '^field longer than ' THEN 'field_too_long'
            WHEN p.part ~ '^record longer than ' THEN 'record_too_long'
            WHEN p.part ~ '^malformed quoting' THEN 'malformed_quoting'
            ELSE 'invalid_value' END,
       CASE WHEN p.part ~ '^column "[^"]+": empty value$' THEN ''
            ELSE substring(p.part FROM '^column "[^"]+": "?(.*?)"? is (?:out of range|not a whole number|not yes or no|not one of)') END
  FROM student_etl.rejected_rows x
 CROSS JOIN LATERAL regexp_split_to_table(x.reason, '; (?=column ")') WITH ORDINALITY AS p(part, n);

-- ---- load(): one row out ----------------------------------------------------------------------
DROP FUNCTION student_etl.load(text, text);
CREATE FUNCTION student_etl.load(path text, subject text DEFAULT NULL,
                                 OUT run_id bigint, OUT status text, OUT subject text,
                                 OUT rows_read bigint, OUT rows_loaded bigint, OUT rows_rejected bigint)
AS 'MODULE_PATHNAME', 'student_etl_load'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl.load(text, text) IS
    'Load one delivery file (server path under student_etl.allowed_dirs) into student_performance, in one transaction, as you (loader profile).';

-- ---- the queue: jobs belong to their role by OID -------------------------------------------------
ALTER TABLE student_etl.load_jobs ALTER COLUMN enqueued_by DROP DEFAULT;
-- A role dropped since it queued a job has no OID any more: '-' (0), which no role matches.
ALTER TABLE student_etl.load_jobs ALTER COLUMN enqueued_by TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(enqueued_by::text)), '-'::regrole);
COMMENT ON COLUMN student_etl.load_jobs.enqueued_by IS
    'The role that called enqueue() (by OID), which the worker loads as. Set by enqueue(), never by a user.';
-- Inbox files become jobs once claimed (claimed/), so a crash-looping file is given up too.
ALTER TABLE student_etl.load_jobs ADD COLUMN spool boolean NOT NULL DEFAULT false, ADD COLUMN moved_to text;
COMMENT ON COLUMN student_etl.load_jobs.spool IS
    'A file the worker claimed from the inbox or a directory job (in claimed/): moved to processed/ or failed/ once its load ends.';
COMMENT ON COLUMN student_etl.load_jobs.moved_to IS 'Where a spool file went after its load (processed/ or failed/).';
COMMENT ON COLUMN student_etl.load_jobs.attempts IS
    'How many times the worker started this job; one interrupted by a crash is given up after student_etl.max_attempts.';
ALTER TABLE student_etl.load_jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY load_jobs_own_or_admin ON student_etl.load_jobs FOR SELECT
    USING (pg_catalog.pg_has_role(enqueued_by::oid, 'USAGE') OR student_etl._has_profile(current_user::regrole, 'admin'));
COMMENT ON FUNCTION student_etl.enqueue(text, text) IS
    'Queue one delivery (or a directory, ending in /) for the background worker, which loads it as the caller; returns the job_id. The worker wakes at commit.';

CREATE FUNCTION student_etl.retry(run_id bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'student_etl_retry'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION student_etl.retry(bigint) IS
    'Queue a failed run''s file again, for you (loader profile): from failed/ if the worker moved it there, else from the path it was loaded from. Returns the job_id.';

-- ---- schedules: keyed by owner and name, run as the owner ----------------------------------------
DROP VIEW student_etl.scheduled_loads;
DROP FUNCTION student_etl.scheduled_load_list();
DROP FUNCTION student_etl.unschedule_load(text);
ALTER TABLE student_etl.load_schedules DROP CONSTRAINT load_schedules_pkey;
ALTER TABLE student_etl.load_schedules RENAME COLUMN created_by TO owner;
ALTER TABLE student_etl.load_schedules ALTER COLUMN owner DROP DEFAULT;
ALTER TABLE student_etl.load_schedules ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner::text)), '-'::regrole);
ALTER TABLE student_etl.load_schedules ADD CONSTRAINT load_schedules_pkey PRIMARY KEY (owner, job_name);
COMMENT ON TABLE student_etl.load_schedules IS
    'Deliveries scheduled with student_etl.schedule_load(): one pg_cron job each, owned by the role that scheduled it.';
COMMENT ON COLUMN student_etl.load_schedules.owner IS
    'The role that called schedule_load() (by OID); pg_cron runs the job as this role.';
ALTER TABLE student_etl.load_schedules ENABLE ROW LEVEL SECURITY;
CREATE POLICY load_schedules_own_or_admin ON student_etl.load_schedules FOR SELECT
    USING (pg_catalog.pg_has_role(owner::oid, 'USAGE') OR student_etl._has_profile(current_user::regrole, 'admin'));

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

CREATE OR REPLACE FUNCTION student_etl.schedule_load(job_name text, schedule text, path_or_dir text,
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

-- ---- dashboard views and the dashboard profile ------------------------------------------------
DROP VIEW student_etl.reject_reasons;

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

CREATE OR REPLACE FUNCTION student_etl.grant_dashboard_access(role_name name, timeout text DEFAULT '5s')
RETURNS void
AS 'MODULE_PATHNAME', 'student_etl_owner_call'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl.grant_dashboard_access(name, text) IS
    'The dashboard profile: grant_access(role, ''dashboard''), with the role''s statement_timeout set to timeout. Superuser or extension owner only.';

-- Retention: a full snapshot of each course arrives every two days, so old deliveries are
-- purged by an admin (or a pg_cron job running as one): their facts, rejects and facet cells
-- go, their load_runs row stays (purged_at set). The latest keep_last loaded deliveries of
-- each subject are always kept -- at least the latest one, which every view reads.
CREATE FUNCTION student_etl._purge(caller regrole, keep_last integer, older_than interval)
RETURNS TABLE (run_id bigint, subject text, loaded_at timestamptz,
               students_removed bigint, rejects_removed bigint, facet_cells_removed bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    IF NOT student_etl._has_profile(caller, 'admin') THEN
        RAISE EXCEPTION 'permission denied to purge deliveries' USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Role %s does not hold the student_etl profile "admin".', caller);
    END IF;
    IF keep_last IS NULL OR keep_last < 1 THEN
        RAISE EXCEPTION 'keep_last must be at least 1: the latest delivery of a subject is never purged'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR r IN SELECT x.run_id, x.subject, x.finished_at
               FROM (SELECT lr.run_id, lr.subject, lr.finished_at,
                            row_number() OVER (PARTITION BY lr.subject ORDER BY lr.run_id DESC) AS newer
                       FROM student_etl.load_runs lr
                      WHERE lr.status = 'loaded' AND lr.purged_at IS NULL) x
              WHERE x.newer > keep_last
                AND (older_than IS NULL OR x.finished_at < clock_timestamp() - older_than)
              ORDER BY x.run_id LOOP
        run_id := r.run_id;
        subject := r.subject;
        loaded_at := r.finished_at;
        DELETE FROM student_etl.student_performance p WHERE p.run_id = r.run_id;
        GET DIAGNOSTICS students_removed = ROW_COUNT;
        DELETE FROM student_etl.rejected_rows x WHERE x.run_id = r.run_id;
        GET DIAGNOSTICS rejects_removed = ROW_COUNT;
        DELETE FROM student_etl.reject_issues i WHERE i.run_id = r.run_id;
        DELETE FROM student_etl.run_facets f WHERE f.run_id = r.run_id;
        GET DIAGNOSTICS facet_cells_removed = ROW_COUNT;
        UPDATE student_etl.load_runs lr SET purged_at = clock_timestamp() WHERE lr.run_id = r.run_id;
        RETURN NEXT;
    END LOOP;
END
$$;

CREATE FUNCTION student_etl.purge(keep_last integer DEFAULT 10, older_than interval DEFAULT NULL)
RETURNS TABLE (run_id bigint, subject text, loaded_at timestamptz,
               students_removed bigint, rejects_removed bigint, facet_cells_removed bigint)
AS 'MODULE_PATHNAME', 'student_etl_owner_call'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl.purge(integer, interval) IS
    'Admin: remove the rows, rejects and facet cells of loaded deliveries beyond the latest keep_last of each subject (and, if given, older than older_than); their load_runs rows stay, marked purged_at. Returns what it removed.';

-- ---- rights: profiles only -------------------------------------------------------------------------
-- 0.1.0's dashboard roles (what grant_dashboard_access() gave SELECT on group_metrics) keep the
-- dashboard profile; pg_read_server_files loses every right here: grant the loader profile to
-- the roles that load (docs/operations.md, "Upgrade").
INSERT INTO student_etl.role_profiles (role, profile, granted_by)
SELECT DISTINCT a.grantee::regrole, 'dashboard', current_user
  FROM pg_catalog.pg_class c
 CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
 WHERE c.oid = 'student_etl.group_metrics'::pg_catalog.regclass
   AND a.privilege_type = 'SELECT' AND a.grantee <> 0 AND a.grantee <> c.relowner
   AND a.grantee <> 'pg_read_server_files'::pg_catalog.regrole;
DO $migrate$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT DISTINCT a.grantee::regrole AS role
               FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
              WHERE c.relnamespace = 'student_etl'::pg_catalog.regnamespace AND a.grantee <> c.relowner
                AND a.grantee <> 0 LOOP
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA student_etl FROM %s', r.role);
        EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA student_etl FROM %s', r.role);
        EXECUTE format('REVOKE ALL ON SCHEMA student_etl FROM %s', r.role);
    END LOOP;
    IF EXISTS (SELECT FROM pg_catalog.pg_auth_members m
                WHERE m.roleid = 'pg_read_server_files'::pg_catalog.regrole) THEN
        RAISE WARNING 'student_etl 0.2.0: members of pg_read_server_files no longer load deliveries'
              USING HINT = 'Give the roles that load the loader profile: SELECT student_etl.grant_access(''role'', ''loader'');';
    END IF;
END
$migrate$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA student_etl FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA student_etl FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA student_etl FROM PUBLIC;
REVOKE ALL ON SCHEMA student_etl FROM PUBLIC;

INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    -- dashboard: aggregates and pipeline state, nothing student-level, no delivered value.
    ('dashboard', 'SCHEMA student_etl', 'USAGE'),
    ('dashboard', 'TABLE student_etl.latest_runs', 'SELECT'),
    ('dashboard', 'TABLE student_etl.group_metrics', 'SELECT'),
    ('dashboard', 'TABLE student_etl.run_metrics', 'SELECT'),
    ('dashboard', 'TABLE student_etl.grade_distribution', 'SELECT'),
    ('dashboard', 'TABLE student_etl.load_history', 'SELECT'),
    ('dashboard', 'TABLE student_etl.reject_reasons', 'SELECT'),
    ('dashboard', 'TABLE student_etl.queue_history', 'SELECT'),
    ('dashboard', 'TABLE student_etl.q1_mother_jobs_of_young_male_students', 'SELECT'),
    ('dashboard', 'TABLE student_etl.q2_rural_most_frequent_traveltime', 'SELECT'),
    ('dashboard', 'TABLE student_etl.q3_top_father_jobs_by_pstatus', 'SELECT'),
    ('dashboard', 'TABLE student_etl.q4_most_frequent_failures_by_famsize', 'SELECT'),
    ('dashboard', 'TABLE student_etl.q5_median_absences_by_famrel_sex', 'SELECT'),
    ('dashboard', 'TABLE student_etl.access', 'SELECT'),
    ('dashboard', 'FUNCTION student_etl._has_profile(regrole, text)', 'EXECUTE'),
    -- analyst: every student-level row and metric, and the rejected records with their values.
    ('analyst', 'TABLE student_etl.student_performance', 'SELECT'),
    ('analyst', 'TABLE student_etl.student_metrics', 'SELECT'),
    ('analyst', 'TABLE student_etl.run_facets', 'SELECT'),
    ('analyst', 'TABLE student_etl.latest_facets', 'SELECT'),
    ('analyst', 'TABLE student_etl.rejected_rows', 'SELECT'),
    ('analyst', 'TABLE student_etl.reject_issues', 'SELECT'),
    ('analyst', 'FUNCTION student_etl.recompute_run_facets(bigint)', 'EXECUTE'),
    -- loader: loading, its own queue and schedules, and the load audit.
    ('loader', 'TABLE student_etl.load_runs', 'SELECT'),
    ('loader', 'TABLE student_etl.load_jobs', 'SELECT'),
    ('loader', 'TABLE student_etl.load_schedules', 'SELECT'),
    ('loader', 'TABLE student_etl.scheduled_loads', 'SELECT'),
    ('loader', 'FUNCTION student_etl.load(text, text)', 'EXECUTE'),
    ('loader', 'FUNCTION student_etl.enqueue(text, text)', 'EXECUTE'),
    ('loader', 'FUNCTION student_etl.retry(bigint)', 'EXECUTE'),
    ('loader', 'FUNCTION student_etl.schedule_load(text, text, text, text, boolean)', 'EXECUTE'),
    ('loader', 'FUNCTION student_etl.unschedule_load(text, name)', 'EXECUTE'),
    ('loader', 'FUNCTION student_etl.scheduled_load_list()', 'EXECUTE'),
    -- admin: every role's rows (row-level security lets it see all) and the bookkeeping.
    ('admin', 'FUNCTION student_etl.purge(integer, interval)', 'EXECUTE'),
    ('admin', 'TABLE student_etl.validated_checks', 'SELECT'),
    ('admin', 'TABLE student_etl.profiles', 'SELECT'),
    ('admin', 'TABLE student_etl.role_profiles', 'SELECT'),
    ('admin', 'TABLE student_etl.profile_rights', 'SELECT');


-- The migrated dashboard roles get exactly the dashboard profile's rights.
SELECT student_etl._apply_profile_rights(g.role) FROM student_etl.role_profiles g;

-- 0.2.0: the pipeline views (src/sql/36_pipeline_views.sql), then the rights they add for
-- every role already holding a profile.
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

-- As 90_privileges.sql does for a fresh install: no EXECUTE for PUBLIC.
REVOKE ALL ON FUNCTION student_etl._pipeline_cron_jobs(), student_etl._pipeline_cron_runs(),
                       student_etl._pipeline_inbox_files() FROM PUBLIC;

SELECT student_etl._apply_profile_rights(g.role) FROM student_etl.role_profiles g;

-- Every function describes itself (test/integration/self_description.sh).
COMMENT ON FUNCTION student_etl._require_access_manager(regrole) IS
    'Raises unless caller is a superuser or the extension''s owner: the one check behind grant_access() and revoke_access().';
COMMENT ON FUNCTION student_etl._grant_access(regrole, name, text, text) IS
    'grant_access() for caller (student_etl_owner_call passes the session''s user): records the profile and applies its rights. Owner only.';
COMMENT ON FUNCTION student_etl._revoke_access(regrole, name, text) IS
    'revoke_access() for caller: removes one profile (NULL: every profile) and applies what is left. Owner only.';
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
COMMENT ON FUNCTION student_etl._grant_dashboard_access(regrole, name, text) IS
    'grant_dashboard_access() for caller: grant_access(role, ''dashboard'') with the role''s statement_timeout. Owner only.';
COMMENT ON FUNCTION student_etl._pipeline_cron_jobs() IS
    'pg_cron jobs whose command calls student_etl, with their owner''s name; empty without pg_cron. Read through pipeline_schedules.';
COMMENT ON FUNCTION student_etl._pipeline_cron_runs() IS
    'pg_cron''s runs of those jobs, the message cut to 500 characters; empty without pg_cron. Read through pipeline_job_runs.';
COMMENT ON FUNCTION student_etl._pipeline_inbox_files() IS
    'The *.csv files waiting in student_etl.inbox_dir, and whether their content was loaded already. Read through inbox_files.';
COMMENT ON FUNCTION student_etl._purge(regrole, integer, interval) IS
    'purge() for caller (admin profile): removes old deliveries'' facts, rejects and facet cells, keeps their load_runs rows. Owner only.';
COMMENT ON FUNCTION student_etl.recompute_run_facets(bigint) IS
    'The facet cells of a run derived again from the fact table with the SQL rules: to check the cells load() wrote while streaming, or to rebuild them.';

-- ==== the analysts' model (issue 13) ===============================================================
-- ---- current and history: the fact table keeps every delivery under a new name; ---------------
-- ---- student_performance becomes the view of the current students (src/sql/22_current.sql) ----
-- A rename keeps every row, the BRIN index, the grants already given and the extension's
-- config_dump entry (kept by OID). Constraint and index names follow the table's new name, as
-- a fresh install names them; validated_checks follows the constraint names.
ALTER TABLE student_etl.student_performance RENAME TO student_performance_history;
ALTER INDEX student_etl.student_performance_run_brin RENAME TO student_performance_history_run_brin;
DO $rename$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT conname FROM pg_catalog.pg_constraint
              WHERE conrelid = 'student_etl.student_performance_history'::pg_catalog.regclass
                AND conname LIKE 'student\_performance\_%' AND conname NOT LIKE 'student\_performance\_history\_%' LOOP
        EXECUTE pg_catalog.format('ALTER TABLE student_etl.student_performance_history RENAME CONSTRAINT %I TO %I',
                                  c.conname, 'student_performance_history_' || pg_catalog.substr(c.conname, 21));
        UPDATE student_etl.validated_checks v
           SET conname = 'student_performance_history_' || pg_catalog.substr(c.conname, 21)
         WHERE v.conname = c.conname;
    END LOOP;
END
$rename$;
COMMENT ON TABLE student_etl.student_performance_history IS
    'One row per loaded student record of every delivery (the history): the 33 attributes of the data dictionary, typed, plus subject, derived columns and lineage.';
COMMENT ON TABLE student_etl.validated_checks IS
    'CHECK constraints of student_performance_history that load() validates itself (snapshot taken at CREATE EXTENSION).';

-- The latest successful load of each subject whose rows are kept (purge() never removes the
-- latest, so "not purged" only makes the rule explicit): what "current" means for the
-- student_performance view, dashboards and the analysts' questions.
CREATE OR REPLACE VIEW student_etl.latest_runs AS
SELECT DISTINCT ON (subject) run_id, subject, file_path, finished_at AS loaded_at, rows_loaded
  FROM student_etl.load_runs
 WHERE status = 'loaded' AND purged_at IS NULL
 ORDER BY subject, run_id DESC;

-- ---- privacy: small groups withheld from dashboards (as src/sql/19_privacy.sql) ----------------
-- Small groups are withheld from dashboards (docs/analyst.md, "Privacy"). Every aggregate view
-- a dashboard reads marks each cell (a group of students and its measures) suppressed when the
-- caller holds no student-level profile (analyst or above) and the cell is one of the cells
-- _withheld() picks in its partition -- the cells that add up to one published total. Their
-- measures read NULL and `suppressed` true.

-- The setting student_etl.min_group_size (superuser-only, default 5), read from the library:
-- calling this loads it, so a placeholder a viewer set before cannot stand in for it.
CREATE FUNCTION student_etl._min_group_size()
RETURNS integer
AS 'MODULE_PATHNAME', 'student_etl_min_group_size'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl._min_group_size() IS
    'Internal: the setting student_etl.min_group_size, from the loaded library.';

-- Given the student counts of every cell of one partition (cells adding up to one total),
-- how many cells, smallest first, the caller must not see: 0 for an analyst (or higher), or
-- when no cell is under min_group_size; otherwise the fewest smallest cells that include
-- every small one, at least two of them (one withheld cell alone would be the total minus the
-- published ones) and together at least min_group_size students (so what subtraction from the
-- total reveals is a group that large) -- or every cell, which withholds the total's whole
-- split. Empty (NULL or 0) cells are no group and are ignored. Views rank their cells by
-- (count, key) and withhold those ranked up to this number.
CREATE FUNCTION student_etl._withheld(counts bigint[])
RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k constant integer := student_etl._min_group_size();
    sorted bigint[];
    cells integer;
    small integer := 0;
    students bigint := 0;
BEGIN
    SELECT pg_catalog.array_agg(c.n ORDER BY c.n) INTO sorted FROM pg_catalog.unnest(counts) AS c(n) WHERE c.n > 0;
    cells := coalesce(pg_catalog.cardinality(sorted), 0);
    WHILE small < cells AND sorted[small + 1] < k LOOP
        small := small + 1;
    END LOOP;
    IF small = 0 OR student_etl._has_profile(current_user::pg_catalog.regrole, 'analyst') THEN
        RETURN 0;
    END IF;
    FOR i IN 1 .. cells LOOP
        students := students + sorted[i];
        IF i >= greatest(small, 2) AND students >= k THEN
            RETURN i;
        END IF;
    END LOOP;
    RETURN cells;
END
$$;
COMMENT ON FUNCTION student_etl._withheld(bigint[]) IS
    'Internal: how many of a partition''s cells (student counts), smallest first, the caller may not see: every cell under student_etl.min_group_size plus complementary cells (at least two, together at least min_group_size students); 0 for analysts and above.';

-- ---- trends per group; group and run metrics withhold small groups (as src/sql/20_student_metrics.sql) ---
-- Every kept loaded delivery (not purged) with the previous one of its subject: the order
-- trends and drift follow.
CREATE VIEW student_etl.delivery_sequence AS
SELECT r.run_id, r.subject, r.finished_at AS loaded_at,
       lag(r.run_id) OVER (PARTITION BY r.subject ORDER BY r.run_id) AS previous_run_id
  FROM student_etl.load_runs r
 WHERE r.status = 'loaded' AND r.purged_at IS NULL;

-- The cells of every kept loaded delivery's group measures, as the caller may see them: one
-- row per run and facet bucket; cells a dashboard may not see (19_privacy.sql) read NULL with
-- suppressed = true. A partition is one run's dimension, whose buckets add up to the run's
-- 'all' row. Internal: group_trends, group_metrics and run_metrics read it (a filter on
-- run_id or dimension reaches run_facets, so the latest delivery costs the same at any history).
CREATE VIEW student_etl._group_cells AS
SELECT c.run_id, c.subject, c.loaded_at, c.previous_run_id, c.facet AS dimension,
       CASE WHEN c.facet = 'all' THEN 'all' ELSE c.key1 END AS bucket,
       CASE WHEN NOT c.suppressed THEN c.students END AS students,
       CASE WHEN NOT c.suppressed THEN round(c.passed::numeric / c.students, 4) END AS pass_rate,
       CASE WHEN NOT c.suppressed THEN round(c.sum_g1::numeric / c.students, 2) END AS mean_g1,
       CASE WHEN NOT c.suppressed THEN round(c.sum_g2::numeric / c.students, 2) END AS mean_g2,
       CASE WHEN NOT c.suppressed THEN round(c.sum_g3::numeric / c.students, 2) END AS mean_g3,
       CASE WHEN NOT c.suppressed THEN round((c.sum_g1 + c.sum_g2 + c.sum_g3)::numeric / (3 * c.students), 2) END AS mean_grade,
       CASE WHEN NOT c.suppressed THEN round(c.sum_absences::numeric / c.students, 2) END AS mean_absences,
       CASE WHEN NOT c.suppressed THEN round(c.at_risk::numeric / c.students, 4) END AS at_risk_share,
       CASE WHEN NOT c.suppressed THEN round(c.sum_alcohol_week::numeric / (7 * c.students), 2) END AS mean_alcohol_index,
       c.suppressed
  FROM (SELECT f.run_id, f.subject, f.facet, f.key1, f.students, f.passed, f.at_risk, f.sum_g1, f.sum_g2,
               f.sum_g3, f.sum_absences, f.sum_alcohol_week, r.loaded_at, r.previous_run_id,
               row_number() OVER (PARTITION BY f.run_id, f.facet ORDER BY f.students, f.key1) <= w.withheld AS suppressed
          FROM student_etl.run_facets f
          JOIN student_etl.delivery_sequence r ON r.run_id = f.run_id
          -- once per partition (not per cell): how many of its smallest cells are withheld
          JOIN (SELECT g.run_id, g.facet, student_etl._withheld(array_agg(g.students)) AS withheld
                  FROM student_etl.run_facets g
                 WHERE g.facet NOT LIKE 'q%' AND g.facet NOT LIKE 'grades%'
                 GROUP BY g.run_id, g.facet) w
            ON w.run_id = f.run_id AND w.facet = f.facet
         WHERE f.facet NOT LIKE 'q%' AND f.facet NOT LIKE 'grades%') c;

-- Group measures of every kept loaded delivery, one row per run and facet bucket: trends per
-- group across deliveries (school, sex, address, ... ; dimensions as in group_metrics), with
-- the change since the same group of the previous delivery of the subject.
CREATE VIEW student_etl.group_trends WITH (security_barrier) AS
SELECT p.run_id, p.subject, p.loaded_at, p.dimension, p.bucket, p.students, p.pass_rate, p.mean_g1,
       p.mean_g2, p.mean_g3, p.mean_grade, p.mean_absences, p.at_risk_share, p.mean_alcohol_index,
       p.suppressed, p.previous_run_id,
       p.students - q.students AS students_change,
       p.pass_rate - q.pass_rate AS pass_rate_change,
       p.mean_g3 - q.mean_g3 AS mean_g3_change,
       p.mean_grade - q.mean_grade AS mean_grade_change
  FROM student_etl._group_cells p
  LEFT JOIN student_etl._group_cells q ON q.run_id = p.previous_run_id AND q.dimension = p.dimension AND q.bucket = p.bucket;

-- Group metrics over the latest load of each subject, one row per facet bucket.
CREATE OR REPLACE VIEW student_etl.group_metrics WITH (security_barrier) AS
SELECT t.subject, t.dimension, t.bucket, t.students, t.pass_rate, t.mean_g1, t.mean_g2, t.mean_g3,
       t.mean_grade, t.mean_absences, t.at_risk_share, t.mean_alcohol_index, t.suppressed
  FROM student_etl.latest_runs r
 CROSS JOIN LATERAL (SELECT * FROM student_etl._group_cells c WHERE c.run_id = r.run_id OFFSET 0) t;

-- The same measures per load run, over time (facet 'all'), with the run's reject count.
CREATE OR REPLACE VIEW student_etl.run_metrics WITH (security_barrier) AS
SELECT r.run_id, r.subject, r.finished_at AS loaded_at, r.rows_loaded, r.rows_rejected,
       t.pass_rate, t.mean_grade, t.mean_g3, t.mean_absences, t.at_risk_share, t.suppressed
  FROM student_etl.load_runs r
  JOIN student_etl._group_cells t ON t.run_id = r.run_id AND t.dimension = 'all'
 WHERE r.status = 'loaded';

-- ---- the questions withhold small groups (as src/sql/21_questions.sql) -------------------------
-- Small cells are withheld from dashboards (19_privacy.sql): counts read NULL with suppressed =
-- true; where the cell is an answer (a most frequent value, a top job, a median) the answer is
-- withheld with its count. Each view names the partition whose cells add up to one total.

-- The final-grade distribution per school, latest load of each subject (dashboard histogram).
-- Partition: subject and school.
CREATE OR REPLACE VIEW student_etl.grade_distribution WITH (security_barrier) AS
SELECT subject, school, g3, CASE WHEN NOT suppressed THEN students END AS students, suppressed
  FROM (SELECT f.subject, f.key1 AS school, f.key2::smallint AS g3, f.students,
               row_number() OVER (PARTITION BY f.subject, f.key1 ORDER BY f.students, f.key2) <= w.withheld AS suppressed
          FROM student_etl.latest_facets f
          JOIN (SELECT g.subject, g.key1, student_etl._withheld(array_agg(g.students)) AS withheld
                  FROM student_etl.latest_facets g WHERE g.facet = 'grades_school_g3' GROUP BY g.subject, g.key1) w
            ON w.subject = f.subject AND w.key1 = f.key1
         WHERE f.facet = 'grades_school_g3') c;

-- 1. The unique mother's jobs of male students younger than 20 (with how many such students).
-- Partition: subject.
CREATE OR REPLACE VIEW student_etl.q1_mother_jobs_of_young_male_students WITH (security_barrier) AS
SELECT subject, mjob, CASE WHEN NOT suppressed THEN students END AS students, suppressed
  FROM (SELECT subject, mjob, students,
               row_number() OVER (PARTITION BY subject ORDER BY students, mjob)
                   <= student_etl._withheld(array_agg(students::bigint) OVER (PARTITION BY subject)) AS suppressed
          FROM (SELECT subject, key3 AS mjob, sum(students) AS students
                  FROM student_etl.latest_facets
                 WHERE facet = 'q1_sex_age_mjob' AND key1 = 'M' AND key2::int < 20
                 GROUP BY subject, key3) j) c
 ORDER BY subject, mjob;

-- 2. The most frequent travel time of students living in rural areas; tied values all shown.
-- Partition: subject (every travel time of rural students, shown or not).
-- (q2_rural_most_frequent_traveltime: made once, below, with the missing-value rules.)

-- 3. The top 3 father's jobs per parents' cohabitation status. rank is the position by count
-- (descending); jobs with equal counts are ordered by name, so the cut at 3 is deterministic;
-- tied_with_next says the next job has the same count (the tie the cut may have split).
-- Partition: subject and pstatus (every father's job, shown or not).
CREATE OR REPLACE VIEW student_etl.q3_top_father_jobs_by_pstatus WITH (security_barrier) AS
SELECT subject, pstatus, rank, CASE WHEN NOT suppressed THEN fjob END AS fjob,
       CASE WHEN NOT suppressed THEN students END AS students,
       CASE WHEN NOT suppressed THEN tied_with_next END AS tied_with_next, suppressed
  FROM (SELECT subject, key1 AS pstatus, key2 AS fjob, students,
               row_number() OVER w AS rank,
               coalesce(lead(students) OVER w = students, false) AS tied_with_next,
               row_number() OVER (PARTITION BY subject, key1 ORDER BY students, key2)
                   <= student_etl._withheld(array_agg(students) OVER (PARTITION BY subject, key1)) AS suppressed
          FROM student_etl.latest_facets
         WHERE facet = 'q3_pstatus_fjob'
        WINDOW w AS (PARTITION BY subject, key1 ORDER BY students DESC, key2)) t
 WHERE rank <= 3
 ORDER BY subject, pstatus, rank;

-- 4. The most frequent number of past failures per family size; tied values all shown.
-- Partition: subject and famsize (every number of failures, shown or not).
-- (q4_most_frequent_failures_by_famsize: made once, below, with the missing-value rules.)

-- 5. Median absences for low (famrel 1-2) and average (famrel 3) family relationships, by sex.
-- The median is percentile_cont(0.5) -- the mean of the values at 0-based positions
-- floor((n-1)/2) and ceil((n-1)/2) of the sorted absences -- computed exactly from the
-- per-run histogram of absences, without reading the students again.
-- Partition: subject and famrel band (both sexes).
-- (q5_median_absences_by_famrel_sex: made once, below, with the missing-value rules.)

-- ---- the current students (as src/sql/22_current.sql) ------------------------------------------
-- The current students: the rows of the latest loaded, not purged delivery of each subject
-- (latest_runs), each record of it once. This is what `SELECT * FROM student_performance`
-- meant in the stack this replaces, where each delivery replaced the last; every delivery
-- stays in student_performance_history.
CREATE VIEW student_etl.student_performance AS
SELECT p.*
  FROM student_etl.student_performance_history p
 WHERE p.run_id IN (SELECT r.run_id FROM student_etl.latest_runs r);
COMMENT ON VIEW student_etl.student_performance IS
    'The current students: every row of the latest loaded (not purged) delivery of each subject, columns as in student_performance_history. One row per student record of that delivery.';

-- ---- one student across both courses (as src/sql/23_course_matches.sql) ------------------------
-- One student across both courses. The data dictionary (student.txt) says 382 students belong
-- to both datasets and are found by identical attributes; the UCI note's R script merges the
-- two files on these 13: school, sex, age, address, famsize, Pstatus, Medu, Fedu, Mjob, Fjob,
-- reason, nursery, internet. course_matches does the same merge over the current deliveries
-- (student_performance: the latest math and the latest Portuguese delivery): one row per pair
-- of a math record and a Portuguese record agreeing on all 13. Where the combination of the 13
-- belongs to more than one record of either course, every pairing is listed and marked
-- ambiguous: which math record is which Portuguese record is then unknown.
CREATE VIEW student_etl.course_matches AS
WITH current_records AS (
    SELECT p.*,
           count(*) OVER (PARTITION BY p.subject, p.school, p.sex, p.age, p.address, p.famsize, p.pstatus,
                                       p.medu, p.fedu, p.mjob, p.fjob, p.reason, p.nursery, p.internet)
               AS same_attributes
      FROM student_etl.student_performance p
)
SELECT m.run_id AS math_run_id, m.source_line AS math_source_line,
       q.run_id AS portuguese_run_id, q.source_line AS portuguese_source_line,
       (m.same_attributes > 1 OR q.same_attributes > 1) AS ambiguous,
       m.same_attributes AS math_candidates, q.same_attributes AS portuguese_candidates,
       m.school, m.sex, m.age, m.address, m.famsize, m.pstatus, m.medu, m.fedu, m.mjob, m.fjob,
       m.reason, m.nursery, m.internet,
       m.g1 AS math_g1, m.g2 AS math_g2, m.g3 AS math_g3,
       q.g1 AS portuguese_g1, q.g2 AS portuguese_g2, q.g3 AS portuguese_g3
  FROM current_records m
  JOIN current_records q
    ON m.school = q.school AND m.sex = q.sex AND m.age = q.age AND m.address = q.address
   AND m.famsize = q.famsize AND m.pstatus = q.pstatus AND m.medu = q.medu AND m.fedu = q.fedu
   AND m.mjob = q.mjob AND m.fjob = q.fjob AND m.reason = q.reason AND m.nursery = q.nursery
   AND m.internet = q.internet
 WHERE m.subject = 'math' AND q.subject = 'portuguese';
COMMENT ON VIEW student_etl.course_matches IS
    'One row per pair of a current math record and a current Portuguese record agreeing on the 13 identifying attributes of student.txt (school, sex, age, address, famsize, pstatus, medu, fedu, mjob, fjob, reason, nursery, internet). ambiguous: that combination belongs to more than one record of either course (math_candidates, portuguese_candidates records). Records are identified by run_id and source_line. A missing (NULL) attribute never matches.';
COMMENT ON COLUMN student_etl.course_matches.ambiguous IS
    'true when math_candidates > 1 or portuguese_candidates > 1: the pair may join two different students.';
COMMENT ON COLUMN student_etl.course_matches.math_candidates IS
    'Current math records with this combination of the 13 attributes (count).';
COMMENT ON COLUMN student_etl.course_matches.portuguese_candidates IS
    'Current Portuguese records with this combination of the 13 attributes (count).';

-- How the two current deliveries overlap, one row. A student is counted once: an unambiguous
-- pair is one student; an ambiguous combination with m math and p Portuguese records holds at
-- most least(m, p) students taking both courses, and is counted so (never m * p). For
-- dashboards each count is a cell of its own (19_privacy.sql); how the pairs split into
-- unambiguous and ambiguous ones is in course_grades.
CREATE VIEW student_etl.course_overlap WITH (security_barrier) AS
WITH combinations AS (
    SELECT count(*) AS pairs, least(min(math_candidates), min(portuguese_candidates)) AS students
      FROM student_etl.course_matches
     GROUP BY school, sex, age, address, famsize, pstatus, medu, fedu, mjob, fjob, reason, nursery, internet
), overlap AS (
    SELECT (SELECT r.run_id FROM student_etl.latest_runs r WHERE r.subject = 'math') AS math_run_id,
           (SELECT r.run_id FROM student_etl.latest_runs r WHERE r.subject = 'portuguese') AS portuguese_run_id,
           (SELECT count(*) FROM student_etl.student_performance p WHERE p.subject = 'math') AS math_students,
           (SELECT count(*) FROM student_etl.student_performance p WHERE p.subject = 'portuguese') AS portuguese_students,
           coalesce(sum(c.pairs), 0)::bigint AS matched_pairs,
           coalesce(sum(c.students), 0)::bigint AS students_in_both
      FROM combinations c
), cells AS (
    SELECT o.*,
           student_etl._withheld(ARRAY[o.math_students]) > 0 AS math_small,
           student_etl._withheld(ARRAY[o.portuguese_students]) > 0 AS portuguese_small,
           student_etl._withheld(ARRAY[o.matched_pairs]) > 0 AS pairs_small,
           student_etl._withheld(ARRAY[o.students_in_both]) > 0 AS both_small
      FROM overlap o
)
SELECT c.math_run_id, c.portuguese_run_id,
       CASE WHEN NOT c.math_small THEN c.math_students END AS math_students,
       CASE WHEN NOT c.portuguese_small THEN c.portuguese_students END AS portuguese_students,
       CASE WHEN NOT c.pairs_small THEN c.matched_pairs END AS matched_pairs,
       CASE WHEN NOT c.both_small THEN c.students_in_both END AS students_in_both,
       CASE WHEN NOT (c.math_small OR c.portuguese_small OR c.both_small)
            THEN c.math_students + c.portuguese_students - c.students_in_both END AS students_total,
       (c.math_small OR c.portuguese_small OR c.pairs_small OR c.both_small) AS suppressed
  FROM cells c;
COMMENT ON VIEW student_etl.course_overlap IS
    'One row: how the current math and Portuguese deliveries overlap. Counts of records, pairs and students; a student in both courses is counted once (docs/analyst.md).';

-- Grade in math vs Portuguese for the same student, per group of matched pairs. Unambiguous
-- pairs (one row per student) and ambiguous pairs (every pairing of a shared combination,
-- which may join two different students) are separate rows: shown, never mixed. Partition for
-- dashboards: the dimension (its buckets, unambiguous and ambiguous, add up to all pairs).
CREATE VIEW student_etl.course_grades WITH (security_barrier) AS
WITH cells AS (
    SELECT k.dimension, k.bucket, c.ambiguous, count(*) AS pairs,
           avg(c.math_g3) AS math_g3, avg(c.portuguese_g3) AS portuguese_g3,
           avg(c.portuguese_g3 - c.math_g3) AS g3_difference,
           count(*) FILTER (WHERE c.math_g3 >= 10 AND c.portuguese_g3 >= 10) AS passed_both,
           count(*) FILTER (WHERE c.math_g3 >= 10 AND c.portuguese_g3 < 10) AS passed_math_only,
           count(*) FILTER (WHERE c.math_g3 < 10 AND c.portuguese_g3 >= 10) AS passed_portuguese_only,
           count(*) FILTER (WHERE c.math_g3 < 10 AND c.portuguese_g3 < 10) AS failed_both
      FROM student_etl.course_matches c
     CROSS JOIN LATERAL (VALUES ('all', 'all'), ('school', c.school), ('sex', c.sex), ('address', c.address),
                                ('age', c.age::text)) AS k(dimension, bucket)
     GROUP BY k.dimension, k.bucket, c.ambiguous
), ranked AS (
    SELECT c.*,
           row_number() OVER (PARTITION BY c.dimension ORDER BY c.pairs, c.bucket, c.ambiguous)
               <= student_etl._withheld(array_agg(c.pairs) OVER (PARTITION BY c.dimension)) AS suppressed
      FROM cells c
)
SELECT dimension, bucket, ambiguous,
       CASE WHEN NOT suppressed THEN pairs END AS pairs,
       CASE WHEN NOT suppressed THEN round(math_g3, 2) END AS mean_math_g3,
       CASE WHEN NOT suppressed THEN round(portuguese_g3, 2) END AS mean_portuguese_g3,
       CASE WHEN NOT suppressed THEN round(g3_difference, 2) END AS mean_g3_difference,
       CASE WHEN NOT suppressed THEN round(passed_both::numeric / pairs, 4) END AS passed_both_share,
       CASE WHEN NOT suppressed THEN round(passed_math_only::numeric / pairs, 4) END AS passed_math_only_share,
       CASE WHEN NOT suppressed THEN round(passed_portuguese_only::numeric / pairs, 4) END AS passed_portuguese_only_share,
       CASE WHEN NOT suppressed THEN round(failed_both::numeric / pairs, 4) END AS failed_both_share,
       suppressed
  FROM ranked;
COMMENT ON VIEW student_etl.course_grades IS
    'Final grades of the same student in math and in Portuguese, per group (dimension all, school, sex, address, age) of matched pairs, unambiguous and ambiguous pairs apart.';

-- ---- as src/sql/24_drift.sql -------------------------------------------------------------------
-- Drift: each kept loaded delivery against the previous kept loaded delivery of the same
-- subject. One row per measure: the student count (kind students), the mean of each numeric
-- column (kind mean), the share of each code of each coded or yes/no column (kind share).
-- score is what the threshold is compared with (see the column comments); flagged says it is
-- reached, or that a code appeared or vanished. Thresholds: the settings
-- student_etl.drift_mean_threshold, drift_share_threshold, drift_count_threshold.

-- The drift setting for a kind of measure (mean, share, students), from the library.
CREATE FUNCTION student_etl._drift_threshold(kind text)
RETURNS double precision
AS 'MODULE_PATHNAME', 'student_etl_drift_threshold'
LANGUAGE C STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl._drift_threshold(text) IS
    'Internal: the setting student_etl.drift_<kind>_threshold (mean, share, students -> count), from the loaded library.';

CREATE VIEW student_etl.delivery_drift WITH (security_barrier) AS
WITH pairs AS (
    SELECT d.run_id, d.subject, d.loaded_at AS finished_at, d.previous_run_id
      FROM student_etl.delivery_sequence d WHERE d.previous_run_id IS NOT NULL
), facts AS (
    SELECT p.* FROM student_etl.student_performance_history p
     WHERE p.run_id IN (SELECT run_id FROM pairs UNION SELECT previous_run_id FROM pairs)
), numbers AS (
    SELECT p.run_id, v.column_name, count(v.value) AS n, avg(v.value) AS mean, stddev_pop(v.value) AS sd
      FROM facts p
     CROSS JOIN LATERAL (VALUES ('age', p.age), ('medu', p.medu), ('fedu', p.fedu), ('traveltime', p.traveltime),
                                ('studytime', p.studytime), ('failures', p.failures), ('famrel', p.famrel),
                                ('freetime', p.freetime), ('goout', p.goout), ('dalc', p.dalc), ('walc', p.walc),
                                ('health', p.health), ('absences', p.absences), ('g1', p.g1), ('g2', p.g2),
                                ('g3', p.g3)) AS v(column_name, value)
     GROUP BY p.run_id, v.column_name
), codes AS (
    SELECT p.run_id, v.column_name, v.code, count(*) AS n
      FROM facts p
     CROSS JOIN LATERAL (VALUES ('school', p.school), ('sex', p.sex), ('address', p.address),
                                ('famsize', p.famsize), ('pstatus', p.pstatus), ('mjob', p.mjob), ('fjob', p.fjob),
                                ('reason', p.reason), ('guardian', p.guardian),
                                ('schoolsup', CASE WHEN p.schoolsup THEN 'yes' WHEN NOT p.schoolsup THEN 'no' END),
                                ('famsup', CASE WHEN p.famsup THEN 'yes' WHEN NOT p.famsup THEN 'no' END),
                                ('paid', CASE WHEN p.paid THEN 'yes' WHEN NOT p.paid THEN 'no' END),
                                ('activities', CASE WHEN p.activities THEN 'yes' WHEN NOT p.activities THEN 'no' END),
                                ('nursery', CASE WHEN p.nursery THEN 'yes' WHEN NOT p.nursery THEN 'no' END),
                                ('higher', CASE WHEN p.higher THEN 'yes' WHEN NOT p.higher THEN 'no' END),
                                ('internet', CASE WHEN p.internet THEN 'yes' WHEN NOT p.internet THEN 'no' END),
                                ('romantic', CASE WHEN p.romantic THEN 'yes' WHEN NOT p.romantic THEN 'no' END))
                 AS v(column_name, code)
     WHERE v.code IS NOT NULL
     GROUP BY p.run_id, v.column_name, v.code
), code_totals AS (
    SELECT run_id, column_name, sum(n) AS n FROM codes GROUP BY run_id, column_name
), students AS (
    SELECT run_id, count(*) AS n FROM facts GROUP BY run_id
), measures AS (
    -- kind students: previous and current count; score = |relative change|.
    SELECT pr.subject, pr.run_id, pr.previous_run_id, pr.finished_at, 'students' AS kind,
           NULL::text AS column_name, NULL::text AS code,
           b.n::numeric AS previous_value, a.n::numeric AS current_value, (a.n - b.n)::numeric AS shift,
           abs(a.n - b.n)::numeric / b.n AS score, NULL::text AS change,
           b.n AS previous_students, a.n AS current_students
      FROM pairs pr
      JOIN students a ON a.run_id = pr.run_id
      JOIN students b ON b.run_id = pr.previous_run_id
    UNION ALL
    -- kind mean: score = |shift| in standard deviations of the previous delivery.
    SELECT pr.subject, pr.run_id, pr.previous_run_id, pr.finished_at, 'mean', a.column_name, NULL,
           b.mean, a.mean, a.mean - b.mean,
           CASE WHEN b.sd > 0 THEN abs(a.mean - b.mean) / b.sd
                WHEN a.mean <> b.mean THEN 'Infinity'::numeric ELSE 0 END,
           NULL, b.n, a.n
      FROM pairs pr
      JOIN numbers a ON a.run_id = pr.run_id
      JOIN numbers b ON b.run_id = pr.previous_run_id AND b.column_name = a.column_name
    UNION ALL
    -- kind share: score = |shift| of the code's share; a code in one delivery only appeared or vanished.
    SELECT pr.subject, pr.run_id, pr.previous_run_id, pr.finished_at, 'share', k.column_name, k.code,
           coalesce(b.n, 0)::numeric / bt.n, coalesce(a.n, 0)::numeric / at.n,
           coalesce(a.n, 0)::numeric / at.n - coalesce(b.n, 0)::numeric / bt.n,
           abs(coalesce(a.n, 0)::numeric / at.n - coalesce(b.n, 0)::numeric / bt.n),
           CASE WHEN b.n IS NULL THEN 'appeared' WHEN a.n IS NULL THEN 'vanished' END,
           coalesce(b.n, 0), coalesce(a.n, 0)
      FROM pairs pr
      JOIN (SELECT DISTINCT pr2.run_id, c.column_name, c.code
              FROM pairs pr2 JOIN codes c ON c.run_id IN (pr2.run_id, pr2.previous_run_id)) k ON k.run_id = pr.run_id
      JOIN code_totals at ON at.run_id = pr.run_id AND at.column_name = k.column_name
      JOIN code_totals bt ON bt.run_id = pr.previous_run_id AND bt.column_name = k.column_name
      LEFT JOIN codes a ON a.run_id = pr.run_id AND a.column_name = k.column_name AND a.code = k.code
      LEFT JOIN codes b ON b.run_id = pr.previous_run_id AND b.column_name = k.column_name AND b.code = k.code
), cells AS (
    -- Withheld from dashboards (19_privacy.sql): a count or mean of a delivery under the minimum;
    -- a code's shares when its students are few in either delivery, with complementary codes of
    -- the same column, decided for each delivery's counts (codes absent from one count nothing).
    SELECT m.*,
           CASE WHEN m.kind = 'share' THEN
                row_number() OVER (PARTITION BY m.run_id, m.kind, m.column_name
                                   ORDER BY m.previous_students = 0, m.previous_students, m.code)
                    <= student_etl._withheld(array_agg(m.previous_students) OVER (PARTITION BY m.run_id, m.kind, m.column_name))
             OR row_number() OVER (PARTITION BY m.run_id, m.kind, m.column_name
                                   ORDER BY m.current_students = 0, m.current_students, m.code)
                    <= student_etl._withheld(array_agg(m.current_students) OVER (PARTITION BY m.run_id, m.kind, m.column_name))
           ELSE student_etl._withheld(ARRAY[m.previous_students]) > 0
             OR student_etl._withheld(ARRAY[m.current_students]) > 0
           END AS suppressed,
           student_etl._drift_threshold(m.kind)::numeric AS threshold
      FROM measures m
)
SELECT subject, run_id, previous_run_id, finished_at AS loaded_at, kind, column_name, code,
       CASE WHEN NOT suppressed THEN round(previous_value, 4) END AS previous_value,
       CASE WHEN NOT suppressed THEN round(current_value, 4) END AS current_value,
       CASE WHEN NOT suppressed THEN round(shift, 4) END AS shift,
       CASE WHEN NOT suppressed THEN round(score, 4) END AS score,
       threshold, change,
       CASE WHEN change IS NOT NULL THEN true WHEN NOT suppressed THEN score >= threshold END AS flagged,
       suppressed
  FROM cells;
COMMENT ON VIEW student_etl.delivery_drift IS
    'Drift of each kept loaded delivery against the previous one of its subject: student count, mean of each numeric column, share of each code; flagged past the student_etl.drift_*_threshold settings or when a code appeared or vanished. Cells withheld from dashboards read NULL with suppressed = true.';

-- One row per delivery with a previous one: how many measures drifted, for a dashboard panel.
CREATE VIEW student_etl.delivery_drift_summary AS
SELECT subject, run_id, previous_run_id, loaded_at,
       count(*) FILTER (WHERE flagged) AS flagged_measures,
       count(*) FILTER (WHERE flagged AND kind = 'mean') AS flagged_means,
       count(*) FILTER (WHERE flagged AND kind = 'share') AS flagged_shares,
       count(*) FILTER (WHERE change = 'appeared') AS codes_appeared,
       count(*) FILTER (WHERE change = 'vanished') AS codes_vanished,
       bool_or(flagged) FILTER (WHERE kind = 'students') AS student_count_flagged,
       count(*) FILTER (WHERE suppressed) AS suppressed_measures
  FROM student_etl.delivery_drift
 GROUP BY subject, run_id, previous_run_id, loaded_at;
COMMENT ON VIEW student_etl.delivery_drift_summary IS
    'Per delivery with a previous one of its subject: how many measures of delivery_drift are flagged (means, shares), codes appeared and vanished, whether the student count drifted, and how many measures are withheld from you.';

-- (Every metric is documented once, at the end: the views change again below.)

-- ---- purge() deletes from the history (as src/sql/40_retention.sql) ----------------------------
CREATE OR REPLACE FUNCTION student_etl._purge(caller regrole, keep_last integer, older_than interval)
RETURNS TABLE (run_id bigint, subject text, loaded_at timestamptz,
               students_removed bigint, rejects_removed bigint, facet_cells_removed bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    IF NOT student_etl._has_profile(caller, 'admin') THEN
        RAISE EXCEPTION 'permission denied to purge deliveries' USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Role %s does not hold the student_etl profile "admin".', caller);
    END IF;
    IF keep_last IS NULL OR keep_last < 1 THEN
        RAISE EXCEPTION 'keep_last must be at least 1: the latest delivery of a subject is never purged'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR r IN SELECT x.run_id, x.subject, x.finished_at
               FROM (SELECT lr.run_id, lr.subject, lr.finished_at,
                            row_number() OVER (PARTITION BY lr.subject ORDER BY lr.run_id DESC) AS newer
                       FROM student_etl.load_runs lr
                      WHERE lr.status = 'loaded' AND lr.purged_at IS NULL) x
              WHERE x.newer > keep_last
                AND (older_than IS NULL OR x.finished_at < clock_timestamp() - older_than)
              ORDER BY x.run_id LOOP
        run_id := r.run_id;
        subject := r.subject;
        loaded_at := r.finished_at;
        DELETE FROM student_etl.student_performance_history p WHERE p.run_id = r.run_id;
        GET DIAGNOSTICS students_removed = ROW_COUNT;
        DELETE FROM student_etl.rejected_rows x WHERE x.run_id = r.run_id;
        GET DIAGNOSTICS rejects_removed = ROW_COUNT;
        DELETE FROM student_etl.reject_issues i WHERE i.run_id = r.run_id;
        DELETE FROM student_etl.run_facets f WHERE f.run_id = r.run_id;
        GET DIAGNOSTICS facet_cells_removed = ROW_COUNT;
        UPDATE student_etl.load_runs lr SET purged_at = clock_timestamp() WHERE lr.run_id = r.run_id;
        RETURN NEXT;
    END LOOP;
END
$$;

-- ---- rights of the analysts' model (as src/sql/91_analyst_privileges.sql) ---------------------------
-- New functions are nobody's but the owner's until a profile grants them (as 90_privileges.sql).
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA student_etl FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA student_etl FROM PUBLIC;
-- Rights on the objects of the analysts' model (issue 13): the history, course matching,
-- drift and trends. Same rules as 90_privileges.sql: at most SELECT, the lowest profile that
-- may see it; views dashboards read withhold small groups themselves (docs/analyst.md).
INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    ('analyst', 'TABLE student_etl.student_performance_history', 'SELECT');
INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    ('dashboard', 'TABLE student_etl.course_overlap', 'SELECT'),
    ('dashboard', 'TABLE student_etl.course_grades', 'SELECT'),
    ('analyst', 'TABLE student_etl.course_matches', 'SELECT');
-- The views dashboards read call these with the viewer's rights (19_privacy.sql).
INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    ('dashboard', 'FUNCTION student_etl._min_group_size()', 'EXECUTE'),
    ('dashboard', 'FUNCTION student_etl._withheld(bigint[])', 'EXECUTE'),
    ('dashboard', 'TABLE student_etl.group_trends', 'SELECT'),
    ('dashboard', 'TABLE student_etl.delivery_sequence', 'SELECT');
INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    ('dashboard', 'FUNCTION student_etl._drift_threshold(text)', 'EXECUTE'),
    ('dashboard', 'TABLE student_etl.delivery_drift', 'SELECT'),
    ('dashboard', 'TABLE student_etl.delivery_drift_summary', 'SELECT');
-- Every profile holder gets exactly its profiles' rights on the new objects too.
SELECT student_etl._apply_profile_rights(g.role) FROM (SELECT DISTINCT role FROM student_etl.role_profiles) g;


-- ---- 0.2.0, issue 13 items 3 and 4: missing values kept and flagged, quality per delivery ----
-- (src/sql/07_missing_values.sql, 37_quality.sql; NULL-aware metrics in 20 and 21.)

-- load_runs: records loaded with a missing value.
ALTER TABLE student_etl.load_runs ADD COLUMN rows_with_missing bigint NOT NULL DEFAULT 0;
ALTER TABLE student_etl.load_runs ADD CONSTRAINT load_runs_missing_within_loaded CHECK (rows_with_missing <= rows_loaded);
COMMENT ON COLUMN student_etl.load_runs.rows_with_missing IS
    'Loaded records with at least one missing value, kept as NULL or replaced by a default (student_etl.missing_value_policy); part of rows_loaded.';

-- student_performance: a missing value the policy keeps is NULL (never one of the 13
-- identifying attributes or g3).
ALTER TABLE student_etl.student_performance_history
    ALTER COLUMN guardian DROP NOT NULL, ALTER COLUMN traveltime DROP NOT NULL,
    ALTER COLUMN studytime DROP NOT NULL, ALTER COLUMN failures DROP NOT NULL,
    ALTER COLUMN schoolsup DROP NOT NULL, ALTER COLUMN famsup DROP NOT NULL, ALTER COLUMN paid DROP NOT NULL,
    ALTER COLUMN activities DROP NOT NULL, ALTER COLUMN higher DROP NOT NULL, ALTER COLUMN romantic DROP NOT NULL,
    ALTER COLUMN famrel DROP NOT NULL, ALTER COLUMN freetime DROP NOT NULL, ALTER COLUMN goout DROP NOT NULL,
    ALTER COLUMN dalc DROP NOT NULL, ALTER COLUMN walc DROP NOT NULL, ALTER COLUMN health DROP NOT NULL,
    ALTER COLUMN absences DROP NOT NULL, ALTER COLUMN g1 DROP NOT NULL, ALTER COLUMN g2 DROP NOT NULL,
    ALTER COLUMN grade_mean DROP NOT NULL, ALTER COLUMN grade_change DROP NOT NULL;
COMMENT ON TABLE student_etl.student_performance_history IS
    'One row per loaded student record of every delivery (the history): the 33 attributes of the data dictionary, typed, plus subject, derived columns and lineage. NULL: delivered missing and kept as unknown (student_etl.missing_values says which).';
COMMENT ON COLUMN student_etl.student_performance_history.grade_mean IS 'round((g1 + g2 + g3) / 3.0, 2); NULL when g1 or g2 is unknown';
COMMENT ON COLUMN student_etl.student_performance_history.grade_change IS 'g3 - g1: progress from the first period to the final grade; NULL when g1 is unknown';

-- run_facets: how many values each sum adds, and likely dropouts. 0.1 kept no NULL, so every
-- student's values are known; likely dropouts are counted again from the facts below.
ALTER TABLE student_etl.run_facets ADD COLUMN known_g1 bigint, ADD COLUMN known_g2 bigint,
    ADD COLUMN known_absences bigint, ADD COLUMN known_alcohol bigint, ADD COLUMN known_at_risk bigint,
    ADD COLUMN likely_dropouts bigint;
UPDATE student_etl.run_facets SET known_g1 = students, known_g2 = students, known_absences = students,
       known_alcohol = students, known_at_risk = students, likely_dropouts = 0;
ALTER TABLE student_etl.run_facets ALTER COLUMN known_g1 SET NOT NULL, ALTER COLUMN known_g2 SET NOT NULL,
    ALTER COLUMN known_absences SET NOT NULL, ALTER COLUMN known_alcohol SET NOT NULL,
    ALTER COLUMN known_at_risk SET NOT NULL, ALTER COLUMN likely_dropouts SET NOT NULL;
COMMENT ON COLUMN student_etl.run_facets.sum_alcohol_week IS 'Sum of 5 * dalc + 2 * walc over students with both known; alcohol index = sum / (7 * known_alcohol).';
-- latest_facets is f.*: its column list was fixed when it was made.
CREATE OR REPLACE VIEW student_etl.latest_facets AS
SELECT f.*
  FROM student_etl.run_facets f
  JOIN student_etl.latest_runs r USING (run_id);
COMMENT ON COLUMN student_etl.run_facets.known_g1 IS
    'Students of the cell whose g1 is known (not NULL): sum_g1 adds only those, so mean g1 = sum_g1 / known_g1. known_g2, known_absences likewise.';
COMMENT ON COLUMN student_etl.run_facets.known_alcohol IS 'Students with dalc and walc both known: the denominator of the alcohol index.';
COMMENT ON COLUMN student_etl.run_facets.known_at_risk IS
    'Students whose at-risk flag is known (true or false, not NULL): the denominator of the at-risk share.';
COMMENT ON COLUMN student_etl.run_facets.likely_dropouts IS
    'Students with g3 = 0 and absences = 0 (both known): likely left rather than failed; left out of pass rates unless student_etl.pass_rate_includes_dropouts is on.';

-- ---- the missing-value policy (as src/sql/07_missing_values.sql) ----
-- Missing values (issue 13, item 3). A field is missing when it is empty or one of the markers
-- of student_etl.missing_value_markers (NA, N/A, null, ? by default; matched whole, any
-- case). What it becomes is set per column here: the record is rejected, the value is kept as
-- NULL, or a default value stands in. The loader applies it (src/core/missing_values.*).
--
-- Shipped: reject when one of the 13 attributes that identify a student across courses
-- (student.txt) or G3 is missing; keep any other missing value as NULL. Those 14 columns are
-- NOT NULL in student_performance: reject or a default only.
--
-- A policy set with set_missing_value_policy() is a row with shipped = false beside the
-- shipped row, and wins over it; only those rows are dumped (a restore re-creates the shipped
-- ones with the extension).
CREATE TABLE student_etl.missing_value_policy (
    column_name   text    NOT NULL CHECK (column_name IN (
                      'school', 'sex', 'age', 'address', 'famsize', 'pstatus', 'medu', 'fedu', 'mjob',
                      'fjob', 'reason', 'guardian', 'traveltime', 'studytime', 'failures', 'schoolsup',
                      'famsup', 'paid', 'activities', 'nursery', 'higher', 'internet', 'romantic',
                      'famrel', 'freetime', 'goout', 'dalc', 'walc', 'health', 'absences', 'g1', 'g2',
                      'g3')),
    shipped       boolean NOT NULL DEFAULT false,
    action        text    NOT NULL CHECK (action IN ('reject', 'keep_null', 'default')),
    default_value text,
    set_by        name,
    set_at        timestamptz,
    PRIMARY KEY (column_name, shipped),
    CONSTRAINT missing_value_policy_default_with_action CHECK ((action = 'default') = (default_value IS NOT NULL)),
    CONSTRAINT missing_value_policy_required_never_null CHECK (action <> 'keep_null' OR column_name NOT IN (
        'school', 'sex', 'age', 'address', 'famsize', 'pstatus', 'medu', 'fedu', 'mjob', 'fjob', 'reason',
        'nursery', 'internet', 'g3'))
);
INSERT INTO student_etl.missing_value_policy (column_name, shipped, action)
SELECT c, true, CASE WHEN c IN ('school', 'sex', 'age', 'address', 'famsize', 'pstatus', 'medu', 'fedu', 'mjob',
                                'fjob', 'reason', 'nursery', 'internet', 'g3') THEN 'reject' ELSE 'keep_null' END
  FROM unnest(ARRAY['school', 'sex', 'age', 'address', 'famsize', 'pstatus', 'medu', 'fedu', 'mjob', 'fjob',
                    'reason', 'guardian', 'traveltime', 'studytime', 'failures', 'schoolsup', 'famsup', 'paid',
                    'activities', 'nursery', 'higher', 'internet', 'romantic', 'famrel', 'freetime', 'goout',
                    'dalc', 'walc', 'health', 'absences', 'g1', 'g2', 'g3']) AS c;
COMMENT ON TABLE student_etl.missing_value_policy IS
    'What a missing value of each column becomes: reject (the record), keep_null, or default (default_value). Rows with shipped = false were set with set_missing_value_policy() and win over the shipped row.';

SELECT pg_catalog.pg_extension_config_dump('student_etl.missing_value_policy', 'WHERE NOT shipped');

-- Why the loader could not apply a policy, or NULL: the loader's own checks (a default value
-- must be a valid value of its column, the 14 required columns are never kept as NULL).
CREATE FUNCTION student_etl._missing_value_problem(column_name text, action text, default_value text)
RETURNS text
AS 'MODULE_PATHNAME', 'student_etl_missing_value_problem'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION student_etl._set_missing_value_policy(caller regrole, column_name text, action text, default_value text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    problem text;
    col text := lower(column_name);
BEGIN
    IF NOT student_etl._has_profile(caller, 'admin') THEN
        RAISE EXCEPTION 'permission denied to set the missing-value policy' USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Role %s does not hold the student_etl profile "admin".', caller);
    END IF;
    IF action IS NULL THEN   -- back to the shipped policy
        DELETE FROM student_etl.missing_value_policy p WHERE p.column_name = col AND NOT p.shipped;
        RETURN;
    END IF;
    problem := student_etl._missing_value_problem(col, action, default_value);
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'cannot set the missing-value policy of column "%": %', column_name, problem
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO student_etl.missing_value_policy AS p (column_name, shipped, action, default_value, set_by, set_at)
    VALUES (col, false, action, default_value, caller::text, clock_timestamp())
    ON CONFLICT ON CONSTRAINT missing_value_policy_pkey DO UPDATE
       SET action = excluded.action, default_value = excluded.default_value, set_by = excluded.set_by,
           set_at = excluded.set_at;
END
$$;

CREATE FUNCTION student_etl.set_missing_value_policy(column_name text, action text, default_value text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'student_etl_owner_call'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl.set_missing_value_policy(text, text, text) IS
    'Admin: what a missing value of a column becomes in later loads: reject, keep_null or default (with default_value); action NULL restores the shipped policy.';

-- Which loaded record missed which value: one row per missing value kept (as NULL, or replaced
-- by the column's default). The delivered marker is not kept: NA or ? say the same.
CREATE TABLE student_etl.missing_values (
    run_id      bigint NOT NULL,
    line_number bigint NOT NULL,
    column_name text   NOT NULL,
    action      text   NOT NULL CHECK (action IN ('keep_null', 'default')),
    PRIMARY KEY (run_id, line_number, column_name)
);
COMMENT ON TABLE student_etl.missing_values IS
    'One row per missing value of a loaded record: run, physical line (student_performance.source_line), column, and whether it was kept as NULL or replaced by the default.';

SELECT pg_catalog.pg_extension_config_dump('student_etl.missing_values', '');

-- ---- NULL-aware metrics (as src/sql/20_student_metrics.sql): unknown values left out of the
-- means, likely dropouts out of the pass rate; the group views keep withholding small groups.
CREATE OR REPLACE VIEW student_etl.student_metrics AS
SELECT p.*,
       ((p.g3 - p.g1) / 2.0)::numeric(4,1) AS grade_slope,
       CASE WHEN p.g1 IS NULL THEN NULL
            WHEN p.g3 - p.g1 >= 2 THEN 'improving'
            WHEN p.g3 - p.g1 <= -2 THEN 'declining'
            ELSE 'stable' END AS grade_trend,
       (p.failures > 0 OR p.g1 + p.g2 < 20 OR p.absences >= 20) AS at_risk,
       round((5 * p.dalc + 2 * p.walc) / 7.0, 2) AS alcohol_index,
       CASE WHEN 5 * p.dalc + 2 * p.walc IS NULL THEN NULL
            WHEN 5 * p.dalc + 2 * p.walc < 14 THEN 'low'
            WHEN 5 * p.dalc + 2 * p.walc < 21 THEN 'moderate'
            ELSE 'high' END AS alcohol_level,
       (ARRAY['<2h', '2-5h', '5-10h', '>10h'])[p.studytime] AS study_band,
       CASE WHEN p.absences IS NULL THEN NULL
            WHEN p.absences = 0 THEN 'none' WHEN p.absences <= 5 THEN 'low'
            WHEN p.absences <= 15 THEN 'medium' ELSE 'high' END AS absence_band,
       greatest(p.medu, p.fedu) AS parent_education_level,
       (ARRAY['none', 'primary', '5th-9th grade', 'secondary', 'higher'])[greatest(p.medu, p.fedu) + 1]
           AS parent_education,
       (p.g3 = 0 AND p.absences = 0) AS likely_dropout
  FROM student_etl.student_performance_history p;
COMMENT ON VIEW student_etl.student_metrics IS
    'One row per loaded student with derived metrics: trend, pass, at-risk flag, alcohol index and level, study/absence bands, parental education, likely dropout (g3 = 0 and absences = 0). A metric that needs an unknown (NULL) value is NULL.';

-- The group cells gain likely_dropouts before suppressed: made again, with the views on them
-- (their rights and comments are applied again below).
DROP VIEW student_etl._group_cells CASCADE;
CREATE VIEW student_etl._group_cells AS
SELECT c.run_id, c.subject, c.loaded_at, c.previous_run_id, c.facet AS dimension,
       CASE WHEN c.facet = 'all' THEN 'all' ELSE c.key1 END AS bucket,
       CASE WHEN NOT c.suppressed THEN c.students END AS students,
       CASE WHEN NOT c.suppressed THEN
            round(c.passed::numeric / nullif(c.students - CASE WHEN coalesce(current_setting('student_etl.pass_rate_includes_dropouts', true)::boolean, false)
                                                                THEN 0 ELSE c.likely_dropouts END, 0), 4) END AS pass_rate,
       CASE WHEN NOT c.suppressed THEN round(c.sum_g1::numeric / nullif(c.known_g1, 0), 2) END AS mean_g1,
       CASE WHEN NOT c.suppressed THEN round(c.sum_g2::numeric / nullif(c.known_g2, 0), 2) END AS mean_g2,
       CASE WHEN NOT c.suppressed THEN round(c.sum_g3::numeric / c.students, 2) END AS mean_g3,
       CASE WHEN NOT c.suppressed THEN
            round(CASE WHEN c.known_g1 = c.students AND c.known_g2 = c.students
                       THEN (c.sum_g1 + c.sum_g2 + c.sum_g3)::numeric / (3 * c.students)
                       ELSE (c.sum_g1::numeric / nullif(c.known_g1, 0) + c.sum_g2::numeric / nullif(c.known_g2, 0)
                             + c.sum_g3::numeric / c.students) / 3 END, 2) END AS mean_grade,
       CASE WHEN NOT c.suppressed THEN round(c.sum_absences::numeric / nullif(c.known_absences, 0), 2) END AS mean_absences,
       CASE WHEN NOT c.suppressed THEN round(c.at_risk::numeric / nullif(c.known_at_risk, 0), 4) END AS at_risk_share,
       CASE WHEN NOT c.suppressed THEN round(c.sum_alcohol_week::numeric / nullif(7 * c.known_alcohol, 0), 2) END AS mean_alcohol_index,
       -- a count of likely dropouts is a group of its own: shown to a viewer only when none,
       -- or at least min_group_size
       CASE WHEN NOT c.suppressed AND (c.likely_dropouts = 0 OR c.likely_dropouts >= student_etl._min_group_size()
                                       OR c.sees_all) THEN c.likely_dropouts END AS likely_dropouts,
       c.suppressed
  FROM (SELECT f.run_id, f.subject, f.facet, f.key1, f.students, f.passed, f.at_risk, f.sum_g1, f.sum_g2,
               f.sum_g3, f.sum_absences, f.sum_alcohol_week, f.known_g1, f.known_g2, f.known_absences,
               f.known_alcohol, f.known_at_risk, f.likely_dropouts, r.loaded_at, r.previous_run_id,
               row_number() OVER (PARTITION BY f.run_id, f.facet ORDER BY f.students, f.key1) <= w.withheld AS suppressed,
               (SELECT student_etl._has_profile(current_user::pg_catalog.regrole, 'analyst')) AS sees_all
          FROM student_etl.run_facets f
          JOIN student_etl.delivery_sequence r ON r.run_id = f.run_id
          -- once per partition (not per cell): how many of its smallest cells are withheld
          JOIN (SELECT g.run_id, g.facet, student_etl._withheld(array_agg(g.students)) AS withheld
                  FROM student_etl.run_facets g
                 WHERE g.facet NOT LIKE 'q%' AND g.facet NOT LIKE 'grades%'
                 GROUP BY g.run_id, g.facet) w
            ON w.run_id = f.run_id AND w.facet = f.facet
         WHERE f.facet NOT LIKE 'q%' AND f.facet NOT LIKE 'grades%') c;

CREATE VIEW student_etl.group_trends WITH (security_barrier) AS
SELECT p.run_id, p.subject, p.loaded_at, p.dimension, p.bucket, p.students, p.pass_rate, p.mean_g1,
       p.mean_g2, p.mean_g3, p.mean_grade, p.mean_absences, p.at_risk_share, p.mean_alcohol_index,
       p.likely_dropouts, p.suppressed, p.previous_run_id,
       p.students - q.students AS students_change,
       p.pass_rate - q.pass_rate AS pass_rate_change,
       p.mean_g3 - q.mean_g3 AS mean_g3_change,
       p.mean_grade - q.mean_grade AS mean_grade_change
  FROM student_etl._group_cells p
  LEFT JOIN student_etl._group_cells q ON q.run_id = p.previous_run_id AND q.dimension = p.dimension AND q.bucket = p.bucket;

CREATE VIEW student_etl.group_metrics WITH (security_barrier) AS
SELECT t.subject, t.dimension, t.bucket, t.students, t.pass_rate, t.mean_g1, t.mean_g2, t.mean_g3,
       t.mean_grade, t.mean_absences, t.at_risk_share, t.mean_alcohol_index, t.likely_dropouts, t.suppressed
  FROM student_etl.latest_runs r
 CROSS JOIN LATERAL (SELECT * FROM student_etl._group_cells c WHERE c.run_id = r.run_id OFFSET 0) t;

CREATE VIEW student_etl.run_metrics WITH (security_barrier) AS
SELECT r.run_id, r.subject, r.finished_at AS loaded_at, r.rows_loaded, r.rows_rejected,
       t.pass_rate, t.mean_grade, t.mean_g3, t.mean_absences, t.at_risk_share, r.rows_with_missing,
       t.likely_dropouts, t.suppressed
  FROM student_etl.load_runs r
  JOIN student_etl._group_cells t ON t.run_id = r.run_id AND t.dimension = 'all'
 WHERE r.status = 'loaded';


DROP FUNCTION student_etl.recompute_run_facets(bigint);
-- The cells load() writes for a run, derived again from the fact table with the SQL rules
-- above: for checking the incremental aggregates, and for rebuilding them.
CREATE FUNCTION student_etl.recompute_run_facets(p_run_id bigint)
RETURNS TABLE (run_id bigint, subject text, facet text, key1 text, key2 text, key3 text,
               students bigint, passed bigint, at_risk bigint, sum_g1 bigint, sum_g2 bigint,
               sum_g3 bigint, sum_absences bigint, sum_alcohol_week bigint, known_g1 bigint,
               known_g2 bigint, known_absences bigint, known_alcohol bigint, known_at_risk bigint,
               likely_dropouts bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT m.run_id, m.subject, k.facet, k.key1, k.key2, k.key3,
       count(*), count(*) FILTER (WHERE m.passed), count(*) FILTER (WHERE m.at_risk),
       coalesce(sum(m.g1), 0), coalesce(sum(m.g2), 0), sum(m.g3), coalesce(sum(m.absences), 0),
       coalesce(sum(5 * m.dalc + 2 * m.walc), 0), count(m.g1), count(m.g2), count(m.absences),
       count(5 * m.dalc + 2 * m.walc), count(m.at_risk), count(*) FILTER (WHERE m.likely_dropout)
  FROM student_etl.student_metrics m
 CROSS JOIN LATERAL (VALUES
        ('all', '', '', ''),
        ('school', m.school, '', ''),
        ('sex', m.sex, '', ''),
        ('address', m.address, '', ''),
        ('famsize', m.famsize, '', ''),
        ('pstatus', m.pstatus, '', ''),
        ('age', m.age::text, '', ''),
        ('study_time', coalesce(m.study_band, 'unknown'), '', ''),
        ('alcohol_level', coalesce(m.alcohol_level, 'unknown'), '', ''),
        ('absence_band', coalesce(m.absence_band, 'unknown'), '', ''),
        ('parent_education', m.parent_education, '', ''),
        ('grades_school_g3', m.school, m.g3::text, ''),
        ('q1_sex_age_mjob', m.sex, m.age::text, m.mjob),
        ('q2_address_traveltime', m.address, coalesce(m.traveltime::text, 'unknown'), ''),
        ('q3_pstatus_fjob', m.pstatus, m.fjob, ''),
        ('q4_famsize_failures', m.famsize, coalesce(m.failures::text, 'unknown'), ''),
        ('q5_famrel_sex_absences', coalesce(m.famrel::text, 'unknown'), m.sex, coalesce(m.absences::text, 'unknown'))
     ) AS k(facet, key1, key2, key3)
 WHERE m.run_id = p_run_id
 GROUP BY m.run_id, m.subject, k.facet, k.key1, k.key2, k.key3
$$;

UPDATE student_etl.run_facets f SET likely_dropouts = c.likely_dropouts
  FROM (SELECT x.* FROM (SELECT DISTINCT run_id FROM student_etl.run_facets) r,
               LATERAL student_etl.recompute_run_facets(r.run_id) x) c
 WHERE (f.run_id, f.facet, f.key1, f.key2, f.key3) = (c.run_id, c.facet, c.key1, c.key2, c.key3);

-- 2. The most frequent travel time of students living in rural areas; tied values all shown.
CREATE OR REPLACE VIEW student_etl.q2_rural_most_frequent_traveltime WITH (security_barrier) AS
SELECT subject, CASE WHEN NOT suppressed THEN traveltime END AS traveltime,
       CASE WHEN NOT suppressed THEN students END AS students, suppressed
  FROM (SELECT subject, key2::smallint AS traveltime, students,
               rank() OVER (PARTITION BY subject ORDER BY students DESC) AS rnk,
               row_number() OVER (PARTITION BY subject ORDER BY students, key2)
                   <= student_etl._withheld(array_agg(students) OVER (PARTITION BY subject)) AS suppressed
          FROM student_etl.latest_facets
         WHERE facet = 'q2_address_traveltime' AND key1 = 'R' AND key2 <> 'unknown') t
 WHERE rnk = 1
 ORDER BY subject, traveltime;
COMMENT ON VIEW student_etl.q2_rural_most_frequent_traveltime IS
    'Latest load of each subject: the most frequent travel time of rural students (ties all shown); students with an unknown (NULL) travel time are left out.';

-- 4. The most frequent number of past failures per family size; tied values all shown.
CREATE OR REPLACE VIEW student_etl.q4_most_frequent_failures_by_famsize WITH (security_barrier) AS
SELECT subject, famsize, CASE WHEN NOT suppressed THEN failures END AS failures,
       CASE WHEN NOT suppressed THEN students END AS students, suppressed
  FROM (SELECT subject, key1 AS famsize, key2::smallint AS failures, students,
               rank() OVER (PARTITION BY subject, key1 ORDER BY students DESC) AS rnk,
               row_number() OVER (PARTITION BY subject, key1 ORDER BY students, key2)
                   <= student_etl._withheld(array_agg(students) OVER (PARTITION BY subject, key1)) AS suppressed
          FROM student_etl.latest_facets
         WHERE facet = 'q4_famsize_failures' AND key2 <> 'unknown') t
 WHERE rnk = 1
 ORDER BY subject, famsize, failures;
COMMENT ON VIEW student_etl.q4_most_frequent_failures_by_famsize IS
    'Latest load of each subject: the most frequent number of past failures per family size (ties all shown); students with unknown (NULL) failures are left out.';

-- 5. Median absences for low (famrel 1-2) and average (famrel 3) family relationships, by sex.
-- The median is percentile_cont(0.5) -- the mean of the values at 0-based positions
-- floor((n-1)/2) and ceil((n-1)/2) of the sorted absences -- computed exactly from the
-- per-run histogram of absences, without reading the students again.
CREATE OR REPLACE VIEW student_etl.q5_median_absences_by_famrel_sex WITH (security_barrier) AS
WITH histogram AS (
    SELECT subject, CASE WHEN key1::int <= 2 THEN 'low' ELSE 'average' END AS famrel_band,
           key2 AS sex, key3::int AS absences, sum(students) AS n
      FROM student_etl.latest_facets
     WHERE facet = 'q5_famrel_sex_absences' AND key3 <> 'unknown'
       AND CASE WHEN key1 <> 'unknown' THEN key1::int END <= 3
     GROUP BY 1, 2, 3, 4
), positioned AS (
    SELECT h.*,
           sum(n) OVER (PARTITION BY subject, famrel_band, sex ORDER BY absences) - n AS first_pos,
           sum(n) OVER (PARTITION BY subject, famrel_band, sex) AS total
      FROM histogram h
), medians AS (
    SELECT subject, famrel_band, sex, total AS students,
           ((min(absences) FILTER (WHERE first_pos <= floor((total - 1) / 2.0) AND floor((total - 1) / 2.0) < first_pos + n)
           + min(absences) FILTER (WHERE first_pos <= ceil((total - 1) / 2.0) AND ceil((total - 1) / 2.0) < first_pos + n))
           / 2.0)::double precision AS median_absences
      FROM positioned
     GROUP BY subject, famrel_band, sex, total
), cells AS (
    SELECT m.*,
           row_number() OVER (PARTITION BY subject, famrel_band ORDER BY students, sex)
               <= student_etl._withheld(array_agg(students::bigint) OVER (PARTITION BY subject, famrel_band)) AS suppressed
      FROM medians m
)
SELECT subject, famrel_band, sex, CASE WHEN NOT suppressed THEN students END AS students,
       CASE WHEN NOT suppressed THEN median_absences END AS median_absences, suppressed
  FROM cells
 ORDER BY subject, famrel_band DESC, sex;
COMMENT ON VIEW student_etl.q5_median_absences_by_famrel_sex IS
    'Latest load of each subject: median absences (percentile_cont 0.5) by family relationship band (low: famrel 1-2, average: 3) and sex; students with unknown (NULL) famrel or absences are left out, and students counts only those known.';

-- ---- quality per delivery (as src/sql/37_quality.sql) ----
-- Quality per delivery (issue 13, item 4), measured by load() while it streams the file (on
-- its parse thread: src/core/delivery_quality.*) and written in the same transaction as the
-- run's rows. Counts only, never a delivered value.

-- One row per loaded run.
CREATE TABLE student_etl.run_quality (
    run_id              bigint  PRIMARY KEY,
    duplicate_records   bigint  NOT NULL CHECK (duplicate_records >= 0),
    duplicates_complete boolean NOT NULL,
    likely_dropouts     bigint  NOT NULL CHECK (likely_dropouts >= 0)
);
COMMENT ON TABLE student_etl.run_quality IS
    'Per loaded run: loaded records identical to an earlier record of the same delivery (all 33 values), and students flagged as likely dropouts.';
COMMENT ON COLUMN student_etl.run_quality.duplicate_records IS
    'Loaded records whose 33 values (as stored, NULL equal to NULL) repeat an earlier loaded record of the same file; they are loaded all the same.';
COMMENT ON COLUMN student_etl.run_quality.duplicates_complete IS
    'False when the delivery had more than 2^20 distinct records: repeats of records past that are not counted.';
COMMENT ON COLUMN student_etl.run_quality.likely_dropouts IS
    'Loaded students with g3 = 0 and absences = 0 (both known): likely left rather than failed.';
SELECT pg_catalog.pg_extension_config_dump('student_etl.run_quality', '');

-- One row per loaded run and column that had a missing value.
CREATE TABLE student_etl.run_missing_values (
    run_id      bigint NOT NULL,
    column_name text   NOT NULL,
    kept_null   bigint NOT NULL CHECK (kept_null >= 0),
    defaulted   bigint NOT NULL CHECK (defaulted >= 0),
    rejected    bigint NOT NULL CHECK (rejected >= 0),
    PRIMARY KEY (run_id, column_name)
);
COMMENT ON TABLE student_etl.run_missing_values IS
    'Per run and column: missing values (empty or a marker of student_etl.missing_value_markers) kept as NULL, replaced by the default, or in rejected records. Columns without any are not listed.';
SELECT pg_catalog.pg_extension_config_dump('student_etl.run_missing_values', '');

-- What dashboards read: one row per loaded run.
CREATE VIEW student_etl.delivery_quality AS
SELECT r.run_id, r.subject, r.finished_at AS loaded_at, r.rows_read, r.rows_loaded, r.rows_rejected,
       round(r.rows_rejected::numeric / nullif(r.rows_read, 0), 4) AS reject_rate,
       r.rows_with_missing,
       round(r.rows_with_missing::numeric / nullif(r.rows_loaded, 0), 4) AS missing_rate,
       coalesce(m.missing_values, 0) AS missing_values,
       q.duplicate_records, q.duplicates_complete,
       -- students with a grade of 0: a group of their own, shown to a viewer only when none, or
       -- at least student_etl.min_group_size (19_privacy.sql)
       CASE WHEN q.likely_dropouts = 0 OR q.likely_dropouts >= student_etl._min_group_size()
                 OR (SELECT student_etl._has_profile(current_user::pg_catalog.regrole, 'analyst'))
            THEN q.likely_dropouts END AS likely_dropouts
  FROM student_etl.load_runs r
  JOIN student_etl.run_quality q USING (run_id)
  LEFT JOIN (SELECT run_id, sum(kept_null + defaulted + rejected) AS missing_values
               FROM student_etl.run_missing_values GROUP BY run_id) m USING (run_id)
 WHERE r.status = 'loaded';
COMMENT ON VIEW student_etl.delivery_quality IS
    'Per loaded run: reject rate (rejected / read), records loaded with a missing value and their share of the loaded (missing_rate), missing values in all records, duplicate records, likely dropouts. Counts only.';

-- And one row per loaded run and column with missing values.
CREATE VIEW student_etl.missing_values_by_column AS
SELECT v.run_id, r.subject, r.finished_at AS loaded_at, v.column_name,
       v.kept_null + v.defaulted + v.rejected AS missing, v.kept_null, v.defaulted, v.rejected,
       round((v.kept_null + v.defaulted + v.rejected)::numeric / nullif(r.rows_read, 0), 4) AS missing_share
  FROM student_etl.run_missing_values v
  JOIN student_etl.load_runs r USING (run_id)
 WHERE r.status = 'loaded';
COMMENT ON VIEW student_etl.missing_values_by_column IS
    'Per loaded run and column: missing values (kept as NULL, defaulted, in rejected records) and their share of the records read. Counts only.';

-- Runs loaded before: duplicates and likely dropouts counted from their facts, missing values
-- from their rejects (0.1 rejected every empty field).
INSERT INTO student_etl.run_quality (run_id, duplicate_records, duplicates_complete, likely_dropouts)
SELECT r.run_id,
       (SELECT count(*) - count(DISTINCT (p.school, p.sex, p.age, p.address, p.famsize, p.pstatus, p.medu, p.fedu,
                                         p.mjob, p.fjob, p.reason, p.guardian, p.traveltime, p.studytime,
                                         p.failures, p.schoolsup, p.famsup, p.paid, p.activities, p.nursery,
                                         p.higher, p.internet, p.romantic, p.famrel, p.freetime, p.goout, p.dalc,
                                         p.walc, p.health, p.absences, p.g1, p.g2, p.g3))
          FROM student_etl.student_performance_history p WHERE p.run_id = r.run_id),
       true,
       (SELECT count(*) FROM student_etl.student_performance_history p WHERE p.run_id = r.run_id AND p.g3 = 0 AND p.absences = 0)
  FROM student_etl.load_runs r
 WHERE r.status = 'loaded' AND r.purged_at IS NULL;
INSERT INTO student_etl.run_missing_values (run_id, column_name, kept_null, defaulted, rejected)
SELECT i.run_id, i.column_name, 0, 0, count(*)
  FROM student_etl.reject_issues i
 WHERE i.rule = 'empty_value' AND i.column_name IS NOT NULL
 GROUP BY i.run_id, i.column_name;

-- ---- load(): rows_with_missing out ----
DROP FUNCTION student_etl.load(text, text);
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

-- ---- purge(): the missing values of purged records go with them ----
CREATE OR REPLACE FUNCTION student_etl._purge(caller regrole, keep_last integer, older_than interval)
RETURNS TABLE (run_id bigint, subject text, loaded_at timestamptz,
               students_removed bigint, rejects_removed bigint, facet_cells_removed bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    IF NOT student_etl._has_profile(caller, 'admin') THEN
        RAISE EXCEPTION 'permission denied to purge deliveries' USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Role %s does not hold the student_etl profile "admin".', caller);
    END IF;
    IF keep_last IS NULL OR keep_last < 1 THEN
        RAISE EXCEPTION 'keep_last must be at least 1: the latest delivery of a subject is never purged'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR r IN SELECT x.run_id, x.subject, x.finished_at
               FROM (SELECT lr.run_id, lr.subject, lr.finished_at,
                            row_number() OVER (PARTITION BY lr.subject ORDER BY lr.run_id DESC) AS newer
                       FROM student_etl.load_runs lr
                      WHERE lr.status = 'loaded' AND lr.purged_at IS NULL) x
              WHERE x.newer > keep_last
                AND (older_than IS NULL OR x.finished_at < clock_timestamp() - older_than)
              ORDER BY x.run_id LOOP
        run_id := r.run_id;
        subject := r.subject;
        loaded_at := r.finished_at;
        DELETE FROM student_etl.student_performance_history p WHERE p.run_id = r.run_id;
        GET DIAGNOSTICS students_removed = ROW_COUNT;
        DELETE FROM student_etl.rejected_rows x WHERE x.run_id = r.run_id;
        GET DIAGNOSTICS rejects_removed = ROW_COUNT;
        DELETE FROM student_etl.reject_issues i WHERE i.run_id = r.run_id;
        DELETE FROM student_etl.run_facets f WHERE f.run_id = r.run_id;
        GET DIAGNOSTICS facet_cells_removed = ROW_COUNT;
        -- Which loaded record missed what goes with the records; the run's counts stay.
        DELETE FROM student_etl.missing_values m WHERE m.run_id = r.run_id;
        UPDATE student_etl.load_runs lr SET purged_at = clock_timestamp() WHERE lr.run_id = r.run_id;
        RETURN NEXT;
    END LOOP;
END
$$;

-- ---- rights ----
INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    ('dashboard', 'TABLE student_etl.delivery_quality', 'SELECT'),
    ('dashboard', 'TABLE student_etl.missing_values_by_column', 'SELECT'),
    ('analyst', 'TABLE student_etl.missing_values', 'SELECT'),
    ('analyst', 'TABLE student_etl.run_quality', 'SELECT'),
    ('analyst', 'TABLE student_etl.run_missing_values', 'SELECT'),
    ('analyst', 'TABLE student_etl.missing_value_policy', 'SELECT'),
    ('admin', 'FUNCTION student_etl.set_missing_value_policy(text, text, text)', 'EXECUTE');
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA student_etl FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA student_etl FROM PUBLIC;
SELECT student_etl._apply_profile_rights(g.role) FROM student_etl.role_profiles g;

-- reject_issues.rule: a missing value in a column whose policy rejects (missing_value).
COMMENT ON COLUMN student_etl.reject_issues.rule IS
    'empty_value, not_a_whole_number, out_of_range, not_yes_or_no, unknown_code, missing_value, wrong_field_count, field_too_long, record_too_long, malformed_quoting, unbalanced_quote (docs/analyst.md).';

-- ---- the quality views' columns described (as src/sql/37_quality.sql) ----
COMMENT ON COLUMN student_etl.delivery_quality.loaded_at IS 'When the delivery finished loading.';
COMMENT ON COLUMN student_etl.delivery_quality.rows_read IS 'Records read from the file (count).';
COMMENT ON COLUMN student_etl.delivery_quality.rows_loaded IS 'Records loaded (count).';
COMMENT ON COLUMN student_etl.delivery_quality.rows_rejected IS 'Records rejected (count).';
COMMENT ON COLUMN student_etl.delivery_quality.reject_rate IS 'rows_rejected / rows_read: share 0-1, 4 decimals.';
COMMENT ON COLUMN student_etl.delivery_quality.rows_with_missing IS 'Loaded records with at least one missing value kept as NULL or defaulted (count).';
COMMENT ON COLUMN student_etl.delivery_quality.missing_rate IS 'rows_with_missing / rows_loaded: share 0-1, 4 decimals.';
COMMENT ON COLUMN student_etl.delivery_quality.missing_values IS 'Missing values in all records of the delivery, rejected ones included (count).';
COMMENT ON COLUMN student_etl.delivery_quality.duplicate_records IS 'Loaded records identical to an earlier record of the same delivery (count).';
COMMENT ON COLUMN student_etl.delivery_quality.duplicates_complete IS 'false when the delivery had more distinct records than the duplicate check remembers: duplicate_records is then a lower bound.';
COMMENT ON COLUMN student_etl.delivery_quality.likely_dropouts IS 'Students with g3 = 0 and no absences (count); NULL for a dashboard when between 1 and student_etl.min_group_size - 1.';
COMMENT ON COLUMN student_etl.missing_values_by_column.loaded_at IS 'When the delivery finished loading.';
COMMENT ON COLUMN student_etl.missing_values_by_column.column_name IS 'The column (the data dictionary''s name in lower case).';
COMMENT ON COLUMN student_etl.missing_values_by_column.missing IS 'Missing values of the column in the delivery: kept_null + defaulted + rejected (count).';
COMMENT ON COLUMN student_etl.missing_values_by_column.kept_null IS 'Missing values kept as NULL, unknown (count).';
COMMENT ON COLUMN student_etl.missing_values_by_column.defaulted IS 'Missing values replaced by the column''s default (count).';
COMMENT ON COLUMN student_etl.missing_values_by_column.rejected IS 'Missing values in records rejected for them or for other problems (count).';
COMMENT ON COLUMN student_etl.missing_values_by_column.missing_share IS 'missing / records read: share 0-1, 4 decimals.';

-- ---- functions of the missing-value policy described; recompute_run_facets was made again ----
COMMENT ON FUNCTION student_etl._missing_value_problem(text, text, text) IS
    'Why the loader could not apply a missing-value policy (a default that is no valid value of its column, NULL for one of the 14 required columns), or NULL: the loader''s own check, run when a policy is set.';
COMMENT ON FUNCTION student_etl._set_missing_value_policy(regrole, text, text, text) IS
    'set_missing_value_policy() for caller (admin profile): the column''s policy row, checked by _missing_value_problem; NULL action goes back to the shipped policy. Owner only.';
COMMENT ON FUNCTION student_etl.recompute_run_facets(bigint) IS
    'The facet cells of a run derived again from the fact table with the SQL rules: to check the cells load() wrote while streaming, or to rebuild them.';

-- ---- every metric documented, again after the views above were made (as src/sql/29_metric_docs.sql) ----
-- Every metric documented where it is read: definition, unit, NULL handling (the long form is
-- docs/analyst.md). Views sharing a measure share its text. A per-student metric is NULL when
-- a value it needs was delivered missing and kept as unknown (07_missing_values.sql); a group
-- mean divides by the students whose value is known; a measure of a cell withheld from the
-- caller (suppressed = true, 19_privacy.sql) is NULL, and says so.
DO $comments$
DECLARE
    c record;
    suppressed_note constant text := ' NULL when suppressed.';
BEGIN
    FOR c IN SELECT v.view, v.col, v.doc, v.can_be_withheld
               FROM (VALUES
        -- per student
        ('student_metrics', 'grade_mean', 'Mean of g1, g2, g3: points on the 0-20 scale, 2 decimals.', false),
        ('student_metrics', 'grade_slope', 'Least-squares change of the grade per period over the three periods, (g3 - g1) / 2: points per period, 1 decimal.', false),
        ('student_metrics', 'grade_trend', 'improving (g3 - g1 >= 2), declining (<= -2) or stable.', false),
        ('student_metrics', 'passed', 'g3 >= 10, the pass mark of the 0-20 scale (boolean).', false),
        ('student_metrics', 'at_risk', 'Any past class failure, or mean of g1 and g2 below 10, or 20 or more absences (boolean).', false),
        ('student_metrics', 'alcohol_index', 'A week''s alcohol use, (5 * dalc + 2 * walc) / 7, on the 1-5 scale of the dictionary, 2 decimals.', false),
        ('student_metrics', 'alcohol_level', 'low (alcohol index < 2), moderate (< 3) or high (>= 3).', false),
        ('student_metrics', 'study_band', 'Weekly study time as the dictionary''s band: <2h, 2-5h, 5-10h, >10h (studytime 1-4).', false),
        ('student_metrics', 'absence_band', 'none (0 absences), low (1-5), medium (6-15), high (16+).', false),
        ('student_metrics', 'parent_education_level', 'The higher of medu and fedu (0-4).', false),
        ('student_metrics', 'parent_education', 'parent_education_level named: none, primary, 5th-9th grade, secondary, higher.', false),
        ('student_metrics', 'likely_dropout', 'g3 = 0 with no absences: most likely left the course rather than failed it (boolean; NULL when absences is unknown).', false),
        -- per group (group_trends: every kept delivery; group_metrics: the latest of each subject)
        ('group_trends', 'run_id', 'The delivery (load_runs row).', false),
        ('group_trends', 'loaded_at', 'When the delivery finished loading.', false),
        ('group_trends', 'dimension', 'What groups the students: all, school, sex, address, famsize, pstatus, age, study_time, alcohol_level, absence_band, parent_education.', false),
        ('group_trends', 'bucket', 'The group within the dimension (all for dimension all).', false),
        ('group_trends', 'students', 'Students in the group (count).', true),
        ('group_trends', 'pass_rate', 'Share of the group''s students with g3 >= 10, likely dropouts left out of both sides unless student_etl.pass_rate_includes_dropouts: 0-1, 4 decimals.', true),
        ('group_trends', 'mean_g1', 'Mean first-period grade over the students whose g1 is known: points 0-20, 2 decimals.', true),
        ('group_trends', 'mean_g2', 'Mean second-period grade over the students whose g2 is known: points 0-20, 2 decimals.', true),
        ('group_trends', 'mean_g3', 'Mean final grade: points 0-20, 2 decimals.', true),
        ('group_trends', 'mean_grade', 'Mean of the three period grade means over the group: points 0-20, 2 decimals.', true),
        ('group_trends', 'mean_absences', 'Mean number of school absences per student whose absences are known, 2 decimals.', true),
        ('group_trends', 'at_risk_share', 'Share of the students whose at_risk flag is known (student_metrics) that are at risk: 0-1, 4 decimals.', true),
        ('group_trends', 'mean_alcohol_index', 'Mean alcohol index (student_metrics) over the students whose dalc and walc are known, 1-5 scale, 2 decimals.', true),
        ('group_trends', 'likely_dropouts', 'Students with g3 = 0 and no absences (count); shown to a dashboard only when 0 or at least student_etl.min_group_size.', true),
        ('group_trends', 'suppressed', 'The cell is withheld from you: fewer than student_etl.min_group_size students, or needed to keep such a cell from being recovered by subtraction (docs/analyst.md). Always false for analysts.', false),
        ('delivery_sequence', 'run_id', 'A kept loaded delivery (load_runs row).', false),
        ('delivery_sequence', 'loaded_at', 'When it finished loading.', false),
        ('delivery_sequence', 'previous_run_id', 'The previous kept loaded delivery of the same subject (NULL for the first).', false),
        ('group_trends', 'previous_run_id', 'The previous kept loaded delivery of the subject (NULL for the first).', false),
        ('group_trends', 'students_change', 'students minus the same group''s students in the previous delivery (count). NULL if either is withheld or the group is new.', false),
        ('group_trends', 'pass_rate_change', 'pass_rate minus the same group''s in the previous delivery (share points). NULL if either is withheld or the group is new.', false),
        ('group_trends', 'mean_g3_change', 'mean_g3 minus the same group''s in the previous delivery (points). NULL if either is withheld or the group is new.', false),
        ('group_trends', 'mean_grade_change', 'mean_grade minus the same group''s in the previous delivery (points). NULL if either is withheld or the group is new.', false),
        ('latest_runs', 'file_path', 'The delivery''s file as given to load().', false),
        ('latest_runs', 'loaded_at', 'When the delivery finished loading.', false),
        ('latest_runs', 'rows_loaded', 'Records of the delivery loaded (count).', false),
        ('run_metrics', 'loaded_at', 'When the delivery finished loading.', false),
        ('q3_top_father_jobs_by_pstatus', 'rank', 'Position by count, descending; equal counts by job name.', false),
        ('q5_median_absences_by_famrel_sex', 'famrel_band', 'low (famrel 1-2) or average (famrel 3).', false),
        ('run_metrics', 'rows_loaded', 'Records of the delivery loaded (count).', false),
        ('run_metrics', 'rows_rejected', 'Records of the delivery rejected (count).', false),
        ('run_metrics', 'pass_rate', 'Share of the delivery''s students with g3 >= 10, likely dropouts left out unless student_etl.pass_rate_includes_dropouts: 0-1, 4 decimals.', true),
        ('run_metrics', 'rows_with_missing', 'Records of the delivery loaded with a missing value kept as unknown (count).', false),
        ('run_metrics', 'likely_dropouts', 'Students with g3 = 0 and no absences (count); shown to a dashboard only when 0 or at least student_etl.min_group_size.', true),
        ('run_metrics', 'mean_grade', 'Mean of the three period grades: points 0-20, 2 decimals.', true),
        ('run_metrics', 'mean_g3', 'Mean final grade: points 0-20, 2 decimals.', true),
        ('run_metrics', 'mean_absences', 'Mean number of school absences per student, 2 decimals.', true),
        ('run_metrics', 'at_risk_share', 'Share of students flagged at_risk: 0-1, 4 decimals.', true),
        ('run_metrics', 'suppressed', 'The delivery has fewer than student_etl.min_group_size students: its measures are withheld from you.', false),
        ('grade_distribution', 'students', 'Students of the school with this final grade g3 (count); grades nobody got have no row.', true),
        ('grade_distribution', 'suppressed', 'The cell is withheld from you (partition: subject and school).', false),
        ('q1_mother_jobs_of_young_male_students', 'students', 'Male students under 20 whose mother has this job (count).', true),
        ('q1_mother_jobs_of_young_male_students', 'suppressed', 'The cell is withheld from you (partition: subject).', false),
        ('q2_rural_most_frequent_traveltime', 'traveltime', 'The most frequent travel time of rural students (dictionary code 1-4); ties all shown.', true),
        ('q2_rural_most_frequent_traveltime', 'students', 'Rural students with that travel time (count).', true),
        ('q2_rural_most_frequent_traveltime', 'suppressed', 'The answer is withheld from you (partition: subject, every travel time).', false),
        ('q3_top_father_jobs_by_pstatus', 'fjob', 'Father''s job at this rank.', true),
        ('q3_top_father_jobs_by_pstatus', 'students', 'Students with that father''s job and parents'' status (count).', true),
        ('q3_top_father_jobs_by_pstatus', 'tied_with_next', 'The next job has the same count (the cut at 3 may split a tie).', true),
        ('q3_top_father_jobs_by_pstatus', 'suppressed', 'The answer is withheld from you (partition: subject and pstatus, every job).', false),
        ('q4_most_frequent_failures_by_famsize', 'failures', 'The most frequent number of past class failures (0-4); ties all shown.', true),
        ('q4_most_frequent_failures_by_famsize', 'students', 'Students of the family size with that number of failures (count).', true),
        ('q4_most_frequent_failures_by_famsize', 'suppressed', 'The answer is withheld from you (partition: subject and famsize, every number of failures).', false),
        ('q5_median_absences_by_famrel_sex', 'students', 'Students of the band and sex (count).', true),
        ('q5_median_absences_by_famrel_sex', 'median_absences', 'Median number of absences, percentile_cont(0.5): the mean of the two middle values for an even count.', true),
        ('q5_median_absences_by_famrel_sex', 'suppressed', 'The cell is withheld from you (partition: subject and famrel band).', false),
        -- drift against the previous delivery of the subject
        ('delivery_drift', 'run_id', 'The delivery (load_runs row).', false),
        ('delivery_drift', 'previous_run_id', 'The previous kept loaded delivery of the same subject, compared with.', false),
        ('delivery_drift', 'loaded_at', 'When the delivery finished loading.', false),
        ('delivery_drift', 'kind', 'students (the number of students), mean (of a numeric column), share (of one code of a coded or yes/no column).', false),
        ('delivery_drift', 'column_name', 'The column (NULL for kind students).', false),
        ('delivery_drift', 'code', 'The code, for kind share (yes/no columns as yes and no).', false),
        ('delivery_drift', 'previous_value', 'In the previous delivery: students (count), the mean (column units) or the share (0-1), 4 decimals.', true),
        ('delivery_drift', 'current_value', 'In this delivery: students (count), the mean (column units) or the share (0-1), 4 decimals.', true),
        ('delivery_drift', 'shift', 'current_value - previous_value (students, column units, or share points 0-1), 4 decimals.', true),
        ('delivery_drift', 'score', 'What the threshold is compared with: students |shift| / previous count; mean |shift| / standard deviation of the previous delivery (Infinity if that is 0 and the mean moved); share |shift|.', true),
        ('delivery_drift', 'threshold', 'The setting the score is compared with: student_etl.drift_count_threshold (students), drift_mean_threshold (mean), drift_share_threshold (share).', false),
        ('delivery_drift', 'change', 'appeared (the code is in this delivery only) or vanished (in the previous one only); NULL otherwise.', false),
        ('delivery_drift', 'flagged', 'score >= threshold, or the code appeared or vanished. NULL when suppressed, unless the code appeared or vanished.', false),
        ('delivery_drift', 'suppressed', 'The measure is withheld from you: a delivery under student_etl.min_group_size students, or a code with few students in either delivery (and complementary codes of the column).', false),
        ('delivery_drift_summary', 'flagged_measures', 'Measures of delivery_drift flagged (count; withheld ones not counted).', false),
        ('delivery_drift_summary', 'flagged_means', 'Means flagged (count).', false),
        ('delivery_drift_summary', 'flagged_shares', 'Code shares flagged, appeared and vanished codes included (count).', false),
        ('delivery_drift_summary', 'codes_appeared', 'Codes in this delivery and not in the previous one (count).', false),
        ('delivery_drift_summary', 'codes_vanished', 'Codes in the previous delivery and not in this one (count).', false),
        ('delivery_drift_summary', 'student_count_flagged', 'The number of students changed past student_etl.drift_count_threshold. NULL when withheld.', false),
        ('delivery_drift_summary', 'suppressed_measures', 'Measures withheld from you (count).', false),
        ('delivery_drift_summary', 'previous_run_id', 'The previous kept loaded delivery of the same subject.', false),
        ('delivery_drift_summary', 'loaded_at', 'When the delivery finished loading.', false),
        -- across courses
        ('course_overlap', 'math_students', 'Current math records (count).', true),
        ('course_overlap', 'portuguese_students', 'Current Portuguese records (count).', true),
        ('course_overlap', 'matched_pairs', 'Rows of course_matches: pairs of a math and a Portuguese record agreeing on the 13 attributes (count).', true),
        ('course_overlap', 'students_in_both', 'Students taking both courses, each once: 1 per unambiguous pair, least(math, Portuguese records) per ambiguous combination (an upper bound there).', true),
        ('course_overlap', 'students_total', 'Students in either course, each once: math_students + portuguese_students - students_in_both.', true),
        ('course_overlap', 'suppressed', 'A count is withheld from you (each count is its own cell).', false),
        ('course_matches', 'math_run_id', 'The math record''s delivery (load_runs row).', false),
        ('course_matches', 'math_source_line', 'The math record''s physical line in its file.', false),
        ('course_matches', 'portuguese_run_id', 'The Portuguese record''s delivery (load_runs row).', false),
        ('course_matches', 'portuguese_source_line', 'The Portuguese record''s physical line in its file.', false),
        ('course_matches', 'math_g1', 'The math record''s first-period grade: points 0-20.', false),
        ('course_matches', 'math_g2', 'The math record''s second-period grade: points 0-20.', false),
        ('course_matches', 'math_g3', 'The math record''s final grade: points 0-20.', false),
        ('course_matches', 'portuguese_g1', 'The Portuguese record''s first-period grade: points 0-20.', false),
        ('course_matches', 'portuguese_g2', 'The Portuguese record''s second-period grade: points 0-20.', false),
        ('course_matches', 'portuguese_g3', 'The Portuguese record''s final grade: points 0-20.', false),
        ('course_overlap', 'math_run_id', 'The current math delivery (latest_runs).', false),
        ('course_overlap', 'portuguese_run_id', 'The current Portuguese delivery (latest_runs).', false),
        ('course_grades', 'bucket', 'The group within the dimension (all for dimension all).', false),
        ('course_grades', 'dimension', 'What groups the pairs: all, school, sex, address, age.', false),
        ('course_grades', 'ambiguous', 'Pairs of an ambiguous combination (may join two different students) apart from unambiguous ones (one student each).', false),
        ('course_grades', 'pairs', 'Matched pairs in the group (count); unambiguous pairs are students.', true),
        ('course_grades', 'mean_math_g3', 'Mean final math grade of the pairs: points 0-20, 2 decimals.', true),
        ('course_grades', 'mean_portuguese_g3', 'Mean final Portuguese grade of the pairs: points 0-20, 2 decimals.', true),
        ('course_grades', 'mean_g3_difference', 'Mean of Portuguese g3 minus math g3 of the same pair: points, 2 decimals (positive: better in Portuguese).', true),
        ('course_grades', 'passed_both_share', 'Share of pairs with g3 >= 10 in both courses: 0-1, 4 decimals.', true),
        ('course_grades', 'passed_math_only_share', 'Share of pairs passing math only: 0-1, 4 decimals.', true),
        ('course_grades', 'passed_portuguese_only_share', 'Share of pairs passing Portuguese only: 0-1, 4 decimals.', true),
        ('course_grades', 'failed_both_share', 'Share of pairs failing both: 0-1, 4 decimals.', true),
        ('course_grades', 'suppressed', 'The cell is withheld from you (partition: dimension, both kinds of pairs).', false)
                    ) AS v(view, col, doc, can_be_withheld)
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN student_etl.%I.%I IS %L', c.view, c.col,
                                  c.doc || CASE WHEN c.can_be_withheld THEN suppressed_note ELSE '' END);
    END LOOP;
    -- group_metrics is group_trends over the latest deliveries: the same texts.
    FOR c IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS doc
               FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = 'student_etl.group_trends'::pg_catalog.regclass AND a.attnum > 0
                AND a.attname IN (SELECT m.attname FROM pg_catalog.pg_attribute m
                                   WHERE m.attrelid = 'student_etl.group_metrics'::pg_catalog.regclass)
                AND pg_catalog.col_description(a.attrelid, a.attnum) IS NOT NULL LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN student_etl.group_metrics.%I IS %L', c.attname, c.doc);
    END LOOP;
END
$comments$;

COMMENT ON VIEW student_etl._group_cells IS
    'Internal: the group cells of every kept delivery as the caller may see them (small groups withheld below the analyst profile); read by group_trends, group_metrics, run_metrics.';
COMMENT ON VIEW student_etl.delivery_sequence IS
    'Every kept (loaded, not purged) delivery with the previous one of its subject: the order of trends and drift.';
COMMENT ON VIEW student_etl.group_trends IS
    'Group measures of every kept loaded delivery: one row per run, dimension and bucket (trends per group across deliveries). Cells withheld from dashboards read NULL with suppressed = true.';
COMMENT ON VIEW student_etl.group_metrics IS
    'Group measures over the latest loaded delivery of each subject: one row per dimension and bucket. Cells withheld from dashboards read NULL with suppressed = true.';
COMMENT ON VIEW student_etl.run_metrics IS
    'Whole-delivery measures per loaded run, over time, with the run''s loaded and rejected record counts.';
COMMENT ON VIEW student_etl.grade_distribution IS
    'Students per final grade (g3, 0-20) and school, latest delivery of each subject.';
COMMENT ON VIEW student_etl.latest_facets IS
    'The run_facets cells of the latest delivery of each subject (what the questions read).';
COMMENT ON VIEW student_etl.q1_mother_jobs_of_young_male_students IS
    'Question 1: the mothers'' jobs of male students under 20, with how many such students, latest delivery of each subject.';
COMMENT ON VIEW student_etl.q2_rural_most_frequent_traveltime IS
    'Question 2: the most frequent travel time of rural students (ties all shown), latest delivery of each subject.';
COMMENT ON VIEW student_etl.q3_top_father_jobs_by_pstatus IS
    'Question 3: the top 3 fathers'' jobs per parents'' cohabitation status (equal counts by job name), latest delivery of each subject.';
COMMENT ON VIEW student_etl.q4_most_frequent_failures_by_famsize IS
    'Question 4: the most frequent number of past failures per family size (ties all shown), latest delivery of each subject.';
COMMENT ON VIEW student_etl.q5_median_absences_by_famrel_sex IS
    'Question 5: median absences (percentile_cont 0.5) for low (famrel 1-2) and average (famrel 3) family relationships, by sex, latest delivery of each subject.';
COMMENT ON VIEW student_etl.latest_runs IS
    'The latest loaded, not purged delivery of each subject: what "current" means.';

SELECT student_etl._apply_profile_rights(g.role) FROM (SELECT DISTINCT role FROM student_etl.role_profiles) g;
