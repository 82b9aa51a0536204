#!/usr/bin/env bash
# Two sessions loading the same file at once: exactly one loads it, the other waits for it
# and reports skipped (pointing at the loaded run); no row is loaded twice.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

make_data_dir
make_db
F="$DATA_DIR/student-mat.csv"
cp test/data/student-mat.csv "$F"; chmod a+r "$F"

# 1. Placed: session A loads inside an open transaction; B's load must wait for A's commit,
#    then skip.
sql_session_start a
sql_session a "BEGIN;"
sql_session a "SELECT 'A ' || run_id || ' ' || status FROM student_etl.load('$F');"
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE datname = current_database()
            AND state = 'idle in transaction'" || fail "session A never finished its load"
q -c "SELECT run_id || ' ' || status || ' ' || rows_loaded FROM student_etl.load('$F')" > "$DATA_DIR/b.out" 2>&1 &
b=$!
wait_for "SELECT count(*) = 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
           WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()" ||
  fail "session B did not wait for A"
sql_session a "COMMIT;"
sql_session_end a
wait "$b" || fail "session B failed: $(cat "$DATA_DIR/b.out")"
read -r a_run a_status < <(sed -n 's/^A //p' "$DATA_DIR/a.out")
read -r b_run b_status b_rows < "$DATA_DIR/b.out"
[ "$a_status" = loaded ] || fail "session A: $(cat "$DATA_DIR/a.out")"
[ "$b_status $b_rows" = "skipped 0" ] || fail "session B: $(cat "$DATA_DIR/b.out")"
[ "$(q -c "SELECT duplicate_of FROM student_etl.load_runs WHERE run_id = $b_run")" = "$a_run" ] ||
  fail "B's run does not point at A's"
[ "$(q -c "SELECT count(*) FROM student_etl.student_performance_history")" = 395 ] || fail "rows loaded twice"
note "placed: A loaded run $a_run, B waited and skipped (run $b_run)"

# 2. Unplaced: sessions start the same new file at once (4; 32 with STUDENT_ETL_STRESS=1);
#    one loads, the others skip.
RACERS=$([ "${STUDENT_ETL_STRESS:-0}" = 1 ] && echo 32 || echo 4)
G="$DATA_DIR/student-mat-again.csv"
{ cat "$F"; tail -n 1 "$F"; } > "$G"; chmod a+r "$G"
pids=()
for i in $(seq "$RACERS"); do
  q -c "SELECT status FROM student_etl.load('$G')" > "$DATA_DIR/race$i.out" 2>&1 & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a racing load failed: $(cat "$DATA_DIR"/race*.out)"; done
statuses=$(sort "$DATA_DIR"/race*.out | uniq -c | tr -s ' \n' ' ')
[ "$statuses" = " 1 loaded $((RACERS - 1)) skipped " ] || fail "racing loads: $statuses"
[ "$(q -c "SELECT count(*) FROM student_etl.student_performance_history")" = $((395 + 396)) ] || fail "racing loads: row count"
note "racing: $statuses"
note ok
