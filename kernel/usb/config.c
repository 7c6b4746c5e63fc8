/*
 * config.c: selecting a configuration, and the pipe operations that wait.
 *
 * SELECT_CONFIGURATION is where a function driver gets its pipes. The
 * driver names the configuration and, for each interface, the alternate
 * setting it wants; the core takes everything else from its own copy of
 * the descriptors, the one lib/usbdesc.c checked at enumeration (the
 * driver's copy of the configuration descriptor is read for nothing but
 * bConfigurationValue). Then, in this order: the controller is told the
 * endpoints (xHCI's Configure Endpoint), the device gets
 * SET_CONFIGURATION, and the URB is filled in with a handle per pipe.
 *
 * All of it runs at PASSIVE_LEVEL and waits; Device->Configuring makes
 * one selection or pipe operation at a time per device.
 */
#include "usbp.h"

/* Ends the pipe's transfers and waits until none is left. Configuring
   held. */
static VOID UsbpDrainPipe(PUSBP_DEVICE Device, PUSBP_PIPE Pipe)
{
    PUSBP_CONTROLLER controller = Device->Controller;
    KEVENT drained;
    KIRQL irql;

    KeInitializeEvent(&drained, NotificationEvent, FALSE);
    KeAcquireSpinLock(&controller->Lock, &irql);
    BOOLEAN busy = Pipe->Outstanding != 0;
    if (busy)
        Pipe->Drained = &drained;
    KeReleaseSpinLock(&controller->Lock, irql);
    if (!busy)
        return;
    UsbpCancelTransfers(Device, Pipe);
    KeWaitForSingleObject(&drained, Executive, KernelMode, FALSE, NULL);
    KeAcquireSpinLock(&controller->Lock, &irql);
    Pipe->Drained = NULL;
    KeReleaseSpinLock(&controller->Lock, irql);
}

/* Every pipe but the default one drained and closed, the controller's
   endpoints dropped. Configuring held. */
static VOID UsbpDropPipes(PUSBP_DEVICE Device)
{
    PUSBP_CONTROLLER controller = Device->Controller;
    KIRQL irql;

    for (ULONG i = 0; i < Device->PipeCount; i++)
        UsbpDrainPipe(Device, &Device->Pipes[i]);
    KeAcquireSpinLock(&controller->Lock, &irql);
    for (ULONG i = 0; i < Device->PipeCount; i++)
        Device->Pipes[i].Open = FALSE;
    Device->PipeCount = 0;
    KeReleaseSpinLock(&controller->Lock, irql);
    if (Device->ConfigurationValue != 0)
        controller->Hc->ConfigureEndpoints(controller->HcContext, Device->HcDevice, NULL, 0);
}

static USBD_STATUS UsbpSetConfiguration(PUSBP_DEVICE Device, UCHAR Value)
{
    USBD_STATUS usbd;
    UsbpControl(Device, BMREQUEST_STANDARD << 5 | BMREQUEST_TO_DEVICE,
                USB_REQUEST_SET_CONFIGURATION, Value, 0, NULL, 0, NULL, &usbd);
    return usbd;
}

/* The settings the URB asks for, checked against the configuration: one
   USBD_INTERFACE_INFORMATION per interface, each long enough for its
   pipes, all inside the URB. */
static USBD_STATUS UsbpCheckSelection(PUSBP_DEVICE Device, PURB Urb,
                                      const USB_DESC_SETTING *Settings[], PULONG Endpoints)
{
    const USB_DESC_CONFIGURATION *config = Device->Configuration;
    PUCHAR end = (PUCHAR)Urb + Urb->UrbHeader.Length;
    PUCHAR p = (PUCHAR)&Urb->UrbSelectConfiguration.Interface;

    *Endpoints = 0;
    for (ULONG i = 0; i < config->InterfaceCount; i++) {
        PUSBD_INTERFACE_INFORMATION info = (PUSBD_INTERFACE_INFORMATION)p;
        if (p + FIELD_OFFSET(USBD_INTERFACE_INFORMATION, Pipes) > end ||
            info->Length < FIELD_OFFSET(USBD_INTERFACE_INFORMATION, Pipes) ||
            p + info->Length > end)
            return USBD_STATUS_INVALID_PARAMETER;
        Settings[i] = UsbDescFindSetting(config, info->InterfaceNumber, info->AlternateSetting);
        if (Settings[i] == NULL)
            return USBD_STATUS_INTERFACE_NOT_FOUND;
        if (info->Length < GET_USBD_INTERFACE_SIZE(Settings[i]->EndpointCount))
            return USBD_STATUS_BUFFER_TOO_SMALL;
        *Endpoints += Settings[i]->EndpointCount;
        p += info->Length;
    }
    return *Endpoints <= USBP_MAX_PIPES ? USBD_STATUS_SUCCESS : USBD_STATUS_NO_BANDWIDTH;
}

