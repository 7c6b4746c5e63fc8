/*
 * semaphore.c: counting semaphores.
 *
 * SignalState is the count; each satisfied wait takes one. Releasing past
 * the limit raises STATUS_SEMAPHORE_LIMIT_EXCEEDED as an exception, as NT
 * does; with no exception handling in KeLab, that ends in
 * KMODE_EXCEPTION_NOT_HANDLED with that status.
 */
#include "ki.h"

VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit)
{
    Semaphore->Header.Type = SemaphoreObject;
    Semaphore->Header.SignalState = Count;
    InitializeListHead(&Semaphore->Header.WaitListHead);
    Semaphore->Limit = Limit;
}

LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait)
{
    KIRQL oldIrql = KiLockForSignal("KeReleaseSemaphore", Wait);
    LONG previous = Semaphore->Header.SignalState;
    if (Adjustment <= 0 || previous > Semaphore->Limit - Adjustment) {
        KiReleaseDispatcherLock(oldIrql);
        ExRaiseStatus(STATUS_SEMAPHORE_LIMIT_EXCEEDED);
    }
    Semaphore->Header.SignalState = previous + Adjustment;
    if (previous == 0)
        KiWaitTest(Semaphore, Increment);
    KiUnlockForSignal(oldIrql, Wait);
    return previous;
}

LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore)
{
    return Semaphore->Header.SignalState;
}
