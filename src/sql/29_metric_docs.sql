-- Every metric documented where it is read: definition, unit, NULL handling (the long form is
-- docs/analyst.md). Views sharing a measure share its text. A per-student metric is NULL when
-- a value it needs was delivered missing and kept as unknown (07_missing_values.sql); a group
-- mean divides by the students whose value is known; a measure of a cell withheld from the
-- caller (suppressed = true, 19_privacy.sql) is NULL, and says so.
DO $comments$
DECLARE
    c record;
    suppressed_note constant text := ' NULL when suppressed.';
BEGIN
    FOR c IN SELECT v.view, v.col, v.doc, v.can_be_withheld
               FROM (VALUES
        -- per student
        ('student_metrics', 'grade_mean', 'Mean of g1, g2, g3: points on the 0-20 scale, 2 decimals.', false),
        ('student_metrics', 'grade_slope', 'Least-squares change of the grade per period over the three periods, (g3 - g1) / 2: points per period, 1 decimal.', false),
        ('student_metrics', 'grade_trend', 'improving (g3 - g1 >= 2), declining (<= -2) or stable.', false),
        ('student_metrics', 'passed', 'g3 >= 10, the pass mark of the 0-20 scale (boolean).', false),
        ('student_metrics', 'at_risk', 'Any past class failure, or mean of g1 and g2 below 10, or 20 or more absences (boolean).', false),
        ('student_metrics', 'alcohol_index', 'A week''s alcohol use, (5 * dalc + 2 * walc) / 7, on the 1-5 scale of the dictionary, 2 decimals.', false),
        ('student_metrics', 'alcohol_level', 'low (alcohol index < 2), moderate (< 3) or high (>= 3).', false),
        ('student_metrics', 'study_band', 'Weekly study time as the dictionary''s band: <2h, 2-5h, 5-10h, >10h (studytime 1-4).', false),
        ('student_metrics', 'absence_band', 'none (0 absences), low (1-5), medium (6-15), high (16+).', false),
        ('student_metrics', 'parent_education_level', 'The higher of medu and fedu (0-4).', false),
        ('student_metrics', 'parent_education', 'parent_education_level named: none, primary, 5th-9th grade, secondary, higher.', false),
        ('student_metrics', 'likely_dropout', 'g3 = 0 with no absences: most likely left the course rather than failed it (boolean; NULL when absences is unknown).', false),
        -- per group (group_trends: every kept delivery; group_metrics: the latest of each subject)
        ('group_trends', 'run_id', 'The delivery (load_runs row).', false),
        ('group_trends', 'loaded_at', 'When the delivery finished loading.', false),
        ('group_trends', 'dimension', 'What groups the students: all, school, sex, address, famsize, pstatus, age, study_time, alcohol_level, absence_band, parent_education.', false),
        ('group_trends', 'bucket', 'The group within the dimension (all for dimension all).', false),
        ('group_trends', 'students', 'Students in the group (count).', true),
        ('group_trends', 'pass_rate', 'Share of the group''s students with g3 >= 10, likely dropouts left out of both sides unless student_etl.pass_rate_includes_dropouts: 0-1, 4 decimals.', true),
        ('group_trends', 'mean_g1', 'Mean first-period grade over the students whose g1 is known: points 0-20, 2 decimals.', true),
        ('group_trends', 'mean_g2', 'Mean second-period grade over the students whose g2 is known: points 0-20, 2 decimals.', true),
        ('group_trends', 'mean_g3', 'Mean final grade: points 0-20, 2 decimals.', true),
        ('group_trends', 'mean_grade', 'Mean of the three period grade means over the group: points 0-20, 2 decimals.', true),
        ('group_trends', 'mean_absences', 'Mean number of school absences per student whose absences are known, 2 decimals.', true),
        ('group_trends', 'at_risk_share', 'Share of the students whose at_risk flag is known (student_metrics) that are at risk: 0-1, 4 decimals.', true),
        ('group_trends', 'mean_alcohol_index', 'Mean alcohol index (student_metrics) over the students whose dalc and walc are known, 1-5 scale, 2 decimals.', true),
        ('group_trends', 'likely_dropouts', 'Students with g3 = 0 and no absences (count); shown to a dashboard only when 0 or at least student_etl.min_group_size.', true),
        ('group_trends', 'suppressed', 'The cell is withheld from you: fewer than student_etl.min_group_size students, or needed to keep such a cell from being recovered by subtraction (docs/analyst.md). Always false for analysts.', false),
        ('delivery_sequence', 'run_id', 'A kept loaded delivery (load_runs row).', false),
        ('delivery_sequence', 'loaded_at', 'When it finished loading.', false),
        ('delivery_sequence', 'previous_run_id', 'The previous kept loaded delivery of the same subject (NULL for the first).', false),
        ('group_trends', 'previous_run_id', 'The previous kept loaded delivery of the subject (NULL for the first).', false),
        ('group_trends', 'students_change', 'students minus the same group''s students in the previous delivery (count). NULL if either is withheld or the group is new.', false),
        ('group_trends', 'pass_rate_change', 'pass_rate minus the same group''s in the previous delivery (share points). NULL if either is withheld or the group is new.', false),
        ('group_trends', 'mean_g3_change', 'mean_g3 minus the same group''s in the previous delivery (points). NULL if either is withheld or the group is new.', false),
        ('group_trends', 'mean_grade_change', 'mean_grade minus the same group''s in the previous delivery (points). NULL if either is withheld or the group is new.', false),
        ('latest_runs', 'file_path', 'The delivery''s file as given to load().', false),
        ('latest_runs', 'loaded_at', 'When the delivery finished loading.', false),
        ('latest_runs', 'rows_loaded', 'Records of the delivery loaded (count).', false),
        ('run_metrics', 'loaded_at', 'When the delivery finished loading.', false),
        ('q3_top_father_jobs_by_pstatus', 'rank', 'Position by count, descending; equal counts by job name.', false),
        ('q5_median_absences_by_famrel_sex', 'famrel_band', 'low (famrel 1-2) or average (famrel 3).', false),
        ('run_metrics', 'rows_loaded', 'Records of the delivery loaded (count).', false),
        ('run_metrics', 'rows_rejected', 'Records of the delivery rejected (count).', false),
        ('run_metrics', 'pass_rate', 'Share of the delivery''s students with g3 >= 10, likely dropouts left out unless student_etl.pass_rate_includes_dropouts: 0-1, 4 decimals.', true),
        ('run_metrics', 'rows_with_missing', 'Records of the delivery loaded with a missing value kept as unknown (count).', false),
        ('run_metrics', 'likely_dropouts', 'Students with g3 = 0 and no absences (count); shown to a dashboard only when 0 or at least student_etl.min_group_size.', true),
        ('run_metrics', 'mean_grade', 'Mean of the three period grades: points 0-20, 2 decimals.', true),
        ('run_metrics', 'mean_g3', 'Mean final grade: points 0-20, 2 decimals.', true),
        ('run_metrics', 'mean_absences', 'Mean number of school absences per student, 2 decimals.', true),
        ('run_metrics', 'at_risk_share', 'Share of students flagged at_risk: 0-1, 4 decimals.', true),
        ('run_metrics', 'suppressed', 'The delivery has fewer than student_etl.min_group_size students: its measures are withheld from you.', false),
        ('grade_distribution', 'students', 'Students of the school with this final grade g3 (count); grades nobody got have no row.', true),
        ('grade_distribution', 'suppressed', 'The cell is withheld from you (partition: subject and school).', false),
        ('q1_mother_jobs_of_young_male_students', 'students', 'Male students under 20 whose mother has this job (count).', true),
        ('q1_mother_jobs_of_young_male_students', 'suppressed', 'The cell is withheld from you (partition: subject).', false),
        ('q2_rural_most_frequent_traveltime', 'traveltime', 'The most frequent travel time of rural students (dictionary code 1-4); ties all shown.', true),
        ('q2_rural_most_frequent_traveltime', 'students', 'Rural students with that travel time (count).', true),
        ('q2_rural_most_frequent_traveltime', 'suppressed', 'The answer is withheld from you (partition: subject, every travel time).', false),
        ('q3_top_father_jobs_by_pstatus', 'fjob', 'Father''s job at this rank.', true),
        ('q3_top_father_jobs_by_pstatus', 'students', 'Students with that father''s job and parents'' status (count).', true),
        ('q3_top_father_jobs_by_pstatus', 'tied_with_next', 'The next job has the same count (the cut at 3 may split a tie).', true),
        ('q3_top_father_jobs_by_pstatus', 'suppressed', 'The answer is withheld from you (partition: subject and pstatus, every job).', false),
        ('q4_most_frequent_failures_by_famsize', 'failures', 'The most frequent number of past class failures (0-4); ties all shown.', true),
        ('q4_most_frequent_failures_by_famsize', 'students', 'Students of the family size with that number of failures (count).', true),
        ('q4_most_frequent_failures_by_famsize', 'suppressed', 'The answer is withheld from you (partition: subject and famsize, every number of failures).', false),
        ('q5_median_absences_by_famrel_sex', 'students', 'Students of the band and sex (count).', true),
        ('q5_median_absences_by_famrel_sex', 'median_absences', 'Median number of absences, percentile_cont(0.5): the mean of the two middle values for an even count.', true),
        ('q5_median_absences_by_famrel_sex', 'suppressed', 'The cell is withheld from you (partition: subject and famrel band).', false),
        -- drift against the previous delivery of the subject
        ('delivery_drift', 'run_id', 'The delivery (load_runs row).', false),
        ('delivery_drift', 'previous_run_id', 'The previous kept loaded delivery of the same subject, compared with.', false),
        ('delivery_drift', 'loaded_at', 'When the delivery finished loading.', false),
        ('delivery_drift', 'kind', 'students (the number of students), mean (of a numeric column), share (of one code of a coded or yes/no column).', false),
        ('delivery_drift', 'column_name', 'The column (NULL for kind students).', false),
        ('delivery_drift', 'code', 'The code, for kind share (yes/no columns as yes and no).', false),
        ('delivery_drift', 'previous_value', 'In the previous delivery: students (count), the mean (column units) or the share (0-1), 4 decimals.', true),
        ('delivery_drift', 'current_value', 'In this delivery: students (count), the mean (column units) or the share (0-1), 4 decimals.', true),
        ('delivery_drift', 'shift', 'current_value - previous_value (students, column units, or share points 0-1), 4 decimals.', true),
        ('delivery_drift', 'score', 'What the threshold is compared with: students |shift| / previous count; mean |shift| / standard deviation of the previous delivery (Infinity if that is 0 and the mean moved); share |shift|.', true),
        ('delivery_drift', 'threshold', 'The setting the score is compared with: student_etl.drift_count_threshold (students), drift_mean_threshold (mean), drift_share_threshold (share).', false),
        ('delivery_drift', 'change', 'appeared (the code is in this delivery only) or vanished (in the previous one only); NULL otherwise.', false),
        ('delivery_drift', 'flagged', 'score >= threshold, or the code appeared or vanished. NULL when suppressed, unless the code appeared or vanished.', false),
        ('delivery_drift', 'suppressed', 'The measure is withheld from you: a delivery under student_etl.min_group_size students, or a code with few students in either delivery (and complementary codes of the column).', false),
        ('delivery_drift_summary', 'flagged_measures', 'Measures of delivery_drift flagged (count; withheld ones not counted).', false),
        ('delivery_drift_summary', 'flagged_means', 'Means flagged (count).', false),
        ('delivery_drift_summary', 'flagged_shares', 'Code shares flagged, appeared and vanished codes included (count).', false),
        ('delivery_drift_summary', 'codes_appeared', 'Codes in this delivery and not in the previous one (count).', false),
        ('delivery_drift_summary', 'codes_vanished', 'Codes in the previous delivery and not in this one (count).', false),
        ('delivery_drift_summary', 'student_count_flagged', 'The number of students changed past student_etl.drift_count_threshold. NULL when withheld.', false),
        ('delivery_drift_summary', 'suppressed_measures', 'Measures withheld from you (count).', false),
        ('delivery_drift_summary', 'previous_run_id', 'The previous kept loaded delivery of the same subject.', false),
        ('delivery_drift_summary', 'loaded_at', 'When the delivery finished loading.', false),
        -- across courses
        ('course_overlap', 'math_students', 'Current math records (count).', true),
        ('course_overlap', 'portuguese_students', 'Current Portuguese records (count).', true),
        ('course_overlap', 'matched_pairs', 'Rows of course_matches: pairs of a math and a Portuguese record agreeing on the 13 attributes (count).', true),
        ('course_overlap', 'students_in_both', 'Students taking both courses, each once: 1 per unambiguous pair, least(math, Portuguese records) per ambiguous combination (an upper bound there).', true),
        ('course_overlap', 'students_total', 'Students in either course, each once: math_students + portuguese_students - students_in_both.', true),
        ('course_overlap', 'suppressed', 'A count is withheld from you (each count is its own cell).', false),
        ('course_matches', 'math_run_id', 'The math record''s delivery (load_runs row).', false),
        ('course_matches', 'math_source_line', 'The math record''s physical line in its file.', false),
        ('course_matches', 'portuguese_run_id', 'The Portuguese record''s delivery (load_runs row).', false),
        ('course_matches', 'portuguese_source_line', 'The Portuguese record''s physical line in its file.', false),
        ('course_matches', 'math_g1', 'The math record''s first-period grade: points 0-20.', false),
        ('course_matches', 'math_g2', 'The math record''s second-period grade: points 0-20.', false),
        ('course_matches', 'math_g3', 'The math record''s final grade: points 0-20.', false),
        ('course_matches', 'portuguese_g1', 'The Portuguese record''s first-period grade: points 0-20.', false),
        ('course_matches', 'portuguese_g2', 'The Portuguese record''s second-period grade: points 0-20.', false),
        ('course_matches', 'portuguese_g3', 'The Portuguese record''s final grade: points 0-20.', false),
        ('course_overlap', 'math_run_id', 'The current math delivery (latest_runs).', false),
        ('course_overlap', 'portuguese_run_id', 'The current Portuguese delivery (latest_runs).', false),
        ('course_grades', 'bucket', 'The group within the dimension (all for dimension all).', false),
        ('course_grades', 'dimension', 'What groups the pairs: all, school, sex, address, age.', false),
        ('course_grades', 'ambiguous', 'Pairs of an ambiguous combination (may join two different students) apart from unambiguous ones (one student each).', false),
        ('course_grades', 'pairs', 'Matched pairs in the group (count); unambiguous pairs are students.', true),
        ('course_grades', 'mean_math_g3', 'Mean final math grade of the pairs: points 0-20, 2 decimals.', true),
        ('course_grades', 'mean_portuguese_g3', 'Mean final Portuguese grade of the pairs: points 0-20, 2 decimals.', true),
        ('course_grades', 'mean_g3_difference', 'Mean of Portuguese g3 minus math g3 of the same pair: points, 2 decimals (positive: better in Portuguese).', true),
        ('course_grades', 'passed_both_share', 'Share of pairs with g3 >= 10 in both courses: 0-1, 4 decimals.', true),
        ('course_grades', 'passed_math_only_share', 'Share of pairs passing math only: 0-1, 4 decimals.', true),
        ('course_grades', 'passed_portuguese_only_share', 'Share of pairs passing Portuguese only: 0-1, 4 decimals.', true),
        ('course_grades', 'failed_both_share', 'Share of pairs failing both: 0-1, 4 decimals.', true),
        ('course_grades', 'suppressed', 'The cell is withheld from you (partition: dimension, both kinds of pairs).', false)
                    ) AS v(view, col, doc, can_be_withheld)
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN student_etl.%I.%I IS %L', c.view, c.col,
                                  c.doc || CASE WHEN c.can_be_withheld THEN suppressed_note ELSE '' END);
    END LOOP;
    -- group_metrics is group_trends over the latest deliveries: the same texts.
    FOR c IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS doc
               FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = 'student_etl.group_trends'::pg_catalog.regclass AND a.attnum > 0
                AND a.attname IN (SELECT m.attname FROM pg_catalog.pg_attribute m
                                   WHERE m.attrelid = 'student_etl.group_metrics'::pg_catalog.regclass)
                AND pg_catalog.col_description(a.attrelid, a.attnum) IS NOT NULL LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN student_etl.group_metrics.%I IS %L', c.attname, c.doc);
    END LOOP;
