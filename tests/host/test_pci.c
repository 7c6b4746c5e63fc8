/*
 * test_pci.c: the PCI configuration space parser (lib/pcicfg.c), fed the
 * functions QEMU's q35 machine really has (captured by
 * tests/host/data/capture-qemu-pci) and configuration spaces built here,
 * broken in every way the parser claims to catch.
 *
 * Register offsets are written from the PCI Local Bus specification 3.0,
 * not taken from lib/. The fake read callback stops the test on any read
 * that is not a whole aligned dword of the 256 bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include "pcicfg.h"
#include "rtl.h"
#include "ktap.h"

#define INCBIN(Name, File)                                                                         \
    __asm__(".section .rodata\n.balign 16\n" #Name ":\n.incbin \"" File "\"\n" #Name "End:\n"      \
            ".previous\n");                                                                        \
    extern const UCHAR Name[], Name##End[]

/* Records: bus, device, function, 0; 256 bytes of space; 6 BAR probes. */
INCBIN(QemuXhci, "tests/host/data/qemu-q35-xhci.pci");
INCBIN(QemuBridge, "tests/host/data/qemu-q35-bridge.pci");
#define RECORD_LENGTH 284

/* ---- a fake function ---- */

typedef struct {
    UCHAR Space[256];
    ULONG Probes[6];
    ULONG Reads;
} FAKE;

static FAKE Fake;
static PCICFG_FUNCTION Function;

static ULONG FakeRead(PVOID Context, ULONG Offset)
{
    FAKE *f = Context;
    if (Offset % 4 != 0 || Offset >= 256) {
        printf("    # the parser read offset 0x%x\n", Offset);
        exit(2);
    }
    f->Reads++;
    return (ULONG)f->Space[Offset] | (ULONG)f->Space[Offset + 1] << 8 |
           (ULONG)f->Space[Offset + 2] << 16 | (ULONG)f->Space[Offset + 3] << 24;
}

static void Put8(ULONG Offset, ULONG Value)
{
    Fake.Space[Offset] = (UCHAR)Value;
}

static void Put16(ULONG Offset, ULONG Value)
{
    Put8(Offset, Value), Put8(Offset + 1, Value >> 8);
}

static void Put32(ULONG Offset, ULONG Value)
{
    Put16(Offset, Value), Put16(Offset + 2, Value >> 16);
}

/* A type 0 function with IDs, a class, no BARs and no capabilities. */
static void Begin(void)
{
    memset(&Fake, 0, sizeof(Fake));
    Put32(0x00, 0x000d1b36);
    Put32(0x08, 0x0c033001);
    Put8(0x3D, 1);
}

/* A 64-bit memory BAR 0 of Size bytes at Address (below 4 GiB). */
static void Bar64(ULONG Index, ULONG Address, ULONG Size)
{
    Put32(0x10 + 4 * Index, Address | 4);
    Fake.Probes[Index] = ~(Size - 1) | 4;
    Fake.Probes[Index + 1] = 0xFFFFFFFF;
}

/* Starts the capability list at First (sets the status bit). */
static void CapList(ULONG First)
{
    Put16(0x06, 0x0010);
    Put8(0x34, First);
}

static void Cap(ULONG Offset, ULONG Id, ULONG Next)
{
    Put8(Offset, Id);
    Put8(Offset + 1, Next);
}

/* MSI-X at Offset with Entries, table and PBA in BAR 0 at the offsets. */
static void MsiX(ULONG Offset, ULONG Next, ULONG Entries, ULONG Table, ULONG Pba)
{
    Cap(Offset, 0x11, Next);
    Put16(Offset + 2, Entries - 1);
    Put32(Offset + 4, Table);
    Put32(Offset + 8, Pba);
}

static NTSTATUS Parse(void)
{
    return PciCfgParseFunction(FakeRead, &Fake, Fake.Probes, &Function);
}

