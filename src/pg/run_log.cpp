// See run_log.hpp.
#include "run_log.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
}

namespace student_etl::pg {

namespace {

// Runs one fixed statement with parameters; returns the int8 in the first column of the
// first row, or 0 when there is none.
int64 run_sql(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls, int expect)
{
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "student_etl: SPI_connect failed");
    int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
    if (rc != expect)
        elog(ERROR, "student_etl: run log statement failed: %s", SPI_result_code_string(rc));
    int64 result = 0;
    if (SPI_processed > 0 && SPI_tuptable != nullptr) {
        bool isnull = true;
        Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
        if (!isnull)
            result = DatumGetInt64(d);
    }
    SPI_finish();
    return result;
}

}  // namespace

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
    return run_sql("SELECT run_id FROM student_etl.load_runs"
                   " WHERE checksum = $1 AND status = 'loaded' ORDER BY run_id LIMIT 1",
                   1, types, values, nullptr, SPI_OK_SELECT);
}

int64 insert_run(const DeliveryFile* file, const char* subject, const char* status, int64 duplicate_of)
{
    Oid types[] = {TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, INT8OID};
    Datum values[] = {
        CStringGetTextDatum(file->given_path),
        CStringGetTextDatum(file->resolved_path),
        Int64GetDatum(static_cast<int64>(file->st.st_size)),
        CStringGetTextDatum(file->checksum),
        CStringGetTextDatum(subject),
        CStringGetTextDatum(status),
        Int64GetDatum(duplicate_of),
    };
    const char nulls[] = {' ', ' ', ' ', ' ', ' ', ' ', duplicate_of ? ' ' : 'n'};
    return run_sql("INSERT INTO student_etl.load_runs"
                   " (file_path, resolved_path, file_size, checksum, subject, status, duplicate_of,"
                   "  started_at, finished_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp(),"
                   "  CASE WHEN $6 = 'skipped' THEN clock_timestamp() END)"
                   " RETURNING run_id",
                   7, types, values, nulls, SPI_OK_INSERT_RETURNING);
}

void finish_run(int64 run_id, const RunCounts& counts)
{
    char delimiter[2] = {counts.delimiter, '\0'};
    Oid types[] = {INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID};
    Datum values[] = {
        Int64GetDatum(run_id),
        Int64GetDatum(static_cast<int64>(counts.rows_read)),
        Int64GetDatum(static_cast<int64>(counts.rows_loaded)),
        Int64GetDatum(static_cast<int64>(counts.rows_rejected)),
        CStringGetTextDatum(delimiter),
    };
    run_sql("UPDATE student_etl.load_runs SET status = 'loaded', rows_read = $2, rows_loaded = $3,"
            " rows_rejected = $4, delimiter = $5, finished_at = clock_timestamp()"
            " WHERE run_id = $1",
            5, types, values, nullptr, SPI_OK_UPDATE);
}

}  // namespace student_etl::pg
