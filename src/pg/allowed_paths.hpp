// The one path check: may the extension touch this file or directory? Everything the
// extension reads, creates or moves lies under a directory of student_etl.allowed_dirs, after
// symbolic links and .. are resolved. A path outside gets one answer whether or not it exists,
// so the check tells a caller nothing about the rest of the file system.
// PostgreSQL-side code (plain data, palloc'd memory); never raises.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace student_etl::pg {

enum class PathVerdict {
    Allowed,   // exists, and its resolved location is under allowed_dirs
    Missing,   // does not exist (or cannot be looked at: see error), in a directory under allowed_dirs
    Outside,   // anything else: outside, a symbolic link that does not resolve, a relative path
};

struct PathCheck {
    PathVerdict verdict;
    char* resolved;   // Allowed: the real location (no symbolic links, no ..)
    int error;        // Missing: the errno of the look-up
};

// Checks path (a file, or a directory with or without trailing slashes).
PathCheck check_path(const char* path);

// True if a resolved location lies under a directory of student_etl.allowed_dirs.
bool resolved_path_allowed(const char* resolved);

// The parent directory of a resolved location ("/" for a top-level entry).
char* parent_directory(const char* resolved);

}  // namespace student_etl::pg
