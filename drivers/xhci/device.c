/*
 * device.c: device slots, their contexts, and their endpoints (xHCI 4.3,
 * 4.6.3 to 4.6.7, 6.2).
 *
 * A device gets a slot (Enable Slot), an output device context the
 * controller owns (pointed at by the DCBAA), and an address (Address
 * Device, which on QEMU sends SET_ADDRESS itself and uses the slot id as
 * the address). Every later change goes through an input context: a copy
 * of the contexts to change, with add and drop flags saying which, handed
 * to Evaluate Context or Configure Endpoint. All of this runs at
 * PASSIVE_LEVEL in the USB core's thread, one command at a time.
 *
 * Contexts are 32 or 64 bytes (HCCPARAMS1.CSZ); the input context has the
 * input control context first, so everything in it is one context later
 * than in the device context.
 */
#include "xhci.h"

#define XHCI_BULK_RING_PAGES  16 /* 4095 TRBs: eight 1 MiB transfers of scattered pages */
#define XHCI_OTHER_RING_PAGES 1

/* Context Index of a device context; Index + 1 of an input context. */
static volatile ULONG *XhciContext(PXHCI_CONTROLLER Controller, volatile ULONG *Base, ULONG Index)
{
    return Base + Index * Controller->ContextDwords;
}

static volatile ULONG *XhciInput(PXHCI_DEVICE Device, ULONG Index)
{
    return XhciContext(Device->Controller, Device->InputContext, Index + 1);
}

static ULONG XhciSpeedId(USB_DEVICE_SPEED Speed)
{
    static const ULONG ids[] = {[UsbLowSpeed] = XHCI_SPEED_LOW,
                                [UsbFullSpeed] = XHCI_SPEED_FULL,
                                [UsbHighSpeed] = XHCI_SPEED_HIGH,
                                [UsbSuperSpeed] = XHCI_SPEED_SUPER};
    return ids[Speed];
}

/* An input context that changes nothing yet: the control context's flags
   clear, every other context a copy of the device's. */
static VOID XhciPrepareInput(PXHCI_DEVICE Device)
{
    PXHCI_CONTROLLER controller = Device->Controller;
    ULONG dwords = controller->ContextDwords;
    RtlZeroMemory((PVOID)Device->InputContext, (XHCI_ENDPOINTS + 2) * dwords * 4);
    for (ULONG i = 0; i < (XHCI_ENDPOINTS + 1) * dwords; i++)
        Device->InputContext[dwords + i] = Device->OutputContext[i];
}

static ULONG XhciRunDeviceCommand(PXHCI_DEVICE Device, ULONG Type, ULONG Flags)
{
    XHCI_COMMAND command = {.Trb = {(ULONG)Device->InputPhysical,
                                    (ULONG)(Device->InputPhysical >> 32), 0,
                                    XHCI_TRB_TYPE(Type) | XHCI_TRB_SLOT(Device->SlotId) | Flags}};
    return XhciRunCommand(Device->Controller, &command);
}

static NTSTATUS XhciCommandStatus(PXHCI_DEVICE Device, ULONG Type, ULONG Code)
{
    if (Code == XhciSuccess)
        return STATUS_SUCCESS;
    DbgPrint("xhci%u: %s for slot %u failed: completion code %u\n", Device->Controller->Number,
             XhciCommandName(Type), Device->SlotId, Code);
    return Code == XhciCommandAborted ? STATUS_IO_TIMEOUT : STATUS_UNSUCCESSFUL;
}

