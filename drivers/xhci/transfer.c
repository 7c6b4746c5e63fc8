/*
 * transfer.c: transfers on endpoint rings (xHCI 4.11), their completion,
 * cancellation and the recovery from a STALL.
 *
 * A transfer becomes one TD (transfer descriptor): TRBs chained on its
 * endpoint's ring, ended by an Event Data TRB with Interrupt On
 * Completion. The controller then posts one Transfer Event for the whole
 * TD whose pointer is the Event Data TRB's parameter (the transfer
 * itself) and whose length is the bytes moved (xHCI 4.11.5.2): short
 * packets need no arithmetic over the TD's TRBs.
 *
 *   control  Setup (8 bytes, immediate) | Data, Normal... | Status | Event Data
 *   bulk     Normal, Normal, ... | Event Data
 *
 * Data TRBs come from the transfer's MDL: physically contiguous runs, none
 * crossing a 64 KiB boundary. A transfer waits on its endpoint's Waiting
 * list while the ring lacks room, and moves to OnRing with its TRBs.
 *
 * Stopping an endpoint (to cancel a transfer) and resetting one (after a
 * STALL) make QEMU drop every transfer it had taken from the ring (the
 * reference notes, section 4). So both end the same way: Set TR Dequeue
 * Pointer to the ring's enqueue point, abandoning every TRB written so far,
 * and queue the transfers still wanted again, in their order
 * (XhciRestartEndpoint). A transfer stopped midway starts again from its
 * beginning.
 */
#include "xhci.h"

/* Physically contiguous runs of a transfer's buffer, from its MDL. */
typedef struct _XHCI_RUNS {
    PPFN_NUMBER Pfn; /* the page the next run starts in */
    ULONG Offset;    /* in that page */
    ULONG Left;
} XHCI_RUNS;

static VOID XhciStartRuns(XHCI_RUNS *Runs, PUSBHC_TRANSFER Transfer)
{
    Runs->Pfn = Transfer->Length ? MmGetMdlPfnArray(Transfer->Mdl) : NULL;
    Runs->Offset = Transfer->Length ? MmGetMdlByteOffset(Transfer->Mdl) : 0;
    Runs->Left = Transfer->Length;
}

/* The next run: as many pages as are physically consecutive, without
   crossing a 64 KiB boundary (a TRB may not). */
static BOOLEAN XhciNextRun(XHCI_RUNS *Runs, PULONG64 Physical, PULONG Length)
{
    if (Runs->Left == 0)
        return FALSE;
    ULONG64 start = ((ULONG64)Runs->Pfn[0] << PAGE_SHIFT) + Runs->Offset;
    ULONG length = 0;
    for (;;) {
        ULONG chunk = PAGE_SIZE - Runs->Offset;
        if (chunk > Runs->Left)
            chunk = Runs->Left;
        length += chunk;
        Runs->Left -= chunk;
        Runs->Offset += chunk;
        if (Runs->Offset == PAGE_SIZE) {
            Runs->Pfn++;
            Runs->Offset = 0;
        }
        if (Runs->Left == 0 || Runs->Offset != 0 ||
            ((ULONG64)Runs->Pfn[0] << PAGE_SHIFT) != start + length ||
            ((start + length) & (XHCI_TRB_MAX_LENGTH - 1)) == 0)
            break;
    }
    *Physical = start;
    *Length = length;
    return TRUE;
}

/* TRBs a transfer's TD takes, not counting Link TRBs. */
static ULONG XhciTdSize(PUSBHC_TRANSFER Transfer)
{
    XHCI_RUNS runs;
    ULONG64 physical;
    ULONG length, data = 0;
    XhciStartRuns(&runs, Transfer);
    while (XhciNextRun(&runs, &physical, &length))
        data++;
    if (Transfer->EndpointType == USB_ENDPOINT_TYPE_CONTROL)
        return 1 + data + 1 + 1;  /* setup, data, status, event data */
    return (data ? data : 1) + 1; /* a zero-length packet is one empty TRB */
}

