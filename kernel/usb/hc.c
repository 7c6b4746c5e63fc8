/*
 * hc.c: the host controller interface (usbhc.h), the core's side.
 *
 * A host controller driver registers its controller when its device
 * starts; the core gives it a thread (the "hub": KeLab folds the root hub
 * into the core) that looks at every root port once and then at each port
 * the controller says changed. The USB devices it finds are the HC FDO's
 * children: the controller driver hands IRP_MN_QUERY_DEVICE_RELATIONS to
 * UsbHcQueryBusRelations, which answers with the devices present.
 */
#include "usbp.h"
#include "io.h"
#include "ob.h"

KSPIN_LOCK UsbpControllersLock;
LIST_ENTRY UsbpControllers = {&UsbpControllers, &UsbpControllers};
static ULONG UsbpNextController; /* UsbpControllersLock */

NTSTATUS UsbHcRegisterController(PDEVICE_OBJECT HcFdo, PDEVICE_OBJECT Pdo,
                                 const USBHC_CONTROLLER_INTERFACE *Interface, PVOID Context,
                                 ULONG PortCount, PUSBHC_CONTROLLER *Controller)
{
    HANDLE thread;
    KIRQL irql;

    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    if (PortCount == 0 || PortCount > USBP_MAX_PORTS || Interface == NULL)
        return STATUS_INVALID_PARAMETER;
    if (UsbpHubDriver == NULL)
        return STATUS_DEVICE_NOT_READY; /* \Driver\usbhub did not load */
    PUSBP_CONTROLLER controller =
        ExAllocatePoolWithTag(NonPagedPool, sizeof(*controller), USBP_TAG);
    if (controller == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(controller, sizeof(*controller));
    controller->HcFdo = HcFdo;
    controller->Pdo = Pdo;
    controller->Hc = Interface;
    controller->HcContext = Context;
    controller->PortCount = PortCount;
    controller->ChangedPorts = PortCount == 32 ? 0xFFFFFFFFu : (1u << PortCount) - 1;
    controller->Busy = TRUE;
    IoBeginPnpActivity(); /* the first look at every port */
    KeInitializeSpinLock(&controller->Lock);
    KeInitializeEvent(&controller->Work, SynchronizationEvent, TRUE); /* the first look */

    KeAcquireSpinLock(&UsbpControllersLock, &irql);
    controller->Number = UsbpNextController++;
    InsertTailList(&UsbpControllers, &controller->Entry);
    KeReleaseSpinLock(&UsbpControllersLock, irql);

    NTSTATUS status = PsCreateSystemThread(&thread, 0, NULL, NULL, NULL, UsbpHubThread, controller);
    if (NT_SUCCESS(status)) {
        status = ObReferenceObjectByHandle(thread, 0, *PsThreadType, KernelMode,
                                           (PVOID *)&controller->HubThread, NULL);
        ZwClose(thread);
    }
    if (!NT_SUCCESS(status)) {
        KeAcquireSpinLock(&UsbpControllersLock, &irql);
        RemoveEntryList(&controller->Entry);
        KeReleaseSpinLock(&UsbpControllersLock, irql);
        ExFreePoolWithTag(controller, USBP_TAG);
        IoEndPnpActivity();
        return status;
    }
    *Controller = controller;
    return STATUS_SUCCESS;
}

VOID UsbHcUnregisterController(PUSBHC_CONTROLLER Controller)
{
    KIRQL irql;
    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    KeAcquireSpinLock(&Controller->Lock, &irql);
    Controller->Stopping = TRUE;
    KeReleaseSpinLock(&Controller->Lock, irql);
    KeSetEvent(&Controller->Work, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(Controller->HubThread, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(Controller->HubThread);

    /* The PnP manager removed the devices' stacks before this, the
       controller's (children go first): their PDOs are the bus driver's to
       delete now, as a bus FDO deletes its children when it is removed. */
    for (ULONG port = 1; port <= Controller->PortCount; port++) {
        PUSBP_DEVICE device = Controller->Ports[port];
        Controller->Ports[port] = NULL;
        if (device != NULL)
            UsbpFreeDevice(device);
    }

    KeAcquireSpinLock(&UsbpControllersLock, &irql);
    RemoveEntryList(&Controller->Entry);
    KeReleaseSpinLock(&UsbpControllersLock, irql);
    ExFreePoolWithTag(Controller, USBP_TAG);
}

VOID UsbHcPortChanged(PUSBHC_CONTROLLER Controller, ULONG Port)
{
    KIRQL irql;
    if (Port == 0 || Port > Controller->PortCount)
        return;
    KeAcquireSpinLock(&Controller->Lock, &irql);
    Controller->ChangedPorts |= 1u << (Port - 1);
    if (!Controller->Busy) {
        Controller->Busy = TRUE;
        IoBeginPnpActivity();
    }
    KeReleaseSpinLock(&Controller->Lock, irql);
    KeSetEvent(&Controller->Work, IO_NO_INCREMENT, FALSE);
}

NTSTATUS UsbHcQueryBusRelations(PUSBHC_CONTROLLER Controller, PIRP Irp)
{
    PDEVICE_OBJECT pdos[USBP_MAX_PORTS];
    ULONG count = 0;
    KIRQL irql;

    KeAcquireSpinLock(&Controller->Lock, &irql);
    for (ULONG port = 1; port <= Controller->PortCount; port++) {
        PUSBP_DEVICE device = Controller->Ports[port];
        if (device != NULL) {
            ObReferenceObject(device->Pdo); /* the PnP manager's */
            device->Reported = TRUE;
            pdos[count++] = device->Pdo;
        }
    }
    KeReleaseSpinLock(&Controller->Lock, irql);

    PDEVICE_RELATIONS relations = ExAllocatePoolWithTag(
        NonPagedPool, sizeof(DEVICE_RELATIONS) + count * sizeof(PDEVICE_OBJECT), USBP_TAG);
    if (relations == NULL) {
        for (ULONG i = 0; i < count; i++)
            ObDereferenceObject(pdos[i]);
        Irp->IoStatus.Status = STATUS_INSUFFICIENT_RESOURCES;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    relations->Count = count;
    for (ULONG i = 0; i < count; i++)
        relations->Objects[i] = pdos[i];
    Irp->IoStatus.Information = (ULONG_PTR)relations;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoSkipCurrentIrpStackLocation(Irp);
    PDEVICE_OBJECT lower = IoGetLowerDeviceObject(Controller->HcFdo);
    NTSTATUS status = IoCallDriver(lower, Irp);
    ObDereferenceObject(lower);
    return status;
}
