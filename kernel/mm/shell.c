/*
 * shell.c: the memory manager's shell commands.
 *
 *   mem       the physical memory map and how many pages are in use
 *   verifier  Driver Verifier's force IRQL checking, on or off
 *
 * Both show counters read as they are: the free-page counts move while
 * they print, and nothing they show needs a consistent picture.
 */
#include "mi.h"
#include "ke.h"
#include "kd.h"

static VOID MiShellMem(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    MM_MEMORY_STATISTICS s;
    MmQueryMemoryStatistics(&s);
    DbgPrint("Physical memory map (from the boot loader):\n");
    MmPrintMemoryMap();
    DbgPrint("Physical pages: %llu usable, %llu free, %llu in use (highest page 0x%llx)\n",
             (unsigned long long)s.TotalPages, (unsigned long long)s.FreePages,
             (unsigned long long)(s.TotalPages - s.FreePages), (unsigned long long)s.HighestPfn);
    DbgPrint("System space: %u of %u pages free at %p\n", s.FreeSystemPages, MM_SYSTEM_SPACE_PAGES,
             (PVOID)MM_SYSTEM_SPACE_BASE);
    DbgPrint("Direct map at %p, kernel image at %p\n", (PVOID)MM_DIRECT_MAP_BASE,
             (PVOID)MM_KERNEL_BASE);
}
KD_COMMAND(mem, "", "physical memory map and page usage", MiShellMem);

/* `verifier [irql on|off]` */
static VOID MiShellVerifier(ULONG Argc, PCSTR Argv[])
{
    if (Argc == 3 && strcmp(Argv[1], "irql") == 0 &&
        (strcmp(Argv[2], "on") == 0 || strcmp(Argv[2], "off") == 0)) {
        MmVerifierForceIrqlChecking = strcmp(Argv[2], "on") == 0;
    } else if (Argc != 1) {
        DbgPrint("usage: verifier [irql on|off]\n");
        return;
    }
    ULONG pages;
    BOOLEAN resident;
    ULONG64 pageOuts, pageIns;
    MiQueryPageableState(&pages, &resident);
    MmQueryPageableStatistics(&pageOuts, &pageIns);
    DbgPrint("Force IRQL checking: %s (pageable sections: %u pages, %s; paged out %llu times, "
             "in %llu times)\n",
             MmVerifierForceIrqlChecking ? "on" : "off", pages, resident ? "resident" : "paged out",
             (unsigned long long)pageOuts, (unsigned long long)pageIns);
}
KD_COMMAND(verifier, "[irql on|off]", "Driver Verifier: force IRQL checking", MiShellVerifier);
