/*
 * io_mdl_test.c: what a driver doing DMA relies on: memory descriptor
 * lists, physical addresses, and physically contiguous memory.
 *
 * IoAllocateMdl's description of a buffer (StartVa, ByteOffset,
 * ByteCount, one page frame per page it spans); MmBuildMdlForNonPagedPool
 * against the page tables, and against pages the test maps itself in an
 * order no allocator hands out; mapping an MDL into system space
 * (MmGetSystemAddressForMdlSafe) and describing part of one
 * (IoBuildPartialMdl); MmGetPhysicalAddress for each kind of kernel
 * address; and MmAllocateContiguousMemory(SpecifyCache): one physical
 * run, within the acceptable addresses and boundary, NULL when that cannot
 * be had, the frames given back when freed, and all of it from every
 * processor at once.
 */
#include "ktest.h"
#include "mm.h"

#define TAG 'lMoI'

static const PHYSICAL_ADDRESS NoAddress = {.QuadPart = 0};
static const PHYSICAL_ADDRESS Below4GiB = {.QuadPart = 0xFFFFFFFFll};

static PFN_NUMBER PfnOf(PVOID Va)
{
    return (PFN_NUMBER)(MmGetPhysicalAddress(Va).QuadPart >> PAGE_SHIFT);
}

static ULONG FreeSystemPages(VOID)
{
    MM_MEMORY_STATISTICS statistics;
    MmQueryMemoryStatistics(&statistics);
    return statistics.FreeSystemPages;
}

/* Is the page at Va mapped uncached? */
static BOOLEAN IsUncached(PVOID Va)
{
    ULONG protect = 0;
    return MmQueryProtection(Va, &protect) && (protect & MM_NOCACHE);
}

/* Is Va's byte the one at Va's physical address? Written through one
   address and read back through the other (the direct map's alias). */
static BOOLEAN IsSameMemory(volatile UCHAR *Va)
{
    PHYSICAL_ADDRESS pa = MmGetPhysicalAddress((PVOID)Va);
    if (pa.QuadPart == 0)
        return FALSE;
    volatile UCHAR *alias = MmGetVirtualForPhysical(pa);
    UCHAR saved = *Va;
    *Va = 0x5A;
    BOOLEAN same = *alias == 0x5A;
    *alias = 0xA5;
    same = same && *Va == 0xA5;
    *Va = saved;
    return same;
}

/* ---- a buffer whose pages are out of physical order ----------------------- */

#define SCATTERED_PAGES 4

/* Consecutive pages of system space mapped to frames in descending
   order: an MDL that assumes the frames follow each other is wrong here,
   as it would be for most buffers of a running system. The test builds it
   as a driver would: an MDL of pages it owns, frames listed in the order
   it wants, mapped with MmMapLockedPagesSpecifyCache. */
typedef struct _SCATTERED {
    PUCHAR Va;
    PFN_NUMBER Pfn[SCATTERED_PAGES]; /* page i's frame */
    PVOID Page[SCATTERED_PAGES];     /* the pages, in the direct map */
    union {
        MDL Mdl;
        UCHAR Space[sizeof(MDL) + SCATTERED_PAGES * sizeof(PFN_NUMBER)];
    };
} SCATTERED;

static VOID UnmapScattered(SCATTERED *Buffer)
{
    if (Buffer->Va != NULL)
        MmUnmapLockedPages(Buffer->Va, &Buffer->Mdl);
    for (ULONG i = 0; i < SCATTERED_PAGES; i++) {
        if (Buffer->Page[i] != NULL)
            MmFreeDirectMapPage(Buffer->Page[i]);
    }
}

static BOOLEAN MapScattered(SCATTERED *Buffer)
{
    RtlZeroMemory(Buffer, sizeof(*Buffer));
    for (ULONG i = 0; i < SCATTERED_PAGES; i++) {
        /* The allocator hands out ascending frames: page 0 gets the last. */
        Buffer->Page[SCATTERED_PAGES - 1 - i] = MmAllocateDirectMapPage();
        if (Buffer->Page[SCATTERED_PAGES - 1 - i] == NULL) {
            UnmapScattered(Buffer);
            return FALSE;
        }
    }
    MmInitializeMdl(&Buffer->Mdl, NULL, SCATTERED_PAGES * PAGE_SIZE);
    for (ULONG i = 0; i < SCATTERED_PAGES; i++) {
        Buffer->Pfn[i] = PfnOf(Buffer->Page[i]);
        MmGetMdlPfnArray(&Buffer->Mdl)[i] = Buffer->Pfn[i];
    }
    Buffer->Va = MmMapLockedPagesSpecifyCache(&Buffer->Mdl, KernelMode, MmCached, NULL, FALSE,
                                              NormalPagePriority);
    if (Buffer->Va == NULL) {
        UnmapScattered(Buffer);
        return FALSE;
    }
    return TRUE;
}