/* Worst case: every TRB of the TD at the end of the ring adds a link. */
static ULONG XhciTdSpace(ULONG Trbs)
{
    return Trbs + 1;
}

static ULONG XhciPut(PXHCI_RING Ring, ULONG Type, ULONG64 Parameter, ULONG Status, ULONG Flags,
                     BOOLEAN Chained, BOOLEAN First)
{
    ULONG trb[4] = {(ULONG)Parameter, (ULONG)(Parameter >> 32), Status,
                    XHCI_TRB_TYPE(Type) | Flags};
    return XhciRingPut(Ring, trb, Chained, First);
}

/* Writes the data TRBs: the first of FirstType (Data or Normal), then
   Normal, each chained to what follows, with the packets still to come
   after it (TD Size). */
static VOID XhciPutData(PXHCI_RING Ring, PUSBHC_TRANSFER Transfer, ULONG MaxPacket, ULONG FirstType,
                        ULONG Flags, PBOOLEAN First)
{
    XHCI_RUNS runs;
    ULONG64 physical;
    ULONG length, left = Transfer->Length, type = FirstType;
    XhciStartRuns(&runs, Transfer);
    while (XhciNextRun(&runs, &physical, &length)) {
        left -= length;
        ULONG packets = (left + MaxPacket - 1) / MaxPacket;
        XhciPut(Ring, type, physical, XHCI_TRB_LENGTH(length) | XHCI_TRB_TD_SIZE(packets), Flags,
                TRUE, *First);
        *First = FALSE;
        type = XhciTrbNormal;
        Flags = 0;
    }
}

/* Writes Transfer's TD at the ring's enqueue point (room was checked). */
static VOID XhciQueueTd(PXHCI_ENDPOINT Endpoint, PUSBHC_TRANSFER Transfer)
{
    PXHCI_RING ring = &Endpoint->Ring;
    PXHCI_TD td = XhciTd(Transfer);
    BOOLEAN first = TRUE;

    td->First = ring->Enqueue;
    if (Transfer->EndpointType == USB_ENDPOINT_TYPE_CONTROL) {
        const UCHAR *s = Transfer->Setup;
        ULONG64 setup = (ULONG64)s[0] | (ULONG64)s[1] << 8 | (ULONG64)s[2] << 16 |
                        (ULONG64)s[3] << 24 | (ULONG64)s[4] << 32 | (ULONG64)s[5] << 40 |
                        (ULONG64)s[6] << 48 | (ULONG64)s[7] << 56;
        ULONG stage = Transfer->Length == 0 ? XHCI_SETUP_NO_DATA
                      : Transfer->In        ? XHCI_SETUP_IN
                                            : XHCI_SETUP_OUT;
        XhciPut(ring, XhciTrbSetup, setup, 8, XHCI_TRB_IDT | stage, FALSE, TRUE);
        first = FALSE;
        XhciPutData(ring, Transfer, Endpoint->MaxPacketSize, XhciTrbData,
                    Transfer->In ? XHCI_TRB_DIR_IN : 0, &first);
        /* The status stage goes the other way (IN when there is no data). */
        BOOLEAN statusIn = Transfer->Length == 0 || !Transfer->In;
        XhciPut(ring, XhciTrbStatus, 0, 0, statusIn ? XHCI_TRB_DIR_IN : 0, TRUE, FALSE);
    } else if (Transfer->Length == 0) {
        XhciPut(ring, XhciTrbNormal, 0, 0, 0, TRUE, TRUE);
        first = FALSE;
    } else {
        XhciPutData(ring, Transfer, Endpoint->MaxPacketSize, XhciTrbNormal, 0, &first);
    }
    XhciPut(ring, XhciTrbEventData, (ULONG64)(ULONG_PTR)Transfer, 0, XHCI_TRB_IOC, FALSE, FALSE);
    td->Next = ring->Enqueue;
    XhciRingCommit(ring, td->First);
}

