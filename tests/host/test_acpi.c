/*
 * test_acpi.c: the ACPI table parser, fed the tables QEMU really builds
 * (captured by tests/host/data/capture-qemu-acpi) and synthetic ones
 * built here byte by byte, well-formed and broken in every way the
 * parser claims to catch.
 *
 * Field offsets here are written from the ACPI specification, not taken
 * from lib/, so that a wrong offset in the parser shows up as a failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include "acpi.h"
#include "rtl.h"
#include "ktap.h"
#include "acpi_image.h"

/* ---- QEMU's tables, linked into this program so that it runs from any
   directory (the assembler's .incbin reads the file at build time, and
   make builds from the top of the tree). ---- */
#define INCBIN(Name, File)                                                                         \
    __asm__(".section .rodata\n.balign 16\n" #Name ":\n.incbin \"" File "\"\n" #Name "End:\n"      \
            ".previous\n");                                                                        \
    extern const UCHAR Name[], Name##End[]

INCBIN(QemuSmp1, "tests/host/data/qemu-q35-smp1.acpi");
INCBIN(QemuSmp4, "tests/host/data/qemu-q35-smp4.acpi");
INCBIN(QemuSmp8, "tests/host/data/qemu-q35-smp8.acpi");

/* ---- a fake physical memory and a builder for tables in it ---- */
#define MEM_MAX 0x110000

static UCHAR Mem[MEM_MAX];
static ULONG64 MemBase;
static ULONG MemUsed;
static UCHAR *Exact; /* the image handed to the parser, exactly sized for ASan */
static ACPI_IMAGE Image;
static ACPI_TABLES Tables;

static UCHAR *At(ULONG64 Pa)
{
    if (Pa < MemBase || Pa - MemBase >= MEM_MAX) {
        ktap_diag("builder: 0x%llx is outside the fake memory", (unsigned long long)Pa);
        exit(2);
    }
    return Mem + (Pa - MemBase);
}

static void Put8(ULONG64 Pa, ULONG64 V)
{
    *At(Pa) = (UCHAR)V;
}

static void Put16(ULONG64 Pa, ULONG64 V)
{
    Put8(Pa, V), Put8(Pa + 1, V >> 8);
}

static void Put32(ULONG64 Pa, ULONG64 V)
{
    Put16(Pa, V), Put16(Pa + 2, V >> 16);
}

static void Put64(ULONG64 Pa, ULONG64 V)
{
    Put32(Pa, V), Put32(Pa + 4, V >> 32);
}

/* Empties the memory; byte 0 of the image is at physical Base. */
static void Begin(ULONG64 Base)
{
    memset(Mem, 0, sizeof(Mem));
    MemBase = Base;
    MemUsed = 64;
    Put64(Base, Base);
}

/* Makes Length bytes at the end of the image; returns their address. */
static ULONG64 Alloc(ULONG Length)
{
    ULONG64 pa = MemBase + MemUsed;
    MemUsed = (MemUsed + Length + 15) & ~15u;
    At(MemBase + MemUsed - 1);
    return pa;
}

static UCHAR Sum(ULONG64 Pa, ULONG Length)
{
    UCHAR sum = 0;
    for (ULONG i = 0; i < Length; i++)
        sum += *At(Pa + i);
    return sum;
}

/* A table with its header filled in; Seal it after filling the rest. */
static ULONG64 Table(const char *Signature, ULONG Length, UCHAR Revision)
{
    ULONG64 pa = Alloc(Length);
    memcpy(At(pa), Signature, 4);
    Put32(pa + 4, Length);
    Put8(pa + 8, Revision);
    memcpy(At(pa + 10), "KELAB TESTTABL", 14);
    return pa;
}

/* Sets the checksum byte so that the table's bytes sum to 0. */
static void Seal(ULONG64 Pa)
{
    Put8(Pa + 9, 0);
    Put8(Pa + 9, (UCHAR)-Sum(Pa, *At(Pa + 4) | *At(Pa + 5) << 8 | *At(Pa + 6) << 16));
}

/* An RSDT (EntrySize 4) or XSDT (8) listing Count tables. */
static ULONG64 Root(const char *Signature, ULONG EntrySize, const ULONG64 *Entries, ULONG Count)
{
    ULONG64 pa = Table(Signature, 36 + EntrySize * Count, 1);
    for (ULONG i = 0; i < Count; i++) {
        if (EntrySize == 8)
            Put64(pa + 36 + 8 * i, Entries[i]);
        else
            Put32(pa + 36 + 4 * i, Entries[i]);
    }
    Seal(pa);
    return pa;
}

/* The loader's copy of the RSDP, at its fixed place in the image. */
static void Rsdp(UCHAR Revision, ULONG64 Rsdt, ULONG64 Xsdt)
{
    ULONG64 pa = MemBase + ACPI_IMAGE_RSDP;
    memcpy(At(pa), "RSD PTR ", 8);
    memcpy(At(pa + 9), "KELAB ", 6);
    Put8(pa + 15, Revision);
    Put32(pa + 16, Rsdt);
    Put32(pa + 20, 36);
    Put64(pa + 24, Xsdt);
    Put8(pa + 8, 0);
    Put8(pa + 32, 0);
    Put8(pa + 8, (UCHAR)-Sum(pa, 20));
    Put8(pa + 32, (UCHAR)-Sum(pa, 36));
}

/* Hands the image so far to AcpiInitialize. */
static NTSTATUS Load(void)
{
    free(Exact);
    Exact = malloc(MemUsed);
    memcpy(Exact, Mem, MemUsed);
    return AcpiImageInitialize(&Tables, &Image, Exact, MemUsed);
}

static NTSTATUS LoadCapture(const UCHAR *Start, const UCHAR *End)
{
    free(Exact);
    Exact = malloc(End - Start);
    memcpy(Exact, Start, End - Start);
    return AcpiImageInitialize(&Tables, &Image, Exact, End - Start);
}

/* Does any warning contain Text? */
static BOOLEAN Warned(const ACPI_MESSAGES *m, const char *Text)
{
    for (ULONG i = 0; i < m->WarningCount; i++) {
        if (strstr(m->Warnings[i], Text))
            return TRUE;
    }
    return FALSE;
}

static void ShowMessages(const ACPI_MESSAGES *m)
{
    for (ULONG i = 0; i < m->WarningCount; i++)
        ktap_diag("warning: %s", m->Warnings[i]);
    if (m->Error[0])
        ktap_diag("error: %s", m->Error);
}

/* ---- builders for the tables KeLab reads ---- */

static UCHAR Entries[4096];
static ULONG EntriesLength;

static void Bytes(ULONG Count, const UCHAR *b)
{
    memcpy(Entries + EntriesLength, b, Count);
    EntriesLength += Count;
}
#define ENTRY(...) Bytes(sizeof((UCHAR[]){__VA_ARGS__}), (UCHAR[]){__VA_ARGS__})
#define LE16(v)    (UCHAR)(v), (UCHAR)((v) >> 8)
#define LE32(v)    LE16(v), LE16((v) >> 16)
#define LE64(v)    LE32(v), LE32((ULONG64)(v) >> 32)

static void LocalApic(UCHAR Uid, UCHAR Id, ULONG Flags)
{
    ENTRY(0, 8, Uid, Id, LE32(Flags));
}

static void X2Apic(ULONG Id, ULONG Flags, ULONG Uid)
{
    ENTRY(9, 16, 0, 0, LE32(Id), LE32(Flags), LE32(Uid));
}

static void IoApic(UCHAR Id, ULONG Address, ULONG GsiBase)
{
    ENTRY(1, 12, Id, 0, LE32(Address), LE32(GsiBase));
}

static void Override(UCHAR Bus, UCHAR Irq, ULONG Gsi, USHORT Flags)
{
    ENTRY(2, 10, Bus, Irq, LE32(Gsi), LE16(Flags));
}

static ULONG64 Madt(ULONG LocalApicAddress, ULONG Flags)
{
    ULONG64 pa = Table("APIC", 44 + EntriesLength, 4);
    Put32(pa + 36, LocalApicAddress);
    Put32(pa + 40, Flags);
    memcpy(At(pa + 44), Entries, EntriesLength);
    EntriesLength = 0;
    Seal(pa);
    return pa;
}

