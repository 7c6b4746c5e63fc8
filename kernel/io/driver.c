/*
 * driver.c: driver objects, loading and unloading.
 *
 * A driver is known to the kernel by its driver object: a name
 * (\Driver\TimerDev), the table of dispatch routines its DriverEntry
 * fills in (MajorFunction, one per IRP_MJ_* code), its AddDevice and
 * DriverUnload, and the list of its devices. Windows loads a driver's
 * image and calls its DriverEntry; KeLab's drivers are linked into the
 * kernel, so loading one is creating its object and calling DriverEntry,
 * as IoCreateDriver does (builtin.c loads the built-in ones), and
 * unloading one is IoDeleteDriver.
 *
 * Each device holds a reference to its driver object; the list of loaded
 * drivers holds one more, dropped when the driver is unloaded.
 */
#include "iop.h"
#include "ob.h"

LIST_ENTRY IopDriverList = {&IopDriverList, &IopDriverList};

static OBJECT_TYPE IopDriverObjectType = {"Driver", 'virD', NULL, 0};

/* What every MajorFunction entry starts as: a request the driver does not
   handle fails at once. */
static NTSTATUS IopInvalidDeviceRequest(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_INVALID_DEVICE_REQUEST;
}

/* Database lock held. */
static PDRIVER_OBJECT IopFindDriver(PCUNICODE_STRING Name)
{
    for (PLIST_ENTRY e = IopDriverList.Flink; e != &IopDriverList; e = e->Flink) {
        IOP_DRIVER *driver = CONTAINING_RECORD(e, IOP_DRIVER, DriverListEntry);
        if (RtlEqualUnicodeString(&driver->Name.String, Name, TRUE))
            return &driver->Driver;
    }
    return NULL;
}

PDRIVER_OBJECT IopReferenceDriverByName(PCUNICODE_STRING Name)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    PDRIVER_OBJECT driver = IopFindDriver(Name);
    if (driver != NULL)
        ObReferenceObject(driver);
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    return driver;
}

/* A new driver object named Name, on the list of loaded drivers. */
static NTSTATUS IopCreateDriverObject(PCUNICODE_STRING Name, PDRIVER_INITIALIZE DriverEntry,
                                      IOP_DRIVER **Driver)
{
    IOP_DRIVER *driver;
    NTSTATUS status =
        ObCreateObject(&IopDriverObjectType, sizeof(IOP_DRIVER), NULL, (PVOID *)&driver);
    if (!NT_SUCCESS(status))
        return status;
    if (!IopSetName(&driver->Name, Name)) {
        ObDereferenceObject(driver);
        return STATUS_OBJECT_NAME_INVALID;
    }
    OBJECT_TO_OBJECT_HEADER(driver)->Name = driver->Name.Display;
    PDRIVER_OBJECT object = &driver->Driver;
    object->Type = IO_TYPE_DRIVER;
    object->Size = sizeof(DRIVER_OBJECT);
    object->DriverExtension = &driver->Extension;
    object->DriverExtension->DriverObject = object;
    object->DriverName = driver->Name.String;
    object->DriverInit = DriverEntry;
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        object->MajorFunction[i] = IopInvalidDeviceRequest;

    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    if (IopFindDriver(Name) != NULL) {
        KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
        ObDereferenceObject(driver);
        return STATUS_OBJECT_NAME_COLLISION;
    }
    InsertTailList(&IopDriverList, &driver->DriverListEntry);
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    *Driver = driver;
    return STATUS_SUCCESS;
}

static VOID IopRemoveDriverObject(IOP_DRIVER *Driver)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    RemoveEntryList(&Driver->DriverListEntry);
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    ObDereferenceObject(Driver);
}

/* The devices a DriverEntry created are ready when it returns. */
static VOID IopFinishDeviceInitialization(PDRIVER_OBJECT DriverObject)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    for (PDEVICE_OBJECT d = DriverObject->DeviceObject; d != NULL; d = d->NextDevice)
        d->Flags &= ~DO_DEVICE_INITIALIZING;
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
}

PAGEABLE_CODE NTSTATUS IopLoadDriver(PCUNICODE_STRING Name, PDRIVER_INITIALIZE DriverEntry,
                                     PDRIVER_OBJECT *DriverObject)
{
    PAGED_CODE();
    IOP_DRIVER *driver;
    NTSTATUS status = IopCreateDriverObject(Name, DriverEntry, &driver);
    if (!NT_SUCCESS(status))
        return status;
    status = DriverEntry(&driver->Driver, NULL);
    if (!NT_SUCCESS(status)) { /* a failing DriverEntry has undone its own work */
        IopRemoveDriverObject(driver);
        return status;
    }
    IopFinishDeviceInitialization(&driver->Driver);
    *DriverObject = &driver->Driver;
    return STATUS_SUCCESS;
}

PAGEABLE_CODE NTSTATUS IoCreateDriver(PUNICODE_STRING DriverName,
                                      PDRIVER_INITIALIZE InitializationFunction)
{
    PAGED_CODE();
    if (DriverName == NULL)
        return STATUS_OBJECT_NAME_INVALID; /* NT would make one up; KeLab asks for it */
    PDRIVER_OBJECT driver;
    return IopLoadDriver(DriverName, InitializationFunction, &driver);
}

PAGEABLE_CODE NTSTATUS IoDeleteDriver(PDRIVER_OBJECT DriverObject)
{
    PAGED_CODE();
    if (DriverObject->DriverUnload == NULL)
        return STATUS_INVALID_DEVICE_REQUEST;
    if (IopIsDriverInUse(DriverObject))
        return STATUS_INVALID_DEVICE_STATE;
    DriverObject->DriverUnload(DriverObject);
    IopRemoveDriverObject(IopDriver(DriverObject));
    return STATUS_SUCCESS;
}
