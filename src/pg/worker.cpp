// The background worker: serves the load queue (student_etl.load_jobs) and the inbox
// (student_etl.inbox_dir) of the database named by student_etl.database_name.
//
// Every delivery is loaded by load_delivery() -- the code path of student_etl.load() -- in its
// own transaction. A failed load is rolled back, then recorded (a 'failed' load_runs row, the
// job's error) in a new transaction. PostgreSQL-side code (guard.hpp): the frames here hold
// plain data only; errors are caught with PG_TRY in run_transaction(), which holds no C++
// object; the one call into C++ (load_delivery) goes through run_cpp().
//
// Identity: the worker connects as the bootstrap superuser and does its bookkeeping as such
// (worker_catalog.cpp); every load runs as the role it is for -- a job's owner (by OID), or
// student_etl.worker_role for the inbox -- and load_delivery() checks that role's loader
// profile like any caller's. Every statement is run through spi.hpp, so the database's or the
// role's search_path never reaches the worker's SQL.
//
// Several workers (student_etl.max_workers) share the queue: each claims the next queued job
// with FOR UPDATE SKIP LOCKED and holds an advisory lock on it while it runs it
// (worker_catalog.hpp); worker 0 also sweeps the inbox. Directory sweeps take turns.
//
// Crash windows:
//  * A job is claimed ('running') in one transaction and loaded + marked 'done' in the next.
//    A crash between the two leaves it 'running' with nothing loaded: a worker that starts puts
//    every 'running' job whose worker is gone (its lock is free) back to 'queued'.
//  * An inbox file (or a file of a directory job) is first claimed: renamed into claimed/ and
//    queued as a spool job (inbox.hpp). A crash between the rename and the job's commit leaves
//    a file in claimed/ without a job: every sweep adopts such files. A spool file is moved to
//    processed/ or failed/ after its load committed; a crash in between loads it again, finds
//    it by checksum ('skipped') and then moves it.
//  * A job started student_etl.max_attempts times, each ended by a crash or a shutdown, is
//    given up when the worker starts: failed with that reason, its file to failed/.
#include "guard.hpp"
#include "inbox.hpp"
#include "load_pipeline.hpp"
#include "run_log.hpp"
#include "settings.hpp"
#include "trust.hpp"
#include "worker_catalog.hpp"
#include "worker_shmem.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "commands/extension.h"
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
#include "utils/syscache.h"
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

// ---- is the extension there? -------------------------------------------------------------

struct Readiness {
    bool installed;
    const char* mismatch;   // the installed version when it is not this library's
};

void check_ready_body(void* arg)
{
    auto* r = static_cast<Readiness*>(arg);
    Oid nsp = get_namespace_oid("student_etl", true);
    r->installed = OidIsValid(get_extension_oid("student_etl", true)) && OidIsValid(nsp) &&
                   OidIsValid(get_relname_relid("load_jobs", nsp));
    r->mismatch = r->installed ? schema_version_mismatch() : nullptr;
}

void requeue_body(void* /*arg*/)
{
    const uint64 n = requeue_interrupted_jobs(max_attempts);
    if (n > 0)
        ereport(LOG, (errmsg("student_etl worker: %llu interrupted job(s) queued again",
                             static_cast<unsigned long long>(n))));
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
    if (req->job_id != 0)
        finish_job(req->job_id, outcome.run_id);
}

struct FailureRecord {
    FailedRun run;         // loaded_by is filled in here
    Oid role;              // InvalidOid: the worker's own user
    int64 job_id;
    // out
    int64 run_id;
};

// The failed run (and job), durable although the load rolled back.
void record_failure_body(void* arg)
{
    auto* f = static_cast<FailureRecord*>(arg);
    const char* name = GetUserNameFromId(OidIsValid(f->role) ? f->role : GetUserId(), true);
    f->run.loaded_by = name ? name : "?";
    f->run_id = insert_failed_run(f->run);
    if (f->job_id != 0)
        settle_job(f->job_id, f->run.error, f->run_id);
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
    FailureRecord rec{FailedRun{path, subject, error, nullptr, started}, role, job_id, 0};
    if (!run_transaction("student_etl worker: recording a failed load", record_failure_body, &rec, nullptr))
        ereport(WARNING, (errmsg("student_etl worker: could not record the failed load of \"%s\"", path)));
    return rec.run_id;
}

struct Moved {
    int64 job_id;
    const char* to;
};

void record_moved_body(void* arg)
{
    auto* m = static_cast<Moved*>(arg);
    record_moved(m->job_id, m->to);
}

