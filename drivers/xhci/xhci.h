/*
 * xhci.h: the xHCI host controller driver's own declarations (nothing
 * outside drivers/xhci/ includes this).
 *
 * One XHCI_CONTROLLER per controller, in its FDO's device extension. Its
 * spin lock protects the rings, the devices and the command list; it is
 * taken at DISPATCH_LEVEL, never by the ISR (which touches registers only
 * and queues the DPC). Nothing that completes an IRP, calls the USB core
 * or prints runs with it held: the DPC collects what it has to report and
 * reports it after releasing the lock.
 */
#ifndef KELAB_XHCI_H
#define KELAB_XHCI_H

#include "wdm.h"
#include "usbhc.h"
#include "xhcihw.h"

#define XHCI_TAG             'ichX'
#define XHCI_MAX_PORTS       32
#define XHCI_MAX_SLOTS       32  /* slots KeLab enables (QEMU offers 64) */
#define XHCI_COMMAND_TIMEOUT 500 /* ms before a command is aborted */

/* A ring of TRBs in one physically contiguous block; the last TRB links
   back to the first and toggles the cycle bit. Producer rings (commands,
   transfers): the driver writes at Enqueue with Cycle, and Dequeue is the
   first TRB the controller may still need (where the oldest outstanding
   TD starts). The event ring: the controller writes, the driver reads at
   Dequeue while the cycle bit matches Cycle. */
typedef struct _XHCI_RING {
    volatile ULONG *Trb; /* Size x 4 dwords */
    ULONG64 Physical;
    ULONG Size;
    ULONG Enqueue;
    ULONG Dequeue;
    ULONG Cycle;
} XHCI_RING, *PXHCI_RING;

/* What the driver keeps about a transfer while it holds it, laid over the
   transfer's HcdContext (usbhc.h). */
typedef enum _XHCI_TD_STATE {
    XhciTdWaiting, /* on its endpoint's Waiting list */
    XhciTdOnRing,  /* its TRBs on the ring, on the OnRing list */
    XhciTdDone,    /* finished: on a list of transfers to report */
} XHCI_TD_STATE;

typedef struct _XHCI_TD {
    ULONG First; /* ring index of its first TRB */
    ULONG Next;  /* ring index after its last TRB */
    UCHAR State; /* XHCI_TD_STATE */
    BOOLEAN Cancelled;
    USBD_STATUS Status; /* its result, from its event until it is reported */
    ULONG Actual;
} XHCI_TD, *PXHCI_TD;

_Static_assert(sizeof(XHCI_TD) <= sizeof(((USBHC_TRANSFER *)0)->HcdContext), "TD overlay");

static inline PXHCI_TD XhciTd(PUSBHC_TRANSFER Transfer)
{
    return (PXHCI_TD)Transfer->HcdContext;
}

struct _XHCI_CONTROLLER;
struct _XHCI_COMMAND;
typedef VOID XHCI_COMMAND_DONE(struct _XHCI_CONTROLLER *Controller, struct _XHCI_COMMAND *Command);

/* A command on the command ring. Done runs at DISPATCH_LEVEL in the DPC
   (or the timeout DPC), without the controller's lock. */
typedef struct _XHCI_COMMAND {
    LIST_ENTRY Entry; /* on Controller->Commands while outstanding */
    ULONG Trb[4];     /* the command, cycle bit left clear */
    ULONG64 Physical; /* where it was placed */
    ULONG Index;      /* its ring index */
    ULONG Cycle;      /* the cycle bit it was written with */
    ULONG64 Deadline; /* interrupt time (100 ns) after which it is aborted */
    ULONG Code;       /* completion code */
    UCHAR SlotId;     /* from the completion event */
    BOOLEAN TimedOut; /* past its deadline: failed once the ring stops */
    XHCI_COMMAND_DONE *Done;
    PVOID Context;
    KEVENT Event; /* XhciRunCommand's */
} XHCI_COMMAND, *PXHCI_COMMAND;

/* An endpoint of a device: its ring and its transfers, oldest first. */
typedef struct _XHCI_ENDPOINT {
    UCHAR Dci;     /* device context index, also the doorbell target */
    UCHAR Address; /* bEndpointAddress */
    UCHAR Type;    /* USB_ENDPOINT_TYPE_* */
    BOOLEAN Enabled;
    BOOLEAN Halted;     /* stalled; a non-control endpoint waits for ResetEndpoint */
    BOOLEAN Restarting; /* Stop/Reset Endpoint and Set TR Dequeue under way */
    BOOLEAN ClearHalt;  /* the restart ends the halt (not just a cancel's) */
    USHORT MaxPacketSize;
    struct _XHCI_DEVICE *Device;
    LIST_ENTRY RestartEntry; /* on the DPC's list of endpoints to restart */
    PKEVENT RestartDone;     /* a ResetEndpoint waiting, or NULL */
    XHCI_RING Ring;
    LIST_ENTRY OnRing;    /* transfers whose TRBs are on the ring */
    LIST_ENTRY Waiting;   /* transfers not yet on the ring */
    XHCI_COMMAND Restart; /* the restart's commands, one at a time */
    ULONG64 Completed;
    ULONG64 Failed;
} XHCI_ENDPOINT, *PXHCI_ENDPOINT;

