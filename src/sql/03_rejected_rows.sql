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

-- The same rejects, one row per problem, structured: which column, which rule, and the value
-- apart. Dashboards aggregate by column and rule (reject_reasons) without ever reading a
-- delivered value; analysts see the values here.
CREATE TABLE student_etl.reject_issues (
    run_id      bigint   NOT NULL,
    line_number bigint   NOT NULL,
    issue_no    smallint NOT NULL CHECK (issue_no > 0),
    column_name text,
    rule        text     NOT NULL,
    value       text,
    PRIMARY KEY (run_id, line_number, issue_no)
);
COMMENT ON TABLE student_etl.reject_issues IS
    'One row per problem of a rejected record: column (null for a record-level problem such as a wrong field count), rule, and the delivered value (printable, capped).';
COMMENT ON COLUMN student_etl.reject_issues.rule IS
    'empty_value, not_a_whole_number, out_of_range, not_yes_or_no, unknown_code, missing_value, wrong_field_count, field_too_long, record_too_long, malformed_quoting, unbalanced_quote (docs/analyst.md).';

SELECT pg_catalog.pg_extension_config_dump('student_etl.reject_issues', '');
