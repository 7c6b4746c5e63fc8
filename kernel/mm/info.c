/*
 * info.c: how much memory there is and how much is free: for the `mem`
 * shell command (shell.c), the boot banner and the tests.
 */
#include "mi.h"
#include "ke.h"

static PCSTR MiRegionTypeName(ULONG Type)
{
    switch (Type) {
    case Mb2MemoryUsable:
        return "usable";
    case Mb2MemoryAcpiReclaimable:
        return "ACPI tables";
    case Mb2MemoryAcpiNvs:
        return "ACPI NVS";
    case Mb2MemoryBad:
        return "bad";
    }
    return "reserved";
}

VOID MmPrintMemoryMap(VOID)
{
    const MB2_INFO *boot = &KeBootInformation;
    for (ULONG i = 0; i < boot->RegionCount; i++) {
        const MB2_REGION *r = &boot->Regions[i];
        DbgPrint("  %016llx-%016llx %-11s %8llu KiB\n", (unsigned long long)r->Base,
                 (unsigned long long)(r->Base + r->Length - 1), MiRegionTypeName(r->Type),
                 (unsigned long long)(r->Length >> 10));
    }
}

VOID MmQueryMemoryStatistics(MM_MEMORY_STATISTICS *Statistics)
{
    MiQueryPhysicalMemory(&Statistics->TotalPages, &Statistics->FreePages, &Statistics->HighestPfn);
    Statistics->FreeSystemPages = MiQueryFreeSystemPages();
}

VOID MmPrintMemorySummary(VOID)
{
    MM_MEMORY_STATISTICS s;
    MmQueryMemoryStatistics(&s);
    DbgPrint("Memory: %llu MiB usable, %llu MiB free, in %u regions\n",
             (unsigned long long)(s.TotalPages >> 8), (unsigned long long)(s.FreePages >> 8),
             KeBootInformation.RegionCount);
}
