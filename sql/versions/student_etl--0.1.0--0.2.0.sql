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
