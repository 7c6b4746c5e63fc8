/*
 * enumerate.c: the hub thread: what is plugged into each root port.
 *
 * A port change means the device that was there (if any) is gone,
 * whatever the port shows now: an unplug and replug quicker than this
 * thread look the same as one change. So the old device is reported gone
 * (its PDO leaves the bus relations; the PnP manager removes its stack),
 * and if something is connected it is enumerated afresh:
 *
 *   reset the port (USB 2), give the device an address, then read and
 *   check: the first 8 bytes of the device descriptor (endpoint 0's
 *   packet size), the whole device descriptor, the configuration header
 *   (wTotalLength), the whole configuration, the strings.
 *
 * Every answer goes through lib/usbdesc.c before a byte of it is
 * believed. A device whose descriptors fail is logged with the reason and
 * still reported, under the hardware ID Windows gives such a device
 * (USB\DEVICE_DESCRIPTOR_FAILURE, USB\CONFIGURATION_DESCRIPTOR_VALIDATION_FAILURE),
 * which no driver claims: it stays unconfigured and the kernel goes on.
 */
#include "usbp.h"
#include "io.h"

#define USB_DESCRIPTOR_REQUEST 0x80 /* device to host, standard, device */

static NTSTATUS UsbpGetDescriptor(PUSBP_DEVICE Device, UCHAR Type, UCHAR Index, USHORT Language,
                                  PVOID Buffer, USHORT Length, PULONG Actual)
{
    USBD_STATUS usbd;
    return UsbpControl(Device, USB_DESCRIPTOR_REQUEST, USB_REQUEST_GET_DESCRIPTOR,
                       USB_DESCRIPTOR_MAKE_TYPE_AND_INDEX(Type, Index), Language, Buffer, Length,
                       Actual, &usbd);
}

static NTSTATUS UsbpRefuse(PUSBP_DEVICE Device, PCSTR FailureId, PCSTR Reason)
{
    Device->State = UsbpDeviceRefused;
    Device->FailureId = FailureId;
    RtlStringCbCopyA(Device->Reason, sizeof(Device->Reason), Reason);
    return STATUS_DEVICE_DATA_ERROR;
}

/* A string descriptor in the device's first language, as ASCII; empty if
   the device has none or its answer is refused (a bad string alone does
   not make a bad device: it is logged). */
static VOID UsbpReadString(PUSBP_DEVICE Device, UCHAR Index, USHORT Language, PSTR Ascii)
{
    UCHAR buffer[255];
    ULONG actual;
    USB_DESC_STRING string;

    Ascii[0] = 0;
    if (Index == 0 || !NT_SUCCESS(UsbpGetDescriptor(Device, USB_STRING_DESCRIPTOR_TYPE, Index,
                                                    Language, buffer, sizeof(buffer), &actual)))
        return;
    if (!NT_SUCCESS(UsbDescParseString(buffer, actual, FALSE, &string))) {
        DbgPrint("usb: port %u: string %u refused: %s\n", Device->Port, Index, string.Reason);
        return;
    }
    UsbDescStringToAscii(&string, Ascii, USBP_MAX_STRING);
}

static VOID UsbpReadStrings(PUSBP_DEVICE Device)
{
    UCHAR buffer[255];
    ULONG actual;
    USB_DESC_STRING languages;
    if (!NT_SUCCESS(UsbpGetDescriptor(Device, USB_STRING_DESCRIPTOR_TYPE, 0, 0, buffer,
                                      sizeof(buffer), &actual)) ||
        !NT_SUCCESS(UsbDescParseString(buffer, actual, TRUE, &languages)))
        return; /* no strings */
    UsbpReadString(Device, Device->Device.ManufacturerString, languages.Chars[0],
                   Device->Manufacturer);
    UsbpReadString(Device, Device->Device.ProductString, languages.Chars[0], Device->Product);
    UsbpReadString(Device, Device->Device.SerialNumberString, languages.Chars[0], Device->Serial);
}

/* The device descriptor: first 8 bytes, endpoint 0 fixed if need be,
   then all 18. */
