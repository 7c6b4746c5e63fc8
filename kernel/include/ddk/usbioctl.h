/*
 * usbioctl.h: the internal device control codes a USB function driver
 * sends to the device object below it (the PDO the USB core made for its
 * device), with the WDK's names and values.
 *
 * Internal: IRP_MJ_INTERNAL_DEVICE_CONTROL, sent from kernel mode only.
 * KeLab has three a function driver uses; the WDK's others (port reset,
 * hub names, idle notification, bus information) have no KeLab
 * counterpart yet.
 */
#ifndef KELAB_USBIOCTL_H
#define KELAB_USBIOCTL_H

#include "usb.h"

/* usbiodef.h in the WDK: the device type and function numbers. */
#define FILE_DEVICE_USB     FILE_DEVICE_UNKNOWN
#define USB_SUBMIT_URB      0
#define USB_GET_PORT_STATUS 4
#define USB_CYCLE_PORT      7

/* Argument1: the URB. Completes when the URB has. */
#define IOCTL_INTERNAL_USB_SUBMIT_URB                                                              \
    CTL_CODE(FILE_DEVICE_USB, USB_SUBMIT_URB, METHOD_NEITHER, FILE_ANY_ACCESS)
/* Argument1: a ULONG that receives USBD_PORT_ENABLED | USBD_PORT_CONNECTED. */
#define IOCTL_INTERNAL_USB_GET_PORT_STATUS                                                         \
    CTL_CODE(FILE_DEVICE_USB, USB_GET_PORT_STATUS, METHOD_NEITHER, FILE_ANY_ACCESS)
/* Unplugs and replugs the device: it is removed and enumerated again. */
#define IOCTL_INTERNAL_USB_CYCLE_PORT                                                              \
    CTL_CODE(FILE_DEVICE_USB, USB_CYCLE_PORT, METHOD_NEITHER, FILE_ANY_ACCESS)

#define USBD_PORT_ENABLED   0x00000001
#define USBD_PORT_CONNECTED 0x00000002

#endif
