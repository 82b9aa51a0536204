// See worker_shmem.hpp. PG15: the space is requested in shmem_request_hook and the slots set up
// in shmem_startup_hook (both only when loaded by shared_preload_libraries). One slot per
// worker (student_etl.max_workers, fixed at postmaster start).
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

WorkerSlot* slots = nullptr;   // max_workers of them
WorkerSlot* my_slot = nullptr;
shmem_request_hook_type prev_request_hook = nullptr;
shmem_startup_hook_type prev_startup_hook = nullptr;

void request_shmem()
{
    if (prev_request_hook)
        prev_request_hook();
    RequestAddinShmemSpace(MAXALIGN(mul_size(sizeof(WorkerSlot), max_workers)));
}

void startup_shmem()
{
    if (prev_startup_hook)
        prev_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    slots = static_cast<WorkerSlot*>(
        ShmemInitStruct("student_etl workers", mul_size(sizeof(WorkerSlot), max_workers), &found));
    for (int i = 0; !found && i < max_workers; ++i) {
        SpinLockInit(&slots[i].mutex);
        slots[i].pid = 0;
        slots[i].latch = nullptr;
    }
    LWLockRelease(AddinShmemInitLock);
}

void detach(int /*code*/, Datum /*arg*/)
{
    SpinLockAcquire(&my_slot->mutex);
    if (my_slot->pid == MyProcPid) {
        my_slot->pid = 0;
        my_slot->latch = nullptr;
    }
    SpinLockRelease(&my_slot->mutex);
}

}  // namespace

void worker_shmem_install_hooks()
{
    prev_request_hook = shmem_request_hook;
    shmem_request_hook = request_shmem;
    prev_startup_hook = shmem_startup_hook;
    shmem_startup_hook = startup_shmem;
}

void worker_shmem_attach(int index)
{
    if (slots == nullptr || index < 0 || index >= max_workers)
        elog(ERROR, "student_etl: worker shared memory is not initialised");
    my_slot = &slots[index];
    SpinLockAcquire(&my_slot->mutex);
    my_slot->pid = MyProcPid;
    my_slot->latch = MyLatch;
    SpinLockRelease(&my_slot->mutex);
    on_shmem_exit(detach, 0);
}

void wake_worker()
{
    for (int i = 0; slots != nullptr && i < max_workers; ++i) {
        SpinLockAcquire(&slots[i].mutex);
        Latch* latch = slots[i].latch;
        SpinLockRelease(&slots[i].mutex);
        // A latch of an exited worker is still a valid PGPROC latch: setting it is harmless.
        if (latch != nullptr)
            SetLatch(latch);
    }
}

}  // namespace student_etl::pg
