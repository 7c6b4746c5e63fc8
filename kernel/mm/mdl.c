/*
 * mdl.c: memory descriptor lists, the physical pages behind a buffer:
 * the memory manager's part (the I/O manager allocates and frees MDLs,
 * and describes parts of them: kernel/io/mdl.c).
 *
 * A device that does DMA sees physical addresses, page by page; a buffer
 * that is contiguous in virtual memory need not be in physical memory.
 * An MDL describes one buffer: its first page (StartVa), its offset in it
 * and its length, followed by the page frame number of every page it
 * spans. Direct I/O hands drivers an MDL instead of a pointer; the driver
 * gives the frame numbers to its hardware, or maps the pages to touch the
 * data (MmGetSystemAddressForMdlSafe).
 *
 *   buffer:     |....[=========|==============|=====]....|
 *               StartVa  ByteOffset          ByteCount
 *   page array: pfn0           pfn1           pfn2
 *
 * NT locks pageable pages in memory before it fills the array
 * (MmProbeAndLockPages); KeLab's kernel memory is all resident, so
 * MmBuildMdlForNonPagedPool, which only looks the pages up, serves every
 * buffer. Pageable sections are the exception: looking up a page that is
 * paged out is PAGE_FAULT_IN_NONPAGED_AREA, as touching it would be.
 */
#include "mi.h"
#include "ke.h"

SIZE_T MmSizeOfMdl(PVOID Base, SIZE_T Length)
{
    return sizeof(MDL) + sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES(Base, Length);
}

VOID MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList)
{
    PPFN_NUMBER pages = MmGetMdlPfnArray(MemoryDescriptorList);
    PUCHAR va = MemoryDescriptorList->StartVa;
    ULONG count = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(MemoryDescriptorList),
                                                 MemoryDescriptorList->ByteCount);
    for (ULONG i = 0; i < count; i++, va += PAGE_SIZE) {
        if (!MmIsAddressValid(va))
            KeBugCheckEx(PAGE_FAULT_IN_NONPAGED_AREA, (ULONG_PTR)va, 0,
                         (ULONG_PTR)__builtin_return_address(0), 0);
        pages[i] = MmGetPhysicalAddress(va).QuadPart >> PAGE_SHIFT;
    }
    MemoryDescriptorList->MappedSystemVa = MmGetMdlVirtualAddress(MemoryDescriptorList);
    MemoryDescriptorList->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
}

PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress,
                                   ULONG BugCheckOnFailure, ULONG Priority)
{
    UNREFERENCED_PARAMETER(BugCheckOnFailure); /* obsolete on Windows too: failure is NULL */
    UNREFERENCED_PARAMETER(Priority);
    if (AccessMode != KernelMode || RequestedAddress != NULL)
        return NULL; /* no user address space */
    PMDL mdl = MemoryDescriptorList;
    ULONG count = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(mdl), mdl->ByteCount);
    PUCHAR va = MiReserveSystemPages(count);
    if (va == NULL)
        return NULL;
    ULONG protect = MM_WRITE | (CacheType == MmNonCached ? MM_NOCACHE : 0);
    if (!NT_SUCCESS(MiMapPageArray(va, MmGetMdlPfnArray(mdl), count, protect))) {
        MiReleaseSystemPages(va, count);
        return NULL;
    }
    mdl->MappedSystemVa = va + mdl->ByteOffset;
    mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
    return mdl->MappedSystemVa;
}

/* The pages stay where they are: only the mapping goes. */
VOID MmUnmapLockedPages(PVOID BaseAddress, PMDL MemoryDescriptorList)
{
    PUCHAR va = PAGE_ALIGN(BaseAddress);
    ULONG count = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(MemoryDescriptorList),
                                                 MemoryDescriptorList->ByteCount);
    MiUnmapPages(va, count);
    MiReleaseSystemPages(va, count);
    MemoryDescriptorList->MappedSystemVa = NULL;
    MemoryDescriptorList->MdlFlags &= ~MDL_MAPPED_TO_SYSTEM_VA;
}
