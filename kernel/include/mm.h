/*
 * mm.h: the memory manager's door for the rest of the kernel. What only
 * the memory manager uses is in kernel/mm/mi.h.
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

/* ---- start-up ---------------------------------------------------------- */

/* init.c: the page allocator, page tables and system space. */
VOID MmInitSystem(const MB2_INFO *Boot);
/* pageable.c: the pageable sections, once interrupts and processors are
   up; kelab.verifier=irql turns on force IRQL checking. */
VOID MmInitializePageable(VOID);

/* ---- memory for the rest of the kernel -------------------------------- */

/* physical.c: one page of RAM, reached through the direct map (the pool's
   small blocks live in such pages); NULL when memory is exhausted. */
PVOID MmAllocateDirectMapPage(VOID);
VOID MmFreeDirectMapPage(PVOID Page);
/* sysspace.c: Count fresh pages of RAM, read-write, at fresh addresses of
   system space (the pool's large blocks); NULL when either runs out. */
PVOID MmAllocateMappedPages(ULONG Count);
VOID MmFreeMappedPages(PVOID Base, ULONG Count);

/* stack.c: kernel stacks, each with an unmapped guard page below it. */
PVOID MmCreateKernelStack(VOID); /* returns the top (initial RSP) */
VOID MmDeleteKernelStack(PVOID StackTop);
PVOID MmGetKernelStackLimit(PVOID StackTop); /* lowest usable address */

/* ---- addresses ---------------------------------------------------------- */

/* paging.c */
BOOLEAN MmIsAddressValid(PVOID VirtualAddress);
/* The direct map's address of a physical address of RAM, NULL for one the
   direct map does not cover (NT's, in ntddk.h). */
PVOID MmGetVirtualForPhysical(PHYSICAL_ADDRESS PhysicalAddress);
/* How VirtualAddress is mapped, as MM_* flags (MM_NOCACHE for uncached);
   FALSE if it is not mapped. */
BOOLEAN MmQueryProtection(PVOID VirtualAddress, PULONG Protect);
/* A mapping at an address the caller chooses, for the few the kernel
   places itself: the processor start-up trampoline runs at its physical
   address (kernel/ke/smp.c). STATUS_CONFLICTING_ADDRESSES if Va is
   mapped already. Unmapping flushes every processor's TLB and returns
   the page that was mapped (0 if none). */
NTSTATUS MmMapPage(PVOID Va, PFN_NUMBER Pfn, ULONG Protect);
PFN_NUMBER MmUnmapPage(PVOID Va);

/* fault.c: the page fault handler (vector 14). */
struct _KTRAP_FRAME;
VOID MmAccessFault(struct _KTRAP_FRAME *TrapFrame);

/* ---- pageable sections and Driver Verifier (pageable.c) ---------------- */

VOID MmPageOutPageable(VOID);
VOID MmQueryPageableStatistics(ULONG64 *PageOuts, ULONG64 *PageIns);
extern volatile BOOLEAN MmVerifierForceIrqlChecking;
/* Called by KeRaiseIrql when it crosses into DISPATCH_LEVEL: with force
   IRQL checking on, pageable sections go out. */
VOID MmVerifierIrqlRaised(VOID);

/* ---- reports (info.c) ---------------------------------------------------- */

typedef struct _MM_MEMORY_STATISTICS {
    ULONG64 TotalPages; /* usable RAM */
    ULONG64 FreePages;
    ULONG64 HighestPfn;
    ULONG FreeSystemPages; /* of MM_SYSTEM_SPACE_PAGES */
} MM_MEMORY_STATISTICS;
VOID MmQueryMemoryStatistics(MM_MEMORY_STATISTICS *Statistics);
/* The banner's memory lines, and the `mem` command's map. */
VOID MmPrintMemoryMap(VOID);
VOID MmPrintMemorySummary(VOID);

#endif
