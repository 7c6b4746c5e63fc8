/*
 * pnproot.c: the root of the device tree, and what hangs from it.
 *
 * Every device is reported by its parent's bus driver; the tree's root
 * has no parent, so the PnP manager is its bus driver, as NT's is for
 * "root-enumerated" devices (\Driver\PnpManager). On a PC the root's
 * children are what ACPI describes; KeLab does not interpret ACPI's
 * namespace, so the root reports the one device the kernel needs and can
 * see for itself: the PCI host bridge, if configuration space answers.
 * It calls itself ACPI\PNP0A08 (a PCI Express root bridge), compatible
 * with *PNP0A03 (any PCI bus), the IDs Windows' PCI driver is matched on.
 */
#include "iop.h"
#include "io.h"
#include "ob.h"

#define IOP_ROOT_TAG 'tooR'

static PDEVICE_OBJECT IopRootDevice; /* written once at start */
static PDEVICE_OBJECT IopHostBridge; /* written once at start; NULL: no PCI */

static NTSTATUS IopHostBridgeIds(BUS_QUERY_ID_TYPE Type, PULONG_PTR Answer)
{
    static const CHAR device[][IO_MAX_ID] = {"ACPI\\PNP0A08"};
    static const CHAR hardware[][IO_MAX_ID] = {"ACPI\\PNP0A08", "*PNP0A08"};
    static const CHAR compatible[][IO_MAX_ID] = {"ACPI\\PNP0A03", "*PNP0A03"};
    static const CHAR instance[][IO_MAX_ID] = {"0"};
    PWSTR ids;
    switch (Type) {
    case BusQueryDeviceID:
        ids = IoBuildIdList(device, ARRAYSIZE(device));
        break;
    case BusQueryHardwareIDs:
        ids = IoBuildIdList(hardware, ARRAYSIZE(hardware));
        break;
    case BusQueryCompatibleIDs:
        ids = IoBuildIdList(compatible, ARRAYSIZE(compatible));
        break;
    case BusQueryInstanceID:
        ids = IoBuildIdList(instance, ARRAYSIZE(instance));
        break;
    default:
        return STATUS_NOT_SUPPORTED;
    }
    *Answer = (ULONG_PTR)ids;
    return ids != NULL ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

static NTSTATUS IopRootRelations(PULONG_PTR Answer)
{
    PDEVICE_RELATIONS relations =
        ExAllocatePoolWithTag(NonPagedPool, sizeof(DEVICE_RELATIONS), IOP_ROOT_TAG);
    if (relations == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    relations->Count = 0;
    if (IopHostBridge != NULL) {
        ObReferenceObject(IopHostBridge); /* the PnP manager's, as from any bus */
        relations->Objects[relations->Count++] = IopHostBridge;
    }
    *Answer = (ULONG_PTR)relations;
    return STATUS_SUCCESS;
}

/* Both devices are PDOs whose bus driver is this: they answer what a
   bus driver answers, and complete everything else as it came. */
static NTSTATUS IopRootDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = Irp->IoStatus.Status;
    ULONG_PTR answer = Irp->IoStatus.Information;

    switch (stack->MinorFunction) {
    case IRP_MN_QUERY_DEVICE_RELATIONS:
        if (DeviceObject == IopRootDevice &&
            stack->Parameters.QueryDeviceRelations.Type == BusRelations)
            status = IopRootRelations(&answer);
        break;
    case IRP_MN_QUERY_ID:
        if (DeviceObject == IopHostBridge)
            status = IopHostBridgeIds(stack->Parameters.QueryId.IdType, &answer);
        break;
    case IRP_MN_START_DEVICE:
    case IRP_MN_SURPRISE_REMOVAL:
    case IRP_MN_REMOVE_DEVICE: /* never gone: the machine keeps its host bridge */
        status = STATUS_SUCCESS;
        break;
    }
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = answer;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static NTSTATUS IopRootDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_PNP] = IopRootDispatchPnp;
    return STATUS_SUCCESS;
}

/* Is there a PCI bus: does bus 0, device 0 answer? */
static BOOLEAN IopHasPci(VOID)
{
    USHORT vendor = 0xFFFF;
    return HalGetBusDataByOffset(PCIConfiguration, 0, 0, &vendor, 0, sizeof(vendor)) ==
               sizeof(vendor) &&
           vendor != 0xFFFF;
}

NTSTATUS IopCreateRootDevice(PDEVICE_OBJECT *RootPdo)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Driver\\PnpManager");
    PDRIVER_OBJECT driver;
    NTSTATUS status = IopLoadDriver(&name, IopRootDriverEntry, &driver);
    if (!NT_SUCCESS(status))
        return status;
    status = IoCreateDevice(driver, 0, NULL, FILE_DEVICE_BUS_EXTENDER, 0, FALSE, &IopRootDevice);
    if (!NT_SUCCESS(status))
        return status;
    IopRootDevice->Flags &= ~DO_DEVICE_INITIALIZING;
    if (IopHasPci() && NT_SUCCESS(IoCreateDevice(driver, 0, NULL, FILE_DEVICE_BUS_EXTENDER, 0,
                                                 FALSE, &IopHostBridge)))
        IopHostBridge->Flags &= ~DO_DEVICE_INITIALIZING;
    ObReferenceObject(IopRootDevice); /* the root node's */
    *RootPdo = IopRootDevice;
    return STATUS_SUCCESS;
}
