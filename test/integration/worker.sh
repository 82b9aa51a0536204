#!/usr/bin/env bash
# The background worker, the inbox, the queue and pg_cron schedules, on a cluster of its own
# (the worker needs its own settings): shared_preload_libraries = 'pg_cron,student_etl',
# student_etl.inbox_dir set. Port STUDENT_ETL_WORKER_TEST_PORT (default 5511).
# STUDENT_ETL_WORKER_TEST_CRON_WAIT=1 also waits (up to 70 s) for a real pg_cron run.
set -euo pipefail
PG_BIN=${STUDENT_ETL_PG_BIN:-/usr/lib/postgresql/15/bin}
PORT=${STUDENT_ETL_WORKER_TEST_PORT:-5511}
SAMPLE=$PWD/test/data/student-mat.csv
BAD=$PWD/test/data/bad/header-missing-g3.csv

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
WORK=$(mktemp -d /tmp/student_etl_worker.XXXXXX)
chmod 755 "$WORK"
DELIV=$WORK/deliveries
INBOX=$DELIV/inbox QUEUE=$DELIV/queue SWEEP=$DELIV/sweep
mkdir -p "$INBOX" "$QUEUE" "$SWEEP"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$WORK"
LOG=$WORK/server.log
cleanup() {
  as_postgres "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "worker: FAIL: command failed at line $LINENO"' ERR
fail() { echo "worker: FAIL: $*"; echo "--- server log (tail)"; tail -n 40 "$LOG"; exit 1; }

as_postgres "$PG_BIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >> "$WORK/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$WORK'
shared_preload_libraries = 'pg_cron,student_etl'
cron.database_name = 'postgres'
cron.host = '$WORK'
student_etl.database_name = 'postgres'
student_etl.allowed_dirs = '$DELIV'
student_etl.inbox_dir = '$INBOX'
student_etl.worker_naptime = '300ms'
student_etl.inbox_settle_time = '1s'
fsync = off
CONF
as_postgres "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$LOG" -w start >/dev/null || fail "server did not start"
export PGHOST=$WORK PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
q() { psql -X -qtA -v ON_ERROR_STOP=1 -c "$1"; }
# Polls a query until it prints the expected value (or times out after $3 seconds, default 20).
wait_for() {
  local query=$1 want=$2 limit=${3:-20} got=
  for _ in $(seq $((limit * 10))); do
    got=$(q "$query" 2>/dev/null || true)
    [ "$got" = "$want" ] && return 0
    sleep 0.1
  done
  fail "waited ${limit}s for [$query] = [$want], last [$got]"
}
wait_file() {   # a glob matching one file
  for _ in $(seq 200); do compgen -G "$1" >/dev/null && return 0; sleep 0.1; done
  fail "no file $1"
}
deliver() { cp "$1" "$2.part"; [ "$(id -u)" = 0 ] && chown postgres "$2.part"; mv "$2.part" "$2"; }

# --- Until the extension exists, the worker waits and says so once.
sleep 1.2
[ "$(grep -c 'waiting for CREATE EXTENSION student_etl' "$LOG")" = 1 ] || fail "the waiting message should be logged once"
q "CREATE EXTENSION student_etl; CREATE EXTENSION pg_cron;"
wait_for "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'student_etl worker'" 1
echo "worker: waits for the extension, then serves"

# --- Inbox: a half-written file (.part) is not picked up; once renamed it is, then moved.
cp "$SAMPLE" "$INBOX/student-mat.csv.part"; [ "$(id -u)" = 0 ] && chown postgres "$INBOX/student-mat.csv.part"
# Nothing but a delivery (*.csv) is ever loaded or moved.
echo "call the school on Monday" > "$INBOX/notes.txt"; [ "$(id -u)" = 0 ] && chown postgres "$INBOX/notes.txt"
sleep 2
[ -f "$INBOX/student-mat.csv.part" ] && [ "$(q 'SELECT count(*) FROM student_etl.load_runs')" = 0 ] ||
  fail ".part file was picked up"
mv "$INBOX/student-mat.csv.part" "$INBOX/student-mat.csv"
wait_file "$DELIV/processed/*-student-mat.csv"
run=$(basename "$(compgen -G "$DELIV/processed/*-student-mat.csv")" | cut -d- -f1)
[ "$(q "SELECT status || ' ' || rows_loaded FROM student_etl.load_runs WHERE run_id = $run")" = "loaded 395" ] ||
  fail "inbox file not loaded as run $run"
[ ! -e "$INBOX/student-mat.csv" ] || fail "inbox file not moved"
[ -f "$INBOX/notes.txt" ] && [ -z "$(compgen -G "$DELIV/processed/*notes.txt")$(compgen -G "$DELIV/failed/*notes.txt")" ] || fail "notes.txt was moved"
echo "worker: inbox file loaded as run $run and moved to processed/; notes.txt left alone"

# A file still growing is picked up only once it has settled: write it a line at a time.
grow=$INBOX/student-por-growing.csv
( head -n 1 "$SAMPLE"; ) > "$grow"; [ "$(id -u)" = 0 ] && chown postgres "$grow"
sed -n '2,21p' "$SAMPLE" | while IFS= read -r line; do printf '%s\n' "$line" >> "$grow"; sleep 0.1; done
wait_file "$DELIV/processed/*-student-por-growing.csv"
[ "$(q "SELECT status || ' ' || rows_loaded FROM student_etl.load_runs WHERE file_path = '$DELIV/claimed/student-por-growing.csv'")" = "loaded 20" ] ||
  fail "growing file was not loaded whole: $(q "SELECT status, rows_loaded FROM student_etl.load_runs WHERE file_path = '$DELIV/claimed/student-por-growing.csv'")"
echo "worker: a growing file is loaded whole once settled"

# A bad file goes to failed/, with a durable 'failed' run and its error; nothing is loaded.
facts=$(q "SELECT count(*) FROM student_etl.student_performance_history")
deliver "$BAD" "$INBOX/student-mat-bad.csv"
wait_file "$DELIV/failed/*-student-mat-bad.csv"
run=$(basename "$(compgen -G "$DELIV/failed/*-student-mat-bad.csv")" | cut -d- -f1)
[ "$(q "SELECT status FROM student_etl.load_runs WHERE run_id = $run AND error ILIKE '%missing required column%G3%'")" = failed ] ||
  fail "no failed run with the error: $(q "SELECT * FROM student_etl.load_runs WHERE run_id = $run")"
[ "$(q "SELECT count(*) FROM student_etl.student_performance_history")" = "$facts" ] || fail "a failed file wrote rows"
echo "worker: bad file in failed/ as run $run: $(q "SELECT error FROM student_etl.load_runs WHERE run_id = $run")"

# Inbox files load as student_etl.worker_role (no LOGIN needed, the loader profile), reread
# on reload.
q "CREATE ROLE student_etl_loader NOLOGIN" >/dev/null
q "SELECT student_etl.grant_access('student_etl_loader', 'loader')" >/dev/null
q "ALTER SYSTEM SET student_etl.worker_role = 'student_etl_loader'"; q "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
sed -n '1,31p' "$SAMPLE" > "$WORK/por.csv"; deliver "$WORK/por.csv" "$INBOX/student-por-role.csv"
wait_file "$DELIV/processed/*-student-por-role.csv"
[ "$(q "SELECT loaded_by || ' ' || status FROM student_etl.load_runs WHERE file_path = '$DELIV/claimed/student-por-role.csv'")" = \
  "student_etl_loader loaded" ] || fail "inbox file not loaded as worker_role"
echo "worker: inbox file loaded as student_etl.worker_role"

# An inbox outside student_etl.allowed_dirs is not served, and the log says so once.
mkdir -p "$WORK/outside"; [ "$(id -u)" = 0 ] && chown postgres "$WORK/outside"
cp "$SAMPLE" "$WORK/outside/student-mat.csv"
q "ALTER SYSTEM SET student_etl.inbox_dir = '$WORK/outside'"; q "SELECT pg_reload_conf()" >/dev/null
sleep 1.5
[ "$(grep -c "directory \"$WORK/outside\": it is not under a directory listed in student_etl.allowed_dirs" "$LOG")" = 1 ] ||
  fail "no single warning about an inbox outside allowed_dirs"
[ -f "$WORK/outside/student-mat.csv" ] || fail "a file outside allowed_dirs was touched"
q "ALTER SYSTEM RESET student_etl.inbox_dir"; q "ALTER SYSTEM RESET student_etl.worker_role"
echo "worker: an inbox outside allowed_dirs is refused (one warning)"

# --- Names, retries, long names: the inbox claims every file into claimed/ first, so a file
# leaves the inbox once and never loops.
q "ALTER SYSTEM SET student_etl.inbox_dir = '$INBOX'"; q "SELECT pg_reload_conf()" >/dev/null
sed -n '1,41p' "$SAMPLE" > "$WORK/dated.csv"; deliver "$WORK/dated.csv" "$INBOX/2026-11-25_student-por.csv"
sed -n '1,42p' "$SAMPLE" > "$WORK/prefixed.csv"; deliver "$WORK/prefixed.csv" "$INBOX/kaggle-student-mat.csv"
wait_file "$DELIV/processed/*-2026-11-25_student-por.csv"; wait_file "$DELIV/processed/*-kaggle-student-mat.csv"
[ "$(q "SELECT string_agg(subject, ',' ORDER BY file_path) FROM student_etl.load_runs WHERE file_path ~ '(2026-11-25_student-por|kaggle-student-mat)[.]csv$'")" = "portuguese,math" ] ||
  fail "dated or prefixed names: $(q "SELECT file_path, subject, status FROM student_etl.load_runs")"
echo "worker: dated and prefixed names loaded with their subject"
# A failed file, fixed and moved back into the inbox, loads (its run-id prefix is no obstacle).
failed_bad=$(compgen -G "$DELIV/failed/*-student-mat-bad.csv")
sed -n '1,43p' "$SAMPLE" > "$failed_bad"
mv "$failed_bad" "$INBOX/"
wait_file "$DELIV/processed/*-$(basename "$failed_bad")"
echo "worker: a failed file fixed and moved back into the inbox was loaded"
# retry(run_id): the failed file is taken from failed/ where the worker put it.
deliver "$BAD" "$INBOX/student-mat-retry.csv"
wait_file "$DELIV/failed/*-student-mat-retry.csv"
failed_retry=$(compgen -G "$DELIV/failed/*-student-mat-retry.csv"); run=$(basename "$failed_retry" | cut -d- -f1)
sed -n '1,44p' "$SAMPLE" > "$failed_retry"
q "SELECT student_etl.retry($run)" >/dev/null
wait_file "$DELIV/processed/*-$(basename "$failed_retry")"
[ "$(q "SELECT r.status FROM student_etl.load_jobs j JOIN student_etl.load_runs r USING (run_id) WHERE j.path = '$failed_retry'")" = loaded ] ||
  fail "retry($run) did not load: $(q "SELECT * FROM student_etl.load_jobs WHERE path = '$failed_retry'")"
echo "worker: retry($run) loaded the fixed file from failed/ and moved it to processed/"
# A name too long for "<run_id>-<name>" is cut to fit, loaded once, never again.
long="student-mat-$(printf 'x%.0s' $(seq 237)).csv"
sed -n '1,45p' "$SAMPLE" > "$INBOX/.long.tmp"; [ "$(id -u)" = 0 ] && chown postgres "$INBOX/.long.tmp"
mv "$INBOX/.long.tmp" "$INBOX/$long"   # (deliver's "<name>.part" would be too long itself)
wait_for "SELECT count(*) FROM student_etl.load_runs WHERE file_path LIKE '%xxxxxxxx.csv' AND status = 'loaded'" 1
sleep 1.5
[ "$(q "SELECT count(*) FROM student_etl.load_runs WHERE file_path LIKE '%xxxxxxxx.csv'")" = 1 ] && [ ! -e "$INBOX/$long" ] &&
  [ -n "$(compgen -G "$DELIV/processed/*xxxxxxxx.csv")" ] || fail "a long name: $(ls "$DELIV/processed" "$INBOX")"
[ -z "$(ls -A "$DELIV/claimed")" ] || fail "claimed/ not empty: $(ls -A "$DELIV/claimed")"
[ "$(q "SELECT count(*) FROM student_etl.load_jobs WHERE spool AND moved_to IS NULL")" = 0 ] || fail "a spool job without its move"
echo "worker: a 253-byte name loaded once and moved under a cut name; claimed/ is empty"
# A delivery renamed over one that is being loaded (write, then rename: the protocol) is a
# new delivery: both are loaded, neither is moved unloaded.
{ head -n 1 "$SAMPLE"; for _ in $(seq 600); do tail -n +2 "$SAMPLE"; done; } > "$WORK/first.csv"
sed -n '1,46p' "$SAMPLE" > "$WORK/second.csv"
deliver "$WORK/first.csv" "$INBOX/student-mat-replaced.csv"
for _ in $(seq 400); do
  [ -n "$(q "SELECT p.pid FROM pg_stat_progress_copy p JOIN pg_stat_activity a USING (pid)
              WHERE a.backend_type = 'student_etl worker' AND p.bytes_processed > 0")" ] && break
  sleep 0.02
done
deliver "$WORK/second.csv" "$INBOX/student-mat-replaced.csv"
wait_for "SELECT count(*) FROM student_etl.load_runs WHERE file_path LIKE '%student-mat-replaced.csv' AND status = 'loaded'" 2 30
[ "$(ls "$DELIV/processed" | grep -c -- '-student-mat-replaced.csv$')" = 2 ] && [ ! -e "$INBOX/student-mat-replaced.csv" ] ||
  fail "a delivery renamed over one being loaded: $(ls "$DELIV/processed" "$INBOX")"
[ "$(q "SELECT string_agg(rows_loaded::text, ',' ORDER BY run_id) FROM student_etl.load_runs WHERE file_path LIKE '%student-mat-replaced.csv'")" = "$((600 * 395)),45" ] ||
  fail "the two deliveries: $(q "SELECT run_id, status, rows_loaded FROM student_etl.load_runs WHERE file_path LIKE '%student-mat-replaced.csv'")"
echo "worker: a delivery renamed over one being loaded was loaded after it; both moved to processed/"
q "ALTER SYSTEM RESET student_etl.inbox_dir"; q "SELECT pg_reload_conf()" >/dev/null

# --- Queue: the worker wakes on enqueue (its poll interval is now 10 minutes; SIGHUP reloads it).
q "ALTER SYSTEM SET student_etl.worker_naptime = '10min'"; q "SELECT pg_reload_conf()" >/dev/null
sleep 1
for i in 1 2 3 4 5 6 7 8; do
  f=$QUEUE/student-mat-$i.csv
  { head -n 1 "$SAMPLE"; for _ in $(seq $((120 + i))); do tail -n +2 "$SAMPLE"; done; } > "$f"
done
[ "$(id -u)" = 0 ] && chown -R postgres "$QUEUE"
old_pid=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'student_etl worker'")
q "BEGIN; $(for i in 1 2 3 4 5 6 7 8; do printf "SELECT student_etl.enqueue('%s');" "$QUEUE/student-mat-$i.csv"; done) COMMIT;" >/dev/null
# Kill -9 the worker once a job is done and others are not.
for _ in $(seq 400); do
  done_jobs=$(q "SELECT count(*) FROM student_etl.load_jobs WHERE state = 'done' AND path LIKE '$QUEUE/%'")
  [ "$done_jobs" -ge 1 ] && break
  sleep 0.02
done
[ "$done_jobs" -ge 1 ] && [ "$done_jobs" -lt 8 ] || fail "could not catch the worker mid-queue ($done_jobs done)"
kill -9 "$old_pid"
echo "worker: killed the worker (pid $old_pid) with $done_jobs of 8 jobs done"
wait_for "SELECT count(*) FROM student_etl.load_jobs WHERE state = 'done' AND path LIKE '$QUEUE/%'" 8 60
new_pid=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'student_etl worker'")
[ -n "$new_pid" ] && [ "$new_pid" != "$old_pid" ] || fail "worker was not restarted"
[ "$(q "SELECT count(DISTINCT r.run_id) || ' ' || bool_and(r.status = 'loaded') || ' ' || sum(r.rows_loaded)
         FROM student_etl.load_jobs j JOIN student_etl.load_runs r USING (run_id) WHERE j.path LIKE '$QUEUE/%'")" = "8 true $((395 * (8 * 120 + 36)))" ] ||
  fail "jobs not loaded exactly once: $(q "SELECT job_id, state, run_id, attempts FROM student_etl.load_jobs")"
[ "$(q "SELECT count(*) FROM student_etl.load_runs WHERE file_path LIKE '$QUEUE/%'")" = 8 ] ||
  fail "a queued file was loaded twice"
[ "$(q "SELECT count(*) FROM student_etl.student_performance_history sp JOIN student_etl.load_jobs j USING (run_id) WHERE j.path LIKE '$QUEUE/%'")" = "$((395 * (8 * 120 + 36)))" ] ||
  fail "fact rows of the queued jobs do not add up"
echo "worker: restarted (pid $new_pid), all 8 jobs done exactly once ($(q "SELECT string_agg(attempts::text, ',' ORDER BY job_id) FROM student_etl.load_jobs WHERE path LIKE '$QUEUE/%'") attempts)"

# Enqueued twice, the same file is loaded once and skipped once; the worker wakes on enqueue.
twice=$QUEUE/student-por-twice.csv
sed -n '1,51p' "$SAMPLE" > "$twice"; [ "$(id -u)" = 0 ] && chown postgres "$twice"
a=$(q "SELECT student_etl.enqueue('$twice')"); b=$(q "SELECT student_etl.enqueue('$twice', 'portuguese')")
wait_for "SELECT string_agg(r.status, ',' ORDER BY j.job_id) FROM student_etl.load_jobs j JOIN student_etl.load_runs r USING (run_id) WHERE j.job_id IN ($a, $b) AND j.state = 'done'" "loaded,skipped" 5
echo "worker: the same file enqueued twice: loaded, then skipped (woken by enqueue, not by polling)"

# A queued job that fails is 'failed' with its error and a failed run.
j=$(q "SELECT student_etl.enqueue('$QUEUE/no-such-file.csv', 'math')")
wait_for "SELECT state || ' ' || (error LIKE '%no-such-file%') || ' ' || (SELECT status FROM student_etl.load_runs r WHERE r.run_id = j.run_id) FROM student_etl.load_jobs j WHERE job_id = $j" "failed true failed" 5
echo "worker: a failing job: $(q "SELECT error FROM student_etl.load_jobs WHERE job_id = $j")"

# A directory job loads every settled file in it and moves it, like the inbox.
deliver "$SAMPLE" "$SWEEP/student-mat-sweep.csv"; echo "x" >> "$SWEEP/student-mat-sweep.csv"   # different content
sleep 1.2
j=$(q "SELECT student_etl.enqueue('$SWEEP')")
wait_for "SELECT state || ' ' || path FROM student_etl.load_jobs WHERE job_id = $j" "done $SWEEP/" 5
wait_file "$DELIV/processed/*-student-mat-sweep.csv"
echo "worker: a directory job swept $SWEEP"

# --- pg_cron: one call schedules a delivery; the job row and the view show it.
jobid=$(q "SELECT student_etl.schedule_load('mat-every-two-days', '0 6 */2 * *', '$twice', 'portuguese')")
[ "$(q "SELECT schedule || ' | ' || command FROM cron.job WHERE jobid = $jobid")" = \
  "0 6 */2 * * | SELECT student_etl.enqueue('$twice', 'portuguese')" ] || fail "cron.job row: $(q "SELECT * FROM cron.job")"
strict=$(q "SELECT student_etl.schedule_load('mat-strict', '0 6 * * *', '$SWEEP', strict_every_other_day => true)")
q "SELECT command FROM cron.job WHERE jobid = $strict" | grep -q "% 2 = 0" || fail "strict schedule has no parity guard"
# Run the scheduled command as pg_cron would: the delivery is queued and loaded (skipped: same content).
cmd=$(q "SELECT command FROM cron.job WHERE jobid = $jobid")
q "$cmd" >/dev/null
wait_for "SELECT last_job_state || ' ' || last_run_status FROM student_etl.scheduled_loads WHERE job_name = 'mat-every-two-days'" "done skipped" 5
echo "worker: scheduled: $(q "SELECT job_name || ' ' || schedule || ' ' || path FROM student_etl.scheduled_loads ORDER BY 1" | tr '\n' ';')"
if [ "${STUDENT_ETL_WORKER_TEST_CRON_WAIT:-0}" = 1 ]; then
  q "SELECT student_etl.schedule_load('mat-every-minute', '* * * * *', '$twice')" >/dev/null
  wait_for "SELECT last_cron_status FROM student_etl.scheduled_loads WHERE job_name = 'mat-every-minute'" succeeded 70
  echo "worker: pg_cron ran the scheduled load"
  q "SELECT student_etl.unschedule_load('mat-every-minute')" >/dev/null
fi
q "SELECT student_etl.unschedule_load('mat-every-two-days'), student_etl.unschedule_load('mat-strict')" >/dev/null
[ "$(q "SELECT count(*) FROM cron.job")/$(q "SELECT count(*) FROM student_etl.scheduled_loads")" = 0/0 ] ||
  fail "unschedule_load left jobs"
echo "worker: unscheduled"

# --- A job whose loads keep ending in a crash is given up after student_etl.max_attempts (3)
# starts: failed with that reason, never started again.
crashing=$QUEUE/student-mat-crashing.csv
# Big enough (3 M rows) that no attempt ends before the test has stopped it.
make_big() {
  for _ in $(seq 100); do tail -n +2 "$SAMPLE"; done > "$WORK/x100.csv"
  head -n 1 "$SAMPLE"; for _ in $(seq 80); do cat "$WORK/x100.csv"; done
}
make_big > "$crashing"; [ "$(id -u)" = 0 ] && chown postgres "$crashing"
j=$(q "SELECT student_etl.enqueue('$crashing')")
for attempt in 1 2 3; do
  pid=
  # The worker running the job holds its advisory lock from the claim to the end of the load.
  for _ in $(seq 1500); do
    pid=$(q "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 1398031700 AND objid = $j" 2>/dev/null || true)
    [ -n "$pid" ] && break
    sleep 0.02
  done
  [ -n "$pid" ] || fail "attempt $attempt: the crashing job never ran ($(q "SELECT state, attempts FROM student_etl.load_jobs WHERE job_id = $j"))"
  kill -9 "$pid"
  sleep 0.5
  wait_for "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'student_etl worker'" 1 30
done
wait_for "SELECT state || ' ' || attempts FROM student_etl.load_jobs WHERE job_id = $j" "failed 3" 30
q "SELECT error FROM student_etl.load_jobs WHERE job_id = $j" | grep -q "given up after 3 attempts" ||
  fail "the error of the given-up job: $(q "SELECT error FROM student_etl.load_jobs WHERE job_id = $j")"
[ "$(q "SELECT r.status FROM student_etl.load_jobs j JOIN student_etl.load_runs r USING (run_id) WHERE job_id = $j")" = failed ] ||
  fail "no failed run for the given-up job"
sleep 1
[ "$(q "SELECT state || ' ' || attempts FROM student_etl.load_jobs WHERE job_id = $j")" = "failed 3" ] || fail "the job ran again"
echo "worker: a job crashing its loads was given up after 3 starts: $(q "SELECT error FROM student_etl.load_jobs WHERE job_id = $j")"

# --- Clean shutdown; no crash other than the four we caused.
as_postgres "$PG_BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null || fail "server did not stop"
[ "$(grep -c 'terminated by signal' "$LOG")" = 4 ] || fail "unexpected crash in the log"
grep -Eq "TRAP|PANIC" "$LOG" && fail "assertion failure or PANIC in the log"
echo "worker: ok"