END
$comments$;

COMMENT ON VIEW student_etl._group_cells IS
    'Internal: the group cells of every kept delivery as the caller may see them (small groups withheld below the analyst profile); read by group_trends, group_metrics, run_metrics.';
COMMENT ON VIEW student_etl.delivery_sequence IS
    'Every kept (loaded, not purged) delivery with the previous one of its subject: the order of trends and drift.';
COMMENT ON VIEW student_etl.group_trends IS
    'Group measures of every kept loaded delivery: one row per run, dimension and bucket (trends per group across deliveries). Cells withheld from dashboards read NULL with suppressed = true.';
COMMENT ON VIEW student_etl.group_metrics IS
    'Group measures over the latest loaded delivery of each subject: one row per dimension and bucket. Cells withheld from dashboards read NULL with suppressed = true.';
COMMENT ON VIEW student_etl.run_metrics IS
    'Whole-delivery measures per loaded run, over time, with the run''s loaded and rejected record counts.';
COMMENT ON VIEW student_etl.grade_distribution IS
    'Students per final grade (g3, 0-20) and school, latest delivery of each subject.';
COMMENT ON VIEW student_etl.latest_facets IS
    'The run_facets cells of the latest delivery of each subject (what the questions read).';
COMMENT ON VIEW student_etl.q1_mother_jobs_of_young_male_students IS
    'Question 1: the mothers'' jobs of male students under 20, with how many such students, latest delivery of each subject.';
COMMENT ON VIEW student_etl.q2_rural_most_frequent_traveltime IS
    'Question 2: the most frequent travel time of rural students (ties all shown), latest delivery of each subject.';
COMMENT ON VIEW student_etl.q3_top_father_jobs_by_pstatus IS
    'Question 3: the top 3 fathers'' jobs per parents'' cohabitation status (equal counts by job name), latest delivery of each subject.';
COMMENT ON VIEW student_etl.q4_most_frequent_failures_by_famsize IS
    'Question 4: the most frequent number of past failures per family size (ties all shown), latest delivery of each subject.';
COMMENT ON VIEW student_etl.q5_median_absences_by_famrel_sex IS
    'Question 5: median absences (percentile_cont 0.5) for low (famrel 1-2) and average (famrel 3) family relationships, by sex, latest delivery of each subject.';
COMMENT ON VIEW student_etl.latest_runs IS
    'The latest loaded, not purged delivery of each subject: what "current" means.';
