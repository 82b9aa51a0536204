#!/usr/bin/env bash
# The deployed stack on a real container engine: ../shared/stack/engine.sh starts a private
# dockerd (and gives it debian:bookworm-slim and postgres:15); this builds the project's images
# (docker/Dockerfile, docker/pgbouncer/Dockerfile), runs `docker-compose up -d` (Debian's v1
# CLI) with docker-compose.yml exactly as shipped -- only the project name (-p) and the
# published ports (environment) are chosen here -- and checks, over the published ports:
#   - the first start's init: extensions, roles (POSTGRES_USER is a loader, not a superuser),
#     the schedule, the sample loaded once;
#   - every Grafana panel query (test/integration/stack_panels.py) as the datasource's login,
#     through pgbouncer like Grafana, returns rows; that login's rights (lib/reader_rights.sh);
#   - a delivery written into the host's ./inbox/new by a non-root host user (nobody; written
#     under a temporary name, then renamed) is loaded and lands in processed/, readable by that
#     user; a bad one lands in failed/ with its error in load_runs;
#   - a restart of pg_data_wh keeps the data;
#   - with --profile replica: the replica is healthy, streams through its slot, shows a later
#     load (read through pgbouncer), catches up after being stopped across three deliveries,
#     and clones itself afresh when its slot is gone;
#   - `down -v` leaves no container, volume or network of the project.
# STUDENT_ETL_STACK_LOAD=1 adds the 1000-client load test (lib/stack_load.sh).
# Grafana itself has no image here: its service is not started (the others are, by name).
# Base images are cached under /var/cache/student_etl/stack-images (docker save/load).
# Without ../shared/stack, or when the engine does not start: SKIPPED, exit 0.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
KIT=$REPO/../shared/stack
K=$KIT/engine.sh
DOCKER=/usr/bin/docker
CACHE=${STUDENT_ETL_STACK_CACHE:-/var/cache/student_etl/stack-images}
started=$(date +%s)

skip() {
  echo "######################################################################"
  echo "SKIPPED: stack_engine: $*"
  echo "######################################################################"
  exit 0
}
[ -x "$K" ] || skip "$KIT/engine.sh not found: no private container engine kit beside this repository"

WORK=$(mktemp -d /tmp/student_etl_stack.XXXXXX)
ENGINE=${STUDENT_ETL_STACK_ENGINE:-$WORK/engine}   # an engine already running may be reused
export COMPOSE_PROJECT_NAME=setl$$
COMPOSE=(docker-compose --ansi never)
engine_up=
cleanup() {
  set +e
  if [ -n "$engine_up" ]; then
    (cd "$WORK/stack" 2>/dev/null && "${COMPOSE[@]}" --profile replica down -v --remove-orphans >/dev/null 2>&1)
    [ -n "${STUDENT_ETL_STACK_ENGINE:-}" ] || "$K" stop "$ENGINE" >/dev/null 2>&1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }
check() {   # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi
}
die() { bad "$1"; echo "stack_engine: stopped early after $(($(date +%s) - started)) s"; exit 1; }

