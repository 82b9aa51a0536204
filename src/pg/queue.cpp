// SQL entries: student_etl.enqueue(path text, subject text DEFAULT NULL) RETURNS bigint and
// student_etl.retry(run_id bigint) RETURNS bigint, and the commit-time wake-up of the
// background worker.
//
// enqueue() inserts a student_etl.load_jobs row owned by the caller; the worker claims it with
// FOR UPDATE SKIP LOCKED and loads it as that role (worker.cpp). The worker's latch is set
// when the enqueuing transaction commits -- not before, or it would wake up to find nothing.
#include "allowed_paths.hpp"
#include "guard.hpp"
#include "inbox.hpp"
#include "settings.hpp"
#include "spi.hpp"
#include "trust.hpp"
#include "worker_shmem.hpp"

#include "schema.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "commands/dbcommands.h"
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

// Inserts the job (as the extension owner), wakes the worker at commit, and warns when no
// worker serves this database.
int64 queue_job(const char* path, const char* subject, Oid owner, bool spool)
{
    Oid types[] = {TEXTOID, TEXTOID, OIDOID, BOOLOID};
    Datum values[] = {CStringGetTextDatum(path), subject ? CStringGetTextDatum(subject) : (Datum) 0,
                      ObjectIdGetDatum(owner), BoolGetDatum(spool)};
    const char nulls[] = {' ', subject ? ' ' : 'n', ' ', ' '};
    SavedIdentity saved;
    act_as_owner(&saved);
    const int64 job_id = run_sql_int8("INSERT INTO student_etl.load_jobs (path, subject, enqueued_by, spool)"
                                      " VALUES ($1, $2, $3::pg_catalog.regrole, $4) RETURNING job_id",
                                      SqlArgs{4, types, values, nulls}, SPI_OK_INSERT_RETURNING);
    restore_identity(&saved);
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
    return job_id;
}

Datum enqueue_impl(FunctionCallInfo fcinfo)
{
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("path must not be null")));
    // The job belongs to the caller (by role OID): the worker loads it with the caller's
    // rights, and only the caller (or an admin) sees it.
    const Oid caller = authorize_caller("loader", "queue deliveries");
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
    // Refused now rather than failed later: a path outside allowed_dirs, and a directory the
    // worker could not sweep (its processed/ and failed/ would fall outside). A file that is
    // not there yet may still arrive before the worker gets to it.
    PathCheck where = check_path(path);
    if (where.verdict == PathVerdict::Outside)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("delivery \"%s\" is not under a directory listed in student_etl.allowed_dirs", path)));
    struct stat st;
    const bool is_directory = where.verdict == PathVerdict::Allowed && stat(where.resolved, &st) == 0 &&
                              S_ISDIR(st.st_mode);
    if (is_directory) {
        // A directory is a sweep job: every settled delivery in it is loaded and moved, like the inbox.
        const char* problem = directory_problem(path, false);
        if (problem != nullptr)
            ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("cannot queue %s", problem)));
        if (path[strlen(path) - 1] != '/')
            path = psprintf("%s/", path);
    } else if (path[strlen(path) - 1] == '/') {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("delivery directory \"%s\" does not exist", path)));
    }

    PG_RETURN_INT64(queue_job(path, subject, caller, false));
}

struct RetryTarget {
    bool found;
    char* status;
    char* path;
    char* subject;
    bool spool;
};

void take_retry_target(void* arg)
{
    auto* t = static_cast<RetryTarget*>(arg);
    t->found = SPI_processed == 1;
    if (!t->found)
        return;
    t->status = sql_result_text(0, 1);
    t->path = sql_result_text(0, 2);
    t->subject = sql_result_text(0, 3);
    bool isnull = true;
    t->spool = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
}

// student_etl.retry(run_id): queues a failed run's file again, for the caller -- where its
// spool job moved it (failed/, then moved on to processed/ or failed/ again), or the path it
// was loaded from.
Datum retry_impl(FunctionCallInfo fcinfo)
{
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("run_id must not be null")));
    const Oid caller = authorize_caller("loader", "retry deliveries");
    const int64 run_id = PG_GETARG_INT64(0);
    Oid types[] = {INT8OID};
    Datum values[] = {Int64GetDatum(run_id)};
    RetryTarget target{false, nullptr, nullptr, nullptr, false};
    SavedIdentity saved;
    act_as_owner(&saved);
    run_sql("SELECT r.status, coalesce(j.moved_to, r.file_path), r.subject, coalesce(j.spool, false)"
            "  FROM student_etl.load_runs r"
            "  LEFT JOIN LATERAL (SELECT jj.moved_to, jj.spool FROM student_etl.load_jobs jj"
            "                      WHERE jj.run_id = r.run_id ORDER BY jj.job_id DESC LIMIT 1) j ON true"
            " WHERE r.run_id = $1",
            SqlArgs{1, types, values, nullptr}, SPI_OK_SELECT, take_retry_target, &target);
    restore_identity(&saved);
    if (!target.found)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("there is no load run %lld", static_cast<long long>(run_id))));
    if (strcmp(target.status, "failed") != 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("load run %lld is %s, not failed", static_cast<long long>(run_id), target.status),
                        errhint("Only a failed run is retried; a delivery loaded or skipped is done.")));
    PG_RETURN_INT64(queue_job(target.path, target.subject, caller, target.spool));
}

}  // namespace

void queue_install_xact_callback()
{
    RegisterXactCallback(queue_xact_callback, nullptr);
}

}  // namespace student_etl::pg

STUDENT_ETL_SQL_FUNCTION(student_etl_enqueue, student_etl::pg::enqueue_impl)
STUDENT_ETL_SQL_FUNCTION(student_etl_retry, student_etl::pg::retry_impl)
