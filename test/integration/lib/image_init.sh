# Sourced by the stack tests (as root): builds a data directory the way postgres:15's entry
# point does on first start, with this repository's docker/ files standing in for the image's
# /etc/postgresql/student_etl.conf and /docker-entrypoint-initdb.d, then starts it for real.
#
# What the entry point does, and what this does:
#  1. initdb --username=$POSTGRES_USER --pwfile=<password>              same
#  2. the image's postgresql.conf sample ends with the include of student_etl.conf
#                                                                          include of docker/student_etl.conf
#  3. "host all all all <password_encryption>" appended to pg_hba.conf   same
#  4. a socket-only temporary server, -c listen_addresses='' -p $PGPORT   same (socket in a temp dir)
#  5. CREATE DATABASE $POSTGRES_DB                                        same
#  6. every file of /docker-entrypoint-initdb.d in glob order: *.sh executed if executable,
#     else sourced; *.sql through psql -v ON_ERROR_STOP=1 --username $POSTGRES_USER
#     --no-password --no-psqlrc --dbname $POSTGRES_DB; all as the postgres OS user, with the
#     container's environment                                            same, docker/initdb/*
#  7. temporary server stopped (-m fast), then the real server started   same
# Differences, all local-only: the port and socket directory, fsync off, and
# student_etl.allowed_dirs pointing at temp directories instead of /var/lib/student_etl.
#
# usage: image_init WORKDIR PORT LISTEN_ADDRESS -- sets IMAGE_PGDATA, exports the container
# environment (POSTGRES_*, STUDENT_ETL_*, GRAFANA_DB_*, REPLICATION_*) and PGHOST/PGPORT.

PG_BIN=/usr/lib/postgresql/15/bin
STACK_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)

image_init() {
  local work=$1 port=$2 listen=$3
  mkdir -p "$work/deliveries" "$work/inbox/new"
  cp "$STACK_REPO/test/data/student-mat.csv" "$work/deliveries/"
  chown -R postgres:postgres "$work"
  chmod 0755 "$work"

  export POSTGRES_USER=my_data_wh_user POSTGRES_PASSWORD=my_data_wh_pwd POSTGRES_DB=my_data_wh_db
  export GRAFANA_DB_USER=grafana_reader GRAFANA_DB_PASSWORD=grafana_reader_pwd
  export REPLICATION_USER=replicator REPLICATION_PASSWORD=replicator_pwd
  export STUDENT_ETL_INBOX=$work/inbox/new STUDENT_ETL_SAMPLE=$work/deliveries/student-mat.csv
  export PGDATA=$work/data PGHOST=$work PGPORT=$port
  IMAGE_PGDATA=$PGDATA
  unset PGUSER PGDATABASE

  local as_pg=(runuser -u postgres --preserve-environment --)
  "${as_pg[@]}" bash -c '"$0/initdb" --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") \
      -D "$PGDATA" -E UTF8 --locale=C.UTF-8 >/dev/null 2>&1' "$PG_BIN" || return 1
  {
    echo "include = '$STACK_REPO/docker/student_etl.conf'"
    echo "port = $port"
    echo "unix_socket_directories = '$work'"
    echo "fsync = off"
    echo "student_etl.allowed_dirs = '$work/deliveries,$work/inbox'"
    echo "student_etl.inbox_dir = '$work/inbox/new'"
  } >> "$PGDATA/postgresql.conf"
  printf '\nhost all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"

  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$work/init.log" -o "-c listen_addresses='' -p $port" -w start >/dev/null ||
    { cat "$work/init.log"; return 1; }
  "${as_pg[@]}" psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc \
      --dbname postgres -q -c "CREATE DATABASE $POSTGRES_DB" || return 1
  "${as_pg[@]}" bash -c '
    set -e
    for f in "$0"/*; do
      case "$f" in
        *.sh) if [ -x "$f" ]; then echo "image_init: running $f"; "$f"; else echo "image_init: sourcing $f"; . "$f"; fi ;;
        *.sql) echo "image_init: running $f"
               psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" -f "$f" ;;
        *) echo "image_init: ignoring $f" ;;
      esac
    done' "$STACK_REPO/docker/initdb" > "$work/initdb.out" 2>&1 ||
    { cat "$work/initdb.out"; return 1; }
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || return 1
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$work/server.log" -o "-c listen_addresses='$listen'" -w start >/dev/null ||
    { cat "$work/server.log"; return 1; }
}

# Stops a server started here (immediate: it is thrown away).
image_stop() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$1" -m immediate -w stop >/dev/null 2>&1 || true
}