# --- the engine and the base images ------------------------------------------------------------
out=$("$K" start "$ENGINE" 2>&1) || skip "the private engine did not start: $(tail -3 <<<"$out" | tr '\n' ' ')"
eval "$(grep '^export DOCKER_HOST=' <<<"$out")"
engine_up=1
$DOCKER info >/dev/null 2>&1 || skip "the private engine does not answer at $DOCKER_HOST"
for tar in "$CACHE"/*.tar; do
  [ -f "$tar" ] && $DOCKER load -q -i "$tar" >/dev/null
done
"$K" images "$ENGINE" || die "engine.sh images failed"
mkdir -p "$CACHE"
[ -f "$CACHE/debian-bookworm-slim.tar" ] || $DOCKER save -o "$CACHE/debian-bookworm-slim.tar" debian:bookworm-slim
[ -f "$CACHE/postgres-15.tar" ] || $DOCKER save -o "$CACHE/postgres-15.tar" postgres:15
echo "# engine and base images ready after $(($(date +%s) - started)) s"

# --- a copy of the stack, its inbox owned by a non-root host user --------------------------------
# The compose file bind-mounts ./inbox: run from a copy, so the repository's own inbox is untouched.
mkdir -p "$WORK/stack"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$WORK/stack"
else
  tar --exclude=.git -cf - . | tar -xf - -C "$WORK/stack"
fi
HOST_USER=nobody
chmod 0755 "$WORK" "$WORK/stack"
rm -f "$WORK/stack/inbox/new/.gitkeep"
chown -R "$HOST_USER:$(id -gn "$HOST_USER")" "$WORK/stack/inbox"
as_host() { runuser -u "$HOST_USER" -- "$@"; }
cd "$WORK/stack"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export PG_DATA_WH_PORT=$(free_port) PG_DATA_WH_REPLICA_PORT=$(free_port) PGBOUNCER_PORT=$(free_port) GRAFANA_PORT=$(free_port)
DB=my_data_wh_db

# --- build and start ---------------------------------------------------------------------------
image_of() { python3 -c 'import sys, yaml; print(yaml.safe_load(open("docker-compose.yml"))["services"][sys.argv[1]]["image"])' "$1"; }
for svc in pg_data_wh:docker/Dockerfile pgbouncer:docker/pgbouncer/Dockerfile; do
  t0=$(date +%s)
  $DOCKER build -q --network=host -f "${svc#*:}" -t "$(image_of "${svc%%:*}")" . > "$WORK/build.log" 2>&1 ||
    { tail -30 "$WORK/build.log"; die "image of ${svc%%:*} does not build"; }
  ok "image $(image_of "${svc%%:*}") built ($(($(date +%s) - t0)) s)"
done

"${COMPOSE[@]}" config -q && ok "docker-compose (v1) accepts docker-compose.yml" || bad "docker-compose config"
"${COMPOSE[@]}" up -d pg_data_wh pg_grafana pgbouncer > "$WORK/up.log" 2>&1 ||
  { cat "$WORK/up.log"; die "docker-compose up -d"; }

cid() { "${COMPOSE[@]}" ps -q "$1"; }
wait_healthy() {   # wait_healthy SERVICE...: bounded (180 s)
  local svc st
  for svc in "$@"; do
    st=
    for _ in $(seq 180); do
      st=$($DOCKER inspect -f '{{.State.Health.Status}}' "$(cid "$svc")" 2>/dev/null)
      [ "$st" = healthy ] && break
      sleep 1
    done
    [ "$st" = healthy ] || { "${COMPOSE[@]}" logs --tail=40 "$svc"; return 1; }
  done
}
wait_healthy pg_data_wh pg_grafana pgbouncer || die "services not healthy"
ok "pg_data_wh, pg_grafana and pgbouncer healthy ($(($(date +%s) - started)) s since start)"

export PGHOST=127.0.0.1
su_q() { PGPASSWORD=postgres_pwd psql -X -qtA -v ON_ERROR_STOP=1 -p "$PG_DATA_WH_PORT" -U postgres -d "$DB" "$@"; }
wh_q() { PGPASSWORD=my_data_wh_pwd psql -X -qtA -v ON_ERROR_STOP=1 -p "$PG_DATA_WH_PORT" -U my_data_wh_user -d "$DB" "$@"; }
for _ in $(seq 30); do su_q -c "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done

# --- the init scripts ran -------------------------------------------------------------------------
check "extensions" "pg_cron student_etl" \
  "$(su_q -c "SELECT string_agg(extname, ' ' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'")"
check "POSTGRES_USER my_data_wh_user: a login, not a superuser, no pg_read_server_files, owns the database" "t f f t" \
  "$(su_q -c "SELECT concat_ws(' ', rolcanlogin, rolsuper, pg_has_role(oid, 'pg_read_server_files', 'MEMBER'),
                     (SELECT datdba = r.oid FROM pg_database WHERE datname = current_database()))
                FROM pg_roles r WHERE rolname = 'my_data_wh_user'")"
check "my_data_wh_user holds the loader profile" "loader" \
  "$(wh_q -c "SELECT string_agg(profile, ',') FROM student_etl.access WHERE role_name = 'my_data_wh_user'")"
check "the superuser is POSTGRES_SUPERUSER (postgres)" "t" "$(su_q -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")"
check "grafana_reader: login only, read-only, 5 s statement_timeout" "t f f f default_transaction_read_only=on,statement_timeout=5s" \
  "$(su_q -c "SELECT concat_ws(' ', rolcanlogin, rolsuper, rolcreaterole, rolreplication,
                     (SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting WHERE setrole = r.oid))
                FROM pg_roles r WHERE rolname = 'grafana_reader'")"
check "replicator: login + replication" "t t f" \
  "$(su_q -c "SELECT concat_ws(' ', rolcanlogin, rolreplication, rolsuper) FROM pg_roles WHERE rolname = 'replicator'")"
check "schedule student_etl_daily, owned by my_data_wh_user" "student_etl_daily|0 6 */2 * *|t|my_data_wh_user|$DB" \
  "$(su_q -c "SELECT concat_ws('|', jobname, schedule, active, username, database) FROM cron.job")"