/* The FADT offsets (ACPI 6.5, table 5.9). */
enum {
    F_DSDT = 40,
    F_SCI_INT = 46,
    F_SMI_CMD = 48,
    F_ACPI_ENABLE = 52,
    F_PM1A_CNT = 64,
    F_PM1B_CNT = 68,
    F_PM_TMR = 76,
    F_PM1_CNT_LEN = 89,
    F_PM_TMR_LEN = 91,
    F_CENTURY = 108,
    F_BOOT_ARCH = 109,
    F_FLAGS = 112,
    F_RESET_REG = 116,
    F_RESET_VALUE = 128,
    F_X_DSDT = 140,
    F_X_PM1A_CNT = 172,
    F_X_PM1B_CNT = 184,
    F_X_PM_TMR = 208,
};

static void Gas(ULONG64 Pa, UCHAR Space, UCHAR Width, ULONG64 Address)
{
    Put8(Pa, Space);
    Put8(Pa + 1, Width);
    Put8(Pa + 3, Width / 8 == 4 ? 3 : 1);
    Put64(Pa + 4, Address);
}

/* A DSDT whose body is the given AML bytes. */
static ULONG64 Dsdt(const UCHAR *Aml, ULONG Length)
{
    ULONG64 pa = Table("DSDT", 36 + Length, 2);
    memcpy(At(pa + 36), Aml, Length);
    Seal(pa);
    return pa;
}

static const UCHAR S5Aml[] = {0x10, 0x05, '\\', 0x00, 0x00, /* a Scope before it */
                              0x08, '_',  'S',  '5',  '_',  0x12, 0x08,
                              0x04, 0x0A, 0x05, 0x0A, 0x06, 0x00, 0x00};

/* An ACPI 1.0 FADT (116 bytes) on QEMU's i440FX-like ports. */
static ULONG64 Fadt1(ULONG64 Dsdt)
{
    ULONG64 pa = Table("FACP", 116, 1);
    Put32(pa + F_DSDT, Dsdt);
    Put16(pa + F_SCI_INT, 9);
    Put32(pa + F_SMI_CMD, 0xB2);
    Put8(pa + F_ACPI_ENABLE, 0xF1);
    Put32(pa + F_PM1A_CNT, 0x604);
    Put32(pa + F_PM_TMR, 0x608);
    Put8(pa + F_PM1_CNT_LEN, 2);
    Put8(pa + F_PM_TMR_LEN, 4);
    Put8(pa + F_CENTURY, 0x32);
    Put16(pa + F_BOOT_ARCH, 0xFFFF); /* reserved in ACPI 1.0: must be ignored */
    Put32(pa + F_FLAGS, 1u << 10);   /* claims a reset register it has no room for */
    Seal(pa);
    return pa;
}

static ULONG64 Hpet(UCHAR Space, ULONG64 Address)
{
    ULONG64 pa = Table("HPET", 56, 1);
    Put32(pa + 36, 0x8086A201); /* rev 1, 3 comparators, 64-bit, legacy capable, Intel */
    Gas(pa + 40, Space, 0, Address);
    Put8(pa + 52, 0);
    Put16(pa + 53, 0x80);
    Seal(pa);
    return pa;
}

typedef struct {
    ULONG64 Base;
    USHORT Segment;
    UCHAR Start, End;
} SEGMENT;

static ULONG64 Mcfg(const SEGMENT *s, ULONG Count)
{
    ULONG64 pa = Table("MCFG", 44 + 16 * Count, 1);
    for (ULONG i = 0; i < Count; i++) {
        Put64(pa + 44 + 16 * i, s[i].Base);
        Put16(pa + 52 + 16 * i, s[i].Segment);
        Put8(pa + 54 + 16 * i, s[i].Start);
        Put8(pa + 55 + 16 * i, s[i].End);
    }
    Seal(pa);
    return pa;
}

/* A small complete machine on ACPI 1.0: RSDT -> FADT (-> DSDT), MADT,
   HPET, MCFG. */
static void SmallMachine(void)
{
    Begin(0x7FE0000);
    ULONG64 tables[4];
    tables[0] = Fadt1(Dsdt(S5Aml, sizeof(S5Aml)));
    LocalApic(0, 0, 1);
    LocalApic(1, 1, 1);
    IoApic(0, 0xFEC00000, 0);
    Override(0, 0, 2, 0);
    tables[1] = Madt(0xFEE00000, 1);
    tables[2] = Hpet(0, 0xFED00000);
    tables[3] = Mcfg(&(SEGMENT){0xB0000000, 0, 0, 255}, 1);
    Rsdp(0, Root("RSDT", 4, tables, 4), 0);
}

/* ---- QEMU ---- */

static void CheckQemu(ULONG Cpus)
{
    ACPI_MADT_INFO madt;
    ACPI_FADT_INFO fadt;
    ACPI_HPET_INFO hpet;
    ACPI_MCFG_INFO mcfg;
    ACPI_S5_INFO s5;
    ACPI_INTERRUPT_MODE mode;

    CHECK_STR(Tables.RootSignature, "RSDT"); /* SeaBIOS gives an ACPI 1.0 RSDP */
    CHECK_STR(Tables.OemId, "BOCHS ");
    CHECK_EQ(Tables.Messages.WarningCount, 0);
    ShowMessages(&Tables.Messages);
    ULONG64 address;
    ULONG length;
    CHECK_EQ(AcpiFindTable(&Tables, "DSDT", &address, &length), STATUS_SUCCESS);
    CHECK_EQ(AcpiFindTable(&Tables, "WAET", &address, &length), STATUS_SUCCESS);
    CHECK_EQ(AcpiFindTable(&Tables, "SRAT", &address, &length), STATUS_NOT_FOUND);

    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    ShowMessages(&madt.Messages);
    CHECK_EQ(madt.Messages.WarningCount, 0);
    CHECK_EQ(madt.LocalApicAddress, 0xFEE00000);
    CHECK(madt.PcAtCompatible);
    CHECK_EQ(madt.ProcessorCount, Cpus);
    for (ULONG i = 0; i < madt.ProcessorCount; i++) {
        CHECK_EQ(madt.Processors[i].ApicId, i);
        CHECK_EQ(madt.Processors[i].ProcessorUid, i);
        CHECK(madt.Processors[i].Enabled);
    }
    CHECK_EQ(madt.IoApicCount, 1);
    CHECK_EQ(madt.IoApics[0].Address, 0xFEC00000);
    CHECK_EQ(madt.IoApics[0].GsiBase, 0);
    CHECK_EQ(AcpiIsaIrqToGsi(&madt, 0, &mode), 2); /* the PIT */
    CHECK(!mode.ActiveLow && !mode.LevelTriggered);
    CHECK_EQ(AcpiIsaIrqToGsi(&madt, 9, &mode), 9); /* the SCI: level, active high */
    CHECK(!mode.ActiveLow && mode.LevelTriggered);
    CHECK_EQ(AcpiIsaIrqToGsi(&madt, 4, &mode), 4); /* COM1: no override */
    CHECK(!mode.ActiveLow && !mode.LevelTriggered);
    CHECK_EQ(madt.LocalNmiCount, 1);
    CHECK_EQ(madt.LocalNmis[0].ProcessorUid, ACPI_ALL_PROCESSORS);
    CHECK_EQ(madt.LocalNmis[0].Lint, 1);

    CHECK_EQ(AcpiParseFadt(&Tables, &fadt), STATUS_SUCCESS);
    ShowMessages(&fadt.Messages);
    CHECK_EQ(fadt.Messages.WarningCount, 0);
    CHECK_EQ(fadt.PmTimerPort, 0x608);
    CHECK_EQ(fadt.PmTimerBits, 24);
    CHECK_EQ(fadt.Pm1aControlPort, 0x604);
    CHECK_EQ(fadt.Pm1bControlPort, 0);
    CHECK_EQ(fadt.SciInterrupt, 9);
    CHECK_EQ(fadt.SmiCommandPort, 0xB2);
    CHECK(fadt.ResetSupported);
    CHECK_EQ(fadt.ResetRegister.AddressSpace, ACPI_SPACE_IO);
    CHECK_EQ(fadt.ResetRegister.Address, 0xCF9);
    CHECK_EQ(fadt.ResetValue, 0x0F);
    CHECK(fadt.BootFlagsValid && fadt.Has8042 && !fadt.VgaNotPresent);
    CHECK_EQ(fadt.CenturyRegister, 0x32);
    CHECK_EQ(AcpiFindTable(&Tables, "DSDT", &address, &length), STATUS_SUCCESS);
    CHECK_EQ(fadt.DsdtAddress, address);

    CHECK_EQ(AcpiParseHpet(&Tables, &hpet), STATUS_SUCCESS);
    CHECK_EQ(hpet.BaseAddress, 0xFED00000);
    CHECK_EQ(hpet.ComparatorCount, 3);
    CHECK(hpet.Counter64Bit && hpet.LegacyReplacementCapable);
    CHECK_EQ(hpet.PciVendorId, 0x8086);

    CHECK_EQ(AcpiParseMcfg(&Tables, &mcfg), STATUS_SUCCESS);
    CHECK_EQ(mcfg.SegmentCount, 1);
    CHECK_EQ(mcfg.Segments[0].BaseAddress, 0xB0000000);
    CHECK_EQ(mcfg.Segments[0].StartBus, 0);
    CHECK_EQ(mcfg.Segments[0].EndBus, 255);

    CHECK_EQ(AcpiFindSleepTypeS5(&Tables, &s5), STATUS_SUCCESS);
    ShowMessages(&s5.Messages);
    CHECK_EQ(s5.SlpTypA, 0); /* QEMU's ICH9 powers off on sleep type 0 */
    CHECK_EQ(s5.SlpTypB, 0);
}