static int RefusedWith(NTSTATUS Status, const char *Text)
{
    if (Status != STATUS_DEVICE_DATA_ERROR) {
        printf("    # status 0x%08x, not STATUS_DEVICE_DATA_ERROR\n", (unsigned)Status);
        return 0;
    }
    if (strstr(Function.Reason, Text) == NULL) {
        printf("    # reason \"%s\" does not say \"%s\"\n", Function.Reason, Text);
        return 0;
    }
    return 1;
}

/* Loads captured function Bus:Device.Fn into the fake; a failure if absent. */
static int Load(const UCHAR *Start, const UCHAR *End, ULONG Bus, ULONG Device, ULONG Fn)
{
    for (const UCHAR *r = Start; r + RECORD_LENGTH <= End; r += RECORD_LENGTH) {
        if (r[0] == Bus && r[1] == Device && r[2] == Fn) {
            memcpy(Fake.Space, r + 4, 256);
            memcpy(Fake.Probes, r + 260, 24);
            return 1;
        }
    }
    printf("    # %02x:%02x.%x is not in the capture\n", Bus, Device, Fn);
    KtapFailures++;
    return 0;
}

/* ---- QEMU's functions ---- */

static void test_every_captured_function_parses(void)
{
    const UCHAR *captures[2][2] = {{QemuXhci, QemuXhciEnd}, {QemuBridge, QemuBridgeEnd}};
    int count = 0;
    for (int c = 0; c < 2; c++) {
        for (const UCHAR *r = captures[c][0]; r + RECORD_LENGTH <= captures[c][1];
             r += RECORD_LENGTH, count++) {
            memcpy(Fake.Space, r + 4, 256);
            memcpy(Fake.Probes, r + 260, 24);
            NTSTATUS s = Parse();
            if (s != STATUS_SUCCESS)
                printf("    # %02x:%02x.%x: %s\n", r[0], r[1], r[2], Function.Reason);
            CHECK_EQ(s, STATUS_SUCCESS);
        }
    }
    CHECK_EQ(count, 12);
}

static void test_qemu_xhci(void)
{
    if (!Load(QemuXhci, QemuXhciEnd, 0, 1, 0))
        return;
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.VendorId, 0x1b36);
    CHECK_EQ(Function.DeviceId, 0x000d);
    CHECK_EQ(Function.BaseClass, 0x0c);
    CHECK_EQ(Function.SubClass, 0x03);
    CHECK_EQ(Function.ProgIf, 0x30);
    CHECK_EQ(Function.RevisionId, 0x01);
    CHECK_EQ(Function.HeaderType, 0);
    CHECK_EQ(Function.MultiFunction, FALSE);
    CHECK_EQ(Function.InterruptPin, 1);
    CHECK_EQ(Function.Status & PCICFG_STATUS_CAPABILITIES, PCICFG_STATUS_CAPABILITIES);
    CHECK_EQ(Function.BarCount, 6);
    CHECK_EQ(Function.Bars[0].Type, PciCfgBarMemory64);
    CHECK_EQ(Function.Bars[0].Prefetchable, FALSE);
    CHECK_EQ(Function.Bars[0].Address, 0xfebf8000);
    CHECK_EQ(Function.Bars[0].Size, 0x4000);
    for (int i = 1; i < 6; i++)
        CHECK_EQ(Function.Bars[i].Type, PciCfgBarNone);
    CHECK_EQ(Function.CapabilityCount, 2);
    CHECK_EQ(Function.Capabilities[0].Id, PCICFG_CAP_MSIX);
    CHECK_EQ(Function.Capabilities[0].Offset, 0x90);
    CHECK_EQ(Function.Capabilities[1].Id, PCICFG_CAP_PCI_EXPRESS);
    CHECK_EQ(Function.Capabilities[1].Offset, 0xa0);
    CHECK_EQ(Function.Msi.Offset, 0);
    CHECK_EQ(Function.MsiX.Offset, 0x90);
    CHECK_EQ(Function.MsiX.TableSize, 16);
    CHECK_EQ(Function.MsiX.TableBar, 0);
    CHECK_EQ(Function.MsiX.TableOffset, 0x3000);
    CHECK_EQ(Function.MsiX.PbaBar, 0);
    CHECK_EQ(Function.MsiX.PbaOffset, 0x3800);
    CHECK_STR(PciCfgClassName(Function.BaseClass, Function.SubClass, Function.ProgIf),
              "USB controller (xHCI)");
}

