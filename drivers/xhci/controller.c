/*
 * controller.c: bringing the controller up and down (xHCI 4.2).
 *
 * The order matters (the reference notes, section 2, "minimal sequence"):
 * halt, reset, then the device context array, the command ring, the
 * event ring (ERSTSZ and ERDP before ERSTBA, whose high half latches
 * it), interrupter 0, and only then Run. Waiting for the controller to
 * halt or finish its reset is the only polling the driver does, bounded
 * and before interrupts matter.
 */
#include "xhci.h"

#define XHCI_EVENT_RING_PAGES   1
#define XHCI_COMMAND_RING_PAGES 1

/* Polls USBSTS until (status & Mask) == Value, for at most Milliseconds. */
static BOOLEAN XhciWaitStatus(PXHCI_CONTROLLER Controller, ULONG Mask, ULONG Value,
                              ULONG Milliseconds)
{
    for (ULONG waited = 0; waited <= Milliseconds * 10; waited++) {
        if ((XhciOpRead(Controller, XHCI_USBSTS) & Mask) == Value)
            return TRUE;
        KeStallExecutionProcessor(100);
    }
    return FALSE;
}

/* Reads the capability registers and checks that every register the
   driver will touch lies inside BAR 0: the offsets come from the device. */
static NTSTATUS XhciReadCapabilities(PXHCI_CONTROLLER Controller)
{
    ULONG caps = XhciRead(Controller, XHCI_CAPLENGTH);
    ULONG params1 = XhciRead(Controller, XHCI_HCSPARAMS1);
    ULONG params2 = XhciRead(Controller, XHCI_HCSPARAMS2);
    ULONG cparams = XhciRead(Controller, XHCI_HCCPARAMS1);

    Controller->Operational = caps & 0xFF;
    Controller->Doorbells = XhciRead(Controller, XHCI_DBOFF) & ~3u;
    Controller->Runtime = XhciRead(Controller, XHCI_RTSOFF) & ~0x1Fu;
    Controller->MaxSlots = XHCI_HCS1_MAX_SLOTS(params1);
    Controller->MaxPorts = XHCI_HCS1_MAX_PORTS(params1);
    Controller->MaxInterrupters = XHCI_HCS1_MAX_INTRS(params1);
    Controller->Scratchpads = XHCI_HCS2_SCRATCHPADS(params2);
    Controller->ContextDwords = (cparams & XHCI_HCC1_CSZ) ? 16 : 8;
    Controller->ExtendedCapabilities = XHCI_HCC1_XECP(cparams) * 4;

    SIZE_T length = Controller->RegistersLength;
    if (Controller->MaxSlots == 0 || Controller->MaxPorts == 0 ||
        Controller->MaxPorts > XHCI_MAX_PORTS || Controller->MaxInterrupters == 0 ||
        Controller->Operational < 0x20 ||
        Controller->Operational + XHCI_PORTSC(Controller->MaxPorts) + 16 > length ||
        Controller->Runtime + XHCI_IR(1) > length ||
        Controller->Doorbells + XHCI_DOORBELL(Controller->MaxSlots) + 4 > length ||
        Controller->ExtendedCapabilities >= length) {
        DbgPrint("xhci%u: capability registers lie outside BAR 0 (%u ports, %u slots, "
                 "operational 0x%x, runtime 0x%x, doorbells 0x%x, length 0x%llx)\n",
                 Controller->Number, Controller->MaxPorts, Controller->MaxSlots,
                 Controller->Operational, Controller->Runtime, Controller->Doorbells,
                 (unsigned long long)length);
        return STATUS_DEVICE_DATA_ERROR;
    }
    if (Controller->MaxSlots > XHCI_MAX_SLOTS)
        Controller->MaxSlots = XHCI_MAX_SLOTS;
    return STATUS_SUCCESS;
}

