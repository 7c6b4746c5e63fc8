/*
 * driver.c: the xHCI driver as the PnP manager sees it (a WDM function
 * driver for PCI class 0C0330).
 *
 * The PnP manager calls AddDevice with the controller's PCI PDO: the
 * driver creates its FDO (\Device\USBFDO-n, Windows' name for a host
 * controller's FDO) and attaches it. IRP_MN_START_DEVICE brings the
 * translated resources: BAR 0 as a memory resource, the MSI-X messages as
 * interrupt resources; the driver passes the IRP down first (the PCI
 * driver enables the function), then maps BAR 0, connects message 0 with
 * IoConnectInterruptEx, starts the controller and registers it with the
 * USB core, whose USB devices become this FDO's children (the core
 * answers IRP_MN_QUERY_DEVICE_RELATIONS for them).
 */
#include "xhci.h"

/* Every controller, for `xhci` and numbering. */
LIST_ENTRY XhciControllers = {&XhciControllers, &XhciControllers}; /* XhciControllersLock */
KSPIN_LOCK XhciControllersLock;
static ULONG XhciNextNumber; /* XhciControllersLock */

static const USBHC_CONTROLLER_INTERFACE XhciInterface = {
    .GetPortStatus = XhciGetPortStatus,
    .ResetPort = XhciResetPort,
    .CreateDevice = XhciCreateDevice,
    .SetMaxPacketSize0 = XhciSetMaxPacketSize0,
    .ConfigureEndpoints = XhciConfigureEndpoints,
    .ResetEndpoint = XhciResetEndpoint,
    .DeleteDevice = XhciDeleteDevice,
    .SubmitTransfer = XhciSubmitTransfer,
    .CancelTransfer = XhciCancelTransfer,
    .QueryCounters = XhciQueryCounters,
};

/* "\Device\USBFDO-<Number>" in Buffer. */
static VOID XhciDeviceName(WCHAR Buffer[32], ULONG Number)
{
    static const WCHAR prefix[] = L"\\Device\\USBFDO-";
    WCHAR digits[10];
    ULONG n = 0, i = 0;
    do {
        digits[n++] = (WCHAR)(L'0' + Number % 10);
        Number /= 10;
    } while (Number != 0 && n < ARRAYSIZE(digits));
    for (; prefix[i] != 0; i++)
        Buffer[i] = prefix[i];
    while (n > 0)
        Buffer[i++] = digits[--n];
    Buffer[i] = 0;
}

static NTSTATUS XhciAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    WCHAR buffer[32];
    UNICODE_STRING name;
    PDEVICE_OBJECT fdo;
    KIRQL irql;

    KeAcquireSpinLock(&XhciControllersLock, &irql);
    ULONG number = XhciNextNumber++;
    KeReleaseSpinLock(&XhciControllersLock, irql);
    XhciDeviceName(buffer, number);
    RtlInitUnicodeString(&name, buffer);
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(XHCI_CONTROLLER), &name,
                                     FILE_DEVICE_CONTROLLER, 0, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;

    PXHCI_CONTROLLER controller = fdo->DeviceExtension;
    controller->Fdo = fdo;
    controller->Pdo = Pdo;
    controller->Number = number;
    KeInitializeSpinLock(&controller->Lock);
    KeInitializeDpc(&controller->Dpc, XhciDpc, controller);
    XhciInitializeCommands(controller);
    controller->LowerDevice = IoAttachDeviceToDeviceStack(fdo, Pdo);
    if (controller->LowerDevice == NULL) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    KeAcquireSpinLock(&XhciControllersLock, &irql);
    InsertTailList(&XhciControllers, &controller->ControllerEntry);
    KeReleaseSpinLock(&XhciControllersLock, irql);
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static NTSTATUS XhciSignalOnCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is ours again */
}

/* Sends Irp down and waits for the drivers below to finish with it: a
   function driver starts its part of a device after its bus driver. */
static NTSTATUS XhciForwardAndWait(PXHCI_CONTROLLER Controller, PIRP Irp)
{
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, XhciSignalOnCompletion, &event, TRUE, TRUE, TRUE);
    if (IoCallDriver(Controller->LowerDevice, Irp) == STATUS_PENDING)
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, NULL);
    return Irp->IoStatus.Status;
}

