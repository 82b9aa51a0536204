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

void lock_checksum(const char* checksum)
{
    // The first 16 hex digits of a SHA-256 are as good a lock key as any.
    uint64 key = 0;
    for (int i = 0; i < 16; ++i) {
        char c = checksum[i];
        key = (key << 4) | static_cast<uint64>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    DirectFunctionCall1(pg_advisory_xact_lock_int8, Int64GetDatum(static_cast<int64>(key)));
}

int64 find_loaded_run(const char* checksum)
{
    Oid types[] = {TEXTOID};
    Datum values[] = {CStringGetTextDatum(checksum)};
    return run_sql_int8("SELECT run_id FROM student_etl.load_runs"
                        " WHERE checksum = $1 AND status = 'loaded' AND purged_at IS NULL ORDER BY run_id LIMIT 1",
                        SqlArgs{1, types, values, nullptr}, SPI_OK_SELECT);
}

int64 insert_run(const DeliveryFile* file, const char* subject, const char* status, int64 duplicate_of,
                 const char* loaded_by)
{
    Oid types[] = {TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, INT8OID, NAMEOID};
    Datum values[] = {
        CStringGetTextDatum(file->given_path),
        CStringGetTextDatum(file->resolved_path),
        Int64GetDatum(static_cast<int64>(file->st.st_size)),
        CStringGetTextDatum(file->checksum),
        CStringGetTextDatum(subject),
        CStringGetTextDatum(status),
        Int64GetDatum(duplicate_of),
        CStringGetDatum(loaded_by),
    };
    const char nulls[] = {' ', ' ', ' ', ' ', ' ', ' ', duplicate_of ? ' ' : 'n', ' '};
    return run_sql_int8("INSERT INTO student_etl.load_runs"
                        " (file_path, resolved_path, file_size, checksum, subject, status, duplicate_of, loaded_by,"
                        "  started_at, finished_at)"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, clock_timestamp(),"
                        "  CASE WHEN $6 = 'skipped' THEN clock_timestamp() END)"
                        " RETURNING run_id",
                        SqlArgs{8, types, values, nulls}, SPI_OK_INSERT_RETURNING);
}

void finish_run(int64 run_id, const RunCounts& counts)
{
    char delimiter[2] = {counts.delimiter, '\0'};
    Oid types[] = {INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID, INT8OID};
    Datum values[] = {
        Int64GetDatum(run_id),
        Int64GetDatum(static_cast<int64>(counts.rows_read)),
        Int64GetDatum(static_cast<int64>(counts.rows_loaded)),
        Int64GetDatum(static_cast<int64>(counts.rows_rejected)),
        CStringGetTextDatum(delimiter),
        Int64GetDatum(static_cast<int64>(counts.rows_with_missing)),
    };
    run_sql("UPDATE student_etl.load_runs SET status = 'loaded', rows_read = $2, rows_loaded = $3,"
            " rows_rejected = $4, delimiter = $5, rows_with_missing = $6, finished_at = clock_timestamp()"
            " WHERE run_id = $1",
            SqlArgs{6, types, values, nullptr}, SPI_OK_UPDATE);
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
