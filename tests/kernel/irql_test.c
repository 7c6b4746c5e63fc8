/*
 * irql_test.c: IRQL is CR8; raising and lowering, and their misuse.
 */
#include "ktest.h"
#include "ke.h"

KTEST(irql, raise_and_lower_write_cr8)
{
    KIRQL old;
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KT_EXPECT_EQ(old, PASSIVE_LEVEL);
    KT_EXPECT_EQ(__readcr8(), DISPATCH_LEVEL);
    KIRQL old2 = KeRaiseIrqlToSynchLevel();
    KT_EXPECT_EQ(old2, DISPATCH_LEVEL);
    KT_EXPECT_EQ(KeGetCurrentIrql(), SYNCH_LEVEL);
    KeLowerIrql(old2);
    KeLowerIrql(old);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

KTEST(irql, raise_to_the_same_level_is_allowed)
{
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KIRQL again = KeRaiseIrqlToDpcLevel();
    KT_EXPECT_EQ(again, DISPATCH_LEVEL);
    KeLowerIrql(again);
    KeLowerIrql(old);
}

KTEST_DEATH(irql, raise_to_a_lower_level, IRQL_NOT_GREATER_OR_EQUAL, DISPATCH_LEVEL, APC_LEVEL, 0,
            0)
{
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeRaiseIrql(APC_LEVEL, &old);
}

KTEST_DEATH(irql, lower_to_a_higher_level, IRQL_NOT_LESS_OR_EQUAL, 0, PASSIVE_LEVEL, DISPATCH_LEVEL,
            KT_ANY)
{
    KeLowerIrql(DISPATCH_LEVEL);
}
