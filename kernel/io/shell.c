/*
 * shell.c: the I/O manager's shell commands.
 *
 *   drivers   every loaded driver: its entry points and devices
 *   devices   every device, then every stack from the bottom up
 *   irps      every outstanding IRP and its stack locations
 *
 * Each copies what it lists under the lock that protects it (the
 * database lock, then the IRP list's), so the picture is consistent,
 * and prints the copy once the locks are released. The copy holds names,
 * not pointers to them: a driver may be unloaded, a device deleted, an
 * IRP freed by the time a line is printed. The contents of an IRP being
 * worked on may change while it is copied.
 */
#include "iop.h"
#include "ke.h"
#include "kd.h"

#define IOP_SHELL_MAX_DRIVERS    32
#define IOP_SHELL_MAX_DEVICES    64
#define IOP_SHELL_DRIVER_DEVICES 4 /* devices named per driver */
#define IOP_SHELL_MAX_IRPS       64
#define IOP_SHELL_LOCATIONS      8 /* stack locations shown per IRP */

static const char *const IopMajorFunctionNames[IRP_MJ_MAXIMUM_FUNCTION + 1] = {
    "CREATE",
    "CREATE_NAMED_PIPE",
    "CLOSE",
    "READ",
    "WRITE",
    "QUERY_INFORMATION",
    "SET_INFORMATION",
    "QUERY_EA",
    "SET_EA",
    "FLUSH_BUFFERS",
    "QUERY_VOLUME_INFORMATION",
    "SET_VOLUME_INFORMATION",
    "DIRECTORY_CONTROL",
    "FILE_SYSTEM_CONTROL",
    "DEVICE_CONTROL",
    "INTERNAL_DEVICE_CONTROL",
    "SHUTDOWN",
    "LOCK_CONTROL",
    "CLEANUP",
    "CREATE_MAILSLOT",
    "QUERY_SECURITY",
    "SET_SECURITY",
    "POWER",
    "SYSTEM_CONTROL",
    "DEVICE_CHANGE",
    "QUERY_QUOTA",
    "SET_QUOTA",
    "PNP",
};

PCSTR IopMajorFunctionName(UCHAR MajorFunction)
{
    return MajorFunction <= IRP_MJ_MAXIMUM_FUNCTION ? IopMajorFunctionNames[MajorFunction] : "?";
}

/* A name to print, copied; "(unnamed)" for a device without one. */
typedef CHAR IOP_SHELL_NAME[IOP_MAX_NAME + 1];

static VOID IopCopyDeviceName(IOP_SHELL_NAME Copy, PDEVICE_OBJECT DeviceObject)
{
    PEXTENDED_DEVOBJ_EXTENSION ext = IopDeviceExtension(DeviceObject);
    RtlStringCbCopyA(Copy, sizeof(IOP_SHELL_NAME), ext->Named ? ext->Name.Display : "(unnamed)");
}

static VOID IopCopyDriverName(IOP_SHELL_NAME Copy, PDEVICE_OBJECT DeviceObject)
{
    RtlStringCbCopyA(Copy, sizeof(IOP_SHELL_NAME),
                     IopDriver(DeviceObject->DriverObject)->Name.Display);
}

/* ---- `drivers` ----------------------------------------------------------------- */

typedef struct _IOP_DRIVER_SNAPSHOT {
    PDRIVER_OBJECT Driver;
    IOP_SHELL_NAME Name;
    PDRIVER_INITIALIZE DriverInit;
    PDRIVER_ADD_DEVICE AddDevice;
    PDRIVER_UNLOAD DriverUnload;
    PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
    ULONG DeviceCount;
    struct {
        PDEVICE_OBJECT Device;
        IOP_SHELL_NAME Name;
    } Devices[IOP_SHELL_DRIVER_DEVICES];
} IOP_DRIVER_SNAPSHOT;

static VOID IopSnapshotDriver(IOP_DRIVER_SNAPSHOT *Copy, PDRIVER_OBJECT Driver)
{
    Copy->Driver = Driver;
    RtlStringCbCopyA(Copy->Name, sizeof(Copy->Name), IopDriver(Driver)->Name.Display);
    Copy->DriverInit = Driver->DriverInit;
    Copy->AddDevice = Driver->DriverExtension->AddDevice;
    Copy->DriverUnload = Driver->DriverUnload;
    RtlCopyMemory(Copy->MajorFunction, Driver->MajorFunction, sizeof(Copy->MajorFunction));
    Copy->DeviceCount = 0;
    for (PDEVICE_OBJECT d = Driver->DeviceObject; d != NULL;
         d = d->NextDevice, Copy->DeviceCount++) {
        if (Copy->DeviceCount < IOP_SHELL_DRIVER_DEVICES) {
            Copy->Devices[Copy->DeviceCount].Device = d;
            IopCopyDeviceName(Copy->Devices[Copy->DeviceCount].Name, d);
        }
    }
}

