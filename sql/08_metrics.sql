-- Metrics and the five questions.
-- 1. For every run so far (the sample, its variant, a CRLF copy as portuguese, a file with
--    rejected rows): the cells load() maintained equal a full recomputation from the facts.
SELECT r.run_id, r.subject, r.rows_loaded,
       (SELECT count(*) FROM student_etl.run_facets f WHERE f.run_id = r.run_id) AS cells,
       (SELECT count(*) FROM (SELECT * FROM student_etl.run_facets f WHERE f.run_id = r.run_id
                              EXCEPT ALL SELECT * FROM student_etl.recompute_run_facets(r.run_id)) d) AS only_incremental,
       (SELECT count(*) FROM (SELECT * FROM student_etl.recompute_run_facets(r.run_id)
                              EXCEPT ALL SELECT * FROM student_etl.run_facets f WHERE f.run_id = r.run_id) d) AS only_recomputed
  FROM student_etl.load_runs r WHERE r.status = 'loaded' ORDER BY r.run_id;
-- Cells sum to the run's students in every facet.
SELECT DISTINCT f.run_id, sum(students) OVER (PARTITION BY f.run_id, facet) = r.rows_loaded AS facet_covers_run
  FROM student_etl.run_facets f JOIN student_etl.load_runs r USING (run_id) ORDER BY 1;

-- 2. From here on: a warehouse holding just the sample, loaded fresh.
TRUNCATE student_etl.student_performance_history, student_etl.rejected_rows, student_etl.run_facets,
         student_etl.load_jobs, student_etl.load_runs;
SELECT status, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
SELECT * FROM student_etl.latest_runs \gset latest_
SELECT :latest_run_id > 0 AS has_latest_run;

-- Group metrics Grafana reads (a sample).
SELECT dimension, bucket, students, pass_rate, mean_g1, mean_g2, mean_g3, mean_grade,
       mean_absences, at_risk_share, mean_alcohol_index
  FROM student_etl.group_metrics
 WHERE dimension IN ('all', 'school', 'sex', 'study_time', 'alcohol_level')
 ORDER BY dimension, bucket;
SELECT subject, rows_loaded, rows_rejected, pass_rate, mean_grade, mean_g3, mean_absences, at_risk_share
  FROM student_etl.run_metrics;
-- Per-student metrics for three students.
SELECT source_line, g1, g2, g3, grade_slope, grade_trend, passed, at_risk, alcohol_index,
       alcohol_level, study_band, absence_band, parent_education
  FROM student_etl.student_metrics WHERE source_line IN (2, 3, 4) ORDER BY source_line;

-- 3. The five answers, then each cross-checked against plain SQL over a COPY of the file.
SELECT * FROM student_etl.q1_mother_jobs_of_young_male_students;
SELECT * FROM student_etl.q2_rural_most_frequent_traveltime;
SELECT * FROM student_etl.q3_top_father_jobs_by_pstatus;
SELECT * FROM student_etl.q4_most_frequent_failures_by_famsize;
SELECT * FROM student_etl.q5_median_absences_by_famrel_sex;

\i test/sql/copy_reference.sql
-- The same questions in plain SQL over the COPY-loaded rows.
CREATE TEMP VIEW plain_q1 AS
SELECT 'math'::text AS subject, mjob, count(*) AS students FROM copy_reference
 WHERE sex = 'M' AND age < 20 GROUP BY mjob;
CREATE TEMP VIEW plain_q2 AS
SELECT 'math'::text AS subject, traveltime, n AS students FROM (
  SELECT traveltime, count(*) AS n, rank() OVER (ORDER BY count(*) DESC) AS r
    FROM copy_reference WHERE address = 'R' GROUP BY traveltime) x WHERE r = 1;
CREATE TEMP VIEW plain_q3 AS
SELECT 'math'::text AS subject, pstatus, rank, fjob, n AS students FROM (
  SELECT pstatus, fjob, count(*) AS n,
         row_number() OVER (PARTITION BY pstatus ORDER BY count(*) DESC, fjob) AS rank
    FROM copy_reference GROUP BY pstatus, fjob) x WHERE rank <= 3;
CREATE TEMP VIEW plain_q4 AS
SELECT 'math'::text AS subject, famsize, failures, n AS students FROM (
  SELECT famsize, failures, count(*) AS n,
         rank() OVER (PARTITION BY famsize ORDER BY count(*) DESC) AS r
    FROM copy_reference GROUP BY famsize, failures) x WHERE r = 1;
CREATE TEMP VIEW plain_q5 AS
SELECT 'math'::text AS subject, CASE WHEN famrel <= 2 THEN 'low' ELSE 'average' END AS famrel_band,
       sex, count(*) AS students, percentile_cont(0.5) WITHIN GROUP (ORDER BY absences) AS median_absences
  FROM copy_reference WHERE famrel <= 3 GROUP BY 2, 3;
-- Rows in one answer and not the other, both ways: 0 everywhere.
SELECT 'q1' AS question, count(*) AS differences FROM (
  (TABLE plain_q1 EXCEPT SELECT subject, mjob, students FROM student_etl.q1_mother_jobs_of_young_male_students)
  UNION ALL (SELECT subject, mjob, students FROM student_etl.q1_mother_jobs_of_young_male_students EXCEPT TABLE plain_q1)) d
UNION ALL SELECT 'q2', count(*) FROM (
  (TABLE plain_q2 EXCEPT SELECT subject, traveltime, students FROM student_etl.q2_rural_most_frequent_traveltime)
  UNION ALL (SELECT subject, traveltime, students FROM student_etl.q2_rural_most_frequent_traveltime EXCEPT TABLE plain_q2)) d
UNION ALL SELECT 'q3', count(*) FROM (
  (TABLE plain_q3 EXCEPT SELECT subject, pstatus, rank, fjob, students FROM student_etl.q3_top_father_jobs_by_pstatus)
  UNION ALL (SELECT subject, pstatus, rank, fjob, students FROM student_etl.q3_top_father_jobs_by_pstatus EXCEPT TABLE plain_q3)) d
UNION ALL SELECT 'q4', count(*) FROM (
  (TABLE plain_q4 EXCEPT SELECT subject, famsize, failures, students FROM student_etl.q4_most_frequent_failures_by_famsize)
  UNION ALL (SELECT subject, famsize, failures, students FROM student_etl.q4_most_frequent_failures_by_famsize EXCEPT TABLE plain_q4)) d
UNION ALL SELECT 'q5', count(*) FROM (
  (TABLE plain_q5 EXCEPT SELECT subject, famrel_band, sex, students, median_absences FROM student_etl.q5_median_absences_by_famrel_sex)
  UNION ALL (SELECT subject, famrel_band, sex, students, median_absences FROM student_etl.q5_median_absences_by_famrel_sex EXCEPT TABLE plain_q5)) d
ORDER BY 1;

-- The views answer per subject: a portuguese delivery (here: the sample as CRLF) shows up
-- beside math, each over its own latest load.
SELECT status FROM student_etl.load('/tmp/student_etl_regress/unnamed-delivery.csv', 'portuguese');
SELECT subject, count(*) AS jobs, sum(students) AS students
  FROM student_etl.q1_mother_jobs_of_young_male_students GROUP BY subject ORDER BY subject;