/* An addressed device: a slot, its contexts, its endpoints by DCI. */
typedef struct _XHCI_DEVICE {
    struct _XHCI_CONTROLLER *Controller;
    UCHAR SlotId;
    UCHAR Port;
    UCHAR Address;
    BOOLEAN Gone;   /* disconnected: its transfers fail */
    ULONG Restarts; /* endpoint restarts under way (Lock) */
    KEVENT Idle;    /* signalled when Restarts is 0 */
    USB_DEVICE_SPEED Speed;
    volatile ULONG *OutputContext; /* the controller's view, one page */
    ULONG64 OutputPhysical;
    volatile ULONG *InputContext; /* what commands hand the controller, one page */
    ULONG64 InputPhysical;
    XHCI_ENDPOINT Endpoints[XHCI_ENDPOINTS + 1]; /* [DCI]; [0] unused */
} XHCI_DEVICE, *PXHCI_DEVICE;

typedef struct _XHCI_PORT {
    UCHAR Protocol;    /* 2 or 3, from the Supported Protocol capabilities */
    BOOLEAN Resetting; /* a ResetPort waits on ResetDone */
    KEVENT ResetDone;
    PXHCI_DEVICE Device; /* the device created on it, if any */
} XHCI_PORT, *PXHCI_PORT;

typedef struct _XHCI_CONTROLLER {
    PDEVICE_OBJECT Fdo;
    PDEVICE_OBJECT Pdo;
    PDEVICE_OBJECT LowerDevice;
    LIST_ENTRY ControllerEntry; /* on XhciControllers */
    ULONG Number;               /* for `xhci` */

    /* Registers: BAR 0, mapped uncached. Written once at start. */
    volatile UCHAR *Registers;
    SIZE_T RegistersLength;
    ULONG Operational, Runtime, Doorbells; /* offsets in BAR 0 */
    ULONG ExtendedCapabilities;            /* offset of the first, 0 if none */
    ULONG MaxSlots, MaxPorts, MaxInterrupters;
    ULONG ContextDwords;                 /* 8 or 16 (HCCPARAMS1.CSZ) */
    ULONG Scratchpads;                   /* pages the controller asked for */
    XHCI_PORT Ports[XHCI_MAX_PORTS + 1]; /* [1..MaxPorts] */

    /* The interrupt: MSI-X message 0, interrupter 0. */
    PIO_INTERRUPT_MESSAGE_INFO Messages;
    KDPC Dpc;

    KSPIN_LOCK Lock;         /* everything below */
    volatile ULONG64 *Dcbaa; /* device context base addresses, [slot] */
    ULONG64 DcbaaPhysical;
    volatile ULONG64 *ScratchpadArray; /* DCBAA[0]: the scratchpad pages */
    ULONG64 ScratchpadPhysical;
    PVOID ScratchpadPages;
    ULONG64 ScratchpadPagesPhysical;
    XHCI_RING CommandRing;
    XHCI_RING EventRing;
    volatile ULONG *Erst; /* the event ring's one segment table entry */
    ULONG64 ErstPhysical;
    LIST_ENTRY Commands; /* outstanding, in ring order */
    KTIMER CommandTimer;
    KDPC CommandTimerDpc;
    BOOLEAN Aborting;                       /* CRCR.CA written, waiting for Command Ring Stopped */
    ULONG64 AbortDeadline;                  /* when to stop waiting for it */
    BOOLEAN Running;                        /* RS set, and not surprise removed */
    PXHCI_DEVICE Slots[XHCI_MAX_SLOTS + 1]; /* [slot id] */
    PUSBHC_CONTROLLER Core; /* set at start, cleared at stop (PnP IRPs are serialized) */
    BOOLEAN Removed;        /* surprise removed: the hardware is gone */

    /* Counters for `xhci`. The ISR's are atomic; the rest are Lock's. */
    volatile LONG64 Interrupts;
    ULONG64 Dpcs, Events, EventsRefused, HostControllerEvents, CommandsIssued, CommandsTimedOut;
} XHCI_CONTROLLER, *PXHCI_CONTROLLER;

/* driver.c: every controller, for `xhci`. */
extern LIST_ENTRY XhciControllers; /* XhciControllersLock */
extern KSPIN_LOCK XhciControllersLock;

