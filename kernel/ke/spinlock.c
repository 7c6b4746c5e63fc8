/*
 * spinlock.c: spin locks, ordinary and queued.
 *
 * A spin lock protects data shared between processors. Its holder runs at
 * DISPATCH_LEVEL or above, so it cannot be preempted and rescheduled while
 * it holds the lock: a waiter spins for at most one critical section.
 *
 * Ordinary locks are taken with an atomic exchange; a waiter only reads
 * the lock word (with a pause) until it looks free, so the cache line is
 * not bounced between waiters ("test and test-and-set"). Under contention
 * the winner is whoever happens to see it free first: not fair.
 *
 * Queued locks are MCS locks: the lock word points at the last waiter's
 * queue entry (in the waiter's KLOCK_QUEUE_HANDLE, on its stack); each
 * waiter links itself behind the previous one and spins on its *own*
 * entry, and the releaser hands the lock to exactly the next in line.
 * Hand-over is FIFO, and each waiter spins on a different cache line.
 * The dispatcher lock is one.
 *
 * Every lock records its owner, so acquiring a lock you hold is
 * SPIN_LOCK_ALREADY_OWNED (0xF) and releasing one you do not is
 * SPIN_LOCK_NOT_OWNED (0x10). A named lock (KeLabNameSpinLock) also counts
 * acquisitions, contention, spinning and its longest hold for `locks`.
 */
#include "ki.h"
#include "hal.h"

#define KI_MAX_NAMED_LOCKS 64

static KLOCK_STATISTICS KiLockStatistics[KI_MAX_NAMED_LOCKS]; /* each: its lock */
static volatile LONG KiNamedLockCount;

VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock)
{
    SpinLock->Lock = 0;
    SpinLock->Owner = NULL;
    SpinLock->Statistics = NULL;
}

VOID KeLabNameSpinLock(PKSPIN_LOCK SpinLock, PCSTR Name)
{
    LONG i = __atomic_fetch_add(&KiNamedLockCount, 1, __ATOMIC_RELAXED);
    if (i >= KI_MAX_NAMED_LOCKS) {
        DbgPrint("KeLab: more than %u named locks; '%s' is not counted\n", KI_MAX_NAMED_LOCKS,
                 Name);
        return;
    }
    KiLockStatistics[i].Name = Name;
    SpinLock->Statistics = &KiLockStatistics[i];
}

BOOLEAN KeTestSpinLock(PKSPIN_LOCK SpinLock)
{
    /* TRUE means "looks free": a cheap read before trying to acquire. */
    return __atomic_load_n(&SpinLock->Lock, __ATOMIC_RELAXED) == 0;
}

static VOID KiCheckNotOwner(PKSPIN_LOCK SpinLock, PVOID Self)
{
    if (SpinLock->Owner == Self)
        KeBugCheckEx(SPIN_LOCK_ALREADY_OWNED, (ULONG_PTR)SpinLock, (ULONG_PTR)Self, 0, 0);
}

/* Bookkeeping once the lock is ours. */
static VOID KiLockAcquired(PKSPIN_LOCK SpinLock, PVOID Self, BOOLEAN Contended, ULONG64 Spins)
{
    SpinLock->Owner = Self;
    KLOCK_STATISTICS *s = SpinLock->Statistics;
    if (s != NULL) {
        s->Acquisitions++;
        s->Contentions += Contended;
        s->SpinIterations += Spins;
        s->HoldStart = __rdtsc();
    }
}

/* Bookkeeping before the lock is given up. */
static VOID KiLockReleasing(PKSPIN_LOCK SpinLock, PVOID Self)
{
    if (SpinLock->Owner != Self)
        KeBugCheckEx(SPIN_LOCK_NOT_OWNED, (ULONG_PTR)SpinLock, (ULONG_PTR)SpinLock->Owner,
                     (ULONG_PTR)Self, 0);
    KLOCK_STATISTICS *s = SpinLock->Statistics;
    if (s != NULL) {
        ULONG64 held = __rdtsc() - s->HoldStart;
        if (held > s->LongestHold)
            s->LongestHold = held;
    }
    SpinLock->Owner = NULL;
}

/* ---- ordinary locks ---------------------------------------------------- */

VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    PVOID self = KiCurrentOwner();
    KiCheckNotOwner(SpinLock, self);
    ULONG64 spins = 0;
    BOOLEAN contended = FALSE;
    while (__atomic_exchange_n(&SpinLock->Lock, 1, __ATOMIC_ACQUIRE) != 0) {
        contended = TRUE;
        while (__atomic_load_n(&SpinLock->Lock, __ATOMIC_RELAXED) != 0) {
            YieldProcessor();
            spins++;
        }
    }
    KiLockAcquired(SpinLock, self, contended, spins);
}

VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)
{
    KiLockReleasing(SpinLock, KiCurrentOwner());
    __atomic_store_n(&SpinLock->Lock, 0, __ATOMIC_RELEASE);
}

VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql)
{
    KeRaiseIrql(DISPATCH_LEVEL, OldIrql);
    KeAcquireSpinLockAtDpcLevel(SpinLock);
}

KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
    KIRQL old;
    KeAcquireSpinLock(SpinLock, &old);
    return old;
}

VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)
{
    KeReleaseSpinLockFromDpcLevel(SpinLock);
    KeLowerIrql(NewIrql);
}

/* ---- queued locks ------------------------------------------------------- */

/* The queued lock itself, for an explicit owner: KeLab's in-stack routines
   pass the calling thread; the dispatcher lock passes the processor, since
   it stays held across a switch to another thread on that processor. */
VOID KiAcquireQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKSPIN_LOCK_QUEUE Queue, PVOID Owner)
{
    KiCheckNotOwner(SpinLock, Owner);
    Queue->Next = NULL;
    Queue->Lock = SpinLock;
    Queue->Waiting = TRUE;
    PKSPIN_LOCK_QUEUE previous =
        (PKSPIN_LOCK_QUEUE)__atomic_exchange_n(&SpinLock->Lock, (ULONG_PTR)Queue, __ATOMIC_ACQ_REL);
    ULONG64 spins = 0;
    if (previous != NULL) {
        __atomic_store_n(&previous->Next, Queue, __ATOMIC_RELEASE);
        while (__atomic_load_n(&Queue->Waiting, __ATOMIC_ACQUIRE)) {
            YieldProcessor();
            spins++;
        }
    }
    KiLockAcquired(SpinLock, Owner, previous != NULL, spins);
}

VOID KiReleaseQueuedSpinLockFromDpcLevel(PKSPIN_LOCK_QUEUE Queue, PVOID Owner)
{
    PKSPIN_LOCK lock = Queue->Lock;
    KiLockReleasing(lock, Owner);
    PKSPIN_LOCK_QUEUE next = __atomic_load_n(&Queue->Next, __ATOMIC_ACQUIRE);
    if (next == NULL) {
        /* Nobody behind us, unless someone is between its exchange and
           linking itself: then wait for the link. */
        ULONG_PTR expected = (ULONG_PTR)Queue;
        if (__atomic_compare_exchange_n(&lock->Lock, &expected, 0, FALSE, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED))
            return;
        while ((next = __atomic_load_n(&Queue->Next, __ATOMIC_ACQUIRE)) == NULL)
            YieldProcessor();
    }
    __atomic_store_n(&next->Waiting, FALSE, __ATOMIC_RELEASE);
}

VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    KiAcquireQueuedSpinLockAtDpcLevel(SpinLock, &LockHandle->LockQueue, KiCurrentOwner());
}

VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KiReleaseQueuedSpinLockFromDpcLevel(&LockHandle->LockQueue, KiCurrentOwner());
}

VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    KeRaiseIrql(DISPATCH_LEVEL, &LockHandle->OldIrql);
    KeAcquireInStackQueuedSpinLockAtDpcLevel(SpinLock, LockHandle);
}

VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KeReleaseInStackQueuedSpinLockFromDpcLevel(LockHandle);
    KeLowerIrql(LockHandle->OldIrql);
}

/* ---- a snapshot for `locks` ------------------------------------------------------ */

ULONG KiSnapshotLockStatistics(KLOCK_STATISTICS *Copies, ULONG Capacity)
{
    LONG named = __atomic_load_n(&KiNamedLockCount, __ATOMIC_RELAXED);
    ULONG n = (ULONG)(named < KI_MAX_NAMED_LOCKS ? named : KI_MAX_NAMED_LOCKS);
    for (ULONG i = 0; i < n && i < Capacity; i++) /* counters, read as they are */
        Copies[i] = KiLockStatistics[i];
    return n;
}
