/*
 * usbdesc.c: the device descriptor, string descriptors, and names (see
 * usbdesc.h; the configuration is in usbdesc_config.c).
 */
#include "usbdescp.h"

NTSTATUS UsbDescFail(PSTR Reason, SIZE_T cbReason, PCSTR Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    RtlStringCbVPrintfA(Reason, cbReason, Format, ap);
    va_end(ap);
    return STATUS_DEVICE_DATA_ERROR;
}

PCSTR UsbDescTypeName(UCHAR Type, CHAR Buffer[16])
{
    static const PCSTR names[] = {
        [USB_DEVICE_DESCRIPTOR_TYPE] = "device",
        [USB_CONFIGURATION_DESCRIPTOR_TYPE] = "configuration",
        [USB_STRING_DESCRIPTOR_TYPE] = "string",
        [USB_INTERFACE_DESCRIPTOR_TYPE] = "interface",
        [USB_ENDPOINT_DESCRIPTOR_TYPE] = "endpoint",
        [USB_DEVICE_QUALIFIER_DESCRIPTOR_TYPE] = "device qualifier",
        [USB_OTHER_SPEED_CONFIGURATION_DESCRIPTOR_TYPE] = "other-speed configuration",
    };
    if (Type < ARRAYSIZE(names) && names[Type] != NULL)
        return names[Type];
    RtlStringCbPrintfA(Buffer, 16, "type 0x%02x", Type);
    return Buffer;
}

PCSTR UsbDescSpeedName(USB_DEVICE_SPEED Speed)
{
    switch (Speed) {
    case UsbLowSpeed:
        return "low";
    case UsbFullSpeed:
        return "full";
    case UsbHighSpeed:
        return "high";
    case UsbSuperSpeed:
        return "super";
    }
    return "unknown";
}

PCSTR UsbDescEndpointTypeName(UCHAR Type)
{
    static const PCSTR names[] = {"control", "isochronous", "bulk", "interrupt"};
    return names[Type & USB_ENDPOINT_TYPE_MASK];
}

/* Endpoint 0's packet size: the only sizes each speed allows (USB 2.0
   section 5.5.3; USB 3.2 section 9.6.1, where the field is a power of 2
   and only 2^9 = 512 is valid). 0 if the field is invalid. */
static USHORT UsbDescDecodeMaxPacketSize0(UCHAR Field, USB_DEVICE_SPEED Speed)
{
    switch (Speed) {
    case UsbLowSpeed:
        return Field == 8 ? 8 : 0;
    case UsbFullSpeed:
        return (Field == 8 || Field == 16 || Field == 32 || Field == 64) ? Field : 0;
    case UsbHighSpeed:
        return Field == 64 ? 64 : 0;
    case UsbSuperSpeed:
        return Field == 9 ? 512 : 0;
    }
    return 0;
}

/* The checks the 8-byte prefix allows: type, length, endpoint 0. */
static NTSTATUS UsbDescCheckDevicePrefix(const UCHAR *Data, ULONG Length, USB_DEVICE_SPEED Speed,
                                         USHORT *MaxPacketSize0, PSTR Reason, SIZE_T cbReason)
{
    if (Speed > UsbSuperSpeed)
        return UsbDescFail(Reason, cbReason, "unknown device speed %u", (unsigned)Speed);
    if (Length < 8)
        return UsbDescFail(Reason, cbReason, "device descriptor: %u bytes came, 8 needed", Length);
    if (Data[1] != USB_DEVICE_DESCRIPTOR_TYPE)
        return UsbDescFail(Reason, cbReason, "device descriptor has type 0x%02x", Data[1]);
    if (Data[0] < USB_DEVICE_DESCRIPTOR_LENGTH)
        return UsbDescFail(Reason, cbReason, "device descriptor bLength %u, less than %u", Data[0],
                           USB_DEVICE_DESCRIPTOR_LENGTH);
    *MaxPacketSize0 = UsbDescDecodeMaxPacketSize0(Data[7], Speed);
    if (*MaxPacketSize0 == 0)
        return UsbDescFail(Reason, cbReason, "bMaxPacketSize0 %u is not valid at %s speed", Data[7],
                           UsbDescSpeedName(Speed));
    return STATUS_SUCCESS;
}

