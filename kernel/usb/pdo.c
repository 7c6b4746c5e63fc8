/*
 * pdo.c: a USB device's PDO, the device object the core reports for it.
 *
 * Every PDO belongs to \Driver\usbhub, a driver the core creates for
 * them at boot (Windows' PDOs for USB devices belong to the hub driver,
 * usbhub3.sys). A function driver attaches its FDO on top and sends it:
 *
 *   IRP_MJ_PNP                        the IDs it is matched on (QUERY_ID);
 *                                     START, REMOVE and the rest a bus
 *                                     driver answers
 *   IRP_MJ_INTERNAL_DEVICE_CONTROL    URBs (IOCTL_INTERNAL_USB_SUBMIT_URB),
 *                                     the port's status, a port cycle
 *
 * A PDO lives until its device is gone AND the PnP manager has removed
 * it, as NT requires of a bus driver: IRP_MN_REMOVE_DEVICE for a device
 * still plugged in (its driver failed to start, or the controller is
 * going) only stops it; the PDO stays, reported, ready for another start.
 */
#include "usbp.h"
#include "io.h"

PDRIVER_OBJECT UsbpHubDriver;
static volatile LONG UsbpNextPdo; /* \Device\USBPDO-n: n counts from 0, never reused */

/* ---- IDs ---------------------------------------------------------------- */

/* The class triple a driver is matched on: the device's, or where the
   device leaves it to its interfaces (class 0), the first interface's, as
   Windows does for a device with one interface. */
static VOID UsbpMatchClass(PUSBP_DEVICE Device, PUCHAR Class, PUCHAR SubClass, PUCHAR Protocol)
{
    *Class = Device->Device.Class;
    *SubClass = Device->Device.SubClass;
    *Protocol = Device->Device.Protocol;
    if (*Class == 0 && Device->Configuration != NULL && Device->Configuration->SettingCount > 0) {
        const USB_DESC_SETTING *s = &Device->Configuration->Settings[0];
        *Class = s->Class;
        *SubClass = s->SubClass;
        *Protocol = s->Protocol;
    }
}

/* The IDs Windows gives a USB device, most specific first; a refused
   device has only the ID that says what failed (no driver declares it). */
