/*
 * platform.c: what the machine has, from its ACPI tables.
 *
 * The firmware describes the machine in ACPI tables; lib/acpi*.c parses
 * them (treating them as hostile input) through a callback that maps
 * physical memory, and this file turns the results into HalPlatform:
 * processors to start, I/O APICs and ISA interrupt overrides, the HPET and
 * PM timer, the power-off value. When a table is missing or broken, the
 * parser says why and the fallback every PC supports is used: one
 * processor, the I/O APIC at its usual address, the PIT as clock.
 */
#include "halp.h"
#include "ke.h"

#define HALP_MAX_ACPI_MAPPINGS  32
#define HALP_DEFAULT_LOCAL_APIC 0xFEE00000ull
#define HALP_DEFAULT_IOAPIC     0xFEC00000ull

HAL_PLATFORM HalPlatform; /* written once at boot, read-only after */

/* Boot-time only: the parser's results, kept for the `acpi` command. */
ACPI_TABLES HalpAcpiTables; /* written once at boot, read-only after */
static ACPI_MADT_INFO HalpMadt;
static ACPI_FADT_INFO HalpFadt;
static ACPI_HPET_INFO HalpHpet;
static ACPI_MCFG_INFO HalpMcfg;
static ACPI_S5_INFO HalpS5;

/* Pages of table memory mapped for the parser, kept (the tables are
   small, and `acpi` reads them again). Each request is served from the
   mapping that covers it, or by mapping the pages around it. No lock:
   only one thread ever maps, the boot's and later the shell's. */
static struct {
    ULONG64 FirstPage, Pages;
    PUCHAR Va;
} HalpAcpiMappings[HALP_MAX_ACPI_MAPPINGS];
static ULONG HalpAcpiMappingCount;

/* Firmware tables live in reserved, ACPI or NVS memory, or in the BIOS
   areas below 1 MiB. A pointer anywhere else (device registers, free RAM)
   is garbage in a table, and reading it could even poke a device. */
static BOOLEAN HalpIsFirmwareMemory(ULONG64 Start, ULONG64 End)
{
    if (Start >= 0x80000 && End <= 0x100000)
        return TRUE;
    const MB2_INFO *boot = &KeBootInformation;
    for (ULONG i = 0; i < boot->RegionCount; i++) {
        const MB2_REGION *r = &boot->Regions[i];
        if (r->Type != Mb2MemoryUsable && r->Type != Mb2MemoryBad && Start >= r->Base &&
            End <= r->Base + r->Length)
            return TRUE;
    }
    return FALSE;
}

static const VOID *HalpMapAcpi(PVOID Context, ULONG64 PhysicalAddress, ULONG Length)
{
    UNREFERENCED_PARAMETER(Context);
    ULONG64 end = PhysicalAddress + Length;
    if (Length == 0 || end < PhysicalAddress || !HalpIsFirmwareMemory(PhysicalAddress, end))
        return NULL;
    ULONG64 first = PhysicalAddress >> PAGE_SHIFT, last = (end - 1) >> PAGE_SHIFT;
    for (ULONG i = 0; i < HalpAcpiMappingCount; i++) {
        if (first >= HalpAcpiMappings[i].FirstPage &&
            last < HalpAcpiMappings[i].FirstPage + HalpAcpiMappings[i].Pages)
            return HalpAcpiMappings[i].Va +
                   (PhysicalAddress - (HalpAcpiMappings[i].FirstPage << PAGE_SHIFT));
    }
    if (HalpAcpiMappingCount == HALP_MAX_ACPI_MAPPINGS)
        return NULL;
    /* Map at least 16 pages: neighbouring tables usually share them. */
    ULONG64 pages = last - first + 1 < 16 ? 16 : last - first + 1;
    while (pages > last - first + 1 &&
           !HalpIsFirmwareMemory(first << PAGE_SHIFT, (first + pages) << PAGE_SHIFT))
        pages--;
    PHYSICAL_ADDRESS pa = {.QuadPart = (LONGLONG)(first << PAGE_SHIFT)};
    PUCHAR va = MmMapIoSpace(pa, pages << PAGE_SHIFT, MmCached);
    if (va == NULL)
        return NULL;
    HalpAcpiMappings[HalpAcpiMappingCount++] = (typeof(HalpAcpiMappings[0])){first, pages, va};
    return va + BYTE_OFFSET(PhysicalAddress);
}

