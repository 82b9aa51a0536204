-- Quality per delivery (issue 13, item 4), measured by load() while it streams the file (on
-- its parse thread: src/core/delivery_quality.*) and written in the same transaction as the
-- run's rows. Counts only, never a delivered value.

-- One row per loaded run.
CREATE TABLE student_etl.run_quality (
    run_id              bigint  PRIMARY KEY,
    duplicate_records   bigint  NOT NULL CHECK (duplicate_records >= 0),
    duplicates_complete boolean NOT NULL,
    likely_dropouts     bigint  NOT NULL CHECK (likely_dropouts >= 0)
);
COMMENT ON TABLE student_etl.run_quality IS
    'Per loaded run: loaded records identical to an earlier record of the same delivery (all 33 values), and students flagged as likely dropouts.';
COMMENT ON COLUMN student_etl.run_quality.duplicate_records IS
    'Loaded records whose 33 values (as stored, NULL equal to NULL) repeat an earlier loaded record of the same file; they are loaded all the same.';
COMMENT ON COLUMN student_etl.run_quality.duplicates_complete IS
    'False when the delivery had more than 2^20 distinct records: repeats of records past that are not counted.';
COMMENT ON COLUMN student_etl.run_quality.likely_dropouts IS
    'Loaded students with g3 = 0 and absences = 0 (both known): likely left rather than failed.';
SELECT pg_catalog.pg_extension_config_dump('student_etl.run_quality', '');

-- One row per loaded run and column that had a missing value.
CREATE TABLE student_etl.run_missing_values (
    run_id      bigint NOT NULL,
    column_name text   NOT NULL,
    kept_null   bigint NOT NULL CHECK (kept_null >= 0),
    defaulted   bigint NOT NULL CHECK (defaulted >= 0),
    rejected    bigint NOT NULL CHECK (rejected >= 0),
    PRIMARY KEY (run_id, column_name)
);
COMMENT ON TABLE student_etl.run_missing_values IS
    'Per run and column: missing values (empty or a marker of student_etl.missing_value_markers) kept as NULL, replaced by the default, or in rejected records. Columns without any are not listed.';
SELECT pg_catalog.pg_extension_config_dump('student_etl.run_missing_values', '');

-- What dashboards read: one row per loaded run.
CREATE VIEW student_etl.delivery_quality AS
SELECT r.run_id, r.subject, r.finished_at AS loaded_at, r.rows_read, r.rows_loaded, r.rows_rejected,
       round(r.rows_rejected::numeric / nullif(r.rows_read, 0), 4) AS reject_rate,
       r.rows_with_missing,
       round(r.rows_with_missing::numeric / nullif(r.rows_loaded, 0), 4) AS missing_rate,
       coalesce(m.missing_values, 0) AS missing_values,
       q.duplicate_records, q.duplicates_complete,
       -- students with a grade of 0: a group of their own, shown to a viewer only when none, or
       -- at least student_etl.min_group_size (19_privacy.sql)
       CASE WHEN q.likely_dropouts = 0 OR q.likely_dropouts >= student_etl._min_group_size()
                 OR (SELECT student_etl._has_profile(current_user::pg_catalog.regrole, 'analyst'))
            THEN q.likely_dropouts END AS likely_dropouts
  FROM student_etl.load_runs r
  JOIN student_etl.run_quality q USING (run_id)
  LEFT JOIN (SELECT run_id, sum(kept_null + defaulted + rejected) AS missing_values
               FROM student_etl.run_missing_values GROUP BY run_id) m USING (run_id)
 WHERE r.status = 'loaded';
COMMENT ON VIEW student_etl.delivery_quality IS
    'Per loaded run: reject rate (rejected / read), records loaded with a missing value and their share of the loaded (missing_rate), missing values in all records, duplicate records, likely dropouts. Counts only.';

-- And one row per loaded run and column with missing values.
CREATE VIEW student_etl.missing_values_by_column AS
SELECT v.run_id, r.subject, r.finished_at AS loaded_at, v.column_name,
       v.kept_null + v.defaulted + v.rejected AS missing, v.kept_null, v.defaulted, v.rejected,
       round((v.kept_null + v.defaulted + v.rejected)::numeric / nullif(r.rows_read, 0), 4) AS missing_share
  FROM student_etl.run_missing_values v
  JOIN student_etl.load_runs r USING (run_id)
 WHERE r.status = 'loaded';
COMMENT ON VIEW student_etl.missing_values_by_column IS
    'Per loaded run and column: missing values (kept as NULL, defaulted, in rejected records) and their share of the records read. Counts only.';

COMMENT ON COLUMN student_etl.delivery_quality.loaded_at IS 'When the delivery finished loading.';
COMMENT ON COLUMN student_etl.delivery_quality.rows_read IS 'Records read from the file (count).';
COMMENT ON COLUMN student_etl.delivery_quality.rows_loaded IS 'Records loaded (count).';
COMMENT ON COLUMN student_etl.delivery_quality.rows_rejected IS 'Records rejected (count).';
COMMENT ON COLUMN student_etl.delivery_quality.reject_rate IS 'rows_rejected / rows_read: share 0-1, 4 decimals.';
COMMENT ON COLUMN student_etl.delivery_quality.rows_with_missing IS 'Loaded records with at least one missing value kept as NULL or defaulted (count).';
COMMENT ON COLUMN student_etl.delivery_quality.missing_rate IS 'rows_with_missing / rows_loaded: share 0-1, 4 decimals.';
COMMENT ON COLUMN student_etl.delivery_quality.missing_values IS 'Missing values in all records of the delivery, rejected ones included (count).';
COMMENT ON COLUMN student_etl.delivery_quality.duplicate_records IS 'Loaded records identical to an earlier record of the same delivery (count).';
COMMENT ON COLUMN student_etl.delivery_quality.duplicates_complete IS 'false when the delivery had more distinct records than the duplicate check remembers: duplicate_records is then a lower bound.';
COMMENT ON COLUMN student_etl.delivery_quality.likely_dropouts IS 'Students with g3 = 0 and no absences (count); NULL for a dashboard when between 1 and student_etl.min_group_size - 1.';
COMMENT ON COLUMN student_etl.missing_values_by_column.loaded_at IS 'When the delivery finished loading.';
COMMENT ON COLUMN student_etl.missing_values_by_column.column_name IS 'The column (the data dictionary''s name in lower case).';
COMMENT ON COLUMN student_etl.missing_values_by_column.missing IS 'Missing values of the column in the delivery: kept_null + defaulted + rejected (count).';
COMMENT ON COLUMN student_etl.missing_values_by_column.kept_null IS 'Missing values kept as NULL, unknown (count).';
COMMENT ON COLUMN student_etl.missing_values_by_column.defaulted IS 'Missing values replaced by the column''s default (count).';
COMMENT ON COLUMN student_etl.missing_values_by_column.rejected IS 'Missing values in records rejected for them or for other problems (count).';
COMMENT ON COLUMN student_etl.missing_values_by_column.missing_share IS 'missing / records read: share 0-1, 4 decimals.';
