// See worker_shmem.hpp. PG15: the space is requested in shmem_request_hook and the slot set up
// in shmem_startup_hook (both only when loaded by shared_preload_libraries).
#include "worker_shmem.hpp"

#include "settings.hpp"

extern "C" {
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
}

namespace student_etl::pg {

namespace {

struct WorkerSlot {
    slock_t mutex;
    pid_t pid;      // 0 when no worker runs
    Latch* latch;   // the worker's MyLatch (its PGPROC's procLatch): valid shared memory
};

WorkerSlot* slot = nullptr;
shmem_request_hook_type prev_request_hook = nullptr;
shmem_startup_hook_type prev_startup_hook = nullptr;

void request_shmem()
{
    if (prev_request_hook)
        prev_request_hook();
    RequestAddinShmemSpace(MAXALIGN(sizeof(WorkerSlot)));
}

void startup_shmem()
{
    if (prev_startup_hook)
        prev_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    slot = static_cast<WorkerSlot*>(ShmemInitStruct("student_etl worker", sizeof(WorkerSlot), &found));
    if (!found) {
        SpinLockInit(&slot->mutex);
        slot->pid = 0;
        slot->latch = nullptr;
    }
    LWLockRelease(AddinShmemInitLock);
}

void detach(int /*code*/, Datum /*arg*/)
{
    SpinLockAcquire(&slot->mutex);
    if (slot->pid == MyProcPid) {
        slot->pid = 0;
        slot->latch = nullptr;
    }
    SpinLockRelease(&slot->mutex);
}

}  // namespace

void worker_shmem_install_hooks()
{
    prev_request_hook = shmem_request_hook;
    shmem_request_hook = request_shmem;
    prev_startup_hook = shmem_startup_hook;
    shmem_startup_hook = startup_shmem;
}

void worker_shmem_attach()
{
    if (slot == nullptr)
        elog(ERROR, "student_etl: worker shared memory is not initialised");
    SpinLockAcquire(&slot->mutex);
    slot->pid = MyProcPid;
    slot->latch = MyLatch;
    SpinLockRelease(&slot->mutex);
    on_shmem_exit(detach, 0);
}

void wake_worker()
{
    if (slot == nullptr)
        return;
    SpinLockAcquire(&slot->mutex);
    Latch* latch = slot->latch;
    SpinLockRelease(&slot->mutex);
    // A latch of an exited worker is still a valid PGPROC latch: setting it is harmless.
    if (latch != nullptr)
        SetLatch(latch);
}

}  // namespace student_etl::pg
