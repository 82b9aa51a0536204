-- Included by regression tests (\ir): a typed table filled by plain COPY, the reference that
-- student_etl.load() must agree with value for value. `line` is the file's physical line.
CREATE TEMP TABLE copy_reference (
    line bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    school text, sex text, age smallint, address text, famsize text, pstatus text,
    medu smallint, fedu smallint, mjob text, fjob text, reason text, guardian text,
    traveltime smallint, studytime smallint, failures smallint,
    schoolsup boolean, famsup boolean, paid boolean, activities boolean, nursery boolean,
    higher boolean, internet boolean, romantic boolean,
    famrel smallint, freetime smallint, goout smallint, dalc smallint, walc smallint,
    health smallint, absences smallint, g1 smallint, g2 smallint, g3 smallint
);
COPY copy_reference (school, sex, age, address, famsize, pstatus, medu, fedu, mjob, fjob,
    reason, guardian, traveltime, studytime, failures, schoolsup, famsup, paid, activities,
    nursery, higher, internet, romantic, famrel, freetime, goout, dalc, walc, health,
    absences, g1, g2, g3)
FROM '/tmp/student_etl_regress/student-mat.csv' WITH (FORMAT csv, HEADER true, DELIMITER ';');

-- The 33 attributes and the line of every row of one run, in the reference's shape.
CREATE TEMP VIEW loaded_attributes AS
SELECT run_id, source_line AS line, school, sex, age, address, famsize, pstatus, medu, fedu,
       mjob, fjob, reason, guardian, traveltime, studytime, failures, schoolsup, famsup, paid,
       activities, nursery, higher, internet, romantic, famrel, freetime, goout, dalc, walc,
       health, absences, g1, g2, g3
  FROM student_etl.student_performance_history;
