/*
 * mm.h: the memory manager's internal interface.
 *
 * Virtual address space (one address space, shared by every processor):
 *
 *   0x0000000000000000  user half: never mapped (a NULL dereference faults)
 *   0xFFFF800000000000  direct map: every page of RAM at MM_DIRECT_MAP_BASE + physical
 *   0xFFFFC00000000000  system space (1 GiB): kernel stacks with guard pages,
 *                       large pool allocations, device memory (MmMapIoSpace)
 *   0xFFFFFFFF80000000  the kernel image (linker.ld), text read-only
 */
#ifndef KELAB_MM_H
#define KELAB_MM_H

#include "wdm.h"
#include "multiboot2.h"

#define MM_USER_PROBE_ADDRESS 0x0000800000000000ull
#define MM_DIRECT_MAP_BASE    0xFFFF800000000000ull
#define MM_SYSTEM_SPACE_BASE  0xFFFFC00000000000ull
#define MM_SYSTEM_SPACE_PAGES (1u << 18) /* 1 GiB */
#define MM_KERNEL_BASE        0xFFFFFFFF80000000ull

#define KERNEL_STACK_SIZE 0x6000 /* 24 KiB, as on x64 Windows */

/* Protection of a mapping: combine MM_WRITE / MM_EXECUTE / MM_NOCACHE;
   MM_READONLY alone is read-only, no-execute. */
#define MM_READONLY 0x0
#define MM_WRITE    0x1
#define MM_EXECUTE  0x2
#define MM_NOCACHE  0x4

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
typedef struct _MI_PHYSICAL_STATISTICS {
    ULONG64 TotalPages; /* usable RAM */
    ULONG64 FreePages;
    ULONG64 HighestPfn;
} MI_PHYSICAL_STATISTICS;
VOID MiQueryPhysicalMemory(MI_PHYSICAL_STATISTICS *Stats);

/* paging.c: page tables. */
VOID MiInitializePaging(const MB2_INFO *Boot);
NTSTATUS MiMapPage(PVOID Va, PFN_NUMBER Pfn, ULONG Protect);
PFN_NUMBER MiUnmapPage(PVOID Va); /* returns the page that was mapped */
NTSTATUS MiProtectPage(PVOID Va, ULONG Protect);
ULONG64 MiReadPte(PVOID Va);        /* 0 when not mapped (the leaf entry, any size) */
PULONG64 MiGetPteAddress(PVOID Va); /* the 4 KiB entry for Va, NULL if none */
BOOLEAN MmIsAddressValid(PVOID VirtualAddress);

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

/* stack.c: kernel stacks, each with an unmapped guard page below it. */
PVOID MmCreateKernelStack(VOID); /* returns the top (initial RSP) */
VOID MmDeleteKernelStack(PVOID StackTop);
PVOID MmGetKernelStackLimit(PVOID StackTop); /* lowest usable address */

/* fault.c: the page fault handler (vector 14). */
struct _KTRAP_FRAME;
VOID MmAccessFault(struct _KTRAP_FRAME *TrapFrame);

/* pageable.c: pageable sections and force IRQL checking. */
VOID MiInitializePageable(VOID);
BOOLEAN MiIsPageableAddress(ULONG64 Va);
BOOLEAN MiIsDriverAddress(ULONG64 Va);
BOOLEAN MiResolvePageableFault(ULONG64 Address, KIRQL Irql);
VOID MiVerifierIrqlRaised(VOID);
VOID MmPageOutPageable(VOID);
VOID MmQueryPageableStatistics(ULONG64 *PageOuts, ULONG64 *PageIns);
extern volatile BOOLEAN MmVerifierForceIrqlChecking;

/* init.c */
VOID MmInitSystem(const MB2_INFO *Boot);

/* info.c: reports for the banner and the `mem` command. */
VOID MmPrintMemoryMap(VOID);
VOID MmPrintMemorySummary(VOID);

#endif
