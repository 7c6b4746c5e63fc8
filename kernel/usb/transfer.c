/*
 * transfer.c: a transfer's life in the core, from the URB that asked for
 * it to the IRP's completion.
 *
 * Four parties may touch a transfer, and none of them knows when the
 * others are done: the code that starts it, the host controller driver
 * (which completes it from its DPC), the IRP's cancel routine (which may
 * run at any moment once it is set) and a timeout's DPC. Each holds a
 * share (Owners); whoever lets go of the last share finishes the
 * transfer. That is the whole of the synchronization: no lock is held
 * while the controller driver is called or the IRP is completed.
 *
 * Cancelling: the cancel routine (or the timeout, or an abort of the
 * pipe) asks the controller driver to end the transfer. If the driver
 * does not have it yet (the cancel came between IoSetCancelRoutine and
 * SubmitTransfer), CancelPending tells the starter to ask as soon as it
 * has handed the transfer over.
 */
#include "usbp.h"

#define USBP_TRANSFER_TAG 'rtsU'

NTSTATUS UsbpNtStatus(USBD_STATUS Status)
{
    switch (Status) {
    case USBD_STATUS_SUCCESS:
        return STATUS_SUCCESS;
    case USBD_STATUS_CANCELED:
        return STATUS_CANCELLED;
    case USBD_STATUS_DEVICE_GONE:
        return STATUS_DEVICE_NOT_CONNECTED;
    case USBD_STATUS_TIMEOUT:
        return STATUS_IO_TIMEOUT;
    case USBD_STATUS_INVALID_URB_FUNCTION:
    case USBD_STATUS_INVALID_PARAMETER:
    case USBD_STATUS_INVALID_PIPE_HANDLE:
    case USBD_STATUS_INVALID_CONFIGURATION_DESCRIPTOR:
    case USBD_STATUS_INTERFACE_NOT_FOUND:
    case USBD_STATUS_INVALID_PIPE_FLAGS:
        return STATUS_INVALID_PARAMETER;
    case USBD_STATUS_INSUFFICIENT_RESOURCES:
        return STATUS_INSUFFICIENT_RESOURCES;
    case USBD_STATUS_NOT_SUPPORTED:
        return STATUS_NOT_SUPPORTED;
    default:
        return STATUS_UNSUCCESSFUL;
    }
}

/* What a refusal by the controller driver (not STATUS_PENDING) means. */
static USBD_STATUS UsbpUsbdStatus(NTSTATUS Status)
{
    switch (Status) {
    case STATUS_DEVICE_NOT_CONNECTED:
        return USBD_STATUS_DEVICE_GONE;
    case STATUS_INVALID_PARAMETER:
        return USBD_STATUS_INVALID_PARAMETER;
    case STATUS_INSUFFICIENT_RESOURCES:
        return USBD_STATUS_INSUFFICIENT_RESOURCES;
    default:
        return USBD_STATUS_INTERNAL_HC_ERROR;
    }
}

PUSBP_TRANSFER UsbpAllocateTransfer(VOID)
{
    PUSBP_TRANSFER transfer =
        ExAllocatePoolWithTag(NonPagedPool, sizeof(*transfer), USBP_TRANSFER_TAG);
    if (transfer != NULL)
        RtlZeroMemory(transfer, sizeof(*transfer));
    return transfer;
}

VOID UsbpFreeTransfer(PUSBP_TRANSFER Transfer)
{
    ExFreePoolWithTag(Transfer, USBP_TRANSFER_TAG);
}

/* The last share is gone: report the result and forget the transfer.
   Usually the controller driver's DPC lets go last; when the starter or a
   canceller does (the transfer ended before it was done with it), the
   IRQL is raised so that a completion routine runs at DISPATCH_LEVEL
   either way, as a USB driver on Windows expects. */
