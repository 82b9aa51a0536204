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
    known_g1         bigint NOT NULL,
    known_g2         bigint NOT NULL,
    known_absences   bigint NOT NULL,
    known_alcohol    bigint NOT NULL,
    known_at_risk    bigint NOT NULL,
    likely_dropouts  bigint NOT NULL,
    PRIMARY KEY (run_id, facet, key1, key2, key3)
);
COMMENT ON TABLE student_etl.run_facets IS
    'Pre-aggregated cells per load run and facet (students, passed, at_risk, grade/absence/alcohol sums), maintained by load().';
COMMENT ON COLUMN student_etl.run_facets.sum_alcohol_week IS 'Sum of 5 * dalc + 2 * walc over students with both known; alcohol index = sum / (7 * known_alcohol).';
COMMENT ON COLUMN student_etl.run_facets.known_g1 IS
    'Students of the cell whose g1 is known (not NULL): sum_g1 adds only those, so mean g1 = sum_g1 / known_g1. known_g2, known_absences likewise.';
COMMENT ON COLUMN student_etl.run_facets.known_alcohol IS 'Students with dalc and walc both known: the denominator of the alcohol index.';
COMMENT ON COLUMN student_etl.run_facets.known_at_risk IS
    'Students whose at-risk flag is known (true or false, not NULL): the denominator of the at-risk share.';
COMMENT ON COLUMN student_etl.run_facets.likely_dropouts IS
    'Students with g3 = 0 and absences = 0 (both known): likely left rather than failed; left out of pass rates unless student_etl.pass_rate_includes_dropouts is on.';

SELECT pg_catalog.pg_extension_config_dump('student_etl.run_facets', '');