/* A transfer is over: off its list, onto Done with its result. Lock held. */
static VOID XhciRetire(PXHCI_ENDPOINT Endpoint, PUSBHC_TRANSFER Transfer, USBD_STATUS Status,
                       ULONG Actual, PLIST_ENTRY Done)
{
    PXHCI_TD td = XhciTd(Transfer);
    RemoveEntryList(&Transfer->ListEntry);
    td->State = XhciTdDone;
    td->Status = Status;
    td->Actual = Actual;
    InsertTailList(Done, &Transfer->ListEntry);
    if (USBD_SUCCESS(Status))
        Endpoint->Completed++;
    else
        Endpoint->Failed++;
    /* The ring is free up to the oldest transfer still on it. */
    Endpoint->Ring.Dequeue =
        IsListEmpty(&Endpoint->OnRing)
            ? Endpoint->Ring.Enqueue
            : XhciTd(CONTAINING_RECORD(Endpoint->OnRing.Flink, USBHC_TRANSFER, ListEntry))->First;
}

/* Moves waiting transfers onto the ring while there is room, and rings
   the endpoint's doorbell if any moved. Lock held. */
static VOID XhciPump(PXHCI_CONTROLLER Controller, PXHCI_ENDPOINT Endpoint, PLIST_ENTRY Done)
{
    PXHCI_DEVICE device = Endpoint->Device;
    BOOLEAN moved = FALSE;

    if (Endpoint->Restarting || Endpoint->Halted || device->Gone || !Controller->Running)
        return;
    while (!IsListEmpty(&Endpoint->Waiting)) {
        PUSBHC_TRANSFER transfer =
            CONTAINING_RECORD(Endpoint->Waiting.Flink, USBHC_TRANSFER, ListEntry);
        ULONG space = XhciTdSpace(XhciTdSize(transfer));
        if (space > Endpoint->Ring.Size - 2) {
            /* More TRBs than the whole ring: it could never go. */
            XhciRetire(Endpoint, transfer, USBD_STATUS_INSUFFICIENT_RESOURCES, 0, Done);
            continue;
        }
        if (space > XhciRingSpace(&Endpoint->Ring))
            break;
        RemoveEntryList(&transfer->ListEntry);
        XhciQueueTd(Endpoint, transfer);
        XhciTd(transfer)->State = XhciTdOnRing;
        InsertTailList(&Endpoint->OnRing, &transfer->ListEntry);
        moved = TRUE;
    }
    if (moved)
        XhciRingDoorbell(Controller, device->SlotId, Endpoint->Dci);
}

PXHCI_ENDPOINT XhciEndpoint(PXHCI_DEVICE Device, UCHAR Address)
{
    if ((Address & 0x70) != 0)
        return NULL;
    PXHCI_ENDPOINT endpoint = &Device->Endpoints[XHCI_DCI(Address)];
    return endpoint->Enabled ? endpoint : NULL;
}

/* The core reports transfers only after the lock is released. */
VOID XhciCompleteTransfers(PXHCI_CONTROLLER Controller, PLIST_ENTRY Done)
{
    while (!IsListEmpty(Done)) {
        PUSBHC_TRANSFER transfer =
            CONTAINING_RECORD(RemoveHeadList(Done), USBHC_TRANSFER, ListEntry);
        PXHCI_TD td = XhciTd(transfer);
        UsbHcCompleteTransfer(Controller->Core, transfer, td->Status, td->Actual);
    }
}

