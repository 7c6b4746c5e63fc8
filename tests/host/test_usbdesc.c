/*
 * test_usbdesc.c: the USB descriptor parser (lib/usbdesc.c), fed the HSI
 * dongle's real descriptors and configurations built here byte by byte,
 * valid and broken in every way the parser claims to catch.
 *
 * Every buffer handed to the parser is an exactly sized heap copy, so
 * that AddressSanitizer stops a read one byte past what the "device"
 * sent. Offsets and rules are written from the USB 2.0 specification,
 * not taken from lib/.
 */
#include <stdio.h>
#include <stdlib.h>
#include "usbdesc.h"
#include "rtl.h"
#include "ktap.h"

/* ---- the dongle's descriptors, as docs/hsi-dongle.md lists them ---- */

static const UCHAR DongleDevice[18] = {0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x09,
                                       0x12, 0x01, 0x00, 0x00, 0x01, 0x01, 0x02, 0x03, 0x01};

static const UCHAR DongleConfig[39] = {
    0x09, 0x02, 0x27, 0x00, 0x01, 0x01, 0x00, 0x80, 0x32, /* configuration */
    0x09, 0x04, 0x00, 0x00, 0x03, 0xff, 0x48, 0x01, 0x00, /* interface 0 */
    0x07, 0x05, 0x01, 0x02, 0x00, 0x02, 0x00,             /* 0x01 bulk OUT 512 */
    0x07, 0x05, 0x81, 0x02, 0x00, 0x02, 0x00,             /* 0x81 bulk IN 512 */
    0x07, 0x05, 0x82, 0x03, 0x40, 0x00, 0x01,             /* 0x82 interrupt IN 64, 125 us */
};

static const UCHAR DongleLanguages[4] = {0x04, 0x03, 0x09, 0x04};
static const UCHAR DongleProduct[38] = {0x26, 0x03, 'V', 0, 'i', 0, 'r', 0, 't', 0, 'u', 0, 'a', 0,
                                        'l',  0,    ' ', 0, 'H', 0, 'S', 0, 'I', 0, ' ', 0, 'D', 0,
                                        'o',  0,    'n', 0, 'g', 0, 'l', 0, 'e', 0};

/* ---- exactly sized copies ---- */

static UCHAR *Copies[64];
static int CopyCount;

static const UCHAR *Exact(const UCHAR *Data, ULONG Length)
{
    UCHAR *p = malloc(Length ? Length : 1);
    memcpy(p, Data, Length);
    Copies[CopyCount++ % 64] = p;
    if (CopyCount > 64)
        abort(); /* a test that needs more should free as it goes */
    return p;
}

static void FreeCopies(void)
{
    for (int i = 0; i < CopyCount && i < 64; i++)
        free(Copies[i]);
    CopyCount = 0;
}

/* ---- a configuration builder ---- */

static UCHAR Cfg[4200];
static ULONG CfgLength;

static void Put(const UCHAR *Bytes, ULONG Length)
{
    memcpy(Cfg + CfgLength, Bytes, Length);
    CfgLength += Length;
}

/* A configuration header; FixTotal() fills in wTotalLength at the end. */
static void Begin(UCHAR Interfaces)
{
    const UCHAR d[9] = {9, 2, 0, 0, Interfaces, 1, 0, 0x80, 50};
    CfgLength = 0;
    Put(d, 9);
}

static void Intf(UCHAR Number, UCHAR Alternate, UCHAR Endpoints)
{
    const UCHAR d[9] = {9, 4, Number, Alternate, Endpoints, 0xff, 0x48, 0x01, 0};
    Put(d, 9);
}

static void Ep(UCHAR Address, UCHAR Type, USHORT MaxPacket, UCHAR Interval)
{
    const UCHAR d[7] = {7, 5, Address, Type, (UCHAR)MaxPacket, (UCHAR)(MaxPacket >> 8), Interval};
    Put(d, 7);
}

static void FixTotal(void)
{
    Cfg[2] = (UCHAR)CfgLength;
    Cfg[3] = (UCHAR)(CfgLength >> 8);
}

static USB_DESC_CONFIGURATION Config;

/* Parses what was built (wTotalLength set to it) at Speed. */
static NTSTATUS ParseBuilt(USB_DEVICE_SPEED Speed)
{
    FixTotal();
    return UsbDescParseConfiguration(Exact(Cfg, CfgLength), CfgLength, Speed, &Config);
}

/* The configuration is refused with a reason containing Text. */
static int RefusedWith(NTSTATUS Status, const char *Text)
{
    if (Status != STATUS_DEVICE_DATA_ERROR) {
        printf("    # status 0x%08x, not STATUS_DEVICE_DATA_ERROR\n", (unsigned)Status);
        return 0;
    }
    if (strstr(Config.Reason, Text) == NULL) {
        printf("    # reason \"%s\" does not say \"%s\"\n", Config.Reason, Text);
        return 0;
    }
    return 1;
}

