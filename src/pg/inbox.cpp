// See inbox.hpp.
#include "inbox.hpp"

#include "allowed_paths.hpp"

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

// Files whose move failed: skipped until restart instead of being loaded again every scan.
constexpr int kMaxStuck = 256;
struct StuckFile {
    dev_t dev;
    ino_t ino;
};
StuckFile stuck[kMaxStuck];
int stuck_count = 0;

bool is_stuck(dev_t dev, ino_t ino)
{
    for (int i = 0; i < stuck_count; ++i)
        if (stuck[i].dev == dev && stuck[i].ino == ino)
            return true;
    return false;
}

bool ends_with_ci(const char* s, const char* suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

// processed/ or failed/ beside the resolved directory.
char* sibling(const char* resolved, const char* which)
{
    char* parent = parent_directory(resolved);
    return strcmp(parent, "/") == 0 ? psprintf("/%s", which) : psprintf("%s/%s", parent, which);
}

// An outcome directory must be a real directory (not a symbolic link leading elsewhere) that
// the server can write; created if missing.
bool usable_outcome_dir(const char* path)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        return S_ISDIR(st.st_mode) && access(path, W_OK | X_OK) == 0;
    if (errno != ENOENT)
        return false;
    return MakePGDirectory(path) == 0 || errno == EEXIST;
}

// A delivery, by name: *.csv (any case), not hidden, not a temporary name a writer renames
// when done. Nothing else in a swept directory is ever loaded or moved.
bool is_delivery_name(const char* name)
{
    return name[0] != '.' && ends_with_ci(name, ".csv");
}

int compare_names(const void* a, const void* b)
{
    return strcmp(static_cast<const InboxFile*>(a)->name, static_cast<const InboxFile*>(b)->name);
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
    // processed/ and failed/ go beside it: that place must be allowed too, or a sweep would
    // create and fill directories outside allowed_dirs.
    if (strcmp(resolved, "/") == 0 || !resolved_path_allowed(parent_directory(resolved)))
        return psprintf("directory \"%s\": processed/ and failed/ beside it would fall outside student_etl.allowed_dirs",
                        dir);
    if (!serve)
        return nullptr;
    if (access(resolved, R_OK | W_OK | X_OK) != 0)
        return psprintf("directory \"%s\": it is not readable and writable by the server: %s", dir, strerror(errno));
    static const char* const kOutcomes[] = {"processed", "failed"};
    for (const char* which : kOutcomes) {
        char* target = sibling(resolved, which);
        if (!usable_outcome_dir(target))
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
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || is_stuck(st.st_dev, st.st_ino)) {
            pfree(path);
            continue;
        }
        // Still being written? Its modification time is recent (or in the future).
        int64 age_ms = (static_cast<int64>(now.tv_sec) - st.st_mtim.tv_sec) * 1000 +
                       (static_cast<int64>(now.tv_nsec) - st.st_mtim.tv_nsec) / 1000000;
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
        out[count].dev = st.st_dev;
        out[count].ino = st.st_ino;
        ++count;
    }
    closedir(d);
    qsort(out, count, sizeof(InboxFile), compare_names);
    *files = out;
    return count;
}

const char* inbox_move(const char* dir, const InboxFile* f, bool ok, int64 run_id)
{
    PathCheck where = check_path(dir);
    const char* resolved = where.verdict == PathVerdict::Allowed ? where.resolved : nullptr;
    const char* target = nullptr;
    if (resolved != nullptr) {
        char* where = sibling(resolved, ok ? "processed" : "failed");
        target = run_id != 0 ? psprintf("%s/%lld-%s", where, static_cast<long long>(run_id), f->name)
                             : psprintf("%s/unrecorded-%lld-%s", where, static_cast<long long>(time(nullptr)), f->name);
        // Never overwrite: link() fails if the target exists, rename() would not.
        if (link(f->path, target) == 0) {
            if (unlink(f->path) == 0)
                return target;
            unlink(target);
        } else if (errno == EXDEV || errno == EPERM || errno == ENOTSUP) {
            struct stat st;
            if (stat(target, &st) != 0 && errno == ENOENT && rename(f->path, target) == 0)
                return target;
        }
    }
    if (stuck_count < kMaxStuck)
        stuck[stuck_count++] = StuckFile{f->dev, f->ino};
    return nullptr;
}

}  // namespace student_etl::pg
