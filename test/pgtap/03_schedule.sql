-- schedule_load() with pg_cron installed (the test cluster's cron.database_name is this
-- database): the cron.job row, the view, unschedule. All rolled back.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS student_etl;
CREATE EXTENSION IF NOT EXISTS pg_cron;
SELECT plan(9);

SELECT lives_ok($$SELECT student_etl.schedule_load('tap-mat', '0 6 */2 * *', '/tmp/student_etl_regress/student-mat.csv', 'mat')$$,
                'schedule_load() schedules a delivery in one call');
SELECT is((SELECT schedule || ' | ' || command || ' | ' || (database = current_database())
             FROM cron.job WHERE jobname = 'tap-mat'),
          '0 6 */2 * * | SELECT student_etl.enqueue(''/tmp/student_etl_regress/student-mat.csv'', ''math'') | true',
          'the cron job enqueues the delivery in this database');
SELECT is((SELECT format('%s|%s|%s|%s|%s|%s|%s', job_name, schedule, path, subject, active, last_cron_status, last_job_id)
             FROM student_etl.scheduled_loads),
          'tap-mat|0 6 */2 * *|/tmp/student_etl_regress/student-mat.csv|math|t||',
          'scheduled_loads lists it, not run yet');
SELECT lives_ok($$SELECT student_etl.schedule_load('tap-mat', '0 6 * * *', '/tmp/student_etl_regress/student-mat.csv',
                                                   strict_every_other_day => true)$$,
                'scheduling the same name again replaces it');
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname = 'tap-mat'), 1, 'still one cron job');
SELECT matches((SELECT command FROM cron.job WHERE jobname = 'tap-mat'), '% 2 = 0$',
               'strict every other day guards on the day parity');
SELECT throws_ok($$SELECT student_etl.schedule_load('tap-rel', '0 6 * * *', 'relative.csv')$$, '22023', NULL,
                 'a relative path is refused');
SELECT ok(student_etl.unschedule_load('tap-mat'), 'unschedule_load() removes it');
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname = 'tap-mat')
          + (SELECT count(*)::int FROM student_etl.scheduled_loads), 0, 'no cron job and no schedule left');

SELECT * FROM finish();
ROLLBACK;