static NTSTATUS UsbpReadDeviceDescriptor(PUSBP_DEVICE Device, USHORT Guess)
{
    PUSBP_CONTROLLER controller = Device->Controller;
    CHAR why[USB_DESC_REASON_MAX];
    USHORT mps0;
    ULONG actual;

    NTSTATUS status = UsbpGetDescriptor(Device, USB_DEVICE_DESCRIPTOR_TYPE, 0, 0,
                                        Device->DeviceDescriptor, 8, &actual);
    if (!NT_SUCCESS(status))
        return UsbpRefuse(Device, "USB\\DEVICE_DESCRIPTOR_FAILURE",
                          "GET_DESCRIPTOR(device) failed");
    if (!NT_SUCCESS(UsbDescReadMaxPacketSize0(Device->DeviceDescriptor, actual, Device->Speed,
                                              &mps0, why, sizeof(why))))
        return UsbpRefuse(Device, "USB\\DEVICE_DESCRIPTOR_FAILURE", why);
    if (mps0 != Guess) {
        status = controller->Hc->SetMaxPacketSize0(controller->HcContext, Device->HcDevice, mps0);
        if (!NT_SUCCESS(status))
            return status;
        Device->DefaultPipe.MaxPacketSize = mps0;
    }
    status = UsbpGetDescriptor(Device, USB_DEVICE_DESCRIPTOR_TYPE, 0, 0, Device->DeviceDescriptor,
                               sizeof(Device->DeviceDescriptor), &actual);
    if (!NT_SUCCESS(status))
        return UsbpRefuse(Device, "USB\\DEVICE_DESCRIPTOR_FAILURE",
                          "GET_DESCRIPTOR(device) failed");
    if (!NT_SUCCESS(
            UsbDescParseDevice(Device->DeviceDescriptor, actual, Device->Speed, &Device->Device)))
        return UsbpRefuse(Device, "USB\\DEVICE_DESCRIPTOR_FAILURE", Device->Device.Reason);
    return STATUS_SUCCESS;
}

