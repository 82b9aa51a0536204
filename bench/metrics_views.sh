#!/usr/bin/env bash
# Loads the sample xN (default 10000: 3.95 M rows) into a throwaway cluster and times every
# metrics view the dashboards read: the median of 7 runs, measured inside the server.
# Writes bench/results/metrics_views.md. Usage: bench/metrics_views.sh [N]
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
SCALE=${1:-10000}
RESULTS=$REPO_ROOT/bench/results
mkdir -p "$RESULTS"

"$REPO_ROOT/scripts/install-deps.sh"
build_and_install
start_throwaway_cluster "${STUDENT_ETL_BENCH_PORT:-5498}" "shared_buffers = '1GB'" "max_wal_size = '4GB'"
DATA=$THROWAWAY_DIR/deliveries
mkdir -p "$DATA"
python3 "$REPO_ROOT/bench/make_input.py" "$REPO_ROOT/test/data/student-mat.csv" "$SCALE" "$DATA/student-mat-x$SCALE.csv"
chmod -R a+rX "$DATA"

psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION student_etl;
SET student_etl.allowed_dirs = '$DATA';
\timing on
SELECT * FROM student_etl.load('$DATA/student-mat-x$SCALE.csv');
\timing off
VACUUM ANALYZE;
SQL

VIEWS=(group_metrics run_metrics latest_runs
       q1_mother_jobs_of_young_male_students q2_rural_most_frequent_traveltime
       q3_top_father_jobs_by_pstatus q4_most_frequent_failures_by_famsize
       q5_median_absences_by_famrel_sex)
{
  echo "# Metrics views after loading the sample x$SCALE"
  echo
  echo "$(psql -X -qtA -c "SELECT to_char(sum(rows_loaded), 'FM9,999,999,999') FROM student_etl.load_runs") rows in student_performance; median of 7 runs of \`SELECT * FROM view\`, server-side."
  echo
  echo "| view | rows | median ms |"
  echo "|---|---:|---:|"
  for v in "${VIEWS[@]}"; do
    psql -X -qtA -v ON_ERROR_STOP=1 <<SQL
DO \$\$
DECLARE t timestamptz; ms float8[] := '{}'; n bigint;
BEGIN
  FOR i IN 1..7 LOOP
    t := clock_timestamp();
    SELECT count(*) INTO n FROM (SELECT * FROM student_etl.$v) x;
    ms := ms || extract(epoch FROM clock_timestamp() - t) * 1000;
  END LOOP;
  RAISE NOTICE '| % | % | % |', '$v', n,
    (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY m)::numeric, 2) FROM unnest(ms) m);
END \$\$;
SQL
  done 2>&1 | sed 's/^NOTICE:  //'
} | tee "$RESULTS/metrics_views.md"
