/*
 * pageable_test.c: pageable code and data are paged back in on a fault
 * below DISPATCH_LEVEL, and are fatal to touch at or above it, every time
 * once Driver Verifier's force IRQL checking is on.
 */
#include "ktest.h"
#include "mm.h"

static PAGEABLE_DATA volatile ULONG PageableCounter = 7;

static PAGEABLE_CODE ULONG PageableRoutine(ULONG x)
{
    PAGED_CODE();
    return x + PageableCounter;
}

KTEST(pageable, paged_back_in_at_passive_level)
{
    ULONG64 outs, ins, outs2, ins2;
    MmQueryPageableStatistics(&outs, &ins);
    MmPageOutPageable();
    KT_EXPECT_FALSE(MmIsAddressValid((PVOID)PageableRoutine));
    KT_EXPECT_EQ(PageableRoutine(1), 8); /* faults, is paged in, runs */
    KT_EXPECT_TRUE(MmIsAddressValid((PVOID)PageableRoutine));
    MmQueryPageableStatistics(&outs2, &ins2);
    KT_EXPECT_EQ(outs2, outs + 1);
    KT_EXPECT_GE(ins2, ins + 1);
}

KTEST(pageable, verifier_pages_out_on_every_raise_to_dispatch)
{
    BOOLEAN was = MmVerifierForceIrqlChecking;
    MmVerifierForceIrqlChecking = TRUE;
    KT_EXPECT_EQ(PageableRoutine(0), 7); /* resident now */
    KIRQL old = KeRaiseIrqlToDpcLevel();
    BOOLEAN resident = MmIsAddressValid((PVOID)PageableRoutine);
    KeLowerIrql(old);
    MmVerifierForceIrqlChecking = was;
    KT_EXPECT_FALSE(resident);
    KT_EXPECT_EQ(PageableRoutine(0), 7); /* and back again below DISPATCH_LEVEL */
}

/* Force IRQL checking makes the mistake below fatal on the first try:
   the call at DISPATCH_LEVEL fetches pageable code that was just paged
   out. P3 = 8 (execute); the code is a driver's: 0xD1. */
KTEST_DEATH(pageable, code_called_at_dispatch_level, DRIVER_IRQL_NOT_LESS_OR_EQUAL,
            (ULONG_PTR)PageableRoutine, DISPATCH_LEVEL, 8, (ULONG_PTR)PageableRoutine)
{
    MmVerifierForceIrqlChecking = TRUE;
    KIRQL old = KeRaiseIrqlToDpcLevel();
    PageableRoutine(0);
    KeLowerIrql(old);
}

KTEST_DEATH(pageable, data_read_at_dispatch_level, DRIVER_IRQL_NOT_LESS_OR_EQUAL,
            (ULONG_PTR)&PageableCounter, DISPATCH_LEVEL, 0, KT_ANY)
{
    MmVerifierForceIrqlChecking = TRUE;
    KIRQL old = KeRaiseIrqlToDpcLevel();
    (void)PageableCounter;
    KeLowerIrql(old);
}

/* PAGED_CODE() catches the mistake even while the page happens to be in. */
KTEST_DEATH(pageable, paged_code_assertion_at_dispatch_level, KMODE_EXCEPTION_NOT_HANDLED,
            (ULONG)STATUS_ASSERTION_FAILURE, KT_ANY, 0, 0)
{
    PageableRoutine(0); /* page it in */
    KIRQL old = KeRaiseIrqlToDpcLevel();
    PageableRoutine(0);
    KeLowerIrql(old);
}
