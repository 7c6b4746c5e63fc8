/*
 * port.c: the root hub's ports (xHCI 4.19, 5.4.8).
 *
 * An xHCI controller is its own root hub: each port has a PORTSC
 * register. The extended capability list says which ports speak USB 2 and
 * which USB 3 (QEMU: ports 1-4 USB 3, 5-8 USB 2). A USB 2 device needs a
 * port reset before it is enabled; a USB 3 device comes up enabled.
 *
 * Status changes arrive as Port Status Change events, handled in the DPC
 * (XhciPortEvent): the change bits are acknowledged there, a waiting
 * reset is told it finished, and a connect change is passed to the USB
 * core. A connect change on a port whose device the driver knows means
 * that device is gone, whatever the port shows now: a device unplugged and
 * plugged back before the DPC ran gives one event, not two.
 */
#include "xhci.h"

#define XHCI_RESET_TIMEOUT 500 /* ms */

/* USB Legacy Support (7.1): the firmware may own the controller. Ask for
   it (a bounded wait: the firmware must let go within a second). */
static VOID XhciTakeFromFirmware(PXHCI_CONTROLLER Controller, ULONG Offset)
{
    ULONG value = XhciRead(Controller, Offset);
    if (!(value & XHCI_LEGACY_BIOS_OWNED))
        return;
    XhciWrite(Controller, Offset, value | XHCI_LEGACY_OS_OWNED);
    for (ULONG waited = 0; waited < 1000; waited++) {
        if (!(XhciRead(Controller, Offset) & XHCI_LEGACY_BIOS_OWNED))
            return;
        KeStallExecutionProcessor(1000);
    }
    DbgPrint("xhci%u: the firmware does not let go of the controller; going on\n",
             Controller->Number);
}

/* Walks the extended capabilities: which protocol each port speaks. Each
   capability's next pointer moves forward (it is a positive offset), so
   the walk ends within BAR 0. */
NTSTATUS XhciReadProtocols(PXHCI_CONTROLLER Controller)
{
    ULONG offset = Controller->ExtendedCapabilities;
    while (offset != 0 && offset + 16 <= Controller->RegistersLength) {
        ULONG header = XhciRead(Controller, offset);
        if (XHCI_XCAP_ID(header) == XHCI_XCAP_LEGACY) {
            XhciTakeFromFirmware(Controller, offset);
        } else if (XHCI_XCAP_ID(header) == XHCI_XCAP_PROTOCOL) {
            ULONG ports = XhciRead(Controller, offset + 8);
            ULONG first = XHCI_PROTOCOL_FIRST(ports), count = XHCI_PROTOCOL_COUNT(ports);
            UCHAR major = (UCHAR)XHCI_PROTOCOL_MAJOR(header);
            if (first == 0 || first + count - 1 > Controller->MaxPorts ||
                (major != 2 && major != 3)) {
                DbgPrint("xhci%u: a Supported Protocol capability names ports %u-%u of %u "
                         "(USB %u); ignored\n",
                         Controller->Number, first, first + count - 1, Controller->MaxPorts, major);
            } else {
                for (ULONG port = first; port < first + count; port++)
                    Controller->Ports[port].Protocol = major;
            }
        }
        ULONG next = XHCI_XCAP_NEXT(header) * 4;
        offset = next ? offset + next : 0;
    }
    for (ULONG port = 1; port <= Controller->MaxPorts; port++) {
        if (Controller->Ports[port].Protocol == 0)
            Controller->Ports[port].Protocol = 2; /* no capability says: treat as USB 2 */
        KeInitializeEvent(&Controller->Ports[port].ResetDone, NotificationEvent, FALSE);
    }
    return STATUS_SUCCESS;
}

static USB_DEVICE_SPEED XhciPortSpeed(ULONG Portsc)
{
    switch (XHCI_PORT_SPEED(Portsc)) {
    case XHCI_SPEED_LOW:
        return UsbLowSpeed;
    case XHCI_SPEED_HIGH:
        return UsbHighSpeed;
    case XHCI_SPEED_SUPER:
        return UsbSuperSpeed;
    default:
        return UsbFullSpeed;
    }
}

