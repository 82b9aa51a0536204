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

// Serialises loads of the same content until the end of the transaction, so that of two
// concurrent loads of one file the second waits and then sees the first as done.
void lock_checksum(const char* checksum);

// run_id of the committed (or own) successful, unpurged load of this content, or 0.
int64 find_loaded_run(const char* checksum);

// Inserts a run row with the given status ('running' or 'skipped') for role loaded_by;
// returns its run_id.
int64 insert_run(const DeliveryFile* file, const char* subject, const char* status, int64 duplicate_of,
                 const char* loaded_by);

// Marks a running run 'loaded' with its counts and end time.
void finish_run(int64 run_id, const RunCounts& counts);

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
