/*
 * wait.c: waiting for dispatcher objects, and being woken.
 *
 * A waiting thread hangs one wait block on the wait list of each object it
 * waits for (and one on its own timer, for a timeout), marks itself
 * Waiting and switches away. When an object becomes signaled, whoever
 * signaled it walks its wait list (KiWaitTest): a WaitAny waiter whose
 * object is signaled is satisfied at once; a WaitAll waiter only when all
 * its objects are signaled together. Satisfying a wait consumes what the
 * object type says (a synchronization event resets, a semaphore counts
 * down, a mutex becomes owned), removes all of the thread's wait blocks
 * and readies it (KiUnwaitThread), with the signaler's priority boost.
 *
 * All of this happens under the dispatcher lock. A wait that follows a
 * KeSetEvent(.., TRUE) finds the lock already held (WaitNext) and, when
 * it ends, returns to the IRQL that KeSetEvent was called at (WaitIrql).
 */
#include "ki.h"
#include "hal.h"

/* ---- object state --------------------------------------------------------- */

BOOLEAN KiIsObjectSignaled(PVOID Object, PKTHREAD Thread)
{
    DISPATCHER_HEADER *header = Object;
    if (header->Type == MutantObject) /* a mutex is always available to its owner */
        return header->SignalState > 0 || ((PKMUTANT)Object)->OwnerThread == Thread;
    return header->SignalState > 0;
}

static VOID KiAcquireMutant(PKMUTANT Mutant, PKTHREAD Thread)
{
    if (--Mutant->Header.SignalState == 0) { /* first acquisition, not a recursive one */
        Mutant->OwnerThread = Thread;
        InsertTailList(&Thread->MutantListHead, &Mutant->MutantListEntry);
        Thread->KernelApcDisable -= Mutant->ApcDisable; /* owning a mutex is a critical region */
    }
}

VOID KiConsumeObject(PVOID Object, PKTHREAD Thread)
{
    DISPATCHER_HEADER *header = Object;
    switch (header->Type) {
    case EventSynchronizationObject:
    case TimerSynchronizationObject:
        header->SignalState = 0;
        break;
    case SemaphoreObject:
        header->SignalState--;
        break;
    case MutantObject:
        KiAcquireMutant(Object, Thread);
        break;
    default: /* notification events and timers, threads: signaled for everyone */
        break;
    }
}

/* ---- waking ------------------------------------------------------------------ */

VOID KiUnwaitThread(PKTHREAD Thread, NTSTATUS WaitStatus, KPRIORITY Increment)
{
    PKWAIT_BLOCK first = Thread->WaitBlockList, wb = first;
    do {
        RemoveEntryList(&wb->WaitListEntry);
        wb = wb->NextWaitBlock;
    } while (wb != first);
    if (Thread->Timer.Header.Inserted)
        KiRemoveTimer(&Thread->Timer);
    Thread->WaitStatus = WaitStatus;
    KiBoostThread(Thread, Increment);
    KiReadyThread(Thread);
}

static BOOLEAN KiAllSignaled(PKTHREAD Thread)
{
    PKWAIT_BLOCK first = Thread->WaitBlockList, wb = first;
    do {
        if (wb->WaitKey != STATUS_TIMEOUT && !KiIsObjectSignaled(wb->Object, Thread))
            return FALSE;
        wb = wb->NextWaitBlock;
    } while (wb != first);
    return TRUE;
}

static VOID KiConsumeAll(PKTHREAD Thread)
{
    PKWAIT_BLOCK first = Thread->WaitBlockList, wb = first;
    do {
        if (wb->WaitKey != STATUS_TIMEOUT)
            KiConsumeObject(wb->Object, Thread);
        wb = wb->NextWaitBlock;
    } while (wb != first);
}

VOID KiWaitTest(PVOID Object, KPRIORITY Increment)
{
    DISPATCHER_HEADER *header = Object;
    PLIST_ENTRY e = header->WaitListHead.Flink;
    while (e != &header->WaitListHead && header->SignalState > 0) {
        PKWAIT_BLOCK wb = CONTAINING_RECORD(e, KWAIT_BLOCK, WaitListEntry);
        PKTHREAD thread = wb->Thread;
        if (wb->WaitType == WaitAny) {
            KiConsumeObject(Object, thread);
            KiUnwaitThread(thread, (NTSTATUS)wb->WaitKey, Increment);
        } else if (KiAllSignaled(thread)) {
            KiConsumeAll(thread);
            KiUnwaitThread(thread, STATUS_WAIT_0, Increment);
        } else {
            e = e->Flink; /* this WaitAll waiter must wait on */
            continue;
        }
        /* Unwaiting removed every block of that thread, perhaps the next
           one on this list too: start again from the head. */
        e = header->WaitListHead.Flink;
    }
}

/* ---- the Wait = TRUE protocol ---------------------------------------------------- */

/* For KeSetEvent, KePulseEvent, KeReleaseMutex and KeReleaseSemaphore: the
   IRQL rule (Driver Verifier's IrqlKeSetEvent, applied to all four), then
   the dispatcher lock. Returns the caller's IRQL. */