/* registers.c: 32-bit accessors; QEMU rejects other widths. */
ULONG XhciRead(PXHCI_CONTROLLER Controller, ULONG Offset);
VOID XhciWrite(PXHCI_CONTROLLER Controller, ULONG Offset, ULONG Value);
VOID XhciWrite64(PXHCI_CONTROLLER Controller, ULONG Offset, ULONG64 Value);
#define XhciOpRead(c, r)     XhciRead((c), (c)->Operational + (r))
#define XhciOpWrite(c, r, v) XhciWrite((c), (c)->Operational + (r), (v))
#define XhciIrRead(c, r)     XhciRead((c), (c)->Runtime + XHCI_IR(0) + (r))
#define XhciIrWrite(c, r, v) XhciWrite((c), (c)->Runtime + XHCI_IR(0) + (r), (v))
VOID XhciRingDoorbell(PXHCI_CONTROLLER Controller, ULONG Slot, ULONG Target);

/* ring.c */
NTSTATUS XhciAllocateRing(PXHCI_RING Ring, ULONG Pages, BOOLEAN Link);
VOID XhciFreeRing(PXHCI_RING Ring);
VOID XhciResetRing(PXHCI_RING Ring, BOOLEAN Link);
ULONG XhciRingSpace(const XHCI_RING *Ring);
ULONG XhciRingPut(PXHCI_RING Ring, const ULONG Trb[4], BOOLEAN Chained, BOOLEAN Hold);
VOID XhciRingCommit(PXHCI_RING Ring, ULONG First);
ULONG64 XhciRingPhysical(const XHCI_RING *Ring, ULONG Index);
BOOLEAN XhciRingIndex(const XHCI_RING *Ring, ULONG64 Physical, PULONG Index);
PVOID XhciAllocateDma(SIZE_T Bytes, PULONG64 Physical);
VOID XhciFreeDma(PVOID Memory, SIZE_T Bytes);

/* command.c */
VOID XhciInitializeCommands(PXHCI_CONTROLLER Controller);
VOID XhciSubmitCommand(PXHCI_CONTROLLER Controller, PXHCI_COMMAND Command);
ULONG XhciRunCommand(PXHCI_CONTROLLER Controller, PXHCI_COMMAND Command);
VOID XhciCommandCompleted(PXHCI_CONTROLLER Controller, const ULONG Event[4], PLIST_ENTRY Done);
VOID XhciFailCommands(PXHCI_CONTROLLER Controller, BOOLEAN All, PLIST_ENTRY Done);
VOID XhciRunCommandCallbacks(PXHCI_CONTROLLER Controller, PLIST_ENTRY Done);
PCSTR XhciCommandName(ULONG Type);

/* controller.c */
NTSTATUS XhciStartController(PXHCI_CONTROLLER Controller);
VOID XhciStopController(PXHCI_CONTROLLER Controller);

/* interrupt.c */
KMESSAGE_SERVICE_ROUTINE XhciInterruptService;
KDEFERRED_ROUTINE XhciDpc;
VOID XhciQueryCounters(PVOID Context, PUSBHC_COUNTERS Counters);

/* port.c */
NTSTATUS XhciReadProtocols(PXHCI_CONTROLLER Controller);
NTSTATUS XhciGetPortStatus(PVOID Context, ULONG Port, PUSBHC_PORT_STATUS Status);
NTSTATUS XhciResetPort(PVOID Context, ULONG Port, PUSBHC_PORT_STATUS Status);
VOID XhciPortEvent(PXHCI_CONTROLLER Controller, ULONG Port, PULONG Changed, PLIST_ENTRY Done);

/* device.c */
NTSTATUS XhciCreateDevice(PVOID Context, ULONG Port, USB_DEVICE_SPEED Speed, USHORT MaxPacketSize0,
                          USBHC_DEVICE_HANDLE *Device, PUCHAR Address);
NTSTATUS XhciSetMaxPacketSize0(PVOID Context, USBHC_DEVICE_HANDLE Device, USHORT MaxPacketSize0);
NTSTATUS XhciConfigureEndpoints(PVOID Context, USBHC_DEVICE_HANDLE Device,
                                const USBHC_ENDPOINT *Endpoints, ULONG Count);
VOID XhciDeleteDevice(PVOID Context, USBHC_DEVICE_HANDLE Device);

/* transfer.c */
NTSTATUS XhciSubmitTransfer(PVOID Context, PUSBHC_TRANSFER Transfer);
VOID XhciCancelTransfer(PVOID Context, PUSBHC_TRANSFER Transfer);
NTSTATUS XhciResetEndpoint(PVOID Context, USBHC_DEVICE_HANDLE Device, UCHAR Address);
VOID XhciTransferEvent(PXHCI_CONTROLLER Controller, const ULONG Event[4], PLIST_ENTRY Done,
                       PLIST_ENTRY Restarts);
VOID XhciRestartEndpoints(PXHCI_CONTROLLER Controller, PLIST_ENTRY Restarts);
VOID XhciFailDeviceTransfers(PXHCI_DEVICE Device, PLIST_ENTRY Done);
VOID XhciCompleteTransfers(PXHCI_CONTROLLER Controller, PLIST_ENTRY Done);
PXHCI_ENDPOINT XhciEndpoint(PXHCI_DEVICE Device, UCHAR Address);

#endif
