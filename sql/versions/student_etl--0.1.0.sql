-- CREATE EXTENSION adopts an existing schema named student_etl. If another role made it
-- first, that role -- as the schema's owner -- could drop and replace the extension's
-- tables later, or have planted objects there. Refuse unless the schema is owned by a
-- superuser and holds nothing yet.
DO $guard$
DECLARE
    owner_name name;
    owner_is_super boolean;
    squatters bigint;
BEGIN
    SELECT r.rolname, r.rolsuper INTO owner_name, owner_is_super
      FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
     WHERE n.nspname OPERATOR(pg_catalog.=) 'student_etl';
    IF NOT owner_is_super THEN
        RAISE EXCEPTION 'schema student_etl already exists and is owned by %, not by a superuser', owner_name
              USING HINT = 'Drop it (or give it to a superuser after checking its contents) and run CREATE EXTENSION again.';
    END IF;
    SELECT (SELECT pg_catalog.count(*) FROM pg_catalog.pg_class
             WHERE relnamespace OPERATOR(pg_catalog.=) 'student_etl'::pg_catalog.regnamespace)
         OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_proc
             WHERE pronamespace OPERATOR(pg_catalog.=) 'student_etl'::pg_catalog.regnamespace)
         OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_type
             WHERE typnamespace OPERATOR(pg_catalog.=) 'student_etl'::pg_catalog.regnamespace)
         OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_operator
             WHERE oprnamespace OPERATOR(pg_catalog.=) 'student_etl'::pg_catalog.regnamespace)
      INTO squatters;
    IF squatters OPERATOR(pg_catalog.<>) 0 THEN
        RAISE EXCEPTION 'schema student_etl already holds % objects', squatters
              USING HINT = 'Install student_etl into a new, empty schema.';
    END IF;
END
$guard$;
-- One row per call of load(): the audit trail of every delivery, loaded or skipped -- and, for
-- deliveries loaded by the background worker, failed (recorded after the load rolled back).
CREATE TABLE student_etl.load_runs (
    run_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_path      text NOT NULL,
    resolved_path  text,
    file_size      bigint CHECK (file_size >= 0),
    checksum       text CHECK (checksum ~ '^[0-9a-f]{64}$'),
    subject        text CHECK (subject IN ('math', 'portuguese')),
    status         text NOT NULL CHECK (status IN ('running', 'loaded', 'skipped', 'failed')),
    delimiter      text,
    rows_read      bigint NOT NULL DEFAULT 0,
    rows_loaded    bigint NOT NULL DEFAULT 0,
    rows_rejected  bigint NOT NULL DEFAULT 0,
    duplicate_of   bigint REFERENCES student_etl.load_runs (run_id),
    error          text,
    loaded_by      name NOT NULL DEFAULT CURRENT_USER,
    started_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at    timestamptz,
    CHECK (rows_read = rows_loaded + rows_rejected),
    CHECK ((status = 'skipped') = (duplicate_of IS NOT NULL)),
    -- A failed file may not have been resolved, sized or read; every other run has all three.
    CONSTRAINT load_runs_file_known_unless_failed
    CHECK (status = 'failed' OR (resolved_path IS NOT NULL AND file_size IS NOT NULL AND checksum IS NOT NULL)),
    CONSTRAINT load_runs_error_iff_failed CHECK ((status = 'failed') = (error IS NOT NULL))
);
-- A given content is loaded at most once; concurrent loads are serialised by load() itself,
-- this index is the backstop.
CREATE UNIQUE INDEX load_runs_one_load_per_checksum
    ON student_etl.load_runs (checksum) WHERE status = 'loaded';
CREATE INDEX load_runs_started_at ON student_etl.load_runs (started_at);

COMMENT ON TABLE student_etl.load_runs IS
    'One row per student_etl.load() call: file, SHA-256 checksum, status, row counts, times.';
COMMENT ON COLUMN student_etl.load_runs.checksum IS 'SHA-256 of the file content, lower-case hex.';
COMMENT ON COLUMN student_etl.load_runs.duplicate_of IS 'For skipped runs: the run that loaded this content.';
COMMENT ON COLUMN student_etl.load_runs.error IS 'For failed runs (background worker only): the error text.';