/* One interface, one endpoint: for the endpoint rules. */
static NTSTATUS OneEndpoint(USB_DEVICE_SPEED Speed, UCHAR Address, UCHAR Type, USHORT MaxPacket,
                            UCHAR Interval)
{
    Begin(1);
    Intf(0, 0, 1);
    Ep(Address, Type, MaxPacket, Interval);
    return ParseBuilt(Speed);
}

/* ---- the device descriptor ---- */

static void test_the_dongles_device_descriptor(void)
{
    USB_DESC_DEVICE d;
    CHECK_EQ(UsbDescParseDevice(Exact(DongleDevice, 18), 18, UsbHighSpeed, &d), STATUS_SUCCESS);
    CHECK_EQ(d.UsbVersion, 0x0200);
    CHECK_EQ(d.Class, 0);
    CHECK_EQ(d.SubClass, 0);
    CHECK_EQ(d.Protocol, 0);
    CHECK_EQ(d.MaxPacketSize0, 64);
    CHECK_EQ(d.VendorId, 0x1209);
    CHECK_EQ(d.ProductId, 0x0001);
    CHECK_EQ(d.DeviceVersion, 0x0100);
    CHECK_EQ(d.ManufacturerString, 1);
    CHECK_EQ(d.ProductString, 2);
    CHECK_EQ(d.SerialNumberString, 3);
    CHECK_EQ(d.ConfigurationCount, 1);
    CHECK_STR(d.Reason, "");
    FreeCopies();
}

static void test_endpoint_zero_from_the_first_eight_bytes(void)
{
    UCHAR d[8];
    USHORT mps;
    CHAR why[USB_DESC_REASON_MAX];
    memcpy(d, DongleDevice, 8);
    CHECK_EQ(UsbDescReadMaxPacketSize0(Exact(d, 8), 8, UsbHighSpeed, &mps, why, sizeof(why)),
             STATUS_SUCCESS);
    CHECK_EQ(mps, 64);

    /* Each speed's sizes: (field, speed, bytes or 0 for refused). */
    static const struct {
        UCHAR Field;
        USB_DEVICE_SPEED Speed;
        USHORT Bytes;
    } rows[] = {
        {8, UsbLowSpeed, 8},    {16, UsbLowSpeed, 0},   {8, UsbFullSpeed, 8},
        {16, UsbFullSpeed, 16}, {32, UsbFullSpeed, 32}, {64, UsbFullSpeed, 64},
        {24, UsbFullSpeed, 0},  {0, UsbFullSpeed, 0},   {128, UsbFullSpeed, 0},
        {64, UsbHighSpeed, 64}, {32, UsbHighSpeed, 0},  {9, UsbSuperSpeed, 512},
        {64, UsbSuperSpeed, 0}, {0, UsbSuperSpeed, 0},  {8, UsbHighSpeed, 0},
    };
    for (ULONG i = 0; i < ARRAYSIZE(rows); i++) {
        d[7] = rows[i].Field;
        NTSTATUS s = UsbDescReadMaxPacketSize0(Exact(d, 8), 8, rows[i].Speed, &mps, why, 96);
        CHECK_EQ(mps, rows[i].Bytes);
        CHECK_EQ(s, rows[i].Bytes ? STATUS_SUCCESS : STATUS_DEVICE_DATA_ERROR);
        if (rows[i].Bytes == 0)
            CHECK(strstr(why, "bMaxPacketSize0") != NULL);
    }
    FreeCopies();
}

