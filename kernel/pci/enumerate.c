/*
 * enumerate.c: the PCI bus driver's own device, the bus FDO, and the walk
 * over every bus, device and function.
 *
 * The PnP manager matches this driver on the host bridge and starts it;
 * starting the bus walks configuration space from bus 0, following
 * PCI-to-PCI bridges to the buses behind them (each bus once: a bridge
 * that lies about its secondary bus cannot make the walk loop). Each
 * function's BARs are sized with its decoding turned off (write all
 * ones, read back, restore: the bits that stay zero are the size), then
 * lib/pcicfg.c checks the whole configuration space. A function that
 * passes gets a PDO (\Device\NTPNP_PCInnnn, Windows' name for them); one
 * that lies is logged with the reason and gets none.
 */
#include "pcip.h"

KSPIN_LOCK PcipLock;
LIST_ENTRY PcipFunctions = {&PcipFunctions, &PcipFunctions};
static PPCIP_BUS PcipBus;   /* the one bus FDO: written once at AddDevice */
static ULONG PcipPdoNumber; /* the PnP thread's: numbers \Device\NTPNP_PCInnnn */

static ULONG PcipReadForParser(PVOID Context, ULONG Offset)
{
    return PcipRead32(Context, Offset);
}

/* The sizing probe of each BAR the header type has, decoding off. */
static VOID PcipProbeBars(PPCIP_FUNCTION Function, ULONG BarCount, ULONG Probes[PCICFG_MAX_BARS])
{
    USHORT command = PcipRead16(Function, PCICFG_COMMAND);
    PcipWrite16(Function, PCICFG_COMMAND, command & ~(PCICFG_COMMAND_IO | PCICFG_COMMAND_MEMORY));
    for (ULONG i = 0; i < PCICFG_MAX_BARS; i++) {
        Probes[i] = 0;
        if (i >= BarCount)
            continue;
        ULONG offset = PCICFG_BAR0 + 4 * i;
        ULONG original = PcipRead32(Function, offset);
        PcipWrite32(Function, offset, 0xFFFFFFFF);
        Probes[i] = PcipRead32(Function, offset);
        PcipWrite32(Function, offset, original);
    }
    PcipWrite16(Function, PCICFG_COMMAND, command);
}

/* "\Device\NTPNP_PCI0007" for the Number-th function. */
static VOID PcipPdoName(WCHAR Buffer[32], ULONG Number)
{
    CHAR ascii[32];
    RtlStringCbPrintfA(ascii, sizeof(ascii), "\\Device\\NTPNP_PCI%04u", Number);
    for (ULONG i = 0; i < sizeof(ascii); i++) {
        Buffer[i] = (WCHAR)ascii[i];
        if (ascii[i] == 0)
            break;
    }
}

static VOID PcipCreatePdo(PDRIVER_OBJECT Driver, PPCIP_FUNCTION Function, ULONG Number)
{
    WCHAR buffer[32];
    UNICODE_STRING name;
    PDEVICE_OBJECT pdo;
    PcipPdoName(buffer, Number);
    RtlInitUnicodeString(&name, buffer);
    if (!NT_SUCCESS(IoCreateDevice(Driver, sizeof(PCIP_PDO), &name, FILE_DEVICE_CONTROLLER, 0,
                                   FALSE, &pdo)))
        return;
    PPCIP_PDO extension = pdo->DeviceExtension;
    extension->IsFdo = FALSE;
    extension->Function = Function;
    Function->Pdo = pdo;
    pdo->Flags &= ~DO_DEVICE_INITIALIZING;
}

/* Reads and checks one function; FALSE if none answers there. */
static BOOLEAN PcipProbeFunction(PDRIVER_OBJECT Driver, ULONG Bus, ULONG Device, ULONG Fn,
                                 PPCIP_FUNCTION *Found)
{
    PCIP_FUNCTION probe = {.Bus = (UCHAR)Bus, .Device = (UCHAR)Device, .Function = (UCHAR)Fn};
    ULONG probes[PCICFG_MAX_BARS];
    KIRQL irql;

    *Found = NULL;
    if ((PcipRead32(&probe, PCICFG_VENDOR_ID) & 0xFFFF) == 0xFFFF)
        return FALSE;
    UCHAR header = (UCHAR)(PcipRead32(&probe, PCICFG_HEADER_TYPE & ~3u) >> 16) & 0x7F;
    PcipProbeBars(&probe, header == 0 ? 6 : header == 1 ? 2 : 0, probes);

    PPCIP_FUNCTION function = ExAllocatePoolWithTag(NonPagedPool, sizeof(*function), PCIP_TAG);
    if (function == NULL)
        return TRUE;
    *function = probe;
    function->Parsed = PciCfgParseFunction(PcipReadForParser, function, probes, &function->Config);
    if (NT_SUCCESS(function->Parsed))
        PcipCreatePdo(Driver, function, PcipPdoNumber++);
    else
        DbgPrint("pci %02x:%02x.%x %04x:%04x: refused: %s\n", Bus, Device, Fn,
                 function->Config.VendorId, function->Config.DeviceId, function->Config.Reason);
    KeAcquireSpinLock(&PcipLock, &irql);
    InsertTailList(&PcipFunctions, &function->Entry);
    KeReleaseSpinLock(&PcipLock, irql);
    *Found = function;
    return TRUE;
}

