/*
 * fuzz_usbdesc.c: libFuzzer target for the USB descriptor parser.
 *
 * The input is what a device sent in answer to GET_DESCRIPTOR. It is
 * parsed every way the USB core parses descriptors (device descriptor
 * and its 8-byte prefix, configuration header and whole configuration,
 * string and language list) at every speed. Whatever the bytes, each
 * parse must return, read nothing past the input, explain a refusal,
 * and hand back results that keep the promises of usbdesc.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "usbdesc.h"

static void CheckReason(const CHAR *Reason, NTSTATUS Status)
{
    if (strnlen(Reason, USB_DESC_REASON_MAX) == USB_DESC_REASON_MAX)
        abort();
    if (Status != STATUS_SUCCESS && (Status != STATUS_DEVICE_DATA_ERROR || Reason[0] == 0))
        abort();
}

static void CheckDevice(const uint8_t *Data, size_t Size, USB_DEVICE_SPEED Speed)
{
    USB_DESC_DEVICE device;
    CHAR why[USB_DESC_REASON_MAX];
    USHORT mps;

    NTSTATUS status = UsbDescReadMaxPacketSize0(Data, (ULONG)Size, Speed, &mps, why, sizeof(why));
    CheckReason(why, status);
    if (NT_SUCCESS(status) != (mps != 0) ||
        (mps != 0 && mps != 8 && mps != 16 && mps != 32 && mps != 64 && mps != 512))
        abort();

    status = UsbDescParseDevice(Data, (ULONG)Size, Speed, &device);
    CheckReason(device.Reason, status);
    if (NT_SUCCESS(status) &&
        (Size < 18 || device.MaxPacketSize0 != mps || device.ConfigurationCount == 0 ||
         device.VendorId != Data[8] + 256 * Data[9]))
        abort();
}

/* Every endpoint an endpoint descriptor inside the configuration, of a
   setting that counts it; every interface counted has its alternate 0. */
static void CheckConfiguration(const uint8_t *Data, size_t Size, USB_DEVICE_SPEED Speed)
{
    static USB_DESC_CONFIGURATION config;
    CHAR why[USB_DESC_REASON_MAX];
    USHORT total;

    NTSTATUS header = UsbDescReadTotalLength(Data, (ULONG)Size, &total, why, sizeof(why));
    CheckReason(why, header);
    NTSTATUS status = UsbDescParseConfiguration(Data, (ULONG)Size, Speed, &config);
    CheckReason(config.Reason, status);
    if (!NT_SUCCESS(status))
        return;
    if (!NT_SUCCESS(header) || config.TotalLength != total || total > Size ||
        total > USB_DESC_MAX_CONFIGURATION_LENGTH || config.SettingCount > USB_DESC_MAX_SETTINGS ||
        config.EndpointCount > USB_DESC_MAX_ENDPOINTS ||
        config.InterfaceCount > USB_DESC_MAX_INTERFACES || config.ConfigurationValue == 0)
        abort();

    ULONG endpoints = 0;
    for (ULONG i = 0; i < config.SettingCount; i++) {
        const USB_DESC_SETTING *s = &config.Settings[i];
        if (s->InterfaceNumber >= config.InterfaceCount || s->FirstEndpoint != endpoints ||
            s->Offset + 9u > total || Data[s->Offset + 1] != USB_INTERFACE_DESCRIPTOR_TYPE ||
            Data[s->Offset + 4] != s->EndpointCount ||
            UsbDescFindSetting(&config, s->InterfaceNumber, s->AlternateSetting) != s)
            abort();
        for (ULONG e = 0; e < s->EndpointCount; e++) {
            const USB_DESC_ENDPOINT *ep = &config.Endpoints[s->FirstEndpoint + e];
            if (ep->Offset + 7u > total || ep->Offset <= s->Offset ||
                Data[ep->Offset + 1] != USB_ENDPOINT_DESCRIPTOR_TYPE ||
                Data[ep->Offset + 2] != ep->Address || (ep->Address & 0x70) != 0 ||
                (ep->Address & 0x0F) == 0 || ep->MaxPacketSize > 1024 ||
                (ep->MaxPacketSize == 0 && ep->Type != USB_ENDPOINT_TYPE_ISOCHRONOUS) ||
                ep->TransactionsPerMicroframe < 1 || ep->TransactionsPerMicroframe > 3 ||
                ep->IntervalExponent > 18)
                abort();
        }
        endpoints += s->EndpointCount;
    }
    if (endpoints != config.EndpointCount)
        abort();
    for (ULONG n = 0; n < config.InterfaceCount; n++) {
        if (UsbDescFindSetting(&config, (UCHAR)n, 0) == NULL)
            abort();
    }
}

static void CheckString(const uint8_t *Data, size_t Size, BOOLEAN Languages)
{
    USB_DESC_STRING string;
    CHAR ascii[USB_DESC_MAX_STRING_CHARS + 1];
    NTSTATUS status = UsbDescParseString(Data, (ULONG)Size, Languages, &string);
    CheckReason(string.Reason, status);
    if (NT_SUCCESS(status) && (2u + 2u * string.Count > Size || (Languages && string.Count == 0)))
        abort();
    UsbDescStringToAscii(&string, ascii, sizeof(ascii));
    if (strlen(ascii) != string.Count)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    /* An exactly sized heap copy, so that AddressSanitizer sees any read
       past what the device sent. */
    uint8_t *buffer = malloc(Size ? Size : 1);
    memcpy(buffer, Data, Size);
    for (int speed = UsbLowSpeed; speed <= UsbSuperSpeed; speed++) {
        CheckDevice(buffer, Size, (USB_DEVICE_SPEED)speed);
        CheckConfiguration(buffer, Size, (USB_DEVICE_SPEED)speed);
    }
    CheckString(buffer, Size, FALSE);
    CheckString(buffer, Size, TRUE);
    free(buffer);
    return 0;
}
