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

// nullptr if dir may be swept: it is a directory under student_etl.allowed_dirs and the place
// of processed/ and failed/ beside it is under allowed_dirs too. With `serve` (the worker,
// about to sweep), also: the server can read and write it, and processed/ and failed/ exist
// as writable directories or are created now. Otherwise a palloc'd description of the
// problem, starting with 'directory "<dir>": '.
const char* directory_problem(const char* dir, bool serve);

// The deliveries of dir ready to load, sorted by name: regular files (symbolic links followed)
// named *.csv (any case) and not hidden -- so a writer's *.tmp or *.part is left alone, and so
// is anything that is not a delivery -- unmodified for settle_ms, and not given up on by
// inbox_move().
int inbox_list_ready(const char* dir, int settle_ms, InboxFile** files);

// Moves f to processed/ (ok) or failed/ beside dir, named "<run_id>-<name>" so the run is
// traceable ("unrecorded-<epoch>-<name>" without a run). Returns the new path, or nullptr if
// the move failed: the file is then skipped until the worker restarts, so it is not loaded
// over and over.
const char* inbox_move(const char* dir, const InboxFile* f, bool ok, int64 run_id);

}  // namespace student_etl::pg