static VOID PcipScanBus(PDRIVER_OBJECT Driver, ULONG Bus, PRTL_BITMAP Seen)
{
    if (RtlTestBit(Seen, Bus))
        return;
    RtlSetBits(Seen, Bus, 1);
    for (ULONG device = 0; device < 32; device++) {
        for (ULONG fn = 0; fn < 8; fn++) {
            PPCIP_FUNCTION function;
            if (!PcipProbeFunction(Driver, Bus, device, fn, &function)) {
                if (fn == 0)
                    break; /* no function 0: no device */
                continue;
            }
            if (function != NULL && NT_SUCCESS(function->Parsed) &&
                function->Config.HeaderType == 1 && function->Config.SecondaryBus != 0)
                PcipScanBus(Driver, function->Config.SecondaryBus, Seen);
            if (fn == 0 && (function == NULL || !function->Config.MultiFunction))
                break;
        }
    }
}

NTSTATUS PcipEnumerate(PDRIVER_OBJECT Driver)
{
    ULONG bits[256 / 32] = {0};
    RTL_BITMAP seen;
    RtlInitializeBitMap(&seen, bits, 256);
    PcipScanBus(Driver, 0, &seen);
    IoInvalidateDeviceRelations(PcipBus->Pdo, BusRelations);
    return STATUS_SUCCESS;
}

NTSTATUS PcipBusRelations(PIRP Irp)
{
    ULONG count = 0;
    KIRQL irql;
    KeAcquireSpinLock(&PcipLock, &irql);
    for (PLIST_ENTRY e = PcipFunctions.Flink; e != &PcipFunctions; e = e->Flink)
        count += CONTAINING_RECORD(e, PCIP_FUNCTION, Entry)->Pdo != NULL;
    KeReleaseSpinLock(&PcipLock, irql);
    SIZE_T size = sizeof(DEVICE_RELATIONS) + (count ? count - 1 : 0) * sizeof(PDEVICE_OBJECT);
    PDEVICE_RELATIONS relations = ExAllocatePoolWithTag(NonPagedPool, size, PCIP_TAG);
    if (relations == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    relations->Count = 0;
    KeAcquireSpinLock(&PcipLock, &irql);
    for (PLIST_ENTRY e = PcipFunctions.Flink; e != &PcipFunctions && relations->Count < count;
         e = e->Flink) {
        PPCIP_FUNCTION function = CONTAINING_RECORD(e, PCIP_FUNCTION, Entry);
        if (function->Pdo != NULL) {
            ObReferenceObject(function->Pdo); /* the PnP manager's */
            relations->Objects[relations->Count++] = function->Pdo;
        }
    }
    KeReleaseSpinLock(&PcipLock, irql);
    Irp->IoStatus.Information = (ULONG_PTR)relations;
    return STATUS_SUCCESS;
}

static NTSTATUS PcipSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* The bus FDO: started after the host bridge below it; its children are
   the functions it found. */
static NTSTATUS PcipDispatchBus(PPCIP_BUS Bus, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;

    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE: {
        KEVENT done;
        KeInitializeEvent(&done, NotificationEvent, FALSE);
        IoCopyCurrentIrpStackLocationToNext(Irp);
        IoSetCompletionRoutine(Irp, PcipSignal, &done, TRUE, TRUE, TRUE);
        if (IoCallDriver(Bus->LowerDevice, Irp) == STATUS_PENDING)
            KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        status = Irp->IoStatus.Status;
        if (NT_SUCCESS(status))
            status = PcipEnumerate(Bus->Fdo->DriverObject);
        Irp->IoStatus.Status = status;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return status;
    }
    case IRP_MN_QUERY_DEVICE_RELATIONS:
        if (stack->Parameters.QueryDeviceRelations.Type == BusRelations) {
            status = PcipBusRelations(Irp);
            if (!NT_SUCCESS(status)) {
                Irp->IoStatus.Status = status;
                IoCompleteRequest(Irp, IO_NO_INCREMENT);
                return status;
            }
            Irp->IoStatus.Status = STATUS_SUCCESS;
        }
        break;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Bus->LowerDevice, Irp);
}

/* One dispatch routine for both kinds of device the driver owns. */
static NTSTATUS PcipDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PPCIP_PDO pdo = DeviceObject->DeviceExtension;
    if (pdo->IsFdo)
        return PcipDispatchBus((PPCIP_BUS)pdo, Irp);
    return PcipDispatchFunction(pdo->Function, Irp);
}

static NTSTATUS PcipAddDevice(PDRIVER_OBJECT Driver, PDEVICE_OBJECT HostBridge)
{
    PDEVICE_OBJECT fdo;
    if (PcipBus != NULL)
        return STATUS_NOT_SUPPORTED; /* KeLab walks one segment, from bus 0 */
    NTSTATUS status =
        IoCreateDevice(Driver, sizeof(PCIP_BUS), NULL, FILE_DEVICE_BUS_EXTENDER, 0, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    PPCIP_BUS bus = fdo->DeviceExtension;
    bus->IsFdo = TRUE;
    bus->Fdo = fdo;
    bus->Pdo = HostBridge;
    bus->LowerDevice = IoAttachDeviceToDeviceStack(fdo, HostBridge);
    if (bus->LowerDevice == NULL) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    PcipBus = bus;
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static NTSTATUS PcipDriverEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    KeLabNameSpinLock(&PcipLock, "Pci");
    Driver->MajorFunction[IRP_MJ_PNP] = PcipDispatchPnp;
    Driver->DriverExtension->AddDevice = PcipAddDevice;
    return STATUS_SUCCESS;
}

static const PCWSTR PcipHardwareIds[] = {L"ACPI\\PNP0A08", L"*PNP0A03", NULL};
KELAB_PNP_DRIVER(PcipDriverEntry, L"\\Driver\\pci", PcipHardwareIds);
