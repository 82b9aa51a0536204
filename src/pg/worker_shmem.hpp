// A small shared-memory slot naming the background worker's latch, so that a backend can wake
// it (enqueue() does, at commit). PostgreSQL-side code, plain data only.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace student_etl::pg {

// The worker announces itself (and is forgotten again when it exits).
void worker_shmem_attach();

// Sets the worker's latch if a worker is running; a no-op otherwise (or without the slot,
// i.e. when the library was not preloaded).
void wake_worker();

}  // namespace student_etl::pg