static void test_broken_device_descriptors(void)
{
    USB_DESC_DEVICE dev;
    UCHAR d[20];
    memcpy(d, DongleDevice, 18);

    CHECK_EQ(UsbDescParseDevice(Exact(d, 7), 7, UsbHighSpeed, &dev), STATUS_DEVICE_DATA_ERROR);
    CHECK(strstr(dev.Reason, "7 bytes came") != NULL);
    CHECK_EQ(UsbDescParseDevice(Exact(d, 17), 17, UsbHighSpeed, &dev), STATUS_DEVICE_DATA_ERROR);
    CHECK(strstr(dev.Reason, "17 bytes came") != NULL);
    CHECK_EQ(dev.VendorId, 0); /* nothing filled in from a refused descriptor */

    d[1] = 2;
    CHECK_EQ(UsbDescParseDevice(Exact(d, 18), 18, UsbHighSpeed, &dev), STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(dev.Reason, "device descriptor has type 0x02");
    d[1] = 1;

    d[0] = 17;
    CHECK_EQ(UsbDescParseDevice(Exact(d, 18), 18, UsbHighSpeed, &dev), STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(dev.Reason, "device descriptor bLength 17, less than 18");
    /* Longer than the specification's length: the extra is ignored. */
    d[0] = 20;
    CHECK_EQ(UsbDescParseDevice(Exact(d, 18), 18, UsbHighSpeed, &dev), STATUS_SUCCESS);
    d[0] = 18;

    d[17] = 0;
    CHECK_EQ(UsbDescParseDevice(Exact(d, 18), 18, UsbHighSpeed, &dev), STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(dev.Reason, "bNumConfigurations is 0: nothing to configure");
    d[17] = 1;

    CHECK_EQ(UsbDescParseDevice(Exact(d, 18), 18, (USB_DEVICE_SPEED)7, &dev),
             STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(dev.Reason, "unknown device speed 7");
    FreeCopies();
}

/* ---- configurations ---- */

static void test_the_dongles_configuration(void)
{
    CHECK_EQ(UsbDescParseConfiguration(Exact(DongleConfig, 39), 39, UsbHighSpeed, &Config),
             STATUS_SUCCESS);
    CHECK_EQ(Config.TotalLength, 39);
    CHECK_EQ(Config.InterfaceCount, 1);
    CHECK_EQ(Config.ConfigurationValue, 1);
    CHECK_EQ(Config.String, 0);
    CHECK_EQ(Config.Attributes, 0x80);
    CHECK_EQ(Config.MaxPowerMilliamps, 100);
    CHECK_EQ(Config.SettingCount, 1);
    CHECK_EQ(Config.EndpointCount, 3);
    CHECK_EQ(Config.SkippedCount, 0);

    const USB_DESC_SETTING *s = &Config.Settings[0];
    CHECK_EQ(s->InterfaceNumber, 0);
    CHECK_EQ(s->AlternateSetting, 0);
    CHECK_EQ(s->Class, 0xff);
    CHECK_EQ(s->SubClass, 0x48);
    CHECK_EQ(s->Protocol, 0x01);
    CHECK_EQ(s->String, 0);
    CHECK_EQ(s->EndpointCount, 3);
    CHECK_EQ(s->FirstEndpoint, 0);
    CHECK_EQ(s->Offset, 9);
    CHECK(UsbDescFindSetting(&Config, 0, 0) == s);
    CHECK(UsbDescFindSetting(&Config, 0, 1) == NULL);
    CHECK(UsbDescFindSetting(&Config, 1, 0) == NULL);

    static const USB_DESC_ENDPOINT expect[3] = {
        {.Address = 0x01,
         .Type = 2,
         .Attributes = 2,
         .Interval = 0,
         .MaxPacketSize = 512,
         .TransactionsPerMicroframe = 1,
         .IntervalExponent = 0,
         .Offset = 18},
        {.Address = 0x81,
         .Type = 2,
         .Attributes = 2,
         .Interval = 0,
         .MaxPacketSize = 512,
         .TransactionsPerMicroframe = 1,
         .IntervalExponent = 0,
         .Offset = 25},
        {.Address = 0x82,
         .Type = 3,
         .Attributes = 3,
         .Interval = 1,
         .MaxPacketSize = 64,
         .TransactionsPerMicroframe = 1,
         .IntervalExponent = 0,
         .Offset = 32},
    };
    for (int i = 0; i < 3; i++) {
        const USB_DESC_ENDPOINT *e = &Config.Endpoints[i];
        CHECK_EQ(e->Address, expect[i].Address);
        CHECK_EQ(e->Type, expect[i].Type);
        CHECK_EQ(e->Attributes, expect[i].Attributes);
        CHECK_EQ(e->Interval, expect[i].Interval);
        CHECK_EQ(e->MaxPacketSize, expect[i].MaxPacketSize);
        CHECK_EQ(e->TransactionsPerMicroframe, expect[i].TransactionsPerMicroframe);
        CHECK_EQ(e->IntervalExponent, expect[i].IntervalExponent);
        CHECK_EQ(e->Offset, expect[i].Offset);
    }
    CHECK_STR(Config.Reason, "");

    /* The same bytes from a full-speed device: 512-byte bulk is too big. */
    CHECK(RefusedWith(
        UsbDescParseConfiguration(Exact(DongleConfig, 39), 39, UsbFullSpeed, &Config),
        "endpoint 0x01 at offset 18: wMaxPacketSize 512, more than 64 for bulk at full speed"));
    FreeCopies();
}

static void test_every_truncation_is_refused(void)
{
    /* What a device that stops sending early gives: never a read past
       the bytes that came (the copies are exact), always a reason. */
    for (ULONG n = 0; n < 39; n++) {
        CHECK_EQ(UsbDescParseConfiguration(Exact(DongleConfig, n), n, UsbHighSpeed, &Config),
                 STATUS_DEVICE_DATA_ERROR);
        CHECK(Config.Reason[0] != 0);
        CHECK_EQ(Config.SettingCount + Config.EndpointCount + Config.TotalLength, 0);
        FreeCopies();
    }
    /* Bytes past wTotalLength are not part of it. */
    UCHAR more[45];
    memcpy(more, DongleConfig, 39);
    memset(more + 39, 0xEE, 6);
    CHECK_EQ(UsbDescParseConfiguration(Exact(more, 45), 45, UsbHighSpeed, &Config), STATUS_SUCCESS);
    CHECK_EQ(Config.TotalLength, 39);
    FreeCopies();
}

static void test_total_length_from_the_header(void)
{
    USHORT total;
    CHAR why[USB_DESC_REASON_MAX];
    UCHAR d[9];
    memcpy(d, DongleConfig, 9);
    CHECK_EQ(UsbDescReadTotalLength(Exact(d, 9), 9, &total, why, sizeof(why)), STATUS_SUCCESS);
    CHECK_EQ(total, 39);
    CHECK_EQ(UsbDescReadTotalLength(Exact(d, 8), 8, &total, why, sizeof(why)),
             STATUS_DEVICE_DATA_ERROR);
    CHECK_EQ(total, 0);
    CHECK_STR(why, "configuration descriptor: 8 bytes came, 9 needed");
    d[2] = 8;
    CHECK_EQ(UsbDescReadTotalLength(Exact(d, 9), 9, &total, why, sizeof(why)),
             STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(why, "wTotalLength 8 is shorter than bLength 9");
    d[2] = 0x01, d[3] = 0x10; /* 4097 */
    CHECK_EQ(UsbDescReadTotalLength(Exact(d, 9), 9, &total, why, sizeof(why)),
             STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(why, "wTotalLength 4097, more than 4096 (KeLab's limit)");
    d[2] = 39, d[3] = 0, d[0] = 8;
    CHECK_EQ(UsbDescReadTotalLength(Exact(d, 9), 9, &total, why, sizeof(why)),
             STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(why, "configuration descriptor bLength 8, less than 9");
    d[0] = 9, d[1] = 7; /* other-speed configuration: not what was asked for */
    CHECK_EQ(UsbDescReadTotalLength(Exact(d, 9), 9, &total, why, sizeof(why)),
             STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(why, "configuration descriptor has type 0x07");
    FreeCopies();
}

static void test_lengths_that_lie(void)
{
    /* wTotalLength larger than what came. */
    UCHAR d[39];
    memcpy(d, DongleConfig, 39);
    d[2] = 46;
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "wTotalLength 46, but 39 bytes came"));
    /* wTotalLength cutting the last endpoint in half. */
    d[2] = 35;
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "endpoint descriptor at offset 32: bLength 7 runs past wTotalLength 35"));
    /* ...or leaving one stray byte. */
    d[2] = 33;
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "a stray byte at offset 32"));
    /* A zero bLength would loop forever. */
    memcpy(d, DongleConfig, 39);
    d[25] = 0;
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "descriptor at offset 25 has bLength 0"));
    d[25] = 1;
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "descriptor at offset 25 has bLength 1"));
    /* An interface or endpoint shorter than its type. */
    memcpy(d, DongleConfig, 39);
    d[9] = 8;
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "interface descriptor at offset 9: bLength 8, less than 9"));
    memcpy(d, DongleConfig, 39);
    d[18] = 6;
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "endpoint descriptor at offset 18: bLength 6, less than 7"));
    FreeCopies();
}

