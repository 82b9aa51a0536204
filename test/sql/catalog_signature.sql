-- One line per catalog fact of the installed student_etl, in a stable order: what an install
-- and an upgrade must agree on (test/integration/upgrade.sh diffs two databases' output).
-- Columns are compared in order (a SELECT * sees the order); dropped columns are invisible.
WITH ext AS (
    SELECT oid, extconfig FROM pg_catalog.pg_extension WHERE extname = 'student_etl'
), members AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d, ext
     WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), rels AS (
    SELECT c.oid, c.oid::regclass::text AS name, c.relkind FROM pg_catalog.pg_class c
     WHERE (('pg_catalog.pg_class'::regclass, c.oid) IN (SELECT classid, objid FROM members))
), procs AS (
    SELECT p.oid, p.oid::regprocedure::text AS name FROM pg_catalog.pg_proc p
     WHERE (('pg_catalog.pg_proc'::regclass, p.oid) IN (SELECT classid, objid FROM members))
)
SELECT line FROM (
    SELECT format('relation|%s|kind=%s rls=%s options=%s acl=%s comment=%s', r.name, r.relkind, c.relrowsecurity,
                  c.reloptions, c.relacl, pg_catalog.obj_description(r.oid, 'pg_class')) AS line
      FROM rels r JOIN pg_catalog.pg_class c ON c.oid = r.oid
    UNION ALL
    SELECT format('column|%s|%s %s %s notnull=%s default=%s generated=%s acl=%s comment=%s', r.name,
                  row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum), a.attname,
                  pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attgenerated, a.attacl,
                  pg_catalog.col_description(r.oid, a.attnum))
      FROM rels r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
     WHERE r.relkind IN ('r', 'v', 'm', 'p')
    UNION ALL
    SELECT format('constraint|%s|%s %s', r.name, co.conname, pg_catalog.pg_get_constraintdef(co.oid))
      FROM rels r JOIN pg_catalog.pg_constraint co ON co.conrelid = r.oid
    UNION ALL
    SELECT format('index|%s|%s', r.name, pg_catalog.pg_get_indexdef(i.indexrelid))
      FROM rels r JOIN pg_catalog.pg_index i ON i.indrelid = r.oid
    UNION ALL
    SELECT format('policy|%s|%s %s %s', r.name, p.polname, p.polcmd, pg_catalog.pg_get_expr(p.polqual, p.polrelid))
      FROM rels r JOIN pg_catalog.pg_policy p ON p.polrelid = r.oid
    UNION ALL
    SELECT format('trigger|%s|%s', r.name, regexp_replace(t.tgname, '_[0-9]+$', ''))
      FROM rels r JOIN pg_catalog.pg_trigger t ON t.tgrelid = r.oid
    UNION ALL
    SELECT format('view|%s|%s', r.name, md5(pg_catalog.pg_get_viewdef(r.oid)))
      FROM rels r WHERE r.relkind IN ('v', 'm')
    UNION ALL
    SELECT format('function|%s|returns=%s set=%s lang=%s secdef=%s volatile=%s strict=%s parallel=%s config=%s args=%s defaults=%s body=%s symbol=%s acl=%s comment=%s',
                  f.name, pg_catalog.pg_get_function_result(f.oid), p.proretset, l.lanname, p.prosecdef, p.provolatile,
                  p.proisstrict, p.proparallel, p.proconfig, pg_catalog.pg_get_function_arguments(f.oid),
                  pg_catalog.pg_get_expr(p.proargdefaults, 0), md5(p.prosrc), p.probin, p.proacl,
                  pg_catalog.obj_description(f.oid, 'pg_proc'))
      FROM procs f JOIN pg_catalog.pg_proc p ON p.oid = f.oid JOIN pg_catalog.pg_language l ON l.oid = p.prolang
    UNION ALL
    SELECT format('config_dump|%s', c::regclass) FROM ext, unnest(ext.extconfig) AS c
    UNION ALL
    SELECT format('schema|student_etl|owner_is_super=%s acl=%s', r.rolsuper, n.nspacl)
      FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'student_etl'
    UNION ALL
    SELECT format('other_member|%s|%s', m.classid::regclass, pg_catalog.pg_describe_object(m.classid, m.objid, 0))
      FROM members m WHERE m.classid NOT IN ('pg_catalog.pg_class'::regclass, 'pg_catalog.pg_proc'::regclass)
    UNION ALL
    SELECT format('profile_right|%s|%s %s', profile, object, privilege) FROM student_etl.profile_rights
    UNION ALL
    SELECT format('profile|%s|%s %s', profile, rank, description) FROM student_etl.profiles
    UNION ALL
    -- Stored expressions hold parse locations, so compare each with its own table's.
    SELECT format('validated_check|%s|matches_the_table=%s', v.conname, v.conbin = c.conbin::text)
      FROM student_etl.validated_checks v
      LEFT JOIN pg_catalog.pg_constraint c
        ON c.conrelid = 'student_etl.student_performance_history'::regclass AND c.conname = v.conname
) facts
ORDER BY line COLLATE "C";
