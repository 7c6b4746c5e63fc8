/*
 * usb_lies_test.c: a device whose descriptors lie is refused, with the
 * reason, and the kernel goes on.
 *
 * Each test boots with the dongle started as `--bad-descriptors LIE`
 * (docs/hsi-dongle.md, "Descriptors that lie"): the USB core must find
 * the lie while enumerating, keep the device as one that failed (its
 * hardware ID says which descriptor: no driver claims it), and log why.
 * The reasons are lib/usbdesc.c's, the same ones tests/host/test_usbdesc.c
 * expects for these bytes.
 */
#include "ktest.h"
#include "usbcore.h"

/* The one device there is: refused, no driver, for Reason. (The test
   framework waits for a dongle plugged in late before the tests.) */
static VOID ExpectRefused(PCSTR Reason)
{
    USB_DEVICE_SUMMARY devices[4];
    ULONG count = UsbQueryDevices(devices, ARRAYSIZE(devices));
    KT_ASSERT_EQ(count, 1);
    KT_EXPECT_TRUE(devices[0].Refused);
    KT_EXPECT_FALSE(devices[0].HasDriver);
    KT_EXPECT_EQ(devices[0].ConfigurationValue, 0);
    KT_EXPECT_NE(devices[0].Address, 0); /* it was addressed: the lie came after */
    KT_EXPECT_STREQ(devices[0].Reason, Reason);
}

KTEST_DONGLE(usb_lies, short_device_descriptor, "bad-descriptors=short")
{
    ExpectRefused("device descriptor: 12 bytes came, 18 needed");
}

KTEST_DONGLE(usb_lies, descriptor_longer_than_the_configuration, "bad-descriptors=long")
{
    ExpectRefused("endpoint descriptor at offset 25: bLength 32 runs past wTotalLength 39");
}

KTEST_DONGLE(usb_lies, total_length_beyond_what_comes, "bad-descriptors=total")
{
    ExpectRefused("wTotalLength 64, but 39 bytes came");
}

KTEST_DONGLE(usb_lies, endpoint_count, "bad-descriptors=endpoints")
{
    ExpectRefused("interface 0 alternate 0: bNumEndpoints 4, but 3 endpoint descriptors follow");
}

/* This lie hangs the firmware (SeaBIOS 1.16 never returns from the
   device): the dongle is plugged in once the kernel runs. */
KTEST_DONGLE(usb_lies, interface_count, "bad-descriptors=interfaces,plug=late")
{
    ExpectRefused("bNumInterfaces is 2, but interface 1 (alternate 0) is not described");
}

KTEST_DONGLE(usb_lies, zero_packet_size, "bad-descriptors=zero-packet")
{
    ExpectRefused("endpoint 0x81 at offset 25: wMaxPacketSize is 0");
}

KTEST_DONGLE(usb_lies, bad_endpoint_address, "bad-descriptors=bad-address")
{
    ExpectRefused("endpoint descriptor at offset 25: bad bEndpointAddress 0x00");
}
