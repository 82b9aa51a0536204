-- Per-student metrics of every loaded record (all deliveries; filter on run_id or join
-- latest_runs for the current ones). Definitions in docs/analyst.md; the same rules are applied
-- by the loader when it aggregates (src/core/student_metrics.cpp) and tests check both agree.
-- A value kept as NULL (missing_values) is unknown: every metric that needs it is NULL too,
-- unless the known values decide it (at_risk is SQL's three-valued OR).
CREATE VIEW student_etl.student_metrics AS
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

-- The latest successful load of each subject whose rows are kept (purge() never removes the
-- latest, so "not purged" only makes the rule explicit): what "current" means for the
-- student_performance view, dashboards and the analysts' questions.
CREATE VIEW student_etl.latest_runs AS
SELECT DISTINCT ON (subject) run_id, subject, file_path, finished_at AS loaded_at, rows_loaded
  FROM student_etl.load_runs
 WHERE status = 'loaded' AND purged_at IS NULL
 ORDER BY subject, run_id DESC;

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

-- Group measures of every kept loaded delivery, one row per run and facet bucket: trends per
-- group across deliveries (school, sex, address, ... ; dimensions as in group_metrics), with
-- the change since the same group of the previous delivery of the subject.
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

-- Group metrics over the latest load of each subject, one row per facet bucket. NULL is
-- unknown: each mean divides by the students whose value is known (run_facets.known_*), a
-- bucket 'unknown' holds the students whose key is, and a measure nobody's value is known for
-- is NULL. pass_rate leaves likely dropouts (g3 = 0, absences = 0) out of numerator and
-- denominator unless student_etl.pass_rate_includes_dropouts is on.
CREATE VIEW student_etl.group_metrics WITH (security_barrier) AS
SELECT t.subject, t.dimension, t.bucket, t.students, t.pass_rate, t.mean_g1, t.mean_g2, t.mean_g3,
       t.mean_grade, t.mean_absences, t.at_risk_share, t.mean_alcohol_index, t.likely_dropouts, t.suppressed
  FROM student_etl.latest_runs r
 CROSS JOIN LATERAL (SELECT * FROM student_etl._group_cells c WHERE c.run_id = r.run_id OFFSET 0) t;

-- The same measures per load run, over time (facet 'all'), with the run's reject count.
CREATE VIEW student_etl.run_metrics WITH (security_barrier) AS
SELECT r.run_id, r.subject, r.finished_at AS loaded_at, r.rows_loaded, r.rows_rejected,
       t.pass_rate, t.mean_grade, t.mean_g3, t.mean_absences, t.at_risk_share, r.rows_with_missing,
       t.likely_dropouts, t.suppressed
  FROM student_etl.load_runs r
  JOIN student_etl._group_cells t ON t.run_id = r.run_id AND t.dimension = 'all'
 WHERE r.status = 'loaded';

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
COMMENT ON FUNCTION student_etl.recompute_run_facets(bigint) IS
    'The facet cells of a run derived again from the fact table with the SQL rules: to check the cells load() wrote while streaming, or to rebuild them.';
