/*
 * usb_testlib.h: the USB tests' function driver and what the tests call.
 *
 * \Driver\UsbTest is an ordinary USB function driver, written against
 * wdm.h and the USB headers alone (this directory sees nothing else of
 * the kernel): it declares the HSI dongle's interface class as its
 * compatible ID (USB\Class_FF&SubClass_48&Prot_01), so the PnP manager
 * gives it the dongle; its AddDevice attaches an FDO, its start reads
 * the descriptors through URBs and selects the configuration, its removal
 * lets go. A driver that names the dongle's vendor and product (a
 * hardware ID, which Windows ranks first) would take it instead.
 *
 * The tests borrow the bound device (UsbTestOpen) and send URBs down its
 * stack in IRPs of their own, as the driver would.
 */
#ifndef KELAB_USB_TESTLIB_H
#define KELAB_USB_TESTLIB_H

#include "wdm.h"
#include "usb.h"
#include "usbdlib.h"
#include "usbioctl.h"
#include "ktest.h"
#include "hsiproto.h"

#define USB_TEST_TAG 'tsTU'

typedef struct _USB_TEST_DEVICE {
    PDEVICE_OBJECT Fdo;
    PDEVICE_OBJECT Pdo;
    PDEVICE_OBJECT Lower;
    ULONG Generation; /* counts the devices the driver was given, from 1 */
    USB_DEVICE_DESCRIPTOR DeviceDescriptor;
    UCHAR Configuration[256];
    USBD_CONFIGURATION_HANDLE ConfigurationHandle;
    UCHAR InterfaceClass, InterfaceSubClass, InterfaceProtocol;
    ULONG PipeCount;
    USBD_PIPE_INFORMATION BulkOut, BulkIn, Events;
    /* The HSI link, as UsbTestHsiBringUp left it: channel 0's header
       numbers each way. */
    BOOLEAN HsiUp;
    USHORT TxSeq, RxSeq;
} USB_TEST_DEVICE, *PUSB_TEST_DEVICE;

/* The started device, referenced (and its stack), waiting up to
   TimeoutMs for one; NULL, and the test failed, if none came. */
PUSB_TEST_DEVICE UsbTestOpen(ULONG TimeoutMs);
VOID UsbTestClose(PUSB_TEST_DEVICE Device);
/* How many devices the driver has been given and has let go of. */
ULONG UsbTestAdded(VOID);
ULONG UsbTestRemoved(VOID);
/* Waits until the driver has let go of Count devices in all. */
BOOLEAN UsbTestWaitRemoved(ULONG Count, ULONG TimeoutMs);

/* One URB in an IRP of the test's own. */
typedef struct _USB_TEST_REQUEST {
    PIRP Irp;
    URB Urb;
    KEVENT Done;
    NTSTATUS Status;
    KIRQL CompletionIrql;
} USB_TEST_REQUEST, *PUSB_TEST_REQUEST;

/* Sends Request->Urb down the device's stack; UsbTestWait waits for it
   (FALSE, and the IRP cancelled and waited for, after TimeoutMs) and
   frees the IRP. */
VOID UsbTestStart(PUSB_TEST_DEVICE Device, PUSB_TEST_REQUEST Request);
BOOLEAN UsbTestWait(PUSB_TEST_REQUEST Request, ULONG TimeoutMs);
/* Both, for a URB in a request of the caller's. */
NTSTATUS UsbTestSubmit(PUSB_TEST_DEVICE Device, PUSB_TEST_REQUEST Request);

/* A bulk or interrupt transfer on Pipe of Length bytes at Buffer. */
VOID UsbTestBuildTransfer(PUSB_TEST_REQUEST Request, const USBD_PIPE_INFORMATION *Pipe,
                          PVOID Buffer, ULONG Length);
/* An HSI vendor request (docs/hsi-dongle.md): In selects 0xC1 or 0x41. */
NTSTATUS UsbTestVendor(PUSB_TEST_DEVICE Device, BOOLEAN In, UCHAR Request, USHORT Value,
                       USHORT Index, PVOID Buffer, ULONG Length, USBD_STATUS *UsbdStatus);

/* The dongle's bring-up for data on channel 0 (docs/hsi-dongle.md, "A
   driver's bring-up"), at the fastest bit rate it allows. */
BOOLEAN UsbTestHsiBringUp(PUSB_TEST_DEVICE Device);
/* One message of Length bytes on channel 0, made of fragments of
   at most 65528 bytes sent in bulk OUT transfers, with bulk IN transfers
   queued to take it back in loopback; the message that returns must be
   the same bytes. InFlight: bulk IN transfers kept queued. */
BOOLEAN UsbTestHsiLoopback(PUSB_TEST_DEVICE Device, ULONG Length, ULONG InFlight);

#endif
