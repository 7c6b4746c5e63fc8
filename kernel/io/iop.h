/*
 * iop.h: what the I/O manager's own files share, and nobody else uses.
 *
 * Drivers see DRIVER_OBJECT, DEVICE_OBJECT and IRP (wdm.h). Behind each
 * of them the I/O manager keeps a private part, as NT does: a driver
 * object's list entry and name, a device's place in its stack and in the
 * namespace, every IRP's entry in the list of outstanding IRPs.
 *
 * Locks, in the order they may be taken:
 *   IopDatabaseLock  drivers, devices, names, who is attached to whom
 *   IopIrpListLock   the outstanding IRPs
 * The cancel spin lock (cancel.c) is the drivers' as much as ours: it is
 * never held while taking either of these.
 */
#ifndef KELAB_IOP_H
#define KELAB_IOP_H

#include "io.h"

#define IOP_MAX_NAME 64 /* characters in a driver or device name */

/* Files, devices and drivers have the same rights, mapped the same way, as
   in NT (IoGetFileObjectGenericMapping). */
#define IOP_FILE_MAPPING                                                                           \
    {                                                                                              \
        FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS               \
    }

/* Pool tags of what the I/O manager allocates ("Irp ", "SBuf", ...). */
#define IOP_TAG_IRP           ' prI'
#define IOP_TAG_SYSTEM_BUFFER 'fuBS'
#define IOP_TAG_INTERRUPT     'rtnI'
#define IOP_TAG_MDL           ' ldM'

/* A name the I/O manager keeps: the UTF-16 original and an ASCII copy
   for the shell and the `objects` command. */
typedef struct _IOP_NAME {
    UNICODE_STRING String;
    WCHAR Buffer[IOP_MAX_NAME];
    CHAR Display[IOP_MAX_NAME + 1];
} IOP_NAME;

/* Copies Source into Name; FALSE if it is too long. */
BOOLEAN IopSetName(IOP_NAME *Name, PCUNICODE_STRING Source);

/* The body of a driver object. */
typedef struct _IOP_DRIVER {
    DRIVER_OBJECT Driver;
    DRIVER_EXTENSION Extension;
    LIST_ENTRY DriverListEntry; /* IopDatabaseLock: IopDriverList, while loaded */
    IOP_NAME Name;
} IOP_DRIVER;

/* The I/O manager's part of a device (NT: EXTENDED_DEVOBJ_EXTENSION).
   DEVICE_OBJECT.DeviceObjectExtension points here; it starts with the
   public DEVOBJ_EXTENSION. */
typedef struct _EXTENDED_DEVOBJ_EXTENSION {
    CSHORT Type;
    USHORT Size;
    PDEVICE_OBJECT DeviceObject;
    PDEVICE_OBJECT AttachedTo;  /* IopDatabaseLock: the device below, NULL at the bottom */
    LIST_ENTRY DeviceListEntry; /* IopDatabaseLock: IopDeviceList, until IoDeleteDevice */
    BOOLEAN DeletePending;      /* IopDatabaseLock: IoDeleteDevice was called */
    BOOLEAN Named;              /* set once at creation */
    IOP_NAME Name;
    struct _IOP_DEVICE_NODE *DeviceNode; /* a PDO's place in the device tree (pnp.c) */
} EXTENDED_DEVOBJ_EXTENSION, *PEXTENDED_DEVOBJ_EXTENSION;

static inline PEXTENDED_DEVOBJ_EXTENSION IopDeviceExtension(PDEVICE_OBJECT DeviceObject)
{
    return (PEXTENDED_DEVOBJ_EXTENSION)DeviceObject->DeviceObjectExtension;
}

static inline IOP_DRIVER *IopDriver(PDRIVER_OBJECT DriverObject)
{
    return CONTAINING_RECORD(DriverObject, IOP_DRIVER, Driver);
}

/* Every IRP is allocated with this in front of it. */
typedef struct _IOP_IRP_HEADER {
    LIST_ENTRY IrpListEntry; /* IopIrpListLock: IopIrpList, from IoAllocateIrp to IoFreeIrp */
} IOP_IRP_HEADER;

extern KSPIN_LOCK IopDatabaseLock;
extern LIST_ENTRY IopDriverList; /* IopDatabaseLock: IOP_DRIVER.DriverListEntry */
extern LIST_ENTRY IopDeviceList; /* IopDatabaseLock: EXTENDED_DEVOBJ_EXTENSION.DeviceListEntry */
extern KSPIN_LOCK IopIrpListLock;
extern LIST_ENTRY IopIrpList; /* IopIrpListLock: IOP_IRP_HEADER.IrpListEntry */

/* builtin.c: loads every built-in driver (KELAB_BUILTIN_DRIVER) that is
   not loaded, in their load order; returns how many failed (each is
   reported on the console). PnP drivers (KELAB_PNP_DRIVER) wait for a
   device. */
ULONG IopLoadBuiltinDrivers(VOID);
/* The PnP driver that declares Id (loaded if it was not), referenced;
   NULL if none does or it did not load (*Status says why). */
PDRIVER_OBJECT IopLoadPnpDriver(PCWSTR Id, NTSTATUS *Status);

/* ---- Plug and Play (pnp.c, pnpres.c, pnproot.c) ----------------------- */

