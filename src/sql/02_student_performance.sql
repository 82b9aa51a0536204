-- The typed fact table: one row per student record of every delivery ever loaded (the history;
-- student_etl.student_performance is the view of the current students, 22_current.sql).
-- Domains follow the data dictionary (student.txt); the loader validates the same domains
-- before writing, so the CHECK constraints are the guarantee, not the filter. A missing value
-- is NULL where the missing-value policy keeps it (07_missing_values.sql); the 13 attributes
-- that identify a student and G3 are never NULL.
CREATE TABLE student_etl.student_performance_history (
    school      text     NOT NULL CHECK (school IN ('GP', 'MS')),
    sex         text     NOT NULL CHECK (sex IN ('F', 'M')),
    age         smallint NOT NULL CHECK (age BETWEEN 15 AND 22),
    address     text     NOT NULL CHECK (address IN ('U', 'R')),
    famsize     text     NOT NULL CHECK (famsize IN ('LE3', 'GT3')),
    pstatus     text     NOT NULL CHECK (pstatus IN ('T', 'A')),
    medu        smallint NOT NULL CHECK (medu BETWEEN 0 AND 4),
    fedu        smallint NOT NULL CHECK (fedu BETWEEN 0 AND 4),
    mjob        text     NOT NULL CHECK (mjob IN ('teacher', 'health', 'services', 'at_home', 'other')),
    fjob        text     NOT NULL CHECK (fjob IN ('teacher', 'health', 'services', 'at_home', 'other')),
    reason      text     NOT NULL CHECK (reason IN ('home', 'reputation', 'course', 'other')),
    guardian    text     CHECK (guardian IN ('mother', 'father', 'other')),
    traveltime  smallint CHECK (traveltime BETWEEN 1 AND 4),
    studytime   smallint CHECK (studytime BETWEEN 1 AND 4),
    failures    smallint CHECK (failures BETWEEN 0 AND 4),
    schoolsup   boolean,
    famsup      boolean,
    paid        boolean,
    activities  boolean,
    nursery     boolean  NOT NULL,
    higher      boolean,
    internet    boolean  NOT NULL,
    romantic    boolean,
    famrel      smallint CHECK (famrel BETWEEN 1 AND 5),
    freetime    smallint CHECK (freetime BETWEEN 1 AND 5),
    goout       smallint CHECK (goout BETWEEN 1 AND 5),
    dalc        smallint CHECK (dalc BETWEEN 1 AND 5),
    walc        smallint CHECK (walc BETWEEN 1 AND 5),
    health      smallint CHECK (health BETWEEN 1 AND 5),
    absences    smallint CHECK (absences BETWEEN 0 AND 93),
    g1          smallint CHECK (g1 BETWEEN 0 AND 20),
    g2          smallint CHECK (g2 BETWEEN 0 AND 20),
    g3          smallint NOT NULL CHECK (g3 BETWEEN 0 AND 20),
    subject     text     NOT NULL CHECK (subject IN ('math', 'portuguese')),
    grade_mean  numeric(4,2),
    passed      boolean  NOT NULL,
    grade_change smallint,
    run_id      bigint   NOT NULL,
    source_line bigint   NOT NULL
);
-- Append-only, written a whole run at a time: a run's rows sit in consecutive pages, so a
-- BRIN index on run_id finds them for a fraction of what a B-tree costs every inserted row.
-- (run_id, source_line) is unique by construction -- one row per physical line of one file
-- per run -- and the tests check it; it is not enforced by a B-tree on purpose (README,
-- "Design"). run_id refers to load_runs, written in the same transaction by load(); it is
-- not a declared foreign key because the bulk path writes without row triggers.
CREATE INDEX student_performance_history_run_brin ON student_etl.student_performance_history
    USING brin (run_id) WITH (autosummarize = on);

COMMENT ON TABLE student_etl.student_performance_history IS
    'One row per loaded student record of every delivery (the history): the 33 attributes of the data dictionary, typed, plus subject, derived columns and lineage. NULL: delivered missing and kept as unknown (student_etl.missing_values says which).';
COMMENT ON COLUMN student_etl.student_performance_history.grade_mean IS 'round((g1 + g2 + g3) / 3.0, 2); NULL when g1 or g2 is unknown';
COMMENT ON COLUMN student_etl.student_performance_history.passed IS 'g3 >= 10 (pass mark of the 0-20 Portuguese scale)';
COMMENT ON COLUMN student_etl.student_performance_history.grade_change IS 'g3 - g1: progress from the first period to the final grade; NULL when g1 is unknown';
COMMENT ON COLUMN student_etl.student_performance_history.run_id IS 'The load_runs row of the delivery this record came from.';
COMMENT ON COLUMN student_etl.student_performance_history.source_line IS 'Physical line of the record in its file (the header is line 1).';

SELECT pg_catalog.pg_extension_config_dump('student_etl.student_performance_history', '');
