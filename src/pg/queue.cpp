// SQL entry: student_etl.enqueue(path text, subject text DEFAULT NULL) RETURNS bigint, and the
// commit-time wake-up of the background worker.
//
// enqueue() inserts a student_etl.load_jobs row; the worker claims it with FOR UPDATE SKIP
// LOCKED and loads it as the role that enqueued it (worker.cpp). The worker's latch is set
// when the enqueuing transaction commits -- not before, or it would wake up to find nothing.
#include "delivery_file.hpp"
#include "guard.hpp"
#include "settings.hpp"
#include "worker_shmem.hpp"

#include "schema.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
}

#include <cstring>
#include <sys/stat.h>

namespace student_etl::pg {

namespace {

bool wake_at_commit = false;

void queue_xact_callback(XactEvent event, void* /*arg*/)
{
    switch (event) {
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_PARALLEL_COMMIT:
        if (wake_at_commit)
            wake_worker();
        wake_at_commit = false;
        break;
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
    case XACT_EVENT_PREPARE:   // the worker finds a prepared job by polling once committed
        wake_at_commit = false;
        break;
    default:
        break;
    }
}

Datum enqueue_impl(FunctionCallInfo fcinfo)
{
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("path must not be null")));
    check_load_privilege();
    const char* path = text_to_cstring(PG_GETARG_TEXT_PP(0));
    if (path[0] != '/')
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("delivery path \"%s\" must be absolute", path)));
    const char* subject = nullptr;
    if (!PG_ARGISNULL(1)) {
        const char* given = text_to_cstring(PG_GETARG_TEXT_PP(1));
        auto normalized = normalize_subject(given);
        if (!normalized)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("subject \"%s\" is not one of math, portuguese", given)));
        subject = pnstrdup(normalized->data(), normalized->size());
    }
    // A directory is a sweep job: every settled file in it is loaded and moved, like the inbox.
    size_t len = strlen(path);
    struct stat st;
    if (path[len - 1] != '/' && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        path = psprintf("%s/", path);

    Oid types[] = {TEXTOID, TEXTOID};
    Datum values[] = {CStringGetTextDatum(path), subject ? CStringGetTextDatum(subject) : (Datum) 0};
    const char nulls[] = {' ', subject ? ' ' : 'n'};
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "student_etl: SPI_connect failed");
    int rc = SPI_execute_with_args("INSERT INTO student_etl.load_jobs (path, subject) VALUES ($1, $2)"
                                   " RETURNING job_id",
                                   2, types, values, nulls, false, 1);
    if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
        elog(ERROR, "student_etl: could not queue the job: %s", SPI_result_code_string(rc));
    bool isnull = true;
    int64 job_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    SPI_finish();
    wake_at_commit = true;

    if (!worker_registered)
        ereport(WARNING,
                (errmsg("no student_etl worker runs on this server: job %lld waits",
                        static_cast<long long>(job_id)),
                 errhint("Add student_etl to shared_preload_libraries and restart the server.")));
    else if (worker_database_name == nullptr || strcmp(worker_database_name, get_database_name(MyDatabaseId)) != 0)
        ereport(WARNING,
                (errmsg("the student_etl worker serves database \"%s\", not this one: job %lld waits",
                        worker_database_name ? worker_database_name : "", static_cast<long long>(job_id)),
                 errhint("Set student_etl.database_name to this database and restart the server.")));
    PG_RETURN_INT64(job_id);
}

}  // namespace

void queue_install_xact_callback()
{
    RegisterXactCallback(queue_xact_callback, nullptr);
}

}  // namespace student_etl::pg

STUDENT_ETL_SQL_FUNCTION(student_etl_enqueue, student_etl::pg::enqueue_impl)
