/*
 * mdl.c: memory descriptor lists, the physical pages behind a buffer.
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

#define MI_TAG_MDL ' ldM'

SIZE_T MmSizeOfMdl(PVOID Base, SIZE_T Length)
{
    return sizeof(MDL) + sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES(Base, Length);
}

PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota,
                   PIRP Irp)
{
    UNREFERENCED_PARAMETER(ChargeQuota);
    SIZE_T size = MmSizeOfMdl(VirtualAddress, Length);
    if (Length == 0 || size > 0x7FFF) /* Size is a CSHORT: about 16 MiB of buffer */
        return NULL;
    PMDL mdl = ExAllocatePoolWithTag(NonPagedPool, size, MI_TAG_MDL);
    if (mdl == NULL)
        return NULL;
    MmInitializeMdl(mdl, VirtualAddress, Length);
    if (Irp != NULL && !SecondaryBuffer) {
        Irp->MdlAddress = mdl;
    } else if (Irp != NULL) { /* chained after the IRP's last MDL */
        PMDL *last = &Irp->MdlAddress;
        while (*last != NULL)
            last = &(*last)->Next;
        *last = mdl;
    }
    return mdl;
}

/* An MDL that MmMapLockedPagesSpecifyCache mapped is unmapped with it. */
VOID IoFreeMdl(PMDL Mdl)
{
    if ((Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) && !(Mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL))
        MmUnmapLockedPages(Mdl->MappedSystemVa, Mdl);
    ExFreePoolWithTag(Mdl, MI_TAG_MDL);
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

/* The target shares the source's pages from VirtualAddress on (Length 0:
   to the end of the source). A part of a resident buffer is resident and
   mapped where the source is; a part of a mapped MDL must be mapped on
   its own (MmGetSystemAddressForMdlSafe). A part outside the source, or
   too big for the target's frame array, is the caller's bug, and NT's
   stop codes for it say which. */
VOID IoBuildPartialMdl(PMDL SourceMdl, PMDL TargetMdl, PVOID VirtualAddress, ULONG Length)
{
    ULONG_PTR offset = (PUCHAR)VirtualAddress - (PUCHAR)MmGetMdlVirtualAddress(SourceMdl);
    if (offset > SourceMdl->ByteCount || Length > SourceMdl->ByteCount - offset)
        KeBugCheckEx(INVALID_MDL_RANGE, (ULONG_PTR)SourceMdl, (ULONG_PTR)TargetMdl,
                     (ULONG_PTR)VirtualAddress, Length);
    if (Length == 0)
        Length = SourceMdl->ByteCount - (ULONG)offset;
    if (MmSizeOfMdl(VirtualAddress, Length) > (SIZE_T)TargetMdl->Size)
        KeBugCheckEx(TARGET_MDL_TOO_SMALL, 0, 0, 0, 0);
    CSHORT size = TargetMdl->Size;
    MmInitializeMdl(TargetMdl, VirtualAddress, Length);
    TargetMdl->Size = size;
    ULONG first = (ULONG)((SourceMdl->ByteOffset + offset) >> PAGE_SHIFT);
    ULONG count = ADDRESS_AND_SIZE_TO_SPAN_PAGES(VirtualAddress, Length);
    RtlCopyMemory(MmGetMdlPfnArray(TargetMdl), MmGetMdlPfnArray(SourceMdl) + first,
                  count * sizeof(PFN_NUMBER));
    TargetMdl->MdlFlags = MDL_PARTIAL;
    if (SourceMdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL) {
        TargetMdl->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
        TargetMdl->MappedSystemVa = (PUCHAR)SourceMdl->MappedSystemVa + offset;
    }
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
