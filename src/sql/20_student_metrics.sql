-- Per-student metrics. Definitions (README, "Metrics"); the same rules are applied by the
-- loader when it aggregates (src/core/student_metrics.cpp) and tests check both agree.
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
  FROM student_etl.student_performance p;
COMMENT ON VIEW student_etl.student_metrics IS
    'One row per loaded student with derived metrics: trend, pass, at-risk flag, alcohol index and level, study/absence bands, parental education, likely dropout (g3 = 0 and absences = 0). A metric that needs an unknown (NULL) value is NULL.';

-- The latest successful load of each subject: what "current" means for dashboards and the
-- analysts' questions.
CREATE VIEW student_etl.latest_runs AS
SELECT DISTINCT ON (subject) run_id, subject, file_path, finished_at AS loaded_at, rows_loaded
  FROM student_etl.load_runs
 WHERE status = 'loaded'
 ORDER BY subject, run_id DESC;

-- Group metrics over the latest load of each subject, one row per facet bucket. NULL is
-- unknown: each mean divides by the students whose value is known (run_facets.known_*), a
-- bucket 'unknown' holds the students whose key is, and a measure nobody's value is known for
-- is NULL. pass_rate leaves likely dropouts (g3 = 0, absences = 0) out of numerator and
-- denominator unless student_etl.pass_rate_includes_dropouts is on; mean_grade is the mean of
-- the three grade means.
CREATE VIEW student_etl.group_metrics AS
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

-- The same measures per load run, over time (facet 'all'), with the run's reject count.
CREATE VIEW student_etl.run_metrics AS
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