/* The endpoint context of an endpoint to add, from what the core checked. */
static VOID XhciFillEndpoint(PXHCI_DEVICE Device, volatile ULONG *Ctx, const USBHC_ENDPOINT *Ep,
                             const XHCI_RING *Ring)
{
    static const UCHAR types[2][4] = {
        /* OUT */ {XhciEpControl, XhciEpIsochOut, XhciEpBulkOut, XhciEpInterruptOut},
        /* IN  */ {XhciEpControl, XhciEpIsochIn, XhciEpBulkIn, XhciEpInterruptIn},
    };
    BOOLEAN periodic = Ep->Type == USB_ENDPOINT_TYPE_INTERRUPT;
    ULONG burst = Device->Speed == UsbHighSpeed && periodic ? Ep->TransactionsPerMicroframe - 1 : 0;
    ULONG esit = periodic ? Ep->MaxPacketSize * (burst + 1) : 0;

    Ctx[0] = periodic ? XHCI_EP_INTERVAL(Ep->IntervalExponent) : 0;
    Ctx[1] = XHCI_EP_CERR(3) | XHCI_EP_TYPE(types[(Ep->Address & 0x80) ? 1 : 0][Ep->Type]) |
             XHCI_EP_MAX_BURST(burst) | XHCI_EP_MAX_PACKET(Ep->MaxPacketSize);
    Ctx[2] = (ULONG)Ring->Physical | XHCI_EP_DCS;
    Ctx[3] = (ULONG)(Ring->Physical >> 32);
    Ctx[4] = XHCI_EP_AVERAGE_TRB(periodic ? Ep->MaxPacketSize : 3072) | XHCI_EP_MAX_ESIT(esit);
}

static VOID XhciInitializeEndpoint(PXHCI_DEVICE Device, PXHCI_ENDPOINT Endpoint, UCHAR Address,
                                   UCHAR Type, USHORT MaxPacketSize)
{
    Endpoint->Device = Device;
    Endpoint->Dci = (UCHAR)XHCI_DCI(Address);
    Endpoint->Address = Address;
    Endpoint->Type = Type;
    Endpoint->MaxPacketSize = MaxPacketSize;
    Endpoint->Halted = Endpoint->Restarting = FALSE;
    InitializeListHead(&Endpoint->OnRing);
    InitializeListHead(&Endpoint->Waiting);
}

static VOID XhciFreeDevice(PXHCI_DEVICE Device)
{
    for (ULONG dci = 1; dci <= XHCI_ENDPOINTS; dci++) {
        if (Device->Endpoints[dci].Ring.Trb != NULL)
            XhciFreeRing(&Device->Endpoints[dci].Ring);
    }
    XhciFreeDma((PVOID)Device->OutputContext, PAGE_SIZE);
    XhciFreeDma((PVOID)Device->InputContext, PAGE_SIZE);
    ExFreePoolWithTag(Device, XHCI_TAG);
}

/* Disable Slot, and the slot forgotten. */
static VOID XhciReleaseSlot(PXHCI_CONTROLLER Controller, UCHAR SlotId, PXHCI_DEVICE Device)
{
    XHCI_COMMAND command = {
        .Trb = {0, 0, 0, XHCI_TRB_TYPE(XhciTrbDisableSlot) | XHCI_TRB_SLOT(SlotId)}};
    ULONG code = XhciRunCommand(Controller, &command);
    KIRQL irql;
    if (code != XhciSuccess && code != XhciCommandRingStopped)
        DbgPrint("xhci%u: Disable Slot %u: completion code %u\n", Controller->Number, SlotId, code);
    KeAcquireSpinLock(&Controller->Lock, &irql);
    if (Device != NULL && Controller->Slots[SlotId] == Device) {
        Controller->Slots[SlotId] = NULL;
        if (Controller->Dcbaa != NULL)
            Controller->Dcbaa[SlotId] = 0;
        if (Controller->Ports[Device->Port].Device == Device)
            Controller->Ports[Device->Port].Device = NULL;
    }
    KeReleaseSpinLock(&Controller->Lock, irql);
}

