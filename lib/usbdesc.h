/*
 * usbdesc.h: USB descriptors, read from a device and checked.
 *
 * Everything a device says about itself is untrusted: a broken or hostile
 * device can send a length that runs past the data, a count that does
 * not match what follows, an endpoint that cannot exist, a packet size
 * the host controller would choke on. The USB core hands every
 * descriptor it reads to these parsers before it believes a byte of it;
 * a device whose descriptors fail is left unconfigured, and the Reason
 * says why, for the log.
 *
 * The rules are those of the USB 2.0 specification, chapter 9 (and USB
 * 3.2's for SuperSpeed packet sizes):
 *   - a descriptor shorter than its type's length is invalid; a longer
 *     one is accepted, its extra bytes ignored, and the next descriptor
 *     found with the length it gave (section 9.5);
 *   - no descriptor may run past the data, and wTotalLength must be the
 *     data that came;
 *   - counts (bNumInterfaces, bNumEndpoints) must match what follows;
 *   - endpoint addresses, packet sizes and intervals must be ones the
 *     device's speed allows (sections 5.5 to 5.8, 9.6.6).
 * Descriptors of types the parser does not know (class-specific ones,
 * interface associations, SuperSpeed companions) are stepped over, inside
 * their bounds, and counted.
 *
 * Freestanding: the kernel and the host tests and fuzzers compile it.
 * Bytes are read one at a time; no structure is laid over device data.
 */
#ifndef KELAB_USBDESC_H
#define KELAB_USBDESC_H

#include "ntdef.h"
#include "usbspec.h"

#define USB_DESC_REASON_MAX 112

/* KeLab's limits, above what any real device needs; a configuration
   beyond them is refused with a reason, not truncated. */
#define USB_DESC_MAX_CONFIGURATION_LENGTH 4096
#define USB_DESC_MAX_INTERFACES           32 /* bNumInterfaces */
#define USB_DESC_MAX_SETTINGS             32 /* interface descriptors, all alternates */
#define USB_DESC_MAX_ENDPOINTS            64 /* endpoint descriptors, all settings */
#define USB_DESC_MAX_SETTING_ENDPOINTS    30 /* 15 OUT and 15 IN */

/* ---- the device descriptor -------------------------------------------- */

typedef struct _USB_DESC_DEVICE {
    USHORT UsbVersion; /* bcdUSB */
    UCHAR Class;
    UCHAR SubClass;
    UCHAR Protocol;
    USHORT MaxPacketSize0; /* in bytes (decoded for SuperSpeed) */
    USHORT VendorId;
    USHORT ProductId;
    USHORT DeviceVersion; /* bcdDevice */
    UCHAR ManufacturerString;
    UCHAR ProductString;
    UCHAR SerialNumberString;
    UCHAR ConfigurationCount;
    CHAR Reason[USB_DESC_REASON_MAX]; /* why it was refused */
} USB_DESC_DEVICE;

/* The first 8 bytes of the device descriptor, all a host reads before it
   knows endpoint 0's packet size: returns that size in bytes in
   *MaxPacketSize0. Length is what the device sent (8 or more). */
NTSTATUS UsbDescReadMaxPacketSize0(const UCHAR *Data, ULONG Length, USB_DEVICE_SPEED Speed,
                                   USHORT *MaxPacketSize0, PSTR Reason, SIZE_T cbReason);

/* The whole device descriptor. STATUS_SUCCESS, or STATUS_DEVICE_DATA_ERROR
   with Device->Reason. */
NTSTATUS UsbDescParseDevice(const UCHAR *Data, ULONG Length, USB_DEVICE_SPEED Speed,
                            USB_DESC_DEVICE *Device);

/* ---- a configuration ---------------------------------------------------- */