static void test_longer_descriptors_are_stepped_by_their_length(void)
{
    /* An interface of 10 bytes and an audio-style endpoint of 9: the
       extra bytes are ignored and the next descriptor found after them. */
    Begin(1);
    const UCHAR intf[10] = {10, 4, 0, 0, 1, 1, 2, 0, 0, 0xAA};
    Put(intf, 10);
    const UCHAR ep[9] = {9, 5, 0x81, 3, 16, 0, 4, 0xBB, 0xCC};
    Put(ep, 9);
    CHECK_EQ(ParseBuilt(UsbHighSpeed), STATUS_SUCCESS);
    CHECK_EQ(Config.EndpointCount, 1);
    CHECK_EQ(Config.Endpoints[0].Offset, 19);
    CHECK_EQ(Config.Endpoints[0].MaxPacketSize, 16);
    CHECK_EQ(Config.Endpoints[0].IntervalExponent, 3);
    FreeCopies();
}

static void test_counts_that_lie(void)
{
    UCHAR d[39];
    memcpy(d, DongleConfig, 39);
    d[13] = 4; /* bNumEndpoints 4, three follow */
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "interface 0 alternate 0: bNumEndpoints 4, but 3 endpoint descriptors "
                      "follow"));
    d[13] = 2; /* two, three follow */
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "more endpoint descriptors than its bNumEndpoints (2)"));
    d[13] = 31;
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "bNumEndpoints 31, more than 30 can exist"));
    memcpy(d, DongleConfig, 39);
    d[4] = 2; /* two interfaces, one described */
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "bNumInterfaces is 2, but interface 1 (alternate 0) is not described"));
    d[4] = 0;
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "interface 0, but bNumInterfaces is 0"));
    d[4] = 33;
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "bNumInterfaces 33, more than 32"));
    memcpy(d, DongleConfig, 39);
    d[5] = 0;
    CHECK(RefusedWith(UsbDescParseConfiguration(Exact(d, 39), 39, UsbHighSpeed, &Config),
                      "bConfigurationValue 0"));
    FreeCopies();
}

