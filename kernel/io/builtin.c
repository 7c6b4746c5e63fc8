/*
 * builtin.c: the I/O manager's start, and the drivers built into KeLab.
 *
 * Windows reads the drivers to load from the registry and the PnP
 * manager builds each device stack bottom-up, calling the function
 * driver's AddDevice and then each upper filter's with the stack's PDO.
 * KeLab has neither registry nor bus drivers: this table is its registry.
 * Drivers load in its order; a driver that names a device here has its
 * AddDevice called with that device, and attaches itself on top of its
 * stack as a filter's AddDevice does on Windows.
 */
#include "io.h"
#include "ob.h"
#include "../../drivers/timerdev/timerdev.h"
#include "../../drivers/timerfilt/timerfilt.h"

typedef struct _IOP_BUILTIN_DRIVER {
    PCWSTR Name;
    PDRIVER_INITIALIZE DriverEntry;
    PCWSTR AddDeviceTo; /* the device whose stack its AddDevice joins, or NULL */
} IOP_BUILTIN_DRIVER;

static const IOP_BUILTIN_DRIVER IopBuiltinDrivers[] = {
    {L"\\Driver\\TimerDev", TimerDevDriverEntry, NULL},
    {L"\\Driver\\TimerFilt", TimerFiltDriverEntry, TIMER_DEVICE_NAME},
};

static NTSTATUS IopAddDevice(PDRIVER_OBJECT DriverObject, PCWSTR DeviceName)
{
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, DeviceName);
    PDEVICE_OBJECT device = IopReferenceDeviceByName(&name);
    if (device == NULL)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    NTSTATUS status = DriverObject->DriverExtension->AddDevice(DriverObject, device);
    ObDereferenceObject(device);
    return status;
}

static NTSTATUS IopLoadBuiltinDriver(const IOP_BUILTIN_DRIVER *Entry)
{
    PDRIVER_OBJECT driver;
    NTSTATUS status = IopLoadDriver(Entry->Name, Entry->DriverEntry, &driver);
    if (NT_SUCCESS(status) && Entry->AddDeviceTo != NULL)
        status = IopAddDevice(driver, Entry->AddDeviceTo);
    return status;
}

PAGEABLE_CODE ULONG IopLoadBuiltinDrivers(VOID)
{
    PAGED_CODE();
    ULONG failed = 0;
    for (ULONG i = 0; i < ARRAYSIZE(IopBuiltinDrivers); i++) {
        UNICODE_STRING name;
        RtlInitUnicodeString(&name, IopBuiltinDrivers[i].Name);
        PDRIVER_OBJECT loaded = IopReferenceDriverByName(&name);
        if (loaded != NULL) {
            ObDereferenceObject(loaded);
            continue;
        }
        NTSTATUS status = IopLoadBuiltinDriver(&IopBuiltinDrivers[i]);
        if (!NT_SUCCESS(status)) {
            IOP_NAME display;
            IopSetName(&display, &name);
            DbgPrint("I/O: %s did not load: status 0x%08X\n", display.Display, (ULONG)status);
            failed++;
        }
    }
    return failed;
}

VOID IoInitSystem(VOID)
{
    KeLabNameSpinLock(&IopDatabaseLock, "IoDatabase");
    KeLabNameSpinLock(&IopIrpListLock, "IrpList");
    IopInitializeCancel();
    IopLoadBuiltinDrivers();
}
