/*
 * mutex_test.c: kernel mutexes (owned, recursive, a critical region) and
 * semaphores (counted, limited).
 */
#include "ktest.h"
#include "ke.h"

KTEST(mutex, recursive_ownership)
{
    KMUTEX m;
    KeInitializeMutex(&m, 0);
    KT_EXPECT_EQ(KeReadStateMutex(&m), 1);
    KT_EXPECT_EQ(KeWaitForMutexObject(&m, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    KT_EXPECT_EQ(KeReadStateMutex(&m), 0);
    KT_EXPECT_EQ(m.OwnerThread, KeGetCurrentThread());
    KT_EXPECT_EQ(KeGetCurrentThread()->KernelApcDisable, -1); /* a critical region */
    KT_EXPECT_EQ(KeWaitForMutexObject(&m, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    KT_EXPECT_EQ(KeReadStateMutex(&m), -1);
    KT_EXPECT_EQ(KeReleaseMutex(&m, FALSE), -1); /* returns the previous state */
    KT_EXPECT_EQ(m.OwnerThread, KeGetCurrentThread());
    KT_EXPECT_EQ(KeReleaseMutex(&m, FALSE), 0);
    KT_EXPECT_EQ(m.OwnerThread, NULL);
    KT_EXPECT_EQ(KeGetCurrentThread()->KernelApcDisable, 0);
}

typedef struct _MUTEX_CONTEXT {
    KMUTEX Mutex;
    volatile LONG Inside;
    volatile LONG Overlaps;
    volatile LONG64 Counter;
} MUTEX_CONTEXT;

static VOID MutexWorker(PVOID Context)
{
    MUTEX_CONTEXT *c = Context;
    for (ULONG i = 0; i < 300; i++) {
        KeWaitForMutexObject(&c->Mutex, Executive, KernelMode, FALSE, NULL);
        if (__atomic_add_fetch(&c->Inside, 1, __ATOMIC_ACQ_REL) != 1)
            __atomic_add_fetch(&c->Overlaps, 1, __ATOMIC_RELAXED);
        LONG64 v = c->Counter;
        if (i % 16 == 0)
            ZwYieldExecution(); /* hold it across a switch now and then */
        c->Counter = v + 1;
        __atomic_sub_fetch(&c->Inside, 1, __ATOMIC_ACQ_REL);
        KeReleaseMutex(&c->Mutex, FALSE);
    }
}

KTEST(mutex, excludes_threads_on_every_processor)
{
    MUTEX_CONTEXT c = {0};
    PKTHREAD t[8];
    KeInitializeMutex(&c.Mutex, 0);
    for (ULONG i = 0; i < 8; i++)
        t[i] = KtStartThread(MutexWorker, &c, 0, 0);
    for (ULONG i = 0; i < 8; i++)
        KtJoinThread(t[i], 30000);
    KT_EXPECT_EQ(c.Overlaps, 0);
    KT_EXPECT_EQ(c.Counter, 8 * 300);
    KT_EXPECT_EQ(KeReadStateMutex(&c.Mutex), 1);
}

KTEST(semaphore, counts_and_returns_previous)
{
    KSEMAPHORE s;
    LARGE_INTEGER zero = {.QuadPart = 0};
    KeInitializeSemaphore(&s, 2, 3);
    KT_EXPECT_EQ(KeReadStateSemaphore(&s), 2);
    KT_EXPECT_EQ(KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    KT_EXPECT_EQ(KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    KT_EXPECT_EQ(KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
    KT_EXPECT_EQ(KeReleaseSemaphore(&s, IO_NO_INCREMENT, 3, FALSE), 0);
    KT_EXPECT_EQ(KeReadStateSemaphore(&s), 3);
}

/* ---- misuse ---- */

static KMUTEX DeathMutex;
static KSEMAPHORE DeathSemaphore;

KTEST_DEATH(mutex, release_by_a_thread_that_does_not_own_it, THREAD_NOT_MUTEX_OWNER, KT_ANY,
            (ULONG_PTR)&DeathMutex, 0, 0)
{
    KeInitializeMutex(&DeathMutex, 0);
    KeReleaseMutex(&DeathMutex, FALSE);
}

static VOID ExitOwningMutex(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KeWaitForMutexObject(&DeathMutex, Executive, KernelMode, FALSE, NULL);
}

KTEST_DEATH(mutex, thread_exits_holding_it, THREAD_TERMINATE_HELD_MUTEX, KT_ANY,
            (ULONG_PTR)&DeathMutex, 0, 0)
{
    KeInitializeMutex(&DeathMutex, 0);
    KtJoinThread(KtStartThread(ExitOwningMutex, NULL, 0, 0), 5000);
}

KTEST_DEATH(semaphore, release_past_the_limit, KMODE_EXCEPTION_NOT_HANDLED,
            (ULONG)STATUS_SEMAPHORE_LIMIT_EXCEEDED, KT_ANY, 0, 0)
{
    KeInitializeSemaphore(&DeathSemaphore, 1, 2);
    KeReleaseSemaphore(&DeathSemaphore, IO_NO_INCREMENT, 2, FALSE);
}

/* KeReleaseMutex and KeReleaseSemaphore take Wait as KeSetEvent does: the
   next wait starts with the dispatcher lock already held. */
KTEST(mutex, release_with_wait_true_then_wait)
{
    KMUTEX m;
    KEVENT done;
    KeInitializeMutex(&m, 0);
    KeInitializeEvent(&done, NotificationEvent, TRUE);
    KeWaitForMutexObject(&m, Executive, KernelMode, FALSE, NULL);
    KT_EXPECT_EQ(KeReleaseMutex(&m, TRUE), 0);
    KIRQL between = KeGetCurrentIrql();
    BOOLEAN waitNext = KeGetCurrentThread()->WaitNext;
    KT_EXPECT_EQ(KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    KT_EXPECT_EQ(between, SYNCH_LEVEL);
    KT_EXPECT_TRUE(waitNext);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KT_EXPECT_EQ(KeReadStateMutex(&m), 1);
}

KTEST(semaphore, release_with_wait_true_then_wait)
{
    KSEMAPHORE s;
    KeInitializeSemaphore(&s, 0, 1);
    KT_EXPECT_EQ(KeReleaseSemaphore(&s, IO_NO_INCREMENT, 1, TRUE), 0);
    KIRQL between = KeGetCurrentIrql();
    /* The wait consumes what the release just gave: the pair of seed 000. */
    KT_EXPECT_EQ(KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    KT_EXPECT_EQ(between, SYNCH_LEVEL);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KT_EXPECT_EQ(KeReadStateSemaphore(&s), 0);
}
