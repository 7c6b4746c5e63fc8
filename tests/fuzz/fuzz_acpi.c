/*
 * fuzz_acpi.c: libFuzzer target for the ACPI table parser.
 *
 * The input is a fake physical memory image (tests/host/acpi_image.h):
 * a u64 base address, the RSDP at offset 8, and every byte of the input
 * readable at base + offset. Whatever the bytes, every Acpi* call must
 * return, read nothing outside the image, fail only with a message, and
 * hand back results that keep the promises of acpi.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "acpi_image.h"

static void CheckString(const CHAR *s)
{
    if (strnlen(s, ACPI_MESSAGE_MAX) == ACPI_MESSAGE_MAX)
        abort();
}

/* Every message terminated, and every failure explained. */
static void CheckMessages(const ACPI_MESSAGES *m, NTSTATUS Status)
{
    if (m->WarningCount > ACPI_MAX_WARNINGS)
        abort();
    for (ULONG i = 0; i < m->WarningCount; i++)
        CheckString(m->Warnings[i]);
    CheckString(m->Error);
    if (!NT_SUCCESS(Status) && m->Error[0] == 0)
        abort();
}

static void CheckTables(const ACPI_TABLES *t, const ACPI_IMAGE *Image)
{
    if (t->TableCount > ACPI_MAX_TABLES)
        abort();
    for (ULONG i = 0; i < t->TableCount; i++) {
        const ACPI_TABLE *table = &t->Tables[i];
        if (table->Length < 36 || AcpiImageMap((PVOID)Image, table->Address, table->Length) == NULL)
            abort();
    }
}

/* The decoded mode must be what the raw INTI flags say: low only for
   polarity 3, level only for trigger 3 (everything else reads as ISA's
   active high, edge). */
static void CheckMode(const ACPI_INTERRUPT_MODE *Mode)
{
    if (Mode->ActiveLow != ((Mode->Flags & 3) == 3) ||
        Mode->LevelTriggered != (((Mode->Flags >> 2) & 3) == 3))
        abort();
}

static void CheckMadt(const ACPI_TABLES *t)
{
    static ACPI_MADT_INFO madt;
    NTSTATUS status = AcpiParseMadt(t, &madt);
    CheckMessages(&madt.Messages, status);
    if (madt.ProcessorCount > ACPI_MAX_PROCESSORS || madt.IoApicCount > ACPI_MAX_IOAPICS ||
        madt.OverrideCount > ACPI_MAX_OVERRIDES || madt.NmiSourceCount > ACPI_MAX_NMIS ||
        madt.LocalNmiCount > ACPI_MAX_NMIS)
        abort();
    if (madt.LocalApicAddress == 0 || (madt.LocalApicAddress & 0xFFF) != 0)
        abort();
    for (ULONG i = 0; i < madt.ProcessorCount; i++) {
        for (ULONG j = i + 1; j < madt.ProcessorCount; j++) {
            if (madt.Processors[i].ApicId == madt.Processors[j].ApicId)
                abort();
        }
    }
    for (ULONG i = 0; i < madt.OverrideCount; i++) {
        if (madt.Overrides[i].SourceIrq >= 16)
            abort();
    }
    for (ULONG irq = 0; irq < 16; irq++) {
        ACPI_INTERRUPT_MODE mode;
        AcpiIsaIrqToGsi(&madt, irq, &mode);
        CheckMode(&mode);
    }
    for (ULONG i = 0; i < madt.NmiSourceCount; i++)
        CheckMode(&madt.NmiSources[i].Mode);
    for (ULONG i = 0; i < madt.LocalNmiCount; i++) {
        CheckMode(&madt.LocalNmis[i].Mode);
        if (madt.LocalNmis[i].Lint > 1)
            abort();
    }
}

static void CheckFadt(const ACPI_TABLES *t)
{
    static ACPI_FADT_INFO fadt;
    NTSTATUS status = AcpiParseFadt(t, &fadt);
    CheckMessages(&fadt.Messages, status);
    if ((fadt.PmTimerPort == 0) != (fadt.PmTimerBits == 0))
        abort();
    if (fadt.PmTimerPort > 0xFFFC || fadt.Pm1aControlPort > 0xFFFE || fadt.Pm1bControlPort > 0xFFFE)
        abort();
    if (fadt.ResetSupported && fadt.ResetRegister.Address == 0)
        abort();
}

static void CheckHpet(const ACPI_TABLES *t)
{
    static ACPI_HPET_INFO hpet;
    NTSTATUS status = AcpiParseHpet(t, &hpet);
    CheckMessages(&hpet.Messages, status);
    if (NT_SUCCESS(status) && (hpet.BaseAddress == 0 || hpet.ComparatorCount == 0))
        abort();
}

static void CheckMcfg(const ACPI_TABLES *t)
{
    static ACPI_MCFG_INFO mcfg;
    NTSTATUS status = AcpiParseMcfg(t, &mcfg);
    CheckMessages(&mcfg.Messages, status);
    if (mcfg.SegmentCount > ACPI_MAX_SEGMENTS || (NT_SUCCESS(status) && mcfg.SegmentCount == 0))
        abort();
    for (ULONG i = 0; i < mcfg.SegmentCount; i++) {
        if (mcfg.Segments[i].EndBus < mcfg.Segments[i].StartBus)
            abort();
    }
}

static void CheckS5(const ACPI_TABLES *t)
{
    static ACPI_S5_INFO s5;
    NTSTATUS status = AcpiFindSleepTypeS5(t, &s5);
    CheckMessages(&s5.Messages, status);
    if (s5.SlpTypA > 7 || s5.SlpTypB > 7)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    static ACPI_TABLES tables;
    ACPI_IMAGE image;
    /* An exactly sized heap buffer, so that AddressSanitizer sees any read
       past the end. */
    uint8_t *buffer = malloc(Size ? Size : 1);
    memcpy(buffer, Data, Size);

    NTSTATUS status = AcpiImageInitialize(&tables, &image, buffer, Size);
    CheckMessages(&tables.Messages, status);
    if (NT_SUCCESS(status)) {
        CheckTables(&tables, &image);
        CheckMadt(&tables);
        CheckFadt(&tables);
        CheckHpet(&tables);
        CheckMcfg(&tables);
        CheckS5(&tables);
    }
    /* The other way in: no RSDP from the loader, search the BIOS areas
       (useful when the image's base is low enough to cover them). */
    status = AcpiInitialize(&tables, NULL, 0, AcpiImageMap, &image);
    CheckMessages(&tables.Messages, status);
    if (NT_SUCCESS(status))
        CheckTables(&tables, &image);

    free(buffer);
    return 0;
}
