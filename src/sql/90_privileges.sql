-- Reading server files is a privilege: load() is for superusers and members of
-- pg_read_server_files (it checks that itself too), who also get the table rights it needs.
REVOKE ALL ON FUNCTION student_etl.load(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION student_etl.load(text, text) TO pg_read_server_files;
GRANT USAGE ON SCHEMA student_etl TO pg_read_server_files;
GRANT SELECT, INSERT ON student_etl.student_performance, student_etl.rejected_rows TO pg_read_server_files;
GRANT SELECT, INSERT, UPDATE ON student_etl.load_runs TO pg_read_server_files;
-- Loaders can read what they load, metrics included, and write the run's facet cells.
GRANT SELECT ON student_etl.run_facets, student_etl.validated_checks, student_etl.student_metrics,
    student_etl.latest_runs, student_etl.group_metrics, student_etl.run_metrics,
    student_etl.latest_facets, student_etl.grade_distribution,
    student_etl.q1_mother_jobs_of_young_male_students, student_etl.q2_rural_most_frequent_traveltime,
    student_etl.q3_top_father_jobs_by_pstatus, student_etl.q4_most_frequent_failures_by_famsize,
    student_etl.q5_median_absences_by_famrel_sex, student_etl.load_history, student_etl.reject_reasons,
    student_etl.queue_history
    TO pg_read_server_files;
GRANT INSERT ON student_etl.run_facets TO pg_read_server_files;
