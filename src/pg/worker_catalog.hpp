// The background worker's bookkeeping in the catalog tables -- the queue (load_jobs) and the
// failed runs -- apart from its loop (worker.cpp), as pg_cron keeps its job metadata apart.
// Each function runs inside a transaction the worker started, as the worker's own user (the
// bootstrap superuser); every statement goes through spi.hpp (pinned search_path).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace student_etl::pg {

struct ClaimedJob {
    int64 job_id;    // 0: nothing (left)
    char* path;      // in the transaction's memory: copy it to keep it
    char* subject;   // may be null
    Oid owner;       // the role that enqueued it
    bool spool;      // a claimed file, moved to processed/ or failed/ after its load
    int attempts;
};

// Several workers (student_etl.max_workers) share the queue: a worker holds a session-level
// advisory lock on each job it runs (taken by claim_job, and by next_job_to_give_up on the
// job it returns) until release_worker_locks(). A 'running' job whose lock is free was left
// by a worker that crashed or was stopped.

// Jobs left 'running' by a crash or a shutdown (their loads rolled back) go back to 'queued',
// unless they were started max_attempts times already. Returns how many were queued again.
uint64 requeue_interrupted_jobs(int max_attempts);

// One 'running' job started max_attempts times (each ended by a crash or a shutdown), to be
// given up; job_id 0 when there is none.
ClaimedJob next_job_to_give_up(int max_attempts);

// Claims the oldest queued job (FOR UPDATE SKIP LOCKED) and marks it running.
ClaimedJob claim_job();

// Waits until no other worker sweeps a directory, then holds that until unlocked: a file
// another worker has just claimed, but not yet queued, must not look orphaned.
void lock_directory_sweeps();
void unlock_directory_sweeps();

// Releases every such lock this worker holds (outside or inside a transaction).
void release_worker_locks();

// Queues a claimed file for `owner`; returns the job id.
int64 queue_spool_file(const char* path, Oid owner);

// True if a queued or running job is for this path.
bool path_has_live_job(const char* path);

// A file job loaded (or skipped as a duplicate) in the same transaction as its load.
void finish_job(int64 job_id, int64 run_id);

// A job that failed: error (and its failed run, 0 for none), or a directory job's outcome
// (error null: done).
void settle_job(int64 job_id, const char* error, int64 run_id);

// Where a spool file went after its load.
void record_moved(int64 job_id, const char* moved_to);

}  // namespace student_etl::pg
