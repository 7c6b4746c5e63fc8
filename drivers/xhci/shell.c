/*
 * shell.c: `xhci`, the controllers as the driver sees them.
 *
 *   kelab> xhci
 *   xhci0 \Device\USBFDO-0: running, 8 ports, 32 slots, MSI-X vector 0x51
 *     interrupts 412, DPCs 398, events 1210 (0 refused), commands 9 (0 timed out)
 *     port 5 USB2 connected enabled high speed  slot 1
 *     slot 1 port 5 address 1 high speed
 *       ep 0x00 control    ring 12/256 cycle 1  on ring 0, waiting 0, done 9, failed 1
 *       ...
 *
 * Everything is copied under the controller's lock into a snapshot and
 * printed after it is released: nothing is printed with a lock held.
 */
#include "xhci.h"

#define XHCI_SHOWN_ENDPOINTS 8 /* per device */

typedef struct _XHCI_ENDPOINT_VIEW {
    UCHAR Address, Type;
    BOOLEAN Halted, Restarting;
    ULONG Enqueue, Dequeue, Size, Cycle, OnRing, Waiting;
    ULONG64 Completed, Failed;
} XHCI_ENDPOINT_VIEW;

typedef struct _XHCI_DEVICE_VIEW {
    UCHAR Slot, Port, Address;
    BOOLEAN Gone;
    USB_DEVICE_SPEED Speed;
    ULONG EndpointCount;
    XHCI_ENDPOINT_VIEW Endpoints[XHCI_SHOWN_ENDPOINTS];
} XHCI_DEVICE_VIEW;

typedef struct _XHCI_VIEW {
    ULONG Number, MaxPorts, MaxSlots, Vector;
    BOOLEAN Running;
    ULONG64 Interrupts, Dpcs, Events, Refused, Commands, TimedOut;
    ULONG Portsc[XHCI_MAX_PORTS + 1];
    UCHAR Protocol[XHCI_MAX_PORTS + 1];
    ULONG DeviceCount;
    XHCI_DEVICE_VIEW Devices[XHCI_MAX_SLOTS];
} XHCI_VIEW;

static ULONG XhciCount(PLIST_ENTRY Head)
{
    ULONG n = 0;
    for (PLIST_ENTRY e = Head->Flink; e != Head; e = e->Flink)
        n++;
    return n;
}

static VOID XhciSnapshotDevice(PXHCI_DEVICE Device, XHCI_DEVICE_VIEW *View)
{
    View->Slot = Device->SlotId;
    View->Port = Device->Port;
    View->Address = Device->Address;
    View->Gone = Device->Gone;
    View->Speed = Device->Speed;
    View->EndpointCount = 0;
    for (ULONG dci = 1; dci <= XHCI_ENDPOINTS && View->EndpointCount < XHCI_SHOWN_ENDPOINTS;
         dci++) {
        PXHCI_ENDPOINT ep = &Device->Endpoints[dci];
        if (!ep->Enabled)
            continue;
        XHCI_ENDPOINT_VIEW *v = &View->Endpoints[View->EndpointCount++];
        v->Address = ep->Address;
        v->Type = ep->Type;
        v->Halted = ep->Halted;
        v->Restarting = ep->Restarting;
        v->Enqueue = ep->Ring.Enqueue;
        v->Dequeue = ep->Ring.Dequeue;
        v->Size = ep->Ring.Size;
        v->Cycle = ep->Ring.Cycle;
        v->OnRing = XhciCount(&ep->OnRing);
        v->Waiting = XhciCount(&ep->Waiting);
        v->Completed = ep->Completed;
        v->Failed = ep->Failed;
    }
}

static VOID XhciSnapshot(PXHCI_CONTROLLER Controller, XHCI_VIEW *View)
{
    KIRQL irql;
    RtlZeroMemory(View, sizeof(*View));
    KeAcquireSpinLock(&Controller->Lock, &irql);
    View->Number = Controller->Number;
    View->MaxPorts = Controller->MaxPorts;
    View->MaxSlots = Controller->MaxSlots;
    View->Running = Controller->Running;
    View->Vector = Controller->Messages ? Controller->Messages->MessageInfo[0].Vector : 0;
    View->Interrupts = (ULONG64)Controller->Interrupts;
    View->Dpcs = Controller->Dpcs;
    View->Events = Controller->Events;
    View->Refused = Controller->EventsRefused;
    View->Commands = Controller->CommandsIssued;
    View->TimedOut = Controller->CommandsTimedOut;
    for (ULONG port = 1; port <= Controller->MaxPorts && Controller->Running; port++) {
        View->Portsc[port] = XhciOpRead(Controller, XHCI_PORTSC(port));
        View->Protocol[port] = Controller->Ports[port].Protocol;
    }
    for (ULONG slot = 1; slot <= XHCI_MAX_SLOTS; slot++) {
        if (Controller->Slots[slot] != NULL)
            XhciSnapshotDevice(Controller->Slots[slot], &View->Devices[View->DeviceCount++]);
    }
    KeReleaseSpinLock(&Controller->Lock, irql);
}

