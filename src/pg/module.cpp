// Library entry point: defines the student_etl.* settings; with shared_preload_libraries, also
// registers the background worker and its shared memory.
#include "guard.hpp"
#include "settings.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
}

#include <cstring>

namespace student_etl::pg {

char* allowed_dirs = nullptr;
int insert_batch_rows = 1000;
char* worker_database_name = nullptr;
char* worker_role = nullptr;
char* inbox_dir = nullptr;
int worker_naptime_ms = 10000;
int inbox_settle_ms = 2000;
int max_attempts = 3;
int max_workers = 1;
int min_group_size = 5;
double drift_mean_threshold = 0.2;
double drift_share_threshold = 0.05;
double drift_count_threshold = 0.1;
bool worker_registered = false;
char* missing_value_markers = nullptr;
bool pass_rate_includes_dropouts = false;

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

bool check_absolute_or_empty(char** newval, void** /*extra*/, GucSource /*source*/)
{
    if (*newval && **newval && **newval != '/') {
        GUC_check_errdetail("student_etl.inbox_dir must be an absolute path, or empty to turn the inbox off.");
        return false;
    }
    return true;
}

// A marker of 64 bytes or more would never match (missing_values.hpp): refuse it.
bool check_missing_value_markers(char** newval, void** /*extra*/, GucSource /*source*/)
{
    const char* p = *newval;
    while (p && *p) {
        const char* comma = std::strchr(p, ',');
        const size_t len = comma ? static_cast<size_t>(comma - p) : std::strlen(p);
        if (len >= 64) {
            GUC_check_errdetail("Every marker in student_etl.missing_value_markers must be shorter than 64 bytes.");
            return false;
        }
        p = comma ? comma + 1 : nullptr;
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

    DefineCustomStringVariable(
        "student_etl.missing_value_markers",
        "Field texts that count as a missing value, besides the empty field.",
        "Comma-separated, each trimmed of spaces and matched whole and case-insensitively. What a "
        "missing value becomes is set per column in student_etl.missing_value_policy.",
        &missing_value_markers, "NA,N/A,null,?", PGC_SUSET, 0, check_missing_value_markers, nullptr, nullptr);

    DefineCustomBoolVariable(
        "student_etl.pass_rate_includes_dropouts",
        "Count likely dropouts (G3 = 0 with absences = 0) in pass rates.",
        "Off: the metrics views leave them out of pass rates (they left rather than failed); "
        "their number is shown beside (likely_dropouts).",
        &pass_rate_includes_dropouts, false, PGC_USERSET, 0, nullptr, nullptr, nullptr);


    DefineCustomStringVariable(
        "student_etl.worker_role",
        "Role the background worker loads inbox files as.",
        "Empty: the bootstrap superuser. Otherwise a role holding the loader profile "
        "(student_etl.grant_access); it needs no LOGIN. Queued jobs always load as the role that enqueued them.",
        &worker_role, "", PGC_SIGHUP, 0, nullptr, nullptr, nullptr);

    DefineCustomStringVariable(
        "student_etl.inbox_dir",
        "Directory the background worker watches for new deliveries.",
        "Absolute path under student_etl.allowed_dirs; empty turns the inbox off. Files are moved "
        "to processed/ or failed/ beside it once loaded.",
        &inbox_dir, "", PGC_SIGHUP, 0, check_absolute_or_empty, nullptr, nullptr);

    DefineCustomIntVariable(
        "student_etl.worker_naptime",
        "Longest time the background worker sleeps between looks at the queue and the inbox.",
        "enqueue() wakes it at once; the inbox is looked at this often.",
        &worker_naptime_ms, 10000, 100, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "student_etl.inbox_settle_time",
        "How long an inbox file must go unmodified before it is picked up.",
        "A file still being written keeps a recent modification time.",
        &inbox_settle_ms, 2000, 0, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "student_etl.max_attempts",
        "How many times the background worker starts a job before giving it up.",
        "A job (a queued delivery, or a claimed inbox file) whose loads were interrupted by a crash "
        "or a shutdown this many times is failed with that reason, and its file moved to failed/.",
        &max_attempts, 3, 1, 100, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);

    // Privacy of the dashboards (docs/analyst.md): superuser-only, so that a viewer cannot lower
    // it for its own session; read by the views through student_etl._min_group_size(), which
    // loads this library -- so no placeholder a viewer set before can stand in for it.
    DefineCustomIntVariable(
        "student_etl.min_group_size",
        "Smallest group of students a dashboard viewer may see a measure of.",
        "Cells of the aggregate views over fewer students are withheld (NULL, suppressed = true) "
        "from roles below the analyst profile, with complementary cells so that none can be "
        "recovered from a published total. 1 withholds nothing.",
        &min_group_size, 5, 1, 1000000, PGC_SUSET, 0, nullptr, nullptr, nullptr);

    // Drift of a delivery against the previous one of its subject (student_etl.delivery_drift),
    // read through student_etl._drift_threshold(kind). Each viewer may choose its own.
    DefineCustomRealVariable(
        "student_etl.drift_mean_threshold",
        "Shift of a column's mean, in standard deviations of the previous delivery, flagged as drift.",
        nullptr, &drift_mean_threshold, 0.2, 0.0, 1000.0, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomRealVariable(
        "student_etl.drift_share_threshold",
        "Change of a code's share of the students (0-1) flagged as drift.",
        nullptr, &drift_share_threshold, 0.05, 0.0, 1.0, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomRealVariable(
        "student_etl.drift_count_threshold",
        "Relative change of the number of students (0.1 = 10 %) flagged as drift.",
        nullptr, &drift_count_threshold, 0.1, 0.0, 1000.0, PGC_USERSET, 0, nullptr, nullptr, nullptr);

    // The worker and its postmaster-time setting exist only when preloaded; a session that
    // loads the library later (load() without the worker) must not define a PGC_POSTMASTER
    // setting, which PostgreSQL refuses after startup.
    if (process_shared_preload_libraries_in_progress) {
        DefineCustomStringVariable(
            "student_etl.database_name",
            "Database the student_etl background workers connect to.",
            "The workers serve the queue (student_etl.load_jobs) and the inbox of this database only.",
            &worker_database_name, "postgres", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
        DefineCustomIntVariable(
            "student_etl.max_workers",
            "How many background workers load queued deliveries at once.",
            "Each claims the next queued job (FOR UPDATE SKIP LOCKED) and loads it in its own "
            "transaction; worker 0 also watches the inbox. Each takes one of max_worker_processes.",
            &max_workers, 1, 1, 32, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    }

    MarkGUCPrefixReserved("student_etl");

    queue_install_xact_callback();
    if (process_shared_preload_libraries_in_progress) {
        worker_shmem_install_hooks();
        register_workers();
        worker_registered = true;
    }
}

}  // extern "C"

namespace student_etl::pg {
namespace {
Datum min_group_size_impl(FunctionCallInfo /*fcinfo*/)
{
    PG_RETURN_INT32(min_group_size);
}

Datum drift_threshold_impl(FunctionCallInfo fcinfo)
{
    const char* kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
    if (std::strcmp(kind, "mean") == 0)
        PG_RETURN_FLOAT8(drift_mean_threshold);
    if (std::strcmp(kind, "share") == 0)
        PG_RETURN_FLOAT8(drift_share_threshold);
    if (std::strcmp(kind, "students") == 0)
        PG_RETURN_FLOAT8(drift_count_threshold);
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("no drift threshold for \"%s\"", kind),
                    errhint("The kinds are mean, share and students.")));
}
}  // namespace
}  // namespace student_etl::pg

// student_etl._min_group_size(): the setting, from this library's own variable.
STUDENT_ETL_SQL_FUNCTION(student_etl_min_group_size, student_etl::pg::min_group_size_impl)
// student_etl._drift_threshold(kind): the drift setting for mean, share or students.
STUDENT_ETL_SQL_FUNCTION(student_etl_drift_threshold, student_etl::pg::drift_threshold_impl)
