-- Rights on the objects of the analysts' model (issue 13): the history, course matching,
-- drift and trends. Same rules as 90_privileges.sql: at most SELECT, the lowest profile that
-- may see it; views dashboards read withhold small groups themselves (docs/analyst.md).
INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    ('analyst', 'TABLE student_etl.student_performance_history', 'SELECT');
INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    ('dashboard', 'TABLE student_etl.course_overlap', 'SELECT'),
    ('dashboard', 'TABLE student_etl.course_grades', 'SELECT'),
    ('analyst', 'TABLE student_etl.course_matches', 'SELECT');
-- The views dashboards read call these with the viewer's rights (19_privacy.sql).
INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    ('dashboard', 'FUNCTION student_etl._min_group_size()', 'EXECUTE'),
    ('dashboard', 'FUNCTION student_etl._withheld(bigint[])', 'EXECUTE'),
    ('dashboard', 'TABLE student_etl.group_trends', 'SELECT'),
    ('dashboard', 'TABLE student_etl.delivery_sequence', 'SELECT');
INSERT INTO student_etl.profile_rights (profile, object, privilege) VALUES
    ('dashboard', 'FUNCTION student_etl._drift_threshold(text)', 'EXECUTE'),
    ('dashboard', 'TABLE student_etl.delivery_drift', 'SELECT'),
    ('dashboard', 'TABLE student_etl.delivery_drift_summary', 'SELECT');
