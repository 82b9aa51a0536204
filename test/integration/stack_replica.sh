#!/usr/bin/env bash
# The read replica recipe on loopback: a primary built by the image's init scripts
# (lib/image_init.sh; they create the replication login and its pg_hba line) listening on
# 127.0.0.1:5532, and a standby made by docker/replica.sh (pg_basebackup -R, then postgres)
# on 127.0.0.1:5533. A delivery loaded on the primary must show on the standby (bounded
# wait), in the metrics views Grafana reads, as the Grafana login; the standby refuses writes.
set -euo pipefail
source "$(dirname "$0")/lib/image_init.sh"
WORK=$(mktemp -d /tmp/student_etl_replica.XXXXXX)
STANDBY=$WORK/standby
standby_pid=
cleanup() {
  image_stop "$STANDBY"
  if [ -n "$standby_pid" ]; then kill "$standby_pid" 2>/dev/null || true; fi
  image_stop "$WORK/data"
  rm -rf "$WORK"
}
trap "cleanup || true" EXIT
image_init "$WORK" 5532 127.0.0.1 || { echo "stack_replica: primary init failed"; exit 1; }
primary=$PGDATA

# The replica entry point, as the postgres user (in the container it drops to postgres itself).
runuser -u postgres -- env PGDATA="$STANDBY" PRIMARY_HOST=127.0.0.1 PRIMARY_PORT=5532 \
  REPLICATION_USER="$REPLICATION_USER" REPLICATION_PASSWORD="$REPLICATION_PASSWORD" \
  bash docker/replica.sh postgres -p 5533 -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories="$WORK" > "$WORK/standby.log" 2>&1 &
standby_pid=$!

fail=0
qp() { psql -X -qtA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5532 -U "$POSTGRES_USER" -d "$POSTGRES_DB" "$@"; }
qs() { psql -X -qtA -h 127.0.0.1 -p 5533 "$@"; }
for _ in $(seq 100); do qs -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
[ "$(qs -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c 'SELECT pg_is_in_recovery()')" = t ] && echo "ok - standby is up, in recovery" ||
  { echo "not ok - standby not up"; cat "$WORK/standby.log"; exit 1; }
[ -f "$STANDBY/standby.signal" ] && grep -q "primary_conninfo" "$STANDBY/postgresql.auto.conf" &&
  echo "ok - pg_basebackup -R wrote standby.signal and primary_conninfo" || { echo "not ok - standby config"; fail=1; }
[ "$(qp -c "SELECT count(*) FROM pg_stat_replication WHERE usename = '$REPLICATION_USER' AND state = 'streaming'")" = 1 ] &&
  echo "ok - primary streams to it as $REPLICATION_USER" || { echo "not ok - no streaming replication"; fail=1; }

# A new delivery on the primary (the sample with CRLF line ends, as portuguese).
cp test/data/unnamed-delivery.csv "$STUDENT_ETL_INBOX/"; chown postgres "$STUDENT_ETL_INBOX/unnamed-delivery.csv"
[ "$(qp -c "SELECT status FROM student_etl.load('$STUDENT_ETL_INBOX/unnamed-delivery.csv', 'portuguese')")" = loaded ] ||
  { echo "not ok - load on the primary"; fail=1; }
seen=
for _ in $(seq 100); do
  seen=$(qs -U "$GRAFANA_DB_USER" -d "$POSTGRES_DB" -c "SELECT students FROM student_etl.group_metrics WHERE subject = 'portuguese' AND dimension = 'all'" 2>&1) || true
  [ "$seen" = 395 ] && break
  sleep 0.1
done
[ "$seen" = 395 ] && echo "ok - the load shows on the standby, read by $GRAFANA_DB_USER from group_metrics" ||
  { echo "not ok - standby did not see the load: $seen"; fail=1; }
[ "$(qs -U "$GRAFANA_DB_USER" -d "$POSTGRES_DB" -c "SELECT string_agg(subject, ',' ORDER BY subject) FROM student_etl.latest_runs")" = math,portuguese ] &&
  echo "ok - latest_runs on the standby" || { echo "not ok - latest_runs on standby"; fail=1; }
out=$(qs -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "SELECT * FROM student_etl.load('$STUDENT_ETL_SAMPLE')" 2>&1) || true
grep -q "read-only transaction" <<<"$out" && echo "ok - the standby refuses a load" || { echo "not ok - load on standby: $out"; fail=1; }
grep -E "PANIC|TRAP|terminated by signal" "$WORK/standby.log" && { echo "not ok - standby log"; fail=1; }
[ "$fail" = 0 ] && echo "stack_replica: ok"
exit "$fail"
