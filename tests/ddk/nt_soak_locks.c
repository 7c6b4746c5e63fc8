/*
 * nt_soak_locks.c: threads holding one mutex and one semaphore.
 *
 * One thread per processor, unpinned, each step choosing: the mutex, one
 * to three times over (recursively); the semaphore; or both in one WaitAll.
 * Inside, each checks what the objects say (the mutex's owner and state,
 * the semaphore's count) and that nobody else is inside the mutex and no
 * more than its limit inside the semaphore, then works a little (spinning,
 * or yielding the processor while holding it) and releases, checking what
 * each release returns.
 */
#include "nt_soak.h"

#define SOAK_SEMAPHORE_LIMIT 2

typedef struct _SOAK_LOCKS {
    SOAK *Soak;
    KMUTEX Mutex;
    KSEMAPHORE Semaphore;
    volatile LONG InMutex;
    volatile LONG InSemaphore;
} SOAK_LOCKS;

typedef struct _SOAK_LOCK_USER {
    SOAK_LOCKS *Locks;
    ULONG Number;
} SOAK_LOCK_USER;

static SOAK_LOCKS SoakLocks;
static SOAK_LOCK_USER SoakLockUsers[MAXIMUM_PROCESSORS];

static VOID SoakWork(SOAK_RANDOM *Random)
{
    ULONG spins = SoakRandom(Random, 400);
    if (spins < 10) {
        ZwYieldExecution();
        return;
    }
    for (ULONG i = 0; i < spins; i++)
        YieldProcessor();
}

static VOID SoakEnterMutex(SOAK_LOCKS *L, LONG Depth)
{
    PKTHREAD self = KeGetCurrentThread();
    if (L->Mutex.OwnerThread != self || KeReadStateMutex(&L->Mutex) != 1 - Depth)
        SoakFail(L->Soak, "mutex at depth %d: owner %p state %d", Depth, L->Mutex.OwnerThread,
                 KeReadStateMutex(&L->Mutex));
    if (Depth == 1 && __atomic_add_fetch(&L->InMutex, 1, __ATOMIC_ACQ_REL) != 1)
        SoakFail(L->Soak, "two threads inside the mutex");
}

static VOID SoakLeaveMutex(SOAK_LOCKS *L, LONG Depth)
{
    if (Depth == 1)
        __atomic_sub_fetch(&L->InMutex, 1, __ATOMIC_ACQ_REL);
    LONG previous = KeReleaseMutex(&L->Mutex, FALSE);
    if (previous != 1 - Depth)
        SoakFail(L->Soak, "KeReleaseMutex at depth %d returned %d", Depth, previous);
}

static VOID SoakEnterSemaphore(SOAK_LOCKS *L)
{
    LONG inside = __atomic_add_fetch(&L->InSemaphore, 1, __ATOMIC_ACQ_REL);
    if (inside > SOAK_SEMAPHORE_LIMIT)
        SoakFail(L->Soak, "%d threads inside a semaphore of limit %d", inside,
                 SOAK_SEMAPHORE_LIMIT);
}

static VOID SoakLeaveSemaphore(SOAK_LOCKS *L)
{
    __atomic_sub_fetch(&L->InSemaphore, 1, __ATOMIC_ACQ_REL);
    LONG previous = KeReleaseSemaphore(&L->Semaphore, IO_NO_INCREMENT, 1, FALSE);
    if (previous < 0 || previous >= SOAK_SEMAPHORE_LIMIT)
        SoakFail(L->Soak, "KeReleaseSemaphore returned count %d (limit %d)", previous,
                 SOAK_SEMAPHORE_LIMIT);
}

static VOID SoakHoldMutex(SOAK_LOCKS *L, SOAK_RANDOM *Random)
{
    LONG depth = 1 + (LONG)SoakRandom(Random, 3), held = 0;
    while (held < depth && SoakWait(L->Soak, &L->Mutex, "mutex"))
        SoakEnterMutex(L, ++held);
    if (held == depth)
        SoakWork(Random);
    while (held > 0)
        SoakLeaveMutex(L, held--);
    SoakCount(L->Soak, SoakMutexHolds, 1);
}

static VOID SoakHoldSemaphore(SOAK_LOCKS *L, SOAK_RANDOM *Random)
{
    if (!SoakWait(L->Soak, &L->Semaphore, "semaphore"))
        return;
    SoakEnterSemaphore(L);
    SoakWork(Random);
    SoakLeaveSemaphore(L);
    SoakCount(L->Soak, SoakSemaphoreHolds, 1);
}

static VOID SoakHoldBoth(SOAK_LOCKS *L, SOAK_RANDOM *Random)
{
    PVOID both[2] = {&L->Mutex, &L->Semaphore};
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    NTSTATUS status =
        KeWaitForMultipleObjects(2, both, WaitAll, Executive, KernelMode, FALSE, &timeout, NULL);
    if (status != STATUS_WAIT_0) {
        SoakFail(L->Soak, "WaitAll on the mutex and the semaphore: status 0x%x", status);
        return;
    }
    SoakEnterMutex(L, 1);
    SoakEnterSemaphore(L);
    SoakWork(Random);
    SoakLeaveSemaphore(L);
    SoakLeaveMutex(L, 1);
    SoakCount(L->Soak, SoakWaitAllHolds, 1);
}

static VOID SoakLockUser(PVOID Context)
{
    SOAK_LOCK_USER *user = Context;
    SOAK_LOCKS *l = user->Locks;
    SOAK_RANDOM random;
    SoakSeedRandom(l->Soak, 200 + user->Number, &random);
    while (!__atomic_load_n(&l->Soak->Stop, __ATOMIC_ACQUIRE) && l->Soak->Failures == 0) {
        ULONG choice = SoakRandom(&random, 8);
        if (choice < 4)
            SoakHoldMutex(l, &random);
        else if (choice < 7)
            SoakHoldSemaphore(l, &random);
        else
            SoakHoldBoth(l, &random);
        KtSleep(SOAK_PAUSE_MS + SoakRandom(&random, SOAK_PAUSE_MS));
    }
}

VOID SoakStartLocks(SOAK *Soak)
{
    SOAK_LOCKS *l = &SoakLocks;
    RtlZeroMemory(l, sizeof(*l));
    l->Soak = Soak;
    KeInitializeMutex(&l->Mutex, 0);
    KeInitializeSemaphore(&l->Semaphore, SOAK_SEMAPHORE_LIMIT, SOAK_SEMAPHORE_LIMIT);
    for (ULONG i = 0; i < KeNumberProcessors; i++) {
        SoakLockUsers[i] = (SOAK_LOCK_USER){l, i};
        SoakStartThread(Soak, SoakLockUser, &SoakLockUsers[i], 0);
    }
}
