/*
 * nt_mutex_test.c: KMUTEX as the WDK documents it, field by field.
 *
 * KeInitializeMutex leaves the mutex free (SignalState 1), unowned, not
 * abandoned, with an empty wait list. A wait makes its caller the owner
 * and puts it in a critical region; the owner may acquire it again (the
 * state counts down: 0, -1, ...), and each KeReleaseMutex returns the
 * state before it. The last release hands the mutex to the first waiter
 * in line. Releasing a mutex one does not own is THREAD_NOT_MUTEX_OWNER
 * (0x11); a kernel mutex cannot be abandoned: a thread that ends owning
 * one is THREAD_TERMINATE_HELD_MUTEX (0x4C), as in NT's thread rundown.
 */
#include "ntconf.h"

#define WAITERS 2

static VOID ExpectFreeMutex(PKMUTEX Mutex, ULONG Waiters, PCSTR File, ULONG Line)
{
    ConfCheckHeader(Mutex,
                    &(DISPATCHER_HEADER){
                        .Type = MutantObject, .Size = CONF_SIZE_IN_LONGS(KMUTEX), .SignalState = 1},
                    Waiters, File, Line);
    KtCheck(KtEq, (LONG64)Mutex->OwnerThread, 0, "OwnerThread", "NULL", File, Line);
    KtCheck(KtEq, Mutex->Abandoned, FALSE, "Abandoned", "FALSE", File, Line);
    KtCheck(KtEq, Mutex->ApcDisable, 1, "ApcDisable", "1", File, Line);
}
#define EXPECT_FREE_MUTEX(m, waiters) ExpectFreeMutex((m), (waiters), __FILE__, __LINE__)

KTEST(nt_mutex, initialize_fills_every_field)
{
    KMUTEX m;
    KT_EXPECT_EQ(sizeof(KMUTEX), 56); /* x64 */
    ConfPoison(&m);
    KeInitializeMutex(&m, 0);
    EXPECT_FREE_MUTEX(&m, 0);
    KT_EXPECT_EQ(KeReadStateMutex(&m), 1);
}