static void test_qemu_sata_isa_and_host_bridge(void)
{
    if (!Load(QemuXhci, QemuXhciEnd, 0, 0x1f, 2))
        return;
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.MultiFunction, TRUE);
    CHECK_EQ(Function.Bars[4].Type, PciCfgBarIo);
    CHECK_EQ(Function.Bars[4].Address, 0xc040);
    CHECK_EQ(Function.Bars[4].Size, 32);
    CHECK_EQ(Function.Bars[5].Type, PciCfgBarMemory32);
    CHECK_EQ(Function.Bars[5].Address, 0xfebfc000);
    CHECK_EQ(Function.Bars[5].Size, 0x1000);
    CHECK_EQ(Function.Msi.Offset, 0x80);
    CHECK_EQ(Function.Msi.MessagesCapable, 1);
    CHECK_EQ(Function.Msi.Address64, TRUE);
    CHECK_EQ(Function.MsiX.Offset, 0);
    CHECK_STR(PciCfgClassName(Function.BaseClass, Function.SubClass, Function.ProgIf),
              "SATA controller (AHCI)");

    if (!Load(QemuXhci, QemuXhciEnd, 0, 0, 0))
        return;
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.CapabilityCount, 0);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(Function.Bars[i].Type, PciCfgBarNone);
    CHECK_STR(PciCfgClassName(Function.BaseClass, Function.SubClass, Function.ProgIf),
              "host bridge");
    CHECK_STR(PciCfgClassName(0x0c, 0x03, 0x40), "USB controller");
    CHECK_STR(PciCfgClassName(0x12, 0, 0), "other");
}

static void test_qemu_root_port_and_the_function_behind_it(void)
{
    if (!Load(QemuBridge, QemuBridgeEnd, 0, 1, 0))
        return;
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.HeaderType, 1);
    CHECK_EQ(Function.BarCount, 2);
    CHECK_EQ(Function.PrimaryBus, 0);
    CHECK_EQ(Function.SecondaryBus, 1);
    CHECK_EQ(Function.SubordinateBus, 1);
    CHECK_EQ(Function.Bars[0].Type, PciCfgBarMemory32);
    CHECK_EQ(Function.Bars[0].Size, 0x1000);
    CHECK_EQ(Function.MsiX.Offset, 0x48);
    CHECK_EQ(Function.MsiX.TableBar, 0);
    CHECK_EQ(Function.CapabilityCount, 3);
    CHECK_STR(PciCfgClassName(Function.BaseClass, Function.SubClass, Function.ProgIf),
              "PCI-to-PCI bridge");

    if (!Load(QemuBridge, QemuBridgeEnd, 1, 0, 0))
        return;
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.DeviceId, 0x000d);
    CHECK_EQ(Function.Bars[0].Type, PciCfgBarMemory64);
    CHECK_EQ(Function.MsiX.TableSize, 16);

    if (!Load(QemuBridge, QemuBridgeEnd, 0, 2, 0)) /* e1000: an I/O BAR */
        return;
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.Bars[0].Type, PciCfgBarMemory32);
    CHECK_EQ(Function.Bars[0].Size, 0x20000);
    CHECK_EQ(Function.Bars[1].Type, PciCfgBarIo);
    CHECK_EQ(Function.Bars[1].Address, 0xc000);
    CHECK_EQ(Function.Bars[1].Size, 64);
}

/* ---- the header ---- */

