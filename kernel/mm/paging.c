/*
 * paging.c: four-level page tables.
 *
 * A virtual address splits into four 9-bit table indexes and a 12-bit
 * offset: PML4 -> PDPT -> PD -> PT -> page. Every processor shares the one
 * PML4 (KeLab has a single address space), so a change made here is seen
 * everywhere once stale TLB entries are flushed.
 *
 * Page table pages are ordinary physical pages reached through the direct
 * map. The direct map uses 2 MiB pages (one PD entry each) where it can;
 * everything else uses 4 KiB pages.
 */
#include "mi.h"
#include "ke.h"

#define PTE_PRESENT 0x001ull
#define PTE_WRITE   0x002ull
#define PTE_PWT     0x008ull
#define PTE_PCD     0x010ull
#define PTE_LARGE   0x080ull
#define PTE_GLOBAL  0x100ull
#define PTE_NX      (1ull << 63)
#define PTE_FRAME   0x000FFFFFFFFFF000ull
#define LARGE_PAGE  (2ull << 20)

extern UCHAR __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern UCHAR __data_start[], __data_end[];

static KSPIN_LOCK MiPageTableLock; /* every page table entry */
static PULONG64 MiPml4;            /* set once at boot */

static ULONG MiIndex(ULONG64 Va, int Level)
{
    return (Va >> (12 + 9 * (Level - 1))) & 511;
}

static ULONG64 MiProtectionBits(ULONG Protect)
{
    ULONG64 bits = PTE_PRESENT | PTE_GLOBAL;
    if (Protect & MM_WRITE)
        bits |= PTE_WRITE;
    if (!(Protect & MM_EXECUTE))
        bits |= PTE_NX;
    if (Protect & MM_NOCACHE)
        bits |= PTE_PCD | PTE_PWT;
    return bits;
}

static PULONG64 MiTableOf(ULONG64 Entry)
{
    return MiPfnToVirtual((Entry & PTE_FRAME) >> PAGE_SHIFT);
}

static PULONG64 MiAllocateTable(VOID)
{
    PFN_NUMBER pfn = MiAllocatePhysicalPage();
    if (pfn == 0)
        return NULL;
    PULONG64 table = MiPfnToVirtual(pfn);
    RtlZeroMemory(table, PAGE_SIZE);
    return table;
}

/* Walks from the PML4 down to the entry at StopLevel (1 = PT entry,
   2 = PD entry) for Va. With Create, missing tables are allocated;
   without, returns NULL at the first missing one. Returns the entry at a
   higher level when a large page maps Va there. MiPageTableLock held. */
static PULONG64 MiWalk(ULONG64 Va, int StopLevel, BOOLEAN Create)
{
    PULONG64 table = MiPml4;
    for (int level = 4; level > StopLevel; level--) {
        PULONG64 entry = &table[MiIndex(Va, level)];
        if (!(*entry & PTE_PRESENT)) {
            if (!Create)
                return NULL;
            PULONG64 next = MiAllocateTable();
            if (next == NULL)
                return NULL;
            /* Intermediate entries allow everything: the leaf decides. */
            *entry = MiVirtualToPhysicalDirect(next) | PTE_PRESENT | PTE_WRITE;
        } else if (*entry & PTE_LARGE) {
            return entry;
        }
        table = MiTableOf(*entry);
    }
    return &table[MiIndex(Va, StopLevel)];
}

static BOOLEAN MiIsCanonical(ULONG64 Va)
{
    return (ULONG64)((LONG64)(Va << 16) >> 16) == Va;
}

/* Every processor may have Va's old translation cached in its TLB, and
   until each forgets it the page is not really unmapped: a TLB shootdown. */
static VOID MiFlushTlbEntry(ULONG64 Va)
{
    KeFlushSingleTb((PVOID)Va);
}

