# Shared by scripts/*.sh: paths and helpers for running PostgreSQL 15 as the postgres user.
PG_BIN=/usr/lib/postgresql/15/bin
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

as_postgres() { runuser -u postgres -- "$@"; }

build_and_install() {
  make -C "$REPO_ROOT" -s -j"$(nproc)"
  make -C "$REPO_ROOT" -s install
}

# Creates and starts a throwaway cluster (initdb as postgres in a temp dir) on port $1 with
# shared_preload_libraries = 'pg_cron,student_etl' and any extra settings given as further
# arguments (later settings win); exports PGHOST/PGPORT/PGUSER and THROWAWAY_DIR. Registers
# no cleanup: the caller arranges for stop_throwaway_cluster.
init_throwaway_cluster() {
  local port=$1; shift
  THROWAWAY_DIR=$(mktemp -d /tmp/student_etl_cluster.XXXXXX)
  chown postgres:postgres "$THROWAWAY_DIR"
  as_postgres "$PG_BIN/initdb" -D "$THROWAWAY_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null || return 1
  {
    echo "port = $port"
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$THROWAWAY_DIR'"
    echo "shared_preload_libraries = 'pg_cron,student_etl'"
    printf '%s\n' "$@"
  } >> "$THROWAWAY_DIR/data/postgresql.conf"
  as_postgres "$PG_BIN/pg_ctl" -D "$THROWAWAY_DIR/data" -l "$THROWAWAY_DIR/server.log" -w start >/dev/null ||
    { cat "$THROWAWAY_DIR/server.log"; return 1; }
  export PGHOST=$THROWAWAY_DIR PGPORT=$port PGUSER=postgres
}

stop_throwaway_cluster() {
  [ -n "${THROWAWAY_DIR:-}" ] || return 0
  as_postgres "$PG_BIN/pg_ctl" -D "$THROWAWAY_DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$THROWAWAY_DIR"
}

# init_throwaway_cluster, removed again when the calling script exits.
start_throwaway_cluster() {
  trap stop_throwaway_cluster EXIT
  init_throwaway_cluster "$@"
}

# The server settings of the demo (scripts/demo.sh), also used by the test that runs the
# documented examples against a demo-like cluster: database $1, deliveries $2, inbox $3.
demo_settings() {
  local db=$1 deliveries=$2 inbox=$3
  echo "shared_preload_libraries = 'pg_cron,student_etl'"
  echo "cron.database_name = '$db'"
  echo "# Scheduled jobs run in background workers as their owner: no password to store for pg_cron."
  echo "cron.use_background_workers = on"
  echo "student_etl.allowed_dirs = '$deliveries, $(dirname "$inbox")'"
  echo "student_etl.database_name = '$db'"
  echo "student_etl.inbox_dir = '$inbox'"
}