check "sample loaded once, as the init's superuser" "loaded math 395 0" \
  "$(su_q -c "SELECT string_agg(concat_ws(' ', status, subject, rows_loaded, rows_rejected), ',') FROM student_etl.load_runs")"
check "server settings from docker/student_etl.conf" "pg_cron,student_etl|$DB|replica|on" \
  "$(su_q -c "SELECT concat_ws('|', current_setting('shared_preload_libraries'), current_setting('cron.database_name'),
                               current_setting('wal_level'), current_setting('cron.use_background_workers'))")"
check "student_etl on the database's search_path" 'search_path="$user", public, student_etl' \
  "$(su_q -c "SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
               WHERE d.datname = current_database() AND setrole = 0")"
job=$(su_q -c "SELECT command FROM cron.job WHERE jobname = 'student_etl_daily'")
out=$(wh_q -c "$job" 2>&1) && ok "the scheduled command runs as its owner my_data_wh_user" || bad "scheduled command as my_data_wh_user: $out"
check "the worker serves the database" "1" \
  "$(su_q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'student_etl worker'")"

echo "# dashboard panels, freshly initialised, as grafana_reader through pgbouncer"
PGPORT=$PGBOUNCER_PORT PGPASSWORD=grafana_reader_pwd python3 "$REPO/test/integration/stack_panels.py" --fresh \
  --user grafana_reader --dbname "$DB" || bad "panel queries (fresh)"
echo "# grafana_reader's rights, on pg_data_wh's published port"
PGPORT=$PG_DATA_WH_PORT PGPASSWORD=grafana_reader_pwd bash "$REPO/test/integration/lib/reader_rights.sh" grafana_reader "$DB" ||
  bad "grafana_reader's rights"

# --- deliveries through the host's inbox, by a non-root host user ---------------------------------
deliver() {   # deliver SOURCE NAME: as the host user, under a temporary name, then renamed
  as_host sh -c 'umask 022; cat > "inbox/new/.$1.part" && mv "inbox/new/.$1.part" "inbox/new/$1"' sh "$2" < "$1"
}
wait_run() {   # wait_run NAME: bounded (60 s) wait for the run of a delivery; prints its run_id
  local id=
  for _ in $(seq 120); do
    id=$(su_q -c "SELECT max(run_id) FROM student_etl.load_runs WHERE file_path LIKE '%/$1'")
    [ -n "$id" ] && { echo "$id"; return 0; }
    sleep 0.5
  done
  return 1
}
check "inbox directories owned by the host user, mode 2770" \
  "claimed nobody 2770,failed nobody 2770,new nobody 2770,processed nobody 2770" \
  "$(find inbox -mindepth 1 -maxdepth 1 -type d -printf '%f %u %m\n' | sort | paste -sd,)"
