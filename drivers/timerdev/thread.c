/*
 * thread.c: the driver thread and the device's "interrupt".
 *
 * This is the flow of the event-object documentation's figure (a driver
 * with a thread that manages a queue of IRPs, like the floppy driver):
 *
 *   driver thread                          device, DPC
 *   -------------                          -----------
 *   irp = IoCsqRemoveNextIrp(queue)
 *   start the I/O (KeSetTimer)   ------->  the timer counts down...
 *   KeWaitForSingleObject(&InterruptEvent)
 *     (Waiting: the processor runs           ...it expires: the "interrupt".
 *      other threads)                       DpcForIsr, at DISPATCH_LEVEL:
 *                                           reads the device, then
 *                                <-------  KeSetEvent(&InterruptEvent,
 *                                                     increment, FALSE)
 *   (Ready, then Running as soon as a
 *    processor is free for it)
 *   IoCompleteRequest(irp, boost)
 *   take the next IRP
 *
 * The event lives in the device extension (nonpaged, as the DPC touches
 * it); it is a synchronization event, so each KeSetEvent releases exactly
 * one wait of the thread. The thread runs at real-time priority, as a
 * driver's thread usually does: it wakes ahead of the requesters it
 * serves, and boosts do not apply to it, so DpcForIsr passes
 * IO_NO_INCREMENT.
 *
 * Cancelling a request in progress stops the hardware: the cancel routine
 * cancels the timer and, if the timer had not fired yet, sets the event
 * itself with TimerCancelled. If it had, the interrupt is on its way and
 * the request completes with its data: a request ends once, either way.
 */
#include "timerdevp.h"

/* ---- the "hardware" ------------------------------------------------------ */

/* DpcForIsr: a real device's ISR would acknowledge the interrupt and queue
   this DPC; here the timer queues it. Runs at DISPATCH_LEVEL. */
static VOID TimerDpcForIsr(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1,
                           PVOID SystemArgument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    PTIMER_EXTENSION extension = DeferredContext;
    extension->FiredAt = KeQueryInterruptTime(); /* "read the device's registers" */
    KeSetEvent(&extension->InterruptEvent, IO_NO_INCREMENT, FALSE);
}

static ULONG TimerDelayOf(PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    if (stack->MajorFunction == IRP_MJ_READ)
        return 0; /* a read takes one interrupt, the earliest the device can give */
    return ((PTIMER_REQUEST)Irp->AssociatedIrp.SystemBuffer)->DelayMicroseconds;
}

/* Stops the hardware for a cancel. Called by the one who owns the
   request's cancellation: the cancel routine (under the cancel spin lock),
   or the thread itself if it took the routine back first. */
static VOID TimerStopDevice(PTIMER_EXTENSION Extension)
{
    if (KeCancelTimer(&Extension->Timer)) { /* it had not fired: no interrupt will come */
        Extension->TimerCancelled = TRUE;
        KeSetEvent(&Extension->InterruptEvent, IO_NO_INCREMENT, FALSE);
    }
}

/* The cancel routine of the request in progress. It does its work before
   it lets go of the cancel spin lock: TimerFinishIo waits for that lock,
   so the routine cannot stop the timer of the next request. */
static VOID TimerCancelInProgress(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    TimerStopDevice(DeviceObject->DeviceExtension);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
}

/* ---- one request ------------------------------------------------------------ */

/* Step 1: program the device, then make the request cancelable. A cancel
   that came before the routine was set found nothing to call: it is ours
   to carry out. */
static VOID TimerStartIo(PTIMER_EXTENSION Extension, PIRP Irp)
{
    LARGE_INTEGER due = {.QuadPart = -(LONGLONG)TimerDelayOf(Irp) * 10 - 1}; /* relative */
    Extension->TimerCancelled = FALSE;
    KeSetTimer(&Extension->Timer, due, &Extension->TimerDpc);
    IoSetCancelRoutine(Irp, TimerCancelInProgress);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL)
        TimerStopDevice(Extension);
}

