// See delivery_file.hpp.
#include "delivery_file.hpp"

#include "allowed_paths.hpp"
#include "guard.hpp"

#include "printable.hpp"
#include "sha256.hpp"

extern "C" {
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/builtins.h"
}

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace student_etl::pg {

namespace {

constexpr size_t kHashChunk = 1 << 20;

// The one answer for a path the extension may not touch, whether or not it exists.
pg_attribute_noreturn() void refuse_location(const char* given)
{
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("delivery \"%s\" is not under a directory listed in student_etl.allowed_dirs", given),
             errhint("A superuser can add its directory: ALTER SYSTEM SET student_etl.allowed_dirs = '/path/to/deliveries'; SELECT pg_reload_conf();")));
    pg_unreachable();
}

// Reads up to len bytes at offset (0 at end of file); raises on I/O errors. pread: the file
// offset is left alone (the parser reads through a duplicate of this fd).
size_t read_delivery_at(const DeliveryFile* file, char* buf, size_t len, uint64 offset)
{
    for (;;) {
        ssize_t n = pread(file->fd, buf, len, static_cast<off_t>(offset));
        if (n >= 0)
            return static_cast<size_t>(n);
        if (errno != EINTR)
            ereport(ERROR, (errcode_for_file_access(),
                            errmsg("could not read delivery \"%s\": %m", file->given_path)));
        CHECK_FOR_INTERRUPTS();
    }
}

}  // namespace

char* text_safe(const char* s)
{
    const size_t len = strlen(s);
    bool control = false;
    for (size_t i = 0; i < len && !control; ++i)
        control = static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7f;
    if (!control && pg_verifymbstr(s, static_cast<int>(len), true))
        return pstrdup(s);
    // The C++ string is owned by this memory context, and palloc is called only after the
    // C++ code returned (guard.hpp).
    const bool ascii_only = GetDatabaseEncoding() != PG_UTF8;
    auto* safe = make_owned_by<std::string>(CurrentMemoryContext, "making a file name printable");
    if (!run_cpp([&] { *safe = printable(s, len, ascii_only); }))
        raise_caught_error("making a file name printable");
    return pstrdup(safe->c_str());
}

DeliveryFile* open_delivery(const char* path)
{
    if (path[0] != '/')
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("delivery path \"%s\" must be absolute", path)));
    PathCheck where = check_path(path);
    if (where.verdict == PathVerdict::Outside)
        refuse_location(path);
    if (where.verdict == PathVerdict::Missing) {
        errno = where.error;
        ereport(ERROR, (errcode_for_file_access(), errmsg("could not open delivery \"%s\": %m", path)));
    }
    const char* resolved = where.resolved;

    // O_NONBLOCK: a FIFO must be refused below, not block the backend in open().
    int fd = OpenTransientFile(resolved, O_RDONLY | O_NONBLOCK | PG_BINARY);
    if (fd < 0)
        ereport(ERROR, (errcode_for_file_access(),
                        errmsg("could not open delivery \"%s\": %m", path)));

    auto* file = static_cast<DeliveryFile*>(palloc0(sizeof(DeliveryFile)));
    file->fd = fd;
    file->given_path = text_safe(path);

    // Where did we really open? A path component swapped for a symlink after realpath()
    // shows up here.
    char link[64];
    char opened[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, opened, sizeof opened - 1);
    if (n < 0)
        ereport(ERROR, (errcode_for_file_access(),
                        errmsg("could not resolve opened delivery \"%s\": %m", path)));
    opened[n] = '\0';
    if (!resolved_path_allowed(opened))
        refuse_location(path);
    file->resolved_path = text_safe(opened);

    if (fstat(fd, &file->st) != 0)
        ereport(ERROR, (errcode_for_file_access(),
                        errmsg("could not stat delivery \"%s\": %m", path)));
    if (!S_ISREG(file->st.st_mode))
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("delivery \"%s\" is not a regular file", path)));
    // Back to blocking reads for the regular file.
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return file;
}

namespace {

// The whole file's SHA-256 (sha256.hpp, owned by a memory context of its own), into
// out[65]; returns the bytes hashed.
uint64 sha256_of(DeliveryFile* file, char* out)
{
    MemoryContext hashing = AllocSetContextCreate(CurrentMemoryContext, "student_etl checksum", ALLOCSET_SMALL_SIZES);
    Sha256* digest = make_owned_by<Sha256>(hashing, "starting the checksum");
    char* buf = static_cast<char*>(MemoryContextAlloc(hashing, kHashChunk));
    uint64 total = 0;
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        const size_t n = read_delivery_at(file, buf, kHashChunk, total);
        if (n == 0)
            break;
        total += n;
        if (!run_cpp([&] { digest->update(buf, n); }))
            raise_caught_error("computing the checksum");
    }
    finish_checksum(digest, out);
    MemoryContextDelete(hashing);
    return total;
}

pg_attribute_noreturn() void refuse_changed(const DeliveryFile* file)
{
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("delivery \"%s\" changed while it was being loaded", file->given_path),
                    errdetail("Deliver files by writing them under another name and renaming them into place.")));
    pg_unreachable();
}

}  // namespace

void finish_checksum(Sha256* digest, char* out)
{
    if (!run_cpp([&] { digest->hex().copy(out, 64); }))
        raise_caught_error("computing the checksum");
    out[64] = '\0';
}

void checksum_delivery(DeliveryFile* file)
{
    check_delivery_unchanged(file, sha256_of(file, file->checksum));
}

void check_delivery_unchanged(DeliveryFile* file, uint64 bytes_read)
{
    struct stat now;
    if (fstat(file->fd, &now) != 0)
        ereport(ERROR, (errcode_for_file_access(),
                        errmsg("could not stat delivery \"%s\": %m", file->given_path)));
    const struct stat& then = file->st;
    if (now.st_size != then.st_size || now.st_ino != then.st_ino ||
        now.st_mtim.tv_sec != then.st_mtim.tv_sec || now.st_mtim.tv_nsec != then.st_mtim.tv_nsec ||
        bytes_read != static_cast<uint64>(then.st_size))
        refuse_changed(file);
    // Same size and modification time, but the inode changed: an in-place edit that restored
    // the modification time (cp -p, rsync --inplace -t) -- or only a rename, an unlink or a
    // chmod, which change nothing that was read. Read it once more to tell which.
    if (now.st_ctim.tv_sec != then.st_ctim.tv_sec || now.st_ctim.tv_nsec != then.st_ctim.tv_nsec) {
        char again[65];
        if (sha256_of(file, again) != bytes_read || strcmp(again, file->checksum) != 0)
            refuse_changed(file);
        file->st.st_ctim = now.st_ctim;   // checked: what was read is what is there
    }
}

void close_delivery(DeliveryFile* file)
{
    if (file->fd >= 0 && CloseTransientFile(file->fd) != 0)
        ereport(ERROR, (errcode_for_file_access(),
                        errmsg("could not close delivery \"%s\": %m", file->given_path)));
    file->fd = -1;
}

}  // namespace student_etl::pg