deliver "$REPO/test/data/student-mat-badrows.csv" student-por-2024-06.csv
printf 'not,a,delivery\n' > "$WORK/broken.csv"
deliver "$WORK/broken.csv" broken-student-mat.csv
good=$(wait_run student-por-2024-06.csv) || die "the delivery was not loaded within 60 s"
badrun=$(wait_run broken-student-mat.csv) || die "the bad delivery was not recorded within 60 s"
check "the host user's delivery is loaded" "loaded portuguese 12 8" \
  "$(su_q -c "SELECT concat_ws(' ', status, subject, rows_loaded, rows_rejected) FROM student_etl.load_runs WHERE run_id = $good")"
for _ in $(seq 20); do [ -e "inbox/processed/$good-student-por-2024-06.csv" ] && [ -e "inbox/failed/$badrun-broken-student-mat.csv" ] && break; sleep 0.5; done
as_host cmp -s "inbox/processed/$good-student-por-2024-06.csv" "$REPO/test/data/student-mat-badrows.csv" &&
  ok "it lands in processed/$good-student-por-2024-06.csv, readable by the host user" ||
  bad "processed/: $(ls -la inbox/processed 2>&1 | tr '\n' ' ')"
err=$(wh_q -c "SELECT status || ': ' || error FROM student_etl.load_runs WHERE run_id = $badrun")
[[ $err == failed:* ]] && [ "${#err}" -gt 10 ] && ok "the bad one is a failed run with its reason: ${err:0:120}" || bad "failed run: [$err]"
as_host cat "inbox/failed/$badrun-broken-student-mat.csv" >/dev/null 2>&1 &&
  ok "it lands in failed/$badrun-broken-student-mat.csv, readable by the host user" || bad "failed/: $(ls -la inbox/failed 2>&1 | tr '\n' ' ')"
check "nothing left in the inbox" "" "$(find inbox/new inbox/claimed -type f)"

# pg_cron's run history for the job-run panels: the launcher runs jobs only on the minute, too slow
# here; record a run of the daily job the way pg_cron records it.
su_q -c "INSERT INTO cron.job_run_details (jobid, runid, job_pid, database, username, command, status, return_message, start_time, end_time)
         SELECT jobid, nextval('cron.runid_seq'), 0, database, username, command, 'succeeded', 'DO', now() - interval '2 seconds', now()
           FROM cron.job WHERE jobname = 'student_etl_daily'" >/dev/null
n=0
next_delivery() {   # a distinct, valid math delivery (the sample's first 100+n records), by the host user
  n=$((n + 1))
  head -n $((101 + n)) "$REPO/test/data/student-mat.csv" > "$WORK/d$n.csv"
  deliver "$WORK/d$n.csv" "extra-$n-student-mat.csv"
  wait_run "extra-$n-student-mat.csv" >/dev/null || die "delivery extra-$n not loaded within 60 s"
}
# A second math delivery: trends and drift have a previous delivery to compare with.
next_delivery
echo "# dashboard panels after deliveries, as grafana_reader through pgbouncer"
PGPORT=$PGBOUNCER_PORT PGPASSWORD=grafana_reader_pwd python3 "$REPO/test/integration/stack_panels.py" \
  --user grafana_reader --dbname "$DB" || bad "panel queries"

# --- a restart keeps the data ---------------------------------------------------------------------
before=$(su_q -c "SELECT count(*) || ' ' || max(run_id) FROM student_etl.load_runs")
"${COMPOSE[@]}" restart pg_data_wh >/dev/null 2>&1 || bad "restart of pg_data_wh"
wait_healthy pg_data_wh || die "pg_data_wh not healthy after restart"
for _ in $(seq 30); do su_q -c "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
check "a restart of pg_data_wh keeps the data" "$before" "$(su_q -c "SELECT count(*) || ' ' || max(run_id) FROM student_etl.load_runs")"