static void test_qemu_q35_smp4(void)
{
    CHECK_EQ(LoadCapture(QemuSmp4, QemuSmp4End), STATUS_SUCCESS);
    CheckQemu(4);
}

static void test_qemu_q35_smp1_and_smp8(void)
{
    CHECK_EQ(LoadCapture(QemuSmp1, QemuSmp1End), STATUS_SUCCESS);
    CheckQemu(1);
    CHECK_EQ(LoadCapture(QemuSmp8, QemuSmp8End), STATUS_SUCCESS);
    CheckQemu(8);
}

/* ---- the root ---- */

static void test_rsdp_v0_rsdt(void)
{
    SmallMachine();
    CHECK_EQ(Load(), STATUS_SUCCESS);
    ShowMessages(&Tables.Messages);
    CHECK_EQ(Tables.Messages.WarningCount, 0);
    CHECK_EQ(Tables.RsdpRevision, 0);
    CHECK_STR(Tables.RootSignature, "RSDT");
    CHECK_EQ(Tables.TableCount, 5); /* four listed, plus the DSDT */
    CHECK_STR(Tables.Tables[0].Signature, "FACP");
    CHECK_STR(Tables.Tables[4].Signature, "DSDT");
    ULONG64 address;
    ULONG length;
    CHECK_EQ(AcpiFindTable(&Tables, "APIC", &address, &length), STATUS_SUCCESS);
    CHECK_EQ(address, Tables.Tables[1].Address);
    CHECK_EQ(length, 44 + 8 + 8 + 12 + 10);
}

/* ACPI 2.0: an XSDT, here with every table above 4 GiB, where only
   64-bit pointers reach. */
static void test_rsdp_v2_xsdt_above_4g(void)
{
    Begin(0x100000000ull);
    ULONG64 tables[2];
    LocalApic(0, 0, 1);
    tables[0] = Madt(0xFEE00000, 1);
    tables[1] = Hpet(0, 0xFED00000);
    Rsdp(2, 0, Root("XSDT", 8, tables, 2));
    CHECK_EQ(Load(), STATUS_SUCCESS);
    ShowMessages(&Tables.Messages);
    CHECK_EQ(Tables.Messages.WarningCount, 0);
    CHECK_EQ(Tables.RsdpRevision, 2);
    CHECK_STR(Tables.RootSignature, "XSDT");
    CHECK_EQ(Tables.TableCount, 2);
    CHECK(Tables.Tables[0].Address > 0xFFFFFFFFull);
    ACPI_MADT_INFO madt;
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    CHECK_EQ(madt.ProcessorCount, 1);
}

/* Builds an ACPI 2.0 machine with both roots; the RSDT lists only a MADT,
   the XSDT a MADT and an HPET, so the tests can tell which was used. */
static ULONG64 XsdtMachine(ULONG64 *Rsdt)
{
    Begin(0x7FE0000);
    ULONG64 tables[2];
    LocalApic(0, 0, 1);
    tables[0] = Madt(0xFEE00000, 1);
    tables[1] = Hpet(0, 0xFED00000);
    *Rsdt = Root("RSDT", 4, tables, 1);
    return Root("XSDT", 8, tables, 2);
}

static void test_xsdt_preferred(void)
{
    ULONG64 rsdt, xsdt = XsdtMachine(&rsdt);
    Rsdp(2, rsdt, xsdt);
    CHECK_EQ(Load(), STATUS_SUCCESS);
    CHECK_STR(Tables.RootSignature, "XSDT");
    CHECK_EQ(Tables.TableCount, 2);
}

static void test_xsdt_unmapped_falls_back_to_rsdt(void)
{
    ULONG64 rsdt;
    XsdtMachine(&rsdt);
    Rsdp(2, rsdt, 0xC0000000); /* nothing there */
    CHECK_EQ(Load(), STATUS_SUCCESS);
    ShowMessages(&Tables.Messages);
    CHECK_STR(Tables.RootSignature, "RSDT");
    CHECK_EQ(Tables.TableCount, 1);
    CHECK(Warned(&Tables.Messages, "XSDT at 0xc0000000 is not readable; using the RSDT"));
}

static void test_xsdt_bad_checksum_falls_back_to_rsdt(void)
{
    ULONG64 rsdt, xsdt = XsdtMachine(&rsdt);
    Put8(xsdt + 20, *At(xsdt + 20) + 1);
    Rsdp(2, rsdt, xsdt);
    CHECK_EQ(Load(), STATUS_SUCCESS);
    ShowMessages(&Tables.Messages);
    CHECK_STR(Tables.RootSignature, "RSDT");
    CHECK(Warned(&Tables.Messages, "XSDT at 0x"));
    CHECK(Warned(&Tables.Messages, "checksum is off by 0x01"));
}

static void test_rsdp_extended_checksum_falls_back_to_rsdt(void)
{
    ULONG64 rsdt, xsdt = XsdtMachine(&rsdt);
    Rsdp(2, rsdt, xsdt);
    Put8(MemBase + 8 + 33, 0x55); /* reserved byte, covered only by the extended checksum */
    CHECK_EQ(Load(), STATUS_SUCCESS);
    CHECK_STR(Tables.RootSignature, "RSDT");
    CHECK(Warned(&Tables.Messages, "RSDP extended checksum is off by 0x55"));

    /* A revision 2 RSDP of which the loader copied only 20 bytes. */
    Rsdp(2, rsdt, xsdt);
    Load();
    CHECK_EQ(AcpiInitialize(&Tables, Exact + 8, 20, AcpiImageMap, &Image), STATUS_SUCCESS);
    CHECK_STR(Tables.RootSignature, "RSDT");
    CHECK(Warned(&Tables.Messages, "too short"));
}

static void test_rsdp_errors(void)
{
    SmallMachine();
    Put8(MemBase + 8, 'X');
    CHECK_EQ(Load(), STATUS_INVALID_PARAMETER);
    CHECK_STR(Tables.Messages.Error, "RSDP signature is not \"RSD PTR \"");

    SmallMachine();
    Put8(MemBase + 8 + 16, *At(MemBase + 8 + 16) + 2); /* RSDT address changed, not the sum */
    CHECK_EQ(Load(), STATUS_INVALID_PARAMETER);
    CHECK_STR(Tables.Messages.Error, "RSDP checksum is off by 0x02");

    SmallMachine();
    Load();
    CHECK_EQ(AcpiInitialize(&Tables, Exact + 8, 19, AcpiImageMap, &Image),
             STATUS_INVALID_PARAMETER);
    CHECK_STR(Tables.Messages.Error, "RSDP is 19 bytes, needs 20");
}

