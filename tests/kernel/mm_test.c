/*
 * mm_test.c: the page allocator, page tables, protection and kernel
 * stacks, and the bug checks for touching memory the wrong way.
 */
#include "ktest.h"
#include "mm.h"

extern UCHAR __text_start[], __rodata_start[], __data_start[];

static PFN_NUMBER PfnOf(PVOID Va)
{
    return (PFN_NUMBER)(MmGetPhysicalAddress(Va).QuadPart >> PAGE_SHIFT);
}

KTEST(mm, physical_pages_are_distinct_and_returned)
{
    MM_MEMORY_STATISTICS before, after;
    PVOID pages[16];
    MmQueryMemoryStatistics(&before);
    for (ULONG i = 0; i < ARRAYSIZE(pages); i++) {
        pages[i] = MmAllocateDirectMapPage();
        KT_ASSERT_NOT_NULL(pages[i]);
        KT_EXPECT_GE(PfnOf(pages[i]), 0x100); /* the first 1 MiB is never handed out */
        for (ULONG j = 0; j < i; j++)
            KT_EXPECT_NE(PfnOf(pages[i]), PfnOf(pages[j]));
    }
    for (ULONG i = 0; i < ARRAYSIZE(pages); i++)
        MmFreeDirectMapPage(pages[i]);
    MmQueryMemoryStatistics(&after);
    KT_EXPECT_EQ(after.FreePages, before.FreePages);
}

KTEST(mm, direct_map_translates_back)
{
    PUCHAR va = MmAllocateDirectMapPage();
    KT_ASSERT_NOT_NULL(va);
    PHYSICAL_ADDRESS pa = MmGetPhysicalAddress(va + 123);
    KT_EXPECT_EQ(BYTE_OFFSET(pa.QuadPart), 123);
    KT_EXPECT_EQ(MmGetVirtualForPhysical(pa), va + 123);
    KT_EXPECT_TRUE(MmIsAddressValid(va));
    MmFreeDirectMapPage(va);
    PHYSICAL_ADDRESS beyond = {.QuadPart = 1ll << 46}; /* no RAM there: not in the direct map */
    KT_EXPECT_NULL(MmGetVirtualForPhysical(beyond));
}

KTEST(mm, kernel_sections_have_their_protection)
{
    ULONG text, rodata, data;
    KT_ASSERT_TRUE(MmQueryProtection(__text_start, &text));
    KT_ASSERT_TRUE(MmQueryProtection(__rodata_start, &rodata));
    KT_ASSERT_TRUE(MmQueryProtection(__data_start, &data));
    KT_EXPECT_EQ(text, MM_EXECUTE);    /* read + execute */
    KT_EXPECT_EQ(rodata, MM_READONLY); /* read only */
    KT_EXPECT_EQ(data, MM_WRITE);      /* read + write */
}

KTEST(mm, nothing_is_mapped_in_the_user_half)
{
    KT_EXPECT_FALSE(MmIsAddressValid(NULL));
    KT_EXPECT_FALSE(MmIsAddressValid((PVOID)0x100000)); /* the boot identity map is gone */
    KT_EXPECT_FALSE(MmIsAddressValid((PVOID)0x0000800000000000ull)); /* not canonical */
}

/* The user half has nothing mapped, so a test may map a page there. */
#define UNUSED_ADDRESS ((PUCHAR)0x40000000)

KTEST(mm, map_and_unmap_a_page)
{
    PUCHAR page = MmAllocateDirectMapPage();
    KT_ASSERT_NOT_NULL(page);
    PFN_NUMBER pfn = PfnOf(page);
    PUCHAR va = UNUSED_ADDRESS;
    KT_EXPECT_EQ(MmMapPage(va, pfn, MM_WRITE), STATUS_SUCCESS);
    KT_EXPECT_EQ(MmMapPage(va, pfn, MM_WRITE), STATUS_CONFLICTING_ADDRESSES);
    ULONG protect = 0;
    KT_EXPECT_TRUE(MmQueryProtection(va, &protect));
    KT_EXPECT_EQ(protect, MM_WRITE);
    va[7] = 0x5A;
    KT_EXPECT_EQ(page[7], 0x5A); /* same page, two addresses */
    KT_EXPECT_EQ(MmUnmapPage(va), pfn);
    KT_EXPECT_FALSE(MmIsAddressValid(va));
    KT_EXPECT_FALSE(MmQueryProtection(va, &protect));
    KT_EXPECT_EQ(MmUnmapPage(va), 0); /* nothing left to unmap */
    MmFreeDirectMapPage(page);
}

