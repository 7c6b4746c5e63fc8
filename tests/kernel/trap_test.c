/*
 * trap_test.c: processor exceptions and explicit bug checks, each ending
 * in the stop code and parameters Windows would show.
 */
#include "ktest.h"
#include "ke.h"

KTEST(trap, backtrace_names_functions)
{
    PCSTR name;
    ULONG64 offset;
    KT_ASSERT_TRUE(KeLookupSymbol((ULONG64)KeBugCheckEx + 3, &name, &offset));
    KT_EXPECT_STREQ(name, "KeBugCheckEx");
    KT_EXPECT_EQ(offset, 3);
    KT_EXPECT_FALSE(KeLookupSymbol(0x1234, &name, &offset));
}

KTEST_DEATH(trap, manual_bugcheck, MANUALLY_INITIATED_CRASH, 1, 2, 3, 4)
{
    KeBugCheckEx(MANUALLY_INITIATED_CRASH, 1, 2, 3, 4);
}

KTEST_DEATH(trap, divide_by_zero, KMODE_EXCEPTION_NOT_HANDLED, (ULONG)STATUS_INTEGER_DIVIDE_BY_ZERO,
            KT_ANY, 0, 0)
{
    volatile ULONG zero = 0;
    volatile ULONG x = 10 / zero;
    (void)x;
}

KTEST_DEATH(trap, invalid_opcode, KMODE_EXCEPTION_NOT_HANDLED, (ULONG)STATUS_ILLEGAL_INSTRUCTION,
            KT_ANY, 0, 0)
{
    __asm__ volatile("ud2");
}

KTEST_DEATH(trap, breakpoint, KMODE_EXCEPTION_NOT_HANDLED, (ULONG)STATUS_BREAKPOINT, KT_ANY, 0, 0)
{
    __asm__ volatile("int3");
}

/* A non-canonical address is a general protection fault, not a page
   fault: Windows reports the address as unknown (-1). */
KTEST_DEATH(trap, general_protection, KMODE_EXCEPTION_NOT_HANDLED, (ULONG)STATUS_ACCESS_VIOLATION,
            KT_ANY, 0, (ULONG_PTR)-1)
{
    (void)*(volatile ULONG *)0x8000000000000000ull;
}

KTEST_DEATH(trap, failed_assertion, KMODE_EXCEPTION_NOT_HANDLED, (ULONG)STATUS_BREAKPOINT, KT_ANY,
            0, 0)
{
    volatile int x = 1;
    ASSERT(x == 2);
}

/* Writing past a local array overwrites the stack cookie the compiler
   put between it and the return address; the check on return catches it. */
static __attribute__((noinline)) UCHAR TrapTestOverrun(volatile ULONG Count)
{
    volatile UCHAR buffer[16];
    for (ULONG i = 0; i < Count; i++)
        buffer[i] = 0x41;
    return buffer[0];
}

KTEST_DEATH(trap, stack_buffer_overrun, KERNEL_SECURITY_CHECK_FAILURE, 0, KT_ANY, 0, 0)
{
    TrapTestOverrun(40);
}