static void test_root_errors(void)
{
    /* RSDT checksum wrong, and no XSDT to fall back on. */
    SmallMachine();
    CHECK_EQ(Load(), STATUS_SUCCESS);
    ULONG64 rsdt = Tables.RootAddress;
    Put8(rsdt + 36, *At(rsdt + 36) ^ 0x10);
    CHECK_EQ(Load(), STATUS_INVALID_PARAMETER);
    CHECK(strstr(Tables.Messages.Error, "no usable root table: RSDT at 0x") != NULL);
    CHECK(strstr(Tables.Messages.Error, "checksum") != NULL);

    /* RSDT pointing at nothing. */
    Begin(0x7FE0000);
    Rsdp(0, 0x1000, 0);
    CHECK_EQ(Load(), STATUS_INVALID_PARAMETER);
    CHECK_STR(Tables.Messages.Error, "no usable root table: RSDT at 0x1000 is not readable");

    /* RSDT pointing at a table with another signature. */
    SmallMachine();
    Load();
    Rsdp(0, Tables.Tables[1].Address, 0);
    CHECK_EQ(Load(), STATUS_INVALID_PARAMETER);
    CHECK(strstr(Tables.Messages.Error, "has signature \"APIC\"") != NULL);

    /* RSDT whose length runs past readable memory. */
    Begin(0x7FE0000);
    ULONG64 root = Root("RSDT", 4, NULL, 0);
    Put32(root + 4, 0x10000);
    Seal(root);
    Rsdp(0, root, 0);
    CHECK_EQ(Load(), STATUS_INVALID_PARAMETER);
    CHECK(strstr(Tables.Messages.Error, "its 65536 bytes are not readable") != NULL);

    /* RSDT with an absurd length. */
    Put32(root + 4, 0x7FFFFFFF);
    CHECK_EQ(Load(), STATUS_INVALID_PARAMETER);
    CHECK(strstr(Tables.Messages.Error, "length 2147483647 is not 36..") != NULL);
}

static void test_bad_listed_tables_are_skipped(void)
{
    Begin(0x7FE0000);
    ULONG64 tables[6];
    LocalApic(0, 0, 1);
    tables[0] = Madt(0xFEE00000, 1);
    tables[1] = Hpet(0, 0xFED00000);
    Put8(tables[1] + 50, 1);          /* HPET changed after sealing: bad checksum */
    tables[2] = 0;                    /* a null entry */
    tables[3] = 0xFFFFFFF0;           /* nothing there */
    tables[4] = Table("SSDT", 20, 1); /* length below the header's */
    Seal(tables[4]);
    tables[5] = Table("SSDT", 36, 1);
    Put32(tables[5] + 4, 0x1000); /* runs past the end of memory */
    Seal(tables[5]);
    Rsdp(0, Root("RSDT", 4, tables, 6), 0);
    CHECK_EQ(Load(), STATUS_SUCCESS);
    ShowMessages(&Tables.Messages);
    CHECK_EQ(Tables.TableCount, 1);
    CHECK_STR(Tables.Tables[0].Signature, "APIC");
    CHECK(Warned(&Tables.Messages, "HPET at 0x"));
    CHECK(Warned(&Tables.Messages, "checksum is off by 0x01; skipped"));
    CHECK(Warned(&Tables.Messages, "RSDT entry 2 is address 0"));
    CHECK(Warned(&Tables.Messages, "table at 0xfffffff0 is not readable"));
    CHECK(Warned(&Tables.Messages, "length 20 is not 36.."));
    CHECK(Warned(&Tables.Messages, "its 4096 bytes are not readable"));

    ACPI_HPET_INFO hpet;
    CHECK_EQ(AcpiParseHpet(&Tables, &hpet), STATUS_NOT_FOUND);
    CHECK_STR(hpet.Messages.Error, "no valid HPET table (high precision event timer)");
}

static void test_too_many_tables_and_warnings(void)
{
    static ULONG64 tables[100];
    Begin(0x7FE0000);
    for (ULONG i = 0; i < 100; i++) {
        tables[i] = Table("SSDT", 36, 1);
        Seal(tables[i]);
    }
    tables[99] = 0; /* warnings beyond the first ACPI_MAX_WARNINGS are counted */
    Rsdp(0, Root("RSDT", 4, tables, 100), 0);
    CHECK_EQ(Load(), STATUS_SUCCESS);
    CHECK_EQ(Tables.TableCount, ACPI_MAX_TABLES);
    CHECK_EQ(Tables.Messages.WarningCount, ACPI_MAX_WARNINGS);
    CHECK(Tables.Messages.WarningsDropped > 0);
    CHECK(Warned(&Tables.Messages, "more than 64 tables"));
}

static void test_partial_root_entry_and_garbage_signature(void)
{
    Begin(0x7FE0000);
    ULONG64 t = Table("\x01"
                      "AB\xff",
                      36, 1);
    Seal(t);
    ULONG64 root = Table("RSDT", 36 + 4 + 2, 1);
    Put32(root + 36, t);
    Seal(root);
    Rsdp(0, root, 0);
    CHECK_EQ(Load(), STATUS_SUCCESS);
    CHECK(Warned(&Tables.Messages, "partial entry"));
    CHECK_EQ(Tables.TableCount, 1);
    CHECK_STR(Tables.Tables[0].Signature, "?AB?"); /* printable for the console */
}

/* A map that fails on its FailAt-th call: the kernel's could, if it ran
   out of address space between two requests for the same table. */
static ULONG MapCalls, FailAt;

static const VOID *FlakyMap(PVOID Context, ULONG64 PhysicalAddress, ULONG Length)
{
    if (++MapCalls == FailAt)
        return NULL;
    return AcpiImageMap(Context, PhysicalAddress, Length);
}

static void test_map_failing_the_second_time(void)
{
    SmallMachine();
    Load();
    /* Calls 1 and 2 check the RSDT (header, whole); 3 maps it to walk it. */
    MapCalls = 0, FailAt = 3;
    CHECK_EQ(AcpiInitialize(&Tables, Exact + 8, 20, FlakyMap, &Image), STATUS_SUCCESS);
    CHECK_EQ(Tables.TableCount, 0);
    CHECK(Warned(&Tables.Messages, "RSDT is no longer readable; no tables"));

    ACPI_MADT_INFO info;
    MapCalls = 0, FailAt = 0;
    CHECK_EQ(AcpiInitialize(&Tables, Exact + 8, 20, FlakyMap, &Image), STATUS_SUCCESS);
    MapCalls = 0, FailAt = 1;
    CHECK_EQ(AcpiParseMadt(&Tables, &info), STATUS_INVALID_PARAMETER);
    CHECK(strstr(info.Messages.Error, "APIC at 0x") != NULL);
    CHECK(strstr(info.Messages.Error, "is no longer readable") != NULL);
}

static void test_rsdp_found_by_scanning(void)
{
    /* In the EBDA, whose segment the BIOS data area holds at 0x40E. */
    Begin(0);
    MemUsed = 0x100000;
    Put16(0x40E, 0x9FC0);
    ULONG64 madt;
    LocalApic(0, 0, 1);
    madt = Madt(0xFEE00000, 1);
    Rsdp(0, Root("RSDT", 4, &madt, 1), 0);
    memcpy(At(0x9FC30), At(8), 36);
    memset(At(8), 0, 36);
    memcpy(At(0xE0000), "RSD PTR ", 8); /* a bad one: checksum wrong */
    Load();
    CHECK_EQ(AcpiInitialize(&Tables, NULL, 0, AcpiImageMap, &Image), STATUS_SUCCESS);
    ShowMessages(&Tables.Messages);
    CHECK_EQ(Tables.RsdpAddress, 0x9FC30);
    CHECK_EQ(Tables.TableCount, 1);

    /* In the BIOS ROM area, past the bad one. */
    memcpy(Mem + 0xF5A10, Mem + 0x9FC30, 36);
    memset(Mem + 0x9FC30, 0, 36);
    Load();
    CHECK_EQ(AcpiInitialize(&Tables, NULL, 0, AcpiImageMap, &Image), STATUS_SUCCESS);
    CHECK_EQ(Tables.RsdpAddress, 0xF5A10);

    /* Nowhere. */
    memset(Mem + 0xF5A10, 0, 36);
    Load();
    CHECK_EQ(AcpiInitialize(&Tables, NULL, 0, AcpiImageMap, &Image), STATUS_NOT_FOUND);
    CHECK_STR(Tables.Messages.Error, "no RSDP from the loader or in the BIOS areas");
}

/* ---- MADT ---- */

static ACPI_MADT_INFO madt;