SELECT pg_catalog.pg_extension_config_dump('student_etl.load_runs', '');
-- The typed fact table: one row per student record of a delivery. Domains follow the data
-- dictionary (student.txt); the loader validates the same domains before writing, so the
-- CHECK constraints are the guarantee, not the filter.
CREATE TABLE student_etl.student_performance (
    school      text     NOT NULL CHECK (school IN ('GP', 'MS')),
    sex         text     NOT NULL CHECK (sex IN ('F', 'M')),
    age         smallint NOT NULL CHECK (age BETWEEN 15 AND 22),
    address     text     NOT NULL CHECK (address IN ('U', 'R')),
    famsize     text     NOT NULL CHECK (famsize IN ('LE3', 'GT3')),
    pstatus     text     NOT NULL CHECK (pstatus IN ('T', 'A')),
    medu        smallint NOT NULL CHECK (medu BETWEEN 0 AND 4),
    fedu        smallint NOT NULL CHECK (fedu BETWEEN 0 AND 4),
    mjob        text     NOT NULL CHECK (mjob IN ('teacher', 'health', 'services', 'at_home', 'other')),
    fjob        text     NOT NULL CHECK (fjob IN ('teacher', 'health', 'services', 'at_home', 'other')),
    reason      text     NOT NULL CHECK (reason IN ('home', 'reputation', 'course', 'other')),
    guardian    text     NOT NULL CHECK (guardian IN ('mother', 'father', 'other')),
    traveltime  smallint NOT NULL CHECK (traveltime BETWEEN 1 AND 4),
    studytime   smallint NOT NULL CHECK (studytime BETWEEN 1 AND 4),
    failures    smallint NOT NULL CHECK (failures BETWEEN 0 AND 4),
    schoolsup   boolean  NOT NULL,
    famsup      boolean  NOT NULL,
    paid        boolean  NOT NULL,
    activities  boolean  NOT NULL,
    nursery     boolean  NOT NULL,
    higher      boolean  NOT NULL,
    internet    boolean  NOT NULL,
    romantic    boolean  NOT NULL,
    famrel      smallint NOT NULL CHECK (famrel BETWEEN 1 AND 5),
    freetime    smallint NOT NULL CHECK (freetime BETWEEN 1 AND 5),
    goout       smallint NOT NULL CHECK (goout BETWEEN 1 AND 5),
    dalc        smallint NOT NULL CHECK (dalc BETWEEN 1 AND 5),
    walc        smallint NOT NULL CHECK (walc BETWEEN 1 AND 5),
    health      smallint NOT NULL CHECK (health BETWEEN 1 AND 5),
    absences    smallint NOT NULL CHECK (absences BETWEEN 0 AND 93),
    g1          smallint NOT NULL CHECK (g1 BETWEEN 0 AND 20),
    g2          smallint NOT NULL CHECK (g2 BETWEEN 0 AND 20),
    g3          smallint NOT NULL CHECK (g3 BETWEEN 0 AND 20),
    subject     text     NOT NULL CHECK (subject IN ('math', 'portuguese')),
    grade_mean  numeric(4,2) NOT NULL,
    passed      boolean  NOT NULL,
    grade_change smallint NOT NULL,
    run_id      bigint   NOT NULL,
    source_line bigint   NOT NULL
);
-- Append-only, written a whole run at a time: a run's rows sit in consecutive pages, so a
-- BRIN index on run_id finds them for a fraction of what a B-tree costs every inserted row.
-- (run_id, source_line) is unique by construction -- one row per physical line of one file
-- per run -- and the tests check it; it is not enforced by a B-tree on purpose (README,
-- "Design"). run_id refers to load_runs, written in the same transaction by load(); it is
-- not a declared foreign key because the bulk path writes without row triggers.
CREATE INDEX student_performance_run_brin ON student_etl.student_performance
    USING brin (run_id) WITH (autosummarize = on);

COMMENT ON TABLE student_etl.student_performance IS
    'One row per loaded student record: the 33 attributes of the data dictionary, typed, plus subject, derived columns and lineage.';
COMMENT ON COLUMN student_etl.student_performance.grade_mean IS 'round((g1 + g2 + g3) / 3.0, 2)';
COMMENT ON COLUMN student_etl.student_performance.passed IS 'g3 >= 10 (pass mark of the 0-20 Portuguese scale)';
COMMENT ON COLUMN student_etl.student_performance.grade_change IS 'g3 - g1: progress from the first period to the final grade';
COMMENT ON COLUMN student_etl.student_performance.run_id IS 'The load_runs row of the delivery this record came from.';
COMMENT ON COLUMN student_etl.student_performance.source_line IS 'Physical line of the record in its file (the header is line 1).';