/* An MDL of the buffer's frames with no system address, as
   MmProbeAndLockPages leaves one for a user buffer: built, then stripped
   of the mapping MmBuildMdlForNonPagedPool records. */
static PMDL LockedOnlyMdl(PVOID Va, ULONG Length)
{
    PMDL mdl = IoAllocateMdl(Va, Length, FALSE, FALSE, NULL);
    if (mdl == NULL)
        return NULL;
    MmBuildMdlForNonPagedPool(mdl);
    mdl->MdlFlags &= ~MDL_SOURCE_IS_NONPAGED_POOL;
    mdl->MappedSystemVa = NULL;
    return mdl;
}

/* ---- describing a buffer ---------------------------------------------------------- */

KTEST(io_mdl, allocate_describes_the_buffer_and_its_pages)
{
    PUCHAR buffer = ExAllocatePoolWithTag(NonPagedPool, 4 * PAGE_SIZE, TAG); /* page aligned */
    KT_ASSERT_NOT_NULL(buffer);
    PUCHAR va = buffer + 0x321;
    ULONG length = 2 * PAGE_SIZE + 0x100; /* ends at 0x2421: in a third page */
    PMDL mdl = IoAllocateMdl(va, length, FALSE, FALSE, NULL);
    KT_ASSERT_NOT_NULL(mdl);
    KT_EXPECT_EQ(mdl->StartVa, buffer);
    KT_EXPECT_EQ(mdl->ByteOffset, 0x321);
    KT_EXPECT_EQ(mdl->ByteCount, length);
    KT_EXPECT_EQ(MmGetMdlVirtualAddress(mdl), va);
    KT_EXPECT_EQ(mdl->Size, sizeof(MDL) + 3 * sizeof(PFN_NUMBER));
    KT_EXPECT_EQ(mdl->Size, MmSizeOfMdl(va, length));
    KT_EXPECT_EQ(mdl->MdlFlags, 0); /* nothing known yet of its pages */
    KT_EXPECT_NULL(mdl->MappedSystemVa);
    KT_EXPECT_NULL(mdl->Next);
    KT_EXPECT_NULL(mdl->Process);
    IoFreeMdl(mdl);

    /* Pages spanned, at the edges of a page. */
    static const struct {
        ULONG Offset, Length, Pages;
    } spans[] = {
        {0, 1, 1},     {0, PAGE_SIZE, 1},         {0, PAGE_SIZE + 1, 2}, {0xFFF, 1, 1},
        {0xFFF, 2, 2}, {0x800, 3 * PAGE_SIZE, 4}, {1, PAGE_SIZE - 1, 1}, {1, PAGE_SIZE, 2},
    };
    for (ULONG i = 0; i < ARRAYSIZE(spans); i++) {
        mdl = IoAllocateMdl(buffer + spans[i].Offset, spans[i].Length, FALSE, FALSE, NULL);
        KT_ASSERT_NOT_NULL(mdl);
        KT_EXPECT_EQ(mdl->Size, sizeof(MDL) + spans[i].Pages * sizeof(PFN_NUMBER));
        IoFreeMdl(mdl);
    }
    ExFreePoolWithTag(buffer, TAG);
}

KTEST(io_mdl, allocate_with_an_irp_links_the_mdl_into_it)
{
    UCHAR buffer[64];
    PIRP irp = IoAllocateIrp(1, FALSE);
    KT_ASSERT_NOT_NULL(irp);
    PMDL first = IoAllocateMdl(buffer, sizeof(buffer), FALSE, FALSE, irp);
    KT_EXPECT_EQ(irp->MdlAddress, first);
    /* Secondary buffers are chained after the last MDL. */
    PMDL second = IoAllocateMdl(buffer, 8, TRUE, FALSE, irp);
    PMDL third = IoAllocateMdl(buffer + 8, 8, TRUE, FALSE, irp);
    KT_ASSERT_NOT_NULL(third);
    KT_EXPECT_EQ(irp->MdlAddress, first);
    KT_EXPECT_EQ(first->Next, second);
    KT_EXPECT_EQ(second->Next, third);
    KT_EXPECT_NULL(third->Next);
    IoFreeMdl(third);
    IoFreeMdl(second);
    IoFreeMdl(first);
    IoFreeIrp(irp); /* the MDLs were the caller's to free */
}