KIRQL KiLockForSignal(PCSTR Routine, BOOLEAN Wait)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > (Wait ? APC_LEVEL : DISPATCH_LEVEL))
        KeBugCheckEx(DRIVER_VERIFIER_DETECTED_VIOLATION, 0x00020016, (ULONG_PTR)Routine, irql,
                     Wait);
    return KiAcquireDispatcherLock();
}

/* The end of the same four routines. Wait = FALSE gives the lock back;
   Wait = TRUE keeps it and SYNCH_LEVEL, and tells the next wait, which
   will return to OldIrql. */
VOID KiUnlockForSignal(KIRQL OldIrql, BOOLEAN Wait)
{
    if (!Wait) {
        KiReleaseDispatcherLock(OldIrql);
        return;
    }
    PKTHREAD thread = KeGetCurrentThread();
    thread->WaitNext = TRUE;
    thread->WaitIrql = OldIrql;
}

/* The start of every wait: take the lock, unless a Wait = TRUE call left
   it held for us. Returns the IRQL to go back to when the wait is over. */
static KIRQL KiBeginWait(PKTHREAD Thread)
{
    if (Thread->WaitNext) {
        Thread->WaitNext = FALSE;
        return Thread->WaitIrql;
    }
    return KiAcquireDispatcherLock();
}

/* A wait that may block, at DISPATCH_LEVEL or above, is a bug: there is no
   thread to block in a DPC (ATTEMPTED_SWITCH_FROM_DPC), and nothing below
   the caller's IRQL could run to wake it (IRQL_NOT_LESS_OR_EQUAL). */
static VOID KiCheckWaitIrql(KIRQL WaitIrql, PLARGE_INTEGER Timeout, PVOID What, PVOID Caller)
{
    if (WaitIrql < DISPATCH_LEVEL || (Timeout != NULL && Timeout->QuadPart == 0))
        return;
    if (KiInDpc())
        KeBugCheckEx(ATTEMPTED_SWITCH_FROM_DPC, (ULONG_PTR)KeGetCurrentThread(), 0,
                     (ULONG_PTR)__builtin_frame_address(0), 0);
    KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)What, WaitIrql, 0, (ULONG_PTR)Caller);
}

/* Tries to satisfy the wait now. Returns its status, or STATUS_PENDING if
   the thread must block. */
static NTSTATUS KiTrySatisfy(PKTHREAD Thread, ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
                             BOOLEAN Alertable, PLARGE_INTEGER Timeout, ULONG64 DueTime)
{
    if (WaitType == WaitAny) {
        for (ULONG i = 0; i < Count; i++) {
            if (KiIsObjectSignaled(Object[i], Thread)) {
                KiConsumeObject(Object[i], Thread);
                return STATUS_WAIT_0 + (NTSTATUS)i;
            }
        }
    } else {
        BOOLEAN all = TRUE;
        for (ULONG i = 0; i < Count && all; i++)
            all = KiIsObjectSignaled(Object[i], Thread);
        if (all && Count > 0) {
            for (ULONG i = 0; i < Count; i++)
                KiConsumeObject(Object[i], Thread);
            return STATUS_WAIT_0;
        }
    }
    if (Alertable && Thread->Alerted) {
        Thread->Alerted = FALSE;
        return STATUS_ALERTED;
    }
    if (Timeout != NULL && (Timeout->QuadPart == 0 || KeQueryInterruptTime() >= DueTime))
        return STATUS_TIMEOUT;
    return STATUS_PENDING;
}

/* Hangs the wait blocks (objects, and the timer if DueTime) in a ring. */
static VOID KiLinkWaitBlocks(PKTHREAD Thread, ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
                             PKWAIT_BLOCK WaitBlocks, PLARGE_INTEGER Timeout, ULONG64 DueTime)
{
    PKWAIT_BLOCK last = NULL;
    for (ULONG i = 0; i < Count; i++) {
        PKWAIT_BLOCK wb = &WaitBlocks[i];
        *wb = (KWAIT_BLOCK){.Thread = Thread,
                            .Object = Object[i],
                            .WaitKey = (USHORT)i,
                            .WaitType = (UCHAR)WaitType};
        InsertTailList(&((DISPATCHER_HEADER *)Object[i])->WaitListHead, &wb->WaitListEntry);
        if (last)
            last->NextWaitBlock = wb;
        last = wb;
    }
    if (Timeout != NULL) {
        PKWAIT_BLOCK wb = &Thread->WaitBlock[KI_TIMER_WAIT_BLOCK];
        *wb = (KWAIT_BLOCK){.Thread = Thread,
                            .Object = &Thread->Timer,
                            .WaitKey = STATUS_TIMEOUT,
                            .WaitType = WaitAny};
        Thread->Timer.Header.SignalState = 0;
        InsertTailList(&Thread->Timer.Header.WaitListHead, &wb->WaitListEntry);
        KiInsertTimer(&Thread->Timer, DueTime, 0);
        if (last)
            last->NextWaitBlock = wb;
        last = wb;
    }
    last->NextWaitBlock = Count ? &WaitBlocks[0] : last;
    Thread->WaitBlockList = last->NextWaitBlock;
}

