#!/usr/bin/env bash
# A long load is visible in pg_stat_progress_copy while it runs: start a load of the sample
# x1000 (395,000 rows) in one session and watch it from another. Needs PGHOST/PGPORT/PGUSER
# of a running server with student_etl installable, and /tmp/student_etl_regress readable.
set -euo pipefail
DB=student_etl_progress
FILE=/tmp/student_etl_regress/student-mat-x1000.csv

{ head -n 1 test/data/student-mat.csv
  for _ in $(seq 1000); do tail -n +2 test/data/student-mat.csv; done; } > "$FILE"
chmod a+r "$FILE"
bytes=$(stat -c %s "$FILE")

dropdb --if-exists "$DB" 2>/dev/null; createdb "$DB"
psql -X -q -d "$DB" -c "CREATE EXTENSION student_etl" \
     -c "ALTER DATABASE $DB SET student_etl.allowed_dirs = '/tmp/student_etl_regress'"

# The watcher polls until it sees the load mid-way (or gives up after 60 s).
psql -X -qtA -d "$DB" > "$FILE.watch" 2>&1 <<'SQL' &
DO $$
DECLARE seen record;
BEGIN
  FOR i IN 1..60000 LOOP
    PERFORM pg_stat_clear_snapshot();
    SELECT command, type, bytes_processed, bytes_total, tuples_processed INTO seen
      FROM pg_stat_progress_copy
     WHERE relid = 'student_etl.student_performance_history'::regclass AND bytes_processed > 0
       AND bytes_processed < bytes_total;
    IF FOUND THEN
      RAISE NOTICE 'progress % % % of % bytes, % tuples', seen.command, seen.type,
        seen.bytes_processed, seen.bytes_total, seen.tuples_processed;
      RETURN;
    END IF;
    PERFORM pg_sleep(0.001);
  END LOOP;
  RAISE NOTICE 'no progress seen';
END $$;
SQL
watcher=$!
sleep 0.5
loaded=$(psql -X -qtA -d "$DB" -c "SELECT status || ' ' || rows_loaded FROM student_etl.load('$FILE')")
wait "$watcher"
seen=$(cat "$FILE.watch")
dropdb "$DB"; rm -f "$FILE" "$FILE.watch"
echo "load: $loaded"
echo "watcher: $seen"
[ "$loaded" = "loaded 395000" ] || { echo "progress: load failed"; exit 1; }
echo "$seen" | grep -Eq "progress COPY FROM FILE [0-9]+ of $bytes bytes, [0-9]+ tuples" ||
  { echo "progress: pg_stat_progress_copy never showed the load mid-way"; exit 1; }
echo "progress: ok"