KTEST(io_mdl, allocate_refuses_a_buffer_its_size_field_cannot_describe)
{
    /* MDL.Size is a CSHORT: at most (0x7FFF - sizeof(MDL)) / 8 frames. */
    ULONG pages = (0x7FFF - sizeof(MDL)) / sizeof(PFN_NUMBER);
    PVOID va = (PVOID)MM_SYSTEM_SPACE_BASE; /* only described, never touched */
    PMDL mdl = IoAllocateMdl(va, pages * PAGE_SIZE, FALSE, FALSE, NULL);
    KT_ASSERT_NOT_NULL(mdl);
    KT_EXPECT_EQ(mdl->Size, sizeof(MDL) + pages * sizeof(PFN_NUMBER));
    IoFreeMdl(mdl);
    KT_EXPECT_NULL(IoAllocateMdl(va, (pages + 1) * PAGE_SIZE, FALSE, FALSE, NULL));
}

/* ---- the frames behind it ----------------------------------------------------------- */

KTEST(io_mdl, build_for_nonpaged_pool_finds_each_pages_frame)
{
    SCATTERED buffer;
    KT_ASSERT_TRUE(MapScattered(&buffer));
    PUCHAR va = buffer.Va + 0x10;
    PMDL mdl = IoAllocateMdl(va, SCATTERED_PAGES * PAGE_SIZE - 0x20, FALSE, FALSE, NULL);
    KT_ASSERT_NOT_NULL(mdl);
    MmBuildMdlForNonPagedPool(mdl);
    for (ULONG i = 0; i < SCATTERED_PAGES; i++) {
        KT_EXPECT_EQ(MmGetMdlPfnArray(mdl)[i], buffer.Pfn[i]);
        KT_EXPECT_EQ(MmGetMdlPfnArray(mdl)[i], PfnOf(buffer.Va + i * PAGE_SIZE));
    }
    /* Resident and already mapped: its system address is its own. */
    KT_EXPECT_TRUE(mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL);
    KT_EXPECT_EQ(mdl->MappedSystemVa, va);
    KT_EXPECT_EQ(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority), va);
    IoFreeMdl(mdl);
    UnmapScattered(&buffer);

    /* A large pool block (pages of system space) and a small one (inside
       one page of the direct map). */
    const ULONG length = 3 * PAGE_SIZE + 0x80;
    PUCHAR large = ExAllocatePoolWithTag(NonPagedPool, length, TAG);
    PUCHAR small = ExAllocatePoolWithTag(NonPagedPool, 48, TAG);
    KT_ASSERT_NOT_NULL(large);
    KT_ASSERT_NOT_NULL(small);
    mdl = IoAllocateMdl(large, length, FALSE, FALSE, NULL);
    KT_ASSERT_NOT_NULL(mdl);
    MmBuildMdlForNonPagedPool(mdl);
    for (ULONG i = 0; i < 4; i++)
        KT_EXPECT_EQ(MmGetMdlPfnArray(mdl)[i], PfnOf(large + i * PAGE_SIZE));
    IoFreeMdl(mdl);
    mdl = IoAllocateMdl(small, 48, FALSE, FALSE, NULL);
    KT_ASSERT_NOT_NULL(mdl);
    MmBuildMdlForNonPagedPool(mdl);
    KT_EXPECT_EQ(MmGetMdlPfnArray(mdl)[0], PfnOf(small));
    KT_EXPECT_EQ(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority), small);
    IoFreeMdl(mdl);
    ExFreePoolWithTag(small, TAG);
    ExFreePoolWithTag(large, TAG);
}

KTEST(io_mdl, system_address_of_an_unmapped_mdl_maps_its_frames)
{
    SCATTERED buffer;
    KT_ASSERT_TRUE(MapScattered(&buffer));
    PUCHAR va = buffer.Va + 0x40;
    const ULONG length = SCATTERED_PAGES * PAGE_SIZE - 0x80;
    PMDL mdl = LockedOnlyMdl(va, length);
    KT_ASSERT_NOT_NULL(mdl);
    ULONG freeSystemPages = FreeSystemPages();

    PUCHAR mapped = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
    KT_ASSERT_NOT_NULL(mapped);
    KT_EXPECT_NE(mapped, va);
    KT_EXPECT_EQ(BYTE_OFFSET(mapped), BYTE_OFFSET(va));
    KT_EXPECT_TRUE(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    KT_EXPECT_EQ(mdl->MappedSystemVa, mapped);
    KT_EXPECT_EQ(FreeSystemPages(), freeSystemPages - SCATTERED_PAGES);
    for (ULONG i = 0; i < SCATTERED_PAGES; i++)
        KT_EXPECT_EQ(PfnOf((PUCHAR)PAGE_ALIGN(mapped) + i * PAGE_SIZE), buffer.Pfn[i]);
    /* Once mapped, the same address again. */
    KT_EXPECT_EQ(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority), mapped);

    /* What is written through the mapping is in the buffer, and back. */
    for (ULONG i = 0; i < length; i++)
        mapped[i] = (UCHAR)(i * 7 + 1);
    ULONG wrong = 0;
    for (ULONG i = 0; i < length; i++)
        wrong += va[i] != (UCHAR)(i * 7 + 1);
    KT_EXPECT_EQ(wrong, 0);
    va[length - 1] = 0xEE;
    KT_EXPECT_EQ(mapped[length - 1], 0xEE);

    IoFreeMdl(mdl); /* and the mapping with it */
    KT_EXPECT_EQ(FreeSystemPages(), freeSystemPages);
    KT_EXPECT_FALSE(MmIsAddressValid(mapped));
    UnmapScattered(&buffer);
}

