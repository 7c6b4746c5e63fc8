/*
 * command.c: the command ring (xHCI 4.6), with a timeout on every command.
 *
 * A command is one TRB; the controller answers each with a Command
 * Completion Event naming the TRB it completes. Commands are kept in ring
 * order on Controller->Commands, so an event is matched to the oldest
 * outstanding command at that address.
 *
 * A command the controller does not complete in XHCI_COMMAND_TIMEOUT ms
 * is aborted (4.6.1.2): the driver writes CRCR.CA, the controller stops
 * the ring (aborting a command it was executing) and posts a Command
 * Completion Event with "Command Ring Stopped". The driver then fails
 * every command past its deadline with "Command Aborted", turns their
 * TRBs into No Op commands (so that restarting the ring cannot run them
 * late) and rings the doorbell again if others wait. The driver never
 * waits without an end.
 */
#include "xhci.h"

static const PCSTR XhciCommandNames[] = {
    [XhciTrbEnableSlot] = "Enable Slot",
    [XhciTrbDisableSlot] = "Disable Slot",
    [XhciTrbAddressDevice] = "Address Device",
    [XhciTrbConfigureEndpoint] = "Configure Endpoint",
    [XhciTrbEvaluateContext] = "Evaluate Context",
    [XhciTrbResetEndpoint] = "Reset Endpoint",
    [XhciTrbStopEndpoint] = "Stop Endpoint",
    [XhciTrbSetTrDequeue] = "Set TR Dequeue Pointer",
    [XhciTrbResetDevice] = "Reset Device",
    [XhciTrbNoopCommand] = "No Op",
};

PCSTR XhciCommandName(ULONG Type)
{
    if (Type < ARRAYSIZE(XhciCommandNames) && XhciCommandNames[Type] != NULL)
        return XhciCommandNames[Type];
    return "command";
}

static KDEFERRED_ROUTINE XhciCommandTimeout;

VOID XhciInitializeCommands(PXHCI_CONTROLLER Controller)
{
    InitializeListHead(&Controller->Commands);
    KeInitializeTimer(&Controller->CommandTimer);
    KeInitializeDpc(&Controller->CommandTimerDpc, XhciCommandTimeout, Controller);
}

/* Arms the timer for the oldest outstanding command's deadline (or the
   abort's). Lock held. */
static VOID XhciArmCommandTimer(PXHCI_CONTROLLER Controller)
{
    if (IsListEmpty(&Controller->Commands)) {
        KeCancelTimer(&Controller->CommandTimer);
        return;
    }
    PXHCI_COMMAND oldest = CONTAINING_RECORD(Controller->Commands.Flink, XHCI_COMMAND, Entry);
    ULONG64 deadline = Controller->Aborting ? Controller->AbortDeadline : oldest->Deadline;
    ULONG64 now = KeQueryInterruptTime();
    LARGE_INTEGER due = {.QuadPart = deadline > now ? -(LONGLONG)(deadline - now) : -1};
    KeSetTimer(&Controller->CommandTimer, due, &Controller->CommandTimerDpc);
}

/* Queues Command; Command->Done runs when it completes or times out.
   At any IRQL up to DISPATCH_LEVEL. */
VOID XhciSubmitCommand(PXHCI_CONTROLLER Controller, PXHCI_COMMAND Command)
{
    KIRQL irql;
    KeAcquireSpinLock(&Controller->Lock, &irql);
    Command->Code = 0;
    Command->SlotId = 0;
    Command->TimedOut = FALSE;
    Command->Deadline = KeQueryInterruptTime() + XHCI_COMMAND_TIMEOUT * 10000ull;
    if (!Controller->Running || XhciRingSpace(&Controller->CommandRing) == 0) {
        /* Nothing will ever answer it: fail it now, as a completion would
           (without the lock). */
        KeReleaseSpinLock(&Controller->Lock, irql);
        Command->Code = XhciCommandRingStopped;
        Command->Done(Controller, Command);
        return;
    }
    Command->Cycle = Controller->CommandRing.Cycle;
    Command->Index = XhciRingPut(&Controller->CommandRing, Command->Trb, FALSE, TRUE);
    Command->Physical = XhciRingPhysical(&Controller->CommandRing, Command->Index);
    XhciRingCommit(&Controller->CommandRing, Command->Index);
    InsertTailList(&Controller->Commands, &Command->Entry);
    Controller->CommandsIssued++;
    if (Controller->Commands.Flink == &Command->Entry)
        XhciArmCommandTimer(Controller);
    if (!Controller->Aborting)
        XhciRingDoorbell(Controller, 0, 0);
    KeReleaseSpinLock(&Controller->Lock, irql);
}

static VOID XhciSignalCommand(PXHCI_CONTROLLER Controller, PXHCI_COMMAND Command)
{
    UNREFERENCED_PARAMETER(Controller);
    KeSetEvent(&Command->Event, IO_NO_INCREMENT, FALSE);
}

/* Runs Command and waits for it: PASSIVE_LEVEL. Returns its completion
   code (XhciCommandAborted if it timed out). The wait has an end: the
   command timer fails a command that never completes. */
ULONG XhciRunCommand(PXHCI_CONTROLLER Controller, PXHCI_COMMAND Command)
{
    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    KeInitializeEvent(&Command->Event, NotificationEvent, FALSE);
    Command->Done = XhciSignalCommand;
    XhciSubmitCommand(Controller, Command);
    KeWaitForSingleObject(&Command->Event, Executive, KernelMode, FALSE, NULL);
    return Command->Code;
}

