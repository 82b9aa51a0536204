// The background worker's bookkeeping in the catalog tables -- the queue (load_jobs) and the
// failed runs -- apart from its loop (worker.cpp), as pg_cron keeps its job metadata apart.
// Each function runs inside a transaction the worker started, as the worker's own user (the
// bootstrap superuser); every statement goes through spi.hpp (pinned search_path).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace student_etl::pg {

// Jobs left 'running' by a crash or a shutdown (their loads rolled back) go back to 'queued'.
// Returns how many.
uint64 requeue_interrupted_jobs();

struct ClaimedJob {
    int64 job_id;    // 0: nothing queued
    char* path;      // in the transaction's memory: copy it to keep it
    char* subject;   // may be null
    Oid owner;       // the role that enqueued it
};

// Claims the oldest queued job (FOR UPDATE SKIP LOCKED) and marks it running.
ClaimedJob claim_job();

// A file job loaded (or skipped as a duplicate) in the same transaction as its load.
void finish_job(int64 job_id, int64 run_id);

// A job that failed: error (and its failed run, 0 for none), or a directory job's outcome
// (error null: done).
void settle_job(int64 job_id, const char* error, int64 run_id);

}  // namespace student_etl::pg