/* Configuration 0: its header, then all wTotalLength bytes. */
static NTSTATUS UsbpReadConfiguration(PUSBP_DEVICE Device)
{
    static const CHAR failure[] = "USB\\CONFIGURATION_DESCRIPTOR_VALIDATION_FAILURE";
    UCHAR header[USB_CONFIGURATION_DESCRIPTOR_LENGTH];
    CHAR why[USB_DESC_REASON_MAX];
    USHORT total;
    ULONG actual;

    if (!NT_SUCCESS(UsbpGetDescriptor(Device, USB_CONFIGURATION_DESCRIPTOR_TYPE, 0, 0, header,
                                      sizeof(header), &actual)))
        return UsbpRefuse(Device, failure, "GET_DESCRIPTOR(configuration) failed");
    if (!NT_SUCCESS(UsbDescReadTotalLength(header, actual, &total, why, sizeof(why))))
        return UsbpRefuse(Device, failure, why);
    Device->ConfigurationDescriptor = ExAllocatePoolWithTag(NonPagedPool, total, USBP_TAG);
    Device->Configuration =
        ExAllocatePoolWithTag(NonPagedPool, sizeof(*Device->Configuration), USBP_TAG);
    if (Device->ConfigurationDescriptor == NULL || Device->Configuration == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (!NT_SUCCESS(UsbpGetDescriptor(Device, USB_CONFIGURATION_DESCRIPTOR_TYPE, 0, 0,
                                      Device->ConfigurationDescriptor, total, &actual)))
        return UsbpRefuse(Device, failure, "GET_DESCRIPTOR(configuration) failed");
    if (!NT_SUCCESS(UsbDescParseConfiguration(Device->ConfigurationDescriptor, actual,
                                              Device->Speed, Device->Configuration)))
        return UsbpRefuse(Device, failure, Device->Configuration->Reason);
    return STATUS_SUCCESS;
}

static const USHORT UsbpDefaultPacketSize0[] = {
    [UsbLowSpeed] = 8, [UsbFullSpeed] = 8, [UsbHighSpeed] = 64, [UsbSuperSpeed] = 512};

/* One try at the device on Port: reset, address, read. Returns the
   device, ready or refused; NULL if it did not answer (nothing is left
   behind) with *Status saying why, STATUS_NO_SUCH_DEVICE if nothing is
   connected at all. */
static PUSBP_DEVICE UsbpTryEnumerate(PUSBP_CONTROLLER Controller, ULONG Port, NTSTATUS *Status)
{
    USBHC_PORT_STATUS port;
    PDEVICE_OBJECT pdo;

    *Status = STATUS_NO_SUCH_DEVICE;
    if (!NT_SUCCESS(Controller->Hc->GetPortStatus(Controller->HcContext, Port, &port)) ||
        !port.Connected)
        return NULL;
    *Status = Controller->Hc->ResetPort(Controller->HcContext, Port, &port);
    if (NT_SUCCESS(*Status))
        *Status = UsbpCreatePdo(Controller, &pdo);
    if (!NT_SUCCESS(*Status))
        return NULL;
    PUSBP_DEVICE device = pdo->DeviceExtension;
    device->Port = (UCHAR)Port;
    device->Speed = port.Speed;
    USHORT guess = UsbpDefaultPacketSize0[port.Speed];
    device->DefaultPipe = (USBP_PIPE){
        .Address = 0, .Type = USB_ENDPOINT_TYPE_CONTROL, .Open = TRUE, .MaxPacketSize = guess};
    NTSTATUS status = Controller->Hc->CreateDevice(Controller->HcContext, Port, port.Speed, guess,
                                                   &device->HcDevice, &device->Address);
    if (NT_SUCCESS(status))
        status = UsbpReadDeviceDescriptor(device, guess);
    if (NT_SUCCESS(status))
        status = UsbpReadConfiguration(device);
    if (NT_SUCCESS(status))
        UsbpReadStrings(device);
    if (!NT_SUCCESS(status) && device->State != UsbpDeviceRefused) {
        *Status = status;
        UsbpFreeDevice(device);
        return NULL;
    }
    *Status = STATUS_SUCCESS;
    return device;
}

/* A device that does not answer is given USBP_ENUM_ATTEMPTS tries, a
   pause between them, as Windows' hub does: one that was just reset or
   replugged may not be ready for its address yet. A device whose
   descriptors fail is not tried again (they would fail again): it is
   reported as refused. Then the PnP manager hears of it. */
static VOID UsbpEnumerate(PUSBP_CONTROLLER Controller, ULONG Port)
{
    PUSBP_DEVICE device = NULL;
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL irql;

    for (ULONG attempt = 0; attempt < USBP_ENUM_ATTEMPTS && device == NULL; attempt++) {
        if (attempt > 0) {
            LARGE_INTEGER pause = {.QuadPart = -(LONGLONG)USBP_ENUM_RETRY_MS * 10000};
            KeDelayExecutionThread(KernelMode, FALSE, &pause);
        }
        device = UsbpTryEnumerate(Controller, Port, &status);
        if (device == NULL && status == STATUS_NO_SUCH_DEVICE)
            return; /* nothing (or no longer anything) on the port */
    }
    if (device == NULL) {
        DbgPrint("usb: port %u: the device does not answer (0x%08X, %u tries)\n", Port,
                 (ULONG)status, USBP_ENUM_ATTEMPTS);
        return;
    }
    if (device->State == UsbpDeviceRefused)
        DbgPrint("usb: port %u: device %04x:%04x refused: %s\n", Port, device->Device.VendorId,
                 device->Device.ProductId, device->Reason);
    KeAcquireSpinLock(&Controller->Lock, &irql);
    Controller->Ports[Port] = device;
    KeReleaseSpinLock(&Controller->Lock, irql);
    device->Pdo->Flags &= ~DO_DEVICE_INITIALIZING;
    IoInvalidateDeviceRelations(Controller->Pdo, BusRelations);
}

/* The device on Port is gone: no longer reported, so the PnP manager
   removes it (pdo.c frees it then), or if the PnP manager never heard of
   it, freed now. Its outstanding transfers were failed by the controller
   driver when the port changed. */
static VOID UsbpUnplugged(PUSBP_CONTROLLER Controller, ULONG Port)
{
    KIRQL irql;
    KeAcquireSpinLock(&Controller->Lock, &irql);
    PUSBP_DEVICE device = Controller->Ports[Port];
    BOOLEAN reported = FALSE;
    if (device != NULL) {
        device->State = UsbpDeviceGone;
        reported = device->Reported;
        Controller->Ports[Port] = NULL;
    }
    KeReleaseSpinLock(&Controller->Lock, irql);
    if (device == NULL)
        return;
    DbgPrint("usb: port %u: device %04x:%04x (\\Device\\USBPDO-%u) unplugged\n", Port,
             device->Device.VendorId, device->Device.ProductId, device->Number);
    if (reported)
        IoInvalidateDeviceRelations(Controller->Pdo, BusRelations);
    else
        UsbpFreeDevice(device);
}

VOID UsbpHubThread(PVOID Context)
{
    PUSBP_CONTROLLER controller = Context;
    for (;;) {
        KIRQL irql;
        KeWaitForSingleObject(&controller->Work, Executive, KernelMode, FALSE, NULL);
        KeAcquireSpinLock(&controller->Lock, &irql);
        ULONG changed = controller->ChangedPorts;
        BOOLEAN stopping = controller->Stopping, busy = controller->Busy;
        controller->ChangedPorts = 0;
        controller->Busy = FALSE;
        KeReleaseSpinLock(&controller->Lock, irql);
        for (ULONG port = 1; port <= controller->PortCount && !stopping; port++) {
            if (!(changed & (1u << (port - 1))))
                continue;
            UsbpUnplugged(controller, port);
            UsbpEnumerate(controller, port);
        }
        if (busy)
            IoEndPnpActivity();
        if (stopping)
            break;
    }
    /* The controller is going: the PnP manager has removed its children's
       stacks already (children go before their parent); what is left of
       them is freed by UsbHcUnregisterController. */
    PsTerminateSystemThread(STATUS_SUCCESS);
}
