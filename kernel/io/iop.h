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
   reported on the console). */
ULONG IopLoadBuiltinDrivers(VOID);

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
