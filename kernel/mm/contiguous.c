/*
 * contiguous.c: physically contiguous memory for DMA.
 *
 * A device that reads a descriptor ring or a buffer by bus-master DMA
 * often needs it in one physical piece, below an address it can reach
 * (4 GiB for a 32-bit DMA engine) and inside an alignment window (an xHCI
 * ring segment may not cross 64 KiB). MmAllocateContiguousMemorySpecifyCache
 * finds such a run of pages (physical.c) and maps it:
 *   MmCached     through the direct map (x86 DMA is cache-coherent, so
 *                this is what drivers normally ask for);
 *   MmNonCached  at fresh system-space addresses with caching disabled
 *                (the direct map's cached alias is left untouched).
 * Each allocation is remembered, so MmFreeContiguousMemory needs only
 * the address.
 */
#include "mi.h"
#include "ke.h"

#define MI_TAG_CONTIGUOUS 'tnoC'

typedef struct _MI_CONTIGUOUS_ALLOCATION {
    LIST_ENTRY Links; /* MiContiguousLock: MiContiguousAllocations */
    PVOID BaseAddress;
    PFN_NUMBER FirstPfn;
    ULONG Pages;
    MEMORY_CACHING_TYPE CacheType;
} MI_CONTIGUOUS_ALLOCATION;

static KSPIN_LOCK MiContiguousLock;         /* a zeroed KSPIN_LOCK is a free one */
static LIST_ENTRY MiContiguousAllocations = /* MiContiguousLock: every allocation */
    {&MiContiguousAllocations, &MiContiguousAllocations};

/* A non-cached mapping of the run; NULL if system space is short. */
static PVOID MiMapNonCached(PFN_NUMBER FirstPfn, ULONG Pages)
{
    PUCHAR va = MiReserveSystemPages(Pages);
    if (va != NULL && !NT_SUCCESS(MiMapPageRun(va, FirstPfn, Pages, MM_WRITE | MM_NOCACHE))) {
        MiReleaseSystemPages(va, Pages);
        return NULL;
    }
    return va;
}

static VOID MiFreeRun(PFN_NUMBER FirstPfn, ULONG Pages)
{
    for (ULONG i = 0; i < Pages; i++)
        MiFreePhysicalPage(FirstPfn + i);
}

PVOID MmAllocateContiguousMemorySpecifyCache(SIZE_T NumberOfBytes,
                                             PHYSICAL_ADDRESS LowestAcceptableAddress,
                                             PHYSICAL_ADDRESS HighestAcceptableAddress,
                                             PHYSICAL_ADDRESS BoundaryAddressMultiple,
                                             MEMORY_CACHING_TYPE CacheType)
{
    ULONG64 boundary = (ULONG64)BoundaryAddressMultiple.QuadPart;
    if (NumberOfBytes == 0 || NumberOfBytes > (SIZE_T)0xFFFFFFFF * PAGE_SIZE)
        return NULL; /* its pages are counted in a ULONG (and 16 TiB is more than there is) */
    if ((boundary & (boundary - 1)) != 0 || (boundary != 0 && boundary < PAGE_SIZE))
        return NULL; /* a boundary is a power of two, and at least a page */
    ULONG pages = (ULONG)BYTES_TO_PAGES(NumberOfBytes);
    MI_CONTIGUOUS_ALLOCATION *allocation =
        ExAllocatePoolWithTag(NonPagedPool, sizeof(*allocation), MI_TAG_CONTIGUOUS);
    if (allocation == NULL)
        return NULL;
    PFN_NUMBER first = MiAllocateContiguousPages(
        pages, ALIGN_UP_BY(LowestAcceptableAddress.QuadPart, PAGE_SIZE) >> PAGE_SHIFT,
        (ULONG64)HighestAcceptableAddress.QuadPart >> PAGE_SHIFT, boundary >> PAGE_SHIFT);
    PVOID va = NULL;
    if (first != 0)
        va = CacheType == MmNonCached ? MiMapNonCached(first, pages) : MiPfnToVirtual(first);
    if (va == NULL) {
        if (first != 0)
            MiFreeRun(first, pages);
        ExFreePoolWithTag(allocation, MI_TAG_CONTIGUOUS);
        return NULL;
    }
    *allocation = (MI_CONTIGUOUS_ALLOCATION){
        .BaseAddress = va, .FirstPfn = first, .Pages = pages, .CacheType = CacheType};
    KIRQL oldIrql;
    KeAcquireSpinLock(&MiContiguousLock, &oldIrql);
    InsertTailList(&MiContiguousAllocations, &allocation->Links);
    KeReleaseSpinLock(&MiContiguousLock, oldIrql);
    return va;
}

PVOID MmAllocateContiguousMemory(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS HighestAcceptableAddress)
{
    PHYSICAL_ADDRESS zero = {.QuadPart = 0};
    return MmAllocateContiguousMemorySpecifyCache(NumberOfBytes, zero, HighestAcceptableAddress,
                                                  zero, MmCached);
}

/* Freeing an address that was not allocated here is a driver's pool-style
   mistake, and gets the pool's stop: BAD_POOL_CALLER 0x60 (Windows'
   "MmFreeContiguousMemory of a bad address"). */
VOID MmFreeContiguousMemory(PVOID BaseAddress)
{
    MI_CONTIGUOUS_ALLOCATION *found = NULL;
    KIRQL oldIrql;
    KeAcquireSpinLock(&MiContiguousLock, &oldIrql);
    for (PLIST_ENTRY e = MiContiguousAllocations.Flink; e != &MiContiguousAllocations;
         e = e->Flink) {
        MI_CONTIGUOUS_ALLOCATION *a = CONTAINING_RECORD(e, MI_CONTIGUOUS_ALLOCATION, Links);
        if (a->BaseAddress == BaseAddress) {
            RemoveEntryList(&a->Links);
            found = a;
            break;
        }
    }
    KeReleaseSpinLock(&MiContiguousLock, oldIrql);
    if (found == NULL)
        KeBugCheckEx(BAD_POOL_CALLER, 0x60, (ULONG_PTR)BaseAddress, 0, 0);
    if (found->CacheType == MmNonCached) {
        MiUnmapPages(BaseAddress, found->Pages);
        MiReleaseSystemPages(BaseAddress, found->Pages);
    }
    MiFreeRun(found->FirstPfn, found->Pages);
    ExFreePoolWithTag(found, MI_TAG_CONTIGUOUS);
}

VOID MmFreeContiguousMemorySpecifyCache(PVOID BaseAddress, SIZE_T NumberOfBytes,
                                        MEMORY_CACHING_TYPE CacheType)
{
    UNREFERENCED_PARAMETER(NumberOfBytes); /* remembered from the allocation */
    UNREFERENCED_PARAMETER(CacheType);
    MmFreeContiguousMemory(BaseAddress);
}
