# Helpers for test/integration/*.sh (sourced). Each test either uses the suite's server
# (PGHOST/PGPORT/PGUSER exported by scripts/test.sh) or starts its own throwaway cluster with
# own_cluster (for tests that crash or restart the server).
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"   # PG_BIN, the throwaway cluster
IT_NAME=$(basename "$0" .sh)

fail() { echo "$IT_NAME: FAIL: $*"; exit 1; }
note() { echo "$IT_NAME: $*"; }

# psql on $DB, quiet, tuples only; extra args pass through (-v name=value ...).
q() { psql -X -qtA -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

# A directory the server may read, removed at exit (with whatever else is in IT_CLEANUP).
IT_CLEANUP=()
it_cleanup() {
  local i
  for ((i = ${#IT_CLEANUP[@]} - 1; i >= 0; i--)); do eval "${IT_CLEANUP[$i]}" >/dev/null 2>&1; done
}
trap it_cleanup EXIT
on_exit() { IT_CLEANUP+=("$*"); }

make_data_dir() {
  DATA_DIR=$(mktemp -d "/tmp/student_etl_${IT_NAME}.XXXXXX")
  chmod 755 "$DATA_DIR"
  on_exit "rm -rf '$DATA_DIR'"
}

# A fresh database $DB with the extension, allowed to read $DATA_DIR.
make_db() {
  DB=${1:-student_etl_$IT_NAME}
  dropdb --if-exists "$DB" 2>/dev/null
  createdb "$DB" || fail "createdb $DB"
  q -c "CREATE EXTENSION student_etl" -c "ALTER DATABASE $DB SET student_etl.allowed_dirs = '$DATA_DIR'" ||
    fail "CREATE EXTENSION"
  on_exit "dropdb --if-exists '$DB'"
}

# The sample repeated $1 times (header once): $1 x 395 records.
make_big_delivery() {
  local times=$1 out=$2
  { head -n 1 test/data/student-mat.csv
    for _ in $(seq "$times"); do tail -n +2 test/data/student-mat.csv; done; } > "$out"
  chmod a+r "$out"
}

# Counts that a failed load must leave unchanged.
table_counts() {
  q -c "SELECT (SELECT count(*) FROM student_etl.student_performance_history) || ' ' ||
               (SELECT count(*) FROM student_etl.rejected_rows) || ' ' ||
               (SELECT count(*) FROM student_etl.load_runs)"
}

# Waits (up to $2 seconds, default 60) until the SQL $1 returns t.
wait_for() {
  local sql=$1 limit=${2:-60} i
  for ((i = 0; i < limit * 20; i++)); do
    [ "$(q -c "$sql" 2>/dev/null)" = t ] && return 0
    sleep 0.05
  done
  return 1
}

# The pid of the backend running a student_etl load that has started parsing, or nothing.
loading_pid() {
  q -c "SELECT pid FROM pg_stat_progress_copy
         WHERE relid = 'student_etl.student_performance_history'::regclass AND bytes_processed > 0 LIMIT 1"
}

# A session kept open in the background: sql_session_start NAME; sql_session NAME 'SQL';
# sql_session_end NAME. Statements run in order as they are sent; output goes to $DATA_DIR/NAME.out.
sql_session_start() {
  local name=$1 fifo="$DATA_DIR/$1.fifo"
  rm -f "$fifo"; mkfifo "$fifo" || fail "mkfifo $fifo"
  psql -X -qtA -d "$DB" < "$fifo" > "$DATA_DIR/$name.out" 2>&1 &
  eval "SESSION_PID_$name=$!"
  eval "exec {SESSION_FD_$name}>\"$fifo\""
  on_exit "kill $! 2>/dev/null"
}
sql_session() { local fd="SESSION_FD_$1"; printf '%s\n' "$2" >&"${!fd}"; }
sql_session_end() {
  local fd="SESSION_FD_$1" pid="SESSION_PID_$1"
  eval "exec ${!fd}>&-"
  wait "${!pid}"
  rm -f "$DATA_DIR/$1.fifo"
}

# A throwaway cluster on port $1 (for tests that crash or restart the server). Exports
# PGHOST/PGPORT/PGUSER for it; removed at exit.
own_cluster() {
  init_throwaway_cluster "$1" "shared_preload_libraries = 'student_etl'" "fsync = off" \
    "restart_after_crash = on" || fail "cluster did not start"
  on_exit stop_throwaway_cluster
}
