#!/usr/bin/env bash
# student_etl.max_workers = 2 on a cluster of its own: two workers load queued deliveries at
# the same time, each exactly once; a worker stopped in the middle of a load leaves its job to
# be queued again when it restarts, while the other worker's job, still running, is left alone;
# the inbox (swept by worker 0) hands its files to both. Port STUDENT_ETL_PARALLEL_TEST_PORT.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/integration/lib/common.sh

make_data_dir
chown postgres "$DATA_DIR"
INBOX=$DATA_DIR/inbox QUEUE=$DATA_DIR/queue
mkdir -p "$INBOX" "$QUEUE" && chown postgres "$INBOX" "$QUEUE"
own_cluster "${STUDENT_ETL_PARALLEL_TEST_PORT:-5512}"
as_postgres tee -a "$THROWAWAY_DIR/data/postgresql.conf" >/dev/null <<CONF
student_etl.max_workers = 2
student_etl.database_name = 'postgres'
student_etl.allowed_dirs = '$DATA_DIR'
student_etl.worker_naptime = '300ms'
student_etl.inbox_settle_time = '500ms'
CONF
as_postgres "$PG_BIN/pg_ctl" -D "$THROWAWAY_DIR/data" -w restart >/dev/null || fail "restart with max_workers = 2"
DB=postgres
q -c "CREATE EXTENSION student_etl" || fail "CREATE EXTENSION"
workers() { q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'student_etl worker'"; }
wait_for "SELECT count(*) = 2 FROM pg_stat_activity WHERE backend_type = 'student_etl worker'" 20 ||
  fail "expected 2 workers, found $(workers)"
note "two workers serve the queue: $(q -c "SELECT string_agg(application_name, ', ' ORDER BY application_name)
                                            FROM pg_stat_activity WHERE backend_type = 'student_etl worker'")"

# Deliveries of different content: the sample repeated 400 + i times (the second ten times more).
deliveries=()
for i in 1 2 3 4 5 6; do
  f=$QUEUE/student-mat-$i.csv
  make_big_delivery $((400 + i)) "$f"
  deliveries+=("$f")
done
# The second is stopped in the middle of its load: large enough (x4020, 1.6 M records) that
# its worker cannot finish before the test stops it.
for _ in $(seq 10); do cat "${deliveries[1]}"; done | awk 'NR == 1 || $0 !~ /^school/' > "$QUEUE/big.csv"
mv "$QUEUE/big.csv" "${deliveries[1]}"; chmod a+r "${deliveries[1]}"
expected_rows() { local sum=0 i; for i in "$@"; do sum=$((sum + $(wc -l < "${deliveries[i - 1]}") - 1)); done; echo "$sum"; }

# 1. Two jobs run at once. The first is for a delivery this session is loading in a transaction
#    it keeps open: that job waits (on the checksum's unique index) with its worker's job lock
#    held. The second runs on the other worker.
first=${deliveries[0]} second=${deliveries[1]}
sql_session_start hold
sql_session hold "BEGIN; SELECT status FROM student_etl.load('$first');"
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE state = 'idle in transaction'" 60 ||
  fail "the holding session's load did not finish"
first_job=$(q -c "SELECT student_etl.enqueue('$first')")
wait_for "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE backend_type = 'student_etl worker'
           AND pid = (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 1398031700 AND objid = $first_job)" 30 ||
  fail "the first job does not wait: $(q -c "SELECT pid, state, wait_event_type, query FROM pg_stat_activity")"
second_job=$(q -c "SELECT student_etl.enqueue('$second')")
wait_for "SELECT count(*) = 1 FROM pg_stat_progress_copy p JOIN pg_locks l USING (pid)
           WHERE l.locktype = 'advisory' AND l.classid = 1398031700 AND l.objid = $second_job AND p.bytes_processed > 0" 30 ||
  fail "the second job did not run beside the first: $(q -c "SELECT job_id, state FROM student_etl.load_jobs")"
# 2. Stop the second job's worker in the middle of its load (a clean exit, not a crash). When
#    it restarts (bgw_restart_time 10 s) it queues that job again -- and not the first one,
#    whose worker is alive and waiting.
victim=$(q -c "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 1398031700 AND objid = $second_job")
q -c "SELECT pg_terminate_backend($victim)" >/dev/null
note "stopped worker $victim in the middle of job $second_job; job $first_job waits on the other worker"
wait_for "SELECT state = 'done' FROM student_etl.load_jobs WHERE job_id = $second_job" 60 ||
  fail "the stopped worker's job was not run again: $(q -c "SELECT job_id, state, attempts FROM student_etl.load_jobs")"
[ "$(q -c "SELECT state || ' ' || attempts FROM student_etl.load_jobs WHERE job_id = $first_job")" = "running 1" ] ||
  fail "the waiting job was taken from its live worker: $(q -c "SELECT job_id, state, attempts FROM student_etl.load_jobs")"
sql_session hold "ROLLBACK;"
sql_session_end hold
wait_for "SELECT state = 'done' FROM student_etl.load_jobs WHERE job_id = $first_job" 60 ||
  fail "the first job did not finish after the rollback: $(q -c "SELECT job_id, state, attempts, error FROM student_etl.load_jobs")"
[ "$(q -c "SELECT string_agg(attempts::text, ',' ORDER BY job_id) FROM student_etl.load_jobs")" = "1,2" ] ||
  fail "attempts (waiting job, stopped job): $(q -c "SELECT job_id, attempts FROM student_etl.load_jobs")"
note "the stopped job ran again after its worker restarted (2 attempts); the waiting job kept its worker (1 attempt)"

# 3. Four more jobs with both workers: each loaded exactly once, and runs overlapped in time.
#    Meanwhile the range holding the table's last block is summarised again and again, so
#    that rows land on new blocks of ranges already summarised (the writer offers only the
#    first row of each block to the BRIN index: the others carry the same run id).
fact=$(q -c "SELECT coalesce(to_regclass('student_etl.student_performance_history'), 'student_etl.student_performance'::regclass)")
brin=$(q -c "SELECT indexrelid::regclass FROM pg_index WHERE indrelid = '$fact'::regclass")
( while :; do
    q -c "SELECT brin_summarize_range('$brin', greatest(pg_relation_size('$fact') / 8192 - 1, 0))" >/dev/null 2>&1
    sleep 0.02
  done ) &
summariser=$!
on_exit "kill $summariser"
q -c "BEGIN; $(for f in "${deliveries[@]:2}"; do printf "SELECT student_etl.enqueue('%s');" "$f"; done) COMMIT;" >/dev/null
wait_for "SELECT count(*) = 6 FROM student_etl.load_jobs WHERE state = 'done'" 120 ||
  fail "not all jobs done: $(q -c "SELECT job_id, state, attempts, error FROM student_etl.load_jobs")"
kill $summariser
# Every run's rows are found through the BRIN index, summarised during and after the loads.
q -c "SELECT brin_summarize_new_values('$brin')" >/dev/null
through_index() {
  psql -X -qtA -d "$DB" -c "SET enable_seqscan = off" -c "$1"
}
through_index "EXPLAIN SELECT count(*) FROM $fact WHERE run_id = 1" | grep -q "Bitmap Index Scan on $(sed 's/.*\.//' <<< "$brin")" ||
  fail "the BRIN index is not used: $(through_index "EXPLAIN SELECT count(*) FROM $fact WHERE run_id = 1")"
mismatch=$(through_index "SELECT string_agg(format('run %s: %s rows loaded, %s through the index', r.run_id, r.rows_loaded,
                                   (SELECT count(*) FROM $fact f WHERE f.run_id = r.run_id)), '; ')
                            FROM student_etl.load_runs r
                           WHERE r.rows_loaded <> (SELECT count(*) FROM $fact f WHERE f.run_id = r.run_id)")