// A spool file's load has ended: to processed/ (ok) or failed/, recorded on its job.
void settle_spool_file(int64 job_id, const char* path, bool ok, int64 run_id, const char* status)
{
    const char* moved = spool_settle(path, ok, run_id);
    if (moved == nullptr) {
        ereport(WARNING, (errmsg("student_etl worker: \"%s\" %s (run %lld) but could not be moved: %m;"
                                 " it is kept beside it under a hidden name (.stuck-...)",
                                 path, status, static_cast<long long>(run_id))));
        return;
    }
    ereport(LOG, (errmsg("student_etl worker: \"%s\" %s (run %lld), moved to \"%s\"", path, status,
                         static_cast<long long>(run_id), moved)));
    Moved m{job_id, moved};
    (void) run_transaction("student_etl worker: recording a move", record_moved_body, &m, nullptr);
}

struct GiveUp {
    MemoryContext into;
    // out
    ClaimedJob job;
};

void next_give_up_body(void* arg)
{
    auto* g = static_cast<GiveUp*>(arg);
    g->job = next_job_to_give_up(max_attempts);
    if (g->job.job_id != 0)
        g->job.path = MemoryContextStrdup(g->into, g->job.path);
}

// Jobs started max_attempts times, each interrupted: failed with that reason, a failed run
// recorded, a spool file moved to failed/. Nothing starts them again.
void give_up_crashing_jobs(MemoryContext scratch)
{
    for (;;) {
        release_worker_locks();   // the previous job's
        GiveUp g{scratch, ClaimedJob{}};
        if (!run_transaction("student_etl worker: finding jobs to give up", next_give_up_body, &g, nullptr) ||
            g.job.job_id == 0) {
            release_worker_locks();
            return;
        }
        const char* error = psprintf("given up after %d attempts, each interrupted by a crash or a shutdown"
                                     " (student_etl.max_attempts = %d)", g.job.attempts, max_attempts);
        FailureRecord rec{FailedRun{g.job.path, nullptr, error, nullptr, GetCurrentTimestamp()}, g.job.owner,
                          g.job.job_id, 0};
        if (!run_transaction("student_etl worker: giving up a job", record_failure_body, &rec, nullptr)) {
            release_worker_locks();
            return;
        }
        ereport(WARNING, (errmsg("student_etl worker: job %lld \"%s\" %s", static_cast<long long>(g.job.job_id),
                                 g.job.path, error)));
        if (g.job.spool)
            settle_spool_file(g.job.job_id, g.job.path, false, rec.run_id, "given up");
    }
}

// ---- directories: the inbox, and directory jobs ---------------------------------------------

// Problems are logged once until they change, not at every scan.
char last_problem[1024];

constexpr const char* kDirectoryHint =
    "Deliveries are loaded from a directory under student_etl.allowed_dirs; processed/ and failed/ are created "
    "beside it, and must be under student_etl.allowed_dirs too.";
constexpr const char* kRoleHint =
    "Give the role the loader profile (SELECT student_etl.grant_access('role', 'loader')), or empty "
    "student_etl.worker_role to load inbox files as the bootstrap superuser.";

void report_problem(const char* problem, const char* hint = kDirectoryHint)
{
    if (problem == nullptr) {
        last_problem[0] = '\0';
        return;
    }
    if (strncmp(problem, last_problem, sizeof last_problem - 1) == 0)
        return;
    strlcpy(last_problem, problem, sizeof last_problem);
    ereport(WARNING, (errmsg("student_etl worker: %s; not loading from it", problem), errhint("%s", hint)));
}

void process_config_if_needed()
{
    if (ConfigReloadPending) {
        ConfigReloadPending = false;
        ProcessConfigFile(PGC_SIGHUP);
    }
}

struct SpoolQueue {
    const char* path;
    Oid owner;
    bool adopt_only;   // queue it only if no live job has it already
    // out
    bool queued;
};

void queue_spool_body(void* arg)
{
    auto* q = static_cast<SpoolQueue*>(arg);
    q->queued = !(q->adopt_only && path_has_live_job(q->path));
    if (q->queued)
        (void) queue_spool_file(q->path, q->owner);
}

void sweep_lock_body(void* arg)
{
    if (arg != nullptr)
        lock_directory_sweeps();
    else
        unlock_directory_sweeps();
}