SELECT pg_catalog.pg_extension_config_dump('student_etl.student_performance', '');
-- Records of a delivery that were not loaded, each with the reason. Never silently dropped.
CREATE TABLE student_etl.rejected_rows (
    run_id      bigint NOT NULL,
    line_number bigint NOT NULL,
    reason      text   NOT NULL,
    raw_record  text   NOT NULL,
    PRIMARY KEY (run_id, line_number)
);
COMMENT ON TABLE student_etl.rejected_rows IS
    'Records that failed validation: run, physical line, reason naming column and value, and the raw record (non-printable bytes as \xNN, capped at 8 KiB).';

SELECT pg_catalog.pg_extension_config_dump('student_etl.rejected_rows', '');
-- Per-run aggregates, written by load() in the same transaction as the run's rows: one row per
-- non-empty cell of each facet (a grouping of students by up to three keys). All measures are
-- additive, so any set of runs combines by sum(). Dashboards read these few hundred rows per
-- run instead of scanning student_performance. The facets and their keys are listed in
-- README ("Metrics"); student_etl.recompute_run_facets() derives the same cells from the
-- fact table, and the tests check that both agree.
CREATE TABLE student_etl.run_facets (
    run_id           bigint NOT NULL,
    subject          text   NOT NULL,
    facet            text   NOT NULL,
    key1             text   NOT NULL DEFAULT '',
    key2             text   NOT NULL DEFAULT '',
    key3             text   NOT NULL DEFAULT '',
    students         bigint NOT NULL CHECK (students > 0),
    passed           bigint NOT NULL,
    at_risk          bigint NOT NULL,
    sum_g1           bigint NOT NULL,
    sum_g2           bigint NOT NULL,
    sum_g3           bigint NOT NULL,
    sum_absences     bigint NOT NULL,
    sum_alcohol_week bigint NOT NULL,
    PRIMARY KEY (run_id, facet, key1, key2, key3)
);
COMMENT ON TABLE student_etl.run_facets IS
    'Pre-aggregated cells per load run and facet (students, passed, at_risk, grade/absence/alcohol sums), maintained by load().';
COMMENT ON COLUMN student_etl.run_facets.sum_alcohol_week IS 'Sum of 5 * dalc + 2 * walc; alcohol index = sum / (7 * students).';

SELECT pg_catalog.pg_extension_config_dump('student_etl.run_facets', '');
-- The CHECK constraints of student_performance exactly as installed (name and stored
-- expression). The loader's validator enforces every one of them before a row is formed
-- (src/core/schema.cpp: the same domains), so while the table's CHECKs are all in this list
-- the bulk path does not evaluate them again per row; a CHECK added or changed by a DBA is
-- not in the list, and then every CHECK is evaluated as usual. Tests: sql/07_integrity.sql
-- re-validates all rows; sql/09_added_constraint.sql adds a CHECK and sees it enforced.
CREATE TABLE student_etl.validated_checks (
    conname name PRIMARY KEY,
    conbin  text NOT NULL
);
INSERT INTO student_etl.validated_checks (conname, conbin)
SELECT conname, conbin::text
  FROM pg_catalog.pg_constraint
 WHERE conrelid = 'student_etl.student_performance'::pg_catalog.regclass AND contype = 'c';
COMMENT ON TABLE student_etl.validated_checks IS
    'CHECK constraints of student_performance that load() validates itself (snapshot taken at CREATE EXTENSION).';
CREATE FUNCTION student_etl.load(path text, subject text DEFAULT NULL)
RETURNS TABLE (run_id bigint, status text, subject text,
               rows_read bigint, rows_loaded bigint, rows_rejected bigint)
AS 'MODULE_PATHNAME', 'student_etl_load'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION student_etl.load(text, text) IS
    'Load one delivery file (server path under student_etl.allowed_dirs) into student_performance, in one transaction.';