/* One machine's MADT with every entry type KeLab reads. */
static void test_madt_every_entry_type(void)
{
    Begin(0x7FE0000);
    LocalApic(0, 0, 1); /* enabled */
    LocalApic(1, 2, 0); /* absent */
    LocalApic(2, 4, 2); /* online capable */
    LocalApic(3, 6, 3); /* enabled: online capable is then meaningless */
    X2Apic(300, 1, 7);  /* an x2APIC ID above 254 */
    IoApic(8, 0xFEC00000, 0);
    IoApic(9, 0xFEC01000, 24);
    Override(0, 0, 2, 0);
    ENTRY(3, 8, LE16(0xF), LE32(40));              /* NMI source: GSI 40, level, active low */
    ENTRY(4, 6, 0xFF, LE16(5), 1);                 /* LINT1 NMI on every CPU, edge, high */
    ENTRY(4, 6, 3, LE16(0), 0);                    /* LINT0 NMI on UID 3, conforming */
    ENTRY(10, 12, LE16(0xD), LE32(7), 1, 0, 0, 0); /* x2APIC NMI: UID 7, LINT1, level */
    ENTRY(10, 12, LE16(0), LE32(0xFFFFFFFF), 0, 0, 0, 0); /* every CPU, LINT0 */
    ENTRY(5, 12, 0, 0, LE64(0xFEE10000));                 /* local APIC address override */
    ENTRY(0x7F, 4, 0, 0);                                 /* a type from the future: skipped */
    ENTRY(0, 10, 4, 8, LE32(1), 0xAA, 0xBB);              /* longer than today's entry: fine */
    ULONG64 t = Madt(0xFEE00000, 0);
    Rsdp(0, Root("RSDT", 4, &t, 1), 0);
    CHECK_EQ(Load(), STATUS_SUCCESS);
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    ShowMessages(&madt.Messages);
    CHECK_EQ(madt.Messages.WarningCount, 0);

    CHECK_EQ(madt.LocalApicAddress, 0xFEE10000);
    CHECK(!madt.PcAtCompatible);
    CHECK_EQ(madt.ProcessorCount, 6);
    CHECK(madt.Processors[0].Enabled && !madt.Processors[0].OnlineCapable);
    CHECK(!madt.Processors[1].Enabled && !madt.Processors[1].OnlineCapable);
    CHECK(!madt.Processors[2].Enabled && madt.Processors[2].OnlineCapable);
    CHECK(madt.Processors[3].Enabled && !madt.Processors[3].OnlineCapable);
    CHECK_EQ(madt.Processors[3].ApicId, 6);
    CHECK_EQ(madt.Processors[3].ProcessorUid, 3);
    CHECK_EQ(madt.Processors[4].ApicId, 300);
    CHECK_EQ(madt.Processors[4].ProcessorUid, 7);
    CHECK(madt.Processors[4].X2Apic && madt.Processors[4].Enabled);
    CHECK_EQ(madt.Processors[5].ApicId, 8);

    CHECK_EQ(madt.IoApicCount, 2);
    CHECK_EQ(madt.IoApics[1].Id, 9);
    CHECK_EQ(madt.IoApics[1].Address, 0xFEC01000);
    CHECK_EQ(madt.IoApics[1].GsiBase, 24);

    CHECK_EQ(madt.NmiSourceCount, 1);
    CHECK_EQ(madt.NmiSources[0].Gsi, 40);
    CHECK(madt.NmiSources[0].Mode.ActiveLow && madt.NmiSources[0].Mode.LevelTriggered);

    CHECK_EQ(madt.LocalNmiCount, 4);
    CHECK_EQ(madt.LocalNmis[0].ProcessorUid, ACPI_ALL_PROCESSORS);
    CHECK_EQ(madt.LocalNmis[0].Lint, 1);
    CHECK(!madt.LocalNmis[0].Mode.ActiveLow && !madt.LocalNmis[0].Mode.LevelTriggered);
    CHECK_EQ(madt.LocalNmis[1].ProcessorUid, 3);
    CHECK_EQ(madt.LocalNmis[1].Lint, 0);
    CHECK_EQ(madt.LocalNmis[2].ProcessorUid, 7);
    CHECK(madt.LocalNmis[2].Mode.LevelTriggered && !madt.LocalNmis[2].Mode.ActiveLow);
    CHECK_EQ(madt.LocalNmis[3].ProcessorUid, ACPI_ALL_PROCESSORS);
}

/* All 16 combinations of the INTI polarity and trigger fields, one per
   ISA IRQ: IRQ i has flags i. */
static void test_madt_override_polarity_and_trigger(void)
{
    Begin(0x7FE0000);
    LocalApic(0, 0, 1);
    for (ULONG irq = 0; irq < 16; irq++)
        Override(0, irq, 16 + irq, irq);
    ULONG64 t = Madt(0xFEE00000, 1);
    Rsdp(0, Root("RSDT", 4, &t, 1), 0);
    Load();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    CHECK_EQ(madt.OverrideCount, 16);
    ULONG reserved = 0;
    for (ULONG irq = 0; irq < 16; irq++) {
        ULONG polarity = irq & 3, trigger = irq >> 2;
        ACPI_INTERRUPT_MODE mode;
        CHECK_EQ(AcpiIsaIrqToGsi(&madt, irq, &mode), 16 + irq);
        CHECK_EQ(mode.Flags, irq);
        /* 0 (conforms: ISA is active high, edge) and 1 are high/edge,
           3 low/level, 2 reserved and read as conforming. */
        CHECK_EQ(mode.ActiveLow, polarity == 3);
        CHECK_EQ(mode.LevelTriggered, trigger == 3);
        reserved += polarity == 2 || trigger == 2;
    }
    CHECK_EQ(madt.Messages.WarningCount, reserved);
    CHECK(Warned(&madt.Messages, "reserved INTI flags 0x2"));
}

static ULONG64 MadtAlone(void)
{
    ULONG64 t = Madt(0xFEE00000, 1);
    Rsdp(0, Root("RSDT", 4, &t, 1), 0);
    Load();
    return t;
}

static void test_madt_bad_entry_lengths_stop_the_walk(void)
{
    /* Length 0 would loop forever. */
    Begin(0x7FE0000);
    LocalApic(0, 0, 1);
    ENTRY(0, 0, 1, 1, 1, 0, 0, 0);
    LocalApic(2, 2, 1);
    MadtAlone();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    CHECK_EQ(madt.ProcessorCount, 1);
    CHECK(Warned(&madt.Messages, "entry at offset 52 (type 0) has length 0; walk stopped"));

    /* The same for a type the parser skips: only the length check stands
       between it and an endless loop. */
    Begin(0x7FE0000);
    LocalApic(0, 0, 1);
    ENTRY(0x7F, 0);
    LocalApic(2, 2, 1);
    MadtAlone();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    CHECK_EQ(madt.ProcessorCount, 1);
    CHECK(Warned(&madt.Messages, "entry at offset 52 (type 127) has length 0; walk stopped"));

    /* Shorter than its type needs. */
    Begin(0x7FE0000);
    LocalApic(0, 0, 1);
    ENTRY(1, 8, 1, 0, LE32(0xFEC00000));
    MadtAlone();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    CHECK_EQ(madt.IoApicCount, 0);
    CHECK(Warned(&madt.Messages, "(type 1) has length 8; walk stopped"));

    /* Running past the end of the table. */
    Begin(0x7FE0000);
    LocalApic(0, 0, 1);
    ENTRY(0, 200, 1, 1, LE32(1));
    MadtAlone();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    CHECK_EQ(madt.ProcessorCount, 1);
    CHECK(Warned(&madt.Messages, "has length 200; walk stopped"));

    /* Length 1, and a lone byte at the end. */
    Begin(0x7FE0000);
    ENTRY(0, 1);
    MadtAlone();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    CHECK(Warned(&madt.Messages, "has length 1; walk stopped"));
    Begin(0x7FE0000);
    LocalApic(0, 0, 1);
    ENTRY(0);
    MadtAlone();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    CHECK_EQ(madt.ProcessorCount, 1);
    CHECK(Warned(&madt.Messages, "stray byte at offset 52"));
}

static void test_madt_too_many_entries(void)
{
    Begin(0x7FE0000);
    for (ULONG i = 0; i < 70; i++)
        LocalApic(i, i, 1);
    for (ULONG i = 0; i < 10; i++)
        IoApic(i, 0xFEC00000 + 0x1000 * i, 24 * i);
    for (ULONG i = 0; i < 20; i++)
        ENTRY(4, 6, i, LE16(0), 1);
    for (ULONG i = 0; i < 20; i++)
        ENTRY(3, 8, LE16(0), LE32(100 + i));
    MadtAlone();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    ShowMessages(&madt.Messages);
    CHECK_EQ(madt.ProcessorCount, ACPI_MAX_PROCESSORS);
    CHECK_EQ(madt.IoApicCount, ACPI_MAX_IOAPICS);
    CHECK_EQ(madt.LocalNmiCount, ACPI_MAX_NMIS);
    CHECK_EQ(madt.NmiSourceCount, ACPI_MAX_NMIS);
    CHECK_EQ(madt.Messages.WarningCount, 4); /* one per kind, not one per entry */
    CHECK(Warned(&madt.Messages, "more than 64 processors"));
    CHECK(Warned(&madt.Messages, "more than 8 I/O APICs"));
    CHECK(Warned(&madt.Messages, "more than 16 local NMIs"));
    CHECK(Warned(&madt.Messages, "more than 16 NMI sources"));
}