/* BAR 0 and the interrupt, from the translated resources. */
static NTSTATUS XhciTakeResources(PXHCI_CONTROLLER Controller, PCM_RESOURCE_LIST Resources)
{
    if (Resources == NULL || Resources->Count == 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    PCM_PARTIAL_RESOURCE_LIST list = &Resources->List[0].PartialResourceList;
    for (ULONG i = 0; i < list->Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR d = &list->PartialDescriptors[i];
        if (d->Type == CmResourceTypeMemory && Controller->Registers == NULL) {
            if (d->u.Memory.Length < 0x1000)
                return STATUS_DEVICE_CONFIGURATION_ERROR;
            Controller->Registers =
                MmMapIoSpace(d->u.Memory.Start, d->u.Memory.Length, MmNonCached);
            Controller->RegistersLength = d->u.Memory.Length;
            if (Controller->Registers == NULL)
                return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    if (Controller->Registers == NULL)
        return STATUS_DEVICE_CONFIGURATION_ERROR;

    IO_CONNECT_INTERRUPT_PARAMETERS connect = {.Version = CONNECT_MESSAGE_BASED};
    connect.MessageBased.PhysicalDeviceObject = Controller->Pdo;
    connect.MessageBased.ConnectionContext.InterruptMessageTable = &Controller->Messages;
    connect.MessageBased.MessageServiceRoutine = XhciInterruptService;
    connect.MessageBased.ServiceContext = Controller;
    NTSTATUS status = IoConnectInterruptEx(&connect);
    if (!NT_SUCCESS(status))
        DbgPrint("xhci%u: no message interrupt (0x%08X): the controller cannot be used\n",
                 Controller->Number, (ULONG)status);
    return status;
}

static VOID XhciReleaseResources(PXHCI_CONTROLLER Controller)
{
    if (Controller->Messages != NULL) {
        IO_DISCONNECT_INTERRUPT_PARAMETERS disconnect = {.Version = CONNECT_MESSAGE_BASED};
        disconnect.ConnectionContext.InterruptMessageTable = Controller->Messages;
        IoDisconnectInterruptEx(&disconnect);
        Controller->Messages = NULL;
    }
    if (Controller->Registers != NULL) {
        MmUnmapIoSpace((PVOID)Controller->Registers, Controller->RegistersLength);
        Controller->Registers = NULL;
    }
}

static NTSTATUS XhciStart(PXHCI_CONTROLLER Controller, PCM_RESOURCE_LIST Resources)
{
    NTSTATUS status = XhciTakeResources(Controller, Resources);
    if (NT_SUCCESS(status))
        status = XhciStartController(Controller);
    if (NT_SUCCESS(status))
        status = UsbHcRegisterController(Controller->Fdo, Controller->Pdo, &XhciInterface,
                                         Controller, Controller->MaxPorts, &Controller->Core);
    if (NT_SUCCESS(status)) {
        DbgPrint("xhci%u: running: %u ports, %u slots, interrupt vector 0x%x\n", Controller->Number,
                 Controller->MaxPorts, Controller->MaxSlots,
                 Controller->Messages->MessageInfo[0].Vector);
        return STATUS_SUCCESS;
    }
    if (Controller->Dcbaa != NULL)
        XhciStopController(Controller);
    XhciReleaseResources(Controller);
    return status;
}

/* Undoes XhciStart: USB devices first (the core removes them, which needs
   the controller's commands), then the controller, then the resources. */
static VOID XhciStop(PXHCI_CONTROLLER Controller)
{
    if (Controller->Core != NULL) {
        UsbHcUnregisterController(Controller->Core);
        Controller->Core = NULL;
    }
    if (Controller->Dcbaa != NULL)
        XhciStopController(Controller);
    XhciReleaseResources(Controller);
}

/* The controller is gone from the bus: nothing it would answer is waited
   for, and its devices' transfers fail now. */
static VOID XhciSurpriseRemoval(PXHCI_CONTROLLER Controller)
{
    LIST_ENTRY done, commands;
    KIRQL irql;

    InitializeListHead(&done);
    InitializeListHead(&commands);
    KeAcquireSpinLock(&Controller->Lock, &irql);
    Controller->Removed = TRUE;
    Controller->Running = FALSE;
    for (ULONG slot = 1; slot <= XHCI_MAX_SLOTS; slot++) {
        PXHCI_DEVICE device = Controller->Slots[slot];
        if (device != NULL && !device->Gone) {
            device->Gone = TRUE;
            XhciFailDeviceTransfers(device, &done);
        }
    }
    XhciFailCommands(Controller, TRUE, &commands);
    KeReleaseSpinLock(&Controller->Lock, irql);
    XhciRunCommandCallbacks(Controller, &commands);
    XhciCompleteTransfers(Controller, &done);
}

static NTSTATUS XhciPassDown(PXHCI_CONTROLLER Controller, PIRP Irp)
{
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Controller->LowerDevice, Irp);
}

static NTSTATUS XhciDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PXHCI_CONTROLLER controller = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;
    KIRQL irql;

    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE:
        status = XhciForwardAndWait(controller, Irp);
        if (NT_SUCCESS(status))
            status =
                XhciStart(controller, stack->Parameters.StartDevice.AllocatedResourcesTranslated);
        Irp->IoStatus.Status = status;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return status;
    case IRP_MN_QUERY_DEVICE_RELATIONS:
        if (stack->Parameters.QueryDeviceRelations.Type == BusRelations && controller->Core != NULL)
            return UsbHcQueryBusRelations(controller->Core, Irp);
        return XhciPassDown(controller, Irp);
    case IRP_MN_SURPRISE_REMOVAL:
        XhciSurpriseRemoval(controller);
        XhciStop(controller);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        return XhciPassDown(controller, Irp);
    case IRP_MN_REMOVE_DEVICE:
        XhciStop(controller);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        status = XhciPassDown(controller, Irp);
        KeAcquireSpinLock(&XhciControllersLock, &irql);
        RemoveEntryList(&controller->ControllerEntry);
        KeReleaseSpinLock(&XhciControllersLock, irql);
        IoDetachDevice(controller->LowerDevice);
        IoDeleteDevice(DeviceObject);
        return status;
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_CANCEL_STOP_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS;
        return XhciPassDown(controller, Irp);
    default:
        return XhciPassDown(controller, Irp);
    }
}

static VOID XhciUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject); /* every FDO went with its REMOVE_DEVICE */
}

static NTSTATUS XhciDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeSpinLock(&XhciControllersLock);
    DriverObject->MajorFunction[IRP_MJ_PNP] = XhciDispatchPnp;
    DriverObject->DriverExtension->AddDevice = XhciAddDevice;
    DriverObject->DriverUnload = XhciUnload;
    return STATUS_SUCCESS;
}

/* The INF's role: the PCI class this driver drives. */
static const PCWSTR XhciHardwareIds[] = {L"PCI\\CC_0C0330", NULL};
KELAB_PNP_DRIVER(XhciDriverEntry, L"\\Driver\\xhci", XhciHardwareIds);
