/*
 * mi.h: what the memory manager's own files share, and nobody else uses.
 */
#ifndef KELAB_MI_H
#define KELAB_MI_H

#include "mm.h"

static inline PVOID MiPfnToVirtual(PFN_NUMBER Pfn)
{
    return (PVOID)(MM_DIRECT_MAP_BASE + (Pfn << PAGE_SHIFT));
}

static inline ULONG64 MiVirtualToPhysicalDirect(PVOID Va)
{
    return (ULONG64)Va - MM_DIRECT_MAP_BASE;
}

/* physical.c: the page frame allocator. */
VOID MiInitializePhysicalMemory(const MB2_INFO *Boot);
PFN_NUMBER MiAllocatePhysicalPage(VOID); /* 0 when memory is exhausted */
VOID MiFreePhysicalPage(PFN_NUMBER Pfn);
/* Count pages in a row, none below LowestPfn or above HighestPfn, none
   crossing a multiple of BoundaryPages (0: any); returns the first, or 0.
   Each is freed with MiFreePhysicalPage. */
PFN_NUMBER MiAllocateContiguousPages(ULONG Count, PFN_NUMBER LowestPfn, PFN_NUMBER HighestPfn,
                                     PFN_NUMBER BoundaryPages);
/* Total, free and highest page frames. */
VOID MiQueryPhysicalMemory(ULONG64 *TotalPages, ULONG64 *FreePages, ULONG64 *HighestPfn);

/* paging.c: page tables. */
VOID MiInitializePaging(const MB2_INFO *Boot);
ULONG64 MiReadPte(PVOID Va);        /* 0 when not mapped (the leaf entry, any size) */
PULONG64 MiGetPteAddress(PVOID Va); /* the 4 KiB entry for Va, NULL if none */
/* Count pages at Va (already reserved): frames FirstPfn, FirstPfn + 1...
   or, with Pfns, the frames it lists. On failure nothing stays mapped. */
NTSTATUS MiMapPageRun(PVOID Va, PFN_NUMBER FirstPfn, ULONG Count, ULONG Protect);
NTSTATUS MiMapPageArray(PVOID Va, const PFN_NUMBER *Pfns, ULONG Count, ULONG Protect);
/* Unmaps Count pages at Va; the frames stay their owner's. */
VOID MiUnmapPages(PVOID Va, ULONG Count);

/* sysspace.c: the system space allocator (pages of address space). */
VOID MiInitializeSystemSpace(VOID);
PVOID MiReserveSystemPages(ULONG Count);
VOID MiReleaseSystemPages(PVOID Base, ULONG Count);
ULONG MiQueryFreeSystemPages(VOID);
/* Maps Count fresh pages at Base (already reserved). On failure frees
   what it mapped and returns STATUS_INSUFFICIENT_RESOURCES. */
NTSTATUS MiMapFreshPages(PVOID Base, ULONG Count, ULONG Protect);
/* Unmaps Count pages at Base and frees the physical pages behind them. */
VOID MiUnmapAndFreePages(PVOID Base, ULONG Count);

/* pageable.c */
BOOLEAN MiIsDriverAddress(ULONG64 Va);
/* The page fault handler's question: a pageable page that is out, and
   IRQL allows bringing it back? Then it is back. */
BOOLEAN MiResolvePageableFault(ULONG64 Address, KIRQL Irql);
/* For `verifier`: how many pages are pageable, and whether they are in. */
VOID MiQueryPageableState(ULONG *Pages, BOOLEAN *Resident);

#endif