# --- the replica ---------------------------------------------------------------------------------
rep_q() { PGPASSWORD=grafana_reader_pwd psql -X -qtA -p "$PGBOUNCER_PORT" -U grafana_reader -d "${DB}_replica" "$@"; }
primary_last() { su_q -c "SELECT max(run_id) FROM student_etl.load_runs WHERE status <> 'failed'"; }
replica_sees() {   # replica_sees RUN_ID: bounded (60 s) wait for the run in load_history on the replica
  for _ in $(seq 120); do
    [ "$(rep_q -c "SELECT count(*) FROM student_etl.load_history WHERE run_id = $1" 2>/dev/null)" = 1 ] && return 0
    sleep 0.5
  done
  return 1
}
"${COMPOSE[@]}" --profile replica up -d pg_data_wh_replica > "$WORK/up.log" 2>&1 || { cat "$WORK/up.log"; die "replica up"; }
wait_healthy pg_data_wh_replica || die "replica not healthy"
ok "the replica is healthy"
check "it streams through its slot" "streaming pg_data_wh_replica t" \
  "$(su_q -c "SELECT concat_ws(' ', r.state, s.slot_name, s.active) FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid")"
next_delivery
replica_sees "$(primary_last)" && ok "a later load shows on the replica (read through pgbouncer as grafana_reader)" ||
  bad "the replica does not show run $(primary_last)"
out=$(PGPASSWORD=my_data_wh_pwd psql -X -qtA -p "$PG_DATA_WH_REPLICA_PORT" -U my_data_wh_user -d "$DB" \
        -c "SELECT * FROM student_etl.load('/var/lib/student_etl/deliveries/student-mat.csv')" 2>&1)
grep -q "read-only transaction" <<<"$out" && ok "the replica refuses a load" || bad "load on the replica: $out"

"${COMPOSE[@]}" stop pg_data_wh_replica >/dev/null 2>&1
for _ in 1 2 3; do next_delivery; done
check "while it is down, its slot keeps the WAL" "f t" \
  "$(su_q -c "SELECT concat_ws(' ', active, restart_lsn IS NOT NULL AND wal_status IN ('reserved', 'extended')) FROM pg_replication_slots WHERE slot_name = 'pg_data_wh_replica'")"
"${COMPOSE[@]}" --profile replica start pg_data_wh_replica >/dev/null 2>&1
wait_healthy pg_data_wh_replica || die "replica not healthy after its downtime"
replica_sees "$(primary_last)" && ok "after being stopped across three deliveries, it catches up" ||
  bad "the replica did not catch up to run $(primary_last)"

# A standby that cannot catch up (its slot gone, as when max_slot_wal_keep_size gave it up): the
# entry point clones the primary afresh.
"${COMPOSE[@]}" stop pg_data_wh_replica >/dev/null 2>&1
# The primary's walsender may outlive the standby by a moment, and an active slot cannot be
# dropped: wait until it is released.
for _ in $(seq 60); do
  [ "$(su_q -c "SELECT active FROM pg_replication_slots WHERE slot_name = 'pg_data_wh_replica'")" = f ] && break
  sleep 0.5
done
su_q -c "SELECT pg_drop_replication_slot('pg_data_wh_replica')" >/dev/null || die "could not drop the replica's slot"
next_delivery
"${COMPOSE[@]}" --profile replica start pg_data_wh_replica >/dev/null 2>&1
wait_healthy pg_data_wh_replica || die "replica not healthy after losing its slot"
replica_sees "$(primary_last)" && "${COMPOSE[@]}" logs pg_data_wh_replica 2>&1 | grep -q "cannot catch up: replication slot" &&
  ok "without its slot, the replica clones afresh and catches up" || bad "re-clone after the slot was lost"
check "streaming again through a new slot" "streaming t" \
  "$(su_q -c "SELECT concat_ws(' ', r.state, s.active) FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid")"

# --- optional: 1000 readers through pgbouncer ----------------------------------------------------
if [ "${STUDENT_ETL_STACK_LOAD:-}" = 1 ]; then
  source "$REPO/test/integration/lib/stack_load.sh"
fi

# --- down -v leaves nothing ------------------------------------------------------------------------
"${COMPOSE[@]}" --profile replica down -v > "$WORK/down.log" 2>&1 || { cat "$WORK/down.log"; bad "down -v"; }
left=$($DOCKER ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"
       $DOCKER volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"
       $DOCKER network ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")
check "down -v leaves no container, volume or network of the project" "" "$left"

took=$(($(date +%s) - started))
echo "# stack_engine took $took s"
[ "$fail" = 0 ] && echo "stack_engine: ok"
exit "$fail"
