#!/usr/bin/env bash
# The database owner attacks: a non-superuser who owns the worker's database shadows in
# public every function and operator the extension's SQL uses (each shadow records who called
# it and tries to make the owner a superuser), puts public first in the database's
# search_path, and restarts nothing but waits for the next worker start. Then load(), the
# queue, the inbox (worker as the bootstrap superuser), a schedule and the profile functions
# are all driven with that search_path: no shadow may run, nobody may gain a privilege.
# A negative control first proves a shadow is reached when the search_path is not pinned.
# Port STUDENT_ETL_HOSTILE_TEST_PORT (default 5512). A cluster of its own (it restarts).
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

PORT=${STUDENT_ETL_HOSTILE_TEST_PORT:-5512}
make_data_dir
INBOX=$DATA_DIR/inbox/new
mkdir -p "$INBOX" "$DATA_DIR/queue"
chown -R postgres:postgres "$DATA_DIR"
init_throwaway_cluster "$PORT" "fsync = off" \
  "student_etl.database_name = 'hostile'" "cron.database_name = 'hostile'" \
  "student_etl.allowed_dirs = '$DATA_DIR'" "student_etl.inbox_dir = '$INBOX'" \
  "student_etl.worker_naptime = '200ms'" "student_etl.inbox_settle_time = 0" || fail "cluster did not start"