static void test_interfaces_and_alternate_settings(void)
{
    /* Two interfaces, the second with two settings; then a class
       descriptor and an interface association, skipped. */
    Begin(2);
    const UCHAR iad[8] = {8, 0x0B, 0, 2, 0xff, 0, 0, 0};
    Put(iad, 8);
    Intf(0, 0, 1);
    const UCHAR cs[5] = {5, 0x24, 0, 0x10, 0x01};
    Put(cs, 5);
    Ep(0x82, 3, 8, 9);
    Intf(1, 0, 0);
    Intf(1, 1, 2);
    Ep(0x01, 2, 512, 0);
    Ep(0x81, 2, 512, 0);
    CHECK_EQ(ParseBuilt(UsbHighSpeed), STATUS_SUCCESS);
    CHECK_EQ(Config.SettingCount, 3);
    CHECK_EQ(Config.EndpointCount, 3);
    CHECK_EQ(Config.SkippedCount, 2);
    const USB_DESC_SETTING *s = UsbDescFindSetting(&Config, 1, 1);
    CHECK(s != NULL);
    if (s != NULL) {
        CHECK_EQ(s->FirstEndpoint, 1);
        CHECK_EQ(s->EndpointCount, 2);
        CHECK_EQ(Config.Endpoints[s->FirstEndpoint + 1].Address, 0x81);
    }
    CHECK_EQ(UsbDescFindSetting(&Config, 1, 0)->EndpointCount, 0);
    CHECK_EQ(Config.Endpoints[0].IntervalExponent, 8);

    /* The same setting twice. */
    Begin(1);
    Intf(0, 0, 0);
    Intf(0, 0, 0);
    CHECK(RefusedWith(ParseBuilt(UsbHighSpeed),
                      "interface 0 alternate 0 described twice (again at offset 18)"));
    /* An interface with alternates but no alternate 0. */
    Begin(1);
    Intf(0, 1, 0);
    CHECK(RefusedWith(ParseBuilt(UsbHighSpeed), "interface 0 (alternate 0) is not described"));
    /* An endpoint before any interface. */
    Begin(1);
    Ep(0x81, 2, 512, 0);
    Intf(0, 0, 1);
    CHECK(RefusedWith(ParseBuilt(UsbHighSpeed),
                      "endpoint descriptor at offset 9 comes before any interface"));
    /* Descriptors that never belong in a configuration. */
    Begin(1);
    Intf(0, 0, 0);
    Put(DongleDevice, 18);
    CHECK(RefusedWith(ParseBuilt(UsbHighSpeed),
                      "a device descriptor inside the configuration, at offset 18"));
    Begin(1);
    Intf(0, 0, 0);
    Put(DongleConfig, 9);
    CHECK(RefusedWith(ParseBuilt(UsbHighSpeed), "a configuration descriptor inside"));
    FreeCopies();
}

static void test_endpoint_addresses(void)
{
    CHECK(RefusedWith(OneEndpoint(UsbHighSpeed, 0x00, 2, 512, 0),
                      "endpoint descriptor at offset 18: bad bEndpointAddress 0x00"));
    CHECK(RefusedWith(OneEndpoint(UsbHighSpeed, 0x80, 2, 512, 0), "bad bEndpointAddress 0x80"));
    CHECK(RefusedWith(OneEndpoint(UsbHighSpeed, 0x11, 2, 512, 0), "bad bEndpointAddress 0x11"));
    CHECK(RefusedWith(OneEndpoint(UsbHighSpeed, 0xC1, 2, 512, 0), "bad bEndpointAddress 0xc1"));
    CHECK_EQ(OneEndpoint(UsbHighSpeed, 0x8F, 2, 512, 0), STATUS_SUCCESS);
    CHECK_EQ(OneEndpoint(UsbHighSpeed, 0x0F, 2, 512, 0), STATUS_SUCCESS);

    Begin(1);
    Intf(0, 0, 2);
    Ep(0x81, 2, 512, 0);
    Ep(0x81, 3, 64, 1);
    CHECK(RefusedWith(ParseBuilt(UsbHighSpeed), "interface 0 alternate 0: endpoint 0x81 twice"));
    /* The same number in both directions is two endpoints. */
    Begin(1);
    Intf(0, 0, 2);
    Ep(0x81, 2, 512, 0);
    Ep(0x01, 2, 512, 0);
    CHECK_EQ(ParseBuilt(UsbHighSpeed), STATUS_SUCCESS);
    FreeCopies();
}