-- Per-student metrics. Definitions (README, "Metrics"); the same rules are applied by the
-- loader when it aggregates (src/core/student_metrics.cpp) and tests check both agree.
CREATE VIEW student_etl.student_metrics AS
SELECT p.*,
       ((p.g3 - p.g1) / 2.0)::numeric(4,1) AS grade_slope,
       CASE WHEN p.g3 - p.g1 >= 2 THEN 'improving'
            WHEN p.g3 - p.g1 <= -2 THEN 'declining'
            ELSE 'stable' END AS grade_trend,
       (p.failures > 0 OR p.g1 + p.g2 < 20 OR p.absences >= 20) AS at_risk,
       round((5 * p.dalc + 2 * p.walc) / 7.0, 2) AS alcohol_index,
       CASE WHEN 5 * p.dalc + 2 * p.walc < 14 THEN 'low'
            WHEN 5 * p.dalc + 2 * p.walc < 21 THEN 'moderate'
            ELSE 'high' END AS alcohol_level,
       (ARRAY['<2h', '2-5h', '5-10h', '>10h'])[p.studytime] AS study_band,
       CASE WHEN p.absences = 0 THEN 'none' WHEN p.absences <= 5 THEN 'low'
            WHEN p.absences <= 15 THEN 'medium' ELSE 'high' END AS absence_band,
       greatest(p.medu, p.fedu) AS parent_education_level,
       (ARRAY['none', 'primary', '5th-9th grade', 'secondary', 'higher'])[greatest(p.medu, p.fedu) + 1]
           AS parent_education
  FROM student_etl.student_performance p;
COMMENT ON VIEW student_etl.student_metrics IS
    'One row per loaded student with derived metrics: trend, pass, at-risk flag, alcohol index and level, study/absence bands, parental education.';

-- The latest successful load of each subject: what "current" means for dashboards and the
-- analysts' questions.
CREATE VIEW student_etl.latest_runs AS
SELECT DISTINCT ON (subject) run_id, subject, file_path, finished_at AS loaded_at, rows_loaded
  FROM student_etl.load_runs
 WHERE status = 'loaded'
 ORDER BY subject, run_id DESC;

-- Group metrics over the latest load of each subject, one row per facet bucket.
CREATE VIEW student_etl.group_metrics AS
SELECT f.subject, f.facet AS dimension,
       CASE WHEN f.facet = 'all' THEN 'all' ELSE f.key1 END AS bucket,
       f.students,
       round(f.passed::numeric / f.students, 4) AS pass_rate,
       round(f.sum_g1::numeric / f.students, 2) AS mean_g1,
       round(f.sum_g2::numeric / f.students, 2) AS mean_g2,
       round(f.sum_g3::numeric / f.students, 2) AS mean_g3,
       round((f.sum_g1 + f.sum_g2 + f.sum_g3)::numeric / (3 * f.students), 2) AS mean_grade,
       round(f.sum_absences::numeric / f.students, 2) AS mean_absences,
       round(f.at_risk::numeric / f.students, 4) AS at_risk_share,
       round(f.sum_alcohol_week::numeric / (7 * f.students), 2) AS mean_alcohol_index
  FROM student_etl.run_facets f
  JOIN student_etl.latest_runs r USING (run_id)
 WHERE f.facet NOT LIKE 'q%' AND f.facet NOT LIKE 'grades%';

-- The same measures per load run, over time (facet 'all'), with the run's reject count.
CREATE VIEW student_etl.run_metrics AS
SELECT r.run_id, r.subject, r.finished_at AS loaded_at, r.rows_loaded, r.rows_rejected,
       round(f.passed::numeric / f.students, 4) AS pass_rate,
       round((f.sum_g1 + f.sum_g2 + f.sum_g3)::numeric / (3 * f.students), 2) AS mean_grade,
       round(f.sum_g3::numeric / f.students, 2) AS mean_g3,
       round(f.sum_absences::numeric / f.students, 2) AS mean_absences,
       round(f.at_risk::numeric / f.students, 4) AS at_risk_share
  FROM student_etl.load_runs r
  JOIN student_etl.run_facets f ON f.run_id = r.run_id AND f.facet = 'all'
 WHERE r.status = 'loaded';