KTEST(nt_mutex, a_wait_makes_the_caller_its_owner)
{
    KMUTEX m;
    KeInitializeMutex(&m, 0);
    KT_EXPECT_EQ(KeWaitForMutexObject(&m, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    CONF_EXPECT_HEADER(&m, 0, .Type = MutantObject, .Size = CONF_SIZE_IN_LONGS(KMUTEX),
                       .SignalState = 0);
    KT_EXPECT_EQ(m.OwnerThread, KeGetCurrentThread());
    KT_EXPECT_EQ(KeReadStateMutex(&m), 0);
    KT_EXPECT_EQ(KeReleaseMutex(&m, FALSE), 0);
    EXPECT_FREE_MUTEX(&m, 0);
}

KTEST(nt_mutex, its_owner_acquires_it_again_and_releases_it_as_often)
{
    KMUTEX m;
    LARGE_INTEGER zero = {.QuadPart = 0};
    KeInitializeMutex(&m, 0);
    for (LONG depth = 1; depth <= 3; depth++) {
        /* The owner's wait is satisfied at once, even a zero-timeout one. */
        KT_EXPECT_EQ(KeWaitForMutexObject(&m, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
        KT_EXPECT_EQ(KeReadStateMutex(&m), 1 - depth);
        KT_EXPECT_EQ(m.OwnerThread, KeGetCurrentThread());
    }
    for (LONG depth = 3; depth >= 1; depth--) {
        KT_EXPECT_EQ(KeReleaseMutex(&m, FALSE), 1 - depth); /* the state before the release */
        KT_EXPECT_EQ(m.OwnerThread, depth > 1 ? KeGetCurrentThread() : NULL);
    }
    EXPECT_FREE_MUTEX(&m, 0);
}

/* A zero-timeout wait by a thread that does not own the mutex. */
typedef struct _ATTEMPT {
    PKMUTEX Mutex;
    volatile NTSTATUS Status;
} ATTEMPT;

static VOID TryAcquire(PVOID Context)
{
    ATTEMPT *a = Context;
    LARGE_INTEGER zero = {.QuadPart = 0};
    a->Status = KeWaitForMutexObject(a->Mutex, Executive, KernelMode, FALSE, &zero);
}

KTEST(nt_mutex, another_threads_wait_times_out_while_it_is_owned)
{
    KMUTEX m;
    ATTEMPT attempt = {&m, STATUS_PENDING};
    KeInitializeMutex(&m, 0);
    KeWaitForMutexObject(&m, Executive, KernelMode, FALSE, NULL);
    KtJoinThread(KtStartThread(TryAcquire, &attempt, 0, 0), CONF_WAIT_MS);
    KT_EXPECT_EQ(attempt.Status, STATUS_TIMEOUT);
    KT_EXPECT_EQ(m.OwnerThread, KeGetCurrentThread());
    KT_EXPECT_EQ(KeReadStateMutex(&m), 0);
    KeReleaseMutex(&m, FALSE);
}

/* A waiter given the mutex keeps it until the test opens Gate. */
typedef struct _HANDOVER {
    KMUTEX Mutex;
    KEVENT Gate;
} HANDOVER;

static VOID ReleaseWhenAllowed(CONF_WAITER *Waiter)
{
    HANDOVER *h = Waiter->Context;
    if (Waiter->Status != STATUS_SUCCESS)
        return;
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    KeWaitForSingleObject(&h->Gate, Executive, KernelMode, FALSE, &timeout);
    KeReleaseMutex(&h->Mutex, FALSE);
}

KTEST(nt_mutex, the_last_release_hands_it_to_the_first_waiter)
{
    HANDOVER h;
    CONF_WAITER w[WAITERS];
    CONF_WAITER waiter = {.Objects = {&h.Mutex}, .AfterWake = ReleaseWhenAllowed, .Context = &h};
    KeInitializeMutex(&h.Mutex, 0);
    KeInitializeEvent(&h.Gate, NotificationEvent, FALSE);
    KeWaitForMutexObject(&h.Mutex, Executive, KernelMode, FALSE, NULL);
    KeWaitForMutexObject(&h.Mutex, Executive, KernelMode, FALSE, NULL);
    if (ConfStartWaiters(w, WAITERS, &waiter)) {
        KT_EXPECT_EQ(KeReleaseMutex(&h.Mutex, FALSE), -1); /* still owned once: nobody goes */
        CONF_EXPECT_HEADER(&h.Mutex, WAITERS, .Type = MutantObject,
                           .Size = CONF_SIZE_IN_LONGS(KMUTEX), .SignalState = 0);
        KT_EXPECT_EQ(KeReleaseMutex(&h.Mutex, FALSE), 0);
        /* The call itself made the first waiter the owner. */
        CONF_EXPECT_HEADER(&h.Mutex, WAITERS - 1, .Type = MutantObject,
                           .Size = CONF_SIZE_IN_LONGS(KMUTEX), .SignalState = 0);
        KT_EXPECT_EQ(h.Mutex.OwnerThread, w[0].Thread);
        KT_EXPECT_EQ(ConfWaiterAt(&h.Mutex, 0), w[1].Thread);
        /* The first owner's release makes the second the owner, who
           releases it in turn. */
        KeSetEvent(&h.Gate, IO_NO_INCREMENT, FALSE);
    } else {
        KeReleaseMutex(&h.Mutex, FALSE);
        KeReleaseMutex(&h.Mutex, FALSE);
        KeSetEvent(&h.Gate, IO_NO_INCREMENT, FALSE);
    }
    ConfJoinWaiters(w, WAITERS);
    for (ULONG i = 0; i < WAITERS; i++)
        KT_EXPECT_EQ(w[i].Status, STATUS_SUCCESS);
    EXPECT_FREE_MUTEX(&h.Mutex, 0);
}

/* Owning a mutex is a critical region: a normal kernel APC queued to the
   owner waits until the mutex is released, and runs as that release
   returns. */
static VOID CountApc(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext,
                     PVOID *Argument1, PVOID *Argument2)
{
    UNREFERENCED_PARAMETER(Apc);
    UNREFERENCED_PARAMETER(NormalRoutine);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    __atomic_add_fetch((volatile LONG *)*NormalContext, 1, __ATOMIC_RELAXED);
}

static VOID NormalNothing(PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
}

KTEST(nt_mutex, its_owner_runs_no_normal_kernel_apc_until_it_releases_it)
{
    KMUTEX m;
    KAPC apc;
    volatile LONG ran = 0;
    KeInitializeMutex(&m, 0);
    KeWaitForMutexObject(&m, Executive, KernelMode, FALSE, NULL);
    KeInitializeApc(&apc, KeGetCurrentThread(), OriginalApcEnvironment, CountApc, NULL,
                    NormalNothing, KernelMode, (PVOID)&ran);
    KT_EXPECT_TRUE(KeInsertQueueApc(&apc, NULL, NULL, IO_NO_INCREMENT));
    KT_EXPECT_EQ(ran, 0);
    KeReleaseMutex(&m, FALSE);
    KT_EXPECT_EQ(ran, 1);
}

KTEST(nt_mutex, release_with_wait_true_returns_at_synch_level_until_the_wait)
{
    KMUTEX m;
    KEVENT signaled;
    KeInitializeMutex(&m, 0);
    KeInitializeEvent(&signaled, NotificationEvent, TRUE);
    KeWaitForMutexObject(&m, Executive, KernelMode, FALSE, NULL);
    KT_EXPECT_EQ(KeReleaseMutex(&m, TRUE), 0);
    KIRQL between = KeGetCurrentIrql();
    NTSTATUS status = KeWaitForSingleObject(&signaled, Executive, KernelMode, FALSE, NULL);
    KT_EXPECT_EQ(between, SYNCH_LEVEL);
    KT_EXPECT_EQ(status, STATUS_SUCCESS);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_FREE_MUTEX(&m, 0);
}

KTEST(nt_mutex, release_returns_at_the_callers_irql)
{
    KMUTEX m;
    KIRQL old;
    KeInitializeMutex(&m, 0);
    KeWaitForMutexObject(&m, Executive, KernelMode, FALSE, NULL);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeReleaseMutex(&m, FALSE);
    KIRQL after = KeGetCurrentIrql();
    KeLowerIrql(old);
    KT_EXPECT_EQ(after, DISPATCH_LEVEL);
    EXPECT_FREE_MUTEX(&m, 0);
}

/* ---- misuse ----------------------------------------------------------------------- */

static KMUTEX DeathMutex;
static KEVENT DeathOwned;

static VOID OwnAndStay(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KeWaitForMutexObject(&DeathMutex, Executive, KernelMode, FALSE, NULL);
    KeSetEvent(&DeathOwned, IO_NO_INCREMENT, FALSE);
    KtSleep(CONF_WAIT_MS); /* owns it until the machine stops */
    KeReleaseMutex(&DeathMutex, FALSE);
}

/* Releasing a mutex another thread owns. */
KTEST_DEATH(nt_mutex, release_by_a_thread_that_is_not_its_owner, THREAD_NOT_MUTEX_OWNER, KT_ANY,
            (ULONG_PTR)&DeathMutex, KT_ANY, 0)
{
    KeInitializeMutex(&DeathMutex, 0);
    KeInitializeEvent(&DeathOwned, NotificationEvent, FALSE);
    KtStartThread(OwnAndStay, NULL, 0, 0);
    KeWaitForSingleObject(&DeathOwned, Executive, KernelMode, FALSE, NULL);
    KeReleaseMutex(&DeathMutex, FALSE);
}

static VOID EndOwning(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KeWaitForMutexObject(&DeathMutex, Executive, KernelMode, FALSE, NULL);
    KeWaitForMutexObject(&DeathMutex, Executive, KernelMode, FALSE, NULL);
}

/* Abandonment: the owner ends still owning it (twice, here). NT abandons
   a user-mode mutant; a kernel mutex stops the machine. */
KTEST_DEATH(nt_mutex, its_owner_ends_owning_it, THREAD_TERMINATE_HELD_MUTEX, KT_ANY,
            (ULONG_PTR)&DeathMutex, 0, 0)
{
    KeInitializeMutex(&DeathMutex, 0);
    KtJoinThread(KtStartThread(EndOwning, NULL, 0, 0), CONF_WAIT_MS);
}
