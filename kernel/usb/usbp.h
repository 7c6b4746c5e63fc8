/*
 * usbp.h: what the USB core's files share, and nobody else uses.
 *
 * The USB core is the bus driver of USB devices and the library function
 * drivers call: the part of Windows that usbhub3.sys, ucx01000.sys and
 * usbd.sys share. A host controller driver registers its controller
 * (usbhc.h); the core's thread for it (the "hub") enumerates whatever is
 * plugged into its root ports and reports each device to the PnP manager
 * as a PDO, \Device\USBPDO-n, owned by \Driver\usbhub. Function drivers
 * send URBs to those PDOs; the core checks them and turns them into
 * transfers for the host controller driver.
 *
 * Locks, in the order they may be taken: UsbpControllersLock (the list of
 * controllers), then a controller's Lock (its ports, its devices' states,
 * transfer lists, pipes and counters); the usbmon lock (the capture ring)
 * alone. None is held while calling the host controller driver,
 * completing an IRP or printing.
 */
#ifndef KELAB_USBP_H
#define KELAB_USBP_H

#include "wdm.h"
#include "usb.h"
#include "usbdlib.h"
#include "usbhc.h"
#include "usbioctl.h"
#include "usbdesc.h"

#define USBP_TAG             'pbsU'
#define USBP_MAX_PORTS       32
#define USBP_MAX_STRING      64
#define USBP_MAX_PIPES       USB_DESC_MAX_SETTING_ENDPOINTS
#define USBP_CONTROL_TIMEOUT 5000 /* ms for one of the core's own control transfers */
#define USBP_ENUM_ATTEMPTS   3    /* tries at a device that does not answer */
#define USBP_ENUM_RETRY_MS   100  /* the pause between them */

struct _USBP_DEVICE;

typedef struct _USBHC_CONTROLLER {
    LIST_ENTRY Entry; /* UsbpControllersLock: on UsbpControllers */
    ULONG Number;
    PDEVICE_OBJECT HcFdo;
    PDEVICE_OBJECT Pdo; /* below HcFdo: whose bus relations change */
    const USBHC_CONTROLLER_INTERFACE *Hc;
    PVOID HcContext;
    ULONG PortCount;
    KSPIN_LOCK Lock;
    struct _USBP_DEVICE *Ports[USBP_MAX_PORTS + 1]; /* Lock: the device reported on each port */
    ULONG ChangedPorts;                             /* Lock: bit Port - 1 */
    BOOLEAN Busy;       /* Lock: changes not yet looked at: PnP activity (IoBeginPnpActivity) */
    BOOLEAN Stopping;   /* Lock: the hub thread must end */
    KEVENT Work;        /* a port changed, or stopping */
    PKTHREAD HubThread; /* referenced */
} USBP_CONTROLLER, *PUSBP_CONTROLLER;

/* A pipe: one endpoint of the device as the function driver sees it. A
   USBD_PIPE_HANDLE is the address of one of these. */
typedef struct _USBP_PIPE {
    UCHAR Address;
    UCHAR Type; /* USB_ENDPOINT_TYPE_* */
    UCHAR Interval;
    BOOLEAN Open; /* part of the selected configuration (the default pipe always is) */
    USHORT MaxPacketSize;
    ULONG Outstanding; /* controller Lock: transfers started and not finished */
    PKEVENT Drained;   /* controller Lock: an abort waiting for Outstanding to reach 0 */
    ULONG64 Completed; /* controller Lock */
    ULONG64 Failed;
} USBP_PIPE, *PUSBP_PIPE;

typedef enum _USBP_DEVICE_STATE {
    UsbpDeviceReady,   /* its descriptors passed; a driver may have it */
    UsbpDeviceRefused, /* its descriptors did not: Reason says why */
    UsbpDeviceGone,    /* unplugged: waiting for the PnP manager's removal */
} USBP_DEVICE_STATE;