-- The cells load() writes for a run, derived again from the fact table with the SQL rules
-- above: for checking the incremental aggregates, and for rebuilding them.
CREATE FUNCTION student_etl.recompute_run_facets(p_run_id bigint)
RETURNS TABLE (run_id bigint, subject text, facet text, key1 text, key2 text, key3 text,
               students bigint, passed bigint, at_risk bigint, sum_g1 bigint, sum_g2 bigint,
               sum_g3 bigint, sum_absences bigint, sum_alcohol_week bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT m.run_id, m.subject, k.facet, k.key1, k.key2, k.key3,
       count(*), count(*) FILTER (WHERE m.passed), count(*) FILTER (WHERE m.at_risk),
       sum(m.g1), sum(m.g2), sum(m.g3), sum(m.absences), sum(5 * m.dalc + 2 * m.walc)
  FROM student_etl.student_metrics m
 CROSS JOIN LATERAL (VALUES
        ('all', '', '', ''),
        ('school', m.school, '', ''),
        ('sex', m.sex, '', ''),
        ('address', m.address, '', ''),
        ('famsize', m.famsize, '', ''),
        ('pstatus', m.pstatus, '', ''),
        ('age', m.age::text, '', ''),
        ('study_time', m.study_band, '', ''),
        ('alcohol_level', m.alcohol_level, '', ''),
        ('absence_band', m.absence_band, '', ''),
        ('parent_education', m.parent_education, '', ''),
        ('grades_school_g3', m.school, m.g3::text, ''),
        ('q1_sex_age_mjob', m.sex, m.age::text, m.mjob),
        ('q2_address_traveltime', m.address, m.traveltime::text, ''),
        ('q3_pstatus_fjob', m.pstatus, m.fjob, ''),
        ('q4_famsize_failures', m.famsize, m.failures::text, ''),
        ('q5_famrel_sex_absences', m.famrel::text, m.sex, m.absences::text)
     ) AS k(facet, key1, key2, key3)
 WHERE m.run_id = p_run_id
 GROUP BY m.run_id, m.subject, k.facet, k.key1, k.key2, k.key3
$$;
-- The analysts' five questions, answered over the latest load of each subject (latest_runs)
-- from the pre-aggregated cross-tabs in run_facets, so they cost the same at any volume.
-- README ("The five questions") has the answers for the sample and the rules for ties.

-- Cells of one question facet for the latest load of each subject.
CREATE VIEW student_etl.latest_facets AS
SELECT f.*
  FROM student_etl.run_facets f
  JOIN student_etl.latest_runs r USING (run_id);

-- The final-grade distribution per school, latest load of each subject (dashboard histogram).
CREATE VIEW student_etl.grade_distribution AS
SELECT subject, key1 AS school, key2::smallint AS g3, students
  FROM student_etl.latest_facets
 WHERE facet = 'grades_school_g3';

-- 1. The unique mother's jobs of male students younger than 20 (with how many such students).
CREATE VIEW student_etl.q1_mother_jobs_of_young_male_students AS
SELECT subject, key3 AS mjob, sum(students) AS students
  FROM student_etl.latest_facets
 WHERE facet = 'q1_sex_age_mjob' AND key1 = 'M' AND key2::int < 20
 GROUP BY subject, key3
 ORDER BY subject, mjob;

-- 2. The most frequent travel time of students living in rural areas; tied values all shown.
CREATE VIEW student_etl.q2_rural_most_frequent_traveltime AS
SELECT subject, traveltime, students
  FROM (SELECT subject, key2::smallint AS traveltime, students,
               rank() OVER (PARTITION BY subject ORDER BY students DESC) AS rnk
          FROM student_etl.latest_facets
         WHERE facet = 'q2_address_traveltime' AND key1 = 'R') t
 WHERE rnk = 1
 ORDER BY subject, traveltime;

-- 3. The top 3 father's jobs per parents' cohabitation status. rank is the position by count
-- (descending); jobs with equal counts are ordered by name, so the cut at 3 is deterministic;
-- tied_with_next says the next job has the same count (the tie the cut may have split).
CREATE VIEW student_etl.q3_top_father_jobs_by_pstatus AS
SELECT subject, pstatus, rank, fjob, students, tied_with_next
  FROM (SELECT subject, key1 AS pstatus, key2 AS fjob, students,
               row_number() OVER w AS rank,
               coalesce(lead(students) OVER w = students, false) AS tied_with_next
          FROM student_etl.latest_facets
         WHERE facet = 'q3_pstatus_fjob'
        WINDOW w AS (PARTITION BY subject, key1 ORDER BY students DESC, key2)) t
 WHERE rank <= 3
 ORDER BY subject, pstatus, rank;

-- 4. The most frequent number of past failures per family size; tied values all shown.
CREATE VIEW student_etl.q4_most_frequent_failures_by_famsize AS
SELECT subject, famsize, failures, students
  FROM (SELECT subject, key1 AS famsize, key2::smallint AS failures, students,
               rank() OVER (PARTITION BY subject, key1 ORDER BY students DESC) AS rnk
          FROM student_etl.latest_facets
         WHERE facet = 'q4_famsize_failures') t
 WHERE rnk = 1
 ORDER BY subject, famsize, failures;

-- 5. Median absences for low (famrel 1-2) and average (famrel 3) family relationships, by sex.
-- The median is percentile_cont(0.5) -- the mean of the values at 0-based positions
-- floor((n-1)/2) and ceil((n-1)/2) of the sorted absences -- computed exactly from the
-- per-run histogram of absences, without reading the students again.
CREATE VIEW student_etl.q5_median_absences_by_famrel_sex AS
WITH histogram AS (
    SELECT subject, CASE WHEN key1::int <= 2 THEN 'low' ELSE 'average' END AS famrel_band,
           key2 AS sex, key3::int AS absences, sum(students) AS n
      FROM student_etl.latest_facets
     WHERE facet = 'q5_famrel_sex_absences' AND key1::int <= 3
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
-- The load queue: jobs recorded by enqueue() and run by the background worker, one load per
-- job in its own transaction, as the role that enqueued it.
CREATE TABLE student_etl.load_jobs (
    job_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path         text NOT NULL CHECK (path ~ '^/'),
    subject      text CHECK (subject IN ('math', 'portuguese')),
    state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    run_id       bigint REFERENCES student_etl.load_runs (run_id),
    error        text,
    attempts     integer NOT NULL DEFAULT 0,
    enqueued_by  name NOT NULL DEFAULT CURRENT_USER,
    enqueued_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    started_at   timestamptz,
    finished_at  timestamptz,
    CONSTRAINT load_jobs_error_iff_failed CHECK ((state = 'failed') = (error IS NOT NULL)),
    CONSTRAINT load_jobs_done_has_run CHECK (state <> 'done' OR run_id IS NOT NULL OR path ~ '/$')
);
CREATE INDEX load_jobs_queued ON student_etl.load_jobs (job_id) WHERE state IN ('queued', 'running');

COMMENT ON TABLE student_etl.load_jobs IS
    'Deliveries queued by student_etl.enqueue(): queued -> running -> done | failed, with the load_runs row of the outcome.';
COMMENT ON COLUMN student_etl.load_jobs.path IS
    'A delivery file, or a directory (ending in /) whose settled files are all loaded and moved, like the inbox.';
COMMENT ON COLUMN student_etl.load_jobs.run_id IS
    'The load_runs row of the outcome (loaded, skipped or failed); null for a directory job.';
COMMENT ON COLUMN student_etl.load_jobs.enqueued_by IS 'The role the worker loads as.';

SELECT pg_catalog.pg_extension_config_dump('student_etl.load_jobs', '');

CREATE FUNCTION student_etl.enqueue(path text, subject text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'student_etl_enqueue'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION student_etl.enqueue(text, text) IS
    'Queue one delivery (or a directory, ending in /) for the background worker; returns the job_id. The worker wakes at commit.';

REVOKE ALL ON FUNCTION student_etl.enqueue(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION student_etl.enqueue(text, text) TO pg_read_server_files;
GRANT SELECT, INSERT ON student_etl.load_jobs TO pg_read_server_files;
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
-- Reading server files is a privilege: load() is for superusers and members of
-- pg_read_server_files (it checks that itself too), who also get the table rights it needs.
REVOKE ALL ON FUNCTION student_etl.load(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION student_etl.load(text, text) TO pg_read_server_files;
GRANT USAGE ON SCHEMA student_etl TO pg_read_server_files;
GRANT SELECT, INSERT ON student_etl.student_performance, student_etl.rejected_rows TO pg_read_server_files;
GRANT SELECT, INSERT, UPDATE ON student_etl.load_runs TO pg_read_server_files;
-- Loaders can read what they load, metrics included, and write the run's facet cells.
GRANT SELECT ON student_etl.run_facets, student_etl.validated_checks, student_etl.student_metrics,
    student_etl.latest_runs, student_etl.group_metrics, student_etl.run_metrics,
    student_etl.latest_facets, student_etl.grade_distribution,
    student_etl.q1_mother_jobs_of_young_male_students, student_etl.q2_rural_most_frequent_traveltime,
    student_etl.q3_top_father_jobs_by_pstatus, student_etl.q4_most_frequent_failures_by_famsize,
    student_etl.q5_median_absences_by_famrel_sex, student_etl.load_history, student_etl.reject_reasons,
    student_etl.queue_history
    TO pg_read_server_files;
GRANT INSERT ON student_etl.run_facets TO pg_read_server_files;
