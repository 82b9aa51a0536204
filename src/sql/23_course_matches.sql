-- One student across both courses. The data dictionary (student.txt) says 382 students belong
-- to both datasets and are found by identical attributes; the UCI note's R script merges the
-- two files on these 13: school, sex, age, address, famsize, Pstatus, Medu, Fedu, Mjob, Fjob,
-- reason, nursery, internet. course_matches does the same merge over the current deliveries
-- (student_performance: the latest math and the latest Portuguese delivery): one row per pair
-- of a math record and a Portuguese record agreeing on all 13. Where the combination of the 13
-- belongs to more than one record of either course, every pairing is listed and marked
-- ambiguous: which math record is which Portuguese record is then unknown.
CREATE VIEW student_etl.course_matches AS
WITH current_records AS (
    SELECT p.*,
           count(*) OVER (PARTITION BY p.subject, p.school, p.sex, p.age, p.address, p.famsize, p.pstatus,
                                       p.medu, p.fedu, p.mjob, p.fjob, p.reason, p.nursery, p.internet)
               AS same_attributes
      FROM student_etl.student_performance p
)
SELECT m.run_id AS math_run_id, m.source_line AS math_source_line,
       q.run_id AS portuguese_run_id, q.source_line AS portuguese_source_line,
       (m.same_attributes > 1 OR q.same_attributes > 1) AS ambiguous,
       m.same_attributes AS math_candidates, q.same_attributes AS portuguese_candidates,
       m.school, m.sex, m.age, m.address, m.famsize, m.pstatus, m.medu, m.fedu, m.mjob, m.fjob,
       m.reason, m.nursery, m.internet,
       m.g1 AS math_g1, m.g2 AS math_g2, m.g3 AS math_g3,
       q.g1 AS portuguese_g1, q.g2 AS portuguese_g2, q.g3 AS portuguese_g3
  FROM current_records m
  JOIN current_records q
    ON m.school = q.school AND m.sex = q.sex AND m.age = q.age AND m.address = q.address
   AND m.famsize = q.famsize AND m.pstatus = q.pstatus AND m.medu = q.medu AND m.fedu = q.fedu
   AND m.mjob = q.mjob AND m.fjob = q.fjob AND m.reason = q.reason AND m.nursery = q.nursery
   AND m.internet = q.internet
 WHERE m.subject = 'math' AND q.subject = 'portuguese';
COMMENT ON VIEW student_etl.course_matches IS
    'One row per pair of a current math record and a current Portuguese record agreeing on the 13 identifying attributes of student.txt (school, sex, age, address, famsize, pstatus, medu, fedu, mjob, fjob, reason, nursery, internet). ambiguous: that combination belongs to more than one record of either course (math_candidates, portuguese_candidates records). Records are identified by run_id and source_line. A missing (NULL) attribute never matches.';
COMMENT ON COLUMN student_etl.course_matches.ambiguous IS
    'true when math_candidates > 1 or portuguese_candidates > 1: the pair may join two different students.';
COMMENT ON COLUMN student_etl.course_matches.math_candidates IS
    'Current math records with this combination of the 13 attributes (count).';
COMMENT ON COLUMN student_etl.course_matches.portuguese_candidates IS
    'Current Portuguese records with this combination of the 13 attributes (count).';