static void test_packet_sizes_by_speed_and_type(void)
{
    static const struct {
        USB_DEVICE_SPEED Speed;
        UCHAR Type;
        USHORT Field;
        USHORT Bytes; /* 0: refused */
        UCHAR Transactions;
    } rows[] = {
        /* bulk: 8..64 powers of 2 at full speed, 512 high, 1024 super */
        {UsbFullSpeed, 2, 64, 64, 1},
        {UsbFullSpeed, 2, 8, 8, 1},
        {UsbFullSpeed, 2, 24, 0, 0},
        {UsbFullSpeed, 2, 4, 0, 0},
        {UsbFullSpeed, 2, 128, 0, 0},
        {UsbHighSpeed, 2, 512, 512, 1},
        {UsbHighSpeed, 2, 64, 0, 0},
        {UsbHighSpeed, 2, 1024, 0, 0},
        {UsbSuperSpeed, 2, 1024, 1024, 1},
        {UsbSuperSpeed, 2, 512, 0, 0},
        {UsbLowSpeed, 2, 8, 0, 0},
        /* interrupt: up to 8 low, 64 full, 1024 high and super */
        {UsbLowSpeed, 3, 8, 8, 1},
        {UsbLowSpeed, 3, 3, 3, 1},
        {UsbLowSpeed, 3, 9, 0, 0},
        {UsbFullSpeed, 3, 64, 64, 1},
        {UsbFullSpeed, 3, 65, 0, 0},
        {UsbHighSpeed, 3, 1024, 1024, 1},
        {UsbHighSpeed, 3, 1025, 0, 0},
        {UsbHighSpeed, 3, 0x1400, 1024, 3}, /* 1024, two extra transactions */
        {UsbHighSpeed, 3, 0x0A00, 512, 2},
        {UsbHighSpeed, 3, 0x1C00, 0, 0},  /* three extra: reserved */
        {UsbFullSpeed, 3, 0x0840, 0, 0},  /* extra transactions at full speed */
        {UsbSuperSpeed, 3, 0x0840, 0, 0}, /* SuperSpeed says it in its companion */
        {UsbHighSpeed, 2, 0x0A00, 0, 0},  /* or on bulk */
        {UsbHighSpeed, 3, 0x2040, 0, 0},  /* reserved bits 13-15 */
        {UsbHighSpeed, 3, 0x8040, 0, 0},
        /* control: as endpoint 0 */
        {UsbFullSpeed, 0, 32, 32, 1},
        {UsbHighSpeed, 0, 64, 64, 1},
        {UsbHighSpeed, 0, 32, 0, 0},
        {UsbLowSpeed, 0, 8, 8, 1},
        {UsbLowSpeed, 0, 4, 0, 0},
        /* isochronous: 0 allowed (no bandwidth); none at low speed */
        {UsbFullSpeed, 1, 1023, 1023, 1},
        {UsbFullSpeed, 1, 1024, 0, 0},
        {UsbFullSpeed, 1, 0, 0, 1},
        {UsbHighSpeed, 1, 0x1400, 1024, 3},
        {UsbLowSpeed, 1, 8, 0, 0},
    };
    for (ULONG i = 0; i < ARRAYSIZE(rows); i++) {
        NTSTATUS s = OneEndpoint(rows[i].Speed, 0x81, rows[i].Type, rows[i].Field,
                                 rows[i].Type == 2 || rows[i].Type == 0 ? 0 : 1);
        BOOLEAN ok = rows[i].Transactions != 0;
        if (s != (ok ? STATUS_SUCCESS : STATUS_DEVICE_DATA_ERROR))
            printf("    # row %lu: %s\n", (unsigned long)i, Config.Reason);
        CHECK_EQ(s, ok ? STATUS_SUCCESS : STATUS_DEVICE_DATA_ERROR);
        if (ok) {
            CHECK_EQ(Config.Endpoints[0].MaxPacketSize, rows[i].Bytes);
            CHECK_EQ(Config.Endpoints[0].TransactionsPerMicroframe, rows[i].Transactions);
        } else {
            CHECK(strstr(Config.Reason, "endpoint 0x81 at offset 18") != NULL);
        }
        FreeCopies();
    }
    CHECK(RefusedWith(OneEndpoint(UsbHighSpeed, 0x81, 2, 0, 0),
                      "endpoint 0x81 at offset 18: wMaxPacketSize is 0"));
    CHECK(RefusedWith(OneEndpoint(UsbLowSpeed, 0x81, 2, 8, 0), "no bulk endpoints at low speed"));
    FreeCopies();
}

