/*
 * csq.c: cancel-safe queues (IoCsqXxx).
 *
 * The driver owns the queue (its list and lock, behind the six callbacks);
 * these routines own the cancel logic, which is easy to get wrong by hand.
 * The rule they keep: an IRP leaves the queue exactly once, either taken
 * by the driver (IoCsqRemoveNextIrp, IoCsqRemoveIrp) or cancelled
 * (IopCsqCancelRoutine), never both, and a cancelled IRP never stays
 * queued.
 *
 * The deciding step is always IoSetCancelRoutine(Irp, NULL) under the
 * queue's lock: a non-NULL result means "mine"; NULL means IoCancelIrp
 * has already taken the routine and IopCsqCancelRoutine is on its way
 * (it takes the same lock before it removes the IRP), so the IRP is
 * skipped.
 *
 * Irp->Tail.Overlay.DriverContext[3] points, while the IRP is queued, at
 * the queue or at the caller's IO_CSQ_IRP_CONTEXT: that is how the cancel
 * routine, which gets only the IRP, finds its queue.
 */
#include "iop.h"

NTSTATUS IoCsqInitialize(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP CsqInsertIrp,
                         PIO_CSQ_REMOVE_IRP CsqRemoveIrp, PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp,
                         PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock, PIO_CSQ_RELEASE_LOCK CsqReleaseLock,
                         PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp)
{
    Csq->Type = IO_TYPE_CSQ;
    Csq->CsqInsertIrp = CsqInsertIrp;
    Csq->CsqRemoveIrp = CsqRemoveIrp;
    Csq->CsqPeekNextIrp = CsqPeekNextIrp;
    Csq->CsqAcquireLock = CsqAcquireLock;
    Csq->CsqReleaseLock = CsqReleaseLock;
    Csq->CsqCompleteCanceledIrp = CsqCompleteCanceledIrp;
    Csq->ReservePointer = NULL;
    return STATUS_SUCCESS;
}

/* The queue an IRP is on, from DriverContext[3]; *Context is the
   inserter's context, if it gave one. */
static PIO_CSQ IopCsqOf(PIRP Irp, PIO_CSQ_IRP_CONTEXT *Context)
{
    PVOID owner = Irp->Tail.Overlay.DriverContext[3];
    if (*(PULONG)owner == IO_TYPE_CSQ_IRP_CONTEXT) {
        *Context = owner;
        return (*Context)->Csq;
    }
    *Context = NULL;
    return owner;
}

/* The IRP has left the queue: forget it. Queue lock held. */
static VOID IopCsqForget(PIRP Irp, PIO_CSQ_IRP_CONTEXT Context)
{
    Irp->Tail.Overlay.DriverContext[3] = NULL;
    if (Context != NULL)
        Context->Irp = NULL;
}

/* Called by IoCancelIrp, holding the cancel spin lock. */
static VOID IopCsqCancelRoutine(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    PIO_CSQ_IRP_CONTEXT context;
    PIO_CSQ csq = IopCsqOf(Irp, &context);
    KIRQL irql;
    csq->CsqAcquireLock(csq, &irql);
    csq->CsqRemoveIrp(csq, Irp);
    IopCsqForget(Irp, context);
    csq->CsqReleaseLock(csq, irql);
    csq->CsqCompleteCanceledIrp(csq, Irp);
}

VOID IoCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context)
{
    KIRQL irql;
    Csq->CsqAcquireLock(Csq, &irql);
    IoMarkIrpPending(Irp);
    if (Context != NULL) {
        Context->Type = IO_TYPE_CSQ_IRP_CONTEXT;
        Context->Irp = Irp;
        Context->Csq = Csq;
        Irp->Tail.Overlay.DriverContext[3] = Context;
    } else {
        Irp->Tail.Overlay.DriverContext[3] = Csq;
    }
    /* Queue first, then make it cancelable: the cancel routine must find
       it on the queue. Then look at Cancel: an IoCancelIrp that came
       before the routine was set found nothing to call, so the cancel is
       ours to carry out, unless IoCancelIrp came after all and took the
       routine back (then its call is under way and will do it). */
    Csq->CsqInsertIrp(Csq, Irp);
    IoSetCancelRoutine(Irp, IopCsqCancelRoutine);
    BOOLEAN cancelNow = Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL;
    if (cancelNow) {
        Csq->CsqRemoveIrp(Csq, Irp);
        IopCsqForget(Irp, Context);
    }
    Csq->CsqReleaseLock(Csq, irql);
    if (cancelNow)
        Csq->CsqCompleteCanceledIrp(Csq, Irp);
}

PIRP IoCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext)
{
    KIRQL irql;
    Csq->CsqAcquireLock(Csq, &irql);
    PIRP irp = Csq->CsqPeekNextIrp(Csq, NULL, PeekContext);
    while (irp != NULL && IoSetCancelRoutine(irp, NULL) == NULL)
        irp = Csq->CsqPeekNextIrp(Csq, irp, PeekContext); /* being cancelled: not ours */
    if (irp != NULL) {
        PIO_CSQ_IRP_CONTEXT context;
        IopCsqOf(irp, &context);
        Csq->CsqRemoveIrp(Csq, irp);
        IopCsqForget(irp, context);
    }
    Csq->CsqReleaseLock(Csq, irql);
    return irp;
}

PIRP IoCsqRemoveIrp(PIO_CSQ Csq, PIO_CSQ_IRP_CONTEXT Context)
{
    KIRQL irql;
    Csq->CsqAcquireLock(Csq, &irql);
    PIRP irp = Context->Irp;
    if (irp != NULL && IoSetCancelRoutine(irp, NULL) == NULL)
        irp = NULL; /* being cancelled: the cancel routine will forget it */
    if (irp != NULL) {
        Csq->CsqRemoveIrp(Csq, irp);
        IopCsqForget(irp, Context);
    }
    Csq->CsqReleaseLock(Csq, irql);
    return irp;
}
