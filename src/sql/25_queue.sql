-- The load queue: jobs recorded by enqueue() and run by the background worker, one load per
-- job in its own transaction, as the role that enqueued it. Each job belongs to that role
-- (by OID): loaders see their own jobs (row-level security), admins see all, nobody writes.
CREATE TABLE student_etl.load_jobs (
    job_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path         text NOT NULL CHECK (path ~ '^/'),
    subject      text CHECK (subject IN ('math', 'portuguese')),
    state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    run_id       bigint REFERENCES student_etl.load_runs (run_id),
    error        text,
    attempts     integer NOT NULL DEFAULT 0,
    enqueued_by  regrole NOT NULL,
    enqueued_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    started_at   timestamptz,
    finished_at  timestamptz,
    spool        boolean NOT NULL DEFAULT false,
    moved_to     text,
    CONSTRAINT load_jobs_error_iff_failed CHECK ((state = 'failed') = (error IS NOT NULL)),
    CONSTRAINT load_jobs_done_has_run CHECK (state <> 'done' OR run_id IS NOT NULL OR path ~ '/$')
);
CREATE INDEX load_jobs_queued ON student_etl.load_jobs (job_id) WHERE state IN ('queued', 'running');

COMMENT ON TABLE student_etl.load_jobs IS
    'Deliveries queued by student_etl.enqueue(): queued -> running -> done | failed, with the load_runs row of the outcome.';
COMMENT ON COLUMN student_etl.load_jobs.path IS
    'A delivery file, or a directory (ending in /) whose settled files are all loaded and moved, like the inbox.';
COMMENT ON COLUMN student_etl.load_jobs.run_id IS
    'The load_runs row of the outcome (loaded, skipped or failed); null for a directory job.';
COMMENT ON COLUMN student_etl.load_jobs.spool IS
    'A file the worker claimed from the inbox or a directory job (in claimed/): moved to processed/ or failed/ once its load ends.';
COMMENT ON COLUMN student_etl.load_jobs.moved_to IS 'Where a spool file went after its load (processed/ or failed/).';
COMMENT ON COLUMN student_etl.load_jobs.attempts IS
    'How many times the worker started this job; one interrupted by a crash is given up after student_etl.max_attempts.';
COMMENT ON COLUMN student_etl.load_jobs.enqueued_by IS
    'The role that called enqueue() (by OID), which the worker loads as. Set by enqueue(), never by a user.';

ALTER TABLE student_etl.load_jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY load_jobs_own_or_admin ON student_etl.load_jobs FOR SELECT
    USING (pg_catalog.pg_has_role(enqueued_by::oid, 'USAGE') OR student_etl._has_profile(current_user::regrole, 'admin'));

SELECT pg_catalog.pg_extension_config_dump('student_etl.load_jobs', '');
SELECT pg_catalog.pg_extension_config_dump('student_etl.load_jobs_job_id_seq', '');

CREATE FUNCTION student_etl.enqueue(path text, subject text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'student_etl_enqueue'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION student_etl.enqueue(text, text) IS
    'Queue one delivery (or a directory, ending in /) for the background worker, which loads it as the caller; returns the job_id. The worker wakes at commit.';

CREATE FUNCTION student_etl.retry(run_id bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'student_etl_retry'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION student_etl.retry(bigint) IS
    'Queue a failed run''s file again, for you (loader profile): from failed/ if the worker moved it there, else from the path it was loaded from. Returns the job_id.';