/* The pipes of the selected settings, opened, and the URB's answer. */
static VOID UsbpOpenPipes(PUSBP_DEVICE Device, PURB Urb, const USB_DESC_SETTING *Settings[])
{
    const USB_DESC_CONFIGURATION *config = Device->Configuration;
    PUCHAR p = (PUCHAR)&Urb->UrbSelectConfiguration.Interface;
    ULONG n = 0;
    KIRQL irql;

    KeAcquireSpinLock(&Device->Controller->Lock, &irql);
    for (ULONG i = 0; i < config->InterfaceCount; i++) {
        PUSBD_INTERFACE_INFORMATION info = (PUSBD_INTERFACE_INFORMATION)p;
        const USB_DESC_SETTING *s = Settings[i];
        info->Class = s->Class;
        info->SubClass = s->SubClass;
        info->Protocol = s->Protocol;
        info->InterfaceHandle = (USBD_INTERFACE_HANDLE)s;
        info->NumberOfPipes = s->EndpointCount;
        for (ULONG e = 0; e < s->EndpointCount; e++, n++) {
            const USB_DESC_ENDPOINT *ep = &config->Endpoints[s->FirstEndpoint + e];
            Device->Pipes[n] = (USBP_PIPE){.Address = ep->Address,
                                           .Type = ep->Type,
                                           .Interval = ep->Interval,
                                           .Open = TRUE,
                                           .MaxPacketSize = ep->MaxPacketSize};
            PUSBD_PIPE_INFORMATION pipe = &info->Pipes[e];
            pipe->MaximumPacketSize = ep->MaxPacketSize;
            pipe->EndpointAddress = ep->Address;
            pipe->Interval = ep->Interval;
            pipe->PipeType = (USBD_PIPE_TYPE)ep->Type; /* the same numbering */
            pipe->PipeHandle = &Device->Pipes[n];
        }
        p += info->Length;
    }
    Device->PipeCount = n;
    KeReleaseSpinLock(&Device->Controller->Lock, irql);
    Urb->UrbSelectConfiguration.ConfigurationHandle = (USBD_CONFIGURATION_HANDLE)config;
}

static USBD_STATUS UsbpSelect(PUSBP_DEVICE Device, PURB Urb)
{
    PUSBP_CONTROLLER controller = Device->Controller;
    const USB_DESC_CONFIGURATION *config = Device->Configuration;
    const USB_DESC_SETTING *settings[USB_DESC_MAX_INTERFACES];
    USBHC_ENDPOINT endpoints[USBP_MAX_PIPES];
    ULONG count;

    PUSB_CONFIGURATION_DESCRIPTOR wanted = Urb->UrbSelectConfiguration.ConfigurationDescriptor;
    if (wanted == NULL) { /* unconfigure */
        UsbpDropPipes(Device);
        Device->ConfigurationValue = 0;
        Urb->UrbSelectConfiguration.ConfigurationHandle = NULL;
        return UsbpSetConfiguration(Device, 0);
    }
    if (wanted->bConfigurationValue != config->ConfigurationValue)
        return USBD_STATUS_INVALID_CONFIGURATION_DESCRIPTOR; /* KeLab reads only the first */
    USBD_STATUS status = UsbpCheckSelection(Device, Urb, settings, &count);
    if (!USBD_SUCCESS(status))
        return status;

    count = 0;
    for (ULONG i = 0; i < config->InterfaceCount; i++) {
        for (ULONG e = 0; e < settings[i]->EndpointCount; e++) {
            const USB_DESC_ENDPOINT *ep = &config->Endpoints[settings[i]->FirstEndpoint + e];
            endpoints[count++] = (USBHC_ENDPOINT){
                .Address = ep->Address,
                .Type = ep->Type,
                .MaxPacketSize = ep->MaxPacketSize,
                .TransactionsPerMicroframe = ep->TransactionsPerMicroframe,
                .IntervalExponent = ep->IntervalExponent,
            };
        }
    }
    UsbpDropPipes(Device);
    Device->ConfigurationValue = 0;
    NTSTATUS hc = controller->Hc->ConfigureEndpoints(controller->HcContext, Device->HcDevice,
                                                     endpoints, count);
    if (!NT_SUCCESS(hc))
        return hc == STATUS_DEVICE_NOT_CONNECTED ? USBD_STATUS_DEVICE_GONE
                                                 : USBD_STATUS_NO_BANDWIDTH;
    status = UsbpSetConfiguration(Device, config->ConfigurationValue);
    if (!USBD_SUCCESS(status)) {
        controller->Hc->ConfigureEndpoints(controller->HcContext, Device->HcDevice, NULL, 0);
        return status == USBD_STATUS_DEVICE_GONE ? status : USBD_STATUS_SET_CONFIG_FAILED;
    }
    Device->ConfigurationValue = config->ConfigurationValue;
    UsbpOpenPipes(Device, Urb, settings);
    return USBD_STATUS_SUCCESS;
}

