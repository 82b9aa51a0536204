-- Profiles: who may do what (docs/security.md). A role is given a profile with
-- student_etl.grant_access(); each profile includes the ones below it. The grants a profile
-- carries are listed in profile_rights and applied to the role by the extension; nobody but
-- the extension's owner writes any of its tables.
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

-- Who holds which profile, by role OID: a dropped role's grant does not pass to a new role
-- of the same name. pg_dump writes regrole as the role's name, so a restore into another
-- cluster maps it to the role there.
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

-- What each profile may do: one privilege on one object per row, at the lowest profile that
-- has it. Filled at the end of the install script (90_privileges.sql), when every object exists.
CREATE TABLE student_etl.profile_rights (
    profile   text NOT NULL REFERENCES student_etl.profiles,
    object    text NOT NULL,
    privilege text NOT NULL,
    PRIMARY KEY (object, privilege)
);
COMMENT ON TABLE student_etl.profile_rights IS
    'The privilege matrix: object (as GRANT names it), privilege, and the lowest profile that holds it.';

-- True if role holds profile `wanted` or a higher one -- itself or through a role it inherits
-- from -- or is a superuser. Used by the C entry points, row-level security and the views.
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

-- Re-applies the grants of one role's profiles: everything the extension can grant is revoked,
-- then what its highest profile carries is granted; the role defaults follow the profile
-- (dashboard: read-only with a statement_timeout; analyst: read-only; loader and admin: none).
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

-- Only a superuser, or the role that owns the extension, manages profiles.
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

-- Who holds which profile. Every profile holder sees its own rows (those of the roles whose
-- rights it has); admins see all.
CREATE VIEW student_etl.access AS
SELECT g.role::text AS role_name, g.profile, p.rank, g.granted_by, g.granted_at
  FROM student_etl.role_profiles g
  JOIN student_etl.profiles p ON p.profile = g.profile
 WHERE EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = g.role::oid)
   AND (pg_catalog.pg_has_role(g.role::oid, 'USAGE') OR student_etl._has_profile(current_user::regrole, 'admin'));
COMMENT ON VIEW student_etl.access IS
    'Profiles granted to roles (yours, or every role''s for an admin): role, profile, rank, who granted it and when.';
COMMENT ON FUNCTION student_etl._require_access_manager(regrole) IS
    'Raises unless caller is a superuser or the extension''s owner: the one check behind grant_access() and revoke_access().';
COMMENT ON FUNCTION student_etl._grant_access(regrole, name, text, text) IS
    'grant_access() for caller (student_etl_owner_call passes the session''s user): records the profile and applies its rights. Owner only.';
COMMENT ON FUNCTION student_etl._revoke_access(regrole, name, text) IS
    'revoke_access() for caller: removes one profile (NULL: every profile) and applies what is left. Owner only.';