static VOID XhciDecodePort(ULONG Portsc, PUSBHC_PORT_STATUS Status)
{
    Status->Connected = (Portsc & XHCI_PORT_CCS) != 0;
    Status->Enabled = (Portsc & XHCI_PORT_PED) != 0;
    Status->Speed = XhciPortSpeed(Portsc);
}

NTSTATUS XhciGetPortStatus(PVOID Context, ULONG Port, PUSBHC_PORT_STATUS Status)
{
    PXHCI_CONTROLLER controller = Context;
    if (Port == 0 || Port > controller->MaxPorts)
        return STATUS_INVALID_PARAMETER;
    XhciDecodePort(XhciOpRead(controller, XHCI_PORTSC(Port)), Status);
    return STATUS_SUCCESS;
}

/* PASSIVE_LEVEL. A USB 2 port is reset and the driver waits for the
   Port Status Change event that says the reset is done; a USB 3 port is
   enabled by the link itself. */
NTSTATUS XhciResetPort(PVOID Context, ULONG Port, PUSBHC_PORT_STATUS Status)
{
    PXHCI_CONTROLLER controller = Context;
    PXHCI_PORT port;
    KIRQL irql;

    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    if (Port == 0 || Port > controller->MaxPorts)
        return STATUS_INVALID_PARAMETER;
    port = &controller->Ports[Port];
    if (port->Protocol == 2) {
        LARGE_INTEGER timeout = {.QuadPart = -(LONGLONG)XHCI_RESET_TIMEOUT * 10000};
        KeAcquireSpinLock(&controller->Lock, &irql);
        port->Resetting = TRUE;
        KeClearEvent(&port->ResetDone);
        ULONG portsc = XhciOpRead(controller, XHCI_PORTSC(Port));
        XhciOpWrite(controller, XHCI_PORTSC(Port), (portsc & XHCI_PORT_PRESERVE) | XHCI_PORT_PR);
        KeReleaseSpinLock(&controller->Lock, irql);
        NTSTATUS wait =
            KeWaitForSingleObject(&port->ResetDone, Executive, KernelMode, FALSE, &timeout);
        KeAcquireSpinLock(&controller->Lock, &irql);
        port->Resetting = FALSE;
        KeReleaseSpinLock(&controller->Lock, irql);
        if (wait == STATUS_TIMEOUT) {
            DbgPrint("xhci%u: port %u does not finish its reset\n", controller->Number, Port);
            return STATUS_IO_TIMEOUT;
        }
    }
    XhciDecodePort(XhciOpRead(controller, XHCI_PORTSC(Port)), Status);
    return Status->Connected && Status->Enabled ? STATUS_SUCCESS : STATUS_DEVICE_NOT_CONNECTED;
}

/* A Port Status Change event for Port, in the DPC with the lock held:
   acknowledge, wake a reset waiter, and on a connect change mark the
   port for the core (bit Port - 1 of *Changed) and fail the old device's transfers. */
VOID XhciPortEvent(PXHCI_CONTROLLER Controller, ULONG Port, PULONG Changed, PLIST_ENTRY Done)
{
    if (Port == 0 || Port > Controller->MaxPorts) {
        Controller->EventsRefused++;
        return;
    }
    PXHCI_PORT port = &Controller->Ports[Port];
    ULONG portsc = XhciOpRead(Controller, XHCI_PORTSC(Port));
    ULONG changes = portsc & XHCI_PORT_CHANGES;

    XhciOpWrite(Controller, XHCI_PORTSC(Port), (portsc & XHCI_PORT_PRESERVE) | changes);
    if ((changes & XHCI_PORT_PRC) && port->Resetting)
        KeSetEvent(&port->ResetDone, IO_NO_INCREMENT, FALSE);
    if (changes & (XHCI_PORT_CSC | XHCI_PORT_PEC)) {
        *Changed |= 1u << (Port - 1);
        if (port->Device != NULL && !port->Device->Gone) {
            port->Device->Gone = TRUE;
            XhciFailDeviceTransfers(port->Device, Done);
        }
    }
}