/* A USB device: the extension of its PDO. */
typedef struct _USBP_DEVICE {
    PUSBP_CONTROLLER Controller;
    PDEVICE_OBJECT Pdo;
    ULONG Number; /* \Device\USBPDO-<Number> */
    UCHAR Port;
    UCHAR Address;
    USB_DEVICE_SPEED Speed;
    USBP_DEVICE_STATE State; /* controller Lock */
    USBHC_DEVICE_HANDLE HcDevice;
    CHAR Reason[USB_DESC_REASON_MAX]; /* why it was refused */
    PCSTR FailureId;                  /* a refused device's hardware ID: what failed */
    BOOLEAN Reported; /* controller Lock: in a bus relations answer: the PnP manager frees it */
    BOOLEAN Closing;  /* controller Lock: being freed: no new transfers */
    /* What it said, checked (lib/usbdesc.c). Written during enumeration,
       read-only after. */
    UCHAR DeviceDescriptor[USB_DEVICE_DESCRIPTOR_LENGTH];
    USB_DESC_DEVICE Device;
    PUCHAR ConfigurationDescriptor;        /* wTotalLength bytes, from pool */
    USB_DESC_CONFIGURATION *Configuration; /* from pool */
    CHAR Manufacturer[USBP_MAX_STRING], Product[USBP_MAX_STRING], Serial[USBP_MAX_STRING];
    /* The selection (SELECT_CONFIGURATION, PASSIVE_LEVEL, one at a time:
       Configuring is held). */
    KMUTEX Configuring;
    UCHAR ConfigurationValue; /* 0: unconfigured */
    USBP_PIPE DefaultPipe;
    ULONG PipeCount;                 /* controller Lock, with the pipes' Open */
    USBP_PIPE Pipes[USBP_MAX_PIPES]; /* a USBD_PIPE_HANDLE is &Pipes[i] (or &DefaultPipe) */
    /* Transfers outstanding (controller Lock). */
    LIST_ENTRY Transfers;
    ULONG Outstanding;  /* started and not yet finished */
    KEVENT NoTransfers; /* signalled while Outstanding is 0 */
} USBP_DEVICE, *PUSBP_DEVICE;

/* A transfer: what the host controller driver gets, and what the core
   keeps around it until it is finished. Owners counts who may still touch
   it: the submitter (until UsbpStartTransfer returns), the controller
   driver (until it completes it), the IRP's cancel routine (while set) and
   the timeout's DPC (while the timer is set). The last to let go finishes
   it: the URB gets its status, the IRP is completed. */
typedef struct _USBP_TRANSFER {
    USBHC_TRANSFER Hc;      /* first: the controller driver's view */
    LIST_ENTRY DeviceEntry; /* controller Lock: on the device's Transfers */
    LIST_ENTRY CancelEntry; /* on a canceller's list while Cancelling */
    PUSBP_DEVICE Device;
    PUSBP_PIPE Pipe;
    PIRP Irp;              /* NULL for the core's own transfers */
    PURB Urb;              /* the function driver's, or NULL */
    PULONG UrbLength;      /* the URB's TransferBufferLength: gets Actual */
    PMDL OwnMdl;           /* an MDL the core built for the buffer, or NULL */
    ULONG TimeoutMs;       /* 0: none */
    BOOLEAN Submitted;     /* controller Lock: the controller driver has it */
    BOOLEAN CancelPending; /* controller Lock: asked to end before it had */
    BOOLEAN Cancelling;    /* controller Lock: a canceller holds a share to abort it */
    BOOLEAN TimedOut;      /* the timeout asked it to end */
    volatile LONG Owners;
    USBD_STATUS Status;
    ULONG Actual;
    ULONG64 SubmitTime; /* interrupt time, for usbmon */
    KTIMER Timer;
    KDPC TimerDpc;
    PKEVENT Done; /* the core's own transfers: signalled when finished */
} USBP_TRANSFER, *PUSBP_TRANSFER;

extern KSPIN_LOCK UsbpControllersLock;
extern LIST_ENTRY UsbpControllers;   /* UsbpControllersLock */
extern PDRIVER_OBJECT UsbpHubDriver; /* \Driver\usbhub, loaded at boot */

/* enumerate.c: the hub thread. */
KSTART_ROUTINE UsbpHubThread;

/* pdo.c */
NTSTATUS UsbpCreatePdo(PUSBP_CONTROLLER Controller, PDEVICE_OBJECT *Pdo);
VOID UsbpFreeDevice(PUSBP_DEVICE Device);