USBD_STATUS UsbpSelectConfiguration(PUSBP_DEVICE Device, PURB Urb)
{
    KeWaitForSingleObject(&Device->Configuring, Executive, KernelMode, FALSE, NULL);
    USBD_STATUS status = UsbpSelect(Device, Urb);
    KeReleaseMutex(&Device->Configuring, FALSE);
    return status;
}

USBD_STATUS UsbpAbortPipe(PUSBP_DEVICE Device, PUSBP_PIPE Pipe)
{
    KeWaitForSingleObject(&Device->Configuring, Executive, KernelMode, FALSE, NULL);
    UsbpDrainPipe(Device, Pipe);
    KeReleaseMutex(&Device->Configuring, FALSE);
    return USBD_STATUS_SUCCESS;
}

/* The device's halt is cleared before the controller's, because clearing
   the controller's starts the transfers queued on the endpoint again:
   they must find the device ready. The default pipe needs neither: a
   STALL there ends one request, not the endpoint (the controller driver
   recovers it by itself). */
USBD_STATUS UsbpResetPipe(PUSBP_DEVICE Device, PUSBP_PIPE Pipe, BOOLEAN ResetHost,
                          BOOLEAN ClearStall)
{
    PUSBP_CONTROLLER controller = Device->Controller;
    USBD_STATUS status = USBD_STATUS_SUCCESS;

    if (Pipe == &Device->DefaultPipe)
        return USBD_STATUS_SUCCESS;
    KeWaitForSingleObject(&Device->Configuring, Executive, KernelMode, FALSE, NULL);
    if (ClearStall)
        UsbpControl(Device, BMREQUEST_STANDARD << 5 | BMREQUEST_TO_ENDPOINT,
                    USB_REQUEST_CLEAR_FEATURE, USB_FEATURE_ENDPOINT_STALL, Pipe->Address, NULL, 0,
                    NULL, &status);
    if (USBD_SUCCESS(status) && ResetHost) {
        NTSTATUS hc =
            controller->Hc->ResetEndpoint(controller->HcContext, Device->HcDevice, Pipe->Address);
        if (!NT_SUCCESS(hc))
            status = hc == STATUS_DEVICE_NOT_CONNECTED ? USBD_STATUS_DEVICE_GONE
                                                       : USBD_STATUS_INTERNAL_HC_ERROR;
    }
    KeReleaseMutex(&Device->Configuring, FALSE);
    return status;
}

VOID UsbpClosePipes(PUSBP_DEVICE Device)
{
    KeWaitForSingleObject(&Device->Configuring, Executive, KernelMode, FALSE, NULL);
    if (Device->ConfigurationValue != 0) {
        UsbpDropPipes(Device);
        Device->ConfigurationValue = 0;
        UsbpSetConfiguration(Device, 0); /* a device that is gone does not mind */
    }
    KeReleaseMutex(&Device->Configuring, FALSE);
}
