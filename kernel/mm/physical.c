/*
 * physical.c: the page frame allocator.
 *
 * Physical memory is tracked one bit per 4 KiB page (1 = in use or not
 * RAM). The bitmap itself needs memory before there is an allocator to
 * get it from, so it is carved out of the first usable region that is big
 * enough, like the boot loader's own structures.
 *
 * Reserved at start: the first 1 MiB (BIOS data, and later the processor
 * start-up trampoline), the kernel image, boot modules, and the bitmap.
 * The multiboot information needs no reservation: the kernel copied it
 * before this runs.
 */
#include "mi.h"
#include "ke.h"

extern UCHAR __kernel_phys_start[], __kernel_phys_end[];

#define MI_LOW_RESERVED (1u << 20)
#define MI_BOOT_LIMIT   (4ull << 30) /* what the boot page tables map */

static KSPIN_LOCK MiPhysicalLock;
static RTL_BITMAP MiPhysicalBitmap; /* MiPhysicalLock */
static ULONG64 MiFreePages;         /* MiPhysicalLock */
static ULONG MiAllocationHint;      /* MiPhysicalLock: where the last search ended */
static ULONG64 MiTotalPages;        /* set once at boot */
static ULONG64 MiHighestPfn;        /* set once at boot */

static ULONG64 MiRegionEnd(const MB2_REGION *r)
{
    return r->Base + r->Length;
}

/* Sets the bits of [Start, End), clipped to the bitmap. */
static VOID MiMarkUsed(ULONG64 Start, ULONG64 End)
{
    ULONG64 first = Start >> PAGE_SHIFT;
    ULONG64 last = ALIGN_UP_BY(End, PAGE_SIZE) >> PAGE_SHIFT;
    if (last > MiHighestPfn)
        last = MiHighestPfn;
    if (first < last)
        RtlSetBits(&MiPhysicalBitmap, (ULONG)first, (ULONG)(last - first));
}

static BOOLEAN MiRangesOverlap(ULONG64 a, ULONG64 aEnd, ULONG64 b, ULONG64 bEnd)
{
    return a < bEnd && b < aEnd;
}

/* TRUE if [Start, End) is clear of everything already claimed at boot. */
static BOOLEAN MiIsBootRangeFree(const MB2_INFO *Boot, ULONG64 Start, ULONG64 End)
{
    if (MiRangesOverlap(Start, End, (ULONG64)__kernel_phys_start, (ULONG64)__kernel_phys_end))
        return FALSE;
    for (ULONG i = 0; i < Boot->ModuleCount; i++) {
        if (MiRangesOverlap(Start, End, Boot->Modules[i].Start, Boot->Modules[i].End))
            return FALSE;
    }
    return TRUE;
}

/* Finds Bytes of usable RAM, page aligned, above 1 MiB and below what the
   boot page tables map, that nothing else claims. */
static ULONG64 MiFindBootMemory(const MB2_INFO *Boot, ULONG64 Bytes)
{
    for (ULONG i = 0; i < Boot->RegionCount; i++) {
        const MB2_REGION *r = &Boot->Regions[i];
        if (r->Type != Mb2MemoryUsable)
            continue;
        ULONG64 start =
            ALIGN_UP_BY(r->Base > MI_LOW_RESERVED ? r->Base : MI_LOW_RESERVED, PAGE_SIZE);
        ULONG64 end = MiRegionEnd(r) < MI_BOOT_LIMIT ? MiRegionEnd(r) : MI_BOOT_LIMIT;
        /* Step past each obstacle (kernel, modules) one page at a time:
           there are only a handful of them. */
        for (; start + Bytes <= end; start += PAGE_SIZE) {
            if (MiIsBootRangeFree(Boot, start, start + Bytes))
                return start;
        }
    }
    KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 1, Bytes, 0, 0);
}

VOID MiInitializePhysicalMemory(const MB2_INFO *Boot)
{
    for (ULONG i = 0; i < Boot->RegionCount; i++) {
        const MB2_REGION *r = &Boot->Regions[i];
        if (r->Type == Mb2MemoryUsable && (MiRegionEnd(r) >> PAGE_SHIFT) > MiHighestPfn)
            MiHighestPfn = MiRegionEnd(r) >> PAGE_SHIFT;
    }
    if (MiHighestPfn > 0xFFFFFFFFull) /* RTL_BITMAP indexes with a ULONG: 16 TiB */
        MiHighestPfn = 0xFFFFFFFFull;

    ULONG64 bytes = ALIGN_UP_BY((MiHighestPfn + 31) / 32 * sizeof(ULONG), PAGE_SIZE);
    ULONG64 bitmapPhysical = MiFindBootMemory(Boot, bytes);
    RtlInitializeBitMap(&MiPhysicalBitmap, MiPfnToVirtual(bitmapPhysical >> PAGE_SHIFT),
                        (ULONG)MiHighestPfn);

    /* Everything is in use until a usable region says otherwise. */
    RtlSetAllBits(&MiPhysicalBitmap);
    for (ULONG i = 0; i < Boot->RegionCount; i++) {
        const MB2_REGION *r = &Boot->Regions[i];
        if (r->Type != Mb2MemoryUsable)
            continue;
        ULONG64 first = ALIGN_UP_BY(r->Base, PAGE_SIZE) >> PAGE_SHIFT;
        ULONG64 last = MiRegionEnd(r) >> PAGE_SHIFT;
        if (last > MiHighestPfn)
            last = MiHighestPfn;
        if (first < last) {
            RtlClearBits(&MiPhysicalBitmap, (ULONG)first, (ULONG)(last - first));
            MiTotalPages += last - first;
        }
    }
    MiMarkUsed(0, MI_LOW_RESERVED);
    MiMarkUsed((ULONG64)__kernel_phys_start, (ULONG64)__kernel_phys_end);
    for (ULONG i = 0; i < Boot->ModuleCount; i++)
        MiMarkUsed(Boot->Modules[i].Start, Boot->Modules[i].End);
    MiMarkUsed(bitmapPhysical, bitmapPhysical + bytes);
    MiFreePages = RtlNumberOfClearBits(&MiPhysicalBitmap);
    KeInitializeSpinLock(&MiPhysicalLock);
    KeLabNameSpinLock(&MiPhysicalLock, "PhysicalPages");
}

