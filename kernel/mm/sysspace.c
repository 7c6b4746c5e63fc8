/*
 * sysspace.c: system space, a 1 GiB window of kernel address space handed
 * out in pages (NT calls these "system PTEs").
 *
 * Kernel stacks, large pool allocations and device registers need virtual
 * addresses that are not tied to where their physical pages happen to be.
 * Because each user gets its own range, a stack's guard page can simply
 * be left unmapped below it.
 */
#include "mi.h"
#include "ke.h"

static KSPIN_LOCK MiSystemSpaceLock;
static ULONG MiSystemSpaceBits[MM_SYSTEM_SPACE_PAGES / 32]; /* MiSystemSpaceLock */
static RTL_BITMAP MiSystemSpaceMap;                         /* MiSystemSpaceLock */
static ULONG MiSystemSpaceHint;                             /* MiSystemSpaceLock */

VOID MiInitializeSystemSpace(VOID)
{
    KeInitializeSpinLock(&MiSystemSpaceLock);
    KeLabNameSpinLock(&MiSystemSpaceLock, "SystemSpace");
    RtlInitializeBitMap(&MiSystemSpaceMap, MiSystemSpaceBits, MM_SYSTEM_SPACE_PAGES);
    RtlClearAllBits(&MiSystemSpaceMap);
}

PVOID MiReserveSystemPages(ULONG Count)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&MiSystemSpaceLock, &oldIrql);
    ULONG index = RtlFindClearBitsAndSet(&MiSystemSpaceMap, Count, MiSystemSpaceHint);
    if (index != RTL_BITMAP_NOT_FOUND)
        MiSystemSpaceHint = index + Count;
    KeReleaseSpinLock(&MiSystemSpaceLock, oldIrql);
    if (index == RTL_BITMAP_NOT_FOUND)
        return NULL;
    return (PVOID)(MM_SYSTEM_SPACE_BASE + ((ULONG64)index << PAGE_SHIFT));
}

VOID MiReleaseSystemPages(PVOID Base, ULONG Count)
{
    ULONG index = (ULONG)(((ULONG64)Base - MM_SYSTEM_SPACE_BASE) >> PAGE_SHIFT);
    KIRQL oldIrql;
    KeAcquireSpinLock(&MiSystemSpaceLock, &oldIrql);
    RtlClearBits(&MiSystemSpaceMap, index, Count);
    KeReleaseSpinLock(&MiSystemSpaceLock, oldIrql);
}

ULONG MiQueryFreeSystemPages(VOID)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&MiSystemSpaceLock, &oldIrql);
    ULONG free = RtlNumberOfClearBits(&MiSystemSpaceMap);
    KeReleaseSpinLock(&MiSystemSpaceLock, oldIrql);
    return free;
}

NTSTATUS MiMapFreshPages(PVOID Base, ULONG Count, ULONG Protect)
{
    for (ULONG i = 0; i < Count; i++) {
        PFN_NUMBER pfn = MiAllocatePhysicalPage();
        NTSTATUS status = pfn ? MmMapPage((PUCHAR)Base + (ULONG64)i * PAGE_SIZE, pfn, Protect)
                              : STATUS_INSUFFICIENT_RESOURCES;
        if (!NT_SUCCESS(status)) {
            if (pfn)
                MiFreePhysicalPage(pfn);
            MiUnmapAndFreePages(Base, i);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    return STATUS_SUCCESS;
}

VOID MiUnmapAndFreePages(PVOID Base, ULONG Count)
{
    for (ULONG i = 0; i < Count; i++) {
        PFN_NUMBER pfn = MmUnmapPage((PUCHAR)Base + (ULONG64)i * PAGE_SIZE);
        if (pfn)
            MiFreePhysicalPage(pfn);
    }
}

PVOID MmAllocateMappedPages(ULONG Count)
{
    PVOID base = MiReserveSystemPages(Count);
    if (base != NULL && !NT_SUCCESS(MiMapFreshPages(base, Count, MM_WRITE))) {
        MiReleaseSystemPages(base, Count);
        return NULL;
    }
    return base;
}

VOID MmFreeMappedPages(PVOID Base, ULONG Count)
{
    MiUnmapAndFreePages(Base, Count);
    MiReleaseSystemPages(Base, Count);
}