static ULONG IopSnapshotDrivers(IOP_DRIVER_SNAPSHOT *Drivers, ULONG Capacity)
{
    ULONG count = 0;
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    for (PLIST_ENTRY e = IopDriverList.Flink; e != &IopDriverList; e = e->Flink, count++) {
        if (count < Capacity)
            IopSnapshotDriver(&Drivers[count],
                              &CONTAINING_RECORD(e, IOP_DRIVER, DriverListEntry)->Driver);
    }
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    return count;
}

/* The routine most of the table points to (IopInvalidDeviceRequest, or a
   filter's pass-through), then the entries that differ from it. */
static VOID IopPrintDispatchTable(const PDRIVER_DISPATCH Table[IRP_MJ_MAXIMUM_FUNCTION + 1])
{
    PDRIVER_DISPATCH common = NULL;
    ULONG best = 0;
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++) {
        ULONG same = 0;
        for (ULONG j = 0; j <= IRP_MJ_MAXIMUM_FUNCTION; j++)
            same += Table[j] == Table[i];
        if (same > best) {
            best = same;
            common = Table[i];
        }
    }
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++) {
        if (Table[i] != common)
            DbgPrint("  IRP_MJ_%-24s %s\n", IopMajorFunctionName((UCHAR)i), KeSymbolName(Table[i]));
    }
    DbgPrint("  %-31s %s\n", "every other IRP_MJ_*", KeSymbolName(common));
}

static VOID IopPrintDriver(const IOP_DRIVER_SNAPSHOT *d)
{
    DbgPrint("%s  (driver object %p)\n", d->Name, d->Driver);
    DbgPrint("  DriverEntry %s, AddDevice %s, DriverUnload %s\n", KeSymbolName(d->DriverInit),
             KeSymbolName(d->AddDevice), KeSymbolName(d->DriverUnload));
    IopPrintDispatchTable(d->MajorFunction);
    ULONG shown = KdShown(d->DeviceCount, IOP_SHELL_DRIVER_DEVICES);
    for (ULONG i = 0; i < shown; i++)
        DbgPrint("  device %p %s\n", d->Devices[i].Device, d->Devices[i].Name);
    KdPrintNotShown(d->DeviceCount, shown, "devices");
}

/* `drivers` */
static VOID IopShellDrivers(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    IOP_DRIVER_SNAPSHOT *drivers =
        KdAllocateSnapshot(Argv[0], IOP_SHELL_MAX_DRIVERS, sizeof(IOP_DRIVER_SNAPSHOT));
    if (drivers == NULL)
        return;
    ULONG count = IopSnapshotDrivers(drivers, IOP_SHELL_MAX_DRIVERS);
    ULONG shown = KdShown(count, IOP_SHELL_MAX_DRIVERS);
    for (ULONG i = 0; i < shown; i++)
        IopPrintDriver(&drivers[i]);
    KdPrintNotShown(count, shown, "drivers");
    KdFreeSnapshot(drivers);
}
KD_COMMAND(drivers, "", "loaded drivers: entry points, dispatch routines, devices",
           IopShellDrivers);

/* ---- `devices` ----------------------------------------------------------------- */

typedef struct _IOP_DEVICE_SNAPSHOT {
    PDEVICE_OBJECT Device;
    PDEVICE_OBJECT AttachedDevice; /* the one above it */
    BOOLEAN AtBottom;
    IOP_SHELL_NAME Driver, Name;
    DEVICE_TYPE Type;
    LONG ReferenceCount;
    CCHAR StackSize;
    ULONG Flags;
} IOP_DEVICE_SNAPSHOT;

static ULONG IopSnapshotDevices(IOP_DEVICE_SNAPSHOT *Devices, ULONG Capacity)
{
    ULONG count = 0;
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    for (PLIST_ENTRY e = IopDeviceList.Flink; e != &IopDeviceList; e = e->Flink, count++) {
        if (count >= Capacity)
            continue; /* counted, not copied */
        PDEVICE_OBJECT d =
            CONTAINING_RECORD(e, EXTENDED_DEVOBJ_EXTENSION, DeviceListEntry)->DeviceObject;
        IOP_DEVICE_SNAPSHOT *copy = &Devices[count];
        *copy = (IOP_DEVICE_SNAPSHOT){.Device = d,
                                      .AttachedDevice = d->AttachedDevice,
                                      .AtBottom = IopLowerDevice(d) == NULL,
                                      .Type = d->DeviceType,
                                      .ReferenceCount = d->ReferenceCount,
                                      .StackSize = d->StackSize,
                                      .Flags = d->Flags};
        IopCopyDriverName(copy->Driver, d);
        IopCopyDeviceName(copy->Name, d);
    }
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    return count;
}

