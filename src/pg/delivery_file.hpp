// Opening a delivery on the server: who may, from where, and what the file must be.
// PostgreSQL-side code (plain structs, palloc'd memory, fds tracked by fd.c).
#pragma once

extern "C" {
#include "postgres.h"
}

#include <sys/stat.h>

namespace student_etl::pg {

struct DeliveryFile {
    char* given_path;      // as the caller wrote it
    char* resolved_path;   // the opened file's real location (no symlinks, no ..)
    int fd;                // from OpenTransientFile: closed by transaction abort too
    struct stat st;        // at open time; compared again after reading
    char checksum[65];     // SHA-256, lower-case hex, after checksum_delivery()
};

// Raises unless the current user is a superuser or a member of pg_read_server_files.
void check_load_privilege();

// True if a resolved (realpath) location lies under a directory of student_etl.allowed_dirs.
bool location_allowed(const char* resolved_path);

// Resolves path, checks it lies under student_etl.allowed_dirs (before and after opening,
// so a symlink swapped in between is caught), opens it and checks it is a regular file.
DeliveryFile* open_delivery(const char* path);

// Reads the whole file once for its SHA-256 and leaves the offset at 0 for the parse pass.
void checksum_delivery(DeliveryFile* file);

// Reads up to len bytes (0 at end of file); raises on I/O errors.
size_t read_delivery(DeliveryFile* file, char* buf, size_t len);

// Raises if the file's size, inode or modification time differ from open time, or if the
// byte count read differs from its size: a delivery that changes while loading is refused.
void check_delivery_unchanged(DeliveryFile* file, uint64 bytes_read);

void close_delivery(DeliveryFile* file);

}  // namespace student_etl::pg
