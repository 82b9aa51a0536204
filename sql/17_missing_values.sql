-- Missing values kept and flagged (issue 13, item 3) and the quality of a delivery measured
-- while it streams (item 4). test/data/student-mat-missing.csv: 16 records of the sample with
-- planted NA / "" / ? / null / N/A values, duplicates and zero final grades:
--   line 2 complete; 3 absences NA; 4 G1 "" and romantic ?; 5 Dalc null, Walc NULL, famrel N/A;
--   6 school NA (identifying: rejected); 7 G3 empty (rejected); 8 internet ? and absences NA
--   (rejected); 9-11 the same record three times (11 in other spellings); 12 = line 3 again;
--   13 G3 0 and absences 0 (likely dropout); 14 G3 0 with 3 absences; 15 G3 0, absences NA;
--   16 traveltime ?, studytime NA, failures N/A; 17 G2 NA, guardian "", higher null.
\set VERBOSITY terse
SELECT run_id AS missing_run, status, rows_read, rows_loaded, rows_rejected, rows_with_missing
  FROM student_etl.load('/tmp/student_etl_regress/student-mat-missing.csv') \gset
SELECT :missing_run > 0 AS loaded, :'status' AS status, :rows_read AS rows_read, :rows_loaded AS rows_loaded,
       :rows_rejected AS rows_rejected, :rows_with_missing AS rows_with_missing;
SELECT rows_read, rows_loaded, rows_rejected, rows_with_missing FROM student_etl.load_runs WHERE run_id = :missing_run;
-- Rejected: a missing identifying attribute or G3 only.
SELECT line_number, reason FROM student_etl.rejected_rows WHERE run_id = :missing_run ORDER BY line_number;
SELECT line_number, column_name, rule, value FROM student_etl.reject_issues WHERE run_id = :missing_run
 ORDER BY line_number, issue_no;
-- Kept: NULL where the value was missing, and so are the derived columns that need it.
SELECT source_line, absences, g1, g2, romantic, dalc, walc, famrel, traveltime, studytime, failures, guardian,
       higher, grade_mean, grade_change, passed
  FROM student_etl.student_performance WHERE run_id = :missing_run ORDER BY source_line;
-- One flag per missing value kept; they are exactly the NULLs of the loaded rows.
SELECT line_number, column_name, action FROM student_etl.missing_values WHERE run_id = :missing_run
 ORDER BY line_number, column_name;
SELECT (SELECT count(DISTINCT line_number) FROM student_etl.missing_values WHERE run_id = :missing_run) AS flagged_lines,
       (SELECT count(*) FROM student_etl.student_performance p WHERE p.run_id = :missing_run
           AND num_nulls(VARIADIC ARRAY[p.guardian, p.traveltime::text, p.studytime::text, p.failures::text,
                p.schoolsup::text, p.famsup::text, p.paid::text, p.activities::text, p.higher::text,
                p.romantic::text, p.famrel::text, p.freetime::text, p.goout::text, p.dalc::text, p.walc::text,
                p.health::text, p.absences::text, p.g1::text, p.g2::text]) > 0) AS rows_with_null;
-- Quality per delivery: missing counts per column, duplicates, rule flags.
SELECT column_name, kept_null, defaulted, rejected FROM student_etl.run_missing_values
 WHERE run_id = :missing_run ORDER BY column_name;
SELECT duplicate_records, duplicates_complete, likely_dropouts FROM student_etl.run_quality WHERE run_id = :missing_run;
-- ... equal to plain SQL over the loaded rows.
SELECT (SELECT count(*) - count(DISTINCT (p.school, p.sex, p.age, p.address, p.famsize, p.pstatus, p.medu, p.fedu,
               p.mjob, p.fjob, p.reason, p.guardian, p.traveltime, p.studytime, p.failures, p.schoolsup, p.famsup,
               p.paid, p.activities, p.nursery, p.higher, p.internet, p.romantic, p.famrel, p.freetime, p.goout,
               p.dalc, p.walc, p.health, p.absences, p.g1, p.g2, p.g3))
          FROM student_etl.student_performance p WHERE p.run_id = :missing_run) AS duplicates_sql,
       (SELECT count(*) FROM student_etl.student_metrics m WHERE m.run_id = :missing_run AND m.likely_dropout)
           AS likely_dropouts_sql;
