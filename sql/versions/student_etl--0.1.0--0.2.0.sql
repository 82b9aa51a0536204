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

-- ---- 0.2.0, issue 13 items 3 and 4: missing values kept and flagged, quality per delivery ----
-- (src/sql/07_missing_values.sql, 36_quality.sql; NULL-aware metrics in 20 and 21.)

-- load_runs: records loaded with a missing value.
ALTER TABLE student_etl.load_runs ADD COLUMN rows_with_missing bigint NOT NULL DEFAULT 0;
ALTER TABLE student_etl.load_runs ADD CONSTRAINT load_runs_missing_within_loaded CHECK (rows_with_missing <= rows_loaded);
COMMENT ON COLUMN student_etl.load_runs.rows_with_missing IS
    'Loaded records with at least one missing value, kept as NULL or replaced by a default (student_etl.missing_value_policy); part of rows_loaded.';

-- student_performance: a missing value the policy keeps is NULL (never one of the 13
-- identifying attributes or g3).
ALTER TABLE student_etl.student_performance
    ALTER COLUMN guardian DROP NOT NULL, ALTER COLUMN traveltime DROP NOT NULL,
    ALTER COLUMN studytime DROP NOT NULL, ALTER COLUMN failures DROP NOT NULL,
    ALTER COLUMN schoolsup DROP NOT NULL, ALTER COLUMN famsup DROP NOT NULL, ALTER COLUMN paid DROP NOT NULL,
    ALTER COLUMN activities DROP NOT NULL, ALTER COLUMN higher DROP NOT NULL, ALTER COLUMN romantic DROP NOT NULL,
    ALTER COLUMN famrel DROP NOT NULL, ALTER COLUMN freetime DROP NOT NULL, ALTER COLUMN goout DROP NOT NULL,
    ALTER COLUMN dalc DROP NOT NULL, ALTER COLUMN walc DROP NOT NULL, ALTER COLUMN health DROP NOT NULL,
    ALTER COLUMN absences DROP NOT NULL, ALTER COLUMN g1 DROP NOT NULL, ALTER COLUMN g2 DROP NOT NULL,
    ALTER COLUMN grade_mean DROP NOT NULL, ALTER COLUMN grade_change DROP NOT NULL;
COMMENT ON TABLE student_etl.student_performance IS
    'One row per loaded student record: the 33 attributes of the data dictionary, typed, plus subject, derived columns and lineage. NULL: delivered missing and kept as unknown (student_etl.missing_values says which).';
COMMENT ON COLUMN student_etl.student_performance.grade_mean IS 'round((g1 + g2 + g3) / 3.0, 2); NULL when g1 or g2 is unknown';
COMMENT ON COLUMN student_etl.student_performance.grade_change IS 'g3 - g1: progress from the first period to the final grade; NULL when g1 is unknown';

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

-- ---- NULL-aware metrics (as src/sql/20_student_metrics.sql, 21_questions.sql) ----
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
  FROM student_etl.student_performance p;
COMMENT ON VIEW student_etl.student_metrics IS
    'One row per loaded student with derived metrics: trend, pass, at-risk flag, alcohol index and level, study/absence bands, parental education, likely dropout (g3 = 0 and absences = 0). A metric that needs an unknown (NULL) value is NULL.';

CREATE OR REPLACE VIEW student_etl.group_metrics AS
SELECT f.subject, f.facet AS dimension,
       CASE WHEN f.facet = 'all' THEN 'all' ELSE f.key1 END AS bucket,
       f.students,
       round(f.passed::numeric / nullif(f.students - CASE WHEN coalesce(current_setting('student_etl.pass_rate_includes_dropouts', true)::boolean, false)
                                                          THEN 0 ELSE f.likely_dropouts END, 0), 4) AS pass_rate,
       round(f.sum_g1::numeric / nullif(f.known_g1, 0), 2) AS mean_g1,
       round(f.sum_g2::numeric / nullif(f.known_g2, 0), 2) AS mean_g2,
       round(f.sum_g3::numeric / f.students, 2) AS mean_g3,
       round(CASE WHEN f.known_g1 = f.students AND f.known_g2 = f.students
                  THEN (f.sum_g1 + f.sum_g2 + f.sum_g3)::numeric / (3 * f.students)
                  ELSE (f.sum_g1::numeric / nullif(f.known_g1, 0) + f.sum_g2::numeric / nullif(f.known_g2, 0)
                        + f.sum_g3::numeric / f.students) / 3 END, 2) AS mean_grade,
       round(f.sum_absences::numeric / nullif(f.known_absences, 0), 2) AS mean_absences,
       round(f.at_risk::numeric / nullif(f.known_at_risk, 0), 4) AS at_risk_share,
       round(f.sum_alcohol_week::numeric / nullif(7 * f.known_alcohol, 0), 2) AS mean_alcohol_index,
       f.likely_dropouts
  FROM student_etl.run_facets f
  JOIN student_etl.latest_runs r USING (run_id)
 WHERE f.facet NOT LIKE 'q%' AND f.facet NOT LIKE 'grades%';
