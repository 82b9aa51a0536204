#!/usr/bin/env bash
# Loads the sample xN (default 10000: 3.95 M rows) into a throwaway cluster and times every
# metrics view the dashboards read: the median of 7 runs, measured inside the server.
# Writes bench/results/metrics_views.md. Usage: bench/metrics_views.sh [N]
set -euo pipefail
# It installs the extension into the shared system PostgreSQL and then uses it: hold the lock.
if [ -z "${STUDENT_ETL_INSTALL_LOCKED:-}" ]; then
  STUDENT_ETL_INSTALL_LOCKED=1 exec flock -o /tmp/student_etl.install.lock "$0" "$@"
fi
source "$(dirname "$0")/../scripts/common.sh"
source "$(dirname "$0")/metrics_lib.sh"
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

{
  echo "# Metrics views after loading the sample x$SCALE"
  echo
  echo "$(psql -X -qtA -c "SELECT to_char(sum(rows_loaded), 'FM9,999,999,999') FROM student_etl.load_runs") rows in student_performance; median of 7 runs of \`SELECT * FROM view\`, server-side."
  echo
  echo "| view | rows | median ms |"
  echo "|---|---:|---:|"
  time_metrics_views 7
} | tee "$RESULTS/metrics_views.md"
