/*
 * nt_spinlock_test.c: spin locks as the WDK documents them.
 *
 * KeAcquireSpinLock raises to DISPATCH_LEVEL and returns the caller's
 * IRQL, which KeReleaseSpinLock restores; the ...AtDpcLevel forms leave
 * IRQL alone (the caller is at DISPATCH_LEVEL already, in a DPC say); the
 * in-stack queued forms keep the caller's IRQL in the handle and hand the
 * lock over in the order the waiters arrived. Whatever the form, one
 * holder at a time, on every processor.
 *
 * (KeLab's KSPIN_LOCK is a structure, not NT's ULONG_PTR, so a driver's
 * `KSPIN_LOCK Lock = 0;` does not compile here: KeInitializeSpinLock, as
 * the WDK asks, is the only way to start one.)
 */
#include "ntconf.h"

#define ROUNDS 1000
#define DPC_ROUNDS                                                                                 \
    64 /* a DPC must not run long: under a loaded host, 2 s of contention is a stop */

static const KIRQL CallerIrqls[] = {PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL};

KTEST(nt_spinlock, initialize_leaves_it_free)
{
    KSPIN_LOCK lock;
    ConfPoison(&lock);
    KeInitializeSpinLock(&lock);
    KT_EXPECT_TRUE(KeTestSpinLock(&lock));
}

KTEST(nt_spinlock, acquire_raises_to_dispatch_level_and_release_restores)
{
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    for (ULONG i = 0; i < ARRAYSIZE(CallerIrqls); i++) {
        KIRQL caller, old, held, after;
        BOOLEAN freeWhileHeld;
        KeRaiseIrql(CallerIrqls[i], &caller);
        KeAcquireSpinLock(&lock, &old);
        held = KeGetCurrentIrql();
        freeWhileHeld = KeTestSpinLock(&lock);
        KeReleaseSpinLock(&lock, old);
        after = KeGetCurrentIrql();
        KeLowerIrql(caller);
        KT_EXPECT_EQ(old, CallerIrqls[i]);
        KT_EXPECT_EQ(held, DISPATCH_LEVEL);
        KT_EXPECT_FALSE(freeWhileHeld);
        KT_EXPECT_EQ(after, CallerIrqls[i]);
        KT_EXPECT_TRUE(KeTestSpinLock(&lock));
    }
}