COMMENT ON VIEW student_etl.group_metrics IS
    'Latest load of each subject, per facet bucket: students, pass rate (likely dropouts left out unless student_etl.pass_rate_includes_dropouts), means of grades, absences and alcohol index and at-risk share over the students whose value is known (NULL: none known), likely dropouts.';

CREATE OR REPLACE VIEW student_etl.run_metrics AS
SELECT r.run_id, r.subject, r.finished_at AS loaded_at, r.rows_loaded, r.rows_rejected,
       round(f.passed::numeric / nullif(f.students - CASE WHEN coalesce(current_setting('student_etl.pass_rate_includes_dropouts', true)::boolean, false)
                                                          THEN 0 ELSE f.likely_dropouts END, 0), 4) AS pass_rate,
       round(CASE WHEN f.known_g1 = f.students AND f.known_g2 = f.students
                  THEN (f.sum_g1 + f.sum_g2 + f.sum_g3)::numeric / (3 * f.students)
                  ELSE (f.sum_g1::numeric / nullif(f.known_g1, 0) + f.sum_g2::numeric / nullif(f.known_g2, 0)
                        + f.sum_g3::numeric / f.students) / 3 END, 2) AS mean_grade,
       round(f.sum_g3::numeric / f.students, 2) AS mean_g3,
       round(f.sum_absences::numeric / nullif(f.known_absences, 0), 2) AS mean_absences,
       round(f.at_risk::numeric / nullif(f.known_at_risk, 0), 4) AS at_risk_share,
       r.rows_with_missing, f.likely_dropouts
  FROM student_etl.load_runs r
  JOIN student_etl.run_facets f ON f.run_id = r.run_id AND f.facet = 'all'
 WHERE r.status = 'loaded';
COMMENT ON VIEW student_etl.run_metrics IS
    'Per loaded run (facet all): the measures of group_metrics, with the same NULL and dropout rules, and the run''s rejected and missing-value counts.';

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
CREATE OR REPLACE VIEW student_etl.q2_rural_most_frequent_traveltime AS
SELECT subject, traveltime, students
  FROM (SELECT subject, key2::smallint AS traveltime, students,
               rank() OVER (PARTITION BY subject ORDER BY students DESC) AS rnk
          FROM student_etl.latest_facets
         WHERE facet = 'q2_address_traveltime' AND key1 = 'R' AND key2 <> 'unknown') t
 WHERE rnk = 1
 ORDER BY subject, traveltime;
COMMENT ON VIEW student_etl.q2_rural_most_frequent_traveltime IS
    'Latest load of each subject: the most frequent travel time of rural students (ties all shown); students with an unknown (NULL) travel time are left out.';

-- 4. The most frequent number of past failures per family size; tied values all shown.
CREATE OR REPLACE VIEW student_etl.q4_most_frequent_failures_by_famsize AS
SELECT subject, famsize, failures, students
  FROM (SELECT subject, key1 AS famsize, key2::smallint AS failures, students,
               rank() OVER (PARTITION BY subject, key1 ORDER BY students DESC) AS rnk
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
CREATE OR REPLACE VIEW student_etl.q5_median_absences_by_famrel_sex AS
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
)
SELECT subject, famrel_band, sex, total AS students,
       ((min(absences) FILTER (WHERE first_pos <= floor((total - 1) / 2.0) AND floor((total - 1) / 2.0) < first_pos + n)
       + min(absences) FILTER (WHERE first_pos <= ceil((total - 1) / 2.0) AND ceil((total - 1) / 2.0) < first_pos + n))
       / 2.0)::double precision AS median_absences
  FROM positioned
 GROUP BY subject, famrel_band, sex, total
 ORDER BY subject, famrel_band DESC, sex;
COMMENT ON VIEW student_etl.q5_median_absences_by_famrel_sex IS
    'Latest load of each subject: median absences (percentile_cont 0.5) by family relationship band (low: famrel 1-2, average: 3) and sex; students with unknown (NULL) famrel or absences are left out, and students counts only those known.';

-- ---- quality per delivery (as src/sql/36_quality.sql) ----
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
       q.duplicate_records, q.duplicates_complete, q.likely_dropouts
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
          FROM student_etl.student_performance p WHERE p.run_id = r.run_id),
       true,
       (SELECT count(*) FROM student_etl.student_performance p WHERE p.run_id = r.run_id AND p.g3 = 0 AND p.absences = 0)
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
        DELETE FROM student_etl.student_performance p WHERE p.run_id = r.run_id;
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
