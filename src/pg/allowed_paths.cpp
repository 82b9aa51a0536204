// See allowed_paths.hpp.
#include "allowed_paths.hpp"

#include "settings.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

namespace student_etl::pg {

namespace {

// True if `path` (already resolved) is `dir` itself or lies below it.
bool is_under(const char* path, const char* dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        --n;
    if (n == 1 && dir[0] == '/')
        return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

// The deepest existing ancestor of path (a copy), resolved; nullptr if none resolves.
char* resolve_deepest_ancestor(const char* path)
{
    char* prefix = pstrdup(path);
    char resolved[PATH_MAX];
    for (;;) {
        char* slash = strrchr(prefix, '/');
        if (slash == nullptr)
            return nullptr;
        if (slash == prefix) {
            prefix[1] = '\0';
        } else {
            *slash = '\0';
        }
        if (realpath(prefix, resolved) != nullptr)
            return pstrdup(resolved);
        if (errno != ENOENT && errno != ENOTDIR)
            return nullptr;
        if (prefix[1] == '\0')
            return nullptr;
    }
}

PathCheck outside()
{
    return PathCheck{PathVerdict::Outside, nullptr, 0};
}

}  // namespace

bool resolved_path_allowed(const char* resolved)
{
    char* list = pstrdup(allowed_dirs ? allowed_dirs : "");
    char* save = nullptr;
    bool allowed = false;
    for (char* tok = strtok_r(list, ",", &save); tok && !allowed; tok = strtok_r(nullptr, ",", &save)) {
        while (*tok == ' ')
            ++tok;
        char* end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ')
            *--end = '\0';
        if (*tok != '/')
            continue;
        char dir[PATH_MAX];
        if (realpath(tok, dir) != nullptr)   // a missing directory allows nothing
            allowed = is_under(resolved, dir);
    }
    pfree(list);
    return allowed;
}

char* parent_directory(const char* resolved)
{
    const char* slash = strrchr(resolved, '/');
    if (slash == nullptr || slash == resolved)
        return pstrdup("/");
    return pnstrdup(resolved, slash - resolved);
}

PathCheck check_path(const char* path)
{
    if (path == nullptr || path[0] != '/' || strlen(path) >= PATH_MAX)
        return outside();
    // The entry itself, without trailing slashes: "/a/dir/" names "/a/dir".
    char* entry = pstrdup(path);
    for (size_t n = strlen(entry); n > 1 && entry[n - 1] == '/'; --n)
        entry[n - 1] = '\0';

    // Where it really is, if that is allowed, is no secret (an allowed directory itself, say).
    char resolved[PATH_MAX];
    if (realpath(entry, resolved) != nullptr && resolved_path_allowed(resolved))
        return PathCheck{PathVerdict::Allowed, pstrdup(resolved), 0};

    // Otherwise its directory must resolve under allowed_dirs before anything about the entry
    // is said.
    char* parent = parent_directory(entry);
    char resolved_parent[PATH_MAX];
    if (realpath(parent, resolved_parent) == nullptr) {
        // A missing directory inside an allowed one is just missing; anywhere else it is
        // outside, like everything else there.
        char* ancestor = resolve_deepest_ancestor(parent);
        if (ancestor != nullptr && resolved_path_allowed(ancestor))
            return PathCheck{PathVerdict::Missing, nullptr, ENOENT};
        return outside();
    }
    if (!resolved_path_allowed(resolved_parent))
        return outside();

    const char* base = strrchr(entry, '/') + 1;
    char* candidate = strcmp(resolved_parent, "/") == 0 ? psprintf("/%s", base)
                                                        : psprintf("%s/%s", resolved_parent, base);
    struct stat st;
    if (lstat(candidate, &st) != 0)
        return PathCheck{PathVerdict::Missing, nullptr, errno};
    // It exists but resolves outside ("..", a symbolic link leading elsewhere), or does not
    // resolve at all: a dangling link may point anywhere.
    return outside();
}

}  // namespace student_etl::pg