KTEST(io_mdl, map_locked_pages_noncached_and_its_refusals)
{
    SCATTERED buffer;
    KT_ASSERT_TRUE(MapScattered(&buffer));
    PMDL mdl = LockedOnlyMdl(buffer.Va, SCATTERED_PAGES * PAGE_SIZE);
    KT_ASSERT_NOT_NULL(mdl);
    /* KeLab has no user address space, and chooses the address itself. */
    KT_EXPECT_NULL(
        MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority));
    KT_EXPECT_NULL(MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, buffer.Va, FALSE,
                                                NormalPagePriority));
    KT_EXPECT_FALSE(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);

    PUCHAR mapped =
        MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmNonCached, NULL, FALSE, NormalPagePriority);
    KT_ASSERT_NOT_NULL(mapped);
    for (ULONG i = 0; i < SCATTERED_PAGES; i++)
        KT_EXPECT_TRUE(IsUncached(mapped + i * PAGE_SIZE));
    buffer.Va[5] = 0x77;
    KT_EXPECT_EQ(mapped[5], 0x77);
    MmUnmapLockedPages(mapped, mdl);
    KT_EXPECT_FALSE(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    KT_EXPECT_NULL(mdl->MappedSystemVa);
    KT_EXPECT_FALSE(MmIsAddressValid(mapped));
    IoFreeMdl(mdl);
    UnmapScattered(&buffer);
}

KTEST(io_mdl, partial_mdl_shares_the_sources_frames)
{
    SCATTERED buffer;
    KT_ASSERT_TRUE(MapScattered(&buffer));
    PUCHAR va = buffer.Va + 0x100;
    const ULONG length = SCATTERED_PAGES * PAGE_SIZE - 0x200;
    PMDL source = IoAllocateMdl(va, length, FALSE, FALSE, NULL);
    PMDL target = IoAllocateMdl(va, length, FALSE, FALSE, NULL); /* room for any part */
    KT_ASSERT_NOT_NULL(source);
    KT_ASSERT_NOT_NULL(target);
    MmBuildMdlForNonPagedPool(source);
    CSHORT size = target->Size;

    /* One page's worth from the middle: it spans the source's pages 1 and 2. */
    PUCHAR part = buffer.Va + PAGE_SIZE + 0x80;
    IoBuildPartialMdl(source, target, part, PAGE_SIZE);
    KT_EXPECT_EQ(target->StartVa, buffer.Va + PAGE_SIZE);
    KT_EXPECT_EQ(target->ByteOffset, 0x80);
    KT_EXPECT_EQ(target->ByteCount, PAGE_SIZE);
    KT_EXPECT_EQ(MmGetMdlPfnArray(target)[0], buffer.Pfn[1]);
    KT_EXPECT_EQ(MmGetMdlPfnArray(target)[1], buffer.Pfn[2]);
    KT_EXPECT_EQ(target->Size, size); /* still the size it was allocated with */
    KT_EXPECT_EQ(target->MdlFlags, MDL_PARTIAL | MDL_SOURCE_IS_NONPAGED_POOL);
    KT_EXPECT_EQ(MmGetSystemAddressForMdlSafe(target, NormalPagePriority), part);

    /* Length 0: from there to the end of the source. */
    part = buffer.Va + 2 * PAGE_SIZE + 0x10;
    IoBuildPartialMdl(source, target, part, 0);
    KT_EXPECT_EQ(target->ByteCount, (ULONG)(va + length - part));
    KT_EXPECT_EQ(MmGetMdlPfnArray(target)[0], buffer.Pfn[2]);
    KT_EXPECT_EQ(MmGetMdlPfnArray(target)[1], buffer.Pfn[3]);
    IoFreeMdl(target);
    IoFreeMdl(source);

    /* A part of an MDL without a system address is mapped on its own. */
    source = LockedOnlyMdl(va, length);
    target = IoAllocateMdl(va, length, FALSE, FALSE, NULL);
    KT_ASSERT_NOT_NULL(source);
    KT_ASSERT_NOT_NULL(target);
    ULONG freeSystemPages = FreeSystemPages();
    part = buffer.Va + 3 * PAGE_SIZE - 8; /* 16 bytes across pages 2 and 3 */
    IoBuildPartialMdl(source, target, part, 16);
    KT_EXPECT_EQ(target->MdlFlags, MDL_PARTIAL);
    PUCHAR mapped = MmGetSystemAddressForMdlSafe(target, NormalPagePriority);
    KT_ASSERT_NOT_NULL(mapped);
    KT_EXPECT_NE(mapped, part);
    KT_EXPECT_EQ(FreeSystemPages(), freeSystemPages - 2);
    for (ULONG i = 0; i < 16; i++)
        mapped[i] = (UCHAR)(0xC0 + i);
    KT_EXPECT_EQ(part[0], 0xC0);
    KT_EXPECT_EQ(part[15], 0xCF);
    IoFreeMdl(target);
    KT_EXPECT_EQ(FreeSystemPages(), freeSystemPages);
    IoFreeMdl(source);
    UnmapScattered(&buffer);
}

