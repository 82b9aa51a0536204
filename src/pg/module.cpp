// Library entry point: defines the student_etl.* settings.
#include "guard.hpp"
#include "settings.hpp"

extern "C" {
#include "utils/guc.h"
}

#include <cstring>

namespace student_etl::pg {

char* allowed_dirs = nullptr;
int insert_batch_rows = 1000;

namespace {

// Every entry must be an absolute path: a relative one would depend on the server's
// working directory, which is the data directory.
bool check_allowed_dirs(char** newval, void** /*extra*/, GucSource /*source*/)
{
    const char* p = *newval;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            ++p;
        if (*p == '\0')
            break;
        if (*p != '/') {
            GUC_check_errdetail("Every directory in student_etl.allowed_dirs must be an absolute path.");
            return false;
        }
        p = std::strchr(p, ',');
    }
    return true;
}

}  // namespace
}  // namespace student_etl::pg

extern "C" {

PG_MODULE_MAGIC;

void _PG_init(void);

void _PG_init(void)
{
    using namespace student_etl::pg;

    DefineCustomStringVariable(
        "student_etl.allowed_dirs",
        "Directories that student_etl.load() may read deliveries from.",
        "Comma-separated absolute paths. A file is accepted only if its resolved location "
        "(symbolic links and .. resolved) lies under one of them. Empty refuses every file.",
        &allowed_dirs, "", PGC_SUSET, 0, check_allowed_dirs, nullptr, nullptr);

    DefineCustomIntVariable(
        "student_etl.insert_batch_rows",
        "Rows written per multi-insert batch by student_etl.load().",
        nullptr, &insert_batch_rows, 1000, 1, 100000, PGC_USERSET, 0, nullptr, nullptr, nullptr);

    MarkGUCPrefixReserved("student_etl");
}

}  // extern "C"
