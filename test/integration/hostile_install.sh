#!/usr/bin/env bash
# The extension survives a hostile search_path at CREATE EXTENSION time, and load() a hostile
# one at call time: a schema earlier in search_path (and pg_temp) shadows the operators and
# functions the install script and load() use -- text =, smallint >=, clock_timestamp(),
# lower() -- with spies that log their calls and always say yes. Nothing may resolve to them:
# the constraints must still hold and the spies' log must stay empty. Also: every function of
# the extension pins search_path (ending in pg_temp), and a pre-created student_etl schema
# owned by someone else is not adopted.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

make_data_dir
cp test/data/student-mat.csv "$DATA_DIR/"; chmod a+r "$DATA_DIR"/*.csv
DB=student_etl_hostile
dropdb --if-exists "$DB" 2>/dev/null; createdb "$DB" || fail "createdb"
on_exit "dropdb --if-exists $DB; psql -X -q -d postgres -c 'DROP ROLE IF EXISTS student_etl_mallory'"
psql -X -q -d postgres -c "DROP ROLE IF EXISTS student_etl_mallory" -c "CREATE ROLE student_etl_mallory" 2>/dev/null

# The trap, set by an unprivileged role in a schema of its own.
q >/dev/null <<'SQL' || fail "setting the trap"
CREATE SCHEMA evil AUTHORIZATION student_etl_mallory;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
SET ROLE student_etl_mallory;
CREATE TABLE evil.calls (what text);
GRANT INSERT, SELECT ON evil.calls TO PUBLIC;
CREATE FUNCTION evil.spy_texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('text = text'); RETURN true; END$$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.spy_texteq);
CREATE FUNCTION evil.spy_int2ge(smallint, integer) RETURNS boolean LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('int2 >= int4'); RETURN true; END$$;
CREATE OPERATOR evil.>= (LEFTARG = smallint, RIGHTARG = integer, FUNCTION = evil.spy_int2ge);
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('clock_timestamp'); RETURN '2000-01-01'; END$$;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO evil.calls VALUES ('lower'); RETURN $1; END$$;
RESET ROLE;
SQL

# A hostile search_path for the installing superuser, with pg_temp shadows too.
out=$(q 2>&1 <<'SQL'
CREATE FUNCTION pg_temp.clock_timestamp() RETURNS timestamptz LANGUAGE sql AS $$SELECT '1999-01-01'::timestamptz$$;
CREATE TEMP TABLE load_runs (run_id bigint);
SET search_path = evil, pg_temp, public;
CREATE EXTENSION student_etl;
SQL
) || fail "CREATE EXTENSION under a hostile search_path failed: $out"
q -c "ALTER DATABASE $DB SET student_etl.allowed_dirs = '$DATA_DIR'" >/dev/null

# Nothing of the extension depends on the trap.
deps=$(q -c "SELECT count(*) FROM pg_depend d
              WHERE d.classid IN ('pg_class'::regclass, 'pg_constraint'::regclass, 'pg_attrdef'::regclass, 'pg_proc'::regclass)
                AND ((d.refclassid = 'pg_operator'::regclass AND d.refobjid IN (SELECT oid FROM pg_operator WHERE oprnamespace = 'evil'::regnamespace))
                  OR (d.refclassid = 'pg_proc'::regclass AND d.refobjid IN (SELECT oid FROM pg_proc WHERE pronamespace = 'evil'::regnamespace)))")
[ "$deps" = 0 ] || fail "$deps extension objects depend on the hostile schema"

# Every function of the extension pins search_path, ending in pg_temp.
unpinned=$(q -c "SELECT string_agg(p.oid::regprocedure::text, ', ')
                   FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid AND d.classid = 'pg_proc'::regclass
                  WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'student_etl') AND d.deptype = 'e'
                    AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                                     WHERE c LIKE 'search\_path=%' AND c ~ 'pg_temp\$')")
nfun=$(q -c "SELECT count(*) FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'e'
               AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'student_etl')")
[ "$nfun" -ge 1 ] || fail "no functions found"
[ -z "$unpinned" ] || fail "functions without a pinned search_path ending in pg_temp: $unpinned"

# load() under the same hostile search_path: loads, and the spies were never called.
out=$(q 2>&1 <<SQL
CREATE FUNCTION pg_temp.clock_timestamp() RETURNS timestamptz LANGUAGE sql AS \$\$SELECT '1999-01-01'::timestamptz\$\$;
SET search_path = evil, pg_temp, public;
SELECT status || ' ' || rows_loaded FROM student_etl.load('$DATA_DIR/student-mat.csv');
SELECT count(*) FROM student_etl.load_runs WHERE started_at < '2001-01-01' OR finished_at < '2001-01-01';
SQL
) || fail "load under a hostile search_path failed: $out"
[ "$out" = "loaded 395
0" ] || fail "load under a hostile search_path: $out"
[ "$(q -c "SELECT count(*) FROM evil.calls")" = 0 ] ||
  fail "the trap was called: $(q -c "SELECT string_agg(DISTINCT what, ', ') FROM evil.calls")"

# The constraints are the real ones: a value out of the domain is refused even now.
out=$(q 2>&1 <<'SQL'
SET search_path = evil, pg_temp, public;
UPDATE student_etl.student_performance_history SET school = 'XX' WHERE source_line = 2;
SQL
) && fail "school = 'XX' was accepted"
grep -q "violates check constraint" <<< "$out" || fail "school = 'XX': $out"
out=$(q 2>&1 <<'SQL'
SET search_path = evil, pg_temp, public;
UPDATE student_etl.student_performance_history SET age = 99 WHERE source_line = 2;
SQL
) && fail "age = 99 was accepted"
grep -q "violates check constraint" <<< "$out" || fail "age = 99: $out"
[ "$(q -c "SELECT count(*) FROM evil.calls")" = 0 ] || fail "the trap was called by a constraint"
note "hostile search_path at install and at load: no trap called, constraints hold, $nfun functions pinned"

# A student_etl schema created beforehand by another role is not adopted.
q -c "DROP EXTENSION student_etl" -c "DROP SCHEMA IF EXISTS student_etl CASCADE" -c "CREATE SCHEMA student_etl AUTHORIZATION student_etl_mallory" >/dev/null ||
  fail "preparing a squatted schema"
out=$(q -c "CREATE EXTENSION student_etl" 2>&1)
if [ $? = 0 ]; then
  owner=$(q -c "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'student_etl'")
  fail "CREATE EXTENSION adopted a schema owned by $owner"
fi
grep -q "ERROR:  schema student_etl already exists and is owned by student_etl_mallory, not by a superuser" <<< "$out" ||
  fail "squatted schema: $out"
note "squatted schema: refused ($(grep -o 'ERROR:.*' <<< "$out"))"
# A superuser's schema with something planted in it is refused too; an empty one is used.
q -c "ALTER SCHEMA student_etl OWNER TO postgres" -c "CREATE FUNCTION student_etl.planted() RETURNS int LANGUAGE sql AS 'SELECT 1'" >/dev/null
out=$(q -c "CREATE EXTENSION student_etl" 2>&1) && fail "a schema with a planted function was adopted"
grep -q "ERROR:  schema student_etl already holds 1 objects" <<< "$out" || fail "planted: $out"
q -c "DROP FUNCTION student_etl.planted()" -c "CREATE EXTENSION student_etl" >/dev/null ||
  fail "an empty superuser-owned schema was refused"
note "planted object: refused; empty superuser-owned schema: used"
note ok
