/*
 * function.c: a PCI function's PDO, answering the PnP manager.
 *
 *   IRP_MN_QUERY_ID                  the IDs Windows gives PCI functions, most
 *                                    specific first: vendor, device, subsystem,
 *                                    revision, class code (PCI\CC_0C0330)
 *   IRP_MN_QUERY_RESOURCE_REQUIREMENTS  each BAR where the firmware put it,
 *                                    and MSI-X or MSI messages
 *   IRP_MN_START_DEVICE              decoding and bus mastering on, the
 *                                    messages programmed (msi.c)
 *   IRP_MN_SURPRISE_REMOVAL,         all of it off again; the PDO stays (a PCI
 *   IRP_MN_REMOVE_DEVICE             function does not leave the machine)
 *
 * Everything else is completed as it came, as a bus driver must for a
 * PnP IRP it does not handle.
 */
#include "pcip.h"
#include "io.h"

static NTSTATUS PcipQueryId(PPCIP_FUNCTION Function, BUS_QUERY_ID_TYPE Type, PULONG_PTR Answer)
{
    const PCICFG_FUNCTION *c = &Function->Config;
    CHAR ids[11][IO_MAX_ID];
    ULONG n = 0;
#define ID(...) RtlStringCbPrintfA(ids[n++], sizeof(ids[0]), __VA_ARGS__)
    switch (Type) {
    case BusQueryDeviceID:
        ID("PCI\\VEN_%04X&DEV_%04X&SUBSYS_%04X%04X&REV_%02X", c->VendorId, c->DeviceId,
           c->SubsystemId, c->SubsystemVendorId, c->RevisionId);
        break;
    case BusQueryHardwareIDs:
        ID("PCI\\VEN_%04X&DEV_%04X&SUBSYS_%04X%04X&REV_%02X", c->VendorId, c->DeviceId,
           c->SubsystemId, c->SubsystemVendorId, c->RevisionId);
        ID("PCI\\VEN_%04X&DEV_%04X&SUBSYS_%04X%04X", c->VendorId, c->DeviceId, c->SubsystemId,
           c->SubsystemVendorId);
        ID("PCI\\VEN_%04X&DEV_%04X&CC_%02X%02X%02X", c->VendorId, c->DeviceId, c->BaseClass,
           c->SubClass, c->ProgIf);
        ID("PCI\\VEN_%04X&DEV_%04X&CC_%02X%02X", c->VendorId, c->DeviceId, c->BaseClass,
           c->SubClass);
        break;
    case BusQueryCompatibleIDs:
        ID("PCI\\VEN_%04X&DEV_%04X&REV_%02X", c->VendorId, c->DeviceId, c->RevisionId);
        ID("PCI\\VEN_%04X&DEV_%04X", c->VendorId, c->DeviceId);
        ID("PCI\\VEN_%04X&CC_%02X%02X%02X", c->VendorId, c->BaseClass, c->SubClass, c->ProgIf);
        ID("PCI\\VEN_%04X&CC_%02X%02X", c->VendorId, c->BaseClass, c->SubClass);
        ID("PCI\\VEN_%04X", c->VendorId);
        ID("PCI\\CC_%02X%02X%02X", c->BaseClass, c->SubClass, c->ProgIf);
        ID("PCI\\CC_%02X%02X", c->BaseClass, c->SubClass);
        break;
    case BusQueryInstanceID:
        ID("%02X&%02X&%X", Function->Bus, Function->Device, Function->Function);
        break;
    default:
        return STATUS_NOT_SUPPORTED;
    }
#undef ID
    *Answer = (ULONG_PTR)IoBuildIdList(ids, n);
    return *Answer ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

/* Each BAR where the firmware put it (a window above 4 GiB in size is not
   described: a resource length is 32 bits), then the messages. INTx is
   not offered: on q35 it is routed through ACPI's _PRT, which KeLab does
   not interpret, so the Interrupt Line register would name a wrong pin. */
static NTSTATUS PcipRequirements(PPCIP_FUNCTION Function, PULONG_PTR Answer)
{
    const PCICFG_FUNCTION *c = &Function->Config;
    ULONG count = 0;
    IO_RESOURCE_DESCRIPTOR d[PCICFG_MAX_BARS + 1];

    RtlZeroMemory(d, sizeof(d));
    for (ULONG i = 0; i < c->BarCount; i++) {
        const PCICFG_BAR *bar = &c->Bars[i];
        if (bar->Type == PciCfgBarNone || bar->Address == 0 || bar->Size > 0xFFFFFFFFull)
            continue;
        IO_RESOURCE_DESCRIPTOR *r = &d[count++];
        r->Type = bar->Type == PciCfgBarIo ? CmResourceTypePort : CmResourceTypeMemory;
        r->ShareDisposition = CmResourceShareDeviceExclusive;
        r->Flags = bar->Type == PciCfgBarIo ? CM_RESOURCE_PORT_IO
                   : bar->Prefetchable      ? CM_RESOURCE_MEMORY_PREFETCHABLE
                                            : CM_RESOURCE_MEMORY_READ_WRITE;
        r->u.Memory.Length = (ULONG)bar->Size;
        r->u.Memory.Alignment = (ULONG)bar->Size;
        r->u.Memory.MinimumAddress.QuadPart = (LONGLONG)bar->Address;
        r->u.Memory.MaximumAddress.QuadPart = (LONGLONG)(bar->Address + bar->Size - 1);
    }
    ULONG messages = c->MsiX.Offset  ? c->MsiX.TableSize
                     : c->Msi.Offset ? c->Msi.MessagesCapable
                                     : 0;
    if (messages != 0) {
        IO_RESOURCE_DESCRIPTOR *r = &d[count++];
        r->Type = CmResourceTypeInterrupt;
        r->ShareDisposition = CmResourceShareDeviceExclusive;
        r->Flags = CM_RESOURCE_INTERRUPT_LATCHED | CM_RESOURCE_INTERRUPT_MESSAGE;
        r->u.Interrupt.MinimumVector = 1;
        r->u.Interrupt.MaximumVector = messages < PCIP_MAX_MESSAGES ? messages : PCIP_MAX_MESSAGES;
    }
    SIZE_T size = sizeof(IO_RESOURCE_REQUIREMENTS_LIST) +
                  (count ? count - 1 : 0) * sizeof(IO_RESOURCE_DESCRIPTOR);
    PIO_RESOURCE_REQUIREMENTS_LIST list = ExAllocatePoolWithTag(NonPagedPool, size, PCIP_TAG);
    if (list == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(list, size);
    list->ListSize = (ULONG)size;
    list->InterfaceType = PCIBus;
    list->BusNumber = Function->Bus;
    list->SlotNumber = (ULONG)Function->Device | (ULONG)Function->Function << 5;
    list->AlternativeLists = 1;
    list->List[0].Version = list->List[0].Revision = 1;
    list->List[0].Count = count;
    RtlCopyMemory(list->List[0].Descriptors, d, count * sizeof(IO_RESOURCE_DESCRIPTOR));
    *Answer = (ULONG_PTR)list;
    return STATUS_SUCCESS;
}

/* Decoding of the windows it has, and bus mastering (the device's DMA). */
static NTSTATUS PcipStart(PPCIP_FUNCTION Function, PCM_RESOURCE_LIST Translated)
{
    USHORT command = PcipRead16(Function, PCICFG_COMMAND);
    for (ULONG i = 0; i < Function->Config.BarCount; i++) {
        if (Function->Config.Bars[i].Type == PciCfgBarIo)
            command |= PCICFG_COMMAND_IO;
        else if (Function->Config.Bars[i].Type != PciCfgBarNone)
            command |= PCICFG_COMMAND_MEMORY;
    }
    PcipWrite16(Function, PCICFG_COMMAND, command | PCICFG_COMMAND_BUS_MASTER);
    NTSTATUS status = PcipStartMessages(Function, Translated);
    if (NT_SUCCESS(status))
        Function->Started = TRUE;
    return status;
}

static VOID PcipStop(PPCIP_FUNCTION Function)
{
    PcipStopMessages(Function);
    USHORT command = PcipRead16(Function, PCICFG_COMMAND);
    PcipWrite16(Function, PCICFG_COMMAND,
                command & ~(PCICFG_COMMAND_IO | PCICFG_COMMAND_MEMORY | PCICFG_COMMAND_BUS_MASTER));
    Function->Started = FALSE;
}

NTSTATUS PcipDispatchFunction(PPCIP_FUNCTION Function, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = Irp->IoStatus.Status;
    ULONG_PTR answer = Irp->IoStatus.Information;

    switch (stack->MinorFunction) {
    case IRP_MN_QUERY_ID:
        status = PcipQueryId(Function, stack->Parameters.QueryId.IdType, &answer);
        break;
    case IRP_MN_QUERY_RESOURCE_REQUIREMENTS:
        status = PcipRequirements(Function, &answer);
        break;
    case IRP_MN_START_DEVICE:
        status = PcipStart(Function, stack->Parameters.StartDevice.AllocatedResourcesTranslated);
        break;
    case IRP_MN_SURPRISE_REMOVAL:
    case IRP_MN_REMOVE_DEVICE:
        if (Function->Started)
            PcipStop(Function);
        status = STATUS_SUCCESS;
        break;
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_CANCEL_STOP_DEVICE:
        status = STATUS_SUCCESS;
        break;
    }
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = answer;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}