/* Prints the parser's warnings and, if the table could not be used, why
   and what KeLab does instead (Fallback). */
static VOID HalpReportMessages(PCSTR What, const ACPI_MESSAGES *Messages, NTSTATUS Status,
                               PCSTR Fallback)
{
    for (ULONG i = 0; i < Messages->WarningCount; i++)
        DbgPrint("ACPI %s: %s\n", What, Messages->Warnings[i]);
    if (Messages->WarningsDropped)
        DbgPrint("ACPI %s: %u more warnings\n", What, Messages->WarningsDropped);
    if (!NT_SUCCESS(Status))
        DbgPrint("ACPI %s: %s; %s\n", What, Messages->Error, Fallback);
}

/* The boot processor first, then every other enabled processor. */
static VOID HalpTakeProcessors(ULONG BootApicId)
{
    HalPlatform.ProcessorCount = 1;
    HalPlatform.ApicIds[0] = BootApicId;
    for (ULONG i = 0; i < HalpMadt.ProcessorCount; i++) {
        const ACPI_PROCESSOR *p = &HalpMadt.Processors[i];
        if (p->ApicId == BootApicId) {
            HalPlatform.ProcessorUids[0] = p->ProcessorUid;
            continue;
        }
        if (!p->Enabled)
            continue;
        if (HalPlatform.ProcessorCount == MAXIMUM_PROCESSORS) {
            DbgPrint("ACPI: more than %u processors; the rest stay off\n", MAXIMUM_PROCESSORS);
            break;
        }
        HalPlatform.ProcessorUids[HalPlatform.ProcessorCount] = p->ProcessorUid;
        HalPlatform.ApicIds[HalPlatform.ProcessorCount++] = p->ApicId;
    }
    for (ULONG i = 0; i < HalpMadt.LocalNmiCount && i < ARRAYSIZE(HalPlatform.LocalNmis); i++) {
        const ACPI_LOCAL_NMI *n = &HalpMadt.LocalNmis[i];
        HalPlatform.LocalNmis[HalPlatform.LocalNmiCount++] = (typeof(HalPlatform.LocalNmis[0])){
            n->ProcessorUid, n->Lint, n->Mode.ActiveLow, n->Mode.LevelTriggered};
    }
}

static VOID HalpTakeInterruptControllers(VOID)
{
    HalPlatform.LocalApicAddress = HalpMadt.LocalApicAddress;
    HalPlatform.HasLegacyPic = HalpMadt.PcAtCompatible;
    for (ULONG i = 0; i < HalpMadt.IoApicCount && i < HAL_MAX_IOAPICS; i++) {
        HalPlatform.IoApics[i].Id = HalpMadt.IoApics[i].Id;
        HalPlatform.IoApics[i].Address = HalpMadt.IoApics[i].Address;
        HalPlatform.IoApics[i].GsiBase = HalpMadt.IoApics[i].GsiBase;
        HalPlatform.IoApicCount++;
    }
    for (ULONG i = 0; i < HalpMadt.OverrideCount && i < HAL_MAX_OVERRIDES; i++) {
        const ACPI_OVERRIDE *o = &HalpMadt.Overrides[i];
        HalPlatform.Overrides[HalPlatform.OverrideCount++] = (HAL_INTERRUPT_OVERRIDE){
            o->SourceIrq, o->Gsi, o->Mode.ActiveLow, o->Mode.LevelTriggered};
    }
    if (HalPlatform.IoApicCount == 0) {
        DbgPrint("ACPI: no I/O APIC listed; assuming one at 0x%llx\n", HALP_DEFAULT_IOAPIC);
        HalPlatform.IoApics[0].Address = HALP_DEFAULT_IOAPIC;
        HalPlatform.IoApicCount = 1;
    }
}

