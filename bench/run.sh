#!/usr/bin/env bash
# The benchmark (issues 7 and 14), one command (as root):
#
#   bench/run.sh           x1, x10 (7 runs), x100 (5), x1000 (3), x10000 (5; 568 MB): about 8 minutes
#   bench/run.sh --quick   up to x1000 only
#   bench/run.sh --smoke   x1 once per method: checks the harness, writes nothing to bench/
#
# Installs what is missing (pgloader, pandas, SQLAlchemy, psycopg2, gnuplot), builds and
# installs the extension, starts a throwaway cluster on $STUDENT_ETL_BENCH_PORT (5540), makes
# the inputs from test/data/student-mat.csv under /tmp, and on that one cluster times, for each
# size: student_etl.load; COPY into a plain typed table (the baseline), with the dictionary's
# CHECKs, and COPY FREEZE; at x1 and x100 also pgloader and three pandas pipelines (default
# to_sql, psycopg2 copy_expert, to_sql(method='multi')); then every metrics view after the
# largest load; then 8 deliveries of x1000 through the background workers with
# student_etl.max_workers = 1, 2 and 3 (the cluster restarted for each).
# Add --slow to run pgloader and pandas on the largest size as well (pandas: a long time).
# Writes bench/results/latest.md (tables), latest.png (time and memory by size),
# latest-runs.tsv (every run), latest-parallel.tsv, latest-meta.json and latest-views.md (the
# rest of what the tables are made of) and puts the tables into docs/benchmark.md between its
# bench markers; --quick writes latest-quick.* and leaves the doc alone.
# The build-install-measure part holds /tmp/student_etl.install.lock (the extension is
# installed into the shared system PostgreSQL).
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
source "$REPO_ROOT/bench/metrics_lib.sh"
PORT=${STUDENT_ETL_BENCH_PORT:-5540}
LOCK=/tmp/student_etl.install.lock
BENCH=$REPO_ROOT/bench

# ---- inner part: runs under the install lock (bench/run.sh --inner MODE WORK SLOW)
if [ "${1:-}" = --inner ]; then
  MODE=$2 WORK=$3 SLOW=$4
  case $MODE in
    full)  PLAN=1:7,10:7,100:5,1000:3,10000:5; BIG=10000; WORKERS="1 2 3" ;;
    quick) PLAN=1:7,10:7,100:5,1000:3;         BIG=1000;  WORKERS="1 2" ;;
    smoke) PLAN=1:1;                           BIG=1;     WORKERS="1 2" ;;
  esac
  SLOW_SIZES=1,100
  [ "$SLOW" = 1 ] && SLOW_SIZES=1,100,$BIG

  build_and_install
  # The same settings for every method; wal_level stays at its default (replica), so COPY
  # into a table truncated earlier writes WAL like everything else. No timed checkpoints:
  # each repetition starts with an explicit CHECKPOINT instead. No autovacuum: an ANALYZE of
  # the previous method's 4 M rows would otherwise run beside the next measurement (on 2
  # cores it took one from whichever method came next).
  start_throwaway_cluster "$PORT" "shared_buffers = '1GB'" "max_wal_size = '4GB'" \
    "checkpoint_timeout = '30min'" "listen_addresses = '127.0.0.1'" "autovacuum = off"
  export PGDATABASE=postgres

  /usr/bin/python3 "$BENCH/bench.py" setup --inputs "$WORK/inputs"
  /usr/bin/python3 "$BENCH/bench.py" run --inputs "$WORK/inputs" --plan "$PLAN" \
    --slow-sizes "$SLOW_SIZES" --raw "$WORK/runs.tsv" --workdir "$WORK/tmp" \
    --pgloader-url "postgresql://postgres@127.0.0.1:$PORT/postgres"

  # The last student_etl run of the largest size is still in the fact table.
  psql -X -q -v ON_ERROR_STOP=1 -c 'VACUUM ANALYZE'
  time_metrics_views 7 > "$WORK/views.md"

  # Parallel deliveries through the background workers (they serve database postgres).
  for w in $WORKERS; do
    psql -X -q -v ON_ERROR_STOP=1 -c "ALTER SYSTEM SET student_etl.max_workers = $w"
    as_postgres "$PG_BIN/pg_ctl" -D "$THROWAWAY_DIR/data" -l "$THROWAWAY_DIR/server.log" -w restart >/dev/null
    /usr/bin/python3 "$BENCH/bench.py" parallel --inputs "$WORK/inputs" --workers "$w" \
      --deliveries "$(ls "$WORK"/inputs/student-mat-par*.csv | wc -l)" \
      --reps "$([ "$MODE" = smoke ] && echo 1 || echo 3)" --raw "$WORK/parallel.tsv"
  done

  setting() { psql -X -qtA -c "SHOW $1"; }
  cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
  ram=$(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo)
  commit=$(git -C "$REPO_ROOT" rev-parse --short HEAD)
  git -C "$REPO_ROOT" diff --quiet HEAD -- src sql || commit="$commit + local changes"
  /usr/bin/python3 - "$WORK/meta.json" <<PY