/* Halts and resets the controller. */
static NTSTATUS XhciReset(PXHCI_CONTROLLER Controller)
{
    XhciOpWrite(Controller, XHCI_USBCMD, 0);
    if (!XhciWaitStatus(Controller, XHCI_STS_HALTED, XHCI_STS_HALTED, 100)) {
        DbgPrint("xhci%u: does not halt\n", Controller->Number);
        return STATUS_IO_TIMEOUT;
    }
    XhciOpWrite(Controller, XHCI_USBCMD, XHCI_CMD_RESET);
    for (ULONG waited = 0; waited <= 10000; waited++) {
        if (!(XhciOpRead(Controller, XHCI_USBCMD) & XHCI_CMD_RESET) &&
            !(XhciOpRead(Controller, XHCI_USBSTS) & XHCI_STS_NOT_READY))
            return STATUS_SUCCESS;
        KeStallExecutionProcessor(100);
    }
    DbgPrint("xhci%u: reset does not finish\n", Controller->Number);
    return STATUS_IO_TIMEOUT;
}

/* The device context base address array and the scratchpad buffers the
   controller may ask for (entry 0 of the array). */
static NTSTATUS XhciAllocateContexts(PXHCI_CONTROLLER Controller)
{
    Controller->Dcbaa = XhciAllocateDma(PAGE_SIZE, &Controller->DcbaaPhysical);
    if (Controller->Dcbaa == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (Controller->Scratchpads == 0)
        return STATUS_SUCCESS;
    if (Controller->Scratchpads > PAGE_SIZE / 8)
        return STATUS_DEVICE_DATA_ERROR;
    Controller->ScratchpadArray = XhciAllocateDma(PAGE_SIZE, &Controller->ScratchpadPhysical);
    Controller->ScratchpadPages = XhciAllocateDma((SIZE_T)Controller->Scratchpads * PAGE_SIZE,
                                                  &Controller->ScratchpadPagesPhysical);
    if (Controller->ScratchpadArray == NULL || Controller->ScratchpadPages == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (ULONG i = 0; i < Controller->Scratchpads; i++)
        Controller->ScratchpadArray[i] = Controller->ScratchpadPagesPhysical + i * PAGE_SIZE;
    Controller->Dcbaa[0] = Controller->ScratchpadPhysical;
    return STATUS_SUCCESS;
}

static NTSTATUS XhciAllocateRings(PXHCI_CONTROLLER Controller)
{
    NTSTATUS status = XhciAllocateRing(&Controller->CommandRing, XHCI_COMMAND_RING_PAGES, TRUE);
    if (NT_SUCCESS(status))
        status = XhciAllocateRing(&Controller->EventRing, XHCI_EVENT_RING_PAGES, FALSE);
    if (!NT_SUCCESS(status))
        return status;
    Controller->Erst = XhciAllocateDma(PAGE_SIZE, &Controller->ErstPhysical);
    if (Controller->Erst == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Controller->Erst[0] = (ULONG)Controller->EventRing.Physical;
    Controller->Erst[1] = (ULONG)(Controller->EventRing.Physical >> 32);
    Controller->Erst[2] = Controller->EventRing.Size;
    return STATUS_SUCCESS;
}

/* Everything the controller was given, back. Safe on a half-done start. */
static VOID XhciFreeControllerMemory(PXHCI_CONTROLLER Controller)
{
    XhciFreeRing(&Controller->CommandRing);
    XhciFreeRing(&Controller->EventRing);
    XhciFreeDma((PVOID)Controller->Erst, PAGE_SIZE);
    XhciFreeDma((PVOID)Controller->Dcbaa, PAGE_SIZE);
    XhciFreeDma((PVOID)Controller->ScratchpadArray, PAGE_SIZE);
    XhciFreeDma((PVOID)Controller->ScratchpadPages, (SIZE_T)Controller->Scratchpads * PAGE_SIZE);
    Controller->Erst = NULL;
    Controller->Dcbaa = NULL;
    Controller->ScratchpadArray = NULL;
    Controller->ScratchpadPages = NULL;
}

/* PASSIVE_LEVEL, the interrupt connected: the controller runs with
   interrupter 0 enabled, every root port's stale change bits cleared (the
   USB core scans the ports itself once it is registered). */
NTSTATUS XhciStartController(PXHCI_CONTROLLER Controller)
{
    NTSTATUS status = XhciReadCapabilities(Controller);
    if (NT_SUCCESS(status))
        status = XhciReadProtocols(Controller);
    if (NT_SUCCESS(status))
        status = XhciReset(Controller);
    if (NT_SUCCESS(status))
        status = XhciAllocateContexts(Controller);
    if (NT_SUCCESS(status))
        status = XhciAllocateRings(Controller);
    if (!NT_SUCCESS(status)) {
        XhciFreeControllerMemory(Controller);
        return status;
    }

    XhciOpWrite(Controller, XHCI_CONFIG, Controller->MaxSlots);
    XhciWrite64(Controller, Controller->Operational + XHCI_DCBAAP, Controller->DcbaaPhysical);
    XhciWrite64(Controller, Controller->Operational + XHCI_CRCR,
                Controller->CommandRing.Physical | XHCI_CRCR_RCS);
    XhciIrWrite(Controller, XHCI_IR_ERSTSZ, 1);
    XhciWrite64(Controller, Controller->Runtime + XHCI_IR(0) + XHCI_IR_ERDP,
                Controller->EventRing.Physical);
    XhciWrite64(Controller, Controller->Runtime + XHCI_IR(0) + XHCI_IR_ERSTBA,
                Controller->ErstPhysical);
    XhciIrWrite(Controller, XHCI_IR_IMOD, 0);
    XhciIrWrite(Controller, XHCI_IR_IMAN, XHCI_IMAN_IP | XHCI_IMAN_IE);

    Controller->Running = TRUE;
    XhciOpWrite(Controller, XHCI_USBCMD, XHCI_CMD_RUN | XHCI_CMD_INTE | XHCI_CMD_HSEE);
    if (!XhciWaitStatus(Controller, XHCI_STS_HALTED, 0, 100)) {
        DbgPrint("xhci%u: does not run\n", Controller->Number);
        Controller->Running = FALSE;
        XhciFreeControllerMemory(Controller);
        return STATUS_IO_TIMEOUT;
    }
    for (ULONG port = 1; port <= Controller->MaxPorts; port++) {
        ULONG portsc = XhciOpRead(Controller, XHCI_PORTSC(port));
        XhciOpWrite(Controller, XHCI_PORTSC(port),
                    (portsc & XHCI_PORT_PRESERVE) | (portsc & XHCI_PORT_CHANGES));
    }
    return STATUS_SUCCESS;
}

/* PASSIVE_LEVEL: halts the controller (unless it is gone) and frees what
   it was given. No device may be left. */
VOID XhciStopController(PXHCI_CONTROLLER Controller)
{
    LIST_ENTRY done;
    KIRQL irql;

    InitializeListHead(&done);
    KeAcquireSpinLock(&Controller->Lock, &irql);
    BOOLEAN running = Controller->Running;
    Controller->Running = FALSE;
    XhciFailCommands(Controller, TRUE, &done);
    KeReleaseSpinLock(&Controller->Lock, irql);
    XhciRunCommandCallbacks(Controller, &done);
    KeCancelTimer(&Controller->CommandTimer);

    if (running && !Controller->Removed) {
        XhciOpWrite(Controller, XHCI_USBCMD, 0);
        XhciWaitStatus(Controller, XHCI_STS_HALTED, XHCI_STS_HALTED, 100);
        XhciIrWrite(Controller, XHCI_IR_IMAN, XHCI_IMAN_IP);
    }
    /* A DPC queued by a last interrupt must be over before the rings go. */
    KeFlushQueuedDpcs();
    XhciFreeControllerMemory(Controller);
}