KTEST(nt_spinlock, raise_to_dpc_returns_the_callers_irql)
{
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KIRQL old = KeAcquireSpinLockRaiseToDpc(&lock);
    KIRQL held = KeGetCurrentIrql();
    KeReleaseSpinLock(&lock, old);
    KT_EXPECT_EQ(old, PASSIVE_LEVEL);
    KT_EXPECT_EQ(held, DISPATCH_LEVEL);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

KTEST(nt_spinlock, at_dpc_level_forms_leave_irql_alone)
{
    static const KIRQL levels[] = {DISPATCH_LEVEL, SYNCH_LEVEL};
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    for (ULONG i = 0; i < ARRAYSIZE(levels); i++) {
        KIRQL old, heldOrdinary, heldQueued, after;
        KLOCK_QUEUE_HANDLE handle;
        KeRaiseIrql(levels[i], &old);
        KeAcquireSpinLockAtDpcLevel(&lock);
        heldOrdinary = KeGetCurrentIrql();
        KeReleaseSpinLockFromDpcLevel(&lock);
        KeAcquireInStackQueuedSpinLockAtDpcLevel(&lock, &handle);
        heldQueued = KeGetCurrentIrql();
        KeReleaseInStackQueuedSpinLockFromDpcLevel(&handle);
        after = KeGetCurrentIrql();
        KeLowerIrql(old);
        KT_EXPECT_EQ(heldOrdinary, levels[i]);
        KT_EXPECT_EQ(heldQueued, levels[i]);
        KT_EXPECT_EQ(after, levels[i]);
    }
    KT_EXPECT_TRUE(KeTestSpinLock(&lock));
}

KTEST(nt_spinlock, in_stack_queued_keeps_the_callers_irql_in_the_handle)
{
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    for (ULONG i = 0; i < ARRAYSIZE(CallerIrqls); i++) {
        KIRQL caller, held, after;
        KLOCK_QUEUE_HANDLE handle;
        BOOLEAN freeWhileHeld;
        KeRaiseIrql(CallerIrqls[i], &caller);
        KeAcquireInStackQueuedSpinLock(&lock, &handle);
        held = KeGetCurrentIrql();
        freeWhileHeld = KeTestSpinLock(&lock);
        KeReleaseInStackQueuedSpinLock(&handle);
        after = KeGetCurrentIrql();
        KeLowerIrql(caller);
        KT_EXPECT_EQ(handle.OldIrql, CallerIrqls[i]);
        KT_EXPECT_EQ(held, DISPATCH_LEVEL);
        KT_EXPECT_FALSE(freeWhileHeld);
        KT_EXPECT_EQ(after, CallerIrqls[i]);
        KT_EXPECT_TRUE(KeTestSpinLock(&lock));
    }
}

/* ---- exclusion ---------------------------------------------------------------------- */

/* Every processor takes the lock ROUNDS times with a thread and DPC_ROUNDS
   times with a DPC, and updates a counter with a read, a pause and a
   write: only exclusion keeps every update. A lock is used in its
   ordinary or its queued form, never both (as in NT). */
typedef struct _CONTENDERS {
    KSPIN_LOCK Lock;
    BOOLEAN Queued;
    volatile LONG Inside;
    volatile LONG Overlaps;
    volatile LONG64 Counter;
    volatile LONG DpcsDone;
} CONTENDERS;

static VOID CriticalSection(CONTENDERS *C)
{
    if (__atomic_add_fetch(&C->Inside, 1, __ATOMIC_ACQ_REL) != 1)
        __atomic_add_fetch(&C->Overlaps, 1, __ATOMIC_RELAXED);
    LONG64 value = C->Counter;
    for (ULONG i = 0; i < 16; i++)
        YieldProcessor();
    C->Counter = value + 1;
    __atomic_sub_fetch(&C->Inside, 1, __ATOMIC_ACQ_REL);
}

static VOID ContendInThread(PVOID Context)
{
    CONTENDERS *c = Context;
    for (ULONG i = 0; i < ROUNDS; i++) {
        if (c->Queued) {
            KLOCK_QUEUE_HANDLE handle;
            KeAcquireInStackQueuedSpinLock(&c->Lock, &handle);
            CriticalSection(c);
            KeReleaseInStackQueuedSpinLock(&handle);
        } else {
            KIRQL old;
            KeAcquireSpinLock(&c->Lock, &old);
            CriticalSection(c);
            KeReleaseSpinLock(&c->Lock, old);
        }
    }
}

static VOID ContendInDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    CONTENDERS *c = Context;
    for (ULONG i = 0; i < DPC_ROUNDS; i++) {
        if (c->Queued) {
            KLOCK_QUEUE_HANDLE handle;
            KeAcquireInStackQueuedSpinLockAtDpcLevel(&c->Lock, &handle);
            CriticalSection(c);
            KeReleaseInStackQueuedSpinLockFromDpcLevel(&handle);
        } else {
            KeAcquireSpinLockAtDpcLevel(&c->Lock);
            CriticalSection(c);
            KeReleaseSpinLockFromDpcLevel(&c->Lock);
        }
    }
    __atomic_add_fetch(&c->DpcsDone, 1, __ATOMIC_RELEASE);
}

static VOID Contend(BOOLEAN Queued)
{
    CONTENDERS c = {.Queued = Queued};
    KDPC dpcs[MAXIMUM_PROCESSORS];
    PKTHREAD threads[MAXIMUM_PROCESSORS];
    ULONG n = KeNumberProcessors;
    KeInitializeSpinLock(&c.Lock);
    for (ULONG p = 0; p < n; p++)
        threads[p] = KtStartThread(ContendInThread, &c, 0, CONF_AFFINITY(p));
    for (ULONG p = 0; p < n; p++) {
        KeInitializeDpc(&dpcs[p], ContendInDpc, &c);
        KeSetTargetProcessorDpc(&dpcs[p], (CCHAR)p);
        KeInsertQueueDpc(&dpcs[p], NULL, NULL);
    }
    for (ULONG p = 0; p < n; p++)
        KtJoinThread(threads[p], 4 * CONF_WAIT_MS);
    CONF_AWAIT(c.DpcsDone == (LONG)n);
    KT_EXPECT_EQ(c.Overlaps, 0);
    KT_EXPECT_EQ(c.Counter, (LONG64)(ROUNDS + DPC_ROUNDS) * n);
    KT_EXPECT_TRUE(KeTestSpinLock(&c.Lock));
}

