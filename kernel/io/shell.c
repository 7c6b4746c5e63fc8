/*
 * shell.c: the I/O manager's shell commands.
 *
 *   drivers   every loaded driver: its entry points and devices
 *   devices   every device, then every stack from the bottom up
 *   irps      every outstanding IRP and its stack locations
 *
 * Each takes the lock of what it lists, so the picture is consistent;
 * the contents of an IRP being worked on may change while it is shown.
 */
#include "iop.h"
#include "ke.h"
#include "kd.h"

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

static PCSTR IopDeviceName(PDEVICE_OBJECT DeviceObject)
{
    PEXTENDED_DEVOBJ_EXTENSION ext = IopDeviceExtension(DeviceObject);
    return ext->Named ? ext->Name.Display : "(unnamed)";
}

static PCSTR IopDriverName(PDEVICE_OBJECT DeviceObject)
{
    return IopDriver(DeviceObject->DriverObject)->Name.Display;
}

/* The routine most of the table points to (IopInvalidDeviceRequest, or a
   filter's pass-through), then the entries that differ from it. */
static VOID IopPrintDispatchTable(PDRIVER_OBJECT Driver)
{
    PDRIVER_DISPATCH common = NULL;
    ULONG best = 0;
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++) {
        ULONG same = 0;
        for (ULONG j = 0; j <= IRP_MJ_MAXIMUM_FUNCTION; j++)
            same += Driver->MajorFunction[j] == Driver->MajorFunction[i];
        if (same > best) {
            best = same;
            common = Driver->MajorFunction[i];
        }
    }
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++) {
        if (Driver->MajorFunction[i] != common)
            DbgPrint("  IRP_MJ_%-24s %s\n", IopMajorFunctionName((UCHAR)i),
                     KeSymbolName(Driver->MajorFunction[i]));
    }
    DbgPrint("  %-31s %s\n", "every other IRP_MJ_*", KeSymbolName(common));
}

/* `drivers` */
static VOID IopShellDrivers(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    for (PLIST_ENTRY e = IopDriverList.Flink; e != &IopDriverList; e = e->Flink) {
        PDRIVER_OBJECT d = &CONTAINING_RECORD(e, IOP_DRIVER, DriverListEntry)->Driver;
        DbgPrint("%s  (driver object %p)\n", IopDriver(d)->Name.Display, d);
        DbgPrint("  DriverEntry %s, AddDevice %s, DriverUnload %s\n", KeSymbolName(d->DriverInit),
                 KeSymbolName(d->DriverExtension->AddDevice), KeSymbolName(d->DriverUnload));
        IopPrintDispatchTable(d);
        for (PDEVICE_OBJECT dev = d->DeviceObject; dev != NULL; dev = dev->NextDevice)
            DbgPrint("  device %p %s\n", dev, IopDeviceName(dev));
    }
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
}
KD_COMMAND(drivers, "", "loaded drivers: entry points, dispatch routines, devices",
           IopShellDrivers);

static VOID IopPrintFlags(ULONG Flags)
{
    DbgPrint("%s%s%s%s", Flags & DO_BUFFERED_IO ? " BUFFERED_IO" : "",
             Flags & DO_DIRECT_IO ? " DIRECT_IO" : "", Flags & DO_EXCLUSIVE ? " EXCLUSIVE" : "",
             Flags & DO_DEVICE_INITIALIZING ? " INITIALIZING" : "");
}

/* `devices` */
static VOID IopShellDevices(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    DbgPrint("%-18s %-20s %-18s %5s %4s %5s  %s\n", "device", "driver", "name", "type", "open",
             "stack", "flags");
    for (PLIST_ENTRY e = IopDeviceList.Flink; e != &IopDeviceList; e = e->Flink) {
        PDEVICE_OBJECT d =
            CONTAINING_RECORD(e, EXTENDED_DEVOBJ_EXTENSION, DeviceListEntry)->DeviceObject;
        DbgPrint("%p %-20s %-18s %5x %4d %5d ", d, IopDriverName(d), IopDeviceName(d),
                 d->DeviceType, d->ReferenceCount, d->StackSize);
        IopPrintFlags(d->Flags);
        DbgPrint("\n");
    }
    DbgPrint("Stacks, bottom to top:\n");
    for (PLIST_ENTRY e = IopDeviceList.Flink; e != &IopDeviceList; e = e->Flink) {
        PDEVICE_OBJECT d =
            CONTAINING_RECORD(e, EXTENDED_DEVOBJ_EXTENSION, DeviceListEntry)->DeviceObject;
        if (IopLowerDevice(d) != NULL)
            continue; /* shown in the stack of the device at its bottom */
        DbgPrint(" ");
        for (; d != NULL; d = d->AttachedDevice)
            DbgPrint(" %s %p (%s)%s", IopDeviceName(d), d, IopDriverName(d),
                     d->AttachedDevice ? " <-" : "");
        DbgPrint("\n");
    }
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
}
KD_COMMAND(devices, "", "devices, and the stacks they form", IopShellDevices);

static VOID IopPrintStackLocation(PIRP Irp, CHAR Location)
{
    PIO_STACK_LOCATION s = (PIO_STACK_LOCATION)(Irp + 1) + (Location - 1);
    BOOLEAN current = Location == Irp->CurrentLocation;
    DbgPrint("   %c[%d] %-24s %p", current ? '>' : ' ', Location,
             IopMajorFunctionName(s->MajorFunction), s->DeviceObject);
    if (s->DeviceObject != NULL)
        DbgPrint(" %s", IopDriverName(s->DeviceObject));
    if (s->Control & SL_PENDING_RETURNED)
        DbgPrint(" pending");
    if (s->CompletionRoutine != NULL)
        DbgPrint(" completion %s%s%s%s", KeSymbolName(s->CompletionRoutine),
                 s->Control & SL_INVOKE_ON_SUCCESS ? " success" : "",
                 s->Control & SL_INVOKE_ON_ERROR ? " error" : "",
                 s->Control & SL_INVOKE_ON_CANCEL ? " cancel" : "");
    DbgPrint("\n");
}

/* `irps`: locations from the top down; '>' marks the current one. */
static VOID IopShellIrps(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    ULONG count = 0;
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopIrpListLock, &oldIrql);
    for (PLIST_ENTRY e = IopIrpList.Flink; e != &IopIrpList; e = e->Flink, count++) {
        PIRP irp = (PIRP)(CONTAINING_RECORD(e, IOP_IRP_HEADER, IrpListEntry) + 1);
        DbgPrint("IRP %p  locations %d, current %d  status 0x%08X  flags 0x%x%s%s\n", irp,
                 irp->StackCount, irp->CurrentLocation, (ULONG)irp->IoStatus.Status, irp->Flags,
                 irp->Cancel ? "  cancelled" : "", irp->CancelRoutine ? "  cancelable" : "");
        if (irp->CurrentLocation > irp->StackCount + 1) {
            DbgPrint("    completed: its thread's APC has not run yet\n");
            continue;
        }
        if (irp->Tail.Overlay.Thread != NULL)
            DbgPrint("    for thread %p\n", irp->Tail.Overlay.Thread);
        for (CHAR location = irp->StackCount; location >= 1; location--)
            IopPrintStackLocation(irp, location);
    }
    KeReleaseSpinLock(&IopIrpListLock, oldIrql);
    DbgPrint("%u IRPs outstanding\n", count);
}
KD_COMMAND(irps, "", "outstanding IRPs with their stack locations", IopShellIrps);