/* ---- physical addresses ------------------------------------------------------------- */

static volatile UCHAR ImageData[32]; /* in the kernel image's .bss */

KTEST(io_mdl, physical_address_of_each_kind_of_kernel_address)
{
    /* The direct map: the address minus its base. */
    PUCHAR small = ExAllocatePoolWithTag(NonPagedPool, 100, TAG);
    KT_ASSERT_NOT_NULL(small);
    KT_EXPECT_EQ(MmGetPhysicalAddress(small + 99).QuadPart,
                 (LONGLONG)((ULONG64)(small + 99) - MM_DIRECT_MAP_BASE));
    KT_EXPECT_TRUE(IsSameMemory(small + 99));
    ExFreePoolWithTag(small, TAG);

    /* System space (a large pool block): page by page, offset kept. */
    PUCHAR large = ExAllocatePoolWithTag(NonPagedPool, 2 * PAGE_SIZE, TAG);
    KT_ASSERT_NOT_NULL(large);
    KT_EXPECT_EQ(BYTE_OFFSET(MmGetPhysicalAddress(large + PAGE_SIZE + 0x123).QuadPart), 0x123);
    KT_EXPECT_TRUE(IsSameMemory(large + 0x10));
    KT_EXPECT_TRUE(IsSameMemory(large + PAGE_SIZE + 0x123));
    ExFreePoolWithTag(large, TAG);

    /* This thread's stack, and the kernel image (linked at
       MM_KERNEL_BASE + its physical address). */
    volatile UCHAR local = 1;
    KT_EXPECT_TRUE(IsSameMemory(&local));
    KT_EXPECT_EQ(MmGetPhysicalAddress((PVOID)&ImageData[3]).QuadPart,
                 (LONGLONG)((ULONG64)&ImageData[3] - MM_KERNEL_BASE));
    KT_EXPECT_TRUE(IsSameMemory(&ImageData[3]));

    /* Nothing there: 0. */
    KT_EXPECT_EQ(MmGetPhysicalAddress(NULL).QuadPart, 0);
    PUCHAR unmapped = MmAllocateMappedPages(1);
    KT_ASSERT_NOT_NULL(unmapped);
    MmFreeMappedPages(unmapped, 1);
    KT_EXPECT_EQ(MmGetPhysicalAddress(unmapped + 8).QuadPart, 0);
}

/* ---- contiguous memory --------------------------------------------------------------- */

/* Are the Pages pages at Va one run of frames, from First on? */
static BOOLEAN IsOneRun(PUCHAR Va, ULONG Pages, PFN_NUMBER *First)
{
    *First = PfnOf(Va);
    for (ULONG i = 1; i < Pages; i++) {
        if (PfnOf(Va + i * PAGE_SIZE) != *First + i)
            return FALSE;
    }
    return *First != 0;
}

static ULONG64 FreeFrames(VOID)
{
    MM_MEMORY_STATISTICS statistics;
    MmQueryMemoryStatistics(&statistics);
    return statistics.FreePages;
}

/* Frame Pfn in the direct map. */
static PUCHAR DirectMapOf(PFN_NUMBER Pfn)
{
    PHYSICAL_ADDRESS pa = {.QuadPart = (LONGLONG)(Pfn << PAGE_SHIFT)};
    return MmGetVirtualForPhysical(pa);
}