static void test_intervals(void)
{
    static const struct {
        USB_DEVICE_SPEED Speed;
        UCHAR Type;
        UCHAR Interval;
        int Exponent; /* -1: refused */
    } rows[] = {
        {UsbHighSpeed, 3, 1, 0},
        {UsbHighSpeed, 3, 4, 3},
        {UsbHighSpeed, 3, 16, 15},
        {UsbHighSpeed, 3, 0, -1},
        {UsbHighSpeed, 3, 17, -1},
        {UsbSuperSpeed, 3, 16, 15},
        {UsbFullSpeed, 3, 1, 3},
        {UsbFullSpeed, 3, 2, 4},
        {UsbFullSpeed, 3, 3, 4},
        {UsbFullSpeed, 3, 10, 6},
        {UsbFullSpeed, 3, 255, 10},
        {UsbFullSpeed, 3, 0, -1},
        {UsbLowSpeed, 3, 10, 6},
        {UsbFullSpeed, 1, 1, 3},
        {UsbFullSpeed, 1, 16, 18},
        {UsbFullSpeed, 1, 17, -1},
        {UsbHighSpeed, 1, 1, 0},
        {UsbHighSpeed, 1, 0, -1},
        /* bulk: bInterval is a NAK rate at high speed, unused */
        {UsbHighSpeed, 2, 0, 0},
        {UsbHighSpeed, 2, 255, 0},
    };
    for (ULONG i = 0; i < ARRAYSIZE(rows); i++) {
        USHORT mps = rows[i].Type == 2 ? 512 : 8;
        NTSTATUS s = OneEndpoint(rows[i].Speed, 0x81, rows[i].Type, mps, rows[i].Interval);
        if (rows[i].Exponent < 0) {
            CHECK_EQ(s, STATUS_DEVICE_DATA_ERROR);
            CHECK(strstr(Config.Reason, "bInterval") != NULL);
        } else {
            if (s != STATUS_SUCCESS)
                printf("    # row %lu: %s\n", (unsigned long)i, Config.Reason);
            CHECK_EQ(s, STATUS_SUCCESS);
            CHECK_EQ(Config.Endpoints[0].IntervalExponent, rows[i].Exponent);
        }
        FreeCopies();
    }
}

static void test_limits(void)
{
    /* 33 interface descriptors: one interface with 33 alternates. */
    Begin(1);
    for (int i = 0; i < 33; i++)
        Intf(0, (UCHAR)i, 0);
    CHECK(RefusedWith(ParseBuilt(UsbHighSpeed), "more than 32 interface descriptors"));
    /* 65 endpoints: 5 alternates of 13. */
    Begin(1);
    for (int a = 0; a < 5; a++) {
        Intf(0, (UCHAR)a, 13);
        for (int e = 1; e <= 13; e++)
            Ep((UCHAR)(0x80 | e), 2, 512, 0);
    }
    Intf(0, 5, 1);
    Ep(0x81, 2, 512, 0);
    CHECK(RefusedWith(ParseBuilt(UsbHighSpeed), "more than 64 endpoint descriptors"));
    /* 30 endpoints in one setting is the most there can be. */
    Begin(1);
    Intf(0, 0, 30);
    for (int e = 1; e <= 15; e++) {
        Ep((UCHAR)e, 2, 512, 0);
        Ep((UCHAR)(0x80 | e), 2, 512, 0);
    }
    CHECK_EQ(ParseBuilt(UsbHighSpeed), STATUS_SUCCESS);
    CHECK_EQ(Config.EndpointCount, 30);
    FreeCopies();
}

/* ---- strings ---- */

