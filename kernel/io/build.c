/*
 * build.c: IRPs for a thread's request, and how they come back to it.
 *
 * IoBuildSynchronousFsdRequest, IoBuildAsynchronousFsdRequest and
 * IoBuildDeviceIoControlRequest make an IRP the way NT's system services
 * do for a caller: its buffers handed over as the device or the control
 * code's method asks (a pool copy for buffered I/O, an MDL for direct
 * I/O, the bare pointers for "neither"), and the calling thread recorded
 * in it.
 *
 * When such an IRP has been completed all the way up (complete.c), the
 * rest of the work belongs to the thread that asked: the output copied
 * back into its buffer, its IO_STATUS_BLOCK filled in, its event set. NT
 * does that in the thread itself, with a special kernel APC queued to it
 * (KeInsertQueueApc with the completion's priority boost): whatever
 * processor completes the IRP, and at whatever IRQL up to DISPATCH_LEVEL,
 * the copy happens in the requester's context, and the requester is
 * boosted when it is woken to run it. The APC then frees the IRP.
 */
#include "iop.h"
#include "ps.h"
#include "ob.h"

/* ---- building --------------------------------------------------------------- */

/* An IRP with the thread's reference and result pointers, no buffers yet. */
static PIRP IopAllocateThreadIrp(PDEVICE_OBJECT DeviceObject, UCHAR MajorFunction, PKEVENT Event,
                                 PIO_STATUS_BLOCK IoStatusBlock)
{
    PIRP irp = IoAllocateIrp(DeviceObject->StackSize, FALSE);
    if (irp == NULL)
        return NULL;
    IoGetNextIrpStackLocation(irp)->MajorFunction = MajorFunction;
    irp->UserEvent = Event;
    irp->UserIosb = IoStatusBlock;
    irp->Tail.Overlay.Thread = PsGetCurrentThread();
    ObReferenceObject(irp->Tail.Overlay.Thread);
    return irp;
}

/* Frees what IopAttachBuffers attached, and the IRP (a build that failed,
   or a completed IRP whose thread is gone). */
static VOID IopFreeThreadIrp(PIRP Irp)
{
    if (Irp->Flags & IRP_DEALLOCATE_BUFFER)
        ExFreePoolWithTag(Irp->AssociatedIrp.SystemBuffer, IOP_TAG_SYSTEM_BUFFER);
    while (Irp->MdlAddress != NULL) {
        PMDL next = Irp->MdlAddress->Next;
        IoFreeMdl(Irp->MdlAddress);
        Irp->MdlAddress = next;
    }
    IoFreeIrp(Irp);
}

/* Buffered I/O: a pool buffer as large as the larger length, holding the
   InputLength bytes of Input; Output (if any) gets the result back at
   completion. A NULL buffer with a length is passed on as NT does: the
   driver sees the length, nothing is copied from or to NULL. */
static BOOLEAN IopAttachSystemBuffer(PIRP Irp, PVOID Input, ULONG InputLength, PVOID Output,
                                     ULONG OutputLength)
{
    ULONG size = InputLength > OutputLength ? InputLength : OutputLength;
    if (size == 0)
        return TRUE;
    PVOID buffer = ExAllocatePoolWithTag(NonPagedPool, size, IOP_TAG_SYSTEM_BUFFER);
    if (buffer == NULL)
        return FALSE;
    RtlZeroMemory(buffer, size); /* the driver never sees stale pool */
    if (Input != NULL && InputLength)
        RtlCopyMemory(buffer, Input, InputLength);
    Irp->AssociatedIrp.SystemBuffer = buffer;
    Irp->Flags |= IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
    if (Output != NULL && OutputLength) {
        Irp->Flags |= IRP_INPUT_OPERATION;
        Irp->UserBuffer = Output;
    }
    return TRUE;
}

/* Direct I/O: an MDL describing the caller's buffer. (NT probes and locks
   the pages; every kernel buffer in KeLab is resident already.) */
static BOOLEAN IopAttachMdl(PIRP Irp, PVOID Buffer, ULONG Length)
{
    if (Buffer == NULL || Length == 0)
        return TRUE;
    PMDL mdl = IoAllocateMdl(Buffer, Length, FALSE, FALSE, Irp);
    if (mdl == NULL)
        return FALSE;
    MmBuildMdlForNonPagedPool(mdl);
    return TRUE;
}

PAGEABLE_CODE PIRP IoBuildAsynchronousFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject,
                                                 PVOID Buffer, ULONG Length,
                                                 PLARGE_INTEGER StartingOffset,
                                                 PIO_STATUS_BLOCK IoStatusBlock)
{
    PAGED_CODE();
    PIRP irp = IopAllocateThreadIrp(DeviceObject, (UCHAR)MajorFunction, NULL, IoStatusBlock);
    if (irp == NULL || (MajorFunction != IRP_MJ_READ && MajorFunction != IRP_MJ_WRITE))
        return irp; /* flush, shutdown...: no buffer */
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->Parameters.Read.Length = Length; /* Read and Write have the same layout */
    next->Parameters.Read.ByteOffset.QuadPart = StartingOffset ? StartingOffset->QuadPart : 0;
    BOOLEAN read = MajorFunction == IRP_MJ_READ;
    BOOLEAN attached = TRUE;
    if (DeviceObject->Flags & DO_BUFFERED_IO)
        attached = IopAttachSystemBuffer(irp, read ? NULL : Buffer, read ? 0 : Length,
                                         read ? Buffer : NULL, read ? Length : 0);
    else if (DeviceObject->Flags & DO_DIRECT_IO)
        attached = IopAttachMdl(irp, Buffer, Length);
    else
        irp->UserBuffer = Buffer;
    if (!attached) {
        IopFreeThreadIrp(irp);
        return NULL;
    }
    return irp;
}

