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
COMMENT ON FUNCTION student_etl._missing_value_problem(text, text, text) IS
    'Why the loader could not apply a missing-value policy (a default that is no valid value of its column, NULL for one of the 14 required columns), or NULL: the loader''s own check, run when a policy is set.';
COMMENT ON FUNCTION student_etl._set_missing_value_policy(regrole, text, text, text) IS
    'set_missing_value_policy() for caller (admin profile): the column''s policy row, checked by _missing_value_problem; NULL action goes back to the shipped policy. Owner only.';