on_exit stop_throwaway_cluster
restart() {
  as_postgres "$PG_BIN/pg_ctl" -D "$THROWAWAY_DIR/data" -l "$THROWAWAY_DIR/server.log" -w restart >/dev/null ||
    fail "restart"
}
DB=hostile
# The checks themselves (and the helpers of lib/common.sh) run with a pinned search_path, so
# the shadows cannot fool them.
export PGOPTIONS="-c search_path=pg_catalog"
safe() { psql -X -qtA -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
# What the attacker's and the users' sessions get: the database's search_path (public first).
as_role() { local role=$1; shift; env -u PGOPTIONS psql -X -qtA -v ON_ERROR_STOP=1 -U "$role" -d "$DB" "$@"; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres <<SQL || fail "setup"
CREATE ROLE db_owner LOGIN;
CREATE ROLE plain_loader LOGIN;
CREATE DATABASE hostile OWNER db_owner;
SQL
safe -c "CREATE EXTENSION student_etl" -c "CREATE EXTENSION pg_cron" \
     -c "SELECT student_etl.grant_access('db_owner', 'loader')" \
     -c "SELECT student_etl.grant_access('plain_loader', 'loader')" >/dev/null || fail "extension"
cp test/data/student-mat.csv "$DATA_DIR/queue/student-mat.csv"
cp test/data/student-mat-variant.csv "$DATA_DIR/queue/student-mat-variant.csv"
chown -R postgres:postgres "$DATA_DIR"

# --- The attacker's shadows, all in public, all owned by db_owner.
as_role db_owner <<'SQL' >/dev/null || fail "shadows"
CREATE TABLE public.shadow_calls (fn text, by_user name, is_super boolean);
GRANT INSERT, SELECT ON public.shadow_calls TO PUBLIC;
-- Records the call, then tries to escalate: works only if a superuser is running it.
CREATE FUNCTION public.shadow_hit(fn text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO public.shadow_calls VALUES (fn, current_user,
        (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user));
    BEGIN
        EXECUTE 'ALTER ROLE db_owner SUPERUSER';
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
END $f$;
DO $d$
DECLARE
    f record;
BEGIN
    -- name, arguments, result: each delegates to pg_catalog after recording the call.
    FOR f IN SELECT * FROM (VALUES
        ('clock_timestamp', '', 'timestamptz'), ('now', '', 'timestamptz'),
        ('current_database', '', 'name'), ('lower', 'text', 'text'), ('upper', 'text', 'text'),
        ('btrim', 'text', 'text'), ('length', 'text', 'integer'), ('quote_ident', 'text', 'text'),
        ('quote_literal', 'text', 'text'), ('to_regrole', 'text', 'regrole'),
        ('replace', 'text, text, text', 'text'), ('rtrim', 'text, text', 'text'),
        ('regexp_replace', 'text, text, text', 'text'), ('coalesce_text', 'text, text', 'text'),
        ('pg_has_role', 'oid, text', 'boolean'), ('pg_has_role', 'oid, oid, text', 'boolean'),
        ('pg_has_role', 'name, oid, text', 'boolean'), ('current_setting', 'text, boolean', 'text'),
        ('string_agg', 'text, text', 'text'), ('count', '', 'bigint'), ('max', 'bigint', 'bigint'),
        ('pg_advisory_xact_lock', 'bigint', 'void'), ('nextval', 'regclass', 'bigint'),
        ('format', 'text, text', 'text'), ('format', 'text, text, text', 'text'),
        ('array_length', 'anyarray, integer', 'integer'), ('substring', 'text, text', 'text')
    ) AS v(name, args, result) WHERE name NOT IN ('string_agg', 'count', 'max', 'coalesce_text') LOOP
        EXECUTE format($s$CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE plpgsql AS $b$
            BEGIN PERFORM public.shadow_hit(%L); %s pg_catalog.%I(%s); %s END $b$$s$,
            f.name, f.args, f.result, f.name || '(' || f.args || ')',
            CASE WHEN f.result = 'void' THEN 'PERFORM' ELSE 'RETURN' END, f.name,
            (SELECT coalesce(string_agg('$' || i, ', '), '') FROM generate_series(1, CASE WHEN f.args = '' THEN 0
                 ELSE array_length(string_to_array(f.args, ','), 1) END) i),
            CASE WHEN f.result = 'void' THEN 'RETURN;' ELSE '' END);
    END LOOP;
    -- Operators on the types the extension compares, concatenates and adds.
    FOR f IN SELECT * FROM (VALUES
        ('=', 'text', 'texteq'), ('=', 'bigint', 'int8eq'), ('=', 'oid', 'oideq'), ('=', 'name', 'nameeq'),
        ('=', 'regrole', 'oideq'), ('<>', 'text', 'textne'), ('<>', 'oid', 'oidne'),
        ('>=', 'smallint', 'int2ge'), ('<=', 'bigint', 'int8le'), ('~', 'text', 'textregexeq')
    ) AS v(op, typ, impl) LOOP
        EXECUTE format($s$CREATE FUNCTION public.%I(%s, %s) RETURNS boolean LANGUAGE plpgsql AS $b$
            BEGIN PERFORM public.shadow_hit(%L); RETURN pg_catalog.%I($1, $2); END $b$$s$,
            'shadow_' || f.impl || '_' || f.typ, f.typ, f.typ, f.op || ' ' || f.typ, f.impl);
        EXECUTE format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.%I)',
                       f.op, f.typ, f.typ, 'shadow_' || f.impl || '_' || f.typ);
    END LOOP;
    FOR f IN SELECT * FROM (VALUES ('||', 'text', 'textcat', 'text'), ('+', 'bigint', 'int8pl', 'bigint'),
                                   ('-', 'bigint', 'int8mi', 'bigint')) AS v(op, typ, impl, result) LOOP
        EXECUTE format($s$CREATE FUNCTION public.%I(%s, %s) RETURNS %s LANGUAGE plpgsql AS $b$
            BEGIN PERFORM public.shadow_hit(%L); RETURN pg_catalog.%I($1, $2); END $b$$s$,
            'shadow_' || f.impl, f.typ, f.typ, f.result, f.op || ' ' || f.typ, f.impl);
        EXECUTE format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.%I)',
                       f.op, f.typ, f.typ, 'shadow_' || f.impl);
    END LOOP;
END $d$;
ALTER DATABASE hostile SET search_path = public, pg_catalog;
SQL
note "$(safe -c "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace") shadow functions and $(
  safe -c "SELECT count(*) FROM pg_operator WHERE oprnamespace = 'public'::regnamespace") shadow operators in public"

# Negative control: with public first and nothing pinned, the shadows are reached -- by a
# superuser, who is escalated. (Undone before the real test.)
env -u PGOPTIONS psql -X -qtA -d "$DB" -c "SELECT clock_timestamp() IS NOT NULL, 'a'::text = 'a'::text" >/dev/null
[ "$(safe -c "SELECT string_agg(DISTINCT fn, ',' ORDER BY fn) FROM public.shadow_calls")" = "= text,clock_timestamp()" ] ||
  fail "negative control: the shadows were not reached: $(safe -c "SELECT * FROM public.shadow_calls")"
