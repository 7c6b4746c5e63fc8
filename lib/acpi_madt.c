/*
 * acpi_madt.c: the MADT, "Multiple APIC Description Table" (ACPI 6.5,
 * section 5.2.12), signature "APIC".
 *
 * After the header: u32 local APIC address, u32 flags (bit 0: the 8259
 * PICs are present too), then variable-length entries, each starting
 * with u8 type, u8 length (of the entry, these two bytes included):
 *
 *   type 0  processor local APIC  u8 UID, u8 APIC ID, u32 flags
 *   type 1  I/O APIC              u8 id, u8 0, u32 address, u32 GSI base
 *   type 2  interrupt source override
 *                                 u8 bus (0: ISA), u8 IRQ, u32 GSI, u16 INTI
 *   type 3  NMI source            u16 INTI, u32 GSI
 *   type 4  local APIC NMI        u8 UID (0xFF: all), u16 INTI, u8 LINT
 *   type 5  local APIC address override
 *                                 u16 0, u64 address
 *   type 9  processor local x2APIC
 *                                 u16 0, u32 x2APIC ID, u32 flags, u32 UID
 *   type 10 local x2APIC NMI      u16 INTI, u32 UID (~0: all), u8 LINT
 *
 * Processor flags: bit 0 enabled, bit 1 online capable (ACPI 6.3: may be
 * enabled later; only meaningful when bit 0 is clear).
 *
 * An entry may be longer than listed (later revisions append fields),
 * never shorter. Other types (IA-64's SAPICs, ARM's GIC...) are skipped.
 */
#include "acpip.h"

#define MADT_LOCAL_APIC_ADDRESS 36
#define MADT_FLAGS              40
#define MADT_ENTRIES            44
#define MADT_PCAT_COMPAT        0x1
#define MADT_DEFAULT_LAPIC      0xFEE00000ull

#define PROCESSOR_ENABLED        0x1
#define PROCESSOR_ONLINE_CAPABLE 0x2

enum {
    MADT_LOCAL_APIC = 0,
    MADT_IO_APIC = 1,
    MADT_OVERRIDE = 2,
    MADT_NMI_SOURCE = 3,
    MADT_LOCAL_APIC_NMI = 4,
    MADT_LOCAL_APIC_OVERRIDE = 5,
    MADT_LOCAL_X2APIC = 9,
    MADT_LOCAL_X2APIC_NMI = 10,
};

/* Shortest valid length of each entry type KeLab reads; 0: skipped. */
static const UCHAR MadtEntryLength[] = {
    [MADT_LOCAL_APIC] = 8,    [MADT_IO_APIC] = 12,          [MADT_OVERRIDE] = 10,
    [MADT_NMI_SOURCE] = 8,    [MADT_LOCAL_APIC_NMI] = 6,    [MADT_LOCAL_APIC_OVERRIDE] = 12,
    [MADT_LOCAL_X2APIC] = 16, [MADT_LOCAL_X2APIC_NMI] = 12,
};

typedef struct _MADT_PARSER {
    ACPI_MADT_INFO *Info;
    ULONG FullWarned; /* bit per entry type: "too many" already said */
    BOOLEAN SawAddressOverride;
} MADT_PARSER;

/* TRUE if another entry of this type fits in an array that holds Count;
   warns (once per type) when it does not. */
static BOOLEAN MadtHasRoom(MADT_PARSER *P, ULONG Type, ULONG Count, ULONG Max, PCSTR What)
{
    if (Count < Max)
        return TRUE;
    if (!(P->FullWarned & (1u << Type)))
        AcpiWarn(&P->Info->Messages, "MADT lists more than %u %s; the rest ignored", Max, What);
    P->FullWarned |= 1u << Type;
    return FALSE;
}

/* MPS INTI flags: bits 0-1 polarity (0 conforms to the bus, 1 active
   high, 3 active low), bits 2-3 trigger mode (0 conforms, 1 edge, 3
   level). The bus is ISA, whose interrupts are active high and edge
   triggered; NMIs are edge triggered too. The reserved value 2 is
   reported and treated as "conforms". */
static ACPI_INTERRUPT_MODE MadtDecodeMode(MADT_PARSER *P, USHORT Flags, PCSTR What)
{
    ULONG polarity = Flags & 3, trigger = (Flags >> 2) & 3;
    if (polarity == 2 || trigger == 2)
        AcpiWarn(&P->Info->Messages, "MADT %s has reserved INTI flags 0x%x; ISA defaults used",
                 What, Flags);
    return (ACPI_INTERRUPT_MODE){
        .Flags = Flags,
        .ActiveLow = polarity == 3,
        .LevelTriggered = trigger == 3,
    };
}