-- What dashboards see: counts and rates, no value.
SELECT subject, rows_read, rows_loaded, rows_rejected, reject_rate, rows_with_missing, missing_rate, missing_values,
       duplicate_records, duplicates_complete, likely_dropouts
  FROM student_etl.delivery_quality WHERE run_id = :missing_run;
SELECT column_name, missing, kept_null, defaulted, rejected, missing_share
  FROM student_etl.missing_values_by_column WHERE run_id = :missing_run ORDER BY missing DESC, column_name;
-- Metrics: NULL is unknown, never 0.
SELECT source_line, grade_trend, at_risk, alcohol_index, alcohol_level, study_band, absence_band, likely_dropout
  FROM student_etl.student_metrics WHERE run_id = :missing_run AND source_line IN (3, 4, 5, 13, 15, 16, 17)
 ORDER BY source_line;
-- The loader's cells are the SQL rules' cells, unknown keys and known_* counts included.
SELECT count(*) AS differing_cells FROM (
    (SELECT * FROM student_etl.run_facets WHERE run_id = :missing_run
     EXCEPT SELECT * FROM student_etl.recompute_run_facets(:missing_run))
    UNION ALL
    (SELECT * FROM student_etl.recompute_run_facets(:missing_run)
     EXCEPT SELECT * FROM student_etl.run_facets WHERE run_id = :missing_run)) d;
SELECT facet, key1, key2, key3, students FROM student_etl.run_facets
 WHERE run_id = :missing_run AND 'unknown' IN (key1, key2, key3) ORDER BY facet, key1, key2, key3;
-- Means over the known values, equal to plain SQL's avg(); pass rate without likely dropouts
-- unless student_etl.pass_rate_includes_dropouts is on.
SELECT r.mean_absences = round(avg(p.absences), 2) AS mean_absences_is_avg,
       r.pass_rate = round(avg(p.passed::int) FILTER (WHERE p.likely_dropout IS NOT TRUE), 4) AS pass_rate_without_dropouts,
       r.at_risk_share = round(avg(p.at_risk::int), 4) AS at_risk_share_over_known,
       r.mean_grade, r.pass_rate, r.likely_dropouts, r.rows_with_missing
  FROM student_etl.run_metrics r JOIN student_etl.student_metrics p USING (run_id)
 WHERE r.run_id = :missing_run
 GROUP BY r.run_id, r.mean_absences, r.pass_rate, r.at_risk_share, r.mean_grade, r.likely_dropouts, r.rows_with_missing;
SET student_etl.pass_rate_includes_dropouts = on;
SELECT r.pass_rate = round(avg(p.passed::int), 4) AS pass_rate_with_dropouts, r.pass_rate
  FROM student_etl.run_metrics r JOIN student_etl.student_performance p USING (run_id)
 WHERE r.run_id = :missing_run GROUP BY r.run_id, r.pass_rate;
RESET student_etl.pass_rate_includes_dropouts;
SELECT dimension, bucket, students, pass_rate, mean_g1, mean_absences, mean_alcohol_index, likely_dropouts
  FROM student_etl.group_metrics WHERE subject = 'math' AND dimension IN ('absence_band', 'alcohol_level', 'all')
 ORDER BY dimension, bucket;
-- The questions leave unknown values out (no 'unknown' travel time, failures or absences).
SELECT * FROM student_etl.q4_most_frequent_failures_by_famsize WHERE subject = 'math';
SELECT count(*) AS unknown_in_answers FROM student_etl.q5_median_absences_by_famrel_sex WHERE median_absences IS NULL;

-- The policy: shipped rows, set by an admin only, checked when set.
SELECT action, count(*) AS columns FROM student_etl.missing_value_policy WHERE shipped GROUP BY action ORDER BY action;
CREATE ROLE student_etl_mv_loader;
SELECT student_etl.grant_access('student_etl_mv_loader', 'loader');
SET ROLE student_etl_mv_loader;
SELECT student_etl.set_missing_value_policy('absences', 'default', '0');
RESET ROLE;
SELECT student_etl.set_missing_value_policy('G3', 'keep_null');
SELECT student_etl.set_missing_value_policy('age', 'default', '99');
SELECT student_etl.set_missing_value_policy('absences', 'default');
SELECT student_etl.set_missing_value_policy('nope', 'reject');
SELECT student_etl.set_missing_value_policy('famrel', 'ignore');
SELECT student_etl.set_missing_value_policy('absences', 'default', '0');
SELECT student_etl.set_missing_value_policy('School', 'default', 'ms');
SELECT student_etl.set_missing_value_policy('g1', 'reject');
SELECT column_name, action, default_value, set_by IS NOT NULL AS set_by_known
  FROM student_etl.missing_value_policy WHERE NOT shipped ORDER BY column_name;