NTSTATUS UsbDescReadMaxPacketSize0(const UCHAR *Data, ULONG Length, USB_DEVICE_SPEED Speed,
                                   USHORT *MaxPacketSize0, PSTR Reason, SIZE_T cbReason)
{
    *MaxPacketSize0 = 0;
    return UsbDescCheckDevicePrefix(Data, Length, Speed, MaxPacketSize0, Reason, cbReason);
}

NTSTATUS UsbDescParseDevice(const UCHAR *Data, ULONG Length, USB_DEVICE_SPEED Speed,
                            USB_DESC_DEVICE *Device)
{
    RtlZeroMemory(Device, sizeof(*Device));
    NTSTATUS status = UsbDescCheckDevicePrefix(Data, Length, Speed, &Device->MaxPacketSize0,
                                               Device->Reason, sizeof(Device->Reason));
    if (!NT_SUCCESS(status))
        return status;
    /* A longer bLength is allowed (section 9.5): its extra bytes, which a
       host asking for 18 never sees, are ignored. */
    if (Length < USB_DEVICE_DESCRIPTOR_LENGTH)
        return UsbDescFail(Device->Reason, sizeof(Device->Reason),
                           "device descriptor: %u bytes came, %u needed", Length,
                           USB_DEVICE_DESCRIPTOR_LENGTH);
    if (Data[17] == 0)
        return UsbDescFail(Device->Reason, sizeof(Device->Reason),
                           "bNumConfigurations is 0: nothing to configure");
    Device->UsbVersion = UsbDescRead16(Data + 2);
    Device->Class = Data[4];
    Device->SubClass = Data[5];
    Device->Protocol = Data[6];
    Device->VendorId = UsbDescRead16(Data + 8);
    Device->ProductId = UsbDescRead16(Data + 10);
    Device->DeviceVersion = UsbDescRead16(Data + 12);
    Device->ManufacturerString = Data[14];
    Device->ProductString = Data[15];
    Device->SerialNumberString = Data[16];
    Device->ConfigurationCount = Data[17];
    return STATUS_SUCCESS;
}

NTSTATUS UsbDescParseString(const UCHAR *Data, ULONG Length, BOOLEAN LanguageList,
                            USB_DESC_STRING *String)
{
    PSTR why = String->Reason;
    RtlZeroMemory(String, sizeof(*String));
    if (Length < 2)
        return UsbDescFail(why, sizeof(String->Reason), "string descriptor: %u bytes came", Length);
    if (Data[1] != USB_STRING_DESCRIPTOR_TYPE)
        return UsbDescFail(why, sizeof(String->Reason), "string descriptor has type 0x%02x",
                           Data[1]);
    if (Data[0] < 2 || Data[0] % 2 != 0)
        return UsbDescFail(why, sizeof(String->Reason),
                           "string descriptor bLength %u is not 2 plus whole UTF-16 units",
                           Data[0]);
    if (Data[0] > Length)
        return UsbDescFail(why, sizeof(String->Reason),
                           "string descriptor bLength %u, but %u bytes came", Data[0], Length);
    String->Count = (USHORT)((Data[0] - 2) / 2);
    if (LanguageList && String->Count == 0)
        return UsbDescFail(why, sizeof(String->Reason), "string 0 lists no language");
    for (ULONG i = 0; i < String->Count; i++)
        String->Chars[i] = UsbDescRead16(Data + 2 + 2 * i);
    return STATUS_SUCCESS;
}

VOID UsbDescStringToAscii(const USB_DESC_STRING *String, PSTR Ascii, SIZE_T cbAscii)
{
    SIZE_T n = 0;
    if (cbAscii == 0)
        return;
    for (ULONG i = 0; i < String->Count && n + 1 < cbAscii; i++) {
        WCHAR c = String->Chars[i];
        Ascii[n++] = (c >= 0x20 && c < 0x7F) ? (CHAR)c : '?';
    }
    Ascii[n] = 0;
}
