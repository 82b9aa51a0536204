#!/usr/bin/env bash
# Docs that cannot rot: every SQL example of README.md and docs/*.md runs against a cluster set
# up exactly as the demo sets up pg_data_wh (scripts/demo_database.sql, the demo's settings and
# its first load, scripts/demo_show.sql), as the demo's user unless the example names another
# role, and prints the output the docs show (doc_examples.py says how examples are marked).
# Port STUDENT_ETL_DOC_TEST_PORT (default 5513).
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

make_data_dir
DELIVERIES=$DATA_DIR/deliveries INBOX=$DATA_DIR/inbox/new
mkdir -p "$DELIVERIES" "$INBOX"
cp test/data/student-mat.csv test/data/student-por.csv "$DELIVERIES/"
chown -R postgres "$DATA_DIR"
init_throwaway_cluster "${STUDENT_ETL_DOC_TEST_PORT:-5513}" "fsync = off" \
  "$(demo_settings my_data_wh_db "$DELIVERIES" "$INBOX")" "cron.host = '/nonexistent'" || fail "cluster did not start"
on_exit stop_throwaway_cluster
PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d postgres -v db=my_data_wh_db \
  -v db_user=my_data_wh_user -v db_password=my_data_wh_pwd -f scripts/demo_database.sql >/dev/null ||
  fail "the demo's database setup failed"
psql -X -q -v ON_ERROR_STOP=1 -U my_data_wh_user -d my_data_wh_db -v sample="$DELIVERIES/student-mat.csv" \
  -v sample_por="$DELIVERIES/student-por.csv" -f scripts/demo_show.sql >/dev/null || fail "the demo's first load failed"
note "demo-like cluster ready: my_data_wh_db, my_data_wh_user (loader profile), both samples loaded"
python3 test/integration/doc_examples.py --root . --deliveries "$DELIVERIES" --db my_data_wh_db \
  --user my_data_wh_user README.md docs/*.md || fail "documented examples do not run as shown"
note ok