NTSTATUS MmMapPage(PVOID Va, PFN_NUMBER Pfn, ULONG Protect)
{
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL oldIrql;
    KeAcquireSpinLock(&MiPageTableLock, &oldIrql);
    PULONG64 pte = MiWalk((ULONG64)Va, 1, TRUE);
    if (pte == NULL)
        status = STATUS_INSUFFICIENT_RESOURCES;
    else if (*pte & PTE_PRESENT)
        status = STATUS_CONFLICTING_ADDRESSES;
    else
        *pte = (Pfn << PAGE_SHIFT) | MiProtectionBits(Protect);
    KeReleaseSpinLock(&MiPageTableLock, oldIrql);
    return status;
}

PFN_NUMBER MmUnmapPage(PVOID Va)
{
    PFN_NUMBER pfn = 0;
    KIRQL oldIrql;
    KeAcquireSpinLock(&MiPageTableLock, &oldIrql);
    PULONG64 pte = MiWalk((ULONG64)Va, 1, FALSE);
    if (pte != NULL && (*pte & PTE_PRESENT) && !(*pte & PTE_LARGE)) {
        pfn = (*pte & PTE_FRAME) >> PAGE_SHIFT;
        *pte = 0;
        MiFlushTlbEntry((ULONG64)Va);
    }
    KeReleaseSpinLock(&MiPageTableLock, oldIrql);
    return pfn;
}

