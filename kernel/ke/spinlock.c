/*
 * spinlock.c: spin locks.
 *
 * A spin lock protects data shared between processors. The holder runs at
 * DISPATCH_LEVEL or above, so it cannot be preempted and rescheduled while
 * it holds the lock: another processor spins for at most the length of a
 * critical section, never for a whole time slice.
 *
 * The lock word is taken with an atomic exchange. While it is busy the
 * waiter only reads it (with a pause), so the cache line stays shared
 * until the holder releases it ("test and test-and-set").
 */
#include "ke.h"

VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock)
{
    SpinLock->Lock = 0;
    SpinLock->Owner = NULL;
}

BOOLEAN KeTestSpinLock(PKSPIN_LOCK SpinLock)
{
    /* TRUE means "looks free": a cheap read before trying to acquire. */
    return __atomic_load_n(&SpinLock->Lock, __ATOMIC_RELAXED) == 0;
}

VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    PVOID self = KiCurrentOwner();
    if (SpinLock->Owner == self)
        KeBugCheckEx(SPIN_LOCK_ALREADY_OWNED, (ULONG_PTR)SpinLock, (ULONG_PTR)self, 0, 0);
    while (__atomic_exchange_n(&SpinLock->Lock, 1, __ATOMIC_ACQUIRE) != 0) {
        while (__atomic_load_n(&SpinLock->Lock, __ATOMIC_RELAXED) != 0)
            YieldProcessor();
    }
    SpinLock->Owner = self;
}

VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)
{
    PVOID self = KiCurrentOwner();
    if (SpinLock->Owner != self)
        KeBugCheckEx(SPIN_LOCK_NOT_OWNED, (ULONG_PTR)SpinLock, (ULONG_PTR)SpinLock->Owner,
                     (ULONG_PTR)self, 0);
    SpinLock->Owner = NULL;
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
