#!/usr/bin/env bash
# Entry point of the optional read replica (compose profile "replica"): on an empty data
# directory, clone the primary with pg_basebackup -R (WAL streamed during the copy,
# standby.signal and primary_conninfo written), then run postgres as a hot standby with the
# given arguments. Environment: PGDATA, PRIMARY_HOST, PRIMARY_PORT (5432), REPLICATION_USER,
# REPLICATION_PASSWORD. test/integration/stack_replica.sh runs this same script on loopback.
set -euo pipefail
: "${PGDATA:?}" "${PRIMARY_HOST:?}" "${REPLICATION_USER:?}"
PRIMARY_PORT=${PRIMARY_PORT:-5432}

if [ "$(id -u)" = 0 ]; then            # in the container: fix ownership, drop to postgres
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 0700 "$PGDATA"
  exec gosu postgres "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  for _ in $(seq 60); do
    pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" && break
    sleep 1
  done
  PGPASSWORD=${REPLICATION_PASSWORD:-} pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" \
    -U "$REPLICATION_USER" -D "$PGDATA" -R -X stream -c fast --no-password
  chmod 0700 "$PGDATA"
fi
[ "${1:-}" = postgres ] && shift
exec postgres "$@"