static VOID UsbpFinish(PUSBP_TRANSFER Transfer)
{
    PUSBP_DEVICE device = Transfer->Device;
    PUSBP_CONTROLLER controller = device->Controller;
    PUSBP_PIPE pipe = Transfer->Pipe;
    KIRQL irql, entry;

    KeRaiseIrql(DISPATCH_LEVEL, &entry);
    if (Transfer->TimedOut && Transfer->Status == USBD_STATUS_CANCELED)
        Transfer->Status = USBD_STATUS_TIMEOUT;
    KeAcquireSpinLock(&controller->Lock, &irql);
    RemoveEntryList(&Transfer->DeviceEntry);
    if (USBD_SUCCESS(Transfer->Status))
        pipe->Completed++;
    else
        pipe->Failed++;
    KeReleaseSpinLock(&controller->Lock, irql);

    UsbpMonitorComplete(Transfer);
    if (Transfer->OwnMdl != NULL)
        IoFreeMdl(Transfer->OwnMdl);
    if (Transfer->Urb != NULL)
        Transfer->Urb->UrbHeader.Status = Transfer->Status;
    if (Transfer->UrbLength != NULL)
        *Transfer->UrbLength = Transfer->Actual;
    if (Transfer->Irp != NULL) {
        PIRP irp = Transfer->Irp;
        irp->IoStatus.Status = UsbpNtStatus(Transfer->Status);
        irp->IoStatus.Information = 0;
        UsbpFreeTransfer(Transfer);
        IoCompleteRequest(irp, IO_NO_INCREMENT);
    } else {
        KeSetEvent(Transfer->Done, IO_NO_INCREMENT, FALSE); /* the waiter's again */
    }

    /* Counted down only now, so that a device is not freed (UsbpFreeDevice
       waits for this) while an IRP of its is still being completed. */
    KeAcquireSpinLock(&controller->Lock, &irql);
    if (--pipe->Outstanding == 0 && pipe->Drained != NULL)
        KeSetEvent(pipe->Drained, IO_NO_INCREMENT, FALSE);
    if (--device->Outstanding == 0)
        KeSetEvent(&device->NoTransfers, IO_NO_INCREMENT, FALSE);
    KeReleaseSpinLock(&controller->Lock, irql);
    KeLowerIrql(entry);
}

static VOID UsbpRelease(PUSBP_TRANSFER Transfer)
{
    if (InterlockedDecrement(&Transfer->Owners) == 0)
        UsbpFinish(Transfer);
}

/* A share for a canceller that found the transfer on its device's list,
   unless the transfer is already being finished (its last share gone, it
   waits for the lock to leave the list). Controller Lock held. */
static BOOLEAN UsbpTryShare(PUSBP_TRANSFER Transfer)
{
    for (;;) {
        LONG owners = Transfer->Owners;
        if (owners == 0)
            return FALSE;
        if (InterlockedCompareExchange(&Transfer->Owners, owners + 1, owners) == owners)
            return TRUE;
    }
}

/* Asks for the transfer to end; the caller holds a share. */
static VOID UsbpAbort(PUSBP_TRANSFER Transfer)
{
    PUSBP_CONTROLLER controller = Transfer->Device->Controller;
    KIRQL irql;
    KeAcquireSpinLock(&controller->Lock, &irql);
    BOOLEAN submitted = Transfer->Submitted;
    if (!submitted)
        Transfer->CancelPending = TRUE;
    KeReleaseSpinLock(&controller->Lock, irql);
    if (submitted)
        controller->Hc->CancelTransfer(controller->HcContext, &Transfer->Hc);
}

static VOID UsbpCancelIrp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    PUSBP_TRANSFER transfer = Irp->Tail.Overlay.DriverContext[0];
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    UsbpAbort(transfer);
    UsbpRelease(transfer); /* the cancel routine's share */
}

static VOID UsbpTimeout(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    PUSBP_TRANSFER transfer = Context;
    transfer->TimedOut = TRUE;
    UsbpAbort(transfer);
    UsbpRelease(transfer); /* the timer's share */
}

/* The controller driver is done with the transfer (or refused it): the
   cancel routine and the timer, if they have not started, never will. */
