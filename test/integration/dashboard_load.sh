#!/usr/bin/env bash
# The dashboards under load while deliveries arrive: pgbench runs the dashboards' view
# queries as a read-only dashboard role with 50 concurrent clients for a bounded time, while
# this script loads deliveries one after the other. Asserts: zero failed transactions, every
# load committed, and the dashboards saw every load either whole or not at all (each
# transaction checks that group_metrics' students equal the run's rows_loaded). Reports the
# latency distribution (p50/p95/p99/max). Fast variant in the test command;
# DASHBOARD_LOAD_SECONDS / DASHBOARD_LOAD_CLIENTS make the `make stress` variant.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
SECONDS_TO_RUN=${DASHBOARD_LOAD_SECONDS:-$([ -n "${STUDENT_ETL_STRESS:-}" ] && echo 60 || echo 10)}
CLIENTS=${DASHBOARD_LOAD_CLIENTS:-50}
READER=student_etl_dashboard_load

make_data_dir
make_db
# Distinct deliveries (distinct content, so none is skipped): the sample x1..x8.
for n in 1 2 3 4 5 6 7 8; do make_big_delivery "$n" "$DATA_DIR/student-mat-x$n.csv"; done
chmod a+r "$DATA_DIR"/*.csv
q -c "SELECT rows_loaded FROM student_etl.load('$DATA_DIR/student-mat-x1.csv')" >/dev/null
psql -X -q -d "$DB" -c "DROP ROLE IF EXISTS $READER" -c "CREATE ROLE $READER LOGIN" \
     -c "SELECT student_etl.grant_dashboard_access('$READER')" >/dev/null
on_exit "psql -X -q -d '$DB' -c 'DROP OWNED BY $READER CASCADE'; psql -X -q -d postgres -c 'DROP ROLE IF EXISTS $READER'"

# The dashboards' reads. The consistency check raises (division by zero) if a reader ever
# sees a run's cells disagree with its rows_loaded: a partly visible run.
SCRIPT=$DATA_DIR/dashboards.sql
cat > "$SCRIPT" <<'SQL'
SELECT 1 / (count(*) FILTER (WHERE g.students <> r.rows_loaded) = 0)::int
  FROM student_etl.group_metrics g JOIN student_etl.latest_runs r USING (subject)
 WHERE g.dimension = 'all';
SELECT dimension, bucket, pass_rate, mean_grade, at_risk_share FROM student_etl.group_metrics
 WHERE dimension IN ('school', 'sex', 'address', 'study_time', 'alcohol_level');
SELECT * FROM student_etl.run_metrics ORDER BY loaded_at DESC LIMIT 20;
SELECT g3, sum(students) FROM student_etl.grade_distribution GROUP BY g3 ORDER BY g3;
SELECT * FROM student_etl.q1_mother_jobs_of_young_male_students;
SELECT * FROM student_etl.q3_top_father_jobs_by_pstatus;
SELECT * FROM student_etl.q5_median_absences_by_famrel_sex;
SELECT reason, sum(occurrences) FROM student_etl.reject_reasons GROUP BY reason ORDER BY 2 DESC LIMIT 10;
SQL
chmod a+r "$SCRIPT"

LOG_DIR=$DATA_DIR/pgbench
mkdir -p "$LOG_DIR"
"$PG_BIN/pgbench" -n -U "$READER" -d "$DB" -c "$CLIENTS" -j 2 -T "$SECONDS_TO_RUN" -f "$SCRIPT" \
  --log --log-prefix="$LOG_DIR/tx" > "$LOG_DIR/summary.txt" 2>&1 &
bench=$!
loads=0
for n in 2 3 4 5 6 7 8; do
  kill -0 "$bench" 2>/dev/null || break
  [ "$(q -c "SELECT status FROM student_etl.load('$DATA_DIR/student-mat-x$n.csv')")" = loaded ] ||
    fail "load of x$n did not commit"
  loads=$((loads + 1))
done
wait "$bench" || { cat "$LOG_DIR/summary.txt"; fail "pgbench failed"; }

failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$LOG_DIR/summary.txt")
done_tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$LOG_DIR/summary.txt")
[ -n "$done_tx" ] && [ "$done_tx" -gt 0 ] || { cat "$LOG_DIR/summary.txt"; fail "no transaction ran"; }
[ "${failed:-0}" = 0 ] || { cat "$LOG_DIR/summary.txt"; fail "$failed failed transactions"; }
grep -q "ERROR" "$LOG_DIR/summary.txt" && { cat "$LOG_DIR/summary.txt"; fail "errors reported"; }
[ "$loads" -ge 1 ] || fail "no delivery was loaded during the run"

# Latency distribution from the per-transaction log (third field: latency in microseconds).
cat "$LOG_DIR"/tx* | awk '{print $3}' | sort -n | awk -v clients="$CLIENTS" -v secs="$SECONDS_TO_RUN" -v loads="$loads" '
  { v[NR] = $1 }
  END {
    printf "dashboard_load: %d clients, %d s, %d transactions (%.0f/s), 0 failed, %d deliveries loaded meanwhile\n",
           clients, secs, NR, NR / secs, loads
    printf "dashboard_load: latency ms p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n",
           v[int(NR * 0.50) + 1] / 1000, v[int(NR * 0.95) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000, v[NR] / 1000
  }'
note "ok"