/* Where a device is in its life, as the `devnodes` command shows it. */
typedef enum _IOP_NODE_STATE {
    IopNodeNew,      /* reported, not yet looked at */
    IopNodeStarted,  /* its driver has it */
    IopNodeNoDriver, /* no driver declares its IDs */
    IopNodeFailed,   /* AddDevice or start failed: Problem says how */
    IopNodeRemoved,  /* gone, waiting to be freed */
} IOP_NODE_STATE;

/* One device in the tree (NT's DEVICE_NODE): the PDO its bus reported,
   what it said about itself, the driver it got, its resources. Changed
   only by the PnP thread; the fields the shell and IoConnectInterruptEx
   read are written before the node is linked, or under IopPnpLock. */
typedef struct _IOP_DEVICE_NODE {
    PDEVICE_OBJECT Pdo; /* referenced while the node lives */
    struct _IOP_DEVICE_NODE *Parent;
    LIST_ENTRY Children;     /* IopPnpLock */
    LIST_ENTRY SiblingEntry; /* IopPnpLock: on the parent's Children */
    LIST_ENTRY QueueEntry;   /* IopPnpLock: on IopPnpQueue while Queued */
    BOOLEAN Queued;          /* IopPnpLock */
    BOOLEAN Reported;        /* in its bus's latest relations (PnP thread) */
    IOP_NODE_STATE State;    /* IopPnpLock */
    NTSTATUS Problem;
    PWSTR DeviceId;                      /* from pool, or NULL */
    PWSTR InstanceId;                    /* from pool, or NULL */
    PWSTR HardwareIds;                   /* strings ending with an empty one, from pool, or NULL */
    PWSTR CompatibleIds;                 /* likewise */
    PDRIVER_OBJECT Driver;               /* the function driver, referenced */
    PCM_RESOURCE_LIST Raw, Translated;   /* what it was started with, or NULL */
    PIO_INTERRUPT_MESSAGE_INFO Messages; /* what IoConnectInterruptEx connected */
} IOP_DEVICE_NODE, *PIOP_DEVICE_NODE;

extern KSPIN_LOCK IopPnpLock;
extern PIOP_DEVICE_NODE IopRootNode; /* set once at start */

/* pnp.c */
VOID IopInitializePnp(VOID);
PIOP_DEVICE_NODE IopDeviceNode(PDEVICE_OBJECT Pdo);
/* Sends a PnP IRP (minor Minor, parameters from Parameters if not NULL)
   to the top of Pdo's stack and waits for it; *Information gets its
   answer. PASSIVE_LEVEL. */
NTSTATUS IopSendPnpIrp(PDEVICE_OBJECT Pdo, UCHAR Minor, const IO_STACK_LOCATION *Parameters,
                       PULONG_PTR Information);
/* "PCI\VEN_1B36&DEV_000D" in an ASCII buffer for messages. */
VOID IopIdToAscii(PCWSTR Id, PSTR Buffer, SIZE_T cbBuffer);

/* pnpres.c: resources granted from requirements, and given back. */
NTSTATUS IopAssignResources(PIOP_DEVICE_NODE Node, PIO_RESOURCE_REQUIREMENTS_LIST Requirements);
VOID IopReleaseResources(PIOP_DEVICE_NODE Node);

/* pnproot.c: the root of the tree, and the devices no bus reports but
   the machine has (the PCI host bridge). */
NTSTATUS IopCreateRootDevice(PDEVICE_OBJECT *RootPdo);

/* driver.c */
/* IoCreateDriver, which also says which driver object it made: on
   success *DriverObject is the loaded driver (no extra reference: it
   lives until IoDeleteDriver). */
NTSTATUS IopLoadDriver(PCUNICODE_STRING Name, PDRIVER_INITIALIZE DriverEntry,
                       PDRIVER_OBJECT *DriverObject);
/* The loaded driver of that name, referenced; or NULL. */
PDRIVER_OBJECT IopReferenceDriverByName(PCUNICODE_STRING Name);

/* device.c */
/* TRUE if a device of the driver, or one in the same stack, is open, or
   another device is attached above one of the driver's. */
BOOLEAN IopIsDriverInUse(PDRIVER_OBJECT DriverObject);
/* The device below, NULL at the bottom of its stack. Database lock held. */
PDEVICE_OBJECT IopLowerDevice(PDEVICE_OBJECT DeviceObject);
/* One open of the device fewer (its file object went); a deleted device
   leaves its driver with its last open. */
VOID IopCloseDevice(PDEVICE_OBJECT DeviceObject);

/* namespace.c: \Device\... names. */
/* The named device (not deleted), or NULL. Database lock held. */
PDEVICE_OBJECT IopFindDevice(PCUNICODE_STRING Name);
/* The named device, referenced; or NULL. */
PDEVICE_OBJECT IopReferenceDeviceByName(PCUNICODE_STRING Name);

/* cancel.c */
VOID IopInitializeCancel(VOID);

/* build.c: how an IRP that went all the way up is handed back to the
   thread that asked for it: a kernel APC in that thread. */
VOID IopCompleteToThread(PIRP Irp, CCHAR PriorityBoost);

/* irp.c: the memory of an IRP, without the checks IoFreeIrp makes. */
VOID IopFreeIrp(PIRP Irp);

/* shell.c helpers */
PCSTR IopMajorFunctionName(UCHAR MajorFunction);

#endif