static VOID MadtAddProcessor(MADT_PARSER *P, ULONG Type, ULONG ApicId, ULONG Uid, ULONG Flags)
{
    ACPI_MADT_INFO *info = P->Info;
    BOOLEAN x2 = Type == MADT_LOCAL_X2APIC;
    if (ApicId == (x2 ? 0xFFFFFFFFu : 0xFFu)) {
        AcpiWarn(&info->Messages, "MADT processor UID %u has the broadcast APIC ID; ignored", Uid);
        return;
    }
    for (ULONG i = 0; i < info->ProcessorCount; i++) {
        if (info->Processors[i].ApicId == ApicId) {
            AcpiWarn(&info->Messages, "MADT lists APIC ID %u twice; the second ignored", ApicId);
            return;
        }
    }
    if (!MadtHasRoom(P, MADT_LOCAL_APIC, info->ProcessorCount, ACPI_MAX_PROCESSORS, "processors"))
        return;
    info->Processors[info->ProcessorCount++] = (ACPI_PROCESSOR){
        .ApicId = ApicId,
        .ProcessorUid = Uid,
        .Enabled = (Flags & PROCESSOR_ENABLED) != 0,
        .OnlineCapable = !(Flags & PROCESSOR_ENABLED) && (Flags & PROCESSOR_ONLINE_CAPABLE),
        .X2Apic = x2,
    };
}

static VOID MadtAddIoApic(MADT_PARSER *P, const UCHAR *e)
{
    ACPI_MADT_INFO *info = P->Info;
    ACPI_IOAPIC ioapic = {.Id = e[2], .Address = AcpiRead32(e + 4), .GsiBase = AcpiRead32(e + 8)};
    if (ioapic.Address == 0) {
        AcpiWarn(&info->Messages, "MADT I/O APIC %u is at address 0; ignored", ioapic.Id);
        return;
    }
    for (ULONG i = 0; i < info->IoApicCount; i++) {
        if (info->IoApics[i].GsiBase == ioapic.GsiBase) {
            AcpiWarn(&info->Messages, "MADT I/O APICs %u and %u both start at GSI %u; %u ignored",
                     info->IoApics[i].Id, ioapic.Id, ioapic.GsiBase, ioapic.Id);
            return;
        }
    }
    if (MadtHasRoom(P, MADT_IO_APIC, info->IoApicCount, ACPI_MAX_IOAPICS, "I/O APICs"))
        info->IoApics[info->IoApicCount++] = ioapic;
}

static VOID MadtAddOverride(MADT_PARSER *P, const UCHAR *e)
{
    ACPI_MADT_INFO *info = P->Info;
    UCHAR bus = e[2], irq = e[3];
    if (bus != 0 || irq >= 16) {
        AcpiWarn(&info->Messages, "MADT override of bus %u IRQ %u is not an ISA IRQ; ignored", bus,
                 irq);
        return;
    }
    for (ULONG i = 0; i < info->OverrideCount; i++) {
        if (info->Overrides[i].SourceIrq == irq) {
            AcpiWarn(&info->Messages, "MADT overrides IRQ %u twice; the second ignored", irq);
            return;
        }
    }
    if (!MadtHasRoom(P, MADT_OVERRIDE, info->OverrideCount, ACPI_MAX_OVERRIDES, "overrides"))
        return;
    info->Overrides[info->OverrideCount++] = (ACPI_OVERRIDE){
        .SourceIrq = irq,
        .Gsi = AcpiRead32(e + 4),
        .Mode = MadtDecodeMode(P, AcpiRead16(e + 8), "override"),
    };
}

static VOID MadtAddNmiSource(MADT_PARSER *P, const UCHAR *e)
{
    ACPI_MADT_INFO *info = P->Info;
    if (!MadtHasRoom(P, MADT_NMI_SOURCE, info->NmiSourceCount, ACPI_MAX_NMIS, "NMI sources"))
        return;
    info->NmiSources[info->NmiSourceCount++] = (ACPI_NMI_SOURCE){
        .Gsi = AcpiRead32(e + 4),
        .Mode = MadtDecodeMode(P, AcpiRead16(e + 2), "NMI source"),
    };
}

static VOID MadtAddLocalNmi(MADT_PARSER *P, ULONG Uid, USHORT Flags, UCHAR Lint)
{
    ACPI_MADT_INFO *info = P->Info;
    if (Lint > 1) {
        AcpiWarn(&info->Messages, "MADT local NMI on LINT%u: there are only two; ignored", Lint);
        return;
    }
    /* Both NMI types share one array, so they share one "full" bit. */
    if (!MadtHasRoom(P, MADT_LOCAL_APIC_NMI, info->LocalNmiCount, ACPI_MAX_NMIS, "local NMIs"))
        return;
    info->LocalNmis[info->LocalNmiCount++] = (ACPI_LOCAL_NMI){
        .ProcessorUid = Uid,
        .Lint = Lint,
        .Mode = MadtDecodeMode(P, Flags, "local NMI"),
    };
}

