#!/usr/bin/env bash
# Quick start, command 1: on a Debian 12 machine (as root) install what is missing, build and
# install student_etl, run a local PostgreSQL 15 cluster playing the stack's pg_data_wh
# (port 5488, database my_data_wh_db, user my_data_wh_user / my_data_wh_pwd), create the
# extension, load the two sample deliveries and show what was loaded. Safe to run again: the
# cluster and roles are reused and a second load of the same file is reported as skipped.
set -euo pipefail
source "$(dirname "$0")/common.sh"

CLUSTER=pg_data_wh
PORT=5488
DB=my_data_wh_db
DB_USER=my_data_wh_user
DB_PASSWORD=${MY_DATA_WH_PASSWORD:-my_data_wh_pwd}
DELIVERIES=/var/lib/student_etl/deliveries
INBOX=/var/lib/student_etl/inbox/new   # processed/ and failed/ go beside it

"$REPO_ROOT/scripts/install-deps.sh"
build_and_install

if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "15/$CLUSTER"; then
  pg_createcluster 15 "$CLUSTER" -p "$PORT" >/dev/null
fi
{ echo "# Written by student_etl scripts/demo.sh"
  echo "listen_addresses = 'localhost'"
  demo_settings "$DB" "$DELIVERIES" "$INBOX"
} > "/etc/postgresql/15/$CLUSTER/conf.d/student_etl.conf"
# A restart (not a reload) picks up the preload list and a freshly installed library.
if pg_lsclusters -h | awk -v c="$CLUSTER" '$2 == c {print $4}' | grep -q online; then
  pg_ctlcluster 15 "$CLUSTER" restart
else
  pg_ctlcluster 15 "$CLUSTER" start
fi

mkdir -p "$DELIVERIES" "$INBOX"
install -m 0644 "$REPO_ROOT/test/data/student-mat.csv" "$REPO_ROOT/test/data/student-por.csv" "$DELIVERIES/"
chown -R postgres:postgres "$(dirname "$DELIVERIES")"

psql_admin() { PGOPTIONS="-c client_min_messages=warning" as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@"; }
psql_admin -d postgres -v db="$DB" -v db_user="$DB_USER" -v db_password="$DB_PASSWORD" \
  -f "$REPO_ROOT/scripts/demo_database.sql"

echo "demo: loading $DELIVERIES/student-mat.csv and student-por.csv as $DB_USER"
PGPASSWORD=$DB_PASSWORD psql -X -v ON_ERROR_STOP=1 -h localhost -p "$PORT" -U "$DB_USER" -d "$DB" \
  -v sample="$DELIVERIES/student-mat.csv" -v sample_por="$DELIVERIES/student-por.csv" \
  -f "$REPO_ROOT/scripts/demo_show.sql"
echo "demo: deliveries dropped into $INBOX are loaded by the background worker."
echo "demo: ready. Connect with: psql -h localhost -p $PORT -U $DB_USER -d $DB   (password $DB_PASSWORD)"