static NTSTATUS UsbpQueryId(PUSBP_DEVICE Device, BUS_QUERY_ID_TYPE Type, PULONG_PTR Answer)
{
    const USB_DESC_DEVICE *d = &Device->Device;
    CHAR ids[3][IO_MAX_ID];
    UCHAR class, subClass, protocol;
    ULONG n = 0;
#define ID(...) RtlStringCbPrintfA(ids[n++], sizeof(ids[0]), __VA_ARGS__)
    if (Device->State == UsbpDeviceRefused && Type != BusQueryInstanceID) {
        if (Type == BusQueryCompatibleIDs)
            return STATUS_NOT_SUPPORTED;
        ID("%s", Device->FailureId);
    } else {
        switch (Type) {
        case BusQueryDeviceID:
            ID("USB\\VID_%04X&PID_%04X", d->VendorId, d->ProductId);
            break;
        case BusQueryHardwareIDs:
            ID("USB\\VID_%04X&PID_%04X&REV_%04X", d->VendorId, d->ProductId, d->DeviceVersion);
            ID("USB\\VID_%04X&PID_%04X", d->VendorId, d->ProductId);
            break;
        case BusQueryCompatibleIDs:
            UsbpMatchClass(Device, &class, &subClass, &protocol);
            ID("USB\\Class_%02X&SubClass_%02X&Prot_%02X", class, subClass, protocol);
            ID("USB\\Class_%02X&SubClass_%02X", class, subClass);
            ID("USB\\Class_%02X", class);
            break;
        case BusQueryInstanceID:
            /* Windows uses the serial number when the device has one. */
            if (Device->Serial[0] != 0)
                ID("%s", Device->Serial);
            else
                ID("%u&%u", Device->Controller->Number, Device->Port);
            break;
        default:
            return STATUS_NOT_SUPPORTED;
        }
    }
#undef ID
    *Answer = (ULONG_PTR)IoBuildIdList(ids, n);
    return *Answer ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

/* ---- PnP ------------------------------------------------------------------ */

/* The driver above is gone (or never came): whatever it left is undone,
   so that the next driver finds the device as enumeration left it. */
static VOID UsbpStopDevice(PUSBP_DEVICE Device)
{
    UsbpCancelTransfers(Device, NULL);
    UsbpWaitForTransfers(Device);
    UsbpClosePipes(Device);
}

static NTSTATUS UsbpDispatchPnp(PUSBP_DEVICE Device, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = Irp->IoStatus.Status;
    ULONG_PTR answer = Irp->IoStatus.Information;
    KIRQL irql;

    switch (stack->MinorFunction) {
    case IRP_MN_QUERY_ID:
        status = UsbpQueryId(Device, stack->Parameters.QueryId.IdType, &answer);
        break;
    case IRP_MN_START_DEVICE:
        status = Device->State == UsbpDeviceRefused ? STATUS_DEVICE_DATA_ERROR : STATUS_SUCCESS;
        break;
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_CANCEL_STOP_DEVICE:
        status = STATUS_SUCCESS;
        break;
    case IRP_MN_SURPRISE_REMOVAL:
        /* Gone: the controller driver failed its transfers when the port
           changed; new ones fail at the controller too. */
        status = STATUS_SUCCESS;
        break;
    case IRP_MN_REMOVE_DEVICE: {
        KeAcquireSpinLock(&Device->Controller->Lock, &irql);
        BOOLEAN gone = Device->State == UsbpDeviceGone;
        KeReleaseSpinLock(&Device->Controller->Lock, irql);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        if (gone)
            UsbpFreeDevice(Device); /* deletes the PDO: Device is no more */
        else
            UsbpStopDevice(Device);
        return STATUS_SUCCESS;
    }
    }
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = answer;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

/* ---- internal device control ------------------------------------------------ */

static NTSTATUS UsbpGetPortStatus(PUSBP_DEVICE Device, PULONG PortStatus)
{
    PUSBP_CONTROLLER controller = Device->Controller;
    USBHC_PORT_STATUS port;
    KIRQL irql;

    if (PortStatus == NULL)
        return STATUS_INVALID_PARAMETER;
    *PortStatus = 0;
    KeAcquireSpinLock(&controller->Lock, &irql);
    BOOLEAN gone = Device->State == UsbpDeviceGone;
    KeReleaseSpinLock(&controller->Lock, irql);
    if (gone)
        return STATUS_SUCCESS; /* neither connected nor enabled: it is not this port's now */
    NTSTATUS status = controller->Hc->GetPortStatus(controller->HcContext, Device->Port, &port);
    if (NT_SUCCESS(status))
        *PortStatus =
            (port.Connected ? USBD_PORT_CONNECTED : 0) | (port.Enabled ? USBD_PORT_ENABLED : 0);
    return status;
}

static NTSTATUS UsbpDispatchInternalDeviceControl(PUSBP_DEVICE Device, PIRP Irp)
{
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status;

    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_INTERNAL_USB_SUBMIT_URB:
        return UsbpSubmitUrb(Device, Irp, stack->Parameters.Others.Argument1);
    case IOCTL_INTERNAL_USB_GET_PORT_STATUS:
        if (KeGetCurrentIrql() != PASSIVE_LEVEL) {
            status = STATUS_INVALID_DEVICE_REQUEST; /* it asks the controller, which may wait */
            break;
        }
        status = UsbpGetPortStatus(Device, stack->Parameters.Others.Argument1);
        break;
    case IOCTL_INTERNAL_USB_CYCLE_PORT:
        /* An unplug and a replug, as the hub thread sees a changed port:
           this device is reported gone and the port enumerated afresh. */
        UsbHcPortChanged(Device->Controller, Device->Port);
        status = STATUS_SUCCESS;
        break;
    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static NTSTATUS UsbpDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PUSBP_DEVICE device = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);

    switch (stack->MajorFunction) {
    case IRP_MJ_PNP:
        return UsbpDispatchPnp(device, Irp);
    case IRP_MJ_INTERNAL_DEVICE_CONTROL:
        return UsbpDispatchInternalDeviceControl(device, Irp);
    case IRP_MJ_CREATE:
    case IRP_MJ_CLOSE:
        Irp->IoStatus.Status = STATUS_SUCCESS;
        break;
    default:
        Irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }
    NTSTATUS status = Irp->IoStatus.Status;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

static NTSTATUS UsbpHubDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = UsbpDispatch;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = UsbpDispatch;
    DriverObject->MajorFunction[IRP_MJ_PNP] = UsbpDispatch;
    DriverObject->MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL] = UsbpDispatch;
    KeInitializeSpinLock(&UsbpControllersLock);
    UsbpMonitorInitialize();
    UsbpHubDriver = DriverObject;
    return STATUS_SUCCESS;
}