KTEST(io_mdl, contiguous_memory_is_one_run_below_the_highest_address)
{
    const ULONG pages = 6;
    ULONG64 before = FreeFrames();
    PUCHAR va = MmAllocateContiguousMemory(5 * PAGE_SIZE + 100, Below4GiB); /* rounded up */
    KT_ASSERT_NOT_NULL(va);
    KT_EXPECT_EQ(BYTE_OFFSET(va), 0);
    KT_EXPECT_LE(FreeFrames(), before - pages);
    PFN_NUMBER first;
    KT_EXPECT_TRUE(IsOneRun(va, pages, &first));
    KT_EXPECT_LE((first + pages) << PAGE_SHIFT, 1ull << 32);
    KT_EXPECT_EQ(va, DirectMapOf(first)); /* cached: the direct map */
    /* All of it is usable, the last page too. */
    RtlFillMemory(va, pages * PAGE_SIZE, 0x3C);
    KT_EXPECT_EQ((DirectMapOf(first + pages - 1))[PAGE_SIZE - 1], 0x3C);
    MmFreeContiguousMemory(va);
    KT_EXPECT_EQ(FreeFrames(), before);
}

KTEST(io_mdl, contiguous_memory_keeps_to_its_window_and_boundary)
{
    /* Runs of three pages, between 16 and 24 MiB, none crossing a 16 KiB
       boundary: each must start a 16 KiB window (or its second page), so
       the allocator has to step over every run that would cross. The
       lowest address is not page aligned: its page is not acceptable. */
    const ULONG pages = 3;
    const ULONG64 lowest = (16ull << 20) + 1, highest = (24ull << 20) - 1, boundary = 0x4000;
    PHYSICAL_ADDRESS low = {.QuadPart = lowest}, high = {.QuadPart = highest};
    PHYSICAL_ADDRESS multiple = {.QuadPart = boundary};
    PUCHAR runs[12];
    for (ULONG i = 0; i < ARRAYSIZE(runs); i++) {
        runs[i] = MmAllocateContiguousMemorySpecifyCache(pages * PAGE_SIZE, low, high, multiple,
                                                         MmCached);
        KT_ASSERT_NOT_NULL(runs[i]);
        PFN_NUMBER first;
        KT_EXPECT_TRUE(IsOneRun(runs[i], pages, &first));
        ULONG64 start = first << PAGE_SHIFT, end = start + pages * PAGE_SIZE - 1;
        KT_EXPECT_GE(start, lowest);
        KT_EXPECT_LE(end, highest);
        KT_EXPECT_EQ(start / boundary, end / boundary);
        for (ULONG j = 0; j < i; j++)
            KT_EXPECT_NE(runs[j], runs[i]);
    }
    for (ULONG i = 0; i < ARRAYSIZE(runs); i++)
        MmFreeContiguousMemory(runs[i]);
}

KTEST(io_mdl, noncached_contiguous_memory_is_mapped_uncached)
{
    const ULONG pages = 3;
    ULONG freeSystemPages = FreeSystemPages();
    PUCHAR va = MmAllocateContiguousMemorySpecifyCache(pages * PAGE_SIZE, NoAddress, Below4GiB,
                                                       NoAddress, MmNonCached);
    KT_ASSERT_NOT_NULL(va);
    KT_EXPECT_GE((ULONG64)va, MM_SYSTEM_SPACE_BASE); /* not the direct map's cached alias */
    KT_EXPECT_EQ(FreeSystemPages(), freeSystemPages - pages);
    PFN_NUMBER first;
    KT_EXPECT_TRUE(IsOneRun(va, pages, &first));
    for (ULONG i = 0; i < pages; i++)
        KT_EXPECT_TRUE(IsUncached(va + i * PAGE_SIZE));
    va[pages * PAGE_SIZE - 1] = 0x42;
    KT_EXPECT_EQ((DirectMapOf(first + pages - 1))[PAGE_SIZE - 1], 0x42);
    MmFreeContiguousMemorySpecifyCache(va, pages * PAGE_SIZE, MmNonCached);
    KT_EXPECT_EQ(FreeSystemPages(), freeSystemPages);
    KT_EXPECT_FALSE(MmIsAddressValid(va));

    /* Its frames are free again: exactly they can be had once more. */
    PHYSICAL_ADDRESS low = {.QuadPart = (LONGLONG)(first << PAGE_SHIFT)};
    PHYSICAL_ADDRESS high = {.QuadPart = low.QuadPart + pages * PAGE_SIZE - 1};
    PVOID again =
        MmAllocateContiguousMemorySpecifyCache(pages * PAGE_SIZE, low, high, NoAddress, MmCached);
    KT_EXPECT_EQ(again, DirectMapOf(first));
    if (again != NULL)
        MmFreeContiguousMemory(again);
}

