// The background worker: serves the load queue (student_etl.load_jobs) and the inbox
// (student_etl.inbox_dir) of the database named by student_etl.database_name.
//
// Every delivery is loaded by load_delivery() -- the code path of student_etl.load() -- in its
// own transaction. A failed load is rolled back, then recorded (a 'failed' load_runs row, the
// job's error) in a new transaction. PostgreSQL-side code (guard.hpp): the frames here hold
// plain data only; errors are caught with PG_TRY in run_transaction(), which holds no C++
// object; the one call into C++ (load_delivery) goes through run_cpp().
//
// Crash windows:
//  * A job is claimed ('running') in one transaction and loaded + marked 'done' in the next.
//    A crash between the two leaves it 'running' with nothing loaded: the worker puts every
//    'running' job back to 'queued' when it starts (it is the only consumer of the queue).
//  * An inbox file is moved after its load committed. A crash in between leaves it in the
//    inbox: it is loaded again, found by checksum, recorded as 'skipped' and then moved.
#include "delivery_file.hpp"
#include "guard.hpp"
#include "inbox.hpp"
#include "load_pipeline.hpp"
#include "settings.hpp"
#include "worker_shmem.hpp"

#include "schema.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

#include <climits>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

extern "C" PGDLLEXPORT void student_etl_worker_main(Datum arg);