KTEST(mm, kernel_stack_has_a_guard_page)
{
    PUCHAR top = MmCreateKernelStack();
    KT_ASSERT_NOT_NULL(top);
    PUCHAR limit = MmGetKernelStackLimit(top);
    KT_EXPECT_TRUE(MmIsAddressValid(top - 1));
    KT_EXPECT_TRUE(MmIsAddressValid(limit));
    KT_EXPECT_FALSE(MmIsAddressValid(limit - 1)); /* the guard page */
    KT_EXPECT_EQ(top - limit, KERNEL_STACK_SIZE);
    MmDeleteKernelStack(top);
    KT_EXPECT_FALSE(MmIsAddressValid(top - 1));
}

KTEST(mm, system_space_is_reused)
{
    MM_MEMORY_STATISTICS before, during, after;
    MmQueryMemoryStatistics(&before);
    PUCHAR a = MmAllocateMappedPages(10);
    KT_ASSERT_NOT_NULL(a);
    MmQueryMemoryStatistics(&during);
    KT_EXPECT_EQ(during.FreeSystemPages, before.FreeSystemPages - 10);
    KT_EXPECT_LE(during.FreePages, before.FreePages - 10); /* and ten pages of RAM */
    a[10 * PAGE_SIZE - 1] = 1;
    ULONG protect = 0;
    KT_EXPECT_TRUE(MmQueryProtection(a, &protect));
    KT_EXPECT_EQ(protect, MM_WRITE);
    MmFreeMappedPages(a, 10);
    KT_EXPECT_FALSE(MmIsAddressValid(a));
    MmQueryMemoryStatistics(&after);
    KT_EXPECT_EQ(after.FreeSystemPages, before.FreeSystemPages);
}

/* ---- misuse ---- */

/* Hides a constant address from the compiler, which would otherwise
   (rightly) refuse to build a dereference of 0x10. */
static __attribute__((noinline)) volatile ULONG *MmTestAddress(ULONG_PTR Address)
{
    return (volatile ULONG *)Address;
}

KTEST_DEATH(mm, null_read, KMODE_EXCEPTION_NOT_HANDLED, (ULONG)STATUS_ACCESS_VIOLATION, KT_ANY, 0,
            0)
{
    (void)*MmTestAddress(0);
}

KTEST_DEATH(mm, null_write, KMODE_EXCEPTION_NOT_HANDLED, (ULONG)STATUS_ACCESS_VIOLATION, KT_ANY, 1,
            0x10)
{
    *MmTestAddress(0x10) = 1;
}

#define UNMAPPED_SYSTEM_ADDRESS                                                                    \
    (MM_SYSTEM_SPACE_BASE + ((ULONG64)MM_SYSTEM_SPACE_PAGES - 1) * PAGE_SIZE)

KTEST_DEATH(mm, read_of_unmapped_kernel_memory, PAGE_FAULT_IN_NONPAGED_AREA,
            UNMAPPED_SYSTEM_ADDRESS, 0, KT_ANY, 0)
{
    (void)*MmTestAddress(UNMAPPED_SYSTEM_ADDRESS);
}

/* The faulting code is a test, which plays a driver: so 0xD1, the classic
   "NULL pointer in a DPC" crash, rather than the kernel's own 0xA. */
KTEST_DEATH(mm, fault_at_dispatch_level, DRIVER_IRQL_NOT_LESS_OR_EQUAL, 0x20, DISPATCH_LEVEL, 0,
            KT_ANY)
{
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    (void)*MmTestAddress(0x20);
}

static VOID MmTestVictim(VOID)
{
}

KTEST_DEATH(mm, write_to_kernel_code, ATTEMPTED_WRITE_TO_READONLY_MEMORY, (ULONG_PTR)MmTestVictim,
            KT_ANY, 0, 0)
{
    *(volatile UCHAR *)MmTestVictim = 0xCC;
}

static UCHAR MmTestData[16] = {0xC3}; /* "ret", in no-execute data */

KTEST_DEATH(mm, execute_data, ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY, (ULONG_PTR)MmTestData, KT_ANY,
            0, 0)
{
    ((VOID(*)(VOID))(ULONG_PTR)MmTestData)();
}

/* Each level uses a kilobyte of stack; 24 KiB run out after ~24 levels
   and the next push lands in the guard page. */
static __attribute__((noinline)) ULONG MmTestRecurse(volatile ULONG *Depth)
{
    volatile UCHAR frame[1024];
    frame[0] = (UCHAR)++ * Depth;
    if (*Depth < 1000000)
        return MmTestRecurse(Depth) + frame[0];
    return 0;
}

KTEST_DEATH(mm, stack_overflow_hits_the_guard_page, UNEXPECTED_KERNEL_MODE_TRAP, 8, 0, 0, 0)
{
    volatile ULONG depth = 0;
    MmTestRecurse(&depth);
}
