-- Nobody but the extension's owner holds any right on its objects until given a profile:
-- functions lose the EXECUTE that PUBLIC gets by default. Rights then come only from
-- grant_access(), which applies the rows of profile_rights below (06_access.sql). Every
-- profile gets at most SELECT on tables and views: the extension's functions do the writing.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA student_etl FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA student_etl FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA student_etl FROM PUBLIC;
REVOKE ALL ON SCHEMA student_etl FROM PUBLIC;

INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    -- dashboard: aggregates and pipeline state, nothing student-level, no delivered value.
    ('dashboard', 'SCHEMA student_etl', 'USAGE'),
    ('dashboard', 'TABLE student_etl.latest_runs', 'SELECT'),
    ('dashboard', 'TABLE student_etl.group_metrics', 'SELECT'),
    ('dashboard', 'TABLE student_etl.run_metrics', 'SELECT'),
    ('dashboard', 'TABLE student_etl.grade_distribution', 'SELECT'),
    ('dashboard', 'TABLE student_etl.load_history', 'SELECT'),
    ('dashboard', 'TABLE student_etl.reject_reasons', 'SELECT'),
    ('dashboard', 'TABLE student_etl.queue_history', 'SELECT'),
    ('dashboard', 'TABLE student_etl.delivery_quality', 'SELECT'),
    ('dashboard', 'TABLE student_etl.missing_values_by_column', 'SELECT'),
    ('dashboard', 'TABLE student_etl.q1_mother_jobs_of_young_male_students', 'SELECT'),
    ('dashboard', 'TABLE student_etl.q2_rural_most_frequent_traveltime', 'SELECT'),
    ('dashboard', 'TABLE student_etl.q3_top_father_jobs_by_pstatus', 'SELECT'),
    ('dashboard', 'TABLE student_etl.q4_most_frequent_failures_by_famsize', 'SELECT'),
    ('dashboard', 'TABLE student_etl.q5_median_absences_by_famrel_sex', 'SELECT'),
    ('dashboard', 'TABLE student_etl.access', 'SELECT'),
    ('dashboard', 'FUNCTION student_etl._has_profile(regrole, text)', 'EXECUTE'),
    -- analyst: every student-level row and metric, and the rejected records with their values.
    ('analyst', 'TABLE student_etl.student_performance', 'SELECT'),
    ('analyst', 'TABLE student_etl.student_metrics', 'SELECT'),
    ('analyst', 'TABLE student_etl.run_facets', 'SELECT'),
    ('analyst', 'TABLE student_etl.latest_facets', 'SELECT'),
    ('analyst', 'TABLE student_etl.rejected_rows', 'SELECT'),
    ('analyst', 'TABLE student_etl.reject_issues', 'SELECT'),
    ('analyst', 'TABLE student_etl.missing_values', 'SELECT'),
    ('analyst', 'TABLE student_etl.run_quality', 'SELECT'),
    ('analyst', 'TABLE student_etl.run_missing_values', 'SELECT'),
    ('analyst', 'TABLE student_etl.missing_value_policy', 'SELECT'),
    ('analyst', 'FUNCTION student_etl.recompute_run_facets(bigint)', 'EXECUTE'),
    -- loader: loading, its own queue and schedules, and the load audit.
    ('loader', 'TABLE student_etl.load_runs', 'SELECT'),
    ('loader', 'TABLE student_etl.load_jobs', 'SELECT'),
    ('loader', 'TABLE student_etl.load_schedules', 'SELECT'),
    ('loader', 'TABLE student_etl.scheduled_loads', 'SELECT'),
    ('loader', 'FUNCTION student_etl.load(text, text)', 'EXECUTE'),
    ('loader', 'FUNCTION student_etl.enqueue(text, text)', 'EXECUTE'),
    ('loader', 'FUNCTION student_etl.retry(bigint)', 'EXECUTE'),
    ('loader', 'FUNCTION student_etl.schedule_load(text, text, text, text, boolean)', 'EXECUTE'),
    ('loader', 'FUNCTION student_etl.unschedule_load(text, name)', 'EXECUTE'),
    ('loader', 'FUNCTION student_etl.scheduled_load_list()', 'EXECUTE'),
    -- admin: every role's rows (row-level security lets it see all) and the bookkeeping.
    ('admin', 'FUNCTION student_etl.purge(integer, interval)', 'EXECUTE'),
    ('admin', 'FUNCTION student_etl.set_missing_value_policy(text, text, text)', 'EXECUTE'),
    ('admin', 'TABLE student_etl.validated_checks', 'SELECT'),
    ('admin', 'TABLE student_etl.profiles', 'SELECT'),
    ('admin', 'TABLE student_etl.role_profiles', 'SELECT'),
    ('admin', 'TABLE student_etl.profile_rights', 'SELECT');