PFN_NUMBER MiAllocatePhysicalPage(VOID)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&MiPhysicalLock, &oldIrql);
    ULONG pfn = RtlFindClearBitsAndSet(&MiPhysicalBitmap, 1, MiAllocationHint);
    if (pfn != RTL_BITMAP_NOT_FOUND) {
        MiAllocationHint = pfn + 1;
        MiFreePages--;
    }
    KeReleaseSpinLock(&MiPhysicalLock, oldIrql);
    return pfn == RTL_BITMAP_NOT_FOUND ? 0 : pfn;
}

/* DMA buffers (kernel/mm/contiguous.c). A first fit from LowestPfn up,
   stepping over each run that would cross a boundary; memory for DMA is
   asked for rarely, so a scan of the bitmap is cheap enough. */
PFN_NUMBER MiAllocateContiguousPages(ULONG Count, PFN_NUMBER LowestPfn, PFN_NUMBER HighestPfn,
                                     PFN_NUMBER BoundaryPages)
{
    if (Count == 0 || (BoundaryPages != 0 && Count > BoundaryPages))
        return 0;
    if (LowestPfn < MI_LOW_RESERVED >> PAGE_SHIFT)
        LowestPfn = MI_LOW_RESERVED >> PAGE_SHIFT; /* never below 1 MiB, nor page 0 */
    KIRQL oldIrql;
    KeAcquireSpinLock(&MiPhysicalLock, &oldIrql);
    if (HighestPfn >= MiHighestPfn)
        HighestPfn = MiHighestPfn - 1;
    PFN_NUMBER found = 0;
    for (PFN_NUMBER pfn = LowestPfn; pfn + Count - 1 <= HighestPfn && found == 0; pfn++) {
        PFN_NUMBER next = BoundaryPages ? ALIGN_UP_BY(pfn + 1, BoundaryPages) : pfn + Count;
        if (BoundaryPages != 0 && pfn + Count > next) {
            pfn = next - 1; /* the run would cross: start again at the boundary */
            continue;
        }
        if (RtlAreBitsClear(&MiPhysicalBitmap, (ULONG)pfn, Count))
            found = pfn;
    }
    if (found != 0) {
        RtlSetBits(&MiPhysicalBitmap, (ULONG)found, Count);
        MiFreePages -= Count;
    }
    KeReleaseSpinLock(&MiPhysicalLock, oldIrql);
    return found;
}

VOID MiFreePhysicalPage(PFN_NUMBER Pfn)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&MiPhysicalLock, &oldIrql);
    /* Freeing a page that is not allocated means some owner's idea of
       memory is wrong: stop before two owners share a page. */
    if (Pfn >= MiHighestPfn || !RtlTestBit(&MiPhysicalBitmap, (ULONG)Pfn))
        KeBugCheckEx(PFN_LIST_CORRUPT, 0x99, Pfn, MiHighestPfn, 0);
    RtlClearBits(&MiPhysicalBitmap, (ULONG)Pfn, 1);
    MiFreePages++;
    if (Pfn < MiAllocationHint)
        MiAllocationHint = (ULONG)Pfn; /* keep memory use compact and low */
    KeReleaseSpinLock(&MiPhysicalLock, oldIrql);
}

VOID MiQueryPhysicalMemory(ULONG64 *TotalPages, ULONG64 *FreePages, ULONG64 *HighestPfn)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&MiPhysicalLock, &oldIrql);
    *TotalPages = MiTotalPages;
    *FreePages = MiFreePages;
    *HighestPfn = MiHighestPfn;
    KeReleaseSpinLock(&MiPhysicalLock, oldIrql);
}

PVOID MmAllocateDirectMapPage(VOID)
{
    PFN_NUMBER pfn = MiAllocatePhysicalPage();
    return pfn ? MiPfnToVirtual(pfn) : NULL;
}

VOID MmFreeDirectMapPage(PVOID Page)
{
    MiFreePhysicalPage(MiVirtualToPhysicalDirect(Page) >> PAGE_SHIFT);
}