NTSTATUS XhciCreateDevice(PVOID Context, ULONG Port, USB_DEVICE_SPEED Speed, USHORT MaxPacketSize0,
                          USBHC_DEVICE_HANDLE *Handle, PUCHAR Address)
{
    PXHCI_CONTROLLER controller = Context;
    XHCI_COMMAND enable = {.Trb = {0, 0, 0, XHCI_TRB_TYPE(XhciTrbEnableSlot)}};
    PXHCI_DEVICE device;
    KIRQL irql;

    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    if (Port == 0 || Port > controller->MaxPorts || Speed > UsbSuperSpeed)
        return STATUS_INVALID_PARAMETER;
    ULONG code = XhciRunCommand(controller, &enable);
    if (code != XhciSuccess || enable.SlotId == 0 || enable.SlotId > controller->MaxSlots) {
        DbgPrint("xhci%u: Enable Slot failed: completion code %u, slot %u\n", controller->Number,
                 code, enable.SlotId);
        return code == XhciNoSlotsAvailable ? STATUS_INSUFFICIENT_RESOURCES : STATUS_UNSUCCESSFUL;
    }

    device = ExAllocatePoolWithTag(NonPagedPool, sizeof(*device), XHCI_TAG);
    if (device != NULL) {
        RtlZeroMemory(device, sizeof(*device));
        device->Controller = controller;
        device->SlotId = enable.SlotId;
        device->Port = (UCHAR)Port;
        device->Speed = Speed;
        KeInitializeEvent(&device->Idle, NotificationEvent, TRUE);
        device->OutputContext = XhciAllocateDma(PAGE_SIZE, &device->OutputPhysical);
        device->InputContext = XhciAllocateDma(PAGE_SIZE, &device->InputPhysical);
        XhciInitializeEndpoint(device, &device->Endpoints[1], 0, USB_ENDPOINT_TYPE_CONTROL,
                               MaxPacketSize0);
    }
    if (device == NULL || device->OutputContext == NULL || device->InputContext == NULL ||
        !NT_SUCCESS(XhciAllocateRing(&device->Endpoints[1].Ring, XHCI_OTHER_RING_PAGES, TRUE))) {
        if (device != NULL)
            XhciFreeDevice(device);
        XhciReleaseSlot(controller, enable.SlotId, NULL);
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    KeAcquireSpinLock(&controller->Lock, &irql);
    controller->Slots[device->SlotId] = device;
    controller->Dcbaa[device->SlotId] = device->OutputPhysical;
    controller->Ports[Port].Device = device;
    KeReleaseSpinLock(&controller->Lock, irql);

    /* Address Device: slot and endpoint 0 contexts, add flags A0 | A1. */
    XhciPrepareInput(device);
    device->InputContext[XHCI_ICC_ADD] = 0x3;
    volatile ULONG *slot = XhciInput(device, 0);
    slot[0] = XHCI_SLOT_SPEED(XhciSpeedId(Speed)) | XHCI_SLOT_ENTRIES(1);
    slot[1] = XHCI_SLOT_PORT(Port);
    USBHC_ENDPOINT ep0 = {.Address = 0,
                          .Type = USB_ENDPOINT_TYPE_CONTROL,
                          .MaxPacketSize = MaxPacketSize0,
                          .TransactionsPerMicroframe = 1};
    XhciFillEndpoint(device, XhciInput(device, 1), &ep0, &device->Endpoints[1].Ring);
    XhciInput(device, 1)[4] = XHCI_EP_AVERAGE_TRB(8);
    NTSTATUS status = XhciCommandStatus(device, XhciTrbAddressDevice,
                                        XhciRunDeviceCommand(device, XhciTrbAddressDevice, 0));
    if (!NT_SUCCESS(status)) {
        XhciReleaseSlot(controller, device->SlotId, device);
        XhciFreeDevice(device);
        return status;
    }
    device->Endpoints[1].Enabled = TRUE;
    device->Address = (UCHAR)device->OutputContext[3];
    *Address = device->Address;
    *Handle = device;
    return STATUS_SUCCESS;
}

NTSTATUS XhciSetMaxPacketSize0(PVOID Context, USBHC_DEVICE_HANDLE Handle, USHORT MaxPacketSize0)
{
    PXHCI_DEVICE device = Handle;
    UNREFERENCED_PARAMETER(Context);
    XhciPrepareInput(device);
    device->InputContext[XHCI_ICC_ADD] = 0x2; /* endpoint 0 only */
    volatile ULONG *ep0 = XhciInput(device, 1);
    ep0[1] = (ep0[1] & 0xFFFF) | XHCI_EP_MAX_PACKET(MaxPacketSize0);
    NTSTATUS status = XhciCommandStatus(device, XhciTrbEvaluateContext,
                                        XhciRunDeviceCommand(device, XhciTrbEvaluateContext, 0));
    if (NT_SUCCESS(status))
        device->Endpoints[1].MaxPacketSize = MaxPacketSize0;
    return status;
}

/* An endpoint the new configuration keeps, from the list. */
static const USBHC_ENDPOINT *XhciFindEndpoint(const USBHC_ENDPOINT *Endpoints, ULONG Count,
                                              ULONG Dci)
{
    for (ULONG i = 0; i < Count; i++) {
        if ((ULONG)XHCI_DCI(Endpoints[i].Address) == Dci)
            return &Endpoints[i];
    }
    return NULL;
}

NTSTATUS XhciConfigureEndpoints(PVOID Context, USBHC_DEVICE_HANDLE Handle,
                                const USBHC_ENDPOINT *Endpoints, ULONG Count)
{
    UNREFERENCED_PARAMETER(Context);
    PXHCI_DEVICE device = Handle;
    XHCI_RING rings[XHCI_ENDPOINTS + 1] = {0};
    ULONG add = 0x1, drop = 0, last = 1;

    for (ULONG i = 0; i < Count; i++) {
        ULONG dci = XHCI_DCI(Endpoints[i].Address);
        if (dci < 2 || Endpoints[i].Type == USB_ENDPOINT_TYPE_ISOCHRONOUS ||
            Endpoints[i].Type == USB_ENDPOINT_TYPE_CONTROL)
            return STATUS_NOT_SUPPORTED; /* KeLab's stack: bulk and interrupt */
    }
    for (ULONG dci = 2; dci <= XHCI_ENDPOINTS; dci++) {
        PXHCI_ENDPOINT ep = &device->Endpoints[dci];
        if (ep->Enabled && (!IsListEmpty(&ep->OnRing) || !IsListEmpty(&ep->Waiting)))
            return STATUS_DEVICE_BUSY; /* the core closes pipes before */
        if (ep->Enabled)
            drop |= 1u << dci;
    }

    XhciPrepareInput(device);
    for (ULONG i = 0; i < Count; i++) {
        ULONG dci = XHCI_DCI(Endpoints[i].Address);
        ULONG pages = Endpoints[i].Type == USB_ENDPOINT_TYPE_BULK ? XHCI_BULK_RING_PAGES
                                                                  : XHCI_OTHER_RING_PAGES;
        if (!NT_SUCCESS(XhciAllocateRing(&rings[dci], pages, TRUE))) {
            for (ULONG d = 2; d <= XHCI_ENDPOINTS; d++)
                if (rings[d].Trb != NULL)
                    XhciFreeRing(&rings[d]);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        XhciFillEndpoint(device, XhciInput(device, dci), &Endpoints[i], &rings[dci]);
        add |= 1u << dci;
        last = dci > last ? dci : last;
    }
    device->InputContext[XHCI_ICC_DROP] = drop;
    device->InputContext[XHCI_ICC_ADD] = add;
    volatile ULONG *slot = XhciInput(device, 0);
    slot[0] = (slot[0] & ~XHCI_SLOT_ENTRIES(0x1F)) | XHCI_SLOT_ENTRIES(last);

    NTSTATUS status = XhciCommandStatus(
        device, XhciTrbConfigureEndpoint,
        XhciRunDeviceCommand(device, XhciTrbConfigureEndpoint, Count == 0 ? XHCI_TRB_DC : 0));
    for (ULONG dci = 2; dci <= XHCI_ENDPOINTS; dci++) {
        PXHCI_ENDPOINT ep = &device->Endpoints[dci];
        if (!NT_SUCCESS(status)) {
            if (rings[dci].Trb != NULL)
                XhciFreeRing(&rings[dci]);
            continue;
        }
        if (ep->Enabled && (drop & (1u << dci))) {
            XhciFreeRing(&ep->Ring);
            ep->Enabled = FALSE;
        }
        const USBHC_ENDPOINT *keep = XhciFindEndpoint(Endpoints, Count, dci);
        if (keep != NULL) {
            XhciInitializeEndpoint(device, ep, keep->Address, keep->Type, keep->MaxPacketSize);
            ep->Ring = rings[dci];
            ep->Enabled = TRUE;
        }
    }
    return status;
}

VOID XhciDeleteDevice(PVOID Context, USBHC_DEVICE_HANDLE Handle)
{
    PXHCI_CONTROLLER controller = Context;
    PXHCI_DEVICE device = Handle;
    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    /* A cancel's endpoint restart may still be finishing: its commands
       name this device's memory. */
    KeWaitForSingleObject(&device->Idle, Executive, KernelMode, FALSE, NULL);
    XhciReleaseSlot(controller, device->SlotId, device);
    XhciFreeDevice(device);
}