static void test_absent_and_invalid_functions(void)
{
    memset(&Fake, 0xFF, sizeof(Fake.Space));
    CHECK_EQ(Parse(), STATUS_NO_SUCH_DEVICE);
    CHECK_STR(Function.Reason, "no function answers");
    Begin();
    Put16(0x00, 0);
    CHECK(RefusedWith(Parse(), "vendor id 0000 is not valid"));
    Begin();
    Put8(0x0E, 3);
    CHECK(RefusedWith(Parse(), "unknown header type 3"));
    Begin();
    Put8(0x0E, 0x7F);
    CHECK(RefusedWith(Parse(), "unknown header type 127"));
    Begin();
    Put8(0x3D, 5);
    CHECK(RefusedWith(Parse(), "interrupt pin 5"));
    Begin();
    Put8(0x0E, 1);
    Put32(0x18, 0x00020300); /* primary 0, secondary 3, subordinate 2 */
    CHECK(RefusedWith(Parse(), "bridge: subordinate bus 2 is below secondary bus 3"));
    Begin();
    Put8(0x0E, 0x82); /* CardBus, multi-function */
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.BarCount, 0);
    CHECK_EQ(Function.MultiFunction, TRUE);
}

/* ---- BARs ---- */

static void test_bars_that_size(void)
{
    Begin();
    Put32(0x10, 0xfe000000);
    Fake.Probes[0] = 0xff000000; /* 16 MiB, 32-bit */
    Put32(0x14, 0xc001);
    Fake.Probes[1] = 0x0000ffe1; /* a 16-bit I/O decoder: 32 ports */
    Put32(0x18, 0x0000000c);
    Put32(0x1C, 0x00000010); /* 64-bit prefetchable, 64 GiB (2^36) at 64 GiB */
    Fake.Probes[2] = 0x0000000c;
    Fake.Probes[3] = 0xfffffff0;
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.Bars[0].Type, PciCfgBarMemory32);
    CHECK_EQ(Function.Bars[0].Size, 0x1000000);
    CHECK_EQ(Function.Bars[1].Type, PciCfgBarIo);
    CHECK_EQ(Function.Bars[1].Address, 0xc000);
    CHECK_EQ(Function.Bars[1].Size, 32);
    CHECK_EQ(Function.Bars[2].Type, PciCfgBarMemory64);
    CHECK_EQ(Function.Bars[2].Prefetchable, TRUE);
    CHECK_EQ(Function.Bars[2].Address, 0x1000000000ull);
    CHECK_EQ(Function.Bars[2].Size, 0x1000000000ull);
    CHECK_EQ(Function.Bars[3].Type, PciCfgBarNone);

    /* A bridge has two BARs: what follows is its bus numbers. */
    Begin();
    Put8(0x0E, 1);
    Put32(0x18, 0x00010100);
    Fake.Probes[2] = 0xFFFFFFFF;
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.Bars[2].Type, PciCfgBarNone);
}

