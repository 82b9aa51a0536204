#!/usr/bin/env bash
# What the quality measurement of issue 13 (missing values, duplicates, rule flags, all on the
# parse thread; NULL-aware facets in the backend) costs the loader: student_etl.load() of the
# sample x10,000 (3.95 M records, 568 MB) on a baseline commit and on this tree, alternating,
# each load into a fresh database. As root:
#
#   bench/quality_cost.sh [BASE_COMMIT (default bd9397e)] [REPS (default 5)]
#
# Each side is built and installed into a private copy of the PostgreSQL 15 installation under
# a temp directory (binaries find their lib/ and share/ relative to themselves, as in
# test/integration/upgrade.sh), so the machine's installation is never touched. Per load it
# prints the wall time, the backend's main-thread CPU and the whole process's CPU (the parse
# thread included); the summary gives the minimum and the median of each. On a shared machine
# the wall time is noisy: the CPU times say what the code costs.
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
BASE=${1:-bd9397e}
REPS=${2:-5}
WORK=$(mktemp -d /tmp/student_etl_quality_cost.XXXXXX)
trap 'for s in base new; do [ -d "$WORK/cl-$s/data" ] && runuser -u postgres -- "$WORK/$s$PG_BIN/pg_ctl" -D "$WORK/cl-$s/data" -m immediate stop >/dev/null 2>&1; done; rm -rf "$WORK"' EXIT
SYS_LIB=$("$PG_BIN/pg_config" --pkglibdir) SYS_SHARE=$("$PG_BIN/pg_config" --sharedir)

private_install() {   # name source-dir
  local d=$WORK/$1
  mkdir -p "$d$(dirname "$SYS_LIB")" "$d$(dirname "$SYS_SHARE")" "$d$(dirname "$PG_BIN")"
  cp -a "$(dirname "$PG_BIN")/." "$d$(dirname "$PG_BIN")/"
  [ -d "$d$SYS_LIB" ] || cp -a "$SYS_LIB" "$d$SYS_LIB"
  cp -a "$SYS_SHARE" "$d$(dirname "$SYS_SHARE")/"
  make -C "$2" -s -j"$(nproc)" >/dev/null
  make -C "$2" -s install DESTDIR="$d" >/dev/null
}
mkdir "$WORK/src-base"
git -C "$REPO_ROOT" archive "$BASE" | tar -x -C "$WORK/src-base"
private_install base "$WORK/src-base"
private_install new "$REPO_ROOT"
mkdir "$WORK/in"
python3 "$REPO_ROOT/bench/make_input.py" "$REPO_ROOT/test/data/student-mat.csv" 10000 "$WORK/in/student-mat-x10000.csv"
chmod -R a+rX "$WORK"

start() {   # name port
  local d=$WORK/cl-$1
  mkdir -p "$d"; chown postgres:postgres "$d"
  runuser -u postgres -- "$WORK/$1$PG_BIN/initdb" -D "$d/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  printf '%s\n' "port = $2" "listen_addresses = ''" "unix_socket_directories = '$d'" \
    "shared_preload_libraries = 'student_etl'" "shared_buffers = '1GB'" "max_wal_size = '4GB'" \
    "checkpoint_timeout = '30min'" "student_etl.allowed_dirs = '$WORK/in'" >> "$d/data/postgresql.conf"
  runuser -u postgres -- "$WORK/$1$PG_BIN/pg_ctl" -D "$d/data" -l "$d/server.log" -w start >/dev/null
}
one() {   # name port: one load into a fresh database; prints name, wall, main-thread CPU, process CPU
  local h=$WORK/cl-$1
  psql -X -q -h "$h" -p "$2" -U postgres -d postgres -c "DROP DATABASE IF EXISTS b" -c "CREATE DATABASE b" 2>/dev/null
  psql -X -q -h "$h" -p "$2" -U postgres -d b -c "CREATE EXTENSION student_etl" -c CHECKPOINT
  psql -X -q -v ON_ERROR_STOP=1 -h "$h" -p "$2" -U postgres -d b > "$WORK/one.out" <<SQL
SELECT pg_backend_pid() AS bpid \gset
\setenv BPID :bpid
\! echo "t0 \$(awk '{print \$14+\$15}' /proc/\$BPID/task/\$BPID/stat) \$(awk '{print \$14+\$15}' /proc/\$BPID/stat) \$(date +%s.%N)"
SELECT rows_loaded FROM student_etl.load('$WORK/in/student-mat-x10000.csv');
\! echo "t1 \$(awk '{print \$14+\$15}' /proc/\$BPID/task/\$BPID/stat) \$(awk '{print \$14+\$15}' /proc/\$BPID/stat) \$(date +%s.%N)"
SQL
  local hz; hz=$(getconf CLK_TCK)
  awk -v name="$1" -v hz="$hz" '$1 == "t0" {m0 = $2; p0 = $3; w0 = $4} $1 == "t1" {m1 = $2; p1 = $3; w1 = $4}
       END {printf "%s\t%.2f\t%.2f\t%.2f\n", name, w1 - w0, (m1 - m0) / hz, (p1 - p0) / hz}' "$WORK/one.out"
}
start base 5581
start new 5582
printf 'side\twall_s\tmain_cpu_s\tprocess_cpu_s\n'
for _ in $(seq "$REPS"); do one base 5581; one new 5582; done | tee "$WORK/runs.tsv"
python3 - "$WORK/runs.tsv" "$BASE" "$(git -C "$REPO_ROOT" rev-parse --short HEAD)" <<'PY'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
print(f"\nx10,000 (3.95 M records), {len(rows) // 2} loads each: base {sys.argv[2]}, new {sys.argv[3]}")
for i, what in [(1, "wall"), (2, "backend main thread CPU"), (3, "backend process CPU (with parse thread)")]:
    b = [float(r[i]) for r in rows if r[0] == "base"]; n = [float(r[i]) for r in rows if r[0] == "new"]
    print(f"{what:42s} min {min(b):6.2f} -> {min(n):6.2f} s ({(min(n) / min(b) - 1) * 100:+.1f} %)   "
          f"median {statistics.median(b):6.2f} -> {statistics.median(n):6.2f} s ({(statistics.median(n) / statistics.median(b) - 1) * 100:+.1f} %)")
PY
