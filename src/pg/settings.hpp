// The extension's GUCs (student_etl.*), defined in module.cpp.
#pragma once

namespace student_etl::pg {

// Comma-separated absolute directories that load() may read from; empty refuses every path.
extern char* allowed_dirs;
// Rows per table_multi_insert() batch.
extern int insert_batch_rows;
// Smallest group whose measures a dashboard viewer sees (student_etl._min_group_size()).
extern int min_group_size;
// Comma-separated field texts that count as missing besides the empty field (missing_values.hpp).
extern char* missing_value_markers;
// Likely dropouts (G3 = 0, absences = 0) count in pass rates (read by the metrics views).
extern bool pass_rate_includes_dropouts;

}  // namespace student_etl::pg

// Background worker and inbox (worker.cpp, inbox.cpp); see README, "Deliveries without a human".
namespace student_etl::pg {

// Database the worker connects to (postmaster start only).
extern char* worker_database_name;
// Role inbox files are loaded as; empty = the bootstrap superuser the worker connects as.
extern char* worker_role;
// Directory watched for new deliveries; empty = no inbox.
extern char* inbox_dir;
// Longest the worker sleeps between looks at the queue and the inbox, in ms.
extern int worker_naptime_ms;
// A file is picked up only once it has not been modified for this long, in ms.
extern int inbox_settle_ms;
// A job started this many times (each interrupted by a crash or shutdown) is given up.
extern int max_attempts;

// How many background workers load queued jobs at once (postmaster start only); worker 0
// also watches the inbox.
extern int max_workers;

// Set in _PG_init when loaded by shared_preload_libraries: the workers are registered.
extern bool worker_registered;

// worker_shmem.cpp
void worker_shmem_install_hooks();
// queue.cpp
void queue_install_xact_callback();
// worker.cpp
void register_workers();

}  // namespace student_etl::pg