KTEST(io_mdl, contiguous_requests_that_cannot_be_met_get_null)
{
    MM_MEMORY_STATISTICS stats;
    MmQueryMemoryStatistics(&stats);
    ULONG64 before = stats.FreePages;
    PHYSICAL_ADDRESS oneMiB = {.QuadPart = (1 << 20) - 1}; /* KeLab keeps the first MiB */
    PHYSICAL_ADDRESS high = {.QuadPart = 64 << 20}, low = {.QuadPart = 65 << 20};
    PHYSICAL_ADDRESS twoPages = {.QuadPart = 2 * PAGE_SIZE};
    PHYSICAL_ADDRESS threePages = {.QuadPart = 3 * PAGE_SIZE}, halfPage = {.QuadPart = 0x800};

    KT_EXPECT_NULL(MmAllocateContiguousMemory(0, Below4GiB));
    KT_EXPECT_NULL(MmAllocateContiguousMemory((stats.TotalPages + 1) * PAGE_SIZE, Below4GiB));
    KT_EXPECT_NULL(MmAllocateContiguousMemory(PAGE_SIZE, oneMiB));
    KT_EXPECT_NULL(
        MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, low, high, NoAddress, MmCached));
    /* A run longer than the boundary cannot avoid crossing it; a boundary
       is a power of two, and at least a page. */
    KT_EXPECT_NULL(MmAllocateContiguousMemorySpecifyCache(3 * PAGE_SIZE, NoAddress, Below4GiB,
                                                          twoPages, MmCached));
    KT_EXPECT_NULL(MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, NoAddress, Below4GiB,
                                                          threePages, MmCached));
    KT_EXPECT_NULL(MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, NoAddress, Below4GiB, halfPage,
                                                          MmCached));
    /* 16 TiB and one page: more pages than a count of them can hold. */
    KT_EXPECT_NULL(MmAllocateContiguousMemory((1ull << 44) + PAGE_SIZE, Below4GiB));
    KT_EXPECT_EQ(FreeFrames(), before);
}

/* ---- from every processor ---------------------------------------------------------- */

#define CONTIGUOUS_ROUNDS 64
#define CONTIGUOUS_HELD   4 /* allocations a worker has at once */

typedef struct _HELD {
    PULONG Va;
    ULONG Pages;
    ULONG Stamp;
} HELD;

typedef struct _WORKER {
    ULONG Id;
    ULONG Failures; /* NULLs, broken runs, patterns someone else changed */
} WORKER;

static VOID Stamp(HELD *Held)
{
    for (ULONG i = 0; i < Held->Pages * PAGE_SIZE / sizeof(ULONG); i++)
        Held->Va[i] = Held->Stamp ^ i;
}

static BOOLEAN IsStampIntact(HELD *Held)
{
    for (ULONG i = 0; i < Held->Pages * PAGE_SIZE / sizeof(ULONG); i++) {
        if (Held->Va[i] != (Held->Stamp ^ i))
            return FALSE;
    }
    return TRUE;
}

/* Each round frees its oldest allocation (checking that nobody wrote
   over it meanwhile) and takes a new one, of 1 to 4 pages, cached or
   not, with or without a boundary. */
static VOID ContiguousWorker(PVOID Context)
{
    WORKER *worker = Context;
    HELD held[CONTIGUOUS_HELD] = {0};
    PHYSICAL_ADDRESS fourPages = {.QuadPart = 4 * PAGE_SIZE};
    for (ULONG round = 0; round < CONTIGUOUS_ROUNDS + CONTIGUOUS_HELD; round++) {
        HELD *h = &held[round % CONTIGUOUS_HELD];
        if (h->Va != NULL) {
            worker->Failures += !IsStampIntact(h);
            MmFreeContiguousMemory(h->Va);
            h->Va = NULL;
        }
        if (round >= CONTIGUOUS_ROUNDS)
            continue; /* the last rounds only free */
        h->Pages = 1 + (worker->Id + round) % 4;
        h->Stamp = worker->Id << 24 | round << 8;
        h->Va = MmAllocateContiguousMemorySpecifyCache(h->Pages * PAGE_SIZE, NoAddress, Below4GiB,
                                                       round % 2 ? fourPages : NoAddress,
                                                       round % 3 ? MmCached : MmNonCached);
        PFN_NUMBER first;
        if (h->Va == NULL || !IsOneRun((PUCHAR)h->Va, h->Pages, &first)) {
            worker->Failures++;
            continue;
        }
        Stamp(h);
    }
}

