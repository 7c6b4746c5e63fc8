/*
 * usbhc.h: the interface between a USB host controller driver and the
 * USB core. KeLab addition: Windows' counterpart is the USB host
 * controller extension (UCX), which is built on WDF; this is the same
 * division of labour with plain routines.
 *
 * The host controller driver (HCD, drivers/xhci/) is a WDM function
 * driver for its PCI device. It owns the hardware: registers, rings, its
 * interrupt and its DPC. The USB core (kernel/usb/) owns everything USB
 * means above the wire: enumeration, descriptors, the device objects of
 * USB devices, URBs and their checks, usbmon. Between them:
 *
 *   HCD -> core   UsbHcRegisterController when its device starts,
 *                 UsbHcPortChanged when a root port's status changes,
 *                 UsbHcCompleteTransfer from its DPC when a transfer ends,
 *                 UsbHcQueryBusRelations for IRP_MN_QUERY_DEVICE_RELATIONS,
 *                 UsbHcUnregisterController when its device goes away.
 *   core -> HCD  the routines of USBHC_CONTROLLER_INTERFACE: ports,
 *                devices, endpoints (at PASSIVE_LEVEL, synchronous), and
 *                transfers (up to DISPATCH_LEVEL, asynchronous).
 */
#ifndef KELAB_USBHC_H
#define KELAB_USBHC_H

#include "wdm.h"
#include "usb.h"

typedef struct _USBHC_CONTROLLER *PUSBHC_CONTROLLER; /* the core's */
typedef PVOID USBHC_DEVICE_HANDLE;                   /* the HCD's: one per addressed device */

/* A root port as the HCD sees it. */
typedef struct _USBHC_PORT_STATUS {
    BOOLEAN Connected;
    BOOLEAN Enabled;
    USB_DEVICE_SPEED Speed; /* valid when Connected */
} USBHC_PORT_STATUS, *PUSBHC_PORT_STATUS;

/* An endpoint to configure, as the core has checked it (lib/usbdesc.c). */
typedef struct _USBHC_ENDPOINT {
    UCHAR Address; /* bEndpointAddress */
    UCHAR Type;    /* USB_ENDPOINT_TYPE_* */
    USHORT MaxPacketSize;
    UCHAR TransactionsPerMicroframe; /* 1-3 */
    UCHAR IntervalExponent;          /* period 2^n x 125 us; 0 for bulk */
} USBHC_ENDPOINT, *PUSBHC_ENDPOINT;

/* One transfer, built by the core and handed to the HCD, which keeps it
   (on ListEntry, its to use) until it completes it. The buffer is mapped
   in system space and described by Mdl (physical pages for the
   controller). */
typedef struct _USBHC_TRANSFER {
    LIST_ENTRY ListEntry; /* the HCD's while it holds the transfer */
    USBHC_DEVICE_HANDLE Device;
    UCHAR EndpointAddress; /* 0x00 for the default control pipe */
    UCHAR EndpointType;    /* USB_ENDPOINT_TYPE_* */
    BOOLEAN In;            /* data direction */
    BOOLEAN ShortOk;       /* less than Length is success */
    UCHAR Setup[8];        /* control transfers */
    PVOID Buffer;          /* system address of the data, or NULL if Length is 0 */
    PMDL Mdl;              /* its pages, or NULL if Length is 0 */
    ULONG Length;
    PVOID HcdContext[4]; /* the HCD's */
    PVOID CoreContext;   /* the core's */
} USBHC_TRANSFER, *PUSBHC_TRANSFER;

/* What the HCD has done, for the shell and benchmarks. */
typedef struct _USBHC_COUNTERS {
    ULONG64 Interrupts; /* its ISR ran */
    ULONG64 Dpcs;       /* its DPC ran */
    ULONG64 Events;     /* events it handled (transfers, commands, ports) */
} USBHC_COUNTERS, *PUSBHC_COUNTERS;

/* What the HCD offers. Routines marked PASSIVE may wait (they run in the
   core's thread); the others may be called at any IRQL up to
   DISPATCH_LEVEL and must not wait. Context is the one the HCD gave at
   registration. */