NTSTATUS MiMapPageRun(PVOID Va, PFN_NUMBER FirstPfn, ULONG Count, ULONG Protect)
{
    for (ULONG i = 0; i < Count; i++) {
        if (!NT_SUCCESS(MmMapPage((PUCHAR)Va + (ULONG64)i * PAGE_SIZE, FirstPfn + i, Protect))) {
            MiUnmapPages(Va, i);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    return STATUS_SUCCESS;
}

NTSTATUS MiMapPageArray(PVOID Va, const PFN_NUMBER *Pfns, ULONG Count, ULONG Protect)
{
    for (ULONG i = 0; i < Count; i++) {
        if (!NT_SUCCESS(MmMapPage((PUCHAR)Va + (ULONG64)i * PAGE_SIZE, Pfns[i], Protect))) {
            MiUnmapPages(Va, i);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    return STATUS_SUCCESS;
}

VOID MiUnmapPages(PVOID Va, ULONG Count)
{
    for (ULONG i = 0; i < Count; i++)
        MmUnmapPage((PUCHAR)Va + (ULONG64)i * PAGE_SIZE);
}

/* Lock-free read of the leaf entry: used by the fault handler and by
   backtraces during a bug check, which cannot wait for a lock. Tables are
   never freed, so a walk cannot step into freed memory. */
ULONG64 MiReadPte(PVOID Va)
{
    if (!MiIsCanonical((ULONG64)Va) || MiPml4 == NULL)
        return 0;
    PULONG64 entry = MiWalk((ULONG64)Va, 1, FALSE);
    return entry ? *entry : 0;
}

PULONG64 MiGetPteAddress(PVOID Va)
{
    PULONG64 entry = MiWalk((ULONG64)Va, 1, FALSE);
    return entry && !(*entry & PTE_LARGE) ? entry : NULL;
}

BOOLEAN MmIsAddressValid(PVOID VirtualAddress)
{
    return (MiReadPte(VirtualAddress) & PTE_PRESENT) != 0;
}

BOOLEAN MmQueryProtection(PVOID VirtualAddress, PULONG Protect)
{
    ULONG64 entry = MiReadPte(VirtualAddress);
    if (!(entry & PTE_PRESENT))
        return FALSE;
    *Protect = ((entry & PTE_WRITE) ? MM_WRITE : 0) | ((entry & PTE_NX) ? 0 : MM_EXECUTE) |
               ((entry & PTE_PCD) ? MM_NOCACHE : 0);
    return TRUE;
}

PVOID MmGetVirtualForPhysical(PHYSICAL_ADDRESS PhysicalAddress)
{
    PVOID va = (PVOID)(MM_DIRECT_MAP_BASE + (ULONG64)PhysicalAddress.QuadPart);
    return PhysicalAddress.QuadPart >= 0 && MmIsAddressValid(va) ? va : NULL;
}

PHYSICAL_ADDRESS MmGetPhysicalAddress(PVOID BaseAddress)
{
    PHYSICAL_ADDRESS pa = {.QuadPart = 0};
    ULONG64 entry = MiReadPte(BaseAddress);
    if (entry & PTE_PRESENT) {
        ULONG64 pageSize = (entry & PTE_LARGE) ? LARGE_PAGE : PAGE_SIZE;
        ULONG64 frame = entry & PTE_FRAME & ~(pageSize - 1);
        pa.QuadPart = (LONGLONG)(frame | ((ULONG64)BaseAddress & (pageSize - 1)));
    }
    return pa;
}

/* Boot-time mapping of [Pa, Pa + Size) at Va: 2 MiB pages where both
   addresses are aligned and the rest of the range is at least that big
   (if AllowLarge), 4 KiB pages otherwise. */
static VOID MiMapRangeAtBoot(ULONG64 Va, ULONG64 Pa, ULONG64 Size, ULONG Protect,
                             BOOLEAN AllowLarge)
{
    ULONG64 end = Pa + Size;
    while (Pa < end) {
        if (AllowLarge && Pa % LARGE_PAGE == 0 && Va % LARGE_PAGE == 0 && end - Pa >= LARGE_PAGE) {
            PULONG64 pde = MiWalk(Va, 2, TRUE);
            if (pde == NULL)
                KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 2, Va, 0, 0);
            *pde = Pa | MiProtectionBits(Protect) | PTE_LARGE;
            Pa += LARGE_PAGE;
            Va += LARGE_PAGE;
        } else {
            PULONG64 pte = MiWalk(Va, 1, TRUE);
            if (pte == NULL)
                KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 2, Va, 0, 0);
            *pte = Pa | MiProtectionBits(Protect);
            Pa += PAGE_SIZE;
            Va += PAGE_SIZE;
        }
    }
}

/* The kernel image gets 4 KiB pages: it is small, and the pageable
   sections inside it must be unmappable page by page. */
static VOID MiMapKernelSection(UCHAR *Start, UCHAR *End, ULONG Protect)
{
    ULONG64 va = (ULONG64)Start;
    MiMapRangeAtBoot(va, va - MM_KERNEL_BASE, ALIGN_UP_BY(End, PAGE_SIZE) - va, Protect, FALSE);
}

/* Builds the kernel's page tables and switches to them. The boot tables
   (boot/entry.S) mapped 4 GiB three times with everything writable and
   executable; these map only RAM in the direct map, and the kernel image
   with the protection each section needs. */
VOID MiInitializePaging(const MB2_INFO *Boot)
{
    KeInitializeSpinLock(&MiPageTableLock);
    KeLabNameSpinLock(&MiPageTableLock, "PageTables");
    MiPml4 = MiAllocateTable();
    if (MiPml4 == NULL)
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 2, 0, 0, 0);
    for (ULONG i = 0; i < Boot->RegionCount; i++) {
        const MB2_REGION *r = &Boot->Regions[i];
        if (r->Type == Mb2MemoryUsable || r->Type == Mb2MemoryAcpiReclaimable ||
            r->Type == Mb2MemoryAcpiNvs) {
            ULONG64 base = ALIGN_DOWN_BY(r->Base, PAGE_SIZE);
            ULONG64 end = ALIGN_UP_BY(r->Base + r->Length, PAGE_SIZE);
            MiMapRangeAtBoot(MM_DIRECT_MAP_BASE + base, base, end - base, MM_WRITE, TRUE);
        }
    }
    MiMapKernelSection(__text_start, __text_end, MM_EXECUTE);
    MiMapKernelSection(__rodata_start, __rodata_end, MM_READONLY);
    MiMapKernelSection(__data_start, __data_end, MM_WRITE);
    __writecr3(MiVirtualToPhysicalDirect(MiPml4));
}