PAGEABLE_CODE PIRP IoBuildSynchronousFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject,
                                                PVOID Buffer, ULONG Length,
                                                PLARGE_INTEGER StartingOffset, PKEVENT Event,
                                                PIO_STATUS_BLOCK IoStatusBlock)
{
    PAGED_CODE();
    PIRP irp = IoBuildAsynchronousFsdRequest(MajorFunction, DeviceObject, Buffer, Length,
                                             StartingOffset, IoStatusBlock);
    if (irp != NULL)
        irp->UserEvent = Event;
    return irp;
}

PAGEABLE_CODE PIRP IoBuildDeviceIoControlRequest(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject,
                                                 PVOID InputBuffer, ULONG InputBufferLength,
                                                 PVOID OutputBuffer, ULONG OutputBufferLength,
                                                 BOOLEAN InternalDeviceIoControl, PKEVENT Event,
                                                 PIO_STATUS_BLOCK IoStatusBlock)
{
    PAGED_CODE();
    UCHAR major = InternalDeviceIoControl ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL;
    PIRP irp = IopAllocateThreadIrp(DeviceObject, major, Event, IoStatusBlock);
    if (irp == NULL)
        return NULL;
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->Parameters.DeviceIoControl.IoControlCode = IoControlCode;
    next->Parameters.DeviceIoControl.InputBufferLength = InputBufferLength;
    next->Parameters.DeviceIoControl.OutputBufferLength = OutputBufferLength;
    BOOLEAN attached = TRUE;
    switch (METHOD_FROM_CTL_CODE(IoControlCode)) {
    case METHOD_BUFFERED:
        attached = IopAttachSystemBuffer(irp, InputBuffer, InputBufferLength, OutputBuffer,
                                         OutputBufferLength);
        break;
    case METHOD_IN_DIRECT:
    case METHOD_OUT_DIRECT: /* input copied, output described by an MDL */
        attached = IopAttachSystemBuffer(irp, InputBuffer, InputBufferLength, NULL, 0) &&
                   IopAttachMdl(irp, OutputBuffer, OutputBufferLength);
        break;
    case METHOD_NEITHER:
        next->Parameters.DeviceIoControl.Type3InputBuffer = InputBuffer;
        irp->UserBuffer = OutputBuffer;
        break;
    }
    if (!attached) {
        IopFreeThreadIrp(irp);
        return NULL;
    }
    return irp;
}

/* ---- completion in the thread ------------------------------------------------ */

/* The APC's kernel routine, at APC_LEVEL in the thread that built the IRP.
   The boost was given when the APC woke the thread; the event is set
   without one, as NT does, so that other waiters on it get none. */
static VOID IopCompleteRequest(PKAPC Apc, PKNORMAL_ROUTINE *NormalRoutine, PVOID *NormalContext,
                               PVOID *SystemArgument1, PVOID *SystemArgument2)
{
    UNREFERENCED_PARAMETER(NormalRoutine);
    UNREFERENCED_PARAMETER(NormalContext);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    PIRP irp = CONTAINING_RECORD(Apc, IRP, Tail.Apc);
    PETHREAD thread = (PETHREAD)Apc->Thread;
    IO_STATUS_BLOCK result = irp->IoStatus;
    PIO_STATUS_BLOCK iosb = irp->UserIosb;
    PKEVENT event = irp->UserEvent;

    /* Warnings (STATUS_BUFFER_OVERFLOW) still carry data; errors do not. */
    if ((irp->Flags & IRP_INPUT_OPERATION) && !NT_ERROR(result.Status) && result.Information)
        RtlCopyMemory(irp->UserBuffer, irp->AssociatedIrp.SystemBuffer, result.Information);
    irp->Tail.Overlay.Thread = NULL; /* the APC overlaid it: the reference is dropped below */
    IopFreeThreadIrp(irp);
    if (iosb != NULL)
        *iosb = result;
    if (event != NULL)
        KeSetEvent(event, IO_NO_INCREMENT, FALSE);
    ObDereferenceObject(thread);
}

VOID IopCompleteToThread(PIRP Irp, CCHAR PriorityBoost)
{
    PETHREAD thread = Irp->Tail.Overlay.Thread;
    /* A driver's own IRP (IoAllocateIrp) has no thread to go back to: its
       completion routine must have stopped completion and freed it.
       Windows crashes here too, inside the APC code. */
    if (thread == NULL)
        KeBugCheckEx(INCONSISTENT_IRP, (ULONG_PTR)Irp, 0, 0, 0);
    KeInitializeApc(&Irp->Tail.Apc, &thread->Tcb, OriginalApcEnvironment, IopCompleteRequest, NULL,
                    NULL, KernelMode, NULL);
    /* From here the IRP may be freed at any moment: by this thread as soon
       as IRQL drops below APC_LEVEL, or by its own on another processor. */
    if (KeInsertQueueApc(&Irp->Tail.Apc, NULL, NULL, PriorityBoost))
        return;
    /* The thread has terminated: nobody is left to take the result. */
    Irp->Tail.Overlay.Thread = thread;
    IopFreeThreadIrp(Irp);
}
