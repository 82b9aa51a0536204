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