static VOID UsbpEnded(PUSBP_TRANSFER Transfer, USBD_STATUS Status, ULONG Actual)
{
    Transfer->Status = Status;
    Transfer->Actual = Actual <= Transfer->Hc.Length ? Actual : Transfer->Hc.Length;
    if (Transfer->Irp != NULL && IoSetCancelRoutine(Transfer->Irp, NULL) != NULL)
        UsbpRelease(Transfer);
    if (Transfer->TimeoutMs != 0 && KeCancelTimer(&Transfer->Timer))
        UsbpRelease(Transfer);
    UsbpRelease(Transfer); /* the controller driver's share */
}

VOID UsbHcCompleteTransfer(PUSBHC_CONTROLLER Controller, PUSBHC_TRANSFER Transfer,
                           USBD_STATUS Status, ULONG Actual)
{
    UNREFERENCED_PARAMETER(Controller);
    ASSERT(KeGetCurrentIrql() <= DISPATCH_LEVEL);
    UsbpEnded(CONTAINING_RECORD(Transfer, USBP_TRANSFER, Hc), Status, Actual);
}

/* The buffer both ways the controller driver wants it: a system address
   and an MDL of its pages. */
static BOOLEAN UsbpMapBuffer(PUSBP_TRANSFER Transfer)
{
    PUSBHC_TRANSFER hc = &Transfer->Hc;
    if (hc->Length == 0) {
        hc->Buffer = NULL;
        hc->Mdl = NULL;
        return TRUE;
    }
    if (hc->Mdl == NULL) {
        Transfer->OwnMdl = IoAllocateMdl(hc->Buffer, hc->Length, FALSE, FALSE, NULL);
        if (Transfer->OwnMdl == NULL)
            return FALSE;
        MmBuildMdlForNonPagedPool(Transfer->OwnMdl);
        hc->Mdl = Transfer->OwnMdl;
    } else if (hc->Buffer == NULL) {
        hc->Buffer = MmGetSystemAddressForMdlSafe(hc->Mdl, NormalPagePriority);
    }
    return hc->Buffer != NULL;
}

NTSTATUS UsbpStartTransfer(PUSBP_DEVICE Device, PUSBP_TRANSFER Transfer)
{
    PUSBP_CONTROLLER controller = Device->Controller;
    PUSBHC_TRANSFER hc = &Transfer->Hc;
    KIRQL irql;

    ASSERT(KeGetCurrentIrql() <= DISPATCH_LEVEL);
    Transfer->Device = Device;
    hc->Device = Device->HcDevice;
    hc->EndpointAddress = Transfer->Pipe->Address;
    hc->EndpointType = Transfer->Pipe->Type;
    hc->CoreContext = Transfer;
    Transfer->Status = USBD_STATUS_PENDING;
    /* The starter's, the controller driver's, the cancel routine's, the
       timer's. */
    Transfer->Owners = 2 + (Transfer->Irp != NULL) + (Transfer->TimeoutMs != 0);
    BOOLEAN mapped = UsbpMapBuffer(Transfer);

    KeAcquireSpinLock(&controller->Lock, &irql);
    BOOLEAN closing = Device->Closing;
    InsertTailList(&Device->Transfers, &Transfer->DeviceEntry);
    if (Device->Outstanding++ == 0)
        KeClearEvent(&Device->NoTransfers);
    Transfer->Pipe->Outstanding++;
    KeReleaseSpinLock(&controller->Lock, irql);
    Transfer->SubmitTime = KeQueryInterruptTime();
    UsbpMonitorSubmit(Transfer);

    if (Transfer->Irp != NULL) {
        PIRP irp = Transfer->Irp;
        IoMarkIrpPending(irp);
        irp->Tail.Overlay.DriverContext[0] = Transfer;
        IoSetCancelRoutine(irp, UsbpCancelIrp);
        if (irp->Cancel && IoSetCancelRoutine(irp, NULL) != NULL) {
            Transfer->CancelPending = TRUE; /* cancelled already: ours to do */
            UsbpRelease(Transfer);
        }
    }
    if (Transfer->TimeoutMs != 0) {
        KeInitializeTimer(&Transfer->Timer);
        KeInitializeDpc(&Transfer->TimerDpc, UsbpTimeout, Transfer);
        LARGE_INTEGER due = {.QuadPart = -(LONGLONG)Transfer->TimeoutMs * 10000};
        KeSetTimer(&Transfer->Timer, due, &Transfer->TimerDpc);
    }

    NTSTATUS status = !mapped   ? STATUS_INSUFFICIENT_RESOURCES
                      : closing ? STATUS_DEVICE_NOT_CONNECTED
                                : controller->Hc->SubmitTransfer(controller->HcContext, hc);
    if (status != STATUS_PENDING) {
        UsbpEnded(Transfer, UsbpUsbdStatus(status), 0);
    } else {
        KeAcquireSpinLock(&controller->Lock, &irql);
        Transfer->Submitted = TRUE;
        BOOLEAN cancel = Transfer->CancelPending;
        KeReleaseSpinLock(&controller->Lock, irql);
        if (cancel)
            controller->Hc->CancelTransfer(controller->HcContext, hc);
    }
    UsbpRelease(Transfer); /* the starter's */
    return STATUS_PENDING;
}

