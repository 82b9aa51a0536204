-- What the demo shows, as the demo user: both courses' samples loaded (psql variables sample
-- and sample_por: their paths), the dashboards' group metrics, the five questions, the
-- students found in both courses and the audit. Also run by
-- test/integration/doc_examples.sh, so that the documented examples start from the demo's state.
SELECT * FROM student_etl.load(:'sample');
SELECT * FROM student_etl.load(:'sample_por');
-- What the dashboards show: the latest load of each subject, and the analysts' questions.
SELECT subject, students, pass_rate, mean_g3, at_risk_share FROM group_metrics WHERE dimension = 'all';
SELECT * FROM q1_mother_jobs_of_young_male_students;
SELECT * FROM q2_rural_most_frequent_traveltime;
SELECT * FROM q3_top_father_jobs_by_pstatus;
SELECT * FROM q4_most_frequent_failures_by_famsize;
SELECT * FROM q5_median_absences_by_famrel_sex;
-- One student across both courses, counted once (382 pairs on the original files).
SELECT math_students, portuguese_students, matched_pairs, students_in_both, students_total FROM course_overlap;
SELECT run_id, status, rows_loaded, rows_rejected, left(checksum, 12) AS checksum, finished_at
  FROM student_etl.load_runs ORDER BY run_id DESC LIMIT 5;