import json, sys
json.dump({
  'machine': '$(nproc) cores ($cpu), $ram RAM, load average at start $(cut -d' ' -f1-3 /proc/loadavg)',
  'pg_version': '$(setting server_version)',
  'shared_buffers': '$(setting shared_buffers)', 'max_wal_size': '$(setting max_wal_size)',
  'wal_level': '$(setting wal_level)', 'synchronous_commit': '$(setting synchronous_commit)',
  'fsync': '$(setting fsync)', 'commit': '$commit', 'date': '$(date -u '+%Y-%m-%d %H:%M UTC')',
}, open(sys.argv[1], 'w'))
PY
  exit 0
fi

# ---- outer part
MODE=full SLOW=0
for a in "$@"; do
  case $a in
    --quick) MODE=quick ;;
    --smoke) MODE=smoke ;;
    --slow) SLOW=1 ;;
    *) echo "usage: bench/run.sh [--quick | --smoke] [--slow]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench/run.sh: run as root (it starts PostgreSQL as postgres)" >&2; exit 1; }

"$REPO_ROOT/scripts/install-deps.sh"
missing=()
for p in pgloader python3-pandas python3-sqlalchemy python3-psycopg2 gnuplot-nox; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bench: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

WORK=$(mktemp -d /tmp/student_etl_bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/inputs" "$WORK/tmp"
case $MODE in
  full)  sizes="1 10 100 1000 10000" par=8 par_copies=1000 ;;
  quick) sizes="1 10 100 1000" par=8 par_copies=100 ;;
  smoke) sizes=1 par=2 par_copies=1 ;;
esac
for n in $sizes; do
  python3 "$BENCH/make_input.py" "$REPO_ROOT/test/data/student-mat.csv" "$n" "$WORK/inputs/student-mat-x$n.csv"
done
# The parallel deliveries differ in content (one more copy each), or all but one would be
# skipped as duplicates.
for i in $(seq "$par"); do
  python3 "$BENCH/make_input.py" "$REPO_ROOT/test/data/student-mat.csv" "$((par_copies + i - 1))" \
    "$WORK/inputs/student-mat-par$i.csv"
done
chmod -R a+rX "$WORK"     # the server (user postgres) reads the inputs

flock -o "$LOCK" bash "$0" --inner "$MODE" "$WORK" "$SLOW"

# A full run is "latest" and goes into docs/benchmark.md; --quick writes latest-quick.*; --smoke nothing.
case $MODE in
  full)  OUT=$BENCH/results NAME=latest ;;
  quick) OUT=$BENCH/results NAME=latest-quick ;;
  smoke) OUT=$WORK/results  NAME=latest ;;
esac
mkdir -p "$OUT"
# What the report is made of, so that `bench.py report` can remake it from the repository.
cp "$WORK/runs.tsv" "$OUT/$NAME-runs.tsv"
cp "$WORK/parallel.tsv" "$OUT/$NAME-parallel.tsv"
cp "$WORK/meta.json" "$OUT/$NAME-meta.json"
cp "$WORK/views.md" "$OUT/$NAME-views.md"
/usr/bin/python3 "$BENCH/bench.py" report --raw "$WORK/runs.tsv" --meta "$WORK/meta.json" \
  --views "$WORK/views.md" --parallel "$WORK/parallel.tsv" --md "$OUT/$NAME.md" --dat "$WORK/chart.dat" \
  $([ "$MODE" = full ] && echo "--doc $REPO_ROOT/docs/benchmark.md")
# Time and peak backend memory by size, log-log; one line per method measured at 2+ sizes.
methods=$(head -1 "$WORK/chart.dat" | grep -o '"[^"]*"' | grep -vc ' MB"')
gnuplot <<GP
set terminal pngcairo size 1100,480 font 'sans,10'
set output '$OUT/$NAME.png'
set datafile missing '-'
set key autotitle columnheader noenhanced
set logscale xy
set grid
set multiplot layout 1,2 title 'Loading the sample xN (median of the runs)'
set xlabel 'rows'
set ylabel 'seconds'
set key top left
plot for [i=2:$((methods + 1))] '$WORK/chart.dat' using 1:i with linespoints lw 2
set ylabel 'peak backend private memory, MB'
unset logscale y
set yrange [0:*]
plot for [i=$((methods + 2)):$((2 * methods + 1))] '$WORK/chart.dat' using 1:i with linespoints lw 2
unset multiplot
GP
echo
echo "bench: wrote $OUT/$NAME.md and $OUT/$NAME.png"
[ "$MODE" = smoke ] && echo "bench: smoke ok (every method loaded x1 with the expected row count)"
exit 0
