/*
 * acpi_mcfg.c: the MCFG table (PCI Firmware specification 3.2, section
 * 4.1.2), signature "MCFG": where PCI Express configuration space is
 * mapped in memory (the Enhanced Configuration Access Mechanism, ECAM).
 *
 * After the header, 8 reserved bytes, then 16-byte entries:
 *   u64 base address, u16 PCI segment group, u8 start bus, u8 end bus,
 *   u32 reserved
 * The base is the address bus 0 would have, even when the range starts
 * at a later bus; each bus takes 1 MiB (32 devices x 8 functions x 4 KiB).
 */
#include "acpip.h"

#define MCFG_ENTRIES      44
#define MCFG_ENTRY_LENGTH 16
#define ECAM_BUS_SHIFT    20

/* Checks one entry: a sane range, aligned to a bus, that does not wrap. */
static BOOLEAN McfgCheckSegment(ACPI_MCFG_INFO *Info, const ACPI_ECAM_SEGMENT *s)
{
    ULONG64 end = s->BaseAddress + ((ULONG64)(s->EndBus + 1) << ECAM_BUS_SHIFT);
    if (s->EndBus < s->StartBus) {
        AcpiWarn(&Info->Messages, "MCFG segment %u ends at bus %u before it starts (%u); ignored",
                 s->Segment, s->EndBus, s->StartBus);
        return FALSE;
    }
    if (s->BaseAddress == 0 || (s->BaseAddress & ((1u << ECAM_BUS_SHIFT) - 1)) != 0 ||
        s->BaseAddress >= ACPI_PHYSICAL_LIMIT || end > ACPI_PHYSICAL_LIMIT) {
        AcpiWarn(&Info->Messages,
                 "MCFG segment %u base 0x%llx is not a 1 MiB aligned address; "
                 "ignored",
                 s->Segment, (unsigned long long)s->BaseAddress);
        return FALSE;
    }
    return TRUE;
}

NTSTATUS AcpiParseMcfg(const ACPI_TABLES *Tables, ACPI_MCFG_INFO *Mcfg)
{
    const UCHAR *table;
    ULONG length;
    RtlZeroMemory(Mcfg, sizeof(*Mcfg));
    NTSTATUS status = AcpiMapTable(Tables, "MCFG", MCFG_ENTRIES, &table, &length, &Mcfg->Messages);
    if (!NT_SUCCESS(status))
        return status;

    if ((length - MCFG_ENTRIES) % MCFG_ENTRY_LENGTH != 0)
        AcpiWarn(&Mcfg->Messages, "MCFG length %u leaves a partial entry; ignored", length);
    for (ULONG off = MCFG_ENTRIES; off + MCFG_ENTRY_LENGTH <= length; off += MCFG_ENTRY_LENGTH) {
        const UCHAR *e = table + off;
        ACPI_ECAM_SEGMENT segment = {
            .BaseAddress = AcpiRead64(e),
            .Segment = AcpiRead16(e + 8),
            .StartBus = e[10],
            .EndBus = e[11],
        };
        if (!McfgCheckSegment(Mcfg, &segment))
            continue;
        if (Mcfg->SegmentCount == ACPI_MAX_SEGMENTS) {
            AcpiWarn(&Mcfg->Messages, "MCFG lists more than %u segments; the rest ignored",
                     ACPI_MAX_SEGMENTS);
            break;
        }
        Mcfg->Segments[Mcfg->SegmentCount++] = segment;
    }
    if (Mcfg->SegmentCount == 0)
        return AcpiFail(&Mcfg->Messages, STATUS_INVALID_PARAMETER, "MCFG lists no usable segment");
    return STATUS_SUCCESS;
}