static const IOP_DEVICE_SNAPSHOT *IopFindCopy(const IOP_DEVICE_SNAPSHOT *Devices, ULONG Count,
                                              PDEVICE_OBJECT Device)
{
    for (ULONG i = 0; i < Count; i++) {
        if (Devices[i].Device == Device)
            return &Devices[i];
    }
    return NULL;
}

static VOID IopPrintFlags(ULONG Flags)
{
    DbgPrint("%s%s%s%s", Flags & DO_BUFFERED_IO ? " BUFFERED_IO" : "",
             Flags & DO_DIRECT_IO ? " DIRECT_IO" : "", Flags & DO_EXCLUSIVE ? " EXCLUSIVE" : "",
             Flags & DO_DEVICE_INITIALIZING ? " INITIALIZING" : "");
}

/* Each stack from its bottom device up, through the copies. */
static VOID IopPrintStacks(const IOP_DEVICE_SNAPSHOT *Devices, ULONG Count)
{
    DbgPrint("Stacks, bottom to top:\n");
    for (ULONG i = 0; i < Count; i++) {
        if (!Devices[i].AtBottom)
            continue; /* shown in the stack of the device at its bottom */
        DbgPrint(" ");
        for (const IOP_DEVICE_SNAPSHOT *d = &Devices[i]; d != NULL;
             d = d->AttachedDevice ? IopFindCopy(Devices, Count, d->AttachedDevice) : NULL)
            DbgPrint(" %s %p (%s)%s", d->Name, d->Device, d->Driver,
                     d->AttachedDevice ? " <-" : "");
        DbgPrint("\n");
    }
}

/* `devices` */
static VOID IopShellDevices(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    IOP_DEVICE_SNAPSHOT *devices =
        KdAllocateSnapshot(Argv[0], IOP_SHELL_MAX_DEVICES, sizeof(IOP_DEVICE_SNAPSHOT));
    if (devices == NULL)
        return;
    ULONG count = IopSnapshotDevices(devices, IOP_SHELL_MAX_DEVICES);
    ULONG shown = KdShown(count, IOP_SHELL_MAX_DEVICES);
    DbgPrint("%-18s %-20s %-18s %5s %4s %5s  %s\n", "device", "driver", "name", "type", "open",
             "stack", "flags");
    for (ULONG i = 0; i < shown; i++) {
        const IOP_DEVICE_SNAPSHOT *d = &devices[i];
        DbgPrint("%p %-20s %-18s %5x %4d %5d ", d->Device, d->Driver, d->Name, d->Type,
                 d->ReferenceCount, d->StackSize);
        IopPrintFlags(d->Flags);
        DbgPrint("\n");
    }
    KdPrintNotShown(count, shown, "devices");
    IopPrintStacks(devices, shown);
    KdFreeSnapshot(devices);
}
KD_COMMAND(devices, "", "devices, and the stacks they form", IopShellDevices);

/* ---- `irps` -------------------------------------------------------------------- */

typedef struct _IOP_LOCATION_SNAPSHOT {
    UCHAR MajorFunction;
    UCHAR Control;
    PDEVICE_OBJECT Device;
    IOP_SHELL_NAME Driver;
    PIO_COMPLETION_ROUTINE CompletionRoutine;
} IOP_LOCATION_SNAPSHOT;

typedef struct _IOP_IRP_SNAPSHOT {
    PIRP Irp;
    CCHAR StackCount, CurrentLocation;
    NTSTATUS Status;
    ULONG Flags;
    BOOLEAN Cancel, Cancelable;
    PVOID Thread;
    IOP_LOCATION_SNAPSHOT Locations[IOP_SHELL_LOCATIONS]; /* [0] is location 1 */
} IOP_IRP_SNAPSHOT;

/* Both locks held: the IRP list's keeps the IRP, the database lock the
   devices and drivers its locations name. */
