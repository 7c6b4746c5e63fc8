/*
 * iospace.c: MmMapIoSpace, device registers in kernel address space.
 *
 * Device registers (the local APIC, the I/O APIC, the HPET, a USB
 * controller) and firmware tables live at physical addresses that are not
 * RAM, so the direct map does not cover them. MmMapIoSpace gives them
 * pages of system space, uncached unless the caller asks otherwise:
 * a read of a status register must reach the device, not a cache line.
 */
#include "mi.h"

PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes,
                   MEMORY_CACHING_TYPE CacheType)
{
    ULONG64 pa = (ULONG64)PhysicalAddress.QuadPart;
    if (NumberOfBytes == 0 || pa + NumberOfBytes < pa)
        return NULL;
    ULONG offset = BYTE_OFFSET(pa);
    ULONG pages = (ULONG)BYTES_TO_PAGES(offset + NumberOfBytes);
    PUCHAR va = MiReserveSystemPages(pages);
    if (va == NULL)
        return NULL;
    ULONG protect = MM_WRITE | (CacheType == MmCached ? 0 : MM_NOCACHE);
    if (!NT_SUCCESS(MiMapPageRun(va, pa >> PAGE_SHIFT, pages, protect))) {
        MiReleaseSystemPages(va, pages);
        return NULL;
    }
    return va + offset;
}

VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes)
{
    PUCHAR base = PAGE_ALIGN(BaseAddress);
    ULONG pages = (ULONG)BYTES_TO_PAGES(BYTE_OFFSET(BaseAddress) + NumberOfBytes);
    MiUnmapPages(base, pages); /* the pages are the device's: not freed */
    MiReleaseSystemPages(base, pages);
}
