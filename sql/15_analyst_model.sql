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
