#!/usr/bin/env bash
# ALTER EXTENSION student_etl UPDATE from 0.1.0, as a DBA would meet it: a database used with
# the 0.1.0 library (loads, rejects, a dashboard role, a pg_read_server_files loader with a
# queued job and a pg_cron schedule, a job of a role since dropped), then the new library,
# then the update. The data survives, the 0.1.0 rights become profiles (or go, with a NOTICE),
# and the catalog equals a fresh install's (test/sql/catalog_signature.sql).
#
# The 0.1.0 library is built from the commit that shipped it and installed into a private copy
# of the PostgreSQL installation (binaries find their lib/ and share/ relative to themselves),
# so the machine's own installation is never touched. Port STUDENT_ETL_UPGRADE_TEST_PORT
# (default 5513).
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

V010_COMMIT=377e58082945636f40c3a1f213a9661bbce1ed10   # main when 0.1.0 shipped
PORT=${STUDENT_ETL_UPGRADE_TEST_PORT:-5513}
git -C "$REPO_ROOT" cat-file -e "$V010_COMMIT^{commit}" 2>/dev/null ||
  fail "the 0.1.0 commit $V010_COMMIT is not in this clone's history"

make_data_dir
cp test/data/student-mat.csv test/data/student-mat-badrows.csv test/data/student-mat-variant.csv "$DATA_DIR/"
cp test/data/student-mat-drift.csv "$DATA_DIR/student-por-after-upgrade.csv"
chmod a+r "$DATA_DIR"/*.csv

# --- A private PostgreSQL installation with the 0.1.0 library.
WORK=$(mktemp -d /tmp/student_etl_upgrade.XXXXXX)
on_exit "rm -rf '$WORK'"
SYS_LIB=$("$PG_BIN/pg_config" --pkglibdir) SYS_SHARE=$("$PG_BIN/pg_config" --sharedir)
PRIVATE=$WORK/pg
mkdir -p "$PRIVATE$(dirname "$SYS_LIB")" "$PRIVATE$(dirname "$SYS_SHARE")" "$PRIVATE$(dirname "$PG_BIN")"
cp -a "$(dirname "$PG_BIN")/." "$PRIVATE$(dirname "$PG_BIN")/"
[ -d "$PRIVATE$SYS_LIB" ] || cp -a "$SYS_LIB" "$PRIVATE$SYS_LIB"
cp -a "$SYS_SHARE" "$PRIVATE$(dirname "$SYS_SHARE")/"
P_BIN=$PRIVATE$PG_BIN
[ "$("$P_BIN/pg_config" --pkglibdir)" = "$PRIVATE$SYS_LIB" ] || fail "the private installation does not relocate"
mkdir "$WORK/src010"
git -C "$REPO_ROOT" archive "$V010_COMMIT" | tar -x -C "$WORK/src010" || fail "git archive"
make -C "$WORK/src010" -s -j"$(nproc)" student_etl.so >/dev/null 2>&1 || fail "building the 0.1.0 library"
install -m 755 "$WORK/src010/student_etl.so" "$PRIVATE$SYS_LIB/student_etl.so"
note "0.1.0 library built from $V010_COMMIT"

chown -R postgres:postgres "$WORK"
as_postgres "$P_BIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null || fail initdb
cat >> "$WORK/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$WORK'
# 0.1.0 must be preloaded; its worker serves another database, so the jobs queued below wait.
shared_preload_libraries = 'pg_cron,student_etl'
student_etl.database_name = 'postgres'
cron.database_name = 'upgraded'
fsync = off
CONF
pgctl() { as_postgres "$P_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w "$@" >/dev/null; }
pgctl start || fail "server did not start"
on_exit "runuser -u postgres -- '$P_BIN/pg_ctl' -D '$WORK/data' -m immediate stop"
export PGHOST=$WORK PGPORT=$PORT PGUSER=postgres
DB=upgraded

# --- Life under 0.1.0.
createdb "$DB" || fail createdb
q <<SQL >/dev/null || fail "0.1.0 setup"
CREATE EXTENSION student_etl VERSION '0.1.0';
CREATE EXTENSION pg_cron;
ALTER DATABASE $DB SET student_etl.allowed_dirs = '$DATA_DIR';
SET student_etl.allowed_dirs = '$DATA_DIR';
CREATE ROLE old_dash LOGIN;
CREATE ROLE old_loader LOGIN IN ROLE pg_read_server_files;
CREATE ROLE gone_loader LOGIN IN ROLE pg_read_server_files;
GRANT USAGE ON SCHEMA cron TO old_loader;   -- 0.1.0 scheduled as the caller
SELECT student_etl.grant_dashboard_access('old_dash');
SELECT * FROM student_etl.load('$DATA_DIR/student-mat.csv');
SELECT * FROM student_etl.load('$DATA_DIR/student-mat-badrows.csv');
SET ROLE old_loader;
SELECT * FROM student_etl.load('$DATA_DIR/student-mat-variant.csv', 'portuguese');
SELECT student_etl.enqueue('$DATA_DIR/student-mat.csv');
SELECT student_etl.schedule_load('old-daily', '0 6 * * *', '$DATA_DIR/student-mat.csv');
RESET ROLE;
SET ROLE gone_loader;
SELECT student_etl.enqueue('$DATA_DIR/student-mat-variant.csv');
RESET ROLE;
DROP ROLE gone_loader;
SQL
# What 0.1.0 left (the worker may add runs once the update is done: those are not counted).
last_run=$(q -c "SELECT max(run_id) FROM student_etl.load_runs")
# 0.1.0's fact table is student_performance; 0.2.0 renames it student_performance_history.
counts_sql="SELECT (SELECT count(*) FROM student_etl.FACTS WHERE run_id <= $last_run) || ' ' ||
                   (SELECT count(*) FROM student_etl.rejected_rows WHERE run_id <= $last_run) || ' ' ||
                   (SELECT count(*) FROM student_etl.run_facets WHERE run_id <= $last_run) || ' ' ||
                   (SELECT string_agg(run_id || ':' || status || ':' || loaded_by, ',' ORDER BY run_id)
                      FROM student_etl.load_runs WHERE run_id <= $last_run)"
before=$(q -c "${counts_sql/FACTS/student_performance}")
note "0.1.0: $before"

# --- The new library, preloaded with its worker: until the update, 0.2.0 code refuses the
# 0.1.0 schema and the worker waits.
pgctl stop || fail stop
install -m 755 "$SYS_LIB/student_etl.so" "$PRIVATE$SYS_LIB/student_etl.so"
cat >> "$WORK/data/postgresql.conf" <<CONF
student_etl.database_name = '$DB'
student_etl.worker_naptime = '200ms'
CONF
pgctl start || fail "server did not start with the new library"
refused=$(q -c "SELECT * FROM student_etl.load('$DATA_DIR/student-mat.csv')" 2>&1)
grep -q "the student_etl library is version 0.2.0 but the extension installed in this database is version 0.1.0" <<< "$refused" ||
  fail "0.2.0 code did not refuse the 0.1.0 schema: $refused"
for _ in $(seq 50); do grep -q "waiting for ALTER EXTENSION student_etl UPDATE" "$WORK/server.log" && break; sleep 0.1; done
grep -q "waiting for ALTER EXTENSION student_etl UPDATE" "$WORK/server.log" || fail "the worker did not wait for the update"
[ "$(q -c "SELECT count(*) FROM student_etl.load_jobs WHERE state = 'queued'")" = 2 ] || fail "the worker ran 0.1.0 jobs"
note "before the update: load() refuses the 0.1.0 schema, the worker waits, the queue is untouched"

# --- The update.
update_out=$(psql -X -v ON_ERROR_STOP=1 -d "$DB" -c "ALTER EXTENSION student_etl UPDATE" 2>&1) || fail "update: $update_out"
grep -q "members of pg_read_server_files no longer load deliveries" <<< "$update_out" ||
  fail "no WARNING about pg_read_server_files: $update_out"
[ "$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'student_etl'")" = 0.2.0 ] || fail "version"
after=$(q -c "${counts_sql/FACTS/student_performance_history}")
[ "$after" = "$before" ] || fail "data changed: before [$before] after [$after]"
[ "$(q -c "SELECT count(*) FROM student_etl.reject_issues")" = \
  "$(q -c "SELECT sum(array_length(regexp_split_to_array(reason, '; (?=column \")'), 1)) FROM student_etl.rejected_rows")" ] ||
  fail "reject_issues not back-filled: $(q -c "SELECT count(*) FROM student_etl.reject_issues")"
[ "$(q -c "SELECT count(*) FROM student_etl.reject_issues WHERE rule = 'invalid_value' OR (column_name IS NULL) <> (rule = 'wrong_field_count')")" = 0 ] ||
  fail "back-filled issues unclassified: $(q -c "SELECT * FROM student_etl.reject_issues")"
[ "$(q -c "SELECT string_agg(role_name || ':' || profile, ',') FROM student_etl.access")" = old_dash:dashboard ] ||
  fail "profiles after update: $(q -c "SELECT * FROM student_etl.access")"
[ "$(q -c "SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = 'pg_read_server_files' AND table_schema = 'student_etl'")" = 0 ] ||
  fail "pg_read_server_files kept rights"
[ "$(q -c "SELECT string_agg(enqueued_by::text, ',' ORDER BY job_id) FROM student_etl.load_jobs")" = "old_loader,-" ] ||
  fail "job owners: $(q -c "SELECT job_id, enqueued_by FROM student_etl.load_jobs")"
[ "$(q -c "SELECT owner::text || ' ' || job_name FROM student_etl.load_schedules")" = "old_loader old-daily" ] ||
  fail "schedule owner: $(q -c "SELECT * FROM student_etl.load_schedules")"
# The seed's query now means the current students: the latest delivery of each subject.
[ "$(q -c "SELECT count(*) FROM student_etl.student_performance")" = \
  "$(q -c "SELECT count(*) FROM student_etl.student_performance_history WHERE run_id IN (SELECT max(run_id) FROM student_etl.load_runs WHERE status = 'loaded' GROUP BY subject)")" ] ||
  fail "student_performance is not the latest delivery of each subject: $(q -c "SELECT run_id, count(*) FROM student_etl.student_performance GROUP BY 1")"
note "after the update: data equal ($after), rejects structured, old_dash is a dashboard, jobs and schedules keep their owners"

# The worker serves again: a job of a role without the loader profile fails with the reason,
# a job of a dropped role too; nothing is loaded for them.
wait_for "SELECT count(*) = 0 FROM student_etl.load_jobs WHERE state IN ('queued', 'running')" 30 ||
  fail "queue not drained: $(q -c "SELECT * FROM student_etl.load_jobs")"
[ "$(q -c "SELECT string_agg(state, ',' ORDER BY job_id) FROM student_etl.load_jobs")" = failed,failed ] ||
  fail "jobs after update: $(q -c "SELECT job_id, state, error FROM student_etl.load_jobs")"
q -c "SELECT error FROM student_etl.load_jobs ORDER BY job_id LIMIT 1" | grep -q "permission denied to load deliveries" ||
  fail "the first job's error: $(q -c "SELECT error FROM student_etl.load_jobs")"
[ "$(q -c "SELECT count(*) FROM student_etl.student_performance_history")" = "${before%% *}" ] || fail "a refused job loaded rows"

# Given the loader profile, the same role loads; run ids continue.
q -c "SELECT student_etl.grant_access('old_loader', 'loader')" >/dev/null || fail grant
[ "$(psql -X -qtA -U old_loader -d "$DB" -c "SELECT status || ' ' || (run_id > $last_run) FROM student_etl.load('$DATA_DIR/student-por-after-upgrade.csv')")" = "loaded true" ] ||
  fail "loading after the update"
note "after the update: refused jobs failed with their reason; with the loader profile old_loader loads again"

# --- The catalog equals a fresh install's.
createdb fresh || fail "createdb fresh"
psql -X -qtA -v ON_ERROR_STOP=1 -d fresh -c "CREATE EXTENSION student_etl" \
  -c "SELECT student_etl.grant_access('old_dash', 'dashboard')" -c "SELECT student_etl.grant_access('old_loader', 'loader')" \
  >/dev/null || fail "fresh install"
psql -X -qtA -v ON_ERROR_STOP=1 -d "$DB" -f test/sql/catalog_signature.sql > "$WORK/upgraded.txt" || fail "signature"
psql -X -qtA -v ON_ERROR_STOP=1 -d fresh -f test/sql/catalog_signature.sql > "$WORK/fresh.txt" || fail "signature"
diff -u "$WORK/fresh.txt" "$WORK/upgraded.txt" > "$WORK/catalog.diff" ||
  fail "the upgraded catalog differs from a fresh install:
$(head -40 "$WORK/catalog.diff")"
note "catalog after the update = fresh 0.2.0 install ($(wc -l < "$WORK/fresh.txt") facts: tables, columns, types, constraints, indexes, policies, functions, grants, comments)"
note ok