/* The common body of every wait. Called with the lock held (KiBeginWait);
   returns with it released, at WaitIrql. */
static NTSTATUS KiWait(PKTHREAD Thread, KIRQL WaitIrql, ULONG Count, PVOID Object[],
                       WAIT_TYPE WaitType, KWAIT_REASON WaitReason, BOOLEAN Alertable,
                       PLARGE_INTEGER Timeout, PKWAIT_BLOCK WaitBlocks, PVOID Caller)
{
    KiCheckWaitIrql(WaitIrql, Timeout, Count ? Object[0] : (PVOID)Timeout, Caller);
    ULONG64 due = Timeout ? KiDueTime(Timeout) : 0;
    for (;;) {
        NTSTATUS status = KiTrySatisfy(Thread, Count, Object, WaitType, Alertable, Timeout, due);
        /* An APC queued while this thread was on its way here (running,
           but with IRQL raised, perhaps spinning for this lock) was sent
           as an interrupt that will now be taken by whichever thread
           runs next: deliver it before blocking, or it may never be. */
        if (status == STATUS_PENDING && WaitIrql == PASSIVE_LEVEL && KiRequestApcIfPending(Thread))
            status = STATUS_KERNEL_APC;
        if (status == STATUS_PENDING) {
            KiLinkWaitBlocks(Thread, Count, Object, WaitType, WaitBlocks, Timeout, due);
            Thread->State = Waiting;
            Thread->WaitIrql = WaitIrql;
            Thread->WaitReason = (UCHAR)WaitReason;
            Thread->Alertable = Alertable;
            Thread->WaitStartTick = KeGetCurrentPrcb()->TickCount;
            KiSwapThread();
            status = Thread->WaitStatus;
        }
        if (status != STATUS_KERNEL_APC) {
            KiReleaseDispatcherLock(WaitIrql);
            return status;
        }
        /* Woken to run a kernel APC: lowering IRQL lets the APC interrupt
           in; then wait again for what is left of the timeout. */
        KiReleaseDispatcherLock(WaitIrql);
        KiAcquireDispatcherLock();
    }
}

NTSTATUS KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
                                  KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                                  BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                  PKWAIT_BLOCK WaitBlockArray)
{
    UNREFERENCED_PARAMETER(WaitMode);
    PKTHREAD thread = KeGetCurrentThread();
    if (Count > MAXIMUM_WAIT_OBJECTS || (Count > THREAD_WAIT_OBJECTS && WaitBlockArray == NULL))
        KeBugCheckEx(MAXIMUM_WAIT_OBJECTS_EXCEEDED, Count, (ULONG_PTR)WaitBlockArray, 0, 0);
    KIRQL waitIrql = KiBeginWait(thread);
    return KiWait(thread, waitIrql, Count, Object, WaitType, WaitReason, Alertable, Timeout,
                  WaitBlockArray ? WaitBlockArray : thread->WaitBlock, __builtin_return_address(0));
}

NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                               BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    return KeWaitForMultipleObjects(1, &Object, WaitAny, WaitReason, WaitMode, Alertable, Timeout,
                                    NULL);
}

/* A wait on nothing but the thread's own timer. An interval of zero gives
   the processor to another ready thread of the same priority, if any. */
NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                PLARGE_INTEGER Interval)
{
    UNREFERENCED_PARAMETER(WaitMode);
    PKTHREAD thread = KeGetCurrentThread();
    if (Interval->QuadPart == 0) {
        KIRQL waitIrql = KiBeginWait(thread);
        KiReleaseDispatcherLock(waitIrql);
        ZwYieldExecution();
        return STATUS_SUCCESS;
    }
    KIRQL waitIrql = KiBeginWait(thread);
    NTSTATUS status = KiWait(thread, waitIrql, 0, NULL, WaitAny, DelayExecution, Alertable,
                             Interval, NULL, __builtin_return_address(0));
    return status == STATUS_TIMEOUT ? STATUS_SUCCESS : status;
}

/* ---- alerts -------------------------------------------------------------------------- */

BOOLEAN KeAlertThread(PKTHREAD Thread, KPROCESSOR_MODE AlertMode)
{
    UNREFERENCED_PARAMETER(AlertMode);
    KIRQL oldIrql = KiAcquireDispatcherLock();
    BOOLEAN previous = Thread->Alerted;
    if (Thread->State == Waiting && Thread->Alertable)
        KiUnwaitThread(Thread, STATUS_ALERTED, 0);
    else
        Thread->Alerted = TRUE;
    KiReleaseDispatcherLock(oldIrql);
    return previous;
}

BOOLEAN KeTestAlertThread(KPROCESSOR_MODE AlertMode)
{
    UNREFERENCED_PARAMETER(AlertMode);
    KIRQL oldIrql = KiAcquireDispatcherLock();
    PKTHREAD thread = KeGetCurrentThread();
    BOOLEAN previous = thread->Alerted;
    thread->Alerted = FALSE;
    KiReleaseDispatcherLock(oldIrql);
    return previous;
}