static void test_madt_suspicious_entries(void)
{
    Begin(0x7FE0000);
    LocalApic(0, 0, 1);
    LocalApic(1, 0, 1);       /* the same APIC ID again */
    LocalApic(2, 0xFF, 1);    /* the broadcast ID */
    X2Apic(0xFFFFFFFF, 1, 3); /* the x2APIC broadcast ID */
    IoApic(0, 0, 0);          /* at address 0 */
    IoApic(1, 0xFEC00000, 0);
    IoApic(2, 0xFEC01000, 0); /* same GSI base as the previous one */
    Override(1, 5, 5, 0);     /* not ISA */
    Override(0, 16, 16, 0);   /* not an ISA IRQ */
    Override(0, 0, 2, 0);
    Override(0, 0, 3, 0);          /* IRQ 0 again */
    ENTRY(4, 6, 0xFF, LE16(0), 2); /* LINT2 */
    ENTRY(5, 12, 0, 0, LE64(0xFEE20000));
    ENTRY(5, 12, 0, 0, LE64(0xFEE30000)); /* a second override */
    MadtAlone();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    ShowMessages(&madt.Messages);
    CHECK_EQ(madt.ProcessorCount, 1);
    CHECK_EQ(madt.IoApicCount, 1);
    CHECK_EQ(madt.IoApics[0].Id, 1);
    CHECK_EQ(madt.OverrideCount, 1);
    CHECK_EQ(madt.Overrides[0].Gsi, 2);
    CHECK_EQ(madt.LocalNmiCount, 0);
    CHECK_EQ(madt.LocalApicAddress, 0xFEE20000);
    CHECK(Warned(&madt.Messages, "APIC ID 0 twice"));
    CHECK(Warned(&madt.Messages, "processor UID 2 has the broadcast APIC ID"));
    CHECK(Warned(&madt.Messages, "processor UID 3 has the broadcast APIC ID"));
    CHECK(Warned(&madt.Messages, "I/O APIC 0 is at address 0"));
    CHECK(Warned(&madt.Messages, "both start at GSI 0"));
    CHECK(Warned(&madt.Messages, "bus 1 IRQ 5 is not an ISA IRQ"));
    CHECK(Warned(&madt.Messages, "bus 0 IRQ 16 is not an ISA IRQ"));
    CHECK(Warned(&madt.Messages, "overrides IRQ 0 twice"));
    CHECK(Warned(&madt.Messages, "LINT2"));
    CHECK(Warned(&madt.Messages, "two local APIC address overrides"));
}

static void test_madt_bad_local_apic_address(void)
{
    Begin(0x7FE0000);
    LocalApic(0, 0, 1);
    ULONG64 t = Madt(0xFEE00800, 1); /* not page aligned */
    Rsdp(0, Root("RSDT", 4, &t, 1), 0);
    Load();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_SUCCESS);
    CHECK_EQ(madt.LocalApicAddress, 0xFEE00000);
    CHECK(Warned(&madt.Messages, "local APIC address 0xfee00800 is invalid"));
}

static void test_madt_missing_or_short_gives_the_fallback(void)
{
    Begin(0x7FE0000);
    ULONG64 t = Hpet(0, 0xFED00000);
    Rsdp(0, Root("RSDT", 4, &t, 1), 0);
    Load();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_NOT_FOUND);
    CHECK_STR(madt.Messages.Error,
              "no valid APIC table (MADT: interrupt controllers and processors)");
    CHECK_EQ(madt.LocalApicAddress, 0xFEE00000);
    CHECK(madt.PcAtCompatible);
    CHECK_EQ(madt.ProcessorCount, 0);

    Begin(0x7FE0000);
    t = Table("APIC", 40, 1); /* no room for its flags */
    Seal(t);
    Rsdp(0, Root("RSDT", 4, &t, 1), 0);
    Load();
    CHECK_EQ(AcpiParseMadt(&Tables, &madt), STATUS_INVALID_PARAMETER);
    CHECK_STR(madt.Messages.Error, "APIC is 40 bytes, needs at least 44");
    CHECK_EQ(madt.LocalApicAddress, 0xFEE00000);
}

/* ---- FADT ---- */

static ACPI_FADT_INFO fadt;

static void LoadAlone(ULONG64 Table)
{
    Rsdp(0, Root("RSDT", 4, &Table, 1), 0);
    CHECK_EQ(Load(), STATUS_SUCCESS);
}

static void test_fadt_acpi1(void)
{
    Begin(0x7FE0000);
    ULONG64 dsdt = Dsdt(S5Aml, sizeof(S5Aml));
    LoadAlone(Fadt1(dsdt));
    CHECK_EQ(AcpiParseFadt(&Tables, &fadt), STATUS_SUCCESS);
    ShowMessages(&fadt.Messages);
    CHECK_EQ(fadt.Length, 116);
    CHECK_EQ(fadt.Revision, 1);
    CHECK_EQ(fadt.PmTimerPort, 0x608);
    CHECK_EQ(fadt.PmTimerBits, 24);
    CHECK_EQ(fadt.Pm1aControlPort, 0x604);
    CHECK_EQ(fadt.SciInterrupt, 9);
    CHECK_EQ(fadt.SmiCommandPort, 0xB2);
    CHECK_EQ(fadt.AcpiEnableValue, 0xF1);
    CHECK_EQ(fadt.CenturyRegister, 0x32);
    CHECK_EQ(fadt.DsdtAddress, dsdt);
    CHECK(!fadt.BootFlagsValid); /* the 0xFFFF there is ACPI 1.0's reserved field */
    CHECK(!fadt.Has8042 && !fadt.VgaNotPresent);
    CHECK(!fadt.ResetSupported); /* the flag says yes, the table has no room */
    CHECK_EQ(fadt.Messages.WarningCount, 1);
    CHECK(Warned(&fadt.Messages, "reset register (space 0, 0x0) is unusable"));
}

/* An ACPI 6.x FADT (276 bytes) using its 64-bit fields. */
static ULONG64 Fadt6(void)
{
    ULONG64 pa = Table("FACP", 276, 6);
    Put16(pa + F_SCI_INT, 9);
    Put32(pa + F_PM_TMR, 0x408); /* superseded by X_PM_TMR_BLK */
    Put8(pa + F_PM_TMR_LEN, 4);
    Put8(pa + F_PM1_CNT_LEN, 2);
    Put16(pa + F_BOOT_ARCH, 0x2F); /* all the flags KeLab reads */
    Put32(pa + F_FLAGS, 1u << 8 | 1u << 10);
    Gas(pa + F_RESET_REG, ACPI_SPACE_MEMORY, 8, 0xFED80000);
    Put8(pa + F_RESET_VALUE, 0x06);
    Put64(pa + F_X_DSDT, 0x123456789000ull);
    Gas(pa + F_X_PM1A_CNT, ACPI_SPACE_IO, 16, 0x1004);
    Gas(pa + F_X_PM1B_CNT, ACPI_SPACE_IO, 16, 0x1104);
    Gas(pa + F_X_PM_TMR, ACPI_SPACE_IO, 32, 0x1008);
    return pa;
}

static void test_fadt_acpi6(void)
{
    Begin(0x7FE0000);
    ULONG64 f = Fadt6();
    Seal(f);
    LoadAlone(f);
    CHECK(Warned(&Tables.Messages, "DSDT at 0x123456789000 is not readable"));
    CHECK_EQ(AcpiParseFadt(&Tables, &fadt), STATUS_SUCCESS);
    ShowMessages(&fadt.Messages);
    CHECK_EQ(fadt.Length, 276);
    CHECK_EQ(fadt.PmTimerPort, 0x1008);
    CHECK_EQ(fadt.PmTimerBits, 32);
    CHECK_EQ(fadt.Pm1aControlPort, 0x1004);
    CHECK_EQ(fadt.Pm1bControlPort, 0x1104);
    CHECK_EQ(fadt.SmiCommandPort, 0); /* always in ACPI mode */
    CHECK(fadt.ResetSupported);
    CHECK_EQ(fadt.ResetRegister.AddressSpace, ACPI_SPACE_MEMORY);
    CHECK_EQ(fadt.ResetRegister.Address, 0xFED80000);
    CHECK_EQ(fadt.ResetRegister.BitWidth, 8);
    CHECK_EQ(fadt.ResetValue, 6);
    CHECK_EQ(fadt.DsdtAddress, 0x123456789000ull);
    CHECK(fadt.BootFlagsValid);
    CHECK_EQ(fadt.BootFlags, 0x2F);
    CHECK(fadt.LegacyDevices && fadt.Has8042 && fadt.VgaNotPresent && fadt.MsiNotSupported &&
          fadt.CmosRtcNotPresent);
    CHECK_EQ(fadt.Messages.WarningCount, 1);
    CHECK(Warned(&fadt.Messages, "PM_TMR_BLK: 32-bit 0x408 and X_ 0x1008 differ; X_ used"));
}