namespace student_etl::pg {

namespace {

using TransactionBody = void (*)(void* arg);

// Runs body in a transaction of its own. True if it committed. Otherwise the error is logged,
// the transaction rolled back, and its message copied into *error (allocated in the memory
// context current at the call). A C-style frame: nothing here has a destructor.
bool run_transaction(const char* activity, TransactionBody body, void* arg, char** error)
{
    MemoryContext caller = CurrentMemoryContext;
    volatile bool ok = true;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    pgstat_report_activity(STATE_RUNNING, activity);
    PG_TRY();
    {
        PushActiveSnapshot(GetTransactionSnapshot());
        body(arg);
        PopActiveSnapshot();
        CommitTransactionCommand();
    }
    PG_CATCH();
    {
        HOLD_INTERRUPTS();
        MemoryContextSwitchTo(caller);
        ErrorData* edata = CopyErrorData();
        EmitErrorReport();
        AbortCurrentTransaction();
        FlushErrorState();
        RESUME_INTERRUPTS();
        if (error != nullptr)
            *error = edata->detail ? psprintf("%s (%s)", edata->message, edata->detail)
                                   : pstrdup(edata->message ? edata->message : "unknown error");
        FreeErrorData(edata);
        ok = false;
    }
    PG_END_TRY();
    MemoryContextSwitchTo(caller);
    pgstat_report_activity(STATE_IDLE, nullptr);
    pgstat_report_stat(false);
    return ok;
}

// SPI helpers for the worker's bookkeeping: fixed statements, parameters only.
void spi_run(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls, int expect)
{
    int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
    if (rc != expect)
        elog(ERROR, "student_etl worker: statement failed: %s", SPI_result_code_string(rc));
}

char* copy_value(HeapTuple tuple, TupleDesc desc, int column, MemoryContext into)
{
    char* v = SPI_getvalue(tuple, desc, column);
    return v ? MemoryContextStrdup(into, v) : nullptr;
}

// ---- is the extension there? -------------------------------------------------------------

void check_ready_body(void* arg)
{
    bool* ready = static_cast<bool*>(arg);
    Oid nsp = get_namespace_oid("student_etl", true);
    *ready = OidIsValid(get_extension_oid("student_etl", true)) && OidIsValid(nsp) &&
             OidIsValid(get_relname_relid("load_jobs", nsp));
}

void reset_running_body(void* /*arg*/)
{
    SPI_connect();
    spi_run("UPDATE student_etl.load_jobs SET state = 'queued', started_at = NULL WHERE state = 'running'",
            0, nullptr, nullptr, nullptr, SPI_OK_UPDATE);
    if (SPI_processed > 0)
        ereport(LOG, (errmsg("student_etl worker: %llu interrupted job(s) queued again",
                             static_cast<unsigned long long>(SPI_processed))));
    SPI_finish();
}

// ---- one load, as a given role ------------------------------------------------------------

struct LoadRequest {
    const char* path;
    const char* subject;   // may be null
    Oid role;              // InvalidOid: the worker's own user
    int64 job_id;          // 0 for an inbox file
    // out
    int64 run_id;
    const char* status;    // static string
};

void load_body(void* arg)
{
    auto* req = static_cast<LoadRequest*>(arg);
    Oid saved_user;
    int saved_context;
    GetUserIdAndSecContext(&saved_user, &saved_context);
    if (OidIsValid(req->role))
        SetUserIdAndSecContext(req->role, saved_context | SECURITY_LOCAL_USERID_CHANGE);
    LoadOutcome outcome{};
    // load_delivery raises with ereport; run_cpp is the last line of defence against C++.
    if (!run_cpp([&] { outcome = load_delivery(req->path, req->subject); }))
        raise_caught_error(psprintf("loading \"%s\"", req->path));
    SetUserIdAndSecContext(saved_user, saved_context);
    req->run_id = outcome.run_id;
    req->status = strcmp(outcome.status, "loaded") == 0 ? "loaded" : "skipped";
    if (req->job_id != 0) {
        Oid types[] = {INT8OID, INT8OID};
        Datum values[] = {Int64GetDatum(req->job_id), Int64GetDatum(outcome.run_id)};
        SPI_connect();
        spi_run("UPDATE student_etl.load_jobs SET state = 'done', run_id = $2, error = NULL,"
                " finished_at = clock_timestamp() WHERE job_id = $1",
                2, types, values, nullptr, SPI_OK_UPDATE);
        SPI_finish();
    }
}

struct FailureRecord {
    const char* path;
    const char* subject;
    Oid role;              // InvalidOid: the worker's own user
    const char* error;
    TimestampTz started_at;
    int64 job_id;
    // out
    int64 run_id;
};

// The failed run (and job), durable although the load rolled back.
void record_failure_body(void* arg)
{
    auto* f = static_cast<FailureRecord*>(arg);
    char resolved[PATH_MAX];
    bool have_resolved = realpath(f->path, resolved) != nullptr;
    struct stat st;
    bool have_size = have_resolved && stat(resolved, &st) == 0 && S_ISREG(st.st_mode);
    const char* role_name = GetUserNameFromId(OidIsValid(f->role) ? f->role : GetUserId(), true);
    if (role_name == nullptr)
        role_name = "?";
    const char* subject = f->subject;
    if (subject == nullptr) {
        auto inferred = infer_subject_from_path(f->path);
        if (inferred)
            subject = pnstrdup(inferred->data(), inferred->size());
    }
    Oid types[] = {TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
    Datum values[] = {
        CStringGetTextDatum(f->path),
        have_resolved ? CStringGetTextDatum(resolved) : (Datum) 0,
        Int64GetDatum(have_size ? static_cast<int64>(st.st_size) : 0),
        subject ? CStringGetTextDatum(subject) : (Datum) 0,
        CStringGetTextDatum(f->error),
        CStringGetTextDatum(role_name),
        TimestampTzGetDatum(f->started_at),
    };
    const char nulls[] = {' ', have_resolved ? ' ' : 'n', have_size ? ' ' : 'n', subject ? ' ' : 'n',
                          ' ', ' ', ' '};
    SPI_connect();
    spi_run("INSERT INTO student_etl.load_runs"
            " (file_path, resolved_path, file_size, subject, status, error, loaded_by, started_at, finished_at)"
            " VALUES ($1, $2, $3, $4, 'failed', $5, $6, $7, clock_timestamp()) RETURNING run_id",
            7, types, values, nulls, SPI_OK_INSERT_RETURNING);
    bool isnull = true;
    f->run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    if (f->job_id != 0) {
        Oid jtypes[] = {INT8OID, TEXTOID, INT8OID};
        Datum jvalues[] = {Int64GetDatum(f->job_id), CStringGetTextDatum(f->error), Int64GetDatum(f->run_id)};
        spi_run("UPDATE student_etl.load_jobs SET state = 'failed', error = $2, run_id = $3,"
                " finished_at = clock_timestamp() WHERE job_id = $1",
                3, jtypes, jvalues, nullptr, SPI_OK_UPDATE);
    }
    SPI_finish();
}

// Loads one file; on failure records it. Returns the run id (0 if even that failed) and
// whether the load committed.
int64 load_one(const char* path, const char* subject, Oid role, int64 job_id, bool* ok, const char** status)
{
    LoadRequest req{path, subject, role, job_id, 0, nullptr};
    TimestampTz started = GetCurrentTimestamp();
    char* error = nullptr;
    *ok = run_transaction("student_etl worker: loading a delivery", load_body, &req, &error);
    if (*ok) {
        *status = req.status;
        return req.run_id;
    }
    *status = "failed";
    FailureRecord rec{path, subject, role, error, started, job_id, 0};
    if (!run_transaction("student_etl worker: recording a failed load", record_failure_body, &rec, nullptr))
        ereport(WARNING, (errmsg("student_etl worker: could not record the failed load of \"%s\"", path)));
    return rec.run_id;
}

// ---- directories: the inbox, and directory jobs ---------------------------------------------

// Problems are logged once until they change, not at every scan.
char last_problem[1024];

void report_problem(const char* problem)
{
    if (problem == nullptr) {
        last_problem[0] = '\0';
        return;
    }
    if (strncmp(problem, last_problem, sizeof last_problem - 1) == 0)
        return;
    strlcpy(last_problem, problem, sizeof last_problem);
    ereport(WARNING, (errmsg("student_etl worker: %s; not loading from it", problem),
                      errhint("Files are loaded from a directory under student_etl.allowed_dirs; processed/ and failed/ are created beside it.")));
}

void process_config_if_needed()
{
    if (ConfigReloadPending) {
        ConfigReloadPending = false;
        ProcessConfigFile(PGC_SIGHUP);
    }
}

// Loads and moves every ready file of dir. Returns the problem that kept it from being served,
// or nullptr.
const char* sweep_directory(const char* dir, Oid role, bool log_problem)
{
    const char* problem = inbox_problem(dir);
    if (problem != nullptr) {
        if (log_problem)
            report_problem(problem);
        return problem;
    }
    if (log_problem)
        report_problem(nullptr);
    InboxFile* files = nullptr;
    int n = inbox_list_ready(dir, inbox_settle_ms, &files);
    for (int i = 0; i < n; ++i) {
        CHECK_FOR_INTERRUPTS();
        bool ok = false;
        const char* status = nullptr;
        int64 run_id = load_one(files[i].path, nullptr, role, 0, &ok, &status);
        const char* moved = inbox_move(dir, &files[i], ok, run_id);
        if (moved != nullptr)
            ereport(LOG, (errmsg("student_etl worker: \"%s\" %s (run %lld), moved to \"%s\"", files[i].path,
                                 status, static_cast<long long>(run_id), moved)));
        else
            ereport(WARNING, (errmsg("student_etl worker: \"%s\" %s (run %lld) but could not be moved: %m;"
                                     " it is skipped until the worker restarts",
                                     files[i].path, status, static_cast<long long>(run_id))));
    }
    return nullptr;
}

struct RoleLookup {
    const char* name;
    Oid oid;
};

void role_lookup_body(void* arg)
{
    auto* r = static_cast<RoleLookup*>(arg);
    r->oid = get_role_oid(r->name, true);
}

// The role inbox files load as, from student_etl.worker_role; false if it does not exist.
bool inbox_role(Oid* role)
{
    *role = InvalidOid;
    if (worker_role == nullptr || worker_role[0] == '\0')
        return true;
    RoleLookup r{worker_role, InvalidOid};
    if (!run_transaction("student_etl worker: looking up worker_role", role_lookup_body, &r, nullptr) ||
        !OidIsValid(r.oid)) {
        report_problem(psprintf("student_etl.worker_role \"%s\" does not exist", worker_role));
        return false;
    }
    *role = r.oid;
    return true;
}

// ---- the queue ------------------------------------------------------------------------------

struct Claim {
    MemoryContext into;
    // out
    int64 job_id;   // 0: nothing queued
    char* path;
    char* subject;
    char* role_name;
};

void claim_body(void* arg)
{
    auto* c = static_cast<Claim*>(arg);
    c->job_id = 0;
    SPI_connect();
    spi_run("UPDATE student_etl.load_jobs SET state = 'running', started_at = clock_timestamp(),"
            " attempts = attempts + 1"
            " WHERE job_id = (SELECT job_id FROM student_etl.load_jobs WHERE state = 'queued'"
            "                  ORDER BY job_id LIMIT 1 FOR UPDATE SKIP LOCKED)"
            " RETURNING job_id, path, subject, enqueued_by::text",
            0, nullptr, nullptr, nullptr, SPI_OK_UPDATE_RETURNING);
    if (SPI_processed == 1) {
        HeapTuple t = SPI_tuptable->vals[0];
        TupleDesc d = SPI_tuptable->tupdesc;
        bool isnull = true;
        c->job_id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
        c->path = copy_value(t, d, 2, c->into);
        c->subject = copy_value(t, d, 3, c->into);
        c->role_name = copy_value(t, d, 4, c->into);
    }
    SPI_finish();
}

struct JobOutcome {
    int64 job_id;
    const char* error;
};

void finish_dir_job_body(void* arg)
{
    auto* o = static_cast<JobOutcome*>(arg);
    Oid types[] = {INT8OID, TEXTOID};
    Datum values[] = {Int64GetDatum(o->job_id), o->error ? CStringGetTextDatum(o->error) : (Datum) 0};
    const char nulls[] = {' ', o->error ? ' ' : 'n'};
    SPI_connect();
    spi_run("UPDATE student_etl.load_jobs SET state = CASE WHEN $2 IS NULL THEN 'done' ELSE 'failed' END,"
            " error = $2, finished_at = clock_timestamp() WHERE job_id = $1",
            2, types, values, nulls, SPI_OK_UPDATE);
    SPI_finish();
}

// Runs queued jobs until none is left. False if the queue could not be read.
bool drain_queue(MemoryContext scratch)
{
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        process_config_if_needed();
        MemoryContextReset(scratch);
        MemoryContextSwitchTo(scratch);
        Claim claim{scratch, 0, nullptr, nullptr, nullptr};
        if (!run_transaction("student_etl worker: claiming a job", claim_body, &claim, nullptr))
            return false;
        if (claim.job_id == 0)
            return true;

        RoleLookup role{claim.role_name, InvalidOid};
        (void) run_transaction("student_etl worker: looking up a role", role_lookup_body, &role, nullptr);
        size_t len = strlen(claim.path);
        if (!OidIsValid(role.oid)) {
            JobOutcome o{claim.job_id, psprintf("role \"%s\" that enqueued the job no longer exists", claim.role_name)};
            (void) run_transaction("student_etl worker: failing a job", finish_dir_job_body, &o, nullptr);
        } else if (claim.path[len - 1] == '/') {
            const char* problem = sweep_directory(claim.path, role.oid, false);
            JobOutcome o{claim.job_id, problem};
            (void) run_transaction("student_etl worker: finishing a directory job", finish_dir_job_body, &o, nullptr);
        } else {
            bool ok = false;
            const char* status = nullptr;
            int64 run_id = load_one(claim.path, claim.subject, role.oid, claim.job_id, &ok, &status);
            ereport(LOG, (errmsg("student_etl worker: job %lld \"%s\" %s (run %lld)",
                                 static_cast<long long>(claim.job_id), claim.path, status,
                                 static_cast<long long>(run_id))));
        }
    }
}

}  // namespace

void register_worker()
{
    BackgroundWorker worker;
    memset(&worker, 0, sizeof worker);
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = 10;   // seconds; after a crash the postmaster restarts it at once
    strlcpy(worker.bgw_library_name, "student_etl", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "student_etl_worker_main", BGW_MAXLEN);
    strlcpy(worker.bgw_name, "student_etl worker", BGW_MAXLEN);
    strlcpy(worker.bgw_type, "student_etl worker", BGW_MAXLEN);
    worker.bgw_main_arg = (Datum) 0;
    worker.bgw_notify_pid = 0;
    RegisterBackgroundWorker(&worker);
}

}  // namespace student_etl::pg