NTSTATUS XhciSubmitTransfer(PVOID Context, PUSBHC_TRANSFER Transfer)
{
    PXHCI_CONTROLLER controller = Context;
    PXHCI_DEVICE device = Transfer->Device;
    LIST_ENTRY done;
    KIRQL irql;

    if (Transfer->Length != 0 && Transfer->Mdl == NULL)
        return STATUS_INVALID_PARAMETER;
    InitializeListHead(&done);
    KeAcquireSpinLock(&controller->Lock, &irql);
    PXHCI_ENDPOINT endpoint = XhciEndpoint(device, Transfer->EndpointAddress);
    NTSTATUS status = STATUS_PENDING;
    if (device->Gone || !controller->Running) {
        status = STATUS_DEVICE_NOT_CONNECTED;
    } else if (endpoint == NULL) {
        status = STATUS_INVALID_PARAMETER;
    } else {
        PXHCI_TD td = XhciTd(Transfer);
        RtlZeroMemory(td, sizeof(*td));
        td->State = XhciTdWaiting;
        InsertTailList(&endpoint->Waiting, &Transfer->ListEntry);
        XhciPump(controller, endpoint, &done);
    }
    KeReleaseSpinLock(&controller->Lock, irql);
    XhciCompleteTransfers(controller, &done);
    return status;
}

/* ---- restarting an endpoint ---------------------------------------------- */

static XHCI_COMMAND_DONE XhciRestartStep;

static VOID XhciRestartCommand(PXHCI_CONTROLLER Controller, PXHCI_ENDPOINT Endpoint, ULONG Type,
                               ULONG64 Parameter)
{
    PXHCI_COMMAND command = &Endpoint->Restart;
    command->Trb[0] = (ULONG)Parameter;
    command->Trb[1] = (ULONG)(Parameter >> 32);
    command->Trb[2] = 0;
    command->Trb[3] = XHCI_TRB_TYPE(Type) | XHCI_TRB_SLOT(Endpoint->Device->SlotId) |
                      XHCI_TRB_ENDPOINT(Endpoint->Dci);
    command->Done = XhciRestartStep;
    command->Context = Endpoint;
    XhciSubmitCommand(Controller, command);
}

/* Marks Endpoint as restarting (FALSE if it already is). ClearHalt: the
   restart ends a halt (endpoint 0's STALL, or the core's ResetEndpoint);
   a cancel on a halted endpoint restarts it but leaves it halted. The
   caller sends the first command once the lock is released
   (XhciRestartEndpoints). Lock held. */
static BOOLEAN XhciBeginRestart(PXHCI_ENDPOINT Endpoint, BOOLEAN ClearHalt)
{
    if (Endpoint->Restarting)
        return FALSE;
    Endpoint->Restarting = TRUE;
    Endpoint->ClearHalt = ClearHalt;
    if (Endpoint->Device->Restarts++ == 0)
        KeClearEvent(&Endpoint->Device->Idle);
    return TRUE;
}

/* The first command of each restart on the list: Reset Endpoint for a
   halted endpoint (Stop Endpoint is refused there), else Stop Endpoint.
   Lock NOT held. */
VOID XhciRestartEndpoints(PXHCI_CONTROLLER Controller, PLIST_ENTRY Restarts)
{
    while (!IsListEmpty(Restarts)) {
        PXHCI_ENDPOINT endpoint =
            CONTAINING_RECORD(RemoveHeadList(Restarts), XHCI_ENDPOINT, RestartEntry);
        XhciRestartCommand(Controller, endpoint,
                           endpoint->Halted ? XhciTrbResetEndpoint : XhciTrbStopEndpoint, 0);
    }
}

/* The restart is over (or failed): the survivors go back on the ring, in
   order, at the new dequeue point; cancelled ones are done. Lock held. */