static void test_strings(void)
{
    USB_DESC_STRING s;
    CHAR ascii[64];
    CHECK_EQ(UsbDescParseString(Exact(DongleLanguages, 4), 4, TRUE, &s), STATUS_SUCCESS);
    CHECK_EQ(s.Count, 1);
    CHECK_EQ(s.Chars[0], 0x0409);
    CHECK_EQ(UsbDescParseString(Exact(DongleProduct, 38), 38, FALSE, &s), STATUS_SUCCESS);
    CHECK_EQ(s.Count, 18);
    UsbDescStringToAscii(&s, ascii, sizeof(ascii));
    CHECK_STR(ascii, "Virtual HSI Dongle");
    UsbDescStringToAscii(&s, ascii, 8);
    CHECK_STR(ascii, "Virtual");

    /* Non-ASCII and control characters print as '?'. */
    const UCHAR odd[8] = {8, 3, 0xE9, 0x00, 0x0A, 0x00, 0x41, 0x26};
    CHECK_EQ(UsbDescParseString(Exact(odd, 8), 8, FALSE, &s), STATUS_SUCCESS);
    UsbDescStringToAscii(&s, ascii, sizeof(ascii));
    CHECK_STR(ascii, "???");

    /* An empty string is a string; an empty language list is not. */
    const UCHAR empty[2] = {2, 3};
    CHECK_EQ(UsbDescParseString(Exact(empty, 2), 2, FALSE, &s), STATUS_SUCCESS);
    CHECK_EQ(s.Count, 0);
    CHECK_EQ(UsbDescParseString(Exact(empty, 2), 2, TRUE, &s), STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(s.Reason, "string 0 lists no language");

    CHECK_EQ(UsbDescParseString(Exact(DongleProduct, 37), 37, FALSE, &s), STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(s.Reason, "string descriptor bLength 38, but 37 bytes came");
    CHECK_EQ(UsbDescParseString(Exact(DongleProduct, 1), 1, FALSE, &s), STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(s.Reason, "string descriptor: 1 bytes came");
    const UCHAR oddlength[5] = {5, 3, 'a', 0, 'b'};
    CHECK_EQ(UsbDescParseString(Exact(oddlength, 5), 5, FALSE, &s), STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(s.Reason, "string descriptor bLength 5 is not 2 plus whole UTF-16 units");
    const UCHAR type[4] = {4, 4, 'a', 0};
    CHECK_EQ(UsbDescParseString(Exact(type, 4), 4, FALSE, &s), STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(s.Reason, "string descriptor has type 0x04");
    CHECK_EQ(s.Count, 0);
    FreeCopies();
}

/* What the dongle serves with --bad-descriptors (hsi-dongle/descriptors.c),
   and the reason the kernel's log will give for each. */
static void test_the_dongles_lies(void)
{
    USB_DESC_DEVICE d;
    CHECK_EQ(UsbDescParseDevice(Exact(DongleDevice, 12), 12, UsbHighSpeed, &d),
             STATUS_DEVICE_DATA_ERROR);
    CHECK_STR(d.Reason, "device descriptor: 12 bytes came, 18 needed");

    static const struct {
        ULONG Offset;
        UCHAR Value;
        const char *Reason;
    } lies[] = {
        {25, 32, "endpoint descriptor at offset 25: bLength 32 runs past wTotalLength 39"},
        {2, 64, "wTotalLength 64, but 39 bytes came"},
        {13, 4, "interface 0 alternate 0: bNumEndpoints 4, but 3 endpoint descriptors follow"},
        {4, 2, "bNumInterfaces is 2, but interface 1 (alternate 0) is not described"},
        {29, 0, "endpoint 0x81 at offset 25: wMaxPacketSize is 0"},
        {27, 0, "endpoint descriptor at offset 25: bad bEndpointAddress 0x00"},
    };
    for (ULONG i = 0; i < ARRAYSIZE(lies); i++) {
        UCHAR c[39];
        memcpy(c, DongleConfig, 39);
        c[lies[i].Offset] = lies[i].Value;
        if (lies[i].Offset == 29)
            c[30] = 0;
        CHECK_EQ(UsbDescParseConfiguration(Exact(c, 39), 39, UsbHighSpeed, &Config),
                 STATUS_DEVICE_DATA_ERROR);
        CHECK_STR(Config.Reason, lies[i].Reason);
        FreeCopies();
    }
}

static void test_names(void)
{
    CHECK_STR(UsbDescSpeedName(UsbLowSpeed), "low");
    CHECK_STR(UsbDescSpeedName(UsbHighSpeed), "high");
    CHECK_STR(UsbDescSpeedName((USB_DEVICE_SPEED)9), "unknown");
    CHECK_STR(UsbDescEndpointTypeName(USB_ENDPOINT_TYPE_BULK), "bulk");
    CHECK_STR(UsbDescEndpointTypeName(USB_ENDPOINT_TYPE_INTERRUPT), "interrupt");
    CHECK_STR(UsbDescEndpointTypeName(0x83), "interrupt");
}

static const KTAP_CASE cases[] = {
    KTAP_CASE(test_the_dongles_device_descriptor),
    KTAP_CASE(test_endpoint_zero_from_the_first_eight_bytes),
    KTAP_CASE(test_broken_device_descriptors),
    KTAP_CASE(test_the_dongles_configuration),
    KTAP_CASE(test_every_truncation_is_refused),
    KTAP_CASE(test_total_length_from_the_header),
    KTAP_CASE(test_lengths_that_lie),
    KTAP_CASE(test_longer_descriptors_are_stepped_by_their_length),
    KTAP_CASE(test_counts_that_lie),
    KTAP_CASE(test_interfaces_and_alternate_settings),
    KTAP_CASE(test_endpoint_addresses),
    KTAP_CASE(test_packet_sizes_by_speed_and_type),
    KTAP_CASE(test_intervals),
    KTAP_CASE(test_limits),
    KTAP_CASE(test_strings),
    KTAP_CASE(test_the_dongles_lies),
    KTAP_CASE(test_names),
};

int main(void)
{
    return KtapMain("lib.usbdesc", cases, ARRAYSIZE(cases));
}
