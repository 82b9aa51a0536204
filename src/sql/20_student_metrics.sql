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
COMMENT ON FUNCTION student_etl.recompute_run_facets(bigint) IS
    'The facet cells of a run derived again from the fact table with the SQL rules: to check the cells load() wrote while streaming, or to rebuild them.';
