/*
 * usbcore.h: the USB core's door for the rest of the kernel (kernel/usb/).
 * Drivers reach the core through the driver kit instead: URBs (usb.h,
 * usbioctl.h) and, for a host controller driver, usbhc.h. (The door is not
 * called usb.h: that name is the driver kit's, as in the WDK.)
 */
#ifndef KELAB_USBCORE_H
#define KELAB_USBCORE_H

#include "wdm.h"
#include "usbspec.h"
#include "usbdesc.h"
#include "usbhc.h"

/* A USB device as the core sees it. */
typedef struct _USB_DEVICE_SUMMARY {
    ULONG Bus;       /* the host controller, from 1 in registration order */
    ULONG Port;      /* its root port */
    ULONG PdoNumber; /* \Device\USBPDO-<PdoNumber> */
    UCHAR Address;
    USB_DEVICE_SPEED Speed;
    USHORT VendorId, ProductId;
    BOOLEAN Refused;          /* its descriptors failed the checks: Reason says why */
    BOOLEAN Gone;             /* unplugged, its removal under way */
    BOOLEAN HasDriver;        /* a function driver is attached to its PDO */
    UCHAR ConfigurationValue; /* 0: unconfigured */
    CHAR Reason[USB_DESC_REASON_MAX];
} USB_DEVICE_SUMMARY, *PUSB_DEVICE_SUMMARY;

/* The devices present, at most Count of them in Devices, in bus and port
   order; returns how many there are. PASSIVE_LEVEL. */
ULONG UsbQueryDevices(PUSB_DEVICE_SUMMARY Devices, ULONG Count);

/* The counters of host controller Bus (from 1): FALSE if there is none.
   Up to DISPATCH_LEVEL. */
BOOLEAN UsbQueryControllerCounters(ULONG Bus, PUSBHC_COUNTERS Counters);

/* Waits until every usbmon record made so far has gone out of the capture
   port (returns at once when nothing is captured). PASSIVE_LEVEL. */
VOID UsbFlushCapture(VOID);

#endif
