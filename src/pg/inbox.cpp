// See inbox.hpp.
#include "inbox.hpp"

#include "allowed_paths.hpp"
#include "delivery_file.hpp"

extern "C" {
#include "storage/fd.h"
}

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

namespace student_etl::pg {

namespace {

constexpr const char* kOutcomeDirs[] = {"claimed", "processed", "failed"};

bool ends_with_ci(const char* s, const char* suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

// claimed/, processed/ or failed/ beside a directory (resolved or not).
char* sibling(const char* dir, const char* which)
{
    char* trimmed = pstrdup(dir);
    for (size_t n = strlen(trimmed); n > 1 && trimmed[n - 1] == '/'; --n)
        trimmed[n - 1] = '\0';
    char* parent = parent_directory(trimmed);
    return strcmp(parent, "/") == 0 ? psprintf("/%s", which) : psprintf("%s/%s", parent, which);
}

// A spool directory must be a real directory (not a symbolic link leading elsewhere) that the
// server can write; created if missing.
bool usable_spool_dir(const char* path)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        return S_ISDIR(st.st_mode) && access(path, W_OK | X_OK) == 0;
    if (errno != ENOENT)
        return false;
    return MakePGDirectory(path) == 0 || errno == EEXIST;
}

// A delivery, by name: *.csv (any case), not hidden. Nothing else in a swept directory is
// ever loaded or moved.
bool is_delivery_name(const char* name)
{
    return name[0] != '.' && ends_with_ci(name, ".csv");
}

int compare_names(const void* a, const void* b)
{
    return strcmp(static_cast<const InboxFile*>(a)->name, static_cast<const InboxFile*>(b)->name);
}

int compare_strings(const void* a, const void* b)
{
    return strcmp(*static_cast<char* const*>(a), *static_cast<char* const*>(b));
}

// Renames from to `to` unless `to` exists (link + unlink; rename where links are not
// possible). True if moved.
bool move_no_clobber(const char* from, const char* to)
{
    if (link(from, to) == 0) {
        if (unlink(from) == 0)
            return true;
        unlink(to);
        return false;
    }
    if (errno != EXDEV && errno != EPERM && errno != ENOTSUP)
        return false;
    struct stat st;
    return lstat(to, &st) != 0 && errno == ENOENT && rename(from, to) == 0;
}

// dir/prefix + name, with name cut (keeping its end, ".csv") so the entry fits NAME_MAX.
char* entry_path(const char* dir, const char* prefix, const char* name)
{
    const size_t room = NAME_MAX - strlen(prefix);
    const size_t len = strlen(name);
    if (len <= room)
        return psprintf("%s/%s%s", dir, prefix, name);
    return psprintf("%s/%s%s", dir, prefix, name + (len - room));
}

}  // namespace

const char* directory_problem(const char* dir, bool serve)
{
    PathCheck where = check_path(dir);
    if (where.verdict != PathVerdict::Allowed)
        return psprintf("directory \"%s\": it is not under a directory listed in student_etl.allowed_dirs", dir);
    const char* resolved = where.resolved;
    struct stat st;
    if (stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode))
        return psprintf("directory \"%s\": it is not a directory", dir);
    // claimed/, processed/ and failed/ go beside it: that place must be allowed too, or a
    // sweep would create and fill directories outside allowed_dirs.
    if (strcmp(resolved, "/") == 0 || !resolved_path_allowed(parent_directory(resolved)))
        return psprintf("directory \"%s\": claimed/, processed/ and failed/ beside it would fall outside student_etl.allowed_dirs",
                        dir);
    if (!serve)
        return nullptr;
    if (access(resolved, R_OK | W_OK | X_OK) != 0)
        return psprintf("directory \"%s\": it is not readable and writable by the server: %s", dir, strerror(errno));
    for (const char* which : kOutcomeDirs) {
        char* target = sibling(resolved, which);
        errno = 0;
        if (!usable_spool_dir(target))
            return psprintf("directory \"%s\": cannot use \"%s\" beside it: %s", dir, target,
                            errno ? strerror(errno) : "not a writable directory");
    }
    return nullptr;
}

