/*
 * pool_test.c: ExAllocatePoolWithTag / ExFreePoolWithTag, and every misuse
 * the pool detects, each ending in the bug check Windows would raise.
 */
#include "ktest.h"
#include "ex.h"
#include "mm.h"

#define TAG 'tseT' /* "Test" */

static ULONG64 PoolBytesInUse(VOID)
{
    ULONG64 bytes, allocations;
    ExQueryPoolUsage(&bytes, &allocations);
    return bytes;
}

static const EX_POOL_TAG_USAGE *FindTag(const EX_POOL_TAG_USAGE *t, ULONG n, ULONG tag)
{
    for (ULONG i = 0; i < n; i++)
        if (t[i].Tag == tag)
            return &t[i];
    return NULL;
}

KTEST(pool, alloc_free_small_sizes)
{
    static const SIZE_T sizes[] = {0, 1, 15, 16, 17, 100, 1000, 4000, PAGE_SIZE - 16};
    ULONG64 before = PoolBytesInUse();
    for (ULONG i = 0; i < ARRAYSIZE(sizes); i++) {
        PUCHAR p = ExAllocatePoolWithTag(NonPagedPool, sizes[i], TAG);
        KT_ASSERT_NOT_NULL(p);
        KT_EXPECT_EQ((ULONG_PTR)p % 16, 0);
        KT_EXPECT_EQ(PoolBytesInUse(), before + sizes[i]);
        RtlFillMemory(p, sizes[i], 0xAB); /* the whole request is usable */
        ExFreePoolWithTag(p, TAG);
        KT_EXPECT_EQ(PoolBytesInUse(), before);
    }
}

KTEST(pool, large_allocations_are_page_aligned)
{
    static const SIZE_T sizes[] = {PAGE_SIZE - 15, PAGE_SIZE, PAGE_SIZE + 1, 5 * PAGE_SIZE,
                                   1 << 20};
    for (ULONG i = 0; i < ARRAYSIZE(sizes); i++) {
        PUCHAR p = ExAllocatePoolWithTag(NonPagedPool, sizes[i], TAG);
        KT_ASSERT_NOT_NULL(p);
        KT_EXPECT_EQ(BYTE_OFFSET(p), 0);
        p[0] = 1;
        p[sizes[i] - 1] = 2;
        ExFreePoolWithTag(p, TAG);
    }
}

KTEST(pool, blocks_do_not_overlap)
{
    PUCHAR blocks[64];
    for (ULONG i = 0; i < ARRAYSIZE(blocks); i++) {
        blocks[i] = ExAllocatePoolWithTag(NonPagedPool, 24 + i * 8, TAG);
        KT_ASSERT_NOT_NULL(blocks[i]);
        RtlFillMemory(blocks[i], 24 + i * 8, (UCHAR)i);
    }
    for (ULONG i = 0; i < ARRAYSIZE(blocks); i++) {
        for (SIZE_T b = 0; b < 24 + i * 8; b++) {
            if (blocks[i][b] != (UCHAR)i) {
                KT_EXPECT_EQ(blocks[i][b], i);
                break;
            }
        }
    }
    /* Free in an interleaved order so that merging runs both ways. */
    for (ULONG i = 0; i < ARRAYSIZE(blocks); i += 2)
        ExFreePoolWithTag(blocks[i], TAG);
    for (ULONG i = 1; i < ARRAYSIZE(blocks); i += 2)
        ExFreePoolWithTag(blocks[i], TAG);
}

KTEST(pool, freed_pages_return_to_the_page_allocator)
{
    MM_MEMORY_STATISTICS before, during, after;
    PVOID blocks[200];
    MmQueryMemoryStatistics(&before);
    for (ULONG i = 0; i < ARRAYSIZE(blocks); i++) {
        blocks[i] = ExAllocatePoolWithTag(NonPagedPool, 1000, TAG);
        KT_ASSERT_NOT_NULL(blocks[i]);
    }
    MmQueryMemoryStatistics(&during);
    KT_EXPECT_GE(before.FreePages - during.FreePages, 200 / 4); /* four 1000-byte blocks a page */
    for (ULONG i = 0; i < ARRAYSIZE(blocks); i++)
        ExFreePoolWithTag(blocks[i], TAG);
    MmQueryMemoryStatistics(&after);
    KT_EXPECT_EQ(after.FreePages, before.FreePages);
}

KTEST(pool, per_tag_accounting)
{
    static EX_POOL_TAG_USAGE t[EX_POOL_MAX_TAGS];
    const ULONG tag = 'A1tK';
    ULONG n = ExQueryPoolTags(t, EX_POOL_MAX_TAGS);
    const EX_POOL_TAG_USAGE *u = FindTag(t, n, tag);
    ULONG64 allocs = u ? u->Allocations : 0, frees = u ? u->Frees : 0;

    PVOID a = ExAllocatePoolWithTag(NonPagedPool, 100, tag);
    PVOID b = ExAllocatePoolWithTag(NonPagedPool, 3 * PAGE_SIZE, tag);
    KT_ASSERT_NOT_NULL(a);
    KT_ASSERT_NOT_NULL(b);
    n = ExQueryPoolTags(t, EX_POOL_MAX_TAGS);
    u = FindTag(t, n, tag);
    KT_ASSERT_NOT_NULL(u);
    KT_EXPECT_EQ(u->Allocations, allocs + 2);
    KT_EXPECT_EQ(u->Frees, frees);
    KT_EXPECT_EQ(u->Bytes, 100 + 3 * PAGE_SIZE);
    ExFreePoolWithTag(a, tag);
    ExFreePoolWithTag(b, tag);
    n = ExQueryPoolTags(t, EX_POOL_MAX_TAGS);
    u = FindTag(t, n, tag);
    KT_ASSERT_NOT_NULL(u);
    KT_EXPECT_EQ(u->Frees, frees + 2);
    KT_EXPECT_EQ(u->Bytes, 0);
}

