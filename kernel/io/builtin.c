/*
 * builtin.c: the I/O manager's start, and the drivers built into KeLab.
 *
 * Windows reads the drivers to load from the registry and the PnP
 * manager builds each device stack bottom-up, calling the function
 * driver's AddDevice and then each upper filter's with the stack's PDO.
 * KeLab has neither registry nor bus drivers: each driver linked into the
 * kernel registers itself with KELAB_BUILTIN_DRIVER (wdm.h), and the
 * linker gathers the entries between __kdrivers_start and __kdrivers_end.
 * They load in ascending load order; a driver that names a device has its
 * AddDevice called with that device, and attaches itself on top of its
 * stack as a filter's AddDevice does on Windows. The kernel names no
 * driver: adding one is adding its files under drivers/.
 */
#include "iop.h"
#include "ob.h"

extern const KELAB_BUILTIN_DRIVER_ENTRY __kdrivers_start[], __kdrivers_end[];

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

static NTSTATUS IopLoadBuiltinDriver(const KELAB_BUILTIN_DRIVER_ENTRY *Entry, PCUNICODE_STRING Name)
{
    PDRIVER_OBJECT driver;
    NTSTATUS status = IopLoadDriver(Name, Entry->DriverEntry, &driver);
    if (NT_SUCCESS(status) && Entry->AddDeviceTo != NULL)
        status = IopAddDevice(driver, Entry->AddDeviceTo);
    return status;
}

/* Does A load before B? By load order; of the same order, in link order. */
static BOOLEAN IopLoadsBefore(const KELAB_BUILTIN_DRIVER_ENTRY *A,
                              const KELAB_BUILTIN_DRIVER_ENTRY *B)
{
    return A->LoadOrder < B->LoadOrder || (A->LoadOrder == B->LoadOrder && A < B);
}

/* The driver to load after Previous (NULL: the first one), or NULL. */
static const KELAB_BUILTIN_DRIVER_ENTRY *
IopNextBuiltinDriver(const KELAB_BUILTIN_DRIVER_ENTRY *Previous)
{
    const KELAB_BUILTIN_DRIVER_ENTRY *next = NULL;
    for (const KELAB_BUILTIN_DRIVER_ENTRY *e = __kdrivers_start; e < __kdrivers_end; e++) {
        if ((Previous == NULL || IopLoadsBefore(Previous, e)) &&
            (next == NULL || IopLoadsBefore(e, next)))
            next = e;
    }
    return next;
}

PAGEABLE_CODE ULONG IopLoadBuiltinDrivers(VOID)
{
    PAGED_CODE();
    ULONG failed = 0;
    for (const KELAB_BUILTIN_DRIVER_ENTRY *e = IopNextBuiltinDriver(NULL); e != NULL;
         e = IopNextBuiltinDriver(e)) {
        if (e->HardwareIds != NULL)
            continue; /* a PnP driver: loaded when a device needs it */
        UNICODE_STRING name;
        RtlInitUnicodeString(&name, e->Name);
        PDRIVER_OBJECT loaded = IopReferenceDriverByName(&name);
        if (loaded != NULL) {
            ObDereferenceObject(loaded);
            continue;
        }
        NTSTATUS status = IopLoadBuiltinDriver(e, &name);
        if (!NT_SUCCESS(status)) {
            IOP_NAME display;
            IopSetName(&display, &name);
            DbgPrint("I/O: %s did not load: status 0x%08X\n", display.Display, (ULONG)status);
            failed++;
        }
    }
    return failed;
}

/* Do two IDs name the same thing? Windows compares them ignoring case. */
static BOOLEAN IopSameId(PCWSTR A, PCWSTR B)
{
    for (;; A++, B++) {
        WCHAR a = (*A >= L'a' && *A <= L'z') ? *A - L'a' + L'A' : *A;
        WCHAR b = (*B >= L'a' && *B <= L'z') ? *B - L'a' + L'A' : *B;
        if (a != b)
            return FALSE;
        if (a == 0)
            return TRUE;
    }
}

PDRIVER_OBJECT IopLoadPnpDriver(PCWSTR Id, NTSTATUS *Status)
{
    for (const KELAB_BUILTIN_DRIVER_ENTRY *e = __kdrivers_start; e < __kdrivers_end; e++) {
        for (const PCWSTR *id = e->HardwareIds; id != NULL && *id != NULL; id++) {
            if (!IopSameId(*id, Id))
                continue;
            UNICODE_STRING name;
            PDRIVER_OBJECT driver;
            RtlInitUnicodeString(&name, e->Name);
            driver = IopReferenceDriverByName(&name);
            if (driver != NULL)
                return driver;
            *Status = IopLoadDriver(&name, e->DriverEntry, &driver);
            if (!NT_SUCCESS(*Status))
                return NULL;
            ObReferenceObject(driver);
            return driver;
        }
    }
    *Status = STATUS_NOT_FOUND;
    return NULL;
}

VOID IoInitSystem(VOID)
{
    KeLabNameSpinLock(&IopDatabaseLock, "IoDatabase");
    KeLabNameSpinLock(&IopIrpListLock, "IrpList");
    IopInitializeCancel();
    IopLoadBuiltinDrivers();
    IopInitializePnp();
}
