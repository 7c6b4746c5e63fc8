/*
 * driver.c: the timer device's driver entry, dispatch routines and unload.
 *
 * Start reading here. DriverEntry creates the device \Device\Timer0,
 * fills in the dispatch table and starts the driver thread. The dispatch
 * routines run in the requester's thread: they check a request, and
 * either finish it at once (statistics, bad parameters) or queue it for
 * the driver thread and return STATUS_PENDING. The driver thread
 * (thread.c) does the rest, one request at a time.
 */
#include "timerdevp.h"

/* Finishes Irp in the dispatch routine itself: the "completes at once"
   path, where IoCallDriver returns the final status. */
static NTSTATUS TimerCompleteNow(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* Hands Irp to the driver thread. IoCsqInsertIrp marks it pending, so the
   dispatch routine must return STATUS_PENDING; from here the IRP belongs
   to the queue and may be cancelled (and freed) at any moment. */
static NTSTATUS TimerQueueRequest(PTIMER_EXTENSION Extension, PIRP Irp)
{
    IoCsqInsertIrp(&Extension->Csq, Irp, NULL);
    KeSetEvent(&Extension->RequestQueued, IO_NO_INCREMENT, FALSE);
    return STATUS_PENDING;
}

static NTSTATUS TimerDispatchDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PTIMER_EXTENSION extension = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG inputLength = stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG outputLength = stack->Parameters.DeviceIoControl.OutputBufferLength;
    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_TIMER_WAIT:
        if (inputLength < sizeof(TIMER_REQUEST) || outputLength < sizeof(TIMER_RESULT))
            return TimerCompleteNow(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        return TimerQueueRequest(extension, Irp);
    case IOCTL_TIMER_GET_STATISTICS: {
        if (outputLength < sizeof(TIMER_STATISTICS))
            return TimerCompleteNow(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        PTIMER_STATISTICS statistics = Irp->AssociatedIrp.SystemBuffer;
        statistics->Completed = __atomic_load_n(&extension->Sequence, __ATOMIC_RELAXED);
        statistics->Cancelled = (ULONG)extension->Cancelled;
        return TimerCompleteNow(Irp, STATUS_SUCCESS, sizeof(TIMER_STATISTICS));
    }
    default:
        return TimerCompleteNow(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

static NTSTATUS TimerDispatchRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    if (IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length == 0)
        return TimerCompleteNow(Irp, STATUS_SUCCESS, 0);
    return TimerQueueRequest(DeviceObject->DeviceExtension, Irp);
}

/* The driver thread finishes what is queued, then ends; then the device
   can go. (Nobody has it open: the I/O manager does not unload a driver
   whose devices are open.) */
static PAGEABLE_CODE VOID TimerUnload(PDRIVER_OBJECT DriverObject)
{
    PAGED_CODE();
    PDEVICE_OBJECT device = DriverObject->DeviceObject;
    TimerStopThread(device->DeviceExtension);
    IoDeleteDevice(device);
}

static PAGEABLE_CODE NTSTATUS TimerDevDriverEntry(PDRIVER_OBJECT DriverObject,
                                                  PUNICODE_STRING RegistryPath)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(RegistryPath);
    UNICODE_STRING name = RTL_CONSTANT_STRING(TIMER_DEVICE_NAME);
    PDEVICE_OBJECT device;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(TIMER_EXTENSION), &name,
                                     FILE_DEVICE_KELAB_TIMER, 0, FALSE, &device);
    if (!NT_SUCCESS(status))
        return status;
    device->Flags |= DO_DIRECT_IO; /* reads get an MDL of the caller's buffer */

    PTIMER_EXTENSION extension = device->DeviceExtension;
    extension->DeviceObject = device;
    TimerInitializeQueue(extension);
    status = TimerStartThread(extension);
    if (!NT_SUCCESS(status)) {
        IoDeleteDevice(device);
        return status;
    }
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = TimerDispatchDeviceControl;
    DriverObject->MajorFunction[IRP_MJ_READ] = TimerDispatchRead;
    DriverObject->DriverUnload = TimerUnload;
    return STATUS_SUCCESS;
}

KELAB_BUILTIN_DRIVER(TimerDevDriverEntry, L"\\Driver\\TimerDev", 10, NULL);
