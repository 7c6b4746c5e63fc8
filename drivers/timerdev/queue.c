/*
 * queue.c: the timer device's queue of requests not yet started.
 *
 * A plain list under a spin lock, oldest first. The I/O manager's
 * cancel-safe queue routines (IoCsqInsertIrp, IoCsqRemoveNextIrp) call
 * these six callbacks and take care of cancellation themselves: the
 * driver never sees an IRP that was cancelled while queued, except in
 * TimerCsqCompleteCanceledIrp, to complete it.
 */
#include "timerdevp.h"

static PTIMER_EXTENSION TimerFromCsq(PIO_CSQ Csq)
{
    return CONTAINING_RECORD(Csq, TIMER_EXTENSION, Csq);
}

static VOID TimerCsqInsertIrp(PIO_CSQ Csq, PIRP Irp)
{
    InsertTailList(&TimerFromCsq(Csq)->Queue, &Irp->Tail.Overlay.ListEntry);
}

static VOID TimerCsqRemoveIrp(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
}

/* Every request is for the thread alike: PeekContext is not used. */
static PIRP TimerCsqPeekNextIrp(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
    UNREFERENCED_PARAMETER(PeekContext);
    PLIST_ENTRY head = &TimerFromCsq(Csq)->Queue;
    PLIST_ENTRY next = Irp == NULL ? head->Flink : Irp->Tail.Overlay.ListEntry.Flink;
    return next == head ? NULL : CONTAINING_RECORD(next, IRP, Tail.Overlay.ListEntry);
}

static VOID TimerCsqAcquireLock(PIO_CSQ Csq, PKIRQL Irql)
{
    KeAcquireSpinLock(&TimerFromCsq(Csq)->QueueLock, Irql);
}

static VOID TimerCsqReleaseLock(PIO_CSQ Csq, KIRQL Irql)
{
    KeReleaseSpinLock(&TimerFromCsq(Csq)->QueueLock, Irql);
}

static VOID TimerCsqCompleteCanceledIrp(PIO_CSQ Csq, PIRP Irp)
{
    __atomic_add_fetch(&TimerFromCsq(Csq)->Cancelled, 1, __ATOMIC_RELAXED);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

VOID TimerInitializeQueue(PTIMER_EXTENSION Extension)
{
    InitializeListHead(&Extension->Queue);
    KeInitializeSpinLock(&Extension->QueueLock);
    KeInitializeEvent(&Extension->RequestQueued, SynchronizationEvent, FALSE);
    IoCsqInitialize(&Extension->Csq, TimerCsqInsertIrp, TimerCsqRemoveIrp, TimerCsqPeekNextIrp,
                    TimerCsqAcquireLock, TimerCsqReleaseLock, TimerCsqCompleteCanceledIrp);
}
