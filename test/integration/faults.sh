#!/usr/bin/env bash
# Faults during a load, on a throwaway cluster of its own (port 5521: it kills a backend,
# which restarts the whole server): a statement cancelled by statement_timeout or
# pg_cancel_backend, a read-only transaction, a full disk (tmpfs tablespace, when mounting
# is allowed), kill -9 of the backend mid-load, and readers during a load. Every failure
# must end with a clear message and leave no row of that run; the next load must succeed.
# Fast: the sample x2000 (790,000 records, ~114 MB: long enough to be caught mid-load). STUDENT_ETL_STRESS=1: x10,000 (~568 MB).
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

TIMES=$([ "${STUDENT_ETL_STRESS:-0}" = 1 ] && echo 10000 || echo 2000)
ROWS=$((TIMES * 395))
own_cluster "${STUDENT_ETL_FAULTS_PORT:-5521}"
make_data_dir
make_db
BIG="$DATA_DIR/student-mat-x$TIMES.csv"
make_big_delivery "$TIMES" "$BIG"
note "delivery: $ROWS records, $(stat -c %s "$BIG") bytes"

# Starts load($1) in the background; its output goes to $DATA_DIR/load.out.
start_load() {
  q -v path="$1" > "$DATA_DIR/load.out" 2>&1 <<'SQL' &
SELECT status || ' ' || rows_loaded FROM student_etl.load(:'path');
SQL
  LOADER=$!
}
wait_loading() {
  local i pid
  for ((i = 0; i < 1200; i++)); do
    pid=$(loading_pid 2>/dev/null)
    [ -n "$pid" ] && { echo "$pid"; return 0; }
    sleep 0.05
  done
  return 1
}
expect_nothing_written() {   # $1 = counts before, $2 = what happened
  local now; now=$(table_counts)
  [ "$now" = "$1" ] || fail "$2: counts changed $1 -> $now"
  [ "$(q -c "SELECT count(*) FROM student_etl.load_runs WHERE status <> 'loaded' AND status <> 'skipped'")" = 0 ] ||
    fail "$2: a run row was left behind"
}

# 1. pg_cancel_backend mid-load.
before=$(table_counts)
start_load "$BIG"
pid=$(wait_loading) || fail "cancel: the load never started parsing"
q -c "SELECT pg_cancel_backend($pid)" >/dev/null
wait "$LOADER" && fail "cancel: the load succeeded: $(cat "$DATA_DIR/load.out")"
grep -q "ERROR:  canceling statement due to user request" "$DATA_DIR/load.out" ||
  fail "cancel: unexpected outcome: $(cat "$DATA_DIR/load.out")"
expect_nothing_written "$before" "pg_cancel_backend"
note "pg_cancel_backend mid-load: clean"

# 2. statement_timeout while the load runs (the timeout, 100 ms, is far shorter than the load).
out=$(q -v path="$BIG" 2>&1 <<'SQL'
SET statement_timeout = '100ms';
SELECT status FROM student_etl.load(:'path');
SQL
) && fail "statement_timeout: the load succeeded: $out"
grep -q "ERROR:  canceling statement due to statement timeout" <<< "$out" ||
  fail "statement_timeout: unexpected outcome: $out"
expect_nothing_written "$before" "statement_timeout"
note "statement_timeout: clean"

# 3. Read-only transactions: refused before anything is written.
for setup in "SET default_transaction_read_only = on;" "BEGIN READ ONLY;"; do
  out=$(q 2>&1 <<SQL
$setup
SELECT status FROM student_etl.load('$BIG');
SQL
) && fail "read-only ($setup): the load succeeded: $out"
  grep -q "ERROR:  cannot execute student_etl.load() in a read-only transaction" <<< "$out" ||
    fail "read-only ($setup): unexpected outcome: $out"
done
expect_nothing_written "$before" "read-only"
note "read-only transaction: clean"

# 4. A full disk: the fact table on a 16 MB tmpfs tablespace. In a database of its own, where
#    the fact table is still empty, so moving it there cannot fail for lack of space (moving a
#    table that had rows failed, and then the load succeeded). Root can mount a tmpfs; if the
#    mount is refused all the same, the step says SKIPPED loudly.
TS="$DATA_DIR/tiny_ts"
mkdir -p "$TS"
if mount -t tmpfs -o size=16m tmpfs "$TS" 2>/dev/null; then
  on_exit "umount -l '$TS'"
  chown postgres:postgres "$TS"
  full_db=${DB}_disk_full
  createdb "$full_db" || fail "disk full: createdb"
  on_exit "dropdb --if-exists '$full_db'"
  psql -X -q -v ON_ERROR_STOP=1 -d "$full_db" \
    -c "CREATE EXTENSION student_etl" -c "CREATE TABLESPACE student_etl_tiny LOCATION '$TS'" \
    -c "ALTER TABLE student_etl.student_performance_history SET TABLESPACE student_etl_tiny" >/dev/null ||
    fail "disk full: could not put the empty fact table on the tiny tablespace"
  out=$(psql -X -qtA -d "$full_db" -c "SET student_etl.allowed_dirs = '$DATA_DIR'" \
          -c "SELECT status FROM student_etl.load('$BIG')" 2>&1) && fail "disk full: the load succeeded: $out"
  grep -q "ERROR:  could not extend file .*No space left on device" <<< "$out" ||
    fail "disk full: unexpected outcome: $out"
  [ "$(psql -X -qtA -d "$full_db" -c "SELECT (SELECT count(*) FROM student_etl.student_performance_history) + (SELECT count(*) FROM student_etl.load_runs)")" = 0 ] ||
    fail "disk full: rows or a run were left behind"
  dropdb "$full_db" && psql -X -q -d postgres -c "DROP TABLESPACE student_etl_tiny" >/dev/null ||
    fail "disk full: cleanup"
  note "disk full: clean (no row, no run)"