/* transfer.c */
/* A transfer zeroed, from nonpaged pool; and back (one never started). */
PUSBP_TRANSFER UsbpAllocateTransfer(VOID);
VOID UsbpFreeTransfer(PUSBP_TRANSFER Transfer);
/* Starts Transfer (its Pipe, Irp, Urb, UrbLength, Hc.Setup, Hc.Buffer or
   Hc.Mdl, Hc.Length, Hc.In, Hc.ShortOk, TimeoutMs and Done filled in,
   the rest zero). Always STATUS_PENDING: the result comes through the
   IRP (marked pending here) or Done. Any IRQL up to DISPATCH_LEVEL. */
NTSTATUS UsbpStartTransfer(PUSBP_DEVICE Device, PUSBP_TRANSFER Transfer);
/* A control transfer on the default pipe, waited for. PASSIVE_LEVEL. */
NTSTATUS UsbpControl(PUSBP_DEVICE Device, UCHAR RequestType, UCHAR Request, USHORT Value,
                     USHORT Index, PVOID Buffer, USHORT Length, PULONG Actual,
                     USBD_STATUS *UsbdStatus);
/* Asks every outstanding transfer of the device on Pipe (NULL: on any
   pipe) to end; they complete with USBD_STATUS_CANCELED unless they were
   finishing anyway. Does not wait. Up to DISPATCH_LEVEL. */
VOID UsbpCancelTransfers(PUSBP_DEVICE Device, PUSBP_PIPE Pipe);
/* Waits until the device has no transfer outstanding. PASSIVE_LEVEL. */
VOID UsbpWaitForTransfers(PUSBP_DEVICE Device);
NTSTATUS UsbpNtStatus(USBD_STATUS Status);

/* urb.c: IOCTL_INTERNAL_USB_SUBMIT_URB. Up to DISPATCH_LEVEL. */
NTSTATUS UsbpSubmitUrb(PUSBP_DEVICE Device, PIRP Irp, PURB Urb);

/* config.c: PASSIVE_LEVEL, one at a time per device (Device->Configuring). */
USBD_STATUS UsbpSelectConfiguration(PUSBP_DEVICE Device, PURB Urb);
/* Ends the pipe's transfers and waits for them. */
USBD_STATUS UsbpAbortPipe(PUSBP_DEVICE Device, PUSBP_PIPE Pipe);
/* After a stall: the controller's side of the endpoint (ResetHost), the
   device's (ClearStall: CLEAR_FEATURE(ENDPOINT_HALT)), or both. */
USBD_STATUS UsbpResetPipe(PUSBP_DEVICE Device, PUSBP_PIPE Pipe, BOOLEAN ResetHost,
                          BOOLEAN ClearStall);
/* Back to the unconfigured state enumeration left it in. */
VOID UsbpClosePipes(PUSBP_DEVICE Device);

/* query.c: a controller and one of its ports, copied under the locks. */
typedef struct _USBP_SNAPSHOT {
    ULONG Bus;
    PDEVICE_OBJECT HcFdo; /* referenced */
    ULONG PortCount;
    BOOLEAN Present;
    PDEVICE_OBJECT Pdo; /* referenced when Present */
    ULONG Number;
    USB_DEVICE_SPEED Speed;
    UCHAR Address;
    USBP_DEVICE_STATE State;
    CHAR Reason[USB_DESC_REASON_MAX];
    USHORT VendorId, ProductId;
    CHAR Manufacturer[USBP_MAX_STRING], Product[USBP_MAX_STRING], Serial[USBP_MAX_STRING];
    UCHAR ConfigurationValue;
    ULONG PipeCount; /* the default pipe first */
    USBP_PIPE Pipes[USBP_MAX_PIPES + 1];
} USBP_SNAPSHOT;

/* Controller Index (in registration order) and the device on its Port
   (0: just the controller); FALSE when there is no such controller.
   UsbpForget drops the references the snapshot holds. */
BOOLEAN UsbpSnapshot(ULONG Index, ULONG Port, USBP_SNAPSHOT *Snapshot);
VOID UsbpForget(USBP_SNAPSHOT *Snapshot);

/* usbmon.c: the records of a transfer's start and end (up to
   DISPATCH_LEVEL, no lock held); the capture's start, at boot if QEMU
   offers the capture port. */
VOID UsbpMonitorSubmit(PUSBP_TRANSFER Transfer);
VOID UsbpMonitorComplete(PUSBP_TRANSFER Transfer);
VOID UsbpMonitorInitialize(VOID);

#endif