KTEST(nt_spinlock, one_holder_at_a_time_on_every_processor)
{
    Contend(FALSE);
}

KTEST(nt_spinlock, one_holder_at_a_time_on_every_processor_queued)
{
    Contend(TRUE);
}

/* ---- queued hand-over order ------------------------------------------------------------ */

typedef struct _QUEUER {
    struct _LINE *Line;
    KEVENT Go;
    PKLOCK_QUEUE_HANDLE volatile Handle; /* published before it asks for the lock */
    LONG Turn;
} QUEUER;

typedef struct _LINE {
    KSPIN_LOCK Lock;
    volatile LONG Turns;
    QUEUER Queuer[2];
} LINE;

static VOID WaitInLine(PVOID Context)
{
    QUEUER *q = Context;
    KLOCK_QUEUE_HANDLE handle;
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    if (KeWaitForSingleObject(&q->Go, Executive, KernelMode, FALSE, &timeout) != STATUS_SUCCESS)
        return;
    q->Handle = &handle;
    KeAcquireInStackQueuedSpinLock(&q->Line->Lock, &handle);
    q->Turn = __atomic_add_fetch(&q->Line->Turns, 1, __ATOMIC_RELAXED);
    KeReleaseInStackQueuedSpinLock(&handle);
}

/* With the lock held, spins until Queuer's entry is the last in line (the
   lock word points at the tail of the queue), or the deadline passes. */
static BOOLEAN AwaitTail(LINE *Line, QUEUER *Queuer, ULONG64 Deadline)
{
    while (KeQueryInterruptTime() < Deadline) {
        PKLOCK_QUEUE_HANDLE handle = Queuer->Handle;
        if (handle != NULL && Line->Lock.Lock == (ULONG_PTR)&handle->LockQueue)
            return TRUE;
        YieldProcessor();
    }
    return FALSE;
}

KTEST(nt_spinlock, in_stack_queued_hands_over_in_arrival_order)
{
    if (KeNumberProcessors < 3) {
        KtSkip("needs a holder and two waiters on three processors");
        return;
    }
    LINE line = {0};
    PKTHREAD threads[2];
    KLOCK_QUEUE_HANDLE mine;
    BOOLEAN arrived[2];
    KeInitializeSpinLock(&line.Lock);
    for (ULONG i = 0; i < 2; i++) {
        line.Queuer[i].Line = &line;
        KeInitializeEvent(&line.Queuer[i].Go, NotificationEvent, FALSE);
        threads[i] = KtStartThread(WaitInLine, &line.Queuer[i], 0, CONF_AFFINITY(i + 1));
    }
    KAFFINITY old = KeSetSystemAffinityThreadEx(CONF_AFFINITY(0));
    KeAcquireInStackQueuedSpinLock(&line.Lock, &mine);
    ULONG64 deadline = KeQueryInterruptTime() + CONF_WAIT_MS * 10000ull;
    for (ULONG i = 0; i < 2; i++) { /* the second asks only once the first is in line */
        KeSetEvent(&line.Queuer[i].Go, IO_NO_INCREMENT, FALSE);
        arrived[i] = AwaitTail(&line, &line.Queuer[i], deadline);
    }
    KeReleaseInStackQueuedSpinLock(&mine);
    KeRevertToUserAffinityThreadEx(old);
    for (ULONG i = 0; i < 2; i++) {
        KtJoinThread(threads[i], CONF_WAIT_MS);
        KT_EXPECT_TRUE(arrived[i]);
        KT_EXPECT_EQ(line.Queuer[i].Turn, (LONG)i + 1);
    }
}
