/*
 * usbspec.h: the USB specification's own definitions (chapter 9 of USB
 * 2.0, and the few USB 3 values a host needs), with the WDK's names.
 *
 * The WDK's usbspec.h is the one header that both user mode and kernel
 * mode include for the descriptors and requests of the USB standard.
 * KeLab's lives in lib/ beside ntdef.h because it is freestanding and has
 * two kinds of users: drivers (through usb.h, in the driver kit) and the
 * descriptor parser lib/usbdesc.c, which is also compiled into host tests
 * and fuzzers.
 *
 * The structures are the bytes on the wire, packed and little-endian (as
 * x86 is). A driver may lay them over a descriptor the USB core has
 * already validated; code that reads descriptors straight from a device
 * must not (lib/usbdesc.c reads them a byte at a time).
 */
#ifndef KELAB_USBSPEC_H
#define KELAB_USBSPEC_H

#include "ntdef.h"

/* ---- speeds ---------------------------------------------------------- */

typedef enum _USB_DEVICE_SPEED {
    UsbLowSpeed = 0, /* 1.5 Mbit/s */
    UsbFullSpeed,    /* 12 Mbit/s */
    UsbHighSpeed,    /* 480 Mbit/s */
    UsbSuperSpeed    /* 5 Gbit/s and up */
} USB_DEVICE_SPEED;

/* ---- descriptor types (wValue's high byte in GET_DESCRIPTOR) ---------- */

#define USB_DEVICE_DESCRIPTOR_TYPE                        0x01
#define USB_CONFIGURATION_DESCRIPTOR_TYPE                 0x02
#define USB_STRING_DESCRIPTOR_TYPE                        0x03
#define USB_INTERFACE_DESCRIPTOR_TYPE                     0x04
#define USB_ENDPOINT_DESCRIPTOR_TYPE                      0x05
#define USB_DEVICE_QUALIFIER_DESCRIPTOR_TYPE              0x06
#define USB_OTHER_SPEED_CONFIGURATION_DESCRIPTOR_TYPE     0x07
#define USB_INTERFACE_POWER_DESCRIPTOR_TYPE               0x08
#define USB_OTG_DESCRIPTOR_TYPE                           0x09
#define USB_DEBUG_DESCRIPTOR_TYPE                         0x0A
#define USB_INTERFACE_ASSOCIATION_DESCRIPTOR_TYPE         0x0B
#define USB_BOS_DESCRIPTOR_TYPE                           0x0F
#define USB_DEVICE_CAPABILITY_DESCRIPTOR_TYPE             0x10
#define USB_SUPERSPEED_ENDPOINT_COMPANION_DESCRIPTOR_TYPE 0x30

/* wValue of GET_DESCRIPTOR: the type in the high byte, the index in the low. */
#define USB_DESCRIPTOR_MAKE_TYPE_AND_INDEX(d, i) ((USHORT)((USHORT)(d) << 8 | (i)))

/* ---- standard requests (bRequest) ------------------------------------ */

#define USB_REQUEST_GET_STATUS        0x00
#define USB_REQUEST_CLEAR_FEATURE     0x01
#define USB_REQUEST_SET_FEATURE       0x03
#define USB_REQUEST_SET_ADDRESS       0x05
#define USB_REQUEST_GET_DESCRIPTOR    0x06
#define USB_REQUEST_SET_DESCRIPTOR    0x07
#define USB_REQUEST_GET_CONFIGURATION 0x08
#define USB_REQUEST_SET_CONFIGURATION 0x09
#define USB_REQUEST_GET_INTERFACE     0x0A
#define USB_REQUEST_SET_INTERFACE     0x0B
#define USB_REQUEST_SYNC_FRAME        0x0C

/* Feature selectors for SET_FEATURE and CLEAR_FEATURE. */
#define USB_FEATURE_ENDPOINT_STALL 0x0000 /* ENDPOINT_HALT, to an endpoint */
#define USB_FEATURE_REMOTE_WAKEUP  0x0001 /* to the device */
#define USB_FEATURE_TEST_MODE      0x0002

/* bmRequestType: direction (bit 7), type (bits 5-6), recipient (bits 0-4). */
#define BMREQUEST_HOST_TO_DEVICE 0
#define BMREQUEST_DEVICE_TO_HOST 1
#define BMREQUEST_STANDARD       0
#define BMREQUEST_CLASS          1
#define BMREQUEST_VENDOR         2
#define BMREQUEST_TO_DEVICE      0
#define BMREQUEST_TO_INTERFACE   1
#define BMREQUEST_TO_ENDPOINT    2
#define BMREQUEST_TO_OTHER       3

#pragma pack(push, 1)

