// See worker_catalog.hpp.
#include "worker_catalog.hpp"

#include "spi.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "storage/lock.h"
#include "utils/builtins.h"
}

namespace student_etl::pg {

namespace {

// Session-level advisory locks (pg_locks: locktype advisory, classid 1398031700 = 'STET'):
// objid = a running job's id (mod 2^31), held by the worker loading it for as long as it
// does; a job 'running' whose lock is free belongs to a worker that died. objid -1 (shown as
// 4294967295) is held while a worker sweeps a directory.
#define JOB_LOCK(fn, job_id_expr) \
    "pg_catalog." fn "(1398031700, pg_catalog.mod(" job_id_expr ", 2147483648)::int4)"
constexpr const char* kSweepLock = "SELECT pg_catalog.pg_advisory_lock(1398031700, -1)";
constexpr const char* kSweepUnlock = "SELECT pg_catalog.pg_advisory_unlock(1398031700, -1)";

// RETURNING job_id, path, subject, enqueued_by::oid, spool, attempts
constexpr const char* kJobColumns = "job_id, path, subject, enqueued_by::oid, spool, attempts";

void take_job(void* arg)
{
    auto* job = static_cast<ClaimedJob*>(arg);
    if (SPI_processed == 0)
        return;
    HeapTuple t = SPI_tuptable->vals[0];
    TupleDesc d = SPI_tuptable->tupdesc;
    bool isnull = true;
    job->job_id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
    job->path = sql_result_text(0, 2);
    job->subject = sql_result_text(0, 3);
    job->owner = DatumGetObjectId(SPI_getbinval(t, d, 4, &isnull));
    job->spool = DatumGetBool(SPI_getbinval(t, d, 5, &isnull));
    job->attempts = DatumGetInt32(SPI_getbinval(t, d, 6, &isnull));
}

}  // namespace

uint64 requeue_interrupted_jobs(int max_attempts)
{
    Oid types[] = {INT4OID};
    Datum values[] = {Int32GetDatum(max_attempts)};
    return run_sql("UPDATE student_etl.load_jobs SET state = 'queued', started_at = NULL"
                   " WHERE CASE WHEN state = 'running' AND attempts < $1"
                   "            THEN " JOB_LOCK("pg_try_advisory_xact_lock", "job_id") " ELSE false END",
                   SqlArgs{1, types, values, nullptr}, SPI_OK_UPDATE);
}

ClaimedJob next_job_to_give_up(int max_attempts)
{
    ClaimedJob job{0, nullptr, nullptr, InvalidOid, false, 0};
    Oid types[] = {INT4OID};
    Datum values[] = {Int32GetDatum(max_attempts)};
    run_sql(psprintf("SELECT %s FROM student_etl.load_jobs"
                     " WHERE CASE WHEN state = 'running' AND attempts >= $1"
                     "            THEN " JOB_LOCK("pg_try_advisory_lock", "job_id") " ELSE false END"
                     " ORDER BY job_id LIMIT 1",
                     kJobColumns),
            SqlArgs{1, types, values, nullptr}, SPI_OK_SELECT, take_job, &job);
    return job;
}

ClaimedJob claim_job()
{
    ClaimedJob job{0, nullptr, nullptr, InvalidOid, false, 0};
    run_sql(psprintf("UPDATE student_etl.load_jobs SET state = 'running', started_at = clock_timestamp(),"
                     " attempts = attempts + 1"
                     " WHERE job_id = (SELECT job_id FROM student_etl.load_jobs WHERE state = 'queued'"
                     "                  ORDER BY job_id LIMIT 1 FOR UPDATE SKIP LOCKED)"
                     " RETURNING %s, " JOB_LOCK("pg_advisory_lock", "job_id"),
                     kJobColumns),
            kNoArgs, SPI_OK_UPDATE_RETURNING, take_job, &job);
    return job;
}

void lock_directory_sweeps()
{
    run_sql(kSweepLock, kNoArgs, SPI_OK_SELECT);
}

void unlock_directory_sweeps()
{
    run_sql(kSweepUnlock, kNoArgs, SPI_OK_SELECT);
}

void release_worker_locks()
{
    LockReleaseSession(USER_LOCKMETHOD);
}

int64 queue_spool_file(const char* path, Oid owner)
{
    Oid types[] = {TEXTOID, OIDOID};
    Datum values[] = {CStringGetTextDatum(path), ObjectIdGetDatum(owner)};
    return run_sql_int8("INSERT INTO student_etl.load_jobs (path, enqueued_by, spool)"
                        " VALUES ($1, $2::pg_catalog.regrole, true) RETURNING job_id",
                        SqlArgs{2, types, values, nullptr}, SPI_OK_INSERT_RETURNING);
}

bool path_has_live_job(const char* path)
{
    Oid types[] = {TEXTOID};
    Datum values[] = {CStringGetTextDatum(path)};
    return run_sql_bool("SELECT EXISTS (SELECT FROM student_etl.load_jobs"
                        " WHERE path = $1 AND state IN ('queued', 'running'))",
                        SqlArgs{1, types, values, nullptr});
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

void record_moved(int64 job_id, const char* moved_to)
{
    Oid types[] = {INT8OID, TEXTOID};
    Datum values[] = {Int64GetDatum(job_id), CStringGetTextDatum(moved_to)};
    run_sql("UPDATE student_etl.load_jobs SET moved_to = $2 WHERE job_id = $1", SqlArgs{2, types, values, nullptr},
            SPI_OK_UPDATE);
}

}  // namespace student_etl::pg
