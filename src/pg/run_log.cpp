// See run_log.hpp.
#include "run_log.hpp"

#include "spi.hpp"

#include "schema.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
}

#include <climits>
#include <cstdlib>
#include <sys/stat.h>

namespace student_etl::pg {

void lock_content_size(uint64 size)
{
    // Two int4 keys, so the lock shows in pg_locks as classid 1398031701 (the job locks' + 1) and
    // objid = the size folded into 31 bits; sizes that fold alike only wait for each other.
    const int32 folded = static_cast<int32>((size ^ (size >> 31) ^ (size >> 62)) & 0x7fffffff);
    DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(kContentLockClass), Int32GetDatum(folded));
}

bool loaded_run_of_size_exists(uint64 size)
{
    Oid types[] = {INT8OID};
    Datum values[] = {Int64GetDatum(static_cast<int64>(size))};
    return run_sql_bool("SELECT EXISTS (SELECT FROM student_etl.load_runs"
                        " WHERE file_size = $1 AND status = 'loaded' AND purged_at IS NULL)",
                        SqlArgs{1, types, values, nullptr});
}

int64 reserve_run_id()
{
    return run_sql_int8("SELECT pg_catalog.nextval('student_etl.load_runs_run_id_seq'::pg_catalog.regclass)",
                        kNoArgs, SPI_OK_SELECT);
}

int64 find_loaded_run(const char* checksum)
{
    Oid types[] = {TEXTOID};
    Datum values[] = {CStringGetTextDatum(checksum)};
    return run_sql_int8("SELECT run_id FROM student_etl.load_runs"
                        " WHERE checksum = $1 AND status = 'loaded' AND purged_at IS NULL ORDER BY run_id LIMIT 1",
                        SqlArgs{1, types, values, nullptr}, SPI_OK_SELECT);
}

int64 insert_skipped_run(const DeliveryFile* file, const char* subject, int64 duplicate_of, const char* loaded_by)
{
    Oid types[] = {TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, INT8OID, NAMEOID};
    Datum values[] = {
        CStringGetTextDatum(file->given_path),
        CStringGetTextDatum(file->resolved_path),
        Int64GetDatum(static_cast<int64>(file->st.st_size)),
        CStringGetTextDatum(file->checksum),
        CStringGetTextDatum(subject),
        Int64GetDatum(duplicate_of),
        CStringGetDatum(loaded_by),
    };
    return run_sql_int8("INSERT INTO student_etl.load_runs"
                        " (file_path, resolved_path, file_size, checksum, subject, status, duplicate_of, loaded_by,"
                        "  started_at, finished_at)"
                        " VALUES ($1, $2, $3, $4, $5, 'skipped', $6, $7, clock_timestamp(), clock_timestamp())"
                        " RETURNING run_id",
                        SqlArgs{7, types, values, nullptr}, SPI_OK_INSERT_RETURNING);
}

void insert_loaded_run(const LoadedRun& run)
{
    const DeliveryFile* file = run.file;
    const RunCounts& counts = run.counts;
    char delimiter[2] = {counts.delimiter, '\0'};
    Oid types[] = {INT8OID, TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, NAMEOID, TIMESTAMPTZOID,
                   INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID};
    Datum values[] = {
        Int64GetDatum(run.run_id),
        CStringGetTextDatum(file->given_path),
        CStringGetTextDatum(file->resolved_path),
        Int64GetDatum(static_cast<int64>(file->st.st_size)),
        CStringGetTextDatum(file->checksum),
        CStringGetTextDatum(run.subject),
        CStringGetDatum(run.loaded_by),
        TimestampTzGetDatum(run.started_at),
        Int64GetDatum(static_cast<int64>(counts.rows_read)),
        Int64GetDatum(static_cast<int64>(counts.rows_loaded)),
        Int64GetDatum(static_cast<int64>(counts.rows_rejected)),
        Int64GetDatum(static_cast<int64>(counts.rows_with_missing)),
        CStringGetTextDatum(delimiter),
    };
    run_sql("INSERT INTO student_etl.load_runs"
            " (run_id, file_path, resolved_path, file_size, checksum, subject, status, loaded_by, started_at,"
            "  rows_read, rows_loaded, rows_rejected, rows_with_missing, delimiter, finished_at)"
            " OVERRIDING SYSTEM VALUE"
            " VALUES ($1, $2, $3, $4, $5, $6, 'loaded', $7, $8, $9, $10, $11, $12, $13, clock_timestamp())",
            SqlArgs{13, types, values, nullptr}, SPI_OK_INSERT);
}

int64 insert_failed_run(const FailedRun& f)
{
    // What can still be said of the file: where it resolves to and its size, if it is there.
    char resolved[PATH_MAX];
    const bool have_resolved = realpath(f.path, resolved) != nullptr;
    struct stat st;
    const bool have_size = have_resolved && stat(resolved, &st) == 0 && S_ISREG(st.st_mode);
    const char* subject = f.subject;
    if (subject == nullptr) {
        auto inferred = infer_subject_from_path(f.path);
        if (inferred)
            subject = pnstrdup(inferred->data(), inferred->size());
    }
    Oid types[] = {TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, NAMEOID, TIMESTAMPTZOID};
    Datum values[] = {
        CStringGetTextDatum(text_safe(f.path)),
        have_resolved ? CStringGetTextDatum(text_safe(resolved)) : (Datum) 0,
        Int64GetDatum(have_size ? static_cast<int64>(st.st_size) : 0),
        subject ? CStringGetTextDatum(subject) : (Datum) 0,
        CStringGetTextDatum(f.error),
        CStringGetDatum(f.loaded_by),
        TimestampTzGetDatum(f.started_at),
    };
    const char nulls[] = {' ', have_resolved ? ' ' : 'n', have_size ? ' ' : 'n', subject ? ' ' : 'n', ' ', ' ', ' '};
    return run_sql_int8("INSERT INTO student_etl.load_runs"
                        " (file_path, resolved_path, file_size, subject, status, error, loaded_by, started_at, finished_at)"
                        " VALUES ($1, $2, $3, $4, 'failed', $5, $6, $7, clock_timestamp()) RETURNING run_id",
                        SqlArgs{7, types, values, nulls}, SPI_OK_INSERT_RETURNING);
}

}  // namespace student_etl::pg
