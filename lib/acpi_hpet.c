/*
 * acpi_hpet.c: the HPET table (IA-PC HPET specification 1.0a, section
 * 3.2.4), signature "HPET". One table per timer block; KeLab uses the
 * first.
 *
 *   36 u32 event timer block ID: bits 0-7 hardware revision, 8-12 number
 *          of comparators minus one, 13 the main counter has 64 bits,
 *          15 legacy replacement routing capable, 16-31 PCI vendor ID
 *          (the same bits as the HPET's own capabilities register)
 *   40 GAS base address: must be system memory
 *   52 u8  HPET number
 *   53 u16 minimum clock tick in periodic mode
 *   55 u8  page protection (low nibble) and OEM attributes
 */
#include "acpip.h"

#define HPET_BLOCK_ID     36
#define HPET_BASE_ADDRESS 40
#define HPET_NUMBER       52
#define HPET_MINIMUM_TICK 53
#define HPET_ATTRIBUTES   55
#define HPET_LENGTH       56

NTSTATUS AcpiParseHpet(const ACPI_TABLES *Tables, ACPI_HPET_INFO *Hpet)
{
    const UCHAR *table;
    ULONG length;
    RtlZeroMemory(Hpet, sizeof(*Hpet));
    NTSTATUS status = AcpiMapTable(Tables, "HPET", HPET_LENGTH, &table, &length, &Hpet->Messages);
    if (!NT_SUCCESS(status))
        return status;

    ACPI_GAS base;
    AcpiReadGas(table + HPET_BASE_ADDRESS, &base);
    if (base.AddressSpace != ACPI_SPACE_MEMORY)
        return AcpiFail(&Hpet->Messages, STATUS_INVALID_PARAMETER,
                        "HPET registers are in address space %u, not memory", base.AddressSpace);
    if (base.Address == 0 || base.Address >= ACPI_PHYSICAL_LIMIT || (base.Address & 0x3FF) != 0)
        return AcpiFail(&Hpet->Messages, STATUS_INVALID_PARAMETER,
                        "HPET base address 0x%llx is not a 1 KiB aligned physical address",
                        (unsigned long long)base.Address);

    ULONG id = AcpiRead32(table + HPET_BLOCK_ID);
    Hpet->BaseAddress = base.Address;
    Hpet->HardwareRevision = (UCHAR)id;
    Hpet->ComparatorCount = (UCHAR)(((id >> 8) & 0x1F) + 1);
    Hpet->Counter64Bit = (id >> 13) & 1;
    Hpet->LegacyReplacementCapable = (id >> 15) & 1;
    Hpet->PciVendorId = (USHORT)(id >> 16);
    Hpet->HpetNumber = table[HPET_NUMBER];
    Hpet->MinimumTick = AcpiRead16(table + HPET_MINIMUM_TICK);
    Hpet->PageProtection = table[HPET_ATTRIBUTES] & 0xF;
    return STATUS_SUCCESS;
}
