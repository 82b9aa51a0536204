-- Records of a delivery that were not loaded, each with the reason. Never silently dropped.
CREATE TABLE student_etl.rejected_rows (
    run_id      bigint NOT NULL,
    line_number bigint NOT NULL,
    reason      text   NOT NULL,
    raw_record  text   NOT NULL,
    PRIMARY KEY (run_id, line_number)
);
COMMENT ON TABLE student_etl.rejected_rows IS
    'Records that failed validation: run, physical line, reason naming column and value, and the raw record (non-printable bytes as \xNN, capped at 8 KiB).';

SELECT pg_catalog.pg_extension_config_dump('student_etl.rejected_rows', '');