/* The command ring stopped after an abort (or did not answer it in
   time): fail what timed out and start the ring again for the rest. */
static VOID XhciRingStopped(PXHCI_CONTROLLER Controller, PLIST_ENTRY Done)
{
    Controller->Aborting = FALSE;
    XhciFailCommands(Controller, FALSE, Done);
    if (!IsListEmpty(&Controller->Commands))
        XhciRingDoorbell(Controller, 0, 0);
}

/* A Command Completion Event. Lock held; completed commands go to Done,
   for XhciRunCommandCallbacks once the lock is released. */
VOID XhciCommandCompleted(PXHCI_CONTROLLER Controller, const ULONG Event[4], PLIST_ENTRY Done)
{
    ULONG64 trb = (ULONG64)Event[0] | (ULONG64)Event[1] << 32;
    ULONG code = XHCI_EVENT_CODE(Event[2]);
    ULONG index;

    if (code == XhciCommandRingStopped) {
        XhciRingStopped(Controller, Done);
        return;
    }
    if (!XhciRingIndex(&Controller->CommandRing, trb, &index)) {
        Controller->EventsRefused++;
        return;
    }
    /* The ring advances past this TRB, whatever it was. */
    Controller->CommandRing.Dequeue = (index + 1) % (Controller->CommandRing.Size - 1);
    for (PLIST_ENTRY e = Controller->Commands.Flink; e != &Controller->Commands; e = e->Flink) {
        PXHCI_COMMAND command = CONTAINING_RECORD(e, XHCI_COMMAND, Entry);
        if (command->Index == index) {
            RemoveEntryList(&command->Entry);
            command->Code = code;
            command->SlotId = (UCHAR)XHCI_TRB_GET_SLOT(Event[3]);
            command->TimedOut = FALSE;
            InsertTailList(Done, &command->Entry);
            break;
        }
    }
    XhciArmCommandTimer(Controller);
}

/* Fails the commands that timed out (All: every one, the controller is
   going away), turning their TRBs into No Op commands so that restarting
   the ring cannot run them late. Lock held. */
VOID XhciFailCommands(PXHCI_CONTROLLER Controller, BOOLEAN All, PLIST_ENTRY Done)
{
    PLIST_ENTRY e = Controller->Commands.Flink;
    while (e != &Controller->Commands) {
        PXHCI_COMMAND command = CONTAINING_RECORD(e, XHCI_COMMAND, Entry);
        e = e->Flink;
        if (!All && !command->TimedOut)
            continue;
        volatile ULONG *trb = Controller->CommandRing.Trb + 4 * command->Index;
        trb[3] = (trb[3] & XHCI_TRB_CYCLE) | XHCI_TRB_TYPE(XhciTrbNoopCommand);
        RemoveEntryList(&command->Entry);
        command->Code = XhciCommandAborted;
        if (command->TimedOut)
            Controller->CommandsTimedOut++;
        InsertTailList(Done, &command->Entry);
    }
    XhciArmCommandTimer(Controller);
}

/* Lock released: tell each completed command's owner. */
VOID XhciRunCommandCallbacks(PXHCI_CONTROLLER Controller, PLIST_ENTRY Done)
{
    while (!IsListEmpty(Done)) {
        PXHCI_COMMAND command = CONTAINING_RECORD(RemoveHeadList(Done), XHCI_COMMAND, Entry);
        if (command->TimedOut)
            DbgPrint("xhci%u: %s (slot %u) got no answer in %u ms: aborted\n", Controller->Number,
                     XhciCommandName(XHCI_TRB_GET_TYPE(command->Trb[3])),
                     XHCI_TRB_GET_SLOT(command->Trb[3]), XHCI_COMMAND_TIMEOUT);
        command->Done(Controller, command);
    }
}

/* A deadline passed. First expiry: mark the late commands and abort the
   command ring (CRCR.CA, pointing at the oldest, in case the controller
   takes the pointer: QEMU does when the ring is not running). Second
   expiry, no Command Ring Stopped in between: treat the ring as stopped
   anyway. */
static VOID XhciCommandTimeout(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    PXHCI_CONTROLLER controller = Context;
    ULONG64 now = KeQueryInterruptTime();
    BOOLEAN late = FALSE;
    LIST_ENTRY done;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);

    InitializeListHead(&done);
    KeAcquireSpinLockAtDpcLevel(&controller->Lock);
    if (controller->Aborting) {
        XhciRingStopped(controller, &done);
    } else {
        for (PLIST_ENTRY e = controller->Commands.Flink; e != &controller->Commands; e = e->Flink) {
            PXHCI_COMMAND command = CONTAINING_RECORD(e, XHCI_COMMAND, Entry);
            if (command->Deadline <= now)
                command->TimedOut = late = TRUE;
        }
        if (late) {
            PXHCI_COMMAND oldest =
                CONTAINING_RECORD(controller->Commands.Flink, XHCI_COMMAND, Entry);
            controller->Aborting = TRUE;
            controller->AbortDeadline = now + XHCI_COMMAND_TIMEOUT * 10000ull;
            XhciWrite64(controller, controller->Operational + XHCI_CRCR,
                        oldest->Physical | oldest->Cycle | XHCI_CRCR_CA);
        }
        XhciArmCommandTimer(controller);
    }
    KeReleaseSpinLockFromDpcLevel(&controller->Lock);
    XhciRunCommandCallbacks(controller, &done);
}