else
  note "disk full: SKIPPED -- mounting a tmpfs was refused here (not root, or no CAP_SYS_ADMIN); this guarantee was not tested"
fi

# 4b. An in-place edit of the same size that puts the modification time back (cp -p,
#     rsync --inplace -t) while the file is read: refused, not recorded under the old checksum.
EDITED="$DATA_DIR/student-mat-edited.csv"
cp -p "$BIG" "$EDITED"; chmod a+r "$EDITED"
before=$(table_counts)
start_load "$EDITED"
wait_loading >/dev/null || fail "in-place edit: the load never started parsing"
mtime=$(stat -c %Y "$EDITED")
printf 'X' | dd of="$EDITED" bs=1 seek=$(( $(stat -c %s "$EDITED") - 10 )) conv=notrunc status=none
touch -d "@$mtime" "$EDITED"
wait "$LOADER"
out=$(cat "$DATA_DIR/load.out")
grep -q "changed while it was being loaded" <<< "$out" || fail "in-place edit: unexpected outcome: $out"
expect_nothing_written "$before" "in-place edit"
note "in-place edit restoring the modification time: refused ($(head -n 1 <<< "$out" | cut -c1-80)...)"

# 5. Readers during a load see the old data or the new, never part of the run. The reader
#    samples while the load is running; tuples already written must be invisible.
start_load "$BIG"
wait_loading >/dev/null || fail "readers: the load never started parsing"
# Rows the load has written already (progress) are not visible to this reader.
mid=$(q -c "SELECT (SELECT tuples_processed FROM pg_stat_progress_copy
                     WHERE relid = 'student_etl.student_performance_history'::regclass) || ' ' ||
                   (SELECT count(*) FROM student_etl.student_performance_history)")
[ "${mid#* }" = "${before%% *}" ] || fail "readers: mid-load count ${mid#* } (written: ${mid%% *}), before ${before%% *}"
seen=""
while kill -0 "$LOADER" 2>/dev/null; do
  seen+=" $(q -c "SELECT (SELECT count(*) FROM student_etl.student_performance_history) || '/' ||
                         (SELECT count(*) FROM student_etl.load_runs)")"
  sleep 0.1
done
wait "$LOADER" || fail "readers: the load failed: $(cat "$DATA_DIR/load.out")"
[ "$(cat "$DATA_DIR/load.out")" = "loaded $ROWS" ] || fail "readers: load said $(cat "$DATA_DIR/load.out")"
old_facts=${before%% *}; old_runs=${before##* }
for s in $seen; do
  [ "$s" = "$old_facts/$old_runs" ] || [ "$s" = "$((old_facts + ROWS))/$((old_runs + 1))" ] ||
    fail "readers: saw a partial load: $s (old $old_facts/$old_runs, new $((old_facts + ROWS))/$((old_runs + 1)))"
done
note "readers during the load saw only old or new data ($(wc -w <<< "$seen") samples; ${mid%% *} rows written but invisible mid-load)"

# 6. kill -9 of the backend mid-load: after crash recovery no row of that run exists, and
#    the next load of the same file succeeds. A second copy of the content, so that it is
#    not a duplicate of what step 5 loaded.
BIG2="$DATA_DIR/student-mat-x$TIMES-b.csv"
{ cat "$BIG"; tail -n 1 test/data/student-mat.csv; } > "$BIG2"; chmod a+r "$BIG2"
before=$(table_counts)
start_load "$BIG2"
pid=$(wait_loading) || fail "kill -9: the load never started parsing"
kill -9 "$pid"
wait "$LOADER" && fail "kill -9: the load reported success"
# Crash recovery: the postmaster restarts every backend.
for ((i = 0; i < 1200; i++)); do q -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done
q -c "SELECT 1" >/dev/null || fail "kill -9: the server did not come back"
grep -q "terminated by signal 9" "$THROWAWAY_DIR/server.log" || fail "kill -9: the server log shows no crash"
expect_nothing_written "$before" "kill -9"
out=$(q -c "SELECT status || ' ' || rows_loaded FROM student_etl.load('$BIG2')") || fail "kill -9: next load failed: $out"
[ "$out" = "loaded $((ROWS + 1))" ] || fail "kill -9: next load said $out"
[ "$(q -c "SELECT count(*) FROM student_etl.student_performance_history")" = "$((${before%% *} + ROWS + 1))" ] ||
  fail "kill -9: row count after the next load"
note "kill -9 mid-load: no row of the run survived; the next load loaded $((ROWS + 1))"
note ok
