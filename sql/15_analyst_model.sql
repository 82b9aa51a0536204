-- The analysts' model (issue 13; docs/analyst.md): current students and history, one student
-- across both courses, drift, trends per group, small groups withheld from dashboards.
\set VERBOSITY terse
TRUNCATE student_etl.student_performance_history, student_etl.rejected_rows, student_etl.reject_issues,
         student_etl.run_facets, student_etl.load_jobs, student_etl.load_runs;

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
