// Opening a delivery on the server: from where (allowed_paths.hpp), and what the file must be.
// PostgreSQL-side code (plain structs, palloc'd memory, fds tracked by fd.c).
#pragma once

extern "C" {
#include "postgres.h"
}

#include <sys/stat.h>

#include "sha256.hpp"

namespace student_etl::pg {

struct DeliveryFile {
    char* given_path;      // as the caller wrote it, made valid text (text_safe)
    char* resolved_path;   // the opened file's real location (no symlinks, no ..), valid text
    int fd;                // from OpenTransientFile: closed by transaction abort too
    struct stat st;        // at open time; compared again after reading
    char checksum[65];     // SHA-256, lower-case hex; empty until computed
};

// s as valid text of the database encoding, for messages and the audit: s itself when it
// already is, otherwise every byte that is not (and every control character) written as \xNN
// and a backslash as \\ (printable.hpp). File names are bytes: a name from readdir or a
// resolved symbolic link may be anything.
char* text_safe(const char* s);

// Resolves path, checks it lies under student_etl.allowed_dirs (before and after opening,
// so a symlink swapped in between is caught), opens it and checks it is a regular file.
DeliveryFile* open_delivery(const char* path);

// The digest's lower-case hex into out[65] (file->checksum); raises if it cannot be had.
void finish_checksum(Sha256* digest, char* out);
// The whole file hashed into file->checksum before it is parsed, then checked unchanged.
void checksum_delivery(DeliveryFile* file);

// Raises if the file's size, inode or modification time differ from open time, or if the
// byte count read differs from its size: a delivery that changes while loading is refused.
// When only its change time moved (an in-place edit that restored the modification time, or
// a harmless rename, unlink or chmod) the content is hashed again and must be the same.
void check_delivery_unchanged(DeliveryFile* file, uint64 bytes_read);

void close_delivery(DeliveryFile* file);

}  // namespace student_etl::pg
