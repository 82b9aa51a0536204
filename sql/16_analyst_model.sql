-- The analysts' model (issue 13; docs/analyst.md): current students and history, one student
-- across both courses, drift, trends per group, small groups withheld from dashboards.
\set VERBOSITY terse
TRUNCATE student_etl.student_performance_history, student_etl.rejected_rows, student_etl.reject_issues,
         student_etl.run_facets, student_etl.run_quality, student_etl.run_missing_values,
         student_etl.missing_values, student_etl.load_jobs, student_etl.load_runs RESTART IDENTITY;

-- 1. Current and history. Two math deliveries: the history keeps both, student_performance
-- (the seed's query) returns the latest one only, each record once.
SELECT run_id, status, subject, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/student-mat.csv');
SELECT run_id, status, subject, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/student-mat-variant.csv');
SELECT (SELECT count(*) FROM student_etl.student_performance_history) AS history_rows,
       (SELECT count(*) FROM student_etl.student_performance) AS current_rows,
       (SELECT array_agg(DISTINCT run_id) FROM student_etl.student_performance) AS current_runs,
       (SELECT count(*) FROM (SELECT run_id, source_line FROM student_etl.student_performance
                               GROUP BY 1, 2 HAVING count(*) > 1) d) AS repeated_records;
-- "Rural students with travel time 1": the current delivery's answer, not the sum over history.
SELECT (SELECT count(*) FROM student_etl.student_performance WHERE address = 'R' AND traveltime = 1) AS current_answer,
       (SELECT count(*) FROM student_etl.student_performance_history
         WHERE address = 'R' AND traveltime = 1 AND run_id = 2) AS latest_delivery,
       (SELECT count(*) FROM student_etl.student_performance_history WHERE address = 'R' AND traveltime = 1) AS history;
-- The metrics read the same current rows.
SELECT subject, students = (SELECT count(*) FROM student_etl.student_performance) AS metrics_on_current
  FROM student_etl.group_metrics WHERE dimension = 'all';

-- 2. One student across both courses: the two original files give the 382 pairs of
-- student.txt; the same files in another row order give the same pairs.
SELECT status, subject, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/student-por.csv');
SELECT count(*) AS pairs, count(*) FILTER (WHERE ambiguous) AS ambiguous_pairs,
       count(DISTINCT (math_run_id, math_source_line)) AS math_records,
       count(DISTINCT (portuguese_run_id, portuguese_source_line)) AS portuguese_records
  FROM student_etl.course_matches;
SELECT * FROM student_etl.course_overlap;
-- Plain SQL over the same current rows: the R script's merge.
CREATE TEMP TABLE plain_pairs AS
SELECT m.source_line AS math_line, p.source_line AS por_line, m.g3 AS math_g3, p.g3 AS por_g3,
       (count(*) OVER (PARTITION BY m.source_line) > 1 OR count(*) OVER (PARTITION BY p.source_line) > 1) AS ambiguous
  FROM (SELECT * FROM student_etl.student_performance WHERE subject = 'math') m
  JOIN (SELECT * FROM student_etl.student_performance WHERE subject = 'portuguese') p
 USING (school, sex, age, address, famsize, pstatus, medu, fedu, mjob, fjob, reason, nursery, internet);
SELECT count(*) AS differences FROM (
  (SELECT math_line, por_line, math_g3, por_g3, ambiguous FROM plain_pairs
   EXCEPT SELECT math_source_line, portuguese_source_line, math_g3, portuguese_g3, ambiguous FROM student_etl.course_matches)
  UNION ALL
  (SELECT math_source_line, portuguese_source_line, math_g3, portuguese_g3, ambiguous FROM student_etl.course_matches
   EXCEPT SELECT math_line, por_line, math_g3, por_g3, ambiguous FROM plain_pairs)) d;
SELECT dimension, bucket, ambiguous, pairs, mean_math_g3, mean_portuguese_g3, mean_g3_difference,
       passed_both_share, passed_math_only_share, passed_portuguese_only_share, failed_both_share
  FROM student_etl.course_grades WHERE dimension IN ('all', 'school') ORDER BY 1, 2, 3;
SELECT count(*) AS differences FROM (
  SELECT ambiguous, count(*) AS pairs, round(avg(math_g3), 2) AS m, round(avg(por_g3), 2) AS p
    FROM plain_pairs GROUP BY ambiguous
  EXCEPT SELECT ambiguous, pairs, mean_math_g3, mean_portuguese_g3 FROM student_etl.course_grades WHERE dimension = 'all') d;
-- The same files shuffled (new deliveries of both subjects): the same 382 pairs of records,
-- matched by content, each pair's grades unchanged.
CREATE TEMP TABLE pairs_before AS
SELECT school, sex, age, address, famsize, pstatus, medu, fedu, mjob, fjob, reason, nursery, internet,
       ambiguous, math_g1, math_g2, math_g3, portuguese_g1, portuguese_g2, portuguese_g3
  FROM student_etl.course_matches;
SELECT status, subject, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/student-mat-shuffled.csv');
SELECT status, subject, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/student-por-shuffled.csv');
-- Each the size of a loaded file but another content: hashed before the parse, not skipped;
-- the checksums are sha256sum's.
SELECT subject, file_size, checksum FROM student_etl.load_runs WHERE file_path LIKE '%shuffled%' ORDER BY run_id;
SELECT count(*) AS pairs, count(*) FILTER (WHERE ambiguous) AS ambiguous_pairs,
       count(*) FILTER (WHERE math_source_line <> portuguese_source_line) > 300 AS lines_differ
  FROM student_etl.course_matches;
SELECT count(*) AS differences FROM (
  (TABLE pairs_before EXCEPT ALL
   SELECT school, sex, age, address, famsize, pstatus, medu, fedu, mjob, fjob, reason, nursery, internet,
          ambiguous, math_g1, math_g2, math_g3, portuguese_g1, portuguese_g2, portuguese_g3 FROM student_etl.course_matches)
  UNION ALL
  (SELECT school, sex, age, address, famsize, pstatus, medu, fedu, mjob, fjob, reason, nursery, internet,
          ambiguous, math_g1, math_g2, math_g3, portuguese_g1, portuguese_g2, portuguese_g3 FROM student_etl.course_matches
   EXCEPT ALL TABLE pairs_before)) d;
SELECT math_students, portuguese_students, matched_pairs, students_in_both, students_total FROM student_etl.course_overlap;

-- 7. Privacy: a dashboard viewer never sees a group under student_etl.min_group_size (5).
CREATE ROLE student_etl_am_dash;
CREATE ROLE student_etl_am_analyst;
SELECT student_etl.grant_access('student_etl_am_dash', 'dashboard');
SELECT student_etl.grant_access('student_etl_am_analyst', 'analyst');
SET ROLE student_etl_am_dash;
-- The viewer cannot lower the threshold for its session.
SET student_etl.min_group_size = 1;
-- Ages 20-22 of math are 3, 1 and 1 students: withheld, measures and counts NULL.
SELECT subject, bucket, students, pass_rate, mean_g3, suppressed FROM student_etl.group_metrics
 WHERE dimension = 'age' ORDER BY subject, bucket;
-- Asking for the small buckets alone withholds them the same (the partition is the whole age
-- dimension, whatever the query filters).
SELECT subject, bucket, students, suppressed FROM student_etl.group_metrics
 WHERE dimension = 'age' AND bucket IN ('21', '22') ORDER BY subject, bucket;
SELECT count(*) FILTER (WHERE suppressed) AS withheld, count(*) AS cells,
       count(*) FILTER (WHERE suppressed AND students IS NOT NULL) AS leaked
  FROM student_etl.grade_distribution;
SELECT * FROM student_etl.course_overlap;
SELECT dimension, bucket, ambiguous, pairs, mean_math_g3, suppressed FROM student_etl.course_grades
 WHERE dimension IN ('all', 'school') ORDER BY 1, 2, 3;
RESET ROLE;
SET ROLE student_etl_am_analyst;
-- Analysts see every cell.
SELECT (SELECT count(*) FROM student_etl.group_metrics WHERE suppressed)
     + (SELECT count(*) FROM student_etl.grade_distribution WHERE suppressed)
     + (SELECT count(*) FROM student_etl.course_grades WHERE suppressed) AS withheld_from_analyst;
RESET ROLE;

-- The subtraction attack, for every partition of every view with cells: what the viewer sees,
-- next to the true counts (an analyst's view). In each partition, the total minus the
-- published cells is the sum of the withheld ones: never one cell alone, never fewer than
-- min_group_size students. Checked at the default (5) and at 40, where most cells go.
CREATE TEMP TABLE true_cells (view text, part text, cell text, students bigint);
CREATE TEMP TABLE seen_cells (view text, part text, cell text, students bigint, suppressed boolean);
GRANT INSERT ON seen_cells TO student_etl_am_dash;
CREATE TEMP VIEW all_cells AS
SELECT 'group_trends' AS view, run_id || '/' || dimension AS part, bucket AS cell, students, suppressed FROM student_etl.group_trends
UNION ALL SELECT 'group_metrics', subject || '/' || dimension, bucket, students, suppressed FROM student_etl.group_metrics
UNION ALL SELECT 'grade_distribution', subject || '/' || school, g3::text, students, suppressed FROM student_etl.grade_distribution
UNION ALL SELECT 'q1', subject, mjob, students, suppressed FROM student_etl.q1_mother_jobs_of_young_male_students
UNION ALL SELECT 'q5', subject || '/' || famrel_band, sex, students::bigint, suppressed FROM student_etl.q5_median_absences_by_famrel_sex
UNION ALL SELECT 'course_grades', dimension, bucket || '/' || ambiguous, pairs, suppressed FROM student_etl.course_grades;
GRANT SELECT ON all_cells TO student_etl_am_dash;
INSERT INTO true_cells SELECT view, part, cell, students FROM all_cells;
SET ROLE student_etl_am_dash;
INSERT INTO seen_cells SELECT * FROM all_cells;
RESET ROLE;
CREATE TEMP VIEW attack AS
SELECT s.view, s.part, count(*) FILTER (WHERE s.suppressed) AS withheld,
       sum(t.students) FILTER (WHERE s.suppressed) AS recovered_students,
       count(*) FILTER (WHERE s.suppressed AND s.students IS NOT NULL) AS leaked,
       count(*) FILTER (WHERE NOT s.suppressed AND t.students < current_setting('student_etl.min_group_size')::int) AS small_published
  FROM seen_cells s JOIN true_cells t USING (view, part, cell)
 GROUP BY s.view, s.part;
CREATE TEMP VIEW attack_summary AS
SELECT view, count(*) AS partitions, sum(withheld) AS withheld_cells,
       count(*) FILTER (WHERE withheld = 1 AND recovered_students IS NOT NULL
                          AND (SELECT count(*) FROM true_cells t WHERE t.view = a.view AND t.part = a.part) > 1) AS single_withheld,
       count(*) FILTER (WHERE recovered_students < current_setting('student_etl.min_group_size')::int
                          AND withheld < (SELECT count(*) FROM true_cells t WHERE t.view = a.view AND t.part = a.part)) AS small_recovered,
       sum(leaked) AS leaked, sum(small_published) AS small_published
  FROM attack a GROUP BY view;
SELECT * FROM attack_summary ORDER BY view;
SET student_etl.min_group_size = 40;
TRUNCATE true_cells, seen_cells;
INSERT INTO true_cells SELECT view, part, cell, students FROM all_cells;
SET ROLE student_etl_am_dash;
INSERT INTO seen_cells SELECT * FROM all_cells;
RESET ROLE;
SELECT * FROM attack_summary ORDER BY view;
RESET student_etl.min_group_size;

-- 8. Every metric is documented in the catalog: the columns of the metric views (not the pipeline's) that are not
-- an attribute of the data dictionary or a key carry a comment.
SELECT c.relname, a.attname
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'student_etl'::regnamespace AND c.relkind = 'v'
   AND c.relname NOT IN ('access', 'load_history', 'queue_history', 'reject_reasons', 'scheduled_loads',
                         'inbox_files', 'load_failures', 'pipeline_job_runs', 'pipeline_schedules',
                         'latest_facets', 'student_performance') AND c.relname NOT LIKE '\_%'
   AND col_description(c.oid, a.attnum) IS NULL
   AND a.attname NOT IN (SELECT attname FROM pg_attribute
                          WHERE attrelid = 'student_etl.student_performance_history'::regclass AND attnum > 0)
 ORDER BY 1, 2;

-- 5. Drift against the previous delivery of the same subject. The shuffled copies drift by
-- nothing; then a delivery of 12 math students (the bad-rows file) drifts a lot.
SELECT run_id, previous_run_id, flagged_measures, codes_appeared, codes_vanished, student_count_flagged
  FROM student_etl.delivery_drift_summary ORDER BY run_id;
SELECT count(*) AS measures, count(*) FILTER (WHERE shift <> 0) AS moved FROM student_etl.delivery_drift;
SELECT run_id, status, rows_loaded FROM student_etl.load('/tmp/student_etl_regress/student-mat-badrows.csv');
SELECT kind, column_name, code, previous_value, current_value, shift, score, threshold, change, flagged
  FROM student_etl.delivery_drift
 WHERE run_id = 6 AND (kind = 'students' OR column_name IN ('g3', 'absences', 'school', 'mjob'))
 ORDER BY kind, column_name, code;
SELECT run_id, previous_run_id, flagged_measures, flagged_means, flagged_shares, codes_appeared, codes_vanished,
       student_count_flagged, suppressed_measures
  FROM student_etl.delivery_drift_summary WHERE run_id = 6;
-- Plain SQL over the two deliveries: every mean and share equal, the codes that appeared and
-- vanished the same.
SELECT count(*) AS mean_differences FROM (
  SELECT 'g3' AS c, round(avg(g3) FILTER (WHERE run_id = 6) - avg(g3) FILTER (WHERE run_id = 4), 4) AS shift
    FROM student_etl.student_performance_history
  UNION ALL SELECT 'absences', round(avg(absences) FILTER (WHERE run_id = 6) - avg(absences) FILTER (WHERE run_id = 4), 4)
    FROM student_etl.student_performance_history
  UNION ALL SELECT 'age', round(avg(age) FILTER (WHERE run_id = 6) - avg(age) FILTER (WHERE run_id = 4), 4)
    FROM student_etl.student_performance_history
  EXCEPT SELECT column_name, shift FROM student_etl.delivery_drift WHERE run_id = 6 AND kind = 'mean') d;
SELECT count(*) AS share_differences FROM (
  SELECT mjob, round(count(*) FILTER (WHERE run_id = 6)::numeric / 12 - count(*) FILTER (WHERE run_id = 4)::numeric / 395, 4) AS shift
    FROM student_etl.student_performance_history WHERE run_id IN (4, 6) GROUP BY mjob
  EXCEPT SELECT code, shift FROM student_etl.delivery_drift WHERE run_id = 6 AND column_name = 'mjob') d;
SELECT (SELECT array_agg(DISTINCT fjob ORDER BY fjob) FROM student_etl.student_performance_history
         WHERE run_id = 4 AND fjob NOT IN (SELECT fjob FROM student_etl.student_performance_history WHERE run_id = 6)) AS plain_vanished_fjob,
       (SELECT array_agg(code ORDER BY code) FROM student_etl.delivery_drift
         WHERE run_id = 6 AND column_name = 'fjob' AND change = 'vanished') AS drift_vanished_fjob;
-- Thresholds are settings: a looser share threshold flags fewer shares.
SET student_etl.drift_share_threshold = 0.5;
SELECT flagged_shares, codes_appeared + codes_vanished AS appeared_or_vanished FROM student_etl.delivery_drift_summary WHERE run_id = 6;
RESET student_etl.drift_share_threshold;
-- A dashboard sees the drift of 12 students with their small codes withheld, never a share
-- of fewer than 5 students in either delivery.
SET ROLE student_etl_am_dash;
SELECT kind, column_name, code, current_value, flagged, change, suppressed FROM student_etl.delivery_drift
 WHERE run_id = 6 AND (kind = 'students' OR column_name IN ('school', 'mjob')) ORDER BY kind, column_name, code;
RESET ROLE;
CREATE TEMP TABLE seen_drift AS SELECT * FROM student_etl.delivery_drift WHERE false;
GRANT INSERT ON seen_drift TO student_etl_am_dash;
SET ROLE student_etl_am_dash;
INSERT INTO seen_drift SELECT * FROM student_etl.delivery_drift;
RESET ROLE;
SELECT count(*) FILTER (WHERE s.suppressed) AS withheld,
       count(*) FILTER (WHERE NOT s.suppressed AND s.kind = 'share'
                          AND ((t.current_value * 12 BETWEEN 0.5 AND 4.5) OR (t.previous_value * 395 BETWEEN 0.5 AND 4.5))) AS small_published,
       count(*) FILTER (WHERE s.suppressed AND s.current_value IS NOT NULL) AS leaked
  FROM seen_drift s JOIN student_etl.delivery_drift t USING (run_id, kind, column_name, code)
 WHERE s.run_id = 6;

-- 6. Trends per group across deliveries: every kept math delivery by school, with the change
-- since the previous delivery; equal to plain SQL over the history, delivery by delivery (pass
-- rates leave likely dropouts out: g3 = 0 with no absences).
SELECT run_id, previous_run_id, bucket, students, pass_rate, mean_g3, students_change, pass_rate_change, mean_g3_change
  FROM student_etl.group_trends WHERE subject = 'math' AND dimension = 'school' ORDER BY run_id, bucket;
SELECT count(*) AS differences FROM (
  (SELECT run_id, school, count(*) AS students, round(avg(passed::int) FILTER (WHERE NOT coalesce(g3 = 0 AND absences = 0, false)), 4) AS pass_rate,
          round(avg(g3), 2) AS mean_g3
     FROM student_etl.student_performance_history GROUP BY run_id, school
   EXCEPT SELECT run_id, bucket, students, pass_rate, mean_g3 FROM student_etl.group_trends WHERE dimension = 'school')
  UNION ALL
  (SELECT run_id, bucket, students, pass_rate, mean_g3 FROM student_etl.group_trends WHERE dimension = 'school'
   EXCEPT SELECT run_id, school, count(*), round(avg(passed::int) FILTER (WHERE NOT coalesce(g3 = 0 AND absences = 0, false)), 4),
          round(avg(g3), 2)
     FROM student_etl.student_performance_history GROUP BY run_id, school)) d;
-- The dashboard's trend of the 12-student delivery: small groups withheld, their change too.
SET ROLE student_etl_am_dash;
SELECT run_id, dimension, bucket, students, pass_rate, suppressed, students_change, pass_rate_change
  FROM student_etl.group_trends WHERE run_id = 6 AND dimension IN ('all', 'sex', 'age') ORDER BY dimension, bucket;
RESET ROLE;
DROP VIEW attack_summary, attack, all_cells;
DROP TABLE seen_cells, true_cells, seen_drift;
SELECT student_etl.revoke_access(r) FROM unnest(ARRAY['student_etl_am_dash', 'student_etl_am_analyst']) r;
DROP ROLE student_etl_am_dash;
DROP ROLE student_etl_am_analyst;
\set VERBOSITY default