-- How the two current deliveries overlap, one row. A student is counted once: an unambiguous
-- pair is one student; an ambiguous combination with m math and p Portuguese records holds at
-- most least(m, p) students taking both courses, and is counted so (never m * p). For
-- dashboards each count is a cell of its own (19_privacy.sql); how the pairs split into
-- unambiguous and ambiguous ones is in course_grades.
CREATE VIEW student_etl.course_overlap WITH (security_barrier) AS
WITH combinations AS (
    SELECT count(*) AS pairs, least(min(math_candidates), min(portuguese_candidates)) AS students
      FROM student_etl.course_matches
     GROUP BY school, sex, age, address, famsize, pstatus, medu, fedu, mjob, fjob, reason, nursery, internet
), overlap AS (
    SELECT (SELECT r.run_id FROM student_etl.latest_runs r WHERE r.subject = 'math') AS math_run_id,
           (SELECT r.run_id FROM student_etl.latest_runs r WHERE r.subject = 'portuguese') AS portuguese_run_id,
           (SELECT count(*) FROM student_etl.student_performance p WHERE p.subject = 'math') AS math_students,
           (SELECT count(*) FROM student_etl.student_performance p WHERE p.subject = 'portuguese') AS portuguese_students,
           coalesce(sum(c.pairs), 0)::bigint AS matched_pairs,
           coalesce(sum(c.students), 0)::bigint AS students_in_both
      FROM combinations c
), cells AS (
    SELECT o.*,
           student_etl._withheld(ARRAY[o.math_students]) > 0 AS math_small,
           student_etl._withheld(ARRAY[o.portuguese_students]) > 0 AS portuguese_small,
           student_etl._withheld(ARRAY[o.matched_pairs]) > 0 AS pairs_small,
           student_etl._withheld(ARRAY[o.students_in_both]) > 0 AS both_small
      FROM overlap o
)
SELECT c.math_run_id, c.portuguese_run_id,
       CASE WHEN NOT c.math_small THEN c.math_students END AS math_students,
       CASE WHEN NOT c.portuguese_small THEN c.portuguese_students END AS portuguese_students,
       CASE WHEN NOT c.pairs_small THEN c.matched_pairs END AS matched_pairs,
       CASE WHEN NOT c.both_small THEN c.students_in_both END AS students_in_both,
       CASE WHEN NOT (c.math_small OR c.portuguese_small OR c.both_small)
            THEN c.math_students + c.portuguese_students - c.students_in_both END AS students_total,
       (c.math_small OR c.portuguese_small OR c.pairs_small OR c.both_small) AS suppressed
  FROM cells c;
COMMENT ON VIEW student_etl.course_overlap IS
    'One row: how the current math and Portuguese deliveries overlap. Counts of records, pairs and students; a student in both courses is counted once (docs/analyst.md).';

-- Grade in math vs Portuguese for the same student, per group of matched pairs. Unambiguous
-- pairs (one row per student) and ambiguous pairs (every pairing of a shared combination,
-- which may join two different students) are separate rows: shown, never mixed. Partition for
-- dashboards: the dimension (its buckets, unambiguous and ambiguous, add up to all pairs).
CREATE VIEW student_etl.course_grades WITH (security_barrier) AS
WITH cells AS (
    SELECT k.dimension, k.bucket, c.ambiguous, count(*) AS pairs,
           avg(c.math_g3) AS math_g3, avg(c.portuguese_g3) AS portuguese_g3,
           avg(c.portuguese_g3 - c.math_g3) AS g3_difference,
           count(*) FILTER (WHERE c.math_g3 >= 10 AND c.portuguese_g3 >= 10) AS passed_both,
           count(*) FILTER (WHERE c.math_g3 >= 10 AND c.portuguese_g3 < 10) AS passed_math_only,
           count(*) FILTER (WHERE c.math_g3 < 10 AND c.portuguese_g3 >= 10) AS passed_portuguese_only,
           count(*) FILTER (WHERE c.math_g3 < 10 AND c.portuguese_g3 < 10) AS failed_both
      FROM student_etl.course_matches c
     CROSS JOIN LATERAL (VALUES ('all', 'all'), ('school', c.school), ('sex', c.sex), ('address', c.address),
                                ('age', c.age::text)) AS k(dimension, bucket)
     GROUP BY k.dimension, k.bucket, c.ambiguous
), ranked AS (
    SELECT c.*,
           row_number() OVER (PARTITION BY c.dimension ORDER BY c.pairs, c.bucket, c.ambiguous)
               <= student_etl._withheld(array_agg(c.pairs) OVER (PARTITION BY c.dimension)) AS suppressed
      FROM cells c
)
SELECT dimension, bucket, ambiguous,
       CASE WHEN NOT suppressed THEN pairs END AS pairs,
       CASE WHEN NOT suppressed THEN round(math_g3, 2) END AS mean_math_g3,
       CASE WHEN NOT suppressed THEN round(portuguese_g3, 2) END AS mean_portuguese_g3,
       CASE WHEN NOT suppressed THEN round(g3_difference, 2) END AS mean_g3_difference,
       CASE WHEN NOT suppressed THEN round(passed_both::numeric / pairs, 4) END AS passed_both_share,
       CASE WHEN NOT suppressed THEN round(passed_math_only::numeric / pairs, 4) END AS passed_math_only_share,
       CASE WHEN NOT suppressed THEN round(passed_portuguese_only::numeric / pairs, 4) END AS passed_portuguese_only_share,
       CASE WHEN NOT suppressed THEN round(failed_both::numeric / pairs, 4) END AS failed_both_share,
       suppressed
  FROM ranked;
COMMENT ON VIEW student_etl.course_grades IS
    'Final grades of the same student in math and in Portuguese, per group (dimension all, school, sex, address, age) of matched pairs, unambiguous and ambiguous pairs apart.';
