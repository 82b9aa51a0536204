-- The analysts' five questions, answered over the latest load of each subject (latest_runs)
-- from the pre-aggregated cross-tabs in run_facets, so they cost the same at any volume.
-- README ("The five questions") has the answers for the sample and the rules for ties.
-- Students whose value a question needs is unknown (NULL, key 'unknown' in run_facets) are
-- left out of that question: an unknown travel time is no travel time.

-- Cells of one question facet for the latest load of each subject.
CREATE VIEW student_etl.latest_facets AS
SELECT f.*
  FROM student_etl.run_facets f
  JOIN student_etl.latest_runs r USING (run_id);

-- Small cells are withheld from dashboards (19_privacy.sql): counts read NULL with suppressed =
-- true; where the cell is an answer (a most frequent value, a top job, a median) the answer is
-- withheld with its count. Each view names the partition whose cells add up to one total.

-- The final-grade distribution per school, latest load of each subject (dashboard histogram).
-- Partition: subject and school.
CREATE VIEW student_etl.grade_distribution WITH (security_barrier) AS
SELECT subject, school, g3, CASE WHEN NOT suppressed THEN students END AS students, suppressed
  FROM (SELECT f.subject, f.key1 AS school, f.key2::smallint AS g3, f.students,
               row_number() OVER (PARTITION BY f.subject, f.key1 ORDER BY f.students, f.key2) <= w.withheld AS suppressed
          FROM student_etl.latest_facets f
          JOIN (SELECT g.subject, g.key1, student_etl._withheld(array_agg(g.students)) AS withheld
                  FROM student_etl.latest_facets g WHERE g.facet = 'grades_school_g3' GROUP BY g.subject, g.key1) w
            ON w.subject = f.subject AND w.key1 = f.key1
         WHERE f.facet = 'grades_school_g3') c;

-- 1. The unique mother's jobs of male students younger than 20 (with how many such students).
-- Partition: subject.
CREATE VIEW student_etl.q1_mother_jobs_of_young_male_students WITH (security_barrier) AS
SELECT subject, mjob, CASE WHEN NOT suppressed THEN students END AS students, suppressed
  FROM (SELECT subject, mjob, students,
               row_number() OVER (PARTITION BY subject ORDER BY students, mjob)
                   <= student_etl._withheld(array_agg(students::bigint) OVER (PARTITION BY subject)) AS suppressed
          FROM (SELECT subject, key3 AS mjob, sum(students) AS students
                  FROM student_etl.latest_facets
                 WHERE facet = 'q1_sex_age_mjob' AND key1 = 'M' AND key2::int < 20
                 GROUP BY subject, key3) j) c
 ORDER BY subject, mjob;

-- 2. The most frequent travel time of students living in rural areas; tied values all shown.
-- Partition: subject (every travel time of rural students, shown or not).
CREATE VIEW student_etl.q2_rural_most_frequent_traveltime WITH (security_barrier) AS
SELECT subject, CASE WHEN NOT suppressed THEN traveltime END AS traveltime,
       CASE WHEN NOT suppressed THEN students END AS students, suppressed
  FROM (SELECT subject, key2::smallint AS traveltime, students,
               rank() OVER (PARTITION BY subject ORDER BY students DESC) AS rnk,
               row_number() OVER (PARTITION BY subject ORDER BY students, key2)
                   <= student_etl._withheld(array_agg(students) OVER (PARTITION BY subject)) AS suppressed
          FROM student_etl.latest_facets
         WHERE facet = 'q2_address_traveltime' AND key1 = 'R' AND key2 <> 'unknown') t
 WHERE rnk = 1
 ORDER BY subject, traveltime;
COMMENT ON VIEW student_etl.q2_rural_most_frequent_traveltime IS
    'Latest load of each subject: the most frequent travel time of rural students (ties all shown); students with an unknown (NULL) travel time are left out.';

