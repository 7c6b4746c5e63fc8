/*
 * test_usbmon.c: the usbmon record encoder (lib/usbmon.c), checked byte by
 * byte against the layouts of pcap's file format and of Linux's struct
 * usbmon_packet (offsets written here from those documents).
 */
#include <stdio.h>
#include "usbmon.h"
#include "ktap.h"

static ULONG Get16(const UCHAR *p)
{
    return (ULONG)p[0] | (ULONG)p[1] << 8;
}

static ULONG Get32(const UCHAR *p)
{
    return Get16(p) | Get16(p + 2) << 16;
}

static void test_file_header(void)
{
    UCHAR h[USBMON_FILE_HEADER_LENGTH];
    memset(h, 0xEE, sizeof(h));
    UsbmonEncodeFileHeader(h, 65600);
    CHECK_EQ(Get32(h), 0xa1b2c3d4);
    CHECK_EQ(Get16(h + 4), 2);
    CHECK_EQ(Get16(h + 6), 4);
    CHECK_EQ(Get32(h + 8), 0);
    CHECK_EQ(Get32(h + 12), 0);
    CHECK_EQ(Get32(h + 16), 65600);
    CHECK_EQ(Get32(h + 20), 220);
}

static void test_control_submission(void)
{
    /* GET_DESCRIPTOR(device, 18) to device 1: setup packet, no data. */
    USBMON_PACKET p = {
        .Id = 0x1122334455667788ull,
        .Type = 'S',
        .TransferType = USBMON_CONTROL,
        .Endpoint = 0x80,
        .Device = 1,
        .Bus = 1,
        .HasSetup = TRUE,
        .Setup = {0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00},
        .Status = USBMON_IN_PROGRESS,
        .Length = 18,
        .Seconds = 0x100000002ull,
        .Microseconds = 999999,
    };
    UCHAR r[USBMON_RECORD_LENGTH];
    memset(r, 0xEE, sizeof(r));
    UsbmonEncodeRecord(r, &p);
    CHECK_EQ(Get32(r), 2); /* pcap keeps 32 bits of seconds */
    CHECK_EQ(Get32(r + 4), 999999);
    CHECK_EQ(Get32(r + 8), 64);
    CHECK_EQ(Get32(r + 12), 64);

    const UCHAR *h = r + 16;
    CHECK_EQ(Get32(h), 0x55667788);
    CHECK_EQ(Get32(h + 4), 0x11223344);
    CHECK_EQ(h[8], 'S');
    CHECK_EQ(h[9], 2);
    CHECK_EQ(h[10], 0x80);
    CHECK_EQ(h[11], 1);
    CHECK_EQ(Get16(h + 12), 1);
    CHECK_EQ(h[14], 0);   /* setup valid */
    CHECK_EQ(h[15], '<'); /* no data: an IN transfer's submission */
    CHECK_EQ(Get32(h + 16), 2);
    CHECK_EQ(Get32(h + 20), 1);
    CHECK_EQ(Get32(h + 24), 999999);
    CHECK_EQ((LONG)Get32(h + 28), -115);
    CHECK_EQ(Get32(h + 32), 18);
    CHECK_EQ(Get32(h + 36), 0);
    CHECK(memcmp(h + 40, p.Setup, 8) == 0);
    for (int i = 48; i < 64; i++)
        CHECK_EQ(h[i], 0);
}

static void test_completion_with_data(void)
{
    /* A bulk IN completing with 100 bytes, 64 of them captured. */
    USBMON_PACKET p = {
        .Id = 7,
        .Type = 'C',
        .TransferType = USBMON_BULK,
        .Endpoint = 0x81,
        .Device = 3,
        .Bus = 1,
        .Status = 0,
        .Length = 100,
        .CapturedLength = 64,
    };
    UCHAR r[USBMON_RECORD_LENGTH];
    UsbmonEncodeRecord(r, &p);
    CHECK_EQ(Get32(r + 8), 64 + 64);
    CHECK_EQ(Get32(r + 12), 64 + 64);
    const UCHAR *h = r + 16;
    CHECK_EQ(h[8], 'C');
    CHECK_EQ(h[9], 3);
    CHECK_EQ(h[14], '-'); /* no setup */
    CHECK_EQ(h[15], 0);   /* data follows */
    CHECK_EQ(Get32(h + 28), 0);
    CHECK_EQ(Get32(h + 32), 100);
    CHECK_EQ(Get32(h + 36), 64);
    for (int i = 40; i < 48; i++)
        CHECK_EQ(h[i], 0);

    /* An OUT transfer's completion carries no data: '>'. A stall. */
    p.Endpoint = 0x01;
    p.CapturedLength = 0;
    p.Status = USBMON_STALL;
    p.Type = 'C';
    UsbmonEncodeRecord(r, &p);
    CHECK_EQ(h[15], '>');
    CHECK_EQ((LONG)Get32(h + 28), -32);
    /* An interrupt endpoint's interval. */
    p.TransferType = USBMON_INTERRUPT;
    p.Interval = 8;
    UsbmonEncodeRecord(r, &p);
    CHECK_EQ(Get32(h + 48), 8);
}

static const KTAP_CASE cases[] = {
    KTAP_CASE(test_file_header),
    KTAP_CASE(test_control_submission),
    KTAP_CASE(test_completion_with_data),
};

int main(void)
{
    return KtapMain("lib.usbmon", cases, ARRAYSIZE(cases));
}
