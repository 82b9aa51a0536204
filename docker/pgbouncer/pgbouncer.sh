#!/bin/sh
# Writes pgbouncer.ini and the user list from the environment, then runs pgbouncer.
#
# Databases clients may name:
#   $POSTGRES_DB           pg_data_wh (the primary)
#   ${POSTGRES_DB}_replica pg_data_wh_replica (compose profile "replica"; resolved when used)
# Logins: the dashboard login (GRAFANA_DB_USER) and the warehouse login (POSTGRES_USER), with
# their passwords (SCRAM on both sides: pgbouncer answers the client and logs in to the server
# with the same password). Transaction pooling: every dashboard query is one transaction, and
# the role's defaults (read-only, statement_timeout) apply on each server connection.
set -eu
: "${POSTGRES_DB:=my_data_wh_db}" "${PRIMARY_HOST:=pg_data_wh}" "${REPLICA_HOST:=pg_data_wh_replica}"
: "${GRAFANA_DB_USER:=grafana_reader}" "${GRAFANA_DB_PASSWORD:?}"
: "${POSTGRES_USER:=my_data_wh_user}" "${POSTGRES_PASSWORD:?}"
conf=/etc/pgbouncer
umask 077
quote() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
{
  echo "$(quote "$GRAFANA_DB_USER") $(quote "$GRAFANA_DB_PASSWORD")"
  echo "$(quote "$POSTGRES_USER") $(quote "$POSTGRES_PASSWORD")"
} > "$conf/userlist.txt"
cat > "$conf/pgbouncer.ini" <<INI
[databases]
$POSTGRES_DB = host=$PRIMARY_HOST port=5432 dbname=$POSTGRES_DB
${POSTGRES_DB}_replica = host=$REPLICA_HOST port=5432 dbname=$POSTGRES_DB

[pgbouncer]
listen_addr = *
listen_port = 5432
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $conf/userlist.txt
pool_mode = transaction
max_client_conn = ${PGBOUNCER_MAX_CLIENT_CONN:-2000}
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
min_pool_size = 0
reserve_pool_size = 5
max_db_connections = ${PGBOUNCER_MAX_DB_CONNECTIONS:-40}
server_lifetime = 3600
server_idle_timeout = 60
query_wait_timeout = ${PGBOUNCER_QUERY_WAIT_TIMEOUT:-60}
ignore_startup_parameters = extra_float_digits,options
log_connections = 0
log_disconnections = 0
stats_period = 300
INI
exec /usr/sbin/pgbouncer "$conf/pgbouncer.ini"