/* The data of a finished request. */
static NTSTATUS TimerTransfer(PTIMER_EXTENSION Extension, PIRP Irp, PULONG_PTR Information)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    if (stack->MajorFunction == IRP_MJ_READ) {
        PUCHAR buffer = MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
        if (buffer == NULL)
            return STATUS_INSUFFICIENT_RESOURCES;
        for (ULONG i = 0; i < stack->Parameters.Read.Length; i++)
            buffer[i] = (UCHAR)(Extension->Sequence + i);
        *Information = stack->Parameters.Read.Length;
        return STATUS_SUCCESS;
    }
    /* METHOD_BUFFERED: the request came in the system buffer, the result
       goes back in it. Read the tag before writing over it. */
    PTIMER_REQUEST request = Irp->AssociatedIrp.SystemBuffer;
    TIMER_RESULT result = {
        .Tag = request->Tag, .Sequence = Extension->Sequence, .FiredAt = Extension->FiredAt};
    *(PTIMER_RESULT)Irp->AssociatedIrp.SystemBuffer = result;
    *Information = sizeof(result);
    return STATUS_SUCCESS;
}

/* Step 3: the interrupt came (or the cancel): complete the request. */
static VOID TimerFinishIo(PTIMER_EXTENSION Extension, PIRP Irp)
{
    if (IoSetCancelRoutine(Irp, NULL) == NULL) {
        /* IoCancelIrp took the routine: let it finish with the device. */
        KIRQL irql;
        IoAcquireCancelSpinLock(&irql);
        IoReleaseCancelSpinLock(irql);
    }
    ULONG_PTR information = 0;
    NTSTATUS status = STATUS_CANCELLED;
    if (Extension->TimerCancelled) {
        __atomic_add_fetch(&Extension->Cancelled, 1, __ATOMIC_RELAXED);
    } else {
        __atomic_store_n(&Extension->Sequence, Extension->Sequence + 1, __ATOMIC_RELAXED);
        status = TimerTransfer(Extension, Irp, &information);
    }
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = information;
    IoCompleteRequest(Irp, TIMER_COMPLETION_BOOST);
}

/* ---- the thread ------------------------------------------------------------- */

static VOID TimerDriverThread(PVOID Context)
{
    PTIMER_EXTENSION extension = Context;
    KeSetPriorityThread(KeGetCurrentThread(), LOW_REALTIME_PRIORITY);
    while (!extension->Stopping) {
        KeWaitForSingleObject(&extension->RequestQueued, Executive, KernelMode, FALSE, NULL);
        PIRP irp;
        while ((irp = IoCsqRemoveNextIrp(&extension->Csq, NULL)) != NULL) {
            TimerStartIo(extension, irp);
            /* Step 2: wait for the device. */
            KeWaitForSingleObject(&extension->InterruptEvent, Executive, KernelMode, FALSE, NULL);
            TimerFinishIo(extension, irp);
        }
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

PAGEABLE_CODE NTSTATUS TimerStartThread(PTIMER_EXTENSION Extension)
{
    PAGED_CODE();
    KeInitializeTimer(&Extension->Timer);
    KeInitializeDpc(&Extension->TimerDpc, TimerDpcForIsr, Extension);
    KeInitializeEvent(&Extension->InterruptEvent, SynchronizationEvent, FALSE);
    HANDLE handle;
    NTSTATUS status = PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL,
                                           TimerDriverThread, Extension);
    if (!NT_SUCCESS(status))
        return status;
    /* Keep the thread object, not the handle: unload waits on it. */
    ObReferenceObjectByHandle(handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode,
                              (PVOID *)&Extension->Thread, NULL);
    ZwClose(handle);
    return STATUS_SUCCESS;
}

/* The thread finishes every queued request, sees Stopping and ends. */
PAGEABLE_CODE VOID TimerStopThread(PTIMER_EXTENSION Extension)
{
    PAGED_CODE();
    Extension->Stopping = TRUE;
    KeSetEvent(&Extension->RequestQueued, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(Extension->Thread, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(Extension->Thread);
}