[ -z "$mismatch" ] || fail "rows missing from the BRIN index: $mismatch"
note "every run's rows are found through the BRIN index"
[ "$(q -c "SELECT count(*) || ' ' || bool_and(status = 'loaded') || ' ' || sum(rows_loaded) FROM student_etl.load_runs")" = \
  "6 true $(expected_rows 1 2 3 4 5 6)" ] ||
  fail "each delivery loaded once: $(q -c "SELECT run_id, file_path, status, rows_loaded FROM student_etl.load_runs")"
[ "$(q -c "SELECT count(*) FROM $fact")" = "$(expected_rows 1 2 3 4 5 6)" ] ||
  fail "fact rows do not add up"
overlaps=$(q -c "SELECT count(*) FROM student_etl.load_runs a JOIN student_etl.load_runs b
                   ON a.run_id < b.run_id AND a.started_at < b.finished_at AND b.started_at < a.finished_at
                  WHERE a.file_path ~ 'student-mat-[3-6]' AND b.file_path ~ 'student-mat-[3-6]'")
[ "$overlaps" -ge 1 ] || fail "the last four loads never overlapped: $(q -c "SELECT run_id, started_at, finished_at FROM student_etl.load_runs")"
note "six deliveries loaded exactly once; $overlaps pair(s) of loads overlapped in time"

# 4. The inbox with two workers: every file claimed once, loaded once, moved once.
q -c "ALTER SYSTEM SET student_etl.inbox_dir = '$INBOX'" -c "SELECT pg_reload_conf()" >/dev/null
for i in 1 2 3 4; do
  make_big_delivery $((50 + i)) "$DATA_DIR/in-$i.part"; chown postgres "$DATA_DIR/in-$i.part"
  mv "$DATA_DIR/in-$i.part" "$INBOX/student-por-$i.csv"
done
wait_for "SELECT count(*) = 10 FROM student_etl.load_jobs WHERE state = 'done' AND (NOT spool OR moved_to IS NOT NULL)" 60 ||
  fail "inbox files not all loaded and moved: $(q -c "SELECT job_id, state, path, moved_to FROM student_etl.load_jobs")"
[ "$(ls "$DATA_DIR/processed" | grep -c -- '-student-por-[1-4].csv$')" = 4 ] && [ -z "$(ls -A "$INBOX")" ] &&
  [ -z "$(ls -A "$DATA_DIR/claimed")" ] || fail "inbox files: $(ls -R "$DATA_DIR")"
[ "$(q -c "SELECT count(*) || ' ' || bool_and(status = 'loaded') FROM student_etl.load_runs WHERE subject = 'portuguese'")" = "4 true" ] ||
  fail "inbox runs: $(q -c "SELECT run_id, file_path, status FROM student_etl.load_runs WHERE subject = 'portuguese'")"
note "four inbox deliveries: each claimed, loaded and moved once"

# Nothing crashed: the stop was a clean exit.
grep -E "TRAP|PANIC|terminated by signal" "$THROWAWAY_DIR/server.log" && fail "a crash in the server log"
note "ok"