static VOID HalpTakeTimersAndPower(VOID)
{
    NTSTATUS status = AcpiParseFadt(&HalpAcpiTables, &HalpFadt);
    HalpReportMessages("FADT", &HalpFadt.Messages, status,
                       "no PM timer, ACPI power off or reset register");
    if (NT_SUCCESS(status)) {
        HalPlatform.PmTimerPort = HalpFadt.PmTimerPort;
        HalPlatform.PmTimer32Bit = HalpFadt.PmTimerBits == 32;
        HalPlatform.Pm1aControlPort = HalpFadt.Pm1aControlPort;
        if (HalpFadt.ResetSupported && HalpFadt.ResetRegister.AddressSpace == ACPI_SPACE_IO &&
            HalpFadt.ResetRegister.Address <= 0xFFFF) {
            HalPlatform.ResetPort = (USHORT)HalpFadt.ResetRegister.Address;
            HalPlatform.ResetValue = HalpFadt.ResetValue;
        }
    }
    status = AcpiParseHpet(&HalpAcpiTables, &HalpHpet);
    HalpReportMessages("HPET", &HalpHpet.Messages, status,
                       "timing against the PM timer (or the PIT) instead");
    if (NT_SUCCESS(status))
        HalPlatform.HpetAddress = HalpHpet.BaseAddress;
    status = AcpiFindSleepTypeS5(&HalpAcpiTables, &HalpS5);
    HalpReportMessages("\\_S5", &HalpS5.Messages, status, "`halt` cannot power off");
    HalPlatform.SleepTypeS5 = NT_SUCCESS(status) ? HalpS5.SlpTypA : 0xFFFF;
    status = AcpiParseMcfg(&HalpAcpiTables, &HalpMcfg);
    HalpReportMessages("MCFG", &HalpMcfg.Messages, status,
                       "PCI configuration through ports 0xCF8/0xCFC only");
    for (ULONG i = 0; NT_SUCCESS(status) && i < HalpMcfg.SegmentCount && i < 4; i++) {
        HalPlatform.EcamSegments[i].BaseAddress = HalpMcfg.Segments[i].BaseAddress;
        HalPlatform.EcamSegments[i].Segment = HalpMcfg.Segments[i].Segment;
        HalPlatform.EcamSegments[i].StartBus = HalpMcfg.Segments[i].StartBus;
        HalPlatform.EcamSegments[i].EndBus = HalpMcfg.Segments[i].EndBus;
        HalPlatform.EcamSegmentCount++;
    }
}

/* This processor's APIC ID from CPUID, before its APIC is set up: the
   full 32-bit x2APIC ID from leaf 0xB where the processor has it, else the
   8-bit one from leaf 1. */
static ULONG HalpReadBootApicId(VOID)
{
    ULONG regs[4];
    __cpuid(0, 0, regs);
    if (regs[0] >= 0xB) {
        __cpuid(0xB, 0, regs);
        if (regs[1] != 0) /* EBX = 0: leaf 0xB not really implemented */
            return regs[3];
    }
    __cpuid(1, 0, regs);
    return regs[1] >> 24;
}

VOID HalInitializePlatform(VOID)
{
    ULONG bootApicId = HalpReadBootApicId();
    HalPlatform.ProcessorCount = 1;
    HalPlatform.ApicIds[0] = bootApicId;
    HalPlatform.LocalApicAddress = HALP_DEFAULT_LOCAL_APIC;
    HalPlatform.SleepTypeS5 = 0xFFFF;

    const MB2_INFO *boot = &KeBootInformation;
    NTSTATUS status = AcpiInitialize(&HalpAcpiTables, boot->RsdpLength ? boot->Rsdp : NULL,
                                     boot->RsdpLength, HalpMapAcpi, NULL);
    HalpReportMessages("tables", &HalpAcpiTables.Messages, status,
                       "running on one processor with the PC's default devices");
    if (!NT_SUCCESS(status)) {
        HalPlatform.IoApics[0].Address = HALP_DEFAULT_IOAPIC;
        HalPlatform.IoApicCount = 1;
        return;
    }
    status = AcpiParseMadt(&HalpAcpiTables, &HalpMadt);
    HalpReportMessages("MADT", &HalpMadt.Messages, status,
                       "running on the boot processor alone, I/O APIC at its usual address");
    if (NT_SUCCESS(status))
        HalpTakeProcessors(bootApicId);
    HalpTakeInterruptControllers();
    HalpTakeTimersAndPower();
}
