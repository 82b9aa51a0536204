-- Retention: a full snapshot of each course arrives every two days, so old deliveries are
-- purged by an admin (or a pg_cron job running as one): their facts, rejects and facet cells
-- go, their load_runs row stays (purged_at set). The latest keep_last loaded deliveries of
-- each subject are always kept -- at least the latest one, which every view reads.
CREATE FUNCTION student_etl._purge(caller regrole, keep_last integer, older_than interval)
RETURNS TABLE (run_id bigint, subject text, loaded_at timestamptz,
               students_removed bigint, rejects_removed bigint, facet_cells_removed bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    IF NOT student_etl._has_profile(caller, 'admin') THEN
        RAISE EXCEPTION 'permission denied to purge deliveries' USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Role %s does not hold the student_etl profile "admin".', caller);
    END IF;
    IF keep_last IS NULL OR keep_last < 1 THEN
        RAISE EXCEPTION 'keep_last must be at least 1: the latest delivery of a subject is never purged'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR r IN SELECT x.run_id, x.subject, x.finished_at
               FROM (SELECT lr.run_id, lr.subject, lr.finished_at,
                            row_number() OVER (PARTITION BY lr.subject ORDER BY lr.run_id DESC) AS newer
                       FROM student_etl.load_runs lr
                      WHERE lr.status = 'loaded' AND lr.purged_at IS NULL) x
              WHERE x.newer > keep_last
                AND (older_than IS NULL OR x.finished_at < clock_timestamp() - older_than)
              ORDER BY x.run_id LOOP
        run_id := r.run_id;
        subject := r.subject;
        loaded_at := r.finished_at;
        DELETE FROM student_etl.student_performance_history p WHERE p.run_id = r.run_id;
        GET DIAGNOSTICS students_removed = ROW_COUNT;
        DELETE FROM student_etl.rejected_rows x WHERE x.run_id = r.run_id;
        GET DIAGNOSTICS rejects_removed = ROW_COUNT;
        DELETE FROM student_etl.reject_issues i WHERE i.run_id = r.run_id;
        DELETE FROM student_etl.run_facets f WHERE f.run_id = r.run_id;
        GET DIAGNOSTICS facet_cells_removed = ROW_COUNT;
        -- Which loaded record missed what goes with the records; the run's counts stay.
        DELETE FROM student_etl.missing_values m WHERE m.run_id = r.run_id;
        UPDATE student_etl.load_runs lr SET purged_at = clock_timestamp() WHERE lr.run_id = r.run_id;
        RETURN NEXT;
    END LOOP;
END
$$;

CREATE FUNCTION student_etl.purge(keep_last integer DEFAULT 10, older_than interval DEFAULT NULL)
RETURNS TABLE (run_id bigint, subject text, loaded_at timestamptz,
               students_removed bigint, rejects_removed bigint, facet_cells_removed bigint)
AS 'MODULE_PATHNAME', 'student_etl_owner_call'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl.purge(integer, interval) IS
    'Admin: remove the rows, rejects and facet cells of loaded deliveries beyond the latest keep_last of each subject (and, if given, older than older_than); their load_runs rows stay, marked purged_at. Returns what it removed.';
COMMENT ON FUNCTION student_etl._purge(regrole, integer, interval) IS
    'purge() for caller (admin profile): removes old deliveries'' facts, rejects and facet cells, keeps their load_runs rows. Owner only.';
