// The load pipeline, shared by every way a delivery gets loaded: student_etl.load(), the
// queue and the inbox.
//
//   caller's profile (trust.hpp) + location checks -> advisory lock on the file's size
//   -> duplicate check (only if a loaded file had this size: SHA-256 pass first)
//   -> one streaming parse pass: parser thread (C++, hashing what it reads unless hashed
//      already) -> rows -> bulk writer, -> rejects -> bulk writer -> run row.
//
// PostgreSQL-side code: it raises with ereport and holds no C++ objects (guard.hpp).
#pragma once

extern "C" {
#include "postgres.h"
}

#include "run_log.hpp"

namespace student_etl::pg {

struct LoadOutcome {
    int64 run_id;
    const char* status;    // "loaded" or "skipped"
    const char* subject;   // "math" or "portuguese"
    RunCounts counts;      // zero for a skipped run
};

// Loads one delivery in the current transaction for the current user, who must hold the
// loader profile; writes as the extension owner. `subject` may be null (inferred from the
// file name). Raises on anything that is not a delivery; the caller's transaction then rolls
// back everything this call wrote.
LoadOutcome load_delivery(const char* path, const char* subject);

}  // namespace student_etl::pg