NTSTATUS UsbpControl(PUSBP_DEVICE Device, UCHAR RequestType, UCHAR Request, USHORT Value,
                     USHORT Index, PVOID Buffer, USHORT Length, PULONG Actual,
                     USBD_STATUS *UsbdStatus)
{
    KEVENT done;
    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    PUSBP_TRANSFER transfer = UsbpAllocateTransfer();
    if (transfer == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    UCHAR setup[8] = {
        RequestType,         Request,       (UCHAR)Value,        (UCHAR)(Value >> 8), (UCHAR)Index,
        (UCHAR)(Index >> 8), (UCHAR)Length, (UCHAR)(Length >> 8)};
    RtlCopyMemory(transfer->Hc.Setup, setup, sizeof(setup));
    transfer->Pipe = &Device->DefaultPipe;
    transfer->Hc.Buffer = Buffer;
    transfer->Hc.Length = Length;
    transfer->Hc.In = (RequestType & USB_ENDPOINT_DIRECTION_MASK) != 0;
    transfer->Hc.ShortOk = TRUE;
    transfer->TimeoutMs = USBP_CONTROL_TIMEOUT;
    transfer->Done = &done;
    UsbpStartTransfer(Device, transfer);
    KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);

    *UsbdStatus = transfer->Status;
    if (Actual != NULL)
        *Actual = transfer->Actual;
    UsbpFreeTransfer(transfer);
    return UsbpNtStatus(*UsbdStatus);
}

VOID UsbpCancelTransfers(PUSBP_DEVICE Device, PUSBP_PIPE Pipe)
{
    PUSBP_CONTROLLER controller = Device->Controller;
    LIST_ENTRY cancel;
    KIRQL irql;

    InitializeListHead(&cancel);
    KeAcquireSpinLock(&controller->Lock, &irql);
    for (PLIST_ENTRY e = Device->Transfers.Flink; e != &Device->Transfers; e = e->Flink) {
        PUSBP_TRANSFER transfer = CONTAINING_RECORD(e, USBP_TRANSFER, DeviceEntry);
        /* One already being aborted is left to whoever is doing it. */
        if ((Pipe == NULL || transfer->Pipe == Pipe) && !transfer->Cancelling &&
            UsbpTryShare(transfer)) {
            transfer->Cancelling = TRUE;
            InsertTailList(&cancel, &transfer->CancelEntry);
        }
    }
    KeReleaseSpinLock(&controller->Lock, irql);
    while (!IsListEmpty(&cancel)) {
        PUSBP_TRANSFER transfer =
            CONTAINING_RECORD(RemoveHeadList(&cancel), USBP_TRANSFER, CancelEntry);
        UsbpAbort(transfer);
        UsbpRelease(transfer);
    }
}

VOID UsbpWaitForTransfers(PUSBP_DEVICE Device)
{
    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    KeWaitForSingleObject(&Device->NoTransfers, Executive, KernelMode, FALSE, NULL);
}
