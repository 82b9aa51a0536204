#!/usr/bin/env bash
# Entry point of the optional read replica (compose profile "replica"): a streaming hot standby
# of the primary, through the physical replication slot REPLICATION_SLOT (pg_data_wh_replica),
# so WAL it has not received yet is kept on the primary while it is down (bounded by the
# primary's max_slot_wal_keep_size, docker/student_etl.conf).
#
# - Empty data directory: create the slot if missing, clone the primary with pg_basebackup -R
#   through it (standby.signal, primary_conninfo and primary_slot_name written).
# - A standby already there: start it, unless it cannot catch up -- its slot is gone on the
#   primary or was given up (wal_status = 'lost'), or the primary is another cluster (a
#   different system identifier, e.g. after `down -v` of the primary). Then it clones afresh
#   into a sibling directory and swaps it in only once the clone is complete, so a failed
#   clone leaves the old standby as it was. A data directory that is not a standby (no
#   standby.signal: promoted, or someone else's) is never replaced.
#
# Environment: PGDATA (a directory *inside* the volume, so the clone can be swapped by rename),
# PRIMARY_HOST, PRIMARY_PORT (5432), REPLICATION_USER, REPLICATION_PASSWORD, REPLICATION_SLOT,
# POSTGRES_DB (the database the slot check connects to).
set -euo pipefail
: "${PGDATA:?}" "${PRIMARY_HOST:?}" "${REPLICATION_USER:?}"
PRIMARY_PORT=${PRIMARY_PORT:-5432}
SLOT=${REPLICATION_SLOT:-pg_data_wh_replica}
export PGPASSWORD=${REPLICATION_PASSWORD:-}

if [ "$(id -u)" = 0 ]; then            # in the container: fix ownership, drop to postgres
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" "$(dirname "$PGDATA")" /var/run/postgresql
  chmod 0700 "$PGDATA"
  exec gosu postgres "$0" "$@"
fi

log() { echo "student-etl-replica: $*"; }
conn=(-h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" --no-password)
primary_sql() { psql -X -qtA "${conn[@]}" -d "${POSTGRES_DB:-postgres}" -c "$1"; }

wait_for_primary() {
  for _ in $(seq 120); do
    pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" && return 0
    sleep 1
  done
  log "primary $PRIMARY_HOST:$PRIMARY_PORT not ready after 120 s"
  return 1
}

clone_into() {   # clone_into DIR: the primary, through the slot, into DIR (created)
  # A slot given up cannot stream any more: make it anew.
  if [ "$(primary_sql "SELECT wal_status FROM pg_replication_slots WHERE slot_name = '$SLOT'")" = lost ]; then
    pg_receivewal "${conn[@]}" --slot="$SLOT" --drop-slot
  fi
  pg_receivewal "${conn[@]}" --slot="$SLOT" --create-slot --if-not-exists
  pg_basebackup "${conn[@]}" -D "$1" -R -X stream -c fast -S "$SLOT"
  chmod 0700 "$1"
}

# Why the standby in PGDATA cannot catch up, or nothing if it can (or if we cannot tell).
cannot_catch_up() {
  local status sysid mine
  status=$(primary_sql "SELECT coalesce((SELECT wal_status FROM pg_replication_slots WHERE slot_name = '$SLOT'), 'missing')") || return 0
  case $status in
    missing) echo "replication slot $SLOT does not exist on the primary"; return 0 ;;
    lost) echo "replication slot $SLOT was given up (max_slot_wal_keep_size exceeded)"; return 0 ;;
  esac
  sysid=$(primary_sql "SELECT system_identifier FROM pg_control_system()") || return 0
  mine=$(pg_controldata "$PGDATA" | sed -n 's/^Database system identifier: *//p')
  [ -n "$mine" ] && [ "$sysid" != "$mine" ] && echo "the primary is another cluster (system identifier $sysid, standby's $mine)"
  return 0
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  wait_for_primary
  log "cloning $PRIMARY_HOST:$PRIMARY_PORT through slot $SLOT"
  find "$PGDATA" -mindepth 1 -delete
  clone_into "$PGDATA"
elif [ -f "$PGDATA/standby.signal" ] && wait_for_primary; then
  why=$(cannot_catch_up)
  if [ -n "$why" ]; then
    log "the standby cannot catch up: $why; cloning afresh"
    next=$PGDATA.next
    rm -rf "$next"
    clone_into "$next"
    rm -rf "$PGDATA.old"
    mv "$PGDATA" "$PGDATA.old" && mv "$next" "$PGDATA" && rm -rf "$PGDATA.old"
  fi
fi
[ "${1:-}" = postgres ] && shift
exec postgres "$@"
