// Small shared-memory slots naming the background workers' latches, so that a backend can wake
// them (enqueue() does, at commit). PostgreSQL-side code, plain data only.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace student_etl::pg {

// Worker number `index` (0 .. max_workers - 1) announces itself (and is forgotten again when
// it exits).
void worker_shmem_attach(int index);

// Sets every running worker's latch; a no-op without the slots (library not preloaded).
void wake_worker();

}  // namespace student_etl::pg
