// See worker_catalog.hpp.
#include "worker_catalog.hpp"

#include "spi.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
}

namespace student_etl::pg {

uint64 requeue_interrupted_jobs()
{
    return run_sql("UPDATE student_etl.load_jobs SET state = 'queued', started_at = NULL WHERE state = 'running'",
                   kNoArgs, SPI_OK_UPDATE);
}

namespace {

void take_claim(void* arg)
{
    auto* job = static_cast<ClaimedJob*>(arg);
    if (SPI_processed != 1)
        return;
    HeapTuple t = SPI_tuptable->vals[0];
    TupleDesc d = SPI_tuptable->tupdesc;
    bool isnull = true;
    job->job_id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
    job->path = sql_result_text(0, 2);
    job->subject = sql_result_text(0, 3);
    job->owner = DatumGetObjectId(SPI_getbinval(t, d, 4, &isnull));
}

}  // namespace

ClaimedJob claim_job()
{
    ClaimedJob job{0, nullptr, nullptr, InvalidOid};
    run_sql("UPDATE student_etl.load_jobs SET state = 'running', started_at = clock_timestamp(),"
            " attempts = attempts + 1"
            " WHERE job_id = (SELECT job_id FROM student_etl.load_jobs WHERE state = 'queued'"
            "                  ORDER BY job_id LIMIT 1 FOR UPDATE SKIP LOCKED)"
            " RETURNING job_id, path, subject, enqueued_by::oid",
            kNoArgs, SPI_OK_UPDATE_RETURNING, take_claim, &job);
    return job;
}

void finish_job(int64 job_id, int64 run_id)
{
    Oid types[] = {INT8OID, INT8OID};
    Datum values[] = {Int64GetDatum(job_id), Int64GetDatum(run_id)};
    run_sql("UPDATE student_etl.load_jobs SET state = 'done', run_id = $2, error = NULL,"
            " finished_at = clock_timestamp() WHERE job_id = $1",
            SqlArgs{2, types, values, nullptr}, SPI_OK_UPDATE);
}

void settle_job(int64 job_id, const char* error, int64 run_id)
{
    Oid types[] = {INT8OID, TEXTOID, INT8OID};
    Datum values[] = {Int64GetDatum(job_id), error ? CStringGetTextDatum(error) : (Datum) 0, Int64GetDatum(run_id)};
    const char nulls[] = {' ', error ? ' ' : 'n', run_id ? ' ' : 'n'};
    run_sql("UPDATE student_etl.load_jobs SET state = CASE WHEN $2 IS NULL THEN 'done' ELSE 'failed' END,"
            " error = $2, run_id = coalesce($3, run_id), finished_at = clock_timestamp() WHERE job_id = $1",
            SqlArgs{3, types, values, nulls}, SPI_OK_UPDATE);
}

}  // namespace student_etl::pg
