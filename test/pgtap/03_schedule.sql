-- schedule_load() with pg_cron installed (the test cluster's cron.database_name is this
-- database): the cron.job row, the view, unschedule -- and schedules belonging to their role:
-- pg_cron runs each as its owner, a loader sees and changes only its own, an admin all, and
-- an unschedule never leaves a pg_cron job behind. All rolled back.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS student_etl;
CREATE EXTENSION IF NOT EXISTS pg_cron;
SELECT plan(21);

-- pg_cron runs jobs only for roles that can log in.
CREATE ROLE tap_loader_a LOGIN;
CREATE ROLE tap_loader_b LOGIN;
CREATE ROLE tap_admin LOGIN;
SELECT student_etl.grant_access('tap_loader_a', 'loader');
SELECT student_etl.grant_access('tap_loader_b', 'loader');
SELECT student_etl.grant_access('tap_admin', 'admin');

SET ROLE tap_loader_a;
SELECT lives_ok($$SELECT student_etl.schedule_load('tap-mat', '0 6 */2 * *', '/tmp/student_etl_regress/student-mat.csv', 'mat')$$,
                'schedule_load() schedules a delivery in one call');
RESET ROLE;
SELECT is((SELECT schedule || ' | ' || command || ' | ' || (database = current_database()) || ' | ' || username
             FROM cron.job WHERE jobname = 'tap-mat'),
          '0 6 */2 * * | SELECT student_etl.enqueue(''/tmp/student_etl_regress/student-mat.csv'', ''math'') | true | tap_loader_a',
          'the cron job enqueues the delivery in this database, run by pg_cron as the loader (not a superuser)');
SET ROLE tap_loader_a;
SELECT is((SELECT format('%s|%s|%s|%s|%s|%s|%s|%s', job_name, owner, schedule, path, subject, active, last_cron_status, last_job_id)
             FROM student_etl.scheduled_loads),
          'tap-mat|tap_loader_a|0 6 */2 * *|/tmp/student_etl_regress/student-mat.csv|math|t||',
          'scheduled_loads lists it, not run yet');
SELECT lives_ok($$SELECT student_etl.schedule_load('tap-mat', '0 6 * * *', '/tmp/student_etl_regress/student-mat.csv',
                                                   strict_every_other_day => true)$$,
                'scheduling the same name again replaces it');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname = 'tap-mat'), 1, 'still one cron job');
SELECT matches((SELECT command FROM cron.job WHERE jobname = 'tap-mat'), '% 2 = 0$',
               'strict every other day guards on the day parity');

-- Another loader: the same name is its own schedule; it cannot see, replace or remove a's.
SET ROLE tap_loader_b;
SELECT is((SELECT count(*)::int FROM student_etl.scheduled_loads), 0, 'a loader does not see another loader''s schedules');
SELECT is((SELECT count(*)::int FROM student_etl.load_schedules), 0, '... nor their rows');
SELECT lives_ok($$SELECT student_etl.schedule_load('tap-mat', '0 7 * * *', '/tmp/student_etl_regress/student-mat-variant.csv', 'por')$$,
                'a second loader may use the same name');
SELECT throws_ok($$SELECT student_etl.unschedule_load('tap-mat', 'tap_loader_a')$$, '42501', NULL,
                 'a loader cannot remove another loader''s schedule');
SELECT throws_ok($$UPDATE student_etl.load_schedules SET path = '/etc/passwd'$$, '42501', NULL,
                 'nor write the schedules table');
SELECT throws_ok($$SELECT cron.unschedule('tap-mat')$$, '42501', NULL,
                 'nor call pg_cron around the extension (loaders need no right on schema cron)');
RESET ROLE;
SELECT is((SELECT string_agg(format('%s:%s:%s', username, schedule, command ~ 'variant'), ',' ORDER BY username)
             FROM cron.job WHERE jobname = 'tap-mat'),
          'tap_loader_a:0 6 * * *:f,tap_loader_b:0 7 * * *:t', 'two cron jobs, each run as its owner, a''s unchanged');

-- An admin sees every role's schedules and may remove one; the pg_cron job goes with it.
SET ROLE tap_admin;
SELECT is((SELECT string_agg(owner, ',' ORDER BY owner) FROM student_etl.scheduled_loads), 'tap_loader_a,tap_loader_b',
          'an admin sees every role''s schedules');
SELECT ok(student_etl.unschedule_load('tap-mat', 'tap_loader_b'), 'an admin removes another role''s schedule');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname = 'tap-mat' AND username = 'tap_loader_b'), 0,
          '... and its pg_cron job, leaving no orphan');

SELECT throws_ok($$SELECT student_etl.schedule_load('tap-rel', '0 6 * * *', 'relative.csv')$$, '22023', NULL,
                 'a relative path is refused');
SET ROLE tap_loader_a;
SELECT ok(student_etl.unschedule_load('tap-mat'), 'unschedule_load() removes the caller''s own');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname = 'tap-mat')
          + (SELECT count(*)::int FROM student_etl.load_schedules), 0, 'no cron job and no schedule left');
-- A role without the loader profile may not schedule, even if granted EXECUTE by mistake.
CREATE ROLE tap_nobody;
GRANT USAGE ON SCHEMA student_etl TO tap_nobody;
GRANT EXECUTE ON FUNCTION student_etl.schedule_load(text, text, text, text, boolean) TO tap_nobody;
SET ROLE tap_nobody;
SELECT throws_ok($$SELECT student_etl.schedule_load('tap-x', '0 6 * * *', '/tmp/student_etl_regress/student-mat.csv')$$,
                 '42501', NULL, 'scheduling needs the loader profile');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname = 'tap-x'), 0, 'and nothing was scheduled');

SELECT * FROM finish();
ROLLBACK;