static VOID IopSnapshotIrp(IOP_IRP_SNAPSHOT *Copy, PIRP Irp)
{
    *Copy = (IOP_IRP_SNAPSHOT){.Irp = Irp,
                               .StackCount = Irp->StackCount,
                               .CurrentLocation = Irp->CurrentLocation,
                               .Status = Irp->IoStatus.Status,
                               .Flags = Irp->Flags,
                               .Cancel = Irp->Cancel,
                               .Cancelable = Irp->CancelRoutine != NULL,
                               .Thread = Irp->Tail.Overlay.Thread};
    if (Irp->CurrentLocation > Irp->StackCount + 1)
        return; /* completed: the thread's APC overlays the locations */
    for (CHAR location = 1; location <= Irp->StackCount && location <= IOP_SHELL_LOCATIONS;
         location++) {
        PIO_STACK_LOCATION s = (PIO_STACK_LOCATION)(Irp + 1) + (location - 1);
        IOP_LOCATION_SNAPSHOT *copy = &Copy->Locations[location - 1];
        copy->MajorFunction = s->MajorFunction;
        copy->Control = s->Control;
        copy->Device = s->DeviceObject;
        copy->CompletionRoutine = s->CompletionRoutine;
        copy->Driver[0] = 0;
        if (s->DeviceObject != NULL)
            IopCopyDriverName(copy->Driver, s->DeviceObject);
    }
}

static ULONG IopSnapshotIrps(IOP_IRP_SNAPSHOT *Irps, ULONG Capacity)
{
    ULONG count = 0;
    KIRQL oldIrql, listIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    KeAcquireSpinLock(&IopIrpListLock, &listIrql);
    for (PLIST_ENTRY e = IopIrpList.Flink; e != &IopIrpList; e = e->Flink, count++) {
        if (count < Capacity)
            IopSnapshotIrp(&Irps[count],
                           (PIRP)(CONTAINING_RECORD(e, IOP_IRP_HEADER, IrpListEntry) + 1));
    }
    KeReleaseSpinLock(&IopIrpListLock, listIrql);
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    return count;
}

static VOID IopPrintStackLocation(const IOP_IRP_SNAPSHOT *Irp, CHAR Location)
{
    const IOP_LOCATION_SNAPSHOT *s = &Irp->Locations[Location - 1];
    BOOLEAN current = Location == Irp->CurrentLocation;
    DbgPrint("   %c[%d] %-24s %p", current ? '>' : ' ', Location,
             IopMajorFunctionName(s->MajorFunction), s->Device);
    if (s->Device != NULL)
        DbgPrint(" %s", s->Driver);
    if (s->Control & SL_PENDING_RETURNED)
        DbgPrint(" pending");
    if (s->CompletionRoutine != NULL)
        DbgPrint(" completion %s%s%s%s", KeSymbolName(s->CompletionRoutine),
                 s->Control & SL_INVOKE_ON_SUCCESS ? " success" : "",
                 s->Control & SL_INVOKE_ON_ERROR ? " error" : "",
                 s->Control & SL_INVOKE_ON_CANCEL ? " cancel" : "");
    DbgPrint("\n");
}

static VOID IopPrintIrp(const IOP_IRP_SNAPSHOT *irp)
{
    DbgPrint("IRP %p  locations %d, current %d  status 0x%08X  flags 0x%x%s%s\n", irp->Irp,
             irp->StackCount, irp->CurrentLocation, (ULONG)irp->Status, irp->Flags,
             irp->Cancel ? "  cancelled" : "", irp->Cancelable ? "  cancelable" : "");
    if (irp->CurrentLocation > irp->StackCount + 1) {
        DbgPrint("    completed: its thread's APC has not run yet\n");
        return;
    }
    if (irp->Thread != NULL)
        DbgPrint("    for thread %p\n", irp->Thread);
    ULONG shown = KdShown((ULONG)irp->StackCount, IOP_SHELL_LOCATIONS);
    for (CHAR location = (CHAR)shown; location >= 1; location--)
        IopPrintStackLocation(irp, location);
    KdPrintNotShown((ULONG)irp->StackCount, shown, "locations");
}

/* `irps`: locations from the top down; '>' marks the current one. */
static VOID IopShellIrps(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    IOP_IRP_SNAPSHOT *irps =
        KdAllocateSnapshot(Argv[0], IOP_SHELL_MAX_IRPS, sizeof(IOP_IRP_SNAPSHOT));
    if (irps == NULL)
        return;
    ULONG count = IopSnapshotIrps(irps, IOP_SHELL_MAX_IRPS);
    ULONG shown = KdShown(count, IOP_SHELL_MAX_IRPS);
    for (ULONG i = 0; i < shown; i++)
        IopPrintIrp(&irps[i]);
    KdPrintNotShown(count, shown, "IRPs");
    DbgPrint("%u IRPs outstanding\n", count);
    KdFreeSnapshot(irps);
}
KD_COMMAND(irps, "", "outstanding IRPs with their stack locations", IopShellIrps);
