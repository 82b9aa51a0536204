// The spool: a directory of deliveries (the inbox, or a directory job) and its three siblings,
//
//     <dir>/          deliveries arrive here (written elsewhere, then renamed in)
//     claimed/        taken by the worker: renamed here before anything is read
//     processed/      loaded (or skipped as a duplicate), as <run_id>-<name>
//     failed/         not loaded, as <run_id>-<name>; moved back into <dir> it is tried again
//
// A ready file is claimed by an atomic rename before the worker loads it, so a file renamed
// over it later is a new delivery for the next scan, never moved unloaded; once claimed it
// leaves <dir> for good, so nothing is loaded over and over. PostgreSQL-side code: plain
// structs, palloc'd memory; problems are returned, not raised.
#pragma once

extern "C" {
#include "postgres.h"
}

#include <sys/types.h>

namespace student_etl::pg {

struct InboxFile {
    char* name;   // entry name in the directory
    char* path;   // directory + "/" + name
};

// nullptr if dir may be swept: it is a directory under student_etl.allowed_dirs and the place
// of its siblings is under allowed_dirs too. With `serve` (the worker, about to sweep), also:
// the server can read and write it, and claimed/, processed/ and failed/ exist as writable
// directories or are created now. Otherwise a palloc'd description of the problem, starting
// with 'directory "<dir>": '.
const char* directory_problem(const char* dir, bool serve);

// The deliveries of dir ready to load, sorted by name: regular files (symbolic links followed)
// named *.csv (any case) and not hidden -- so a writer's *.tmp or *.part is left alone, and so
// is anything that is not a delivery -- whose contents and inode have not changed for
// settle_ms.
int inbox_list_ready(const char* dir, int settle_ms, InboxFile** files);

// Claims f: renames it into claimed/ beside dir -- under a name that is valid text
// (text_safe), with a numeric prefix if that name is taken. Returns the claimed path, or
// nullptr if it is gone or cannot be moved (then it stays where it is).
const char* inbox_claim(const char* dir, const InboxFile* f);

// The deliveries left in claimed/ beside dir (after a crash): their paths, sorted.
int spool_claimed_files(const char* dir, char*** paths);

// Moves a claimed (or failed/) file to processed/ (ok) or failed/ beside its directory as
// "<run_id>-<name>", cut to fit a file name. Returns the new path; nullptr if it could not be
// moved -- it is then renamed to a hidden name in its directory (.stuck-<run_id>-...), so it is
// neither lost nor taken up again.
const char* spool_settle(const char* path, bool ok, int64 run_id);

}  // namespace student_etl::pg