static void test_fadt_bad_ports(void)
{
    /* X_PM_TMR_BLK in memory space: back to PM_TMR_BLK. */
    Begin(0x7FE0000);
    ULONG64 f = Fadt6();
    Gas(f + F_X_PM_TMR, ACPI_SPACE_MEMORY, 32, 0xFED00000);
    Gas(f + F_X_PM1B_CNT, ACPI_SPACE_IO, 16, 0x12345); /* not a port */
    Put32(f + F_PM1B_CNT, 0x1104);
    Seal(f);
    LoadAlone(f);
    CHECK_EQ(AcpiParseFadt(&Tables, &fadt), STATUS_SUCCESS);
    ShowMessages(&fadt.Messages);
    CHECK_EQ(fadt.PmTimerPort, 0x408);
    CHECK(Warned(&fadt.Messages, "X_PM_TMR_BLK is in address space 0, not I/O"));
    CHECK_EQ(fadt.Pm1bControlPort, 0x1104);
    CHECK(Warned(&fadt.Messages, "X_PM1b_CNT_BLK 0x12345 is not an I/O port"));

    /* A PM timer block that is too short, or ends past port 0xFFFF. */
    Begin(0x7FE0000);
    f = Fadt1(0);
    Put8(f + F_PM_TMR_LEN, 3);
    Put32(f + F_PM1A_CNT, 0xFFFF);
    Seal(f);
    LoadAlone(f);
    CHECK_EQ(AcpiParseFadt(&Tables, &fadt), STATUS_SUCCESS);
    CHECK_EQ(fadt.PmTimerPort, 0);
    CHECK_EQ(fadt.PmTimerBits, 0);
    CHECK(Warned(&fadt.Messages, "PM_TMR_BLK is 3 bytes long, needs 4"));
    CHECK_EQ(fadt.Pm1aControlPort, 0);
    CHECK(Warned(&fadt.Messages, "PM1a_CNT_BLK 0xffff is not an I/O port"));
    CHECK(Warned(&Tables.Messages, "the FADT names no DSDT"));
}

static void test_fadt_hardware_reduced_and_truncated(void)
{
    Begin(0x7FE0000);
    ULONG64 f = Fadt6();
    Put32(f + F_FLAGS, 1u << 20);
    Seal(f);
    LoadAlone(f);
    CHECK_EQ(AcpiParseFadt(&Tables, &fadt), STATUS_SUCCESS);
    CHECK(fadt.HardwareReduced);
    CHECK_EQ(fadt.PmTimerPort, 0);
    CHECK_EQ(fadt.Pm1aControlPort, 0);
    CHECK_EQ(fadt.SciInterrupt, 0);
    CHECK_EQ(fadt.CenturyRegister, 0);

    /* Shorter than ACPI 1.0: what it does not cover is absent. */
    Begin(0x7FE0000);
    f = Table("FACP", 80, 1);
    Put32(f + F_PM_TMR, 0x608); /* 76..79: inside, but its length field is not */
    Seal(f);
    LoadAlone(f);
    CHECK_EQ(AcpiParseFadt(&Tables, &fadt), STATUS_SUCCESS);
    CHECK(Warned(&fadt.Messages, "FADT is 80 bytes, shorter than ACPI 1.0's 116"));
    CHECK_EQ(fadt.PmTimerPort, 0);
}

static void test_fadt_dsdt_mismatch_and_missing(void)
{
    Begin(0x7FE0000);
    ULONG64 d1 = Dsdt(S5Aml, sizeof(S5Aml));
    ULONG64 d2 = Dsdt(S5Aml, 4);
    ULONG64 f = Fadt6();
    Put32(f + F_DSDT, d1);
    Put64(f + F_X_DSDT, d2);
    Seal(f);
    LoadAlone(f);
    CHECK_EQ(AcpiParseFadt(&Tables, &fadt), STATUS_SUCCESS);
    CHECK_EQ(fadt.DsdtAddress, d2);
    CHECK(Warned(&fadt.Messages, "DSDT: 32-bit"));
    ULONG64 address;
    ULONG length;
    CHECK_EQ(AcpiFindTable(&Tables, "DSDT", &address, &length), STATUS_SUCCESS);
    CHECK_EQ(address, d2);
    CHECK_EQ(length, 40);

    /* A "DSDT" that is some other table. */
    Begin(0x7FE0000);
    ULONG64 h = Hpet(0, 0xFED00000);
    LoadAlone(Fadt1(h));
    CHECK(Warned(&Tables.Messages, "DSDT at 0x7fe0040 has signature \"HPET\""));
    CHECK_EQ(AcpiFindTable(&Tables, "DSDT", &address, &length), STATUS_NOT_FOUND);

    /* No FADT at all. */
    Begin(0x7FE0000);
    LoadAlone(h = Hpet(0, 0xFED00000));
    CHECK_EQ(AcpiParseFadt(&Tables, &fadt), STATUS_NOT_FOUND);
    CHECK(strstr(fadt.Messages.Error, "no valid FACP table") != NULL);
}

/* ---- HPET and MCFG ---- */

static void test_hpet(void)
{
    ACPI_HPET_INFO hpet;
    SmallMachine();
    Load();
    CHECK_EQ(AcpiParseHpet(&Tables, &hpet), STATUS_SUCCESS);
    CHECK_EQ(hpet.BaseAddress, 0xFED00000);
    CHECK_EQ(hpet.HardwareRevision, 1);
    CHECK_EQ(hpet.ComparatorCount, 3);
    CHECK(hpet.Counter64Bit && hpet.LegacyReplacementCapable);
    CHECK_EQ(hpet.PciVendorId, 0x8086);
    CHECK_EQ(hpet.MinimumTick, 0x80);

    Begin(0x7FE0000);
    LoadAlone(Hpet(ACPI_SPACE_IO, 0xFED00000));
    CHECK_EQ(AcpiParseHpet(&Tables, &hpet), STATUS_INVALID_PARAMETER);
    CHECK_STR(hpet.Messages.Error, "HPET registers are in address space 1, not memory");

    Begin(0x7FE0000);
    LoadAlone(Hpet(0, 0));
    CHECK_EQ(AcpiParseHpet(&Tables, &hpet), STATUS_INVALID_PARAMETER);
    CHECK(strstr(hpet.Messages.Error, "base address 0x0") != NULL);

    Begin(0x7FE0000);
    ULONG64 t = Table("HPET", 52, 1);
    Seal(t);
    LoadAlone(t);
    CHECK_EQ(AcpiParseHpet(&Tables, &hpet), STATUS_INVALID_PARAMETER);
    CHECK_STR(hpet.Messages.Error, "HPET is 52 bytes, needs at least 56");
}

