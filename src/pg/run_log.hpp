// student_etl.load_runs bookkeeping, one row per delivery: statements with fixed text and
// parameters only (spi.hpp), run as the extension owner by the callers.
#pragma once

extern "C" {
#include "postgres.h"
#include "utils/timestamp.h"
}

#include "delivery_file.hpp"

namespace student_etl::pg {

struct RunCounts {
    uint64 rows_read;
    uint64 rows_loaded;
    uint64 rows_rejected;
    uint64 rows_with_missing;   // loaded with a missing value (kept as NULL or defaulted)
    char delimiter;   // 0 when no header was read
};

// Serialises loads of files of this size (so of the same content) until the end of the
// transaction: of two concurrent loads of one file the second waits, then sees the first as
// done. Shown in pg_locks as an advisory lock of classid kContentLockClass.
constexpr int32 kContentLockClass = 1398031701;
void lock_content_size(uint64 size);
// Whether a committed (or own) successful, unpurged load had a file of this size: only then
// can this file be a duplicate, and its checksum is needed before loading.
bool loaded_run_of_size_exists(uint64 size);
// run_id of the committed (or own) successful, unpurged load of this content, or 0.
int64 find_loaded_run(const char* checksum);
// A run skipped as a duplicate of run duplicate_of, for role loaded_by; returns its run_id.
int64 insert_skipped_run(const DeliveryFile* file, const char* subject, int64 duplicate_of, const char* loaded_by);
// A run id for a load, taken before its rows are written; the run row itself is inserted,
// finished, once they are (insert_loaded_run): a 'running' row could be seen by nobody but
// the load's own transaction anyway.
int64 reserve_run_id();
struct LoadedRun {
    int64 run_id;                // from reserve_run_id()
    const DeliveryFile* file;    // its checksum computed
    const char* subject;
    const char* loaded_by;
    TimestampTz started_at;
    RunCounts counts;
};
void insert_loaded_run(const LoadedRun& run);
// A load that failed and rolled back, recorded afterwards in a transaction of its own (the
// worker's): what is known of the file, the error, who it was loaded for. Returns the run_id.
struct FailedRun {
    const char* path;
    const char* subject;     // may be null
    const char* error;
    const char* loaded_by;
    TimestampTz started_at;
};
int64 insert_failed_run(const FailedRun& failed);

}  // namespace student_etl::pg
