/*
 * usbd.c: the USBD_* routines of usbdlib.h, what a function driver calls
 * to read a configuration descriptor and build its selection URB (on
 * Windows, usbd.sys).
 *
 * The descriptor a driver passes is one it got from the device through
 * the core; it is walked with the same care as any descriptor: a length
 * under 2 or past the end stops the walk instead of looping or reading
 * beyond the buffer.
 */
#include "usbp.h"

#define USBD_TAG 'DBSU'

VOID USBD_GetUSBDIVersion(PUSBD_VERSION_INFORMATION VersionInformation)
{
    VersionInformation->USBDI_Version = USBDI_VERSION;
    VersionInformation->Supported_USB_Version = 0x0300;
}

PUSB_COMMON_DESCRIPTOR USBD_ParseDescriptors(PVOID DescriptorBuffer, ULONG TotalLength,
                                             PVOID StartPosition, LONG DescriptorType)
{
    PUCHAR end = (PUCHAR)DescriptorBuffer + TotalLength;
    PUCHAR p = StartPosition;
    if (p < (PUCHAR)DescriptorBuffer)
        return NULL;
    while (p + sizeof(USB_COMMON_DESCRIPTOR) <= end) {
        PUSB_COMMON_DESCRIPTOR d = (PUSB_COMMON_DESCRIPTOR)p;
        if (d->bLength < sizeof(USB_COMMON_DESCRIPTOR) || p + d->bLength > end)
            return NULL;
        if (d->bDescriptorType == DescriptorType)
            return d;
        p += d->bLength;
    }
    return NULL;
}

static BOOLEAN UsbdMatches(LONG Criterion, UCHAR Value)
{
    return Criterion == -1 || Criterion == Value;
}

PUSB_INTERFACE_DESCRIPTOR
USBD_ParseConfigurationDescriptorEx(PUSB_CONFIGURATION_DESCRIPTOR ConfigurationDescriptor,
                                    PVOID StartPosition, LONG InterfaceNumber,
                                    LONG AlternateSetting, LONG InterfaceClass,
                                    LONG InterfaceSubClass, LONG InterfaceProtocol)
{
    ULONG total = ConfigurationDescriptor->wTotalLength;
    PUCHAR p = StartPosition;
    for (;;) {
        PUSB_INTERFACE_DESCRIPTOR i = (PUSB_INTERFACE_DESCRIPTOR)USBD_ParseDescriptors(
            ConfigurationDescriptor, total, p, USB_INTERFACE_DESCRIPTOR_TYPE);
        if (i == NULL)
            return NULL;
        if (i->bLength >= sizeof(USB_INTERFACE_DESCRIPTOR) &&
            UsbdMatches(InterfaceNumber, i->bInterfaceNumber) &&
            UsbdMatches(AlternateSetting, i->bAlternateSetting) &&
            UsbdMatches(InterfaceClass, i->bInterfaceClass) &&
            UsbdMatches(InterfaceSubClass, i->bInterfaceSubClass) &&
            UsbdMatches(InterfaceProtocol, i->bInterfaceProtocol))
            return i;
        p = (PUCHAR)i + i->bLength;
    }
}

PURB USBD_CreateConfigurationRequestEx(PUSB_CONFIGURATION_DESCRIPTOR ConfigurationDescriptor,
                                       PUSBD_INTERFACE_LIST_ENTRY InterfaceList)
{
    SIZE_T size = FIELD_OFFSET(struct _URB_SELECT_CONFIGURATION, Interface);
    for (PUSBD_INTERFACE_LIST_ENTRY e = InterfaceList; e->InterfaceDescriptor != NULL; e++)
        size += GET_USBD_INTERFACE_SIZE(e->InterfaceDescriptor->bNumEndpoints);
    if (size < sizeof(struct _URB_SELECT_CONFIGURATION))
        size = sizeof(struct _URB_SELECT_CONFIGURATION);
    if (size > 0xFFFF)
        return NULL; /* Hdr.Length could not say it */
    PURB urb = ExAllocatePoolWithTag(NonPagedPool, size, USBD_TAG);
    if (urb == NULL)
        return NULL;
    RtlZeroMemory(urb, size);
    PUCHAR p = (PUCHAR)&urb->UrbSelectConfiguration.Interface;
    for (PUSBD_INTERFACE_LIST_ENTRY e = InterfaceList; e->InterfaceDescriptor != NULL; e++) {
        PUSB_INTERFACE_DESCRIPTOR d = e->InterfaceDescriptor;
        PUSBD_INTERFACE_INFORMATION info = (PUSBD_INTERFACE_INFORMATION)p;
        info->Length = (USHORT)GET_USBD_INTERFACE_SIZE(d->bNumEndpoints);
        info->InterfaceNumber = d->bInterfaceNumber;
        info->AlternateSetting = d->bAlternateSetting;
        info->NumberOfPipes = d->bNumEndpoints;
        for (ULONG j = 0; j < d->bNumEndpoints; j++)
            info->Pipes[j].MaximumTransferSize = USBD_DEFAULT_MAXIMUM_TRANSFER_SIZE;
        e->Interface = info;
        p += info->Length;
    }
    UsbBuildSelectConfigurationRequest(urb, (USHORT)size, ConfigurationDescriptor);
    return urb;
}