static void test_mcfg(void)
{
    ACPI_MCFG_INFO mcfg;
    static const SEGMENT segments[] = {
        {0xB0000000, 0, 0, 255},       {0xC0000000, 1, 0x10, 0x0F}, /* ends before it starts */
        {0xD0080000, 2, 0, 0},                                      /* not 1 MiB aligned */
        {0xFFFFFFFFFFF00000, 3, 0, 1}, /* beyond physical memory, and wrapping */
        {0xE0000000, 4, 0x80, 0x80},
    };
    Begin(0x7FE0000);
    LoadAlone(Mcfg(segments, 5));
    CHECK_EQ(AcpiParseMcfg(&Tables, &mcfg), STATUS_SUCCESS);
    ShowMessages(&mcfg.Messages);
    CHECK_EQ(mcfg.SegmentCount, 2);
    CHECK_EQ(mcfg.Segments[1].BaseAddress, 0xE0000000);
    CHECK_EQ(mcfg.Segments[1].Segment, 4);
    CHECK_EQ(mcfg.Segments[1].StartBus, 0x80);
    CHECK_EQ(mcfg.Segments[1].EndBus, 0x80);
    CHECK(Warned(&mcfg.Messages, "segment 1 ends at bus 15 before it starts (16)"));
    CHECK(Warned(&mcfg.Messages, "segment 2 base 0xd0080000"));
    CHECK(Warned(&mcfg.Messages, "segment 3 base 0xfffffffffff00000"));

    /* More than fit, and a partial entry at the end. */
    static SEGMENT many[10];
    for (ULONG i = 0; i < 10; i++)
        many[i] = (SEGMENT){0xB0000000 + 0x10000000ull * i, i, 0, 255};
    Begin(0x7FE0000);
    ULONG64 t = Mcfg(many, 10);
    Put32(t + 4, 44 + 16 * 10 - 3);
    Seal(t);
    LoadAlone(t);
    CHECK_EQ(AcpiParseMcfg(&Tables, &mcfg), STATUS_SUCCESS);
    CHECK_EQ(mcfg.SegmentCount, ACPI_MAX_SEGMENTS);
    CHECK(Warned(&mcfg.Messages, "partial entry"));
    CHECK(Warned(&mcfg.Messages, "more than 8 segments"));

    /* Nothing usable. */
    Begin(0x7FE0000);
    LoadAlone(Mcfg(segments + 1, 1));
    CHECK_EQ(AcpiParseMcfg(&Tables, &mcfg), STATUS_INVALID_PARAMETER);
    CHECK_STR(mcfg.Messages.Error, "MCFG lists no usable segment");
}

/* ---- \_S5 ---- */

static NTSTATUS S5(const UCHAR *Aml, ULONG Length, ACPI_S5_INFO *s5)
{
    Begin(0x7FE0000);
    LoadAlone(Fadt1(Dsdt(Aml, Length)));
    return AcpiFindSleepTypeS5(&Tables, s5);
}

static void test_s5(void)
{
    ACPI_S5_INFO s5;
    CHECK_EQ(S5(S5Aml, sizeof(S5Aml), &s5), STATUS_SUCCESS);
    CHECK_EQ(s5.SlpTypA, 5);
    CHECK_EQ(s5.SlpTypB, 6);

    /* \_S5_ with the root prefix, OneOp and a word, and a two-byte
       PkgLength; a "_S5_" that is not a name comes first. */
    static const UCHAR rooted[] = {'_', 'S',  '5',  '_',  0x08, '\\', '_',  'S',  '5',
                                   '_', 0x12, 0x47, 0x00, 0x02, 0x01, 0x0B, 0x07, 0x00};
    CHECK_EQ(S5(rooted, sizeof(rooted), &s5), STATUS_SUCCESS);
    ShowMessages(&s5.Messages);
    CHECK_EQ(s5.SlpTypA, 1);
    CHECK_EQ(s5.SlpTypB, 7);

    /* ACPI 1.0's single element: a in the low byte, b in the next. */
    static const UCHAR single[] = {0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01, 0x0B, 0x05, 0x03};
    CHECK_EQ(S5(single, sizeof(single), &s5), STATUS_SUCCESS);
    CHECK_EQ(s5.SlpTypA, 5);
    CHECK_EQ(s5.SlpTypB, 3);
}

static void test_s5_errors(void)
{
    ACPI_S5_INFO s5;
    static const UCHAR none[] = {0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x01, 0x00};
    CHECK_EQ(S5(none, sizeof(none), &s5), STATUS_NOT_FOUND);
    CHECK_STR(s5.Messages.Error, "the DSDT has no Name(\\_S5, ...)");

    static const UCHAR method[] = {0x08, '_', 'S', '5', '_', 0x14, 0x04, 0x00, 0xA4, 0x00};
    CHECK_EQ(S5(method, sizeof(method), &s5), STATUS_NOT_SUPPORTED);
    CHECK_STR(s5.Messages.Error, "\\_S5 is not a constant package");

    static const UCHAR past[] = {0x08, '_', 'S', '5', '_', 0x12, 0x3F, 0x02, 0x00, 0x00};
    CHECK_EQ(S5(past, sizeof(past), &s5), STATUS_INVALID_PARAMETER);
    CHECK_STR(s5.Messages.Error, "\\_S5 package runs past the DSDT");

    /* A PkgLength whose extra bytes are cut off by the end of the DSDT. */
    static const UCHAR cut[] = {0x08, '_', 'S', '5', '_', 0x12, 0xC0};
    CHECK_EQ(S5(cut, sizeof(cut), &s5), STATUS_INVALID_PARAMETER);

    static const UCHAR named[] = {0x08, '_', 'S', '5', '_', 0x12, 0x07,
                                  0x02, 'S', 'L', 'P', 'A', 0x00};
    CHECK_EQ(S5(named, sizeof(named), &s5), STATUS_NOT_SUPPORTED);
    CHECK_STR(s5.Messages.Error, "\\_S5 element 0 (opcode 0x53) is not a constant integer");

    static const UCHAR big[] = {0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A, 0x08, 0x00};
    CHECK_EQ(S5(big, sizeof(big), &s5), STATUS_INVALID_PARAMETER);
    CHECK_STR(s5.Messages.Error, "\\_S5 sleep types 0x8, 0x0 do not fit in 3 bits");

    /* An element cut off by the package's end, though the DSDT goes on. */
    static const UCHAR short_[] = {0x08, '_',  'S',  '5',  '_',  0x12, 0x04,
                                   0x02, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x00};
    CHECK_EQ(S5(short_, sizeof(short_), &s5), STATUS_NOT_SUPPORTED);

    static const UCHAR empty[] = {0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00};
    CHECK_EQ(S5(empty, sizeof(empty), &s5), STATUS_INVALID_PARAMETER);
    CHECK_STR(s5.Messages.Error, "\\_S5 package is empty");

    Begin(0x7FE0000);
    LoadAlone(Hpet(0, 0xFED00000));
    CHECK_EQ(AcpiFindSleepTypeS5(&Tables, &s5), STATUS_NOT_FOUND);
    CHECK(strstr(s5.Messages.Error, "no valid DSDT table") != NULL);
}

static void test_describe_table(void)
{
    CHECK_STR(AcpiDescribeTable("APIC"), "MADT: interrupt controllers and processors");
    CHECK_STR(AcpiDescribeTable("FACP"), "FADT: fixed hardware, PM timer, reset, DSDT");
    CHECK_STR(AcpiDescribeTable("XXXX"), "not used by KeLab");
}

static const KTAP_CASE cases[] = {
    KTAP_CASE(test_qemu_q35_smp4),
    KTAP_CASE(test_qemu_q35_smp1_and_smp8),
    KTAP_CASE(test_rsdp_v0_rsdt),
    KTAP_CASE(test_rsdp_v2_xsdt_above_4g),
    KTAP_CASE(test_xsdt_preferred),
    KTAP_CASE(test_xsdt_unmapped_falls_back_to_rsdt),
    KTAP_CASE(test_xsdt_bad_checksum_falls_back_to_rsdt),
    KTAP_CASE(test_rsdp_extended_checksum_falls_back_to_rsdt),
    KTAP_CASE(test_rsdp_errors),
    KTAP_CASE(test_root_errors),
    KTAP_CASE(test_bad_listed_tables_are_skipped),
    KTAP_CASE(test_too_many_tables_and_warnings),
    KTAP_CASE(test_partial_root_entry_and_garbage_signature),
    KTAP_CASE(test_map_failing_the_second_time),
    KTAP_CASE(test_rsdp_found_by_scanning),
    KTAP_CASE(test_madt_every_entry_type),
    KTAP_CASE(test_madt_override_polarity_and_trigger),
    KTAP_CASE(test_madt_bad_entry_lengths_stop_the_walk),
    KTAP_CASE(test_madt_too_many_entries),
    KTAP_CASE(test_madt_suspicious_entries),
    KTAP_CASE(test_madt_bad_local_apic_address),
    KTAP_CASE(test_madt_missing_or_short_gives_the_fallback),
    KTAP_CASE(test_fadt_acpi1),
    KTAP_CASE(test_fadt_acpi6),
    KTAP_CASE(test_fadt_bad_ports),
    KTAP_CASE(test_fadt_hardware_reduced_and_truncated),
    KTAP_CASE(test_fadt_dsdt_mismatch_and_missing),
    KTAP_CASE(test_hpet),
    KTAP_CASE(test_mcfg),
    KTAP_CASE(test_s5),
    KTAP_CASE(test_s5_errors),
    KTAP_CASE(test_describe_table),
};

int main(void)
{
    int status = KtapMain("lib.acpi", cases, ARRAYSIZE(cases));
    free(Exact);
    return status;
}