typedef union _BM_REQUEST_TYPE {
    struct {
        UCHAR Recipient : 2; /* BMREQUEST_TO_* */
        UCHAR Reserved : 3;
        UCHAR Type : 2; /* BMREQUEST_STANDARD, _CLASS, _VENDOR */
        UCHAR Dir : 1;  /* BMREQUEST_HOST_TO_DEVICE or _DEVICE_TO_HOST */
    } s;
    UCHAR B;
} BM_REQUEST_TYPE, *PBM_REQUEST_TYPE;

/* The 8 bytes of a control transfer's setup stage. */
typedef struct _USB_DEFAULT_PIPE_SETUP_PACKET {
    BM_REQUEST_TYPE bmRequestType;
    UCHAR bRequest;
    union {
        struct {
            UCHAR LowByte;
            UCHAR HiByte;
        } Bytes;
        USHORT W;
    } wValue;
    union {
        struct {
            UCHAR LowByte;
            UCHAR HiByte;
        } Bytes;
        USHORT W;
    } wIndex;
    USHORT wLength;
} USB_DEFAULT_PIPE_SETUP_PACKET, *PUSB_DEFAULT_PIPE_SETUP_PACKET;

/* ---- descriptors -------------------------------------------------------- */

/* The two bytes every descriptor starts with. */
typedef struct _USB_COMMON_DESCRIPTOR {
    UCHAR bLength;
    UCHAR bDescriptorType;
} USB_COMMON_DESCRIPTOR, *PUSB_COMMON_DESCRIPTOR;

typedef struct _USB_DEVICE_DESCRIPTOR {
    UCHAR bLength; /* 18 */
    UCHAR bDescriptorType;
    USHORT bcdUSB;
    UCHAR bDeviceClass; /* 0: each interface says */
    UCHAR bDeviceSubClass;
    UCHAR bDeviceProtocol;
    UCHAR bMaxPacketSize0; /* of endpoint 0; a SuperSpeed device gives the power of 2 */
    USHORT idVendor;
    USHORT idProduct;
    USHORT bcdDevice;
    UCHAR iManufacturer; /* string indexes, 0 for none */
    UCHAR iProduct;
    UCHAR iSerialNumber;
    UCHAR bNumConfigurations;
} USB_DEVICE_DESCRIPTOR, *PUSB_DEVICE_DESCRIPTOR;

/* Followed, up to wTotalLength, by its interface, endpoint and class
   descriptors. */
typedef struct _USB_CONFIGURATION_DESCRIPTOR {
    UCHAR bLength; /* 9 */
    UCHAR bDescriptorType;
    USHORT wTotalLength;
    UCHAR bNumInterfaces;
    UCHAR bConfigurationValue; /* what SET_CONFIGURATION takes */
    UCHAR iConfiguration;
    UCHAR bmAttributes; /* USB_CONFIG_* */
    UCHAR MaxPower;     /* in 2 mA units (8 mA at SuperSpeed) */
} USB_CONFIGURATION_DESCRIPTOR, *PUSB_CONFIGURATION_DESCRIPTOR;

#define USB_CONFIG_POWERED_MASK  0xC0
#define USB_CONFIG_BUS_POWERED   0x80 /* reserved bit, always set */
#define USB_CONFIG_SELF_POWERED  0x40
#define USB_CONFIG_REMOTE_WAKEUP 0x20

typedef struct _USB_INTERFACE_DESCRIPTOR {
    UCHAR bLength; /* 9 */
    UCHAR bDescriptorType;
    UCHAR bInterfaceNumber;
    UCHAR bAlternateSetting;
    UCHAR bNumEndpoints; /* not counting endpoint 0 */
    UCHAR bInterfaceClass;
    UCHAR bInterfaceSubClass;
    UCHAR bInterfaceProtocol;
    UCHAR iInterface;
} USB_INTERFACE_DESCRIPTOR, *PUSB_INTERFACE_DESCRIPTOR;

typedef struct _USB_ENDPOINT_DESCRIPTOR {
    UCHAR bLength; /* 7 */
    UCHAR bDescriptorType;
    UCHAR bEndpointAddress; /* number in bits 0-3, IN if bit 7 */
    UCHAR bmAttributes;     /* transfer type in bits 0-1 */
    USHORT wMaxPacketSize;  /* bytes in bits 0-10; extra transactions per microframe in 11-12 */
    UCHAR bInterval;
} USB_ENDPOINT_DESCRIPTOR, *PUSB_ENDPOINT_DESCRIPTOR;