KTEST(io_mdl, contiguous_memory_from_every_processor_at_once)
{
    ULONG count = KeNumberProcessors;
    WORKER workers[32];
    PKTHREAD threads[32];
    KT_ASSERT_TRUE(count <= ARRAYSIZE(workers));
    for (ULONG p = 0; p < count; p++) {
        workers[p] = (WORKER){.Id = p};
        threads[p] = KtStartThread(ContiguousWorker, &workers[p], 0, (KAFFINITY)1 << p);
        KT_ASSERT_NOT_NULL(threads[p]);
    }
    for (ULONG p = 0; p < count; p++) {
        KT_EXPECT_TRUE(KtJoinThread(threads[p], 30000));
        KT_EXPECT_EQ(workers[p].Failures, 0);
    }
}

/* At DISPATCH_LEVEL, where drivers may call both (Windows Server 2008 on). */
static VOID AllocateAndFree(PVOID Context)
{
    ULONG *failures = Context;
    for (MEMORY_CACHING_TYPE type = MmNonCached; type <= MmCached; type++) {
        PUCHAR va = MmAllocateContiguousMemorySpecifyCache(2 * PAGE_SIZE, NoAddress, Below4GiB,
                                                           NoAddress, type);
        PFN_NUMBER first;
        if (va == NULL || !IsOneRun(va, 2, &first)) {
            (*failures)++;
            continue;
        }
        va[PAGE_SIZE] = 1;
        MmFreeContiguousMemory(va);
    }
}

KTEST(io_mdl, contiguous_memory_at_dispatch_level_on_each_processor)
{
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        ULONG failures = 0;
        KtRunOnProcessor(p, AllocateAndFree, &failures);
        KT_EXPECT_EQ(failures, 0);
    }
}

/* ---- misuse ---------------------------------------------------------------------------- */

static UCHAR NotContiguous[64];

KTEST_DEATH(io_mdl, freeing_what_is_not_contiguous_memory, BAD_POOL_CALLER, 0x60,
            (ULONG_PTR)NotContiguous, 0, 0)
{
    MmFreeContiguousMemory(NotContiguous);
}

KTEST_DEATH(io_mdl, freeing_contiguous_memory_twice, BAD_POOL_CALLER, 0x60, KT_ANY, 0, 0)
{
    PVOID va = MmAllocateContiguousMemory(PAGE_SIZE, Below4GiB);
    MmFreeContiguousMemory(va);
    MmFreeContiguousMemory(va);
}

/* A part that runs past the end of its source: P1 to P4 are the
   arguments, source, target, address and length. */
KTEST_DEATH(io_mdl, a_partial_mdl_past_the_end_of_its_source, INVALID_MDL_RANGE, KT_ANY, KT_ANY,
            KT_ANY, 2 * PAGE_SIZE)
{
    PUCHAR buffer = ExAllocatePoolWithTag(NonPagedPool, 4 * PAGE_SIZE, TAG);
    PMDL source = IoAllocateMdl(buffer, 2 * PAGE_SIZE, FALSE, FALSE, NULL);
    PMDL target = IoAllocateMdl(buffer, 4 * PAGE_SIZE, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(source);
    IoBuildPartialMdl(source, target, buffer + PAGE_SIZE, 2 * PAGE_SIZE);
}

/* A target allocated for one page, asked to describe a part spanning
   two: its frame array would overflow. */
KTEST_DEATH(io_mdl, a_partial_mdl_into_a_target_too_small, TARGET_MDL_TOO_SMALL, 0, 0, 0, 0)
{
    PUCHAR buffer = ExAllocatePoolWithTag(NonPagedPool, 4 * PAGE_SIZE, TAG);
    PMDL source = IoAllocateMdl(buffer, 4 * PAGE_SIZE, FALSE, FALSE, NULL);
    PMDL target = IoAllocateMdl(buffer, PAGE_SIZE, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(source);
    IoBuildPartialMdl(source, target, buffer + PAGE_SIZE - 8, 16);
}

/* A page of pageable data: resident only until paged out. */
static PAGEABLE_DATA __attribute__((aligned(PAGE_SIZE))) UCHAR PageableBuffer[64];

/* Looking up a page that is not there is touching it, and pageable memory
   is not nonpaged pool: P1 is the page, P3 the caller. */
KTEST_DEATH(io_mdl, building_an_mdl_of_paged_out_memory, PAGE_FAULT_IN_NONPAGED_AREA,
            (ULONG_PTR)PageableBuffer, 0, KT_ANY, 0)
{
    PMDL mdl = IoAllocateMdl(PageableBuffer, sizeof(PageableBuffer), FALSE, FALSE, NULL);
    MmPageOutPageable();
    MmBuildMdlForNonPagedPool(mdl);
}