[ "$(safe -c "SELECT rolsuper FROM pg_roles WHERE rolname = 'db_owner'")" = t ] ||
  fail "negative control: a superuser running a shadow did not escalate the owner"
safe -c "ALTER ROLE db_owner NOSUPERUSER" -c "TRUNCATE public.shadow_calls" || fail "reset"
note "negative control: unpinned SQL reaches the shadows and escalates"

# The worker picks up the database's search_path when it starts.
restart
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'student_etl worker'" 30 ||
  fail "worker did not start"

# --- Drive everything with the hostile search_path.
[ "$(as_role db_owner -c "SELECT status FROM student_etl.load('$DATA_DIR/queue/student-mat.csv')")" = loaded ] ||
  fail "load() as the database owner"
job=$(as_role plain_loader -c "SELECT student_etl.enqueue('$DATA_DIR/queue/student-mat-variant.csv', 'math')") ||
  fail "enqueue()"
wait_for "SELECT state = 'done' FROM student_etl.load_jobs WHERE job_id = $job" 30 ||
  fail "queued job not done: $(safe -c "SELECT * FROM student_etl.load_jobs")"
cp test/data/student-mat-badrows.csv "$INBOX/.student-mat-badrows.csv.part"
chown postgres "$INBOX/.student-mat-badrows.csv.part"
mv "$INBOX/.student-mat-badrows.csv.part" "$INBOX/student-mat-badrows.csv"
cp test/data/bad/header-missing-g3.csv "$INBOX/student-mat-broken.csv"; chown postgres "$INBOX/student-mat-broken.csv"
wait_for "SELECT count(*) = 2 FROM student_etl.load_runs WHERE file_path LIKE '$DATA_DIR/inbox/claimed/%'" 30 ||
  fail "inbox files not loaded: $(safe -c "SELECT run_id, status, file_path FROM student_etl.load_runs")"
as_role db_owner -c "SELECT student_etl.schedule_load('hostile', '0 6 * * *', '$DATA_DIR/queue/student-mat.csv')" \
  -c "SELECT count(*) FROM student_etl.scheduled_loads" \
  -c "SELECT student_etl.enqueue('$DATA_DIR/queue/student-mat.csv', NULL)" \
  -c "SELECT student_etl.unschedule_load('hostile')" >/dev/null || fail "schedules as the database owner"
env -u PGOPTIONS psql -X -qtA -v ON_ERROR_STOP=1 -d "$DB" -c "SELECT student_etl.grant_access('plain_loader', 'analyst')" \
  -c "SELECT student_etl.revoke_access('plain_loader', 'analyst')" -c "SELECT count(*) FROM student_etl.access" \
  >/dev/null || fail "profile functions as a superuser with the hostile search_path"
wait_for "SELECT count(*) = 0 FROM student_etl.load_jobs WHERE state IN ('queued', 'running')" 30 || fail "queue drained"
note "drove load(), enqueue(), the inbox, schedule_load/scheduled_loads/unschedule_load and grant/revoke_access"

# --- Nothing shadowed ran, nobody gained anything.
calls=$(safe -c "SELECT count(*) FROM public.shadow_calls")
[ "$calls" = 0 ] || fail "shadows ran: $(safe -c "SELECT fn, by_user, is_super FROM public.shadow_calls")"
[ "$(safe -c "SELECT rolsuper FROM pg_roles WHERE rolname = 'db_owner'")" = f ] || fail "the database owner became a superuser"
[ "$(safe -c "SELECT string_agg(status, ',' ORDER BY run_id) FROM student_etl.load_runs")" = loaded,loaded,loaded,failed,skipped ] ||
  [ "$(safe -c "SELECT string_agg(status, ',' ORDER BY status) FROM student_etl.load_runs")" = failed,loaded,loaded,loaded,skipped ] ||
  fail "unexpected runs: $(safe -c "SELECT run_id, status, loaded_by, error FROM student_etl.load_runs")"
[ "$(safe -c "SELECT string_agg(DISTINCT loaded_by, ',' ORDER BY loaded_by) FROM student_etl.load_runs")" = db_owner,plain_loader,postgres ] ||
  fail "loaded_by: $(safe -c "SELECT run_id, loaded_by FROM student_etl.load_runs")"
note "no shadow ran ($calls calls), db_owner is no superuser, every run recorded for its real role"
note ok