static VOID XhciFinishRestart(PXHCI_CONTROLLER Controller, PXHCI_ENDPOINT Endpoint, BOOLEAN Ok,
                              PLIST_ENTRY Done)
{
    PXHCI_DEVICE device = Endpoint->Device;
    while (!IsListEmpty(&Endpoint->OnRing)) {
        PUSBHC_TRANSFER transfer =
            CONTAINING_RECORD(Endpoint->OnRing.Blink, USBHC_TRANSFER, ListEntry);
        PXHCI_TD td = XhciTd(transfer);
        if (!Ok || td->Cancelled) {
            XhciRetire(Endpoint, transfer,
                       Ok ? USBD_STATUS_CANCELED : USBD_STATUS_INTERNAL_HC_ERROR, 0, Done);
            continue;
        }
        RemoveEntryList(&transfer->ListEntry);
        td->State = XhciTdWaiting;
        InsertHeadList(&Endpoint->Waiting, &transfer->ListEntry);
    }
    if (!Ok) {
        while (!IsListEmpty(&Endpoint->Waiting))
            XhciRetire(Endpoint,
                       CONTAINING_RECORD(Endpoint->Waiting.Flink, USBHC_TRANSFER, ListEntry),
                       USBD_STATUS_INTERNAL_HC_ERROR, 0, Done);
    }
    Endpoint->Ring.Dequeue = Endpoint->Ring.Enqueue;
    Endpoint->Restarting = FALSE;
    if (Ok && Endpoint->ClearHalt)
        Endpoint->Halted = FALSE;
    if (Endpoint->RestartDone != NULL)
        KeSetEvent(Endpoint->RestartDone, IO_NO_INCREMENT, FALSE);
    XhciPump(Controller, Endpoint, Done);
    if (--device->Restarts == 0)
        KeSetEvent(&device->Idle, IO_NO_INCREMENT, FALSE);
}

/* Each restart command's completion (DISPATCH_LEVEL, no lock): Stop or
   Reset Endpoint, then Set TR Dequeue Pointer to where the driver writes
   next, then the survivors go back. */
static VOID XhciRestartStep(PXHCI_CONTROLLER Controller, PXHCI_COMMAND Command)
{
    PXHCI_ENDPOINT endpoint = Command->Context;
    PXHCI_DEVICE device = endpoint->Device;
    ULONG type = XHCI_TRB_GET_TYPE(Command->Trb[3]);
    ULONG code = Command->Code;
    LIST_ENTRY done;

    /* Stop Endpoint refused: the endpoint halted meanwhile. */
    if (type == XhciTrbStopEndpoint && code == XhciContextStateError &&
        XHCI_EP_STATE(device->OutputContext[endpoint->Dci * Controller->ContextDwords]) ==
            XhciEpHalted) {
        XhciRestartCommand(Controller, endpoint, XhciTrbResetEndpoint, 0);
        return;
    }
    /* Stopped (or already stopped: Context State Error): move the
       dequeue pointer. */
    if ((type == XhciTrbStopEndpoint || type == XhciTrbResetEndpoint) &&
        (code == XhciSuccess || code == XhciContextStateError)) {
        KIRQL irql;
        KeAcquireSpinLock(&Controller->Lock, &irql);
        ULONG64 dequeue =
            XhciRingPhysical(&endpoint->Ring, endpoint->Ring.Enqueue) | endpoint->Ring.Cycle;
        KeReleaseSpinLock(&Controller->Lock, irql);
        XhciRestartCommand(Controller, endpoint, XhciTrbSetTrDequeue, dequeue);
        return;
    }
    if (code != XhciSuccess && !device->Gone)
        DbgPrint("xhci%u: restarting endpoint 0x%02x of slot %u: %s failed, code %u\n",
                 Controller->Number, endpoint->Address, device->SlotId, XhciCommandName(type),
                 code);
    InitializeListHead(&done);
    KeAcquireSpinLockAtDpcLevel(&Controller->Lock);
    XhciFinishRestart(Controller, endpoint, code == XhciSuccess, &done);
    KeReleaseSpinLockFromDpcLevel(&Controller->Lock);
    XhciCompleteTransfers(Controller, &done);
}