KTEST(pool, leak_report_names_the_tag)
{
    static EX_POOL_TAG_USAGE before[EX_POOL_MAX_TAGS];
    ULONG n = ExQueryPoolTags(before, EX_POOL_MAX_TAGS);
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 48, 'kaeL');
    KT_ASSERT_NOT_NULL(p);
    KT_EXPECT_EQ(ExReportPoolLeaks(before, n, "    # "), 48); /* prints "pool leak: tag 'Leak'" */
    ExFreePoolWithTag(p, 'kaeL');
    KT_EXPECT_EQ(ExReportPoolLeaks(before, n, "    # "), 0);
}

KTEST(pool, free_without_tag_and_paged_pool)
{
    PVOID p = ExAllocatePoolWithTag(PagedPool, 64, TAG);
    KT_ASSERT_NOT_NULL(p);
    ExFreePool(p); /* a zero tag skips the tag check */
}

KTEST(pool, exhaustion_returns_null)
{
    /* More than any test machine has: fails cleanly, leaves no trace. */
    ULONG64 before = PoolBytesInUse();
    KT_EXPECT_NULL(ExAllocatePoolWithTag(NonPagedPool, (SIZE_T)64 << 30, TAG));
    KT_EXPECT_EQ(PoolBytesInUse(), before);
}

KTEST_DEATH(pool, double_free, BAD_POOL_CALLER, 0x7, 0, KT_ANY, KT_ANY)
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 32, TAG);
    ExFreePoolWithTag(p, TAG);
    ExFreePoolWithTag(p, TAG);
}

KTEST_DEATH(pool, double_free_large, BAD_POOL_CALLER, 0x99, KT_ANY, 0, 0)
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 2 * PAGE_SIZE, TAG);
    ExFreePoolWithTag(p, TAG);
    ExFreePoolWithTag(p, TAG);
}

/* A write just past the requested size stays inside the block's slack:
   caught by the fill pattern when the block is freed. P3 is the size. */
KTEST_DEATH(pool, overrun_within_block, BAD_POOL_HEADER, 0x21, KT_ANY, 40, 0x41)
{
    PUCHAR p = ExAllocatePoolWithTag(NonPagedPool, 40, TAG);
    RtlFillMemory(p, 41, 0x41);
    ExFreePoolWithTag(p, TAG);
}

/* A longer overrun reaches the next block's header. */
KTEST_DEATH(pool, overrun_into_next_header, BAD_POOL_HEADER, 0x20, KT_ANY, KT_ANY, 0)
{
    PUCHAR a = ExAllocatePoolWithTag(NonPagedPool, 48, TAG);
    PUCHAR b = ExAllocatePoolWithTag(NonPagedPool, 48, TAG);
    /* Two neighbours: what is already allocated at boot decides where the
       first blocks land (the strays are never freed: the test dies). */
    for (ULONG i = 0; i < 100 && b != a + 64; i++) {
        a = b;
        b = ExAllocatePoolWithTag(NonPagedPool, 48, TAG);
    }
    KT_ASSERT_TRUE(b == a + 64);
    RtlFillMemory(a, 48 + 16, 0x42); /* through b's header */
    ExFreePoolWithTag(a, TAG);
}

KTEST_DEATH(pool, free_with_wrong_tag, BAD_POOL_CALLER, 0xA, KT_ANY, TAG, 'gnrW')
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 32, TAG);
    ExFreePoolWithTag(p, 'gnrW');
}

KTEST_DEATH(pool, free_of_a_stack_address, BAD_POOL_CALLER, 0x99, KT_ANY, 0, 0)
{
    UCHAR local[32];
    ExFreePoolWithTag(local + 16, TAG);
}

KTEST_DEATH(pool, zero_tag, BAD_POOL_CALLER, 0x9B, NonPagedPool, 64, KT_ANY)
{
    ExAllocatePoolWithTag(NonPagedPool, 64, 0);
}

KTEST_DEATH(pool, alloc_above_dispatch_level, BAD_POOL_CALLER, 0x8, HIGH_LEVEL, NonPagedPool, 64)
{
    KIRQL old;
    KeRaiseIrql(HIGH_LEVEL, &old);
    ExAllocatePoolWithTag(NonPagedPool, 64, TAG);
}

KTEST_DEATH(pool, paged_pool_at_dispatch_level, BAD_POOL_CALLER, 0x8, DISPATCH_LEVEL, PagedPool, 64)
{
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    ExAllocatePoolWithTag(PagedPool, 64, TAG);
}
