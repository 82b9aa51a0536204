#!/usr/bin/env bash
# The database describes itself: every table, view and function of the extension has a
# COMMENT, every student_etl.* setting a description, and each of them is named somewhere in
# README.md or docs/ (so that nothing exists that a reader cannot look up).
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

make_data_dir
make_db
q -c "CREATE EXTENSION IF NOT EXISTS pg_cron" >/dev/null 2>&1 || true
objects=$(q -F ' ' -c "
  SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'table' END, c.relname,
         obj_description(c.oid, 'pg_class') IS NOT NULL
    FROM pg_depend d JOIN pg_class c ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND c.relkind IN ('r', 'v', 'p', 'm')
     AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'student_etl')
  UNION ALL
  SELECT 'function', p.proname, bool_and(obj_description(p.oid, 'pg_proc') IS NOT NULL)
    FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
     AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'student_etl')
   GROUP BY p.proname
  UNION ALL
  SELECT 'setting', name, coalesce(short_desc, '') <> '' FROM pg_settings WHERE name LIKE 'student\_etl.%'
  ORDER BY 1, 2") || fail "catalog query"
[ "$(wc -l <<< "$objects")" -gt 40 ] || fail "too few objects found: $objects"
docs=$(cat README.md docs/*.md)
undescribed=() unnamed=()
while read -r kind name described; do
  [ "$described" = t ] || undescribed+=("$kind $name")
  grep -qF -- "$name" <<< "$docs" || unnamed+=("$kind $name")
done <<< "$objects"
((${#undescribed[@]} == 0)) || fail "without a COMMENT or description: ${undescribed[*]}"
((${#unnamed[@]} == 0)) || fail "named nowhere in README.md or docs/: ${unnamed[*]}"
note "$(wc -l <<< "$objects") tables, views, functions and settings: each described in the catalog and named in the docs"
note ok
