/*
 * interrupt.c: the ISR and the DPC.
 *
 * The controller interrupts through MSI-X message 0, for interrupter 0,
 * after it has written events to the event ring. The ISR runs at the
 * message's DIRQL and does only what must be done there: acknowledge the
 * interrupt (USBSTS.EINT and IMAN.IP, both write-1-to-clear) and queue the
 * DPC. The DPC, at DISPATCH_LEVEL, reads every event the controller has
 * written, handles each under the controller's lock, tells the controller
 * how far it read (ERDP, clearing Event Handler Busy), and then, with the
 * lock released, runs what the events finished: command callbacks,
 * transfer completions (the USB core completes their IRPs right there, so
 * function drivers' completion routines run in this DPC), port changes.
 *
 * Interrupts that arrive while the DPC runs only requeue it: one DPC may
 * drain the events of several interrupts, which `xhci` shows.
 */
#include "xhci.h"

BOOLEAN XhciInterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext, ULONG MessageID)
{
    PXHCI_CONTROLLER controller = ServiceContext;
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(MessageID);

    ULONG status = XhciOpRead(controller, XHCI_USBSTS);
    if (status == 0xFFFFFFFF)
        return FALSE; /* the controller is gone from the bus */
    XhciOpWrite(controller, XHCI_USBSTS, XHCI_STS_EINT);
    XhciIrWrite(controller, XHCI_IR_IMAN, XHCI_IMAN_IP | XHCI_IMAN_IE);
    __atomic_add_fetch(&controller->Interrupts, 1, __ATOMIC_RELAXED);
    KeInsertQueueDpc(&controller->Dpc, NULL, NULL);
    return TRUE;
}

/* One event, lock held. */
static VOID XhciHandleEvent(PXHCI_CONTROLLER Controller, const ULONG Event[4], PLIST_ENTRY Commands,
                            PLIST_ENTRY Transfers, PLIST_ENTRY Restarts, PULONG Ports)
{
    switch (XHCI_TRB_GET_TYPE(Event[3])) {
    case XhciTrbTransferEvent:
        XhciTransferEvent(Controller, Event, Transfers, Restarts);
        break;
    case XhciTrbCommandCompletion:
        XhciCommandCompleted(Controller, Event, Commands);
        break;
    case XhciTrbPortStatusChange:
        XhciPortEvent(Controller, XHCI_EVENT_PORT(Event[0]), Ports, Transfers);
        break;
    case XhciTrbHostControllerEvent:
        /* Event Ring Full, most likely: events were lost. */
        Controller->HostControllerEvents++;
        break;
    default:
        Controller->EventsRefused++;
        break;
    }
}

VOID XhciDpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PXHCI_CONTROLLER controller = DeferredContext;
    PXHCI_RING ring = &controller->EventRing;
    LIST_ENTRY commands, transfers, restarts;
    ULONG ports = 0;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);

    InitializeListHead(&commands);
    InitializeListHead(&transfers);
    InitializeListHead(&restarts);
    KeAcquireSpinLockAtDpcLevel(&controller->Lock);
    controller->Dpcs++;
    if (ring->Trb == NULL) { /* stopped meanwhile */
        KeReleaseSpinLockFromDpcLevel(&controller->Lock);
        return;
    }
    for (;;) {
        volatile ULONG *t = ring->Trb + 4 * ring->Dequeue;
        if ((t[3] & XHCI_TRB_CYCLE) != ring->Cycle)
            break;
        KeMemoryBarrier(); /* the rest of the TRB after its cycle bit */
        ULONG event[4] = {t[0], t[1], t[2], t[3]};
        XhciHandleEvent(controller, event, &commands, &transfers, &restarts, &ports);
        controller->Events++;
        if (++ring->Dequeue == ring->Size) {
            ring->Dequeue = 0;
            ring->Cycle ^= 1;
        }
    }
    XhciWrite64(controller, controller->Runtime + XHCI_IR(0) + XHCI_IR_ERDP,
                XhciRingPhysical(ring, ring->Dequeue) | XHCI_ERDP_EHB);
    KeReleaseSpinLockFromDpcLevel(&controller->Lock);

    XhciRunCommandCallbacks(controller, &commands);
    XhciRestartEndpoints(controller, &restarts);
    XhciCompleteTransfers(controller, &transfers);
    for (ULONG port = 1; ports != 0; port++, ports >>= 1) {
        if ((ports & 1) && controller->Core != NULL)
            UsbHcPortChanged(controller->Core, port);
    }
}

VOID XhciQueryCounters(PVOID Context, PUSBHC_COUNTERS Counters)
{
    PXHCI_CONTROLLER controller = Context;
    KIRQL irql;
    Counters->Interrupts = (ULONG64)__atomic_load_n(&controller->Interrupts, __ATOMIC_RELAXED);
    KeAcquireSpinLock(&controller->Lock, &irql);
    Counters->Dpcs = controller->Dpcs;
    Counters->Events = controller->Events;
    KeReleaseSpinLock(&controller->Lock, irql);
}
