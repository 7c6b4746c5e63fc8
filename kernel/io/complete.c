/*
 * complete.c: an IRP's way down a device stack (IoCallDriver) and back up
 * (IoCompleteRequest).
 *
 * Going down, each IoCallDriver moves the IRP to its next stack location,
 * records the device there and calls that device's driver. A driver that
 * wants the IRP back after the drivers below are done with it sets a
 * completion routine in the location of the driver below it.
 *
 * Coming up, IoCompleteRequest walks the locations from the completer's
 * towards the top. At each, PendingReturned says whether the driver below
 * returned STATUS_PENDING; the routine that driver's caller set runs if
 * its InvokeOn* flags match the outcome. A routine that returns
 * STATUS_MORE_PROCESSING_REQUIRED stops the walk: the IRP is its
 * driver's again, to complete again later or to free. A location without
 * a routine passes "pending" up by itself; a routine must do it
 * (`if (Irp->PendingReturned) IoMarkIrpPending(Irp)`), or its caller may
 * wait for an event that nobody will set.
 *
 * Past the top, a thread's IRP goes back to its thread (build.c).
 */
#include "iop.h"

/* Every driver's dispatch routine must return at the IRQL it was called
   at; IoCallDriver is callable up to DISPATCH_LEVEL. Both rules are
   Driver Verifier's I/O checks on Windows (0xC9, 0x5 and 0x10); KeLab
   always makes them. */
NTSTATUS IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > DISPATCH_LEVEL)
        KeBugCheckEx(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x10, irql, 0, 0);
    Irp->CurrentLocation--;
    if (Irp->CurrentLocation <= 0)
        KeBugCheckEx(NO_MORE_IRP_STACK_LOCATIONS, (ULONG_PTR)Irp, 0, 0, 0);
    PIO_STACK_LOCATION stack = --Irp->Tail.Overlay.CurrentStackLocation;
    stack->DeviceObject = DeviceObject;
    NTSTATUS status =
        DeviceObject->DriverObject->MajorFunction[stack->MajorFunction](DeviceObject, Irp);
    if (KeGetCurrentIrql() != irql)
        KeBugCheckEx(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x05, (ULONG_PTR)DeviceObject, irql,
                     KeGetCurrentIrql());
    return status;
}

/* The checks at the door: each is a driver bug that would otherwise
   corrupt the IRP or hang its requester. */
static VOID IopCheckCompletion(PIRP Irp, PVOID Caller)
{
    KIRQL irql = KeGetCurrentIrql();
    if (irql > DISPATCH_LEVEL)
        KeBugCheckEx(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x0E, irql, (ULONG_PTR)Irp, 0);
    /* A completed IRP has walked past its top location (or been freed). */
    if (Irp->Type != IO_TYPE_IRP || Irp->CurrentLocation > Irp->StackCount + 1)
        KeBugCheckEx(MULTIPLE_IRP_COMPLETE_REQUESTS, (ULONG_PTR)Irp, (ULONG_PTR)Caller, 0, 0);
    /* Still cancelable: a cancel routine could run on a freed IRP. */
    if (Irp->CancelRoutine != NULL)
        KeBugCheckEx(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x07, (ULONG_PTR)Irp->CancelRoutine,
                     (ULONG_PTR)Irp, 0);
    /* STATUS_PENDING is what a dispatch routine returns, never a result. */
    if (Irp->IoStatus.Status == STATUS_PENDING || Irp->IoStatus.Status == -1)
        KeBugCheckEx(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x06, (ULONG)Irp->IoStatus.Status,
                     (ULONG_PTR)Irp, 0);
}

static BOOLEAN IopShouldInvoke(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    if (NT_SUCCESS(Irp->IoStatus.Status) && (Stack->Control & SL_INVOKE_ON_SUCCESS))
        return TRUE;
    if (!NT_SUCCESS(Irp->IoStatus.Status) && (Stack->Control & SL_INVOKE_ON_ERROR))
        return TRUE;
    return Irp->Cancel && (Stack->Control & SL_INVOKE_ON_CANCEL);
}

/* A location the IRP has left behind on its way up. */
static VOID IopClearStackLocation(PIO_STACK_LOCATION Stack)
{
    Stack->MinorFunction = 0;
    Stack->Flags = 0;
    Stack->Control = 0;
    Stack->CompletionRoutine = NULL;
    Stack->Context = NULL;
}

VOID IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost)
{
    IopCheckCompletion(Irp, __builtin_return_address(0));
    /* `stack` is the location just left; the IRP's current location is
       the one above it, whose driver set the routine stored in `stack`. */
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    for (IoSkipCurrentIrpStackLocation(Irp); Irp->CurrentLocation <= Irp->StackCount + 1;
         IoSkipCurrentIrpStackLocation(Irp), stack++) {
        Irp->PendingReturned = (stack->Control & SL_PENDING_RETURNED) != 0;
        BOOLEAN top = Irp->CurrentLocation == Irp->StackCount + 1;
        if (IopShouldInvoke(Irp, stack)) {
            PIO_COMPLETION_ROUTINE routine = stack->CompletionRoutine;
            PVOID context = stack->Context;
            IopClearStackLocation(stack);
            /* The IRP's creator has no location of its own: its routine
               gets no device. */
            PDEVICE_OBJECT device = top ? NULL : IoGetCurrentIrpStackLocation(Irp)->DeviceObject;
            if (routine(device, Irp, context) == STATUS_MORE_PROCESSING_REQUIRED)
                return; /* the IRP is the routine's driver's now: do not touch it */
        } else {
            if (!top && Irp->PendingReturned)
                IoMarkIrpPending(Irp);
            IopClearStackLocation(stack);
        }
    }
    IopCompleteToThread(Irp, PriorityBoost);
}