int inbox_list_ready(const char* dir, int settle_ms, InboxFile** files)
{
    *files = nullptr;
    DIR* d = opendir(dir);
    if (d == nullptr)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int count = 0, capacity = 16;
    InboxFile* out = static_cast<InboxFile*>(palloc(sizeof(InboxFile) * capacity));
    size_t dir_len = strlen(dir);
    bool has_slash = dir_len > 0 && dir[dir_len - 1] == '/';
    for (struct dirent* e = readdir(d); e != nullptr; e = readdir(d)) {
        if (!is_delivery_name(e->d_name))
            continue;
        char* path = psprintf(has_slash ? "%s%s" : "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            pfree(path);
            continue;
        }
        // Still being written? Its contents (mtime) or its inode (ctime: a copy that sets an
        // old mtime, a rename into place) changed recently -- or in the future.
        const struct timespec& last = (st.st_ctim.tv_sec > st.st_mtim.tv_sec ||
                                       (st.st_ctim.tv_sec == st.st_mtim.tv_sec && st.st_ctim.tv_nsec > st.st_mtim.tv_nsec))
                                          ? st.st_ctim
                                          : st.st_mtim;
        int64 age_ms = (static_cast<int64>(now.tv_sec) - last.tv_sec) * 1000 +
                       (static_cast<int64>(now.tv_nsec) - last.tv_nsec) / 1000000;
        if (age_ms < settle_ms) {
            pfree(path);
            continue;
        }
        if (count == capacity) {
            capacity *= 2;
            out = static_cast<InboxFile*>(repalloc(out, sizeof(InboxFile) * capacity));
        }
        out[count].name = pstrdup(e->d_name);
        out[count].path = path;
        ++count;
    }
    closedir(d);
    qsort(out, count, sizeof(InboxFile), compare_names);
    *files = out;
    return count;
}

const char* inbox_claim(const char* dir, const InboxFile* f)
{
    PathCheck where = check_path(dir);
    if (where.verdict != PathVerdict::Allowed)
        return nullptr;
    char* claimed_dir = sibling(where.resolved, "claimed");
    // From here on the file has a name that is valid text: the queue and the audit record it.
    const char* name = text_safe(f->name);
    // A name already taken in claimed/ (a file of the same name waiting there) gets a prefix.
    for (int attempt = 0; attempt < 100; ++attempt) {
        char* target = entry_path(claimed_dir, attempt == 0 ? "" : psprintf("%d-", attempt), name);
        if (move_no_clobber(f->path, target))
            return target;
        if (errno != EEXIST)
            return nullptr;
    }
    return nullptr;
}

int spool_claimed_files(const char* dir, char*** paths)
{
    *paths = nullptr;
    PathCheck where = check_path(dir);
    if (where.verdict != PathVerdict::Allowed)
        return 0;
    char* claimed_dir = sibling(where.resolved, "claimed");
    DIR* d = opendir(claimed_dir);
    if (d == nullptr)
        return 0;
    int count = 0, capacity = 16;
    char** out = static_cast<char**>(palloc(sizeof(char*) * capacity));
    for (struct dirent* e = readdir(d); e != nullptr; e = readdir(d)) {
        if (!is_delivery_name(e->d_name))
            continue;
        if (count == capacity) {
            capacity *= 2;
            out = static_cast<char**>(repalloc(out, sizeof(char*) * capacity));
        }
        out[count++] = psprintf("%s/%s", claimed_dir, e->d_name);
    }
    closedir(d);
    qsort(out, count, sizeof(char*), compare_strings);
    *paths = out;
    return count;
}

const char* spool_settle(const char* path, bool ok, int64 run_id)
{
    const char* slash = strrchr(path, '/');
    if (slash == nullptr)
        return nullptr;
    char* dir = pnstrdup(path, slash - path);
    const char* name = slash + 1;
    char* prefix = run_id != 0 ? psprintf("%lld-", static_cast<long long>(run_id))
                               : psprintf("unrecorded-%lld-", static_cast<long long>(time(nullptr)));
    char* target = entry_path(sibling(dir, ok ? "processed" : "failed"), prefix, name);
    if (move_no_clobber(path, target))
        return target;
    // Kept where it is under a hidden name: never taken up again, never lost.
    (void) move_no_clobber(path, entry_path(dir, psprintf(".stuck-%s", prefix), name));
    return nullptr;
}

}  // namespace student_etl::pg
