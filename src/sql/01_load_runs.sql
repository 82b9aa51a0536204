-- One row per call of load(): the audit trail of every delivery, loaded or skipped -- and, for
-- deliveries loaded by the background worker, failed (recorded after the load rolled back).
CREATE TABLE student_etl.load_runs (
    run_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_path      text NOT NULL,
    resolved_path  text,
    file_size      bigint CHECK (file_size >= 0),
    checksum       text CHECK (checksum ~ '^[0-9a-f]{64}$'),
    subject        text CHECK (subject IN ('math', 'portuguese')),
    status         text NOT NULL CHECK (status IN ('running', 'loaded', 'skipped', 'failed')),
    delimiter      text,
    rows_read      bigint NOT NULL DEFAULT 0,
    rows_loaded    bigint NOT NULL DEFAULT 0,
    rows_rejected  bigint NOT NULL DEFAULT 0,
    duplicate_of   bigint,
    error          text,
    loaded_by      name NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at    timestamptz,
    purged_at      timestamptz CONSTRAINT load_runs_purged_only_if_loaded CHECK (purged_at IS NULL OR status = 'loaded'),
    rows_with_missing bigint NOT NULL DEFAULT 0,
    CONSTRAINT load_runs_missing_within_loaded CHECK (rows_with_missing <= rows_loaded),
    CHECK (rows_read = rows_loaded + rows_rejected),
    CHECK ((status = 'skipped') = (duplicate_of IS NOT NULL)),
    -- A failed file may not have been resolved, sized or read; every other run has all three.
    CONSTRAINT load_runs_file_known_unless_failed
    CHECK (status = 'failed' OR (resolved_path IS NOT NULL AND file_size IS NOT NULL AND checksum IS NOT NULL)),
    CONSTRAINT load_runs_error_iff_failed CHECK ((status = 'failed') = (error IS NOT NULL))
);
-- A given content is loaded at most once (while its rows are kept: a purged delivery sent
-- again loads again); concurrent loads are serialised by load() itself, this index is the
-- backstop.
CREATE UNIQUE INDEX load_runs_one_load_per_checksum
    ON student_etl.load_runs (checksum) WHERE status = 'loaded' AND purged_at IS NULL;
CREATE INDEX load_runs_started_at ON student_etl.load_runs (started_at);
-- Loads look up loaded files of their size: only such a file can be a duplicate, and only
-- then is the checksum computed before the parse pass.
CREATE INDEX load_runs_loaded_size
    ON student_etl.load_runs (file_size) WHERE status = 'loaded' AND purged_at IS NULL;

COMMENT ON TABLE student_etl.load_runs IS
    'One row per student_etl.load() call: file, SHA-256 checksum, status, row counts, times.';
COMMENT ON COLUMN student_etl.load_runs.checksum IS 'SHA-256 of the file content, lower-case hex.';
COMMENT ON COLUMN student_etl.load_runs.duplicate_of IS
    'For skipped runs: the run that loaded this content (always an earlier loaded run; not a declared foreign key, which would make pg_dump warn of a cycle on every backup).';
COMMENT ON COLUMN student_etl.load_runs.error IS 'For failed runs (background worker only): the error text.';
COMMENT ON COLUMN student_etl.load_runs.purged_at IS
    'When student_etl.purge() removed this loaded run''s rows, rejects and facet cells; the audit row stays.';
COMMENT ON COLUMN student_etl.load_runs.rows_with_missing IS
    'Loaded records with at least one missing value, kept as NULL or replaced by a default (student_etl.missing_value_policy); part of rows_loaded.';
COMMENT ON COLUMN student_etl.load_runs.loaded_by IS
    'The role the delivery was loaded for: who called load(), or the owner of the queued job. Set by the extension, never by a user.';

SELECT pg_catalog.pg_extension_config_dump('student_etl.load_runs', '');
-- The run id sequence too, or a restored database would hand out run ids already taken.
SELECT pg_catalog.pg_extension_config_dump('student_etl.load_runs_run_id_seq', '');