extern "C" void student_etl_worker_main(Datum /*arg*/)
{
    using namespace student_etl::pg;

    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(worker_database_name, nullptr, 0);
    worker_shmem_attach();
    pgstat_report_appname("student_etl worker");
    ereport(LOG, (errmsg("student_etl worker started in database \"%s\"", worker_database_name)));

    MemoryContext loop_memory = AllocSetContextCreate(TopMemoryContext, "student_etl worker loop",
                                                      ALLOCSET_DEFAULT_SIZES);
    MemoryContext job_memory = AllocSetContextCreate(TopMemoryContext, "student_etl worker job",
                                                     ALLOCSET_DEFAULT_SIZES);
    bool was_ready = false;
    bool announced_waiting = false;

    for (;;) {
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        process_config_if_needed();
        MemoryContextReset(loop_memory);
        MemoryContextSwitchTo(loop_memory);

        bool ready = false;
        if (!run_transaction("student_etl worker: looking for the extension", check_ready_body, &ready, nullptr))
            ready = false;
        if (!ready) {
            if (!announced_waiting)
                ereport(LOG, (errmsg("student_etl worker: extension student_etl is not installed in database \"%s\";"
                                     " waiting for CREATE EXTENSION student_etl", worker_database_name)));
            announced_waiting = true;
            was_ready = false;
        } else {
            if (!was_ready) {
                ereport(LOG, (errmsg("student_etl worker: serving database \"%s\"", worker_database_name)));
                // Jobs left 'running' by a crash or a shutdown: their loads rolled back.
                (void) run_transaction("student_etl worker: requeueing interrupted jobs", reset_running_body,
                                       nullptr, nullptr);
            }
            was_ready = true;
            announced_waiting = false;
            drain_queue(job_memory);
            MemoryContextSwitchTo(loop_memory);
            if (inbox_dir != nullptr && inbox_dir[0] != '\0') {
                Oid role = InvalidOid;
                if (inbox_role(&role))
                    (void) sweep_directory(inbox_dir, role, true);
            }
        }
        MemoryContextSwitchTo(loop_memory);
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, worker_naptime_ms,
                         PG_WAIT_EXTENSION);
    }
}