VOID XhciCancelTransfer(PVOID Context, PUSBHC_TRANSFER Transfer)
{
    PXHCI_CONTROLLER controller = Context;
    PXHCI_DEVICE device = Transfer->Device;
    PXHCI_TD td = XhciTd(Transfer);
    LIST_ENTRY done, restarts;
    KIRQL irql;

    InitializeListHead(&done);
    InitializeListHead(&restarts);
    KeAcquireSpinLock(&controller->Lock, &irql);
    PXHCI_ENDPOINT endpoint = XhciEndpoint(device, Transfer->EndpointAddress);
    if (endpoint != NULL && td->State == XhciTdWaiting) {
        XhciRetire(endpoint, Transfer, USBD_STATUS_CANCELED, 0, &done);
    } else if (endpoint != NULL && td->State == XhciTdOnRing && !td->Cancelled) {
        /* Its TRBs are on the ring, maybe in the controller's hands: only
           stopping (or resetting) the endpoint takes them back. */
        td->Cancelled = TRUE;
        if (XhciBeginRestart(endpoint, FALSE))
            InsertTailList(&restarts, &endpoint->RestartEntry);
    }
    KeReleaseSpinLock(&controller->Lock, irql);
    XhciRestartEndpoints(controller, &restarts);
    XhciCompleteTransfers(controller, &done);
}

NTSTATUS XhciResetEndpoint(PVOID Context, USBHC_DEVICE_HANDLE Handle, UCHAR Address)
{
    PXHCI_CONTROLLER controller = Context;
    PXHCI_DEVICE device = Handle;
    LIST_ENTRY restarts;
    KEVENT done;
    KIRQL irql;

    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    InitializeListHead(&restarts);
    for (;;) {
        KeAcquireSpinLock(&controller->Lock, &irql);
        PXHCI_ENDPOINT endpoint = XhciEndpoint(device, Address);
        if (endpoint == NULL || device->Gone) {
            KeReleaseSpinLock(&controller->Lock, irql);
            return endpoint == NULL ? STATUS_INVALID_PARAMETER : STATUS_DEVICE_NOT_CONNECTED;
        }
        if (!endpoint->Halted) {
            KeReleaseSpinLock(&controller->Lock, irql);
            return STATUS_SUCCESS;
        }
        /* A cancel's restart may be under way: wait for it, then ours. */
        endpoint->RestartDone = &done;
        KeClearEvent(&done);
        BOOLEAN ours = XhciBeginRestart(endpoint, TRUE);
        if (ours)
            InsertTailList(&restarts, &endpoint->RestartEntry);
        KeReleaseSpinLock(&controller->Lock, irql);
        XhciRestartEndpoints(controller, &restarts);
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        KeAcquireSpinLock(&controller->Lock, &irql);
        endpoint->RestartDone = NULL;
        BOOLEAN halted = endpoint->Halted;
        KeReleaseSpinLock(&controller->Lock, irql);
        if (ours)
            return halted ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
    }
}

/* ---- events ------------------------------------------------------------- */

static USBD_STATUS XhciUsbdStatus(ULONG Code)
{
    switch (Code) {
    case XhciStallError:
        return USBD_STATUS_STALL_PID;
    case XhciBabbleDetected:
        return USBD_STATUS_BABBLE_DETECTED;
    case XhciTransactionError:
        return USBD_STATUS_XACT_ERROR;
    case XhciDataBufferError:
        return USBD_STATUS_DATA_BUFFER_ERROR;
    default:
        return USBD_STATUS_INTERNAL_HC_ERROR;
    }
}

/* The transfer on Endpoint's ring whose TD holds ring index Index. */
static PUSBHC_TRANSFER XhciFindTd(PXHCI_ENDPOINT Endpoint, ULONG Index)
{
    for (PLIST_ENTRY e = Endpoint->OnRing.Flink; e != &Endpoint->OnRing; e = e->Flink) {
        PUSBHC_TRANSFER transfer = CONTAINING_RECORD(e, USBHC_TRANSFER, ListEntry);
        PXHCI_TD td = XhciTd(transfer);
        BOOLEAN inside = td->First <= td->Next ? (Index >= td->First && Index < td->Next)
                                               : (Index >= td->First || Index < td->Next);
        if (inside)
            return transfer;
    }
    return NULL;
}

/* A Transfer Event, lock held. Finished transfers go to Done, an
   endpoint 0 that stalled to Restarts. */