#define USB_ENDPOINT_DIRECTION_MASK               0x80
#define USB_ENDPOINT_ADDRESS_MASK                 0x0F
#define USB_ENDPOINT_DIRECTION_OUT(addr)          (!((addr)&USB_ENDPOINT_DIRECTION_MASK))
#define USB_ENDPOINT_DIRECTION_IN(addr)           ((addr)&USB_ENDPOINT_DIRECTION_MASK)
#define USB_ENDPOINT_TYPE_MASK                    0x03
#define USB_ENDPOINT_TYPE_CONTROL                 0x00
#define USB_ENDPOINT_TYPE_ISOCHRONOUS             0x01
#define USB_ENDPOINT_TYPE_BULK                    0x02
#define USB_ENDPOINT_TYPE_INTERRUPT               0x03
#define USB_ENDPOINT_MAX_PACKET_SIZE_MASK         0x07FF
#define USB_ENDPOINT_ADDITIONAL_TRANSACTION_SHIFT 11

/* Strings are UTF-16LE; string 0 lists the language ids instead. */
typedef struct _USB_STRING_DESCRIPTOR {
    UCHAR bLength;
    UCHAR bDescriptorType;
    WCHAR bString[1];
} USB_STRING_DESCRIPTOR, *PUSB_STRING_DESCRIPTOR;

#define MAXIMUM_USB_STRING_LENGTH 255

/* A high-speed capable device's description of itself at the other speed. */
typedef struct _USB_DEVICE_QUALIFIER_DESCRIPTOR {
    UCHAR bLength; /* 10 */
    UCHAR bDescriptorType;
    USHORT bcdUSB;
    UCHAR bDeviceClass;
    UCHAR bDeviceSubClass;
    UCHAR bDeviceProtocol;
    UCHAR bMaxPacketSize0;
    UCHAR bNumConfigurations;
    UCHAR bReserved;
} USB_DEVICE_QUALIFIER_DESCRIPTOR, *PUSB_DEVICE_QUALIFIER_DESCRIPTOR;

/* Groups the interfaces of one function of a composite device. */
typedef struct _USB_INTERFACE_ASSOCIATION_DESCRIPTOR {
    UCHAR bLength; /* 8 */
    UCHAR bDescriptorType;
    UCHAR bFirstInterface;
    UCHAR bInterfaceCount;
    UCHAR bFunctionClass;
    UCHAR bFunctionSubClass;
    UCHAR bFunctionProtocol;
    UCHAR iFunction;
} USB_INTERFACE_ASSOCIATION_DESCRIPTOR, *PUSB_INTERFACE_ASSOCIATION_DESCRIPTOR;

#pragma pack(pop)

/* ---- class codes (bDeviceClass, bInterfaceClass) ---------------------- */

#define USB_DEVICE_CLASS_RESERVED        0x00 /* in the device descriptor: per interface */
#define USB_DEVICE_CLASS_AUDIO           0x01
#define USB_DEVICE_CLASS_COMMUNICATIONS  0x02
#define USB_DEVICE_CLASS_HUMAN_INTERFACE 0x03
#define USB_DEVICE_CLASS_PRINTER         0x07
#define USB_DEVICE_CLASS_STORAGE         0x08
#define USB_DEVICE_CLASS_HUB             0x09
#define USB_DEVICE_CLASS_VIDEO           0x0E
#define USB_DEVICE_CLASS_MISCELLANEOUS   0xEF
#define USB_DEVICE_CLASS_VENDOR_SPECIFIC 0xFF

/* ---- sizes the specification fixes ------------------------------------ */

#define USB_DEVICE_DESCRIPTOR_LENGTH        18
#define USB_CONFIGURATION_DESCRIPTOR_LENGTH 9
#define USB_INTERFACE_DESCRIPTOR_LENGTH     9
#define USB_ENDPOINT_DESCRIPTOR_LENGTH      7
#define USB_SETUP_PACKET_LENGTH             8

_Static_assert(sizeof(USB_DEVICE_DESCRIPTOR) == USB_DEVICE_DESCRIPTOR_LENGTH, "USB 2.0 table 9-8");
_Static_assert(sizeof(USB_CONFIGURATION_DESCRIPTOR) == USB_CONFIGURATION_DESCRIPTOR_LENGTH,
               "USB 2.0 table 9-10");
_Static_assert(sizeof(USB_INTERFACE_DESCRIPTOR) == USB_INTERFACE_DESCRIPTOR_LENGTH,
               "USB 2.0 table 9-12");
_Static_assert(sizeof(USB_ENDPOINT_DESCRIPTOR) == USB_ENDPOINT_DESCRIPTOR_LENGTH,
               "USB 2.0 table 9-13");
_Static_assert(sizeof(USB_DEFAULT_PIPE_SETUP_PACKET) == USB_SETUP_PACKET_LENGTH,
               "USB 2.0 table 9-2");

#endif
