// The inbox: a directory scanned for settled delivery files, which are moved to processed/ or
// failed/ beside it once the worker has loaded them. Also used for directory jobs of the queue.
// PostgreSQL-side code: plain structs, palloc'd memory, never raises (problems are returned).
#pragma once

extern "C" {
#include "postgres.h"
}

#include <sys/types.h>

namespace student_etl::pg {

struct InboxFile {
    char* name;   // entry name in the directory
    char* path;   // directory + "/" + name
    dev_t dev;
    ino_t ino;
};

// nullptr if dir can be served: it exists, is a directory, its resolved location is under
// student_etl.allowed_dirs, and processed/ and failed/ beside it exist or could be created
// (they are then created). Otherwise a palloc'd description of the problem.
const char* inbox_problem(const char* dir);

// The files of dir ready to load, sorted by name: regular files (symbolic links followed) not
// named .*, *.tmp or *.part, unmodified for settle_ms, and not given up on by inbox_move().
int inbox_list_ready(const char* dir, int settle_ms, InboxFile** files);

// Moves f to processed/ (ok) or failed/ beside dir, named "<run_id>-<name>" so the run is
// traceable ("unrecorded-<epoch>-<name>" without a run). Returns the new path, or nullptr if
// the move failed: the file is then skipped until the worker restarts, so it is not loaded
// over and over.
const char* inbox_move(const char* dir, const InboxFile* f, bool ok, int64 run_id);

}  // namespace student_etl::pg