typedef struct _USBHC_CONTROLLER_INTERFACE {
    /* PASSIVE. The status of root port Port (1..PortCount). */
    NTSTATUS (*GetPortStatus)(PVOID Context, ULONG Port, PUSBHC_PORT_STATUS Status);
    /* PASSIVE. Resets the port and waits for it to come back enabled. */
    NTSTATUS (*ResetPort)(PVOID Context, ULONG Port, PUSBHC_PORT_STATUS Status);
    /* PASSIVE. Gives the device on Port an address, with endpoint 0 of
       MaxPacketSize0 bytes; *Device is its handle, *Address its address. */
    NTSTATUS(*CreateDevice)
    (PVOID Context, ULONG Port, USB_DEVICE_SPEED Speed, USHORT MaxPacketSize0,
     USBHC_DEVICE_HANDLE *Device, PUCHAR Address);
    /* PASSIVE. Endpoint 0's packet size, once the device descriptor gave it. */
    NTSTATUS (*SetMaxPacketSize0)(PVOID Context, USBHC_DEVICE_HANDLE Device, USHORT MaxPacketSize0);
    /* PASSIVE. Makes Endpoints (Count of them, no endpoint 0) the device's
       endpoints, dropping any others; Count 0 drops them all. */
    NTSTATUS(*ConfigureEndpoints)
    (PVOID Context, USBHC_DEVICE_HANDLE Device, const USBHC_ENDPOINT *Endpoints, ULONG Count);
    /* PASSIVE. After a STALL: clears the controller's halt of the
       endpoint and starts the transfers still queued on it again. */
    NTSTATUS (*ResetEndpoint)(PVOID Context, USBHC_DEVICE_HANDLE Device, UCHAR Address);
    /* PASSIVE. Frees the device's address and everything the HCD kept for
       it. No transfer of the device may be outstanding. */
    VOID (*DeleteDevice)(PVOID Context, USBHC_DEVICE_HANDLE Device);
    /* Queues Transfer. STATUS_PENDING: UsbHcCompleteTransfer will report
       it. Anything else: it was not queued. */
    NTSTATUS (*SubmitTransfer)(PVOID Context, PUSBHC_TRANSFER Transfer);
    /* Asks for a queued transfer to end: it completes (from the DPC) with
       USBD_STATUS_CANCELED, or with its real result if it was finishing
       anyway. The transfers queued behind it on its endpoint go on. */
    VOID (*CancelTransfer)(PVOID Context, PUSBHC_TRANSFER Transfer);
    /* Any IRQL up to DISPATCH_LEVEL: its counters so far. */
    VOID (*QueryCounters)(PVOID Context, PUSBHC_COUNTERS Counters);
} USBHC_CONTROLLER_INTERFACE, *PUSBHC_CONTROLLER_INTERFACE;

/* PASSIVE. The HCD's device is started and its root ports ready:
   HcFdo is the HCD's device object (the USB devices become its
   children), Pdo the one below it (whose bus relations the core
   invalidates). */
NTSTATUS UsbHcRegisterController(PDEVICE_OBJECT HcFdo, PDEVICE_OBJECT Pdo,
                                 const USBHC_CONTROLLER_INTERFACE *Interface, PVOID Context,
                                 ULONG PortCount, PUSBHC_CONTROLLER *Controller);

/* PASSIVE. The controller is going away: every device is removed first. */
VOID UsbHcUnregisterController(PUSBHC_CONTROLLER Controller);

/* Any IRQL up to DISPATCH_LEVEL: root port Port's status changed. */
VOID UsbHcPortChanged(PUSBHC_CONTROLLER Controller, ULONG Port);

/* DISPATCH_LEVEL (the HCD's DPC): Transfer ended with Status, having
   moved Actual bytes. The core completes its IRP here. */
VOID UsbHcCompleteTransfer(PUSBHC_CONTROLLER Controller, PUSBHC_TRANSFER Transfer,
                           USBD_STATUS Status, ULONG Actual);

/* PASSIVE: answers IRP_MN_QUERY_DEVICE_RELATIONS (BusRelations) sent to
   the HCD's device with the USB devices present, and passes it down, as a
   bus FDO must. Returns what the lower driver returned. */
NTSTATUS UsbHcQueryBusRelations(PUSBHC_CONTROLLER Controller, PIRP Irp);

#endif