// Claims every ready delivery of dir and queues it as a spool job of `owner` (the worker's own
// user when InvalidOid); files left in claimed/ without a job by a crash are queued again.
// Returns how many jobs it queued, or -1 with *problem set when dir cannot be served.
int sweep_directory_alone(const char* dir, Oid owner, bool log_problem, const char** problem)
{
    *problem = directory_problem(dir, true);
    if (log_problem)
        report_problem(*problem);
    if (*problem != nullptr)
        return -1;
    if (!OidIsValid(owner))
        owner = GetUserId();
    int queued = 0;
    char** orphans = nullptr;
    const int norphans = spool_claimed_files(dir, &orphans);
    for (int i = 0; i < norphans; ++i) {
        SpoolQueue q{orphans[i], owner, true, false};
        if (run_transaction("student_etl worker: adopting a claimed file", queue_spool_body, &q, nullptr) && q.queued) {
            ereport(LOG, (errmsg("student_etl worker: \"%s\" was claimed but not queued; queued now", orphans[i])));
            ++queued;
        }
    }
    InboxFile* files = nullptr;
    const int n = inbox_list_ready(dir, inbox_settle_ms, &files);
    for (int i = 0; i < n; ++i) {
        CHECK_FOR_INTERRUPTS();
        const char* claimed = inbox_claim(dir, &files[i]);
        if (claimed == nullptr)
            continue;   // gone, or replaced while we looked: a later scan sees what is there
        SpoolQueue q{claimed, owner, false, false};
        if (run_transaction("student_etl worker: queueing a claimed file", queue_spool_body, &q, nullptr))
            ++queued;
    }
    return queued;
}

// sweep_directory_alone(), while no other worker sweeps.
int sweep_directory(const char* dir, Oid owner, bool log_problem, const char** problem)
{
    static char lock = 1;
    if (!run_transaction("student_etl worker: waiting to sweep a directory", sweep_lock_body, &lock, nullptr)) {
        *problem = "could not take the directory sweep lock";
        return -1;
    }
    const int queued = sweep_directory_alone(dir, owner, log_problem, problem);
    (void) run_transaction("student_etl worker: ending a directory sweep", sweep_lock_body, nullptr, nullptr);
    return queued;
}

struct RoleLookup {
    const char* name;   // null: the worker's own user
    // out
    Oid oid;
    bool loader;        // holds the loader profile
};

void role_lookup_body(void* arg)
{
    auto* r = static_cast<RoleLookup*>(arg);
    r->oid = r->name ? get_role_oid(r->name, true) : InvalidOid;
    r->loader = r->name == nullptr || (OidIsValid(r->oid) && role_has_profile(r->oid, "loader"));
}

// The role inbox files load as, from student_etl.worker_role (InvalidOid: the worker's own
// user); false, with the problem logged, if it does not exist or does not hold the loader
// profile -- then no file is touched, rather than every one failing.
bool inbox_role(Oid* role)
{
    *role = InvalidOid;
    if (worker_role == nullptr || worker_role[0] == '\0')
        return true;
    RoleLookup r{worker_role, InvalidOid, false};
    if (!run_transaction("student_etl worker: looking up worker_role", role_lookup_body, &r, nullptr) ||
        !OidIsValid(r.oid)) {
        report_problem(psprintf("student_etl.worker_role \"%s\" does not exist", worker_role), kRoleHint);
        return false;
    }
    if (!r.loader) {
        report_problem(psprintf("student_etl.worker_role \"%s\" does not hold the loader profile", worker_role),
                       kRoleHint);
        return false;
    }
    *role = r.oid;
    return true;
}

// ---- the queue ------------------------------------------------------------------------------

struct Claim {
    MemoryContext into;   // outlives the transaction
    // out
    ClaimedJob job;
    bool owner_exists;
};

void claim_body(void* arg)
{
    auto* c = static_cast<Claim*>(arg);
    c->job = claim_job();
    if (c->job.job_id == 0)
        return;
    // The claim's strings are in the transaction's memory, gone at commit.
    c->job.path = MemoryContextStrdup(c->into, c->job.path);
    if (c->job.subject != nullptr)
        c->job.subject = MemoryContextStrdup(c->into, c->job.subject);
    c->owner_exists = SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(c->job.owner));
}

struct JobOutcome {
    int64 job_id;
    const char* error;
};

void settle_job_body(void* arg)
{
    auto* o = static_cast<JobOutcome*>(arg);
    settle_job(o->job_id, o->error, 0);
}

struct DirectoryJob {
    const char* path;
    Oid owner;
    // out
    bool allowed;
};

// A directory job moves files: its owner must still hold the loader profile.
void directory_job_allowed_body(void* arg)
{
    auto* d = static_cast<DirectoryJob*>(arg);
    d->allowed = role_has_profile(d->owner, "loader");
}