-- ... applied by the next load, with the markers of student_etl.missing_value_markers.
SET student_etl.missing_value_markers = 'NA, -';
SELECT rows_read, rows_loaded, rows_rejected, rows_with_missing
  FROM student_etl.load('/tmp/student_etl_regress/student-mat-missing-policy.csv') \gset policy_
SELECT :policy_rows_read AS rows_read, :policy_rows_loaded AS rows_loaded, :policy_rows_rejected AS rows_rejected,
       :policy_rows_with_missing AS rows_with_missing;
SELECT p.source_line, p.school, p.absences, p.famrel, p.romantic, m.column_name, m.action
  FROM student_etl.student_performance p
  LEFT JOIN student_etl.missing_values m ON m.run_id = p.run_id AND m.line_number = p.source_line
 WHERE p.run_id = (SELECT max(run_id) FROM student_etl.load_runs) ORDER BY p.source_line, m.column_name;
SELECT line_number, reason FROM student_etl.rejected_rows
 WHERE run_id = (SELECT max(run_id) FROM student_etl.load_runs) ORDER BY line_number;
RESET student_etl.missing_value_markers;
SET student_etl.missing_value_markers = 'NA,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
SHOW student_etl.missing_value_markers;
SET ROLE student_etl_mv_loader;
SET student_etl.missing_value_markers = '-';
RESET ROLE;
-- Back to the shipped policy.
SELECT student_etl.set_missing_value_policy(c, NULL) FROM unnest(ARRAY['absences', 'school', 'g1']) c;
SELECT count(*) AS set_rows FROM student_etl.missing_value_policy WHERE NOT shipped;
SELECT student_etl.revoke_access('student_etl_mv_loader');
DROP ROLE student_etl_mv_loader;

-- The loader forms its rows itself (bulk_writer.cpp, form_direct): byte for byte what
-- PostgreSQL forms from the same values (heap_form_tuple, here through CREATE TABLE AS), NULLs
-- and short varlenas included: the same data, null bitmaps, header sizes and flags.
CREATE EXTENSION IF NOT EXISTS pageinspect;
CREATE TABLE formed_by_postgres AS SELECT * FROM student_etl.student_performance_history;
CREATE FUNCTION pg_temp.tuple_images(rel regclass)
RETURNS TABLE (t_data bytea, t_bits text, t_hoff smallint, flags integer)
LANGUAGE sql AS $$
    SELECT i.t_data, i.t_bits, i.t_hoff, i.t_infomask & 3   -- HEAP_HASNULL | HEAP_HASVARWIDTH
      FROM generate_series(0, pg_relation_size(rel) / 8192 - 1) b,
           LATERAL heap_page_items(get_raw_page(rel::text, b::int)) i
     WHERE i.lp_flags = 1
$$;
SELECT count(*) AS rows_compared, count(*) FILTER (WHERE t_bits IS NOT NULL) > 0 AS some_with_nulls
  FROM pg_temp.tuple_images('student_etl.student_performance_history');
SELECT count(*) AS differing_images FROM (
    (SELECT * FROM pg_temp.tuple_images('student_etl.student_performance_history')
     EXCEPT ALL SELECT * FROM pg_temp.tuple_images('formed_by_postgres'))
    UNION ALL
    (SELECT * FROM pg_temp.tuple_images('formed_by_postgres')
     EXCEPT ALL SELECT * FROM pg_temp.tuple_images('student_etl.student_performance_history'))) d;
CREATE EXTENSION IF NOT EXISTS amcheck;
SELECT count(*) AS heap_corruption FROM verify_heapam('student_etl.student_performance_history');
DROP TABLE formed_by_postgres;