static void test_bars_that_lie(void)
{
    Begin();
    Put32(0x10, 0xfe000000);
    CHECK(RefusedWith(Parse(), "BAR 0 reads 0xfe000000 but does not size (probe 0)"));
    Fake.Probes[0] = 0xff00f000; /* holes in the size bits */
    CHECK(RefusedWith(Parse(), "BAR 0 does not size: probe 0xff00f000"));
    Fake.Probes[0] = 0x00000000 | 0x8; /* type bits change */
    CHECK(RefusedWith(Parse(), "BAR 0: its type bits change when sized"));
    Put32(0x10, 0x00000008);
    CHECK(RefusedWith(Parse(), "BAR 0 does not size: probe 0x00000008"));
    Put32(0x10, 0xfe000006);
    Fake.Probes[0] = 0xff000006;
    CHECK(RefusedWith(Parse(), "BAR 0 has the reserved memory type 3"));
    Put32(0x10, 0xfe800000);
    Fake.Probes[0] = 0xff000000; /* 16 MiB at an 8 MiB boundary */
    CHECK(RefusedWith(Parse(), "BAR 0 at 0xfe800000 is not aligned to its size 0x1000000"));

    Begin();
    Put32(0x24, 0xfe000004);
    Fake.Probes[5] = 0xffffc004;
    CHECK(RefusedWith(Parse(), "BAR 5 is 64-bit but is the last BAR: no upper half"));
    Begin();
    Put32(0x10, 0x4);
    Put32(0x14, 0x00100000); /* at 2^52, past x86-64's physical space */
    Fake.Probes[0] = 0xfffff004;
    Fake.Probes[1] = 0xffffffff;
    CHECK(RefusedWith(Parse(), "ends past 0x10000000000000"));

    Begin();
    Put32(0x10, 0xc001);
    Fake.Probes[0] = 0xffffffc0; /* sizes as memory */
    CHECK(RefusedWith(Parse(), "BAR 0 reads as I/O (0x0000c001) but sizes as memory"));
    Fake.Probes[0] = 0x00000001;
    CHECK(RefusedWith(Parse(), "BAR 0 does not size: probe 0x00000001"));
    Put32(0x10, 0x10001);
    Fake.Probes[0] = 0xffffffe1; /* 32 ports at 0x10000: past x86's 64 KiB */
    CHECK(RefusedWith(Parse(), "BAR 0 at 0x10000, size 0x20, ends past 0x10000"));
}

/* ---- capabilities ---- */

static void test_capability_lists_that_lie(void)
{
    Begin();
    CapList(0x40);
    Cap(0x40, 0x01, 0x50);
    Cap(0x50, 0x10, 0x40);
    CHECK(RefusedWith(Parse(), "the capability list loops: 0x40 at 0x51 was seen"));
    Begin();
    CapList(0x40);
    Cap(0x40, 0x01, 0x40);
    CHECK(RefusedWith(Parse(), "the capability list loops: 0x40 at 0x41 was seen"));
    Begin();
    CapList(0x42);
    CHECK(RefusedWith(Parse(), "capability pointer 0x42 at 0x34 is not dword aligned"));
    Begin();
    CapList(0x40);
    Cap(0x40, 0x01, 0x3c);
    CHECK(RefusedWith(Parse(), "capability pointer 0x3c at 0x41 points into the header"));
    Begin();
    CapList(0x40);
    Cap(0x40, 0x01, 0xfd);
    CHECK(RefusedWith(Parse(), "capability pointer 0xfd at 0x41 is not dword aligned"));

    /* Without the status bit there is no list to walk, whatever 0x34 says. */
    Begin();
    Put8(0x34, 0x41);
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.CapabilityCount, 0);

    /* Every dword after the header a capability: the longest list. */
    Begin();
    CapList(0x40);
    for (ULONG at = 0x40; at < 0x100; at += 4)
        Cap(at, 0x09, at + 4 < 0x100 ? at + 4 : 0);
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.CapabilityCount, 48);
    CHECK_EQ(Function.Capabilities[47].Offset, 0xfc);
}

static void test_msi(void)
{
    Begin();
    CapList(0x50);
    Cap(0x50, 0x05, 0);
    Put16(0x52, 0x0180 | (3 << 1)); /* 64-bit, per-vector masking, 8 messages */
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.Msi.Offset, 0x50);
    CHECK_EQ(Function.Msi.Address64, TRUE);
    CHECK_EQ(Function.Msi.PerVectorMasking, TRUE);
    CHECK_EQ(Function.Msi.MessagesCapable, 8);

    Put16(0x52, 6 << 1);
    CHECK(RefusedWith(Parse(), "MSI at 0x50: reserved multiple message capable 6"));
    Begin();
    CapList(0xf0); /* 24 bytes from 0xf0 */
    Cap(0xf0, 0x05, 0);
    Put16(0xf2, 0x0180);
    CHECK(RefusedWith(Parse(), "MSI at 0xf0: its 24 bytes run past the 256"));
    Put16(0xf2, 0x0000); /* 10 bytes fit */
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    Begin();
    CapList(0x50);
    Cap(0x50, 0x05, 0x60);
    Cap(0x60, 0x05, 0);
    CHECK(RefusedWith(Parse(), "a second MSI capability, at 0x60"));
}