/* Loaded at boot, before any PnP driver can register a controller. */
KELAB_BUILTIN_DRIVER(UsbpHubDriverEntry, L"\\Driver\\usbhub", 0, NULL);

/* ---- life and death ------------------------------------------------------------ */

NTSTATUS UsbpCreatePdo(PUSBP_CONTROLLER Controller, PDEVICE_OBJECT *Pdo)
{
    CHAR ascii[32];
    WCHAR buffer[32];
    UNICODE_STRING name;
    PDEVICE_OBJECT pdo;

    if (UsbpHubDriver == NULL)
        return STATUS_DEVICE_NOT_READY;
    ULONG number = (ULONG)InterlockedIncrement(&UsbpNextPdo) - 1;
    RtlStringCbPrintfA(ascii, sizeof(ascii), "\\Device\\USBPDO-%u", number);
    for (ULONG i = 0; i < sizeof(ascii); i++) {
        buffer[i] = (WCHAR)ascii[i];
        if (ascii[i] == 0)
            break;
    }
    RtlInitUnicodeString(&name, buffer);
    NTSTATUS status =
        IoCreateDevice(UsbpHubDriver, sizeof(USBP_DEVICE), &name, FILE_DEVICE_USB, 0, FALSE, &pdo);
    if (!NT_SUCCESS(status))
        return status;
    PUSBP_DEVICE device = pdo->DeviceExtension;
    RtlZeroMemory(device, sizeof(*device));
    device->Controller = Controller;
    device->Pdo = pdo;
    device->Number = number;
    InitializeListHead(&device->Transfers);
    KeInitializeEvent(&device->NoTransfers, NotificationEvent, TRUE);
    KeInitializeMutex(&device->Configuring, 0);
    *Pdo = pdo;
    return STATUS_SUCCESS;
}

VOID UsbpFreeDevice(PUSBP_DEVICE Device)
{
    PUSBP_CONTROLLER controller = Device->Controller;

    KIRQL irql;

    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    KeAcquireSpinLock(&controller->Lock, &irql);
    Device->Closing = TRUE;
    KeReleaseSpinLock(&controller->Lock, irql);
    UsbpCancelTransfers(Device, NULL);
    UsbpWaitForTransfers(Device);
    if (Device->HcDevice != NULL)
        controller->Hc->DeleteDevice(controller->HcContext, Device->HcDevice);
    if (Device->ConfigurationDescriptor != NULL)
        ExFreePoolWithTag(Device->ConfigurationDescriptor, USBP_TAG);
    if (Device->Configuration != NULL)
        ExFreePoolWithTag(Device->Configuration, USBP_TAG);
    IoDeleteDevice(Device->Pdo);
}