VOID XhciTransferEvent(PXHCI_CONTROLLER Controller, const ULONG Event[4], PLIST_ENTRY Done,
                       PLIST_ENTRY Restarts)
{
    ULONG slot = XHCI_TRB_GET_SLOT(Event[3]), dci = XHCI_TRB_GET_ENDPOINT(Event[3]);
    ULONG code = XHCI_EVENT_CODE(Event[2]);
    ULONG64 parameter = (ULONG64)Event[0] | (ULONG64)Event[1] << 32;
    PXHCI_DEVICE device = slot <= Controller->MaxSlots ? Controller->Slots[slot] : NULL;
    PXHCI_ENDPOINT endpoint = device != NULL && dci >= 1 ? &device->Endpoints[dci] : NULL;
    PUSBHC_TRANSFER transfer = NULL;
    ULONG index;

    if (endpoint == NULL || !endpoint->Enabled) {
        Controller->EventsRefused++;
        return;
    }
    if (Event[3] & XHCI_EVENT_DATA) {
        /* The parameter is the transfer: believe it only if it is one of
           this endpoint's. */
        for (PLIST_ENTRY e = endpoint->OnRing.Flink; e != &endpoint->OnRing; e = e->Flink) {
            if ((ULONG64)(ULONG_PTR)CONTAINING_RECORD(e, USBHC_TRANSFER, ListEntry) == parameter)
                transfer = CONTAINING_RECORD(e, USBHC_TRANSFER, ListEntry);
        }
    } else if (XhciRingIndex(&endpoint->Ring, parameter, &index)) {
        transfer = XhciFindTd(endpoint, index);
    }
    if (transfer == NULL) {
        Controller->EventsRefused++;
        return;
    }

    switch (code) {
    case XhciSuccess:
    case XhciShortPacket: {
        ULONG actual = XHCI_EVENT_RESIDUAL(Event[2]); /* an Event Data TRB's: bytes moved */
        if (!(Event[3] & XHCI_EVENT_DATA) || actual > transfer->Length)
            actual = transfer->Length;
        USBD_STATUS status = actual < transfer->Length && !transfer->ShortOk
                                 ? USBD_STATUS_ERROR_SHORT_TRANSFER
                                 : USBD_STATUS_SUCCESS;
        XhciRetire(endpoint, transfer, status, actual, Done);
        break;
    }
    case XhciStopped:
    case XhciStoppedLengthInvalid:
    case XhciStoppedShortPacket:
        break; /* a Stop Endpoint of ours: the restart decides its fate */
    default:
        /* The endpoint halted on this TD. Endpoint 0 recovers at once (the
           next SETUP clears a control stall); others wait for the core's
           ResetEndpoint, as a Windows client must send RESET_PIPE. */
        endpoint->Halted = TRUE;
        XhciRetire(endpoint, transfer, XhciUsbdStatus(code), 0, Done);
        if (endpoint->Dci == 1 && XhciBeginRestart(endpoint, TRUE))
            InsertTailList(Restarts, &endpoint->RestartEntry);
        break;
    }
}

/* The device went away: everything it had outstanding fails. Lock held. */
VOID XhciFailDeviceTransfers(PXHCI_DEVICE Device, PLIST_ENTRY Done)
{
    for (ULONG dci = 1; dci <= XHCI_ENDPOINTS; dci++) {
        PXHCI_ENDPOINT endpoint = &Device->Endpoints[dci];
        if (!endpoint->Enabled)
            continue;
        while (!IsListEmpty(&endpoint->OnRing))
            XhciRetire(endpoint,
                       CONTAINING_RECORD(endpoint->OnRing.Flink, USBHC_TRANSFER, ListEntry),
                       USBD_STATUS_DEVICE_GONE, 0, Done);
        while (!IsListEmpty(&endpoint->Waiting))
            XhciRetire(endpoint,
                       CONTAINING_RECORD(endpoint->Waiting.Flink, USBHC_TRANSFER, ListEntry),
                       USBD_STATUS_DEVICE_GONE, 0, Done);
    }
}