-- 3. The top 3 father's jobs per parents' cohabitation status. rank is the position by count
-- (descending); jobs with equal counts are ordered by name, so the cut at 3 is deterministic;
-- tied_with_next says the next job has the same count (the tie the cut may have split).
-- Partition: subject and pstatus (every father's job, shown or not).
CREATE VIEW student_etl.q3_top_father_jobs_by_pstatus WITH (security_barrier) AS
SELECT subject, pstatus, rank, CASE WHEN NOT suppressed THEN fjob END AS fjob,
       CASE WHEN NOT suppressed THEN students END AS students,
       CASE WHEN NOT suppressed THEN tied_with_next END AS tied_with_next, suppressed
  FROM (SELECT subject, key1 AS pstatus, key2 AS fjob, students,
               row_number() OVER w AS rank,
               coalesce(lead(students) OVER w = students, false) AS tied_with_next,
               row_number() OVER (PARTITION BY subject, key1 ORDER BY students, key2)
                   <= student_etl._withheld(array_agg(students) OVER (PARTITION BY subject, key1)) AS suppressed
          FROM student_etl.latest_facets
         WHERE facet = 'q3_pstatus_fjob'
        WINDOW w AS (PARTITION BY subject, key1 ORDER BY students DESC, key2)) t
 WHERE rank <= 3
 ORDER BY subject, pstatus, rank;

-- 4. The most frequent number of past failures per family size; tied values all shown.
-- Partition: subject and famsize (every number of failures, shown or not).
CREATE VIEW student_etl.q4_most_frequent_failures_by_famsize WITH (security_barrier) AS
SELECT subject, famsize, CASE WHEN NOT suppressed THEN failures END AS failures,
       CASE WHEN NOT suppressed THEN students END AS students, suppressed
  FROM (SELECT subject, key1 AS famsize, key2::smallint AS failures, students,
               rank() OVER (PARTITION BY subject, key1 ORDER BY students DESC) AS rnk,
               row_number() OVER (PARTITION BY subject, key1 ORDER BY students, key2)
                   <= student_etl._withheld(array_agg(students) OVER (PARTITION BY subject, key1)) AS suppressed
          FROM student_etl.latest_facets
         WHERE facet = 'q4_famsize_failures' AND key2 <> 'unknown') t
 WHERE rnk = 1
 ORDER BY subject, famsize, failures;
COMMENT ON VIEW student_etl.q4_most_frequent_failures_by_famsize IS
    'Latest load of each subject: the most frequent number of past failures per family size (ties all shown); students with unknown (NULL) failures are left out.';

-- 5. Median absences for low (famrel 1-2) and average (famrel 3) family relationships, by sex.
-- The median is percentile_cont(0.5) -- the mean of the values at 0-based positions
-- floor((n-1)/2) and ceil((n-1)/2) of the sorted absences -- computed exactly from the
-- per-run histogram of absences, without reading the students again.
-- Partition: subject and famrel band (both sexes).
CREATE VIEW student_etl.q5_median_absences_by_famrel_sex WITH (security_barrier) AS
WITH histogram AS (
    SELECT subject, CASE WHEN key1::int <= 2 THEN 'low' ELSE 'average' END AS famrel_band,
           key2 AS sex, key3::int AS absences, sum(students) AS n
      FROM student_etl.latest_facets
     WHERE facet = 'q5_famrel_sex_absences' AND key3 <> 'unknown'
       AND CASE WHEN key1 <> 'unknown' THEN key1::int END <= 3
     GROUP BY 1, 2, 3, 4
), positioned AS (
    SELECT h.*,
           sum(n) OVER (PARTITION BY subject, famrel_band, sex ORDER BY absences) - n AS first_pos,
           sum(n) OVER (PARTITION BY subject, famrel_band, sex) AS total
      FROM histogram h
), medians AS (
    SELECT subject, famrel_band, sex, total AS students,
           ((min(absences) FILTER (WHERE first_pos <= floor((total - 1) / 2.0) AND floor((total - 1) / 2.0) < first_pos + n)
           + min(absences) FILTER (WHERE first_pos <= ceil((total - 1) / 2.0) AND ceil((total - 1) / 2.0) < first_pos + n))
           / 2.0)::double precision AS median_absences
      FROM positioned
     GROUP BY subject, famrel_band, sex, total
), cells AS (
    SELECT m.*,
           row_number() OVER (PARTITION BY subject, famrel_band ORDER BY students, sex)
               <= student_etl._withheld(array_agg(students::bigint) OVER (PARTITION BY subject, famrel_band)) AS suppressed
      FROM medians m
)
SELECT subject, famrel_band, sex, CASE WHEN NOT suppressed THEN students END AS students,
       CASE WHEN NOT suppressed THEN median_absences END AS median_absences, suppressed
  FROM cells
 ORDER BY subject, famrel_band DESC, sex;
COMMENT ON VIEW student_etl.q5_median_absences_by_famrel_sex IS
    'Latest load of each subject: median absences (percentile_cont 0.5) by family relationship band (low: famrel 1-2, average: 3) and sex; students with unknown (NULL) famrel or absences are left out, and students counts only those known.';