static void test_msix(void)
{
    Begin();
    Bar64(0, 0xfe000000, 0x4000);
    Put32(0x18, 0xc001);
    Fake.Probes[2] = 0xffffffc1;
    CapList(0x90);
    MsiX(0x90, 0, 16, 0x3000, 0x3800);
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    CHECK_EQ(Function.MsiX.TableSize, 16);

    /* The table's last entry is the BAR's last 16 bytes: still inside. */
    MsiX(0x90, 0, 64, 0x3c00, 0x3800);
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    MsiX(0x90, 0, 65, 0x3c00, 0x3800);
    CHECK(RefusedWith(Parse(), "MSI-X table at 0x3c00 (1040 bytes) lies outside BAR 0"));
    MsiX(0x90, 0, 2048, 0x0000, 0x3800);
    CHECK(RefusedWith(Parse(), "MSI-X table at 0x0 (32768 bytes) lies outside BAR 0"));
    MsiX(0x90, 0, 16, 0x3000, 0x3ff8 | 0); /* 8 bytes of pending bits at the very end */
    CHECK_EQ(Parse(), STATUS_SUCCESS);
    MsiX(0x90, 0, 16, 0x3000, 0x4000);
    CHECK(RefusedWith(Parse(), "MSI-X pending bits at 0x4000 (8 bytes) lies outside BAR 0"));
    MsiX(0x90, 0, 16, 0x3000 | 1, 0x3800); /* BAR 1: the upper half of BAR 0 */
    CHECK(RefusedWith(Parse(), "MSI-X table in BAR 1, which is not a memory BAR"));
    MsiX(0x90, 0, 16, 0x3000 | 2, 0x3800); /* an I/O BAR */
    CHECK(RefusedWith(Parse(), "MSI-X table in BAR 2, which is not a memory BAR"));
    MsiX(0x90, 0, 16, 0x3000 | 6, 0x3800);
    CHECK(RefusedWith(Parse(), "MSI-X table in BAR 6, which is not a memory BAR"));
    MsiX(0x90, 0, 16, 0x3000, 0x3800 | 7);
    CHECK(RefusedWith(Parse(), "MSI-X pending bits in BAR 7, which is not a memory BAR"));

    MsiX(0x90, 0xa0, 16, 0x3000, 0x3800);
    MsiX(0xa0, 0, 16, 0x3000, 0x3800);
    CHECK(RefusedWith(Parse(), "a second MSI-X capability, at 0xa0"));

    Begin();
    Bar64(0, 0xfe000000, 0x4000);
    CapList(0xf8);
    Cap(0xf8, 0x11, 0);
    Put32(0xfc, 0x3000);
    CHECK(RefusedWith(Parse(), "MSI-X at 0xf8: its 12 bytes run past the 256"));
}

static const KTAP_CASE cases[] = {
    KTAP_CASE(test_every_captured_function_parses),
    KTAP_CASE(test_qemu_xhci),
    KTAP_CASE(test_qemu_sata_isa_and_host_bridge),
    KTAP_CASE(test_qemu_root_port_and_the_function_behind_it),
    KTAP_CASE(test_absent_and_invalid_functions),
    KTAP_CASE(test_bars_that_size),
    KTAP_CASE(test_bars_that_lie),
    KTAP_CASE(test_capability_lists_that_lie),
    KTAP_CASE(test_msi),
    KTAP_CASE(test_msix),
};

int main(void)
{
    return KtapMain("lib.pcicfg", cases, ARRAYSIZE(cases));
}