static VOID XhciPrint(const XHCI_VIEW *View)
{
    static const PCSTR speeds[] = {"?", "full", "low", "high", "super"};
    DbgPrint("xhci%u \\Device\\USBFDO-%u: %s, %u ports, %u slots, MSI-X vector 0x%x\n",
             View->Number, View->Number, View->Running ? "running" : "stopped", View->MaxPorts,
             View->MaxSlots, View->Vector);
    DbgPrint("  interrupts %llu, DPCs %llu, events %llu (%llu refused), commands %llu "
             "(%llu timed out)\n",
             (unsigned long long)View->Interrupts, (unsigned long long)View->Dpcs,
             (unsigned long long)View->Events, (unsigned long long)View->Refused,
             (unsigned long long)View->Commands, (unsigned long long)View->TimedOut);
    for (ULONG port = 1; port <= View->MaxPorts; port++) {
        ULONG portsc = View->Portsc[port];
        if (!(portsc & XHCI_PORT_CCS))
            continue;
        ULONG speed = XHCI_PORT_SPEED(portsc);
        DbgPrint("  port %u USB%u %s %s speed, PORTSC 0x%08x\n", port, View->Protocol[port],
                 (portsc & XHCI_PORT_PED) ? "enabled" : "connected",
                 speed < ARRAYSIZE(speeds) ? speeds[speed] : "?", portsc);
    }
    for (ULONG i = 0; i < View->DeviceCount; i++) {
        const XHCI_DEVICE_VIEW *d = &View->Devices[i];
        DbgPrint("  slot %u: port %u, address %u%s\n", d->Slot, d->Port, d->Address,
                 d->Gone ? ", gone" : "");
        for (ULONG e = 0; e < d->EndpointCount; e++) {
            const XHCI_ENDPOINT_VIEW *v = &d->Endpoints[e];
            DbgPrint("    ep 0x%02x %-9s ring enqueue %u dequeue %u of %u, cycle %u; on ring %u, "
                     "waiting %u; done %llu, failed %llu%s%s\n",
                     v->Address,
                     v->Type == 0   ? "control"
                     : v->Type == 2 ? "bulk"
                                    : "interrupt",
                     v->Enqueue, v->Dequeue, v->Size, v->Cycle, v->OnRing, v->Waiting,
                     (unsigned long long)v->Completed, (unsigned long long)v->Failed,
                     v->Halted ? ", halted" : "", v->Restarting ? ", restarting" : "");
        }
    }
}

static VOID XhciCommand(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    XHCI_VIEW *view = ExAllocatePoolWithTag(NonPagedPool, sizeof(*view), XHCI_TAG);
    ULONG shown = 0;
    if (view == NULL) {
        DbgPrint("xhci: out of memory\n");
        return;
    }
    /* Controllers come and go only with PnP, which the shell's thread
       does not race here beyond the list itself: walk it one at a time. */
    for (ULONG n = 0;; n++) {
        PXHCI_CONTROLLER controller = NULL;
        KIRQL irql;
        KeAcquireSpinLock(&XhciControllersLock, &irql);
        ULONG i = 0;
        for (PLIST_ENTRY e = XhciControllers.Flink; e != &XhciControllers; e = e->Flink, i++) {
            if (i == n)
                controller = CONTAINING_RECORD(e, XHCI_CONTROLLER, ControllerEntry);
        }
        if (controller != NULL)
            XhciSnapshot(controller, view);
        KeReleaseSpinLock(&XhciControllersLock, irql);
        if (controller == NULL)
            break;
        XhciPrint(view);
        shown++;
    }
    if (shown == 0)
        DbgPrint("no xHCI controller\n");
    ExFreePoolWithTag(view, XHCI_TAG);
}

KD_COMMAND(xhci, "", "xHCI controllers: ports, slots, rings, events, commands", XhciCommand);