// Runs queued jobs until none is left. False if the queue could not be read.
bool drain_queue(MemoryContext scratch)
{
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        release_worker_locks();   // the previous job's
        process_config_if_needed();
        MemoryContextReset(scratch);
        MemoryContextSwitchTo(scratch);
        Claim claim{scratch, ClaimedJob{}, false};
        if (!run_transaction("student_etl worker: claiming a job", claim_body, &claim, nullptr))
            return false;
        const ClaimedJob& job = claim.job;
        if (job.job_id == 0)
            return true;

        size_t len = strlen(job.path);
        if (!claim.owner_exists) {
            JobOutcome o{job.job_id, psprintf("role with OID %u that enqueued the job no longer exists", job.owner)};
            (void) run_transaction("student_etl worker: failing a job", settle_job_body, &o, nullptr);
        } else if (job.path[len - 1] == '/') {
            DirectoryJob d{job.path, job.owner, false};
            const char* problem = nullptr;
            if (!run_transaction("student_etl worker: checking a directory job", directory_job_allowed_body, &d,
                                 nullptr) || !d.allowed)
                problem = "the role that enqueued it no longer holds the loader profile";
            else
                (void) sweep_directory(job.path, job.owner, false, &problem);
            JobOutcome o{job.job_id, problem};
            (void) run_transaction("student_etl worker: finishing a directory job", settle_job_body, &o, nullptr);
        } else {
            bool ok = false;
            const char* status = nullptr;
            int64 run_id = load_one(job.path, job.subject, job.owner, job.job_id, &ok, &status);
            if (job.spool)
                settle_spool_file(job.job_id, job.path, ok, run_id, status);
            else
                ereport(LOG, (errmsg("student_etl worker: job %lld \"%s\" %s (run %lld)",
                                     static_cast<long long>(job.job_id), job.path, status,
                                     static_cast<long long>(run_id))));
        }
    }
}

}  // namespace

void register_workers()
{
    for (int i = 0; i < max_workers; ++i) {
        BackgroundWorker worker;
        memset(&worker, 0, sizeof worker);
        worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
        worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
        worker.bgw_restart_time = 10;   // seconds; after a crash the postmaster restarts it at once
        strlcpy(worker.bgw_library_name, "student_etl", BGW_MAXLEN);
        strlcpy(worker.bgw_function_name, "student_etl_worker_main", BGW_MAXLEN);
        if (i == 0)
            strlcpy(worker.bgw_name, "student_etl worker", BGW_MAXLEN);
        else
            snprintf(worker.bgw_name, BGW_MAXLEN, "student_etl worker %d", i);
        strlcpy(worker.bgw_type, "student_etl worker", BGW_MAXLEN);
        worker.bgw_main_arg = Int32GetDatum(i);
        worker.bgw_notify_pid = 0;
        RegisterBackgroundWorker(&worker);
    }
}

}  // namespace student_etl::pg

extern "C" void student_etl_worker_main(Datum arg)
{
    using namespace student_etl::pg;
    const int index = DatumGetInt32(arg);

    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(worker_database_name, nullptr, 0);
    worker_shmem_attach(index);
    pgstat_report_appname(MyBgworkerEntry->bgw_name);
    ereport(LOG, (errmsg("%s started in database \"%s\"", MyBgworkerEntry->bgw_name, worker_database_name)));

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

        Readiness readiness{false, nullptr};
        if (!run_transaction("student_etl worker: looking for the extension", check_ready_body, &readiness, nullptr))
            readiness.installed = false;
        const bool ready = readiness.installed && readiness.mismatch == nullptr;
        if (!ready) {
            if (!announced_waiting && !readiness.installed)
                ereport(LOG, (errmsg("student_etl worker: extension student_etl is not installed in database \"%s\";"
                                     " waiting for CREATE EXTENSION student_etl", worker_database_name)));
            else if (!announced_waiting)
                ereport(LOG, (errmsg("student_etl worker: the library is version %s but database \"%s\" has"
                                     " student_etl %s; waiting for ALTER EXTENSION student_etl UPDATE",
                                     STUDENT_ETL_VERSION, worker_database_name, readiness.mismatch)));
            announced_waiting = true;
            was_ready = false;
        } else {
            if (!was_ready) {
                ereport(LOG, (errmsg("student_etl worker: serving database \"%s\"", worker_database_name)));
                // Jobs left 'running' by a crash or a shutdown: their loads rolled back.
                give_up_crashing_jobs(job_memory);
                (void) run_transaction("student_etl worker: requeueing interrupted jobs", requeue_body, nullptr,
                                       nullptr);
            }
            was_ready = true;
            announced_waiting = false;
            // The queue, then (worker 0) the inbox; what the inbox claimed is queued, so drain again.
            for (;;) {
                drain_queue(job_memory);
                MemoryContextSwitchTo(loop_memory);
                Oid role = InvalidOid;
                const char* problem = nullptr;
                if (index != 0 || inbox_dir == nullptr || inbox_dir[0] == '\0' || !inbox_role(&role) ||
                    sweep_directory(inbox_dir, role, true, &problem) <= 0)
                    break;
            }
        }
        MemoryContextSwitchTo(loop_memory);
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, worker_naptime_ms,
                         PG_WAIT_EXTENSION);
    }
}