typedef struct _USB_DESC_ENDPOINT {
    UCHAR Address;                   /* bEndpointAddress: number 1-15, bit 7 for IN */
    UCHAR Type;                      /* USB_ENDPOINT_TYPE_* */
    UCHAR Attributes;                /* bmAttributes as sent */
    UCHAR Interval;                  /* bInterval as sent */
    USHORT MaxPacketSize;            /* bytes per transaction */
    UCHAR TransactionsPerMicroframe; /* 1-3 (high-speed periodic), else 1 */
    /* Periodic endpoints: serviced every 2^IntervalExponent x 125 us
       (the form xHCI's endpoint context takes); 0 for bulk and control. */
    UCHAR IntervalExponent;
    USHORT Offset; /* of its descriptor in the configuration */
} USB_DESC_ENDPOINT;

/* One interface descriptor: an interface in one of its alternate
   settings, with its endpoints Endpoints[FirstEndpoint..+EndpointCount). */
typedef struct _USB_DESC_SETTING {
    UCHAR InterfaceNumber;
    UCHAR AlternateSetting;
    UCHAR Class;
    UCHAR SubClass;
    UCHAR Protocol;
    UCHAR String;
    UCHAR EndpointCount;
    UCHAR FirstEndpoint;
    USHORT Offset; /* of the interface descriptor in the configuration */
} USB_DESC_SETTING;

typedef struct _USB_DESC_CONFIGURATION {
    USHORT TotalLength;
    UCHAR InterfaceCount; /* bNumInterfaces */
    UCHAR ConfigurationValue;
    UCHAR String;
    UCHAR Attributes;
    USHORT MaxPowerMilliamps;
    UCHAR SettingCount;
    UCHAR EndpointCount;
    USHORT SkippedCount; /* descriptors of other types stepped over */
    USB_DESC_SETTING Settings[USB_DESC_MAX_SETTINGS];
    USB_DESC_ENDPOINT Endpoints[USB_DESC_MAX_ENDPOINTS];
    CHAR Reason[USB_DESC_REASON_MAX];
} USB_DESC_CONFIGURATION;

/* The 9-byte configuration descriptor alone, as a host reads it first to
   learn wTotalLength: returns it in *TotalLength, refusing one shorter
   than the descriptor or above USB_DESC_MAX_CONFIGURATION_LENGTH. */
NTSTATUS UsbDescReadTotalLength(const UCHAR *Data, ULONG Length, USHORT *TotalLength, PSTR Reason,
                                SIZE_T cbReason);

/* A whole configuration (Length bytes came; only wTotalLength of them
   are parsed). STATUS_SUCCESS, or STATUS_DEVICE_DATA_ERROR with
   Config->Reason naming the descriptor and its offset. */
NTSTATUS UsbDescParseConfiguration(const UCHAR *Data, ULONG Length, USB_DEVICE_SPEED Speed,
                                   USB_DESC_CONFIGURATION *Config);

/* The setting of interface InterfaceNumber with AlternateSetting, or NULL. */
const USB_DESC_SETTING *UsbDescFindSetting(const USB_DESC_CONFIGURATION *Config,
                                           UCHAR InterfaceNumber, UCHAR AlternateSetting);

/* ---- strings ------------------------------------------------------------ */

#define USB_DESC_MAX_STRING_CHARS 126 /* (255 - 2) / 2 */

typedef struct _USB_DESC_STRING {
    USHORT Count;                           /* UTF-16 units (language ids for string 0) */
    WCHAR Chars[USB_DESC_MAX_STRING_CHARS]; /* not terminated */
    CHAR Reason[USB_DESC_REASON_MAX];
} USB_DESC_STRING;

/* A string descriptor (or, for index 0, the list of language ids: then
   at least one is required). */
NTSTATUS UsbDescParseString(const UCHAR *Data, ULONG Length, BOOLEAN LanguageList,
                            USB_DESC_STRING *String);

/* The string as printable ASCII for a console: other characters become
   '?'. Always terminated when cbAscii > 0. */
VOID UsbDescStringToAscii(const USB_DESC_STRING *String, PSTR Ascii, SIZE_T cbAscii);

/* ---- names for people --------------------------------------------------- */

PCSTR UsbDescSpeedName(USB_DEVICE_SPEED Speed); /* "high" */
PCSTR UsbDescEndpointTypeName(UCHAR Type);      /* "bulk" */

#endif
