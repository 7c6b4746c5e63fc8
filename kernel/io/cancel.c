/*
 * cancel.c: IoCancelIrp and the cancel spin lock.
 *
 * An IRP that may wait a long time in a driver (queued, or waiting for
 * its device) carries a cancel routine. IoCancelIrp marks the IRP
 * cancelled and, if the IRP has a routine, takes it (sets it to NULL) and
 * calls it, holding the system-wide cancel spin lock; the routine
 * releases the lock and finishes the IRP with STATUS_CANCELLED.
 *
 * The driver side of the race is the same exchange: before it completes
 * an IRP, or takes it off a queue to work on, a driver sets the routine
 * to NULL with IoSetCancelRoutine. Whoever gets the non-NULL routine back,
 * IoCancelIrp or the driver, owns the IRP; the other must leave it alone.
 * Cancel-safe queues (csq.c) package exactly this.
 */
#include "iop.h"

static KSPIN_LOCK IopCancelSpinLock;

VOID IoAcquireCancelSpinLock(PKIRQL Irql)
{
    KeAcquireSpinLock(&IopCancelSpinLock, Irql);
}

VOID IoReleaseCancelSpinLock(KIRQL Irql)
{
    KeReleaseSpinLock(&IopCancelSpinLock, Irql);
}

BOOLEAN IoCancelIrp(PIRP Irp)
{
    KIRQL irql;
    IoAcquireCancelSpinLock(&irql);
    Irp->Cancel = TRUE; /* before the exchange: a driver that wins it then sees Cancel */
    PDRIVER_CANCEL routine = IoSetCancelRoutine(Irp, NULL);
    if (routine == NULL) {
        IoReleaseCancelSpinLock(irql);
        return FALSE;
    }
    Irp->CancelIrql = irql;
    routine(IoGetCurrentIrpStackLocation(Irp)->DeviceObject, Irp); /* releases the lock */
    return TRUE;
}

VOID IopInitializeCancel(VOID)
{
    KeLabNameSpinLock(&IopCancelSpinLock, "IoCancel");
}