static VOID MadtParseEntry(MADT_PARSER *P, const UCHAR *e)
{
    switch (e[0]) {
    case MADT_LOCAL_APIC:
        MadtAddProcessor(P, MADT_LOCAL_APIC, e[3], e[2], AcpiRead32(e + 4));
        break;
    case MADT_LOCAL_X2APIC:
        MadtAddProcessor(P, MADT_LOCAL_X2APIC, AcpiRead32(e + 4), AcpiRead32(e + 12),
                         AcpiRead32(e + 8));
        break;
    case MADT_IO_APIC:
        MadtAddIoApic(P, e);
        break;
    case MADT_OVERRIDE:
        MadtAddOverride(P, e);
        break;
    case MADT_NMI_SOURCE:
        MadtAddNmiSource(P, e);
        break;
    case MADT_LOCAL_APIC_NMI:
        MadtAddLocalNmi(P, e[2] == 0xFF ? ACPI_ALL_PROCESSORS : e[2], AcpiRead16(e + 3), e[5]);
        break;
    case MADT_LOCAL_X2APIC_NMI:
        MadtAddLocalNmi(P, AcpiRead32(e + 4), AcpiRead16(e + 2), e[8]);
        break;
    case MADT_LOCAL_APIC_OVERRIDE:
        if (P->SawAddressOverride) {
            AcpiWarn(&P->Info->Messages,
                     "MADT has two local APIC address overrides; the first used");
            break;
        }
        P->SawAddressOverride = TRUE;
        P->Info->LocalApicAddress = AcpiRead64(e + 4);
        break;
    default:
        break; /* not an x86 interrupt controller KeLab uses */
    }
}

/* Walks the entries. A bad length stops the walk: an entry of length 0
   would loop forever, and after one that lies about its length nothing
   that follows can be trusted to start where it seems to. */
static VOID MadtWalk(MADT_PARSER *P, const UCHAR *Table, ULONG Length)
{
    ACPI_MESSAGES *m = &P->Info->Messages;
    for (ULONG off = MADT_ENTRIES; off < Length;) {
        if (Length - off < 2) {
            AcpiWarn(m, "MADT ends with a stray byte at offset %u", off);
            return;
        }
        const UCHAR *e = Table + off;
        ULONG type = e[0], length = e[1];
        ULONG need = type < ARRAYSIZE(MadtEntryLength) ? MadtEntryLength[type] : 0;
        if (length < 2 || length > Length - off || length < need) {
            AcpiWarn(m, "MADT entry at offset %u (type %u) has length %u; walk stopped", off, type,
                     length);
            return;
        }
        MadtParseEntry(P, e);
        off += length;
    }
}

NTSTATUS AcpiParseMadt(const ACPI_TABLES *Tables, ACPI_MADT_INFO *Madt)
{
    const UCHAR *table;
    ULONG length;
    RtlZeroMemory(Madt, sizeof(*Madt));
    NTSTATUS status = AcpiMapTable(Tables, "APIC", MADT_ENTRIES, &table, &length, &Madt->Messages);
    if (!NT_SUCCESS(status)) {
        Madt->LocalApicAddress = MADT_DEFAULT_LAPIC;
        Madt->PcAtCompatible = TRUE;
        return status;
    }

    MADT_PARSER parser = {.Info = Madt};
    Madt->LocalApicAddress = AcpiRead32(table + MADT_LOCAL_APIC_ADDRESS);
    Madt->PcAtCompatible = (AcpiRead32(table + MADT_FLAGS) & MADT_PCAT_COMPAT) != 0;
    MadtWalk(&parser, table, length);
    if (Madt->LocalApicAddress == 0 || Madt->LocalApicAddress >= ACPI_PHYSICAL_LIMIT ||
        (Madt->LocalApicAddress & 0xFFF) != 0) {
        AcpiWarn(&Madt->Messages, "MADT local APIC address 0x%llx is invalid; 0x%llx used",
                 (unsigned long long)Madt->LocalApicAddress, MADT_DEFAULT_LAPIC);
        Madt->LocalApicAddress = MADT_DEFAULT_LAPIC;
    }
    return STATUS_SUCCESS;
}

ULONG AcpiIsaIrqToGsi(const ACPI_MADT_INFO *Madt, ULONG Irq, ACPI_INTERRUPT_MODE *Mode)
{
    for (ULONG i = 0; i < Madt->OverrideCount; i++) {
        if (Madt->Overrides[i].SourceIrq == Irq) {
            *Mode = Madt->Overrides[i].Mode;
            return Madt->Overrides[i].Gsi;
        }
    }
    *Mode = (ACPI_INTERRUPT_MODE){0};
    return Irq;
}
