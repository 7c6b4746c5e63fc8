/*
 * nt_irql_test.c: KeRaiseIrql and KeLowerIrql as the WDK documents them.
 *
 * KeRaiseIrql goes to any level at or above the current one and returns
 * the old level; KeLowerIrql goes back to any level at or below; the
 * ToDpcLevel and ToSynchLevel forms return the old level. What a level
 * masks is real: nothing at or below it interrupts the processor, and what
 * it held back arrives the moment IRQL drops below it.
 */
#include "ntconf.h"

KTEST(nt_irql, a_test_runs_at_passive_level)
{
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

KTEST(nt_irql, raise_to_every_level_returns_the_old_one_and_lower_goes_back)
{
    for (KIRQL level = PASSIVE_LEVEL; level <= HIGH_LEVEL; level++) {
        KIRQL old = 0xFF, now;
        KeRaiseIrql(level, &old);
        now = KeGetCurrentIrql();
        KeLowerIrql(old);
        KT_EXPECT_EQ(old, PASSIVE_LEVEL);
        KT_EXPECT_EQ(now, level);
        KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    }
}

KTEST(nt_irql, raising_step_by_step_and_lowering_step_by_step)
{
    KIRQL old[HIGH_LEVEL + 1], seen[HIGH_LEVEL + 1];
    for (KIRQL level = PASSIVE_LEVEL; level <= HIGH_LEVEL; level++) {
        KeRaiseIrql(level, &old[level]); /* level 0 is a raise to the same level */
        seen[level] = KeGetCurrentIrql();
    }
    for (LONG level = HIGH_LEVEL; level >= 0; level--)
        KeLowerIrql(old[level]);
    KIRQL end = KeGetCurrentIrql();
    for (KIRQL level = PASSIVE_LEVEL; level <= HIGH_LEVEL; level++) {
        KT_EXPECT_EQ(old[level], level == PASSIVE_LEVEL ? PASSIVE_LEVEL : level - 1);
        KT_EXPECT_EQ(seen[level], level);
    }
    KT_EXPECT_EQ(end, PASSIVE_LEVEL);
}

KTEST(nt_irql, raise_to_dpc_level_and_to_synch_level_return_the_old_level)
{
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KIRQL atDpc = KeGetCurrentIrql();
    KIRQL again = KeRaiseIrqlToDpcLevel(); /* the same level: allowed */
    KIRQL fromDpc = KeRaiseIrqlToSynchLevel();
    KIRQL atSynch = KeGetCurrentIrql();
    KeLowerIrql(fromDpc);
    KeLowerIrql(again);
    KeLowerIrql(old);
    KT_EXPECT_EQ(old, PASSIVE_LEVEL);
    KT_EXPECT_EQ(atDpc, DISPATCH_LEVEL);
    KT_EXPECT_EQ(again, DISPATCH_LEVEL);
    KT_EXPECT_EQ(fromDpc, DISPATCH_LEVEL);
    KT_EXPECT_EQ(atSynch, SYNCH_LEVEL);
}

/* A DPC is a DISPATCH_LEVEL software interrupt: queued on this processor,
   it runs at once from APC_LEVEL, and only once IRQL drops below
   DISPATCH_LEVEL from there or above. */
typedef struct _COUNTED_DPC {
    KDPC Dpc;
    volatile LONG Runs;
} COUNTED_DPC;

static VOID CountRun(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    __atomic_add_fetch(&((COUNTED_DPC *)Context)->Runs, 1, __ATOMIC_RELAXED);
}

KTEST(nt_irql, dispatch_level_holds_dpcs_back_and_apc_level_does_not)
{
    static const KIRQL levels[] = {APC_LEVEL, DISPATCH_LEVEL, SYNCH_LEVEL};
    for (ULONG i = 0; i < ARRAYSIZE(levels); i++) {
        COUNTED_DPC d = {.Runs = 0};
        KIRQL old;
        KeInitializeDpc(&d.Dpc, CountRun, &d);
        KeRaiseIrql(levels[i], &old);
        KeInsertQueueDpc(&d.Dpc, NULL, NULL);
        KeStallExecutionProcessor(500);
        LONG runsWhileRaised = d.Runs;
        KeLowerIrql(old);
        KT_EXPECT_EQ(runsWhileRaised, levels[i] < DISPATCH_LEVEL ? 1 : 0);
        KT_EXPECT_EQ(d.Runs, 1);
    }
}

/* The clock interrupt is at CLOCK_LEVEL: on processor 0, which counts the
   ticks, the count stands still at CLOCK_LEVEL and moves at SYNCH_LEVEL. */
static LONGLONG TicksDuring(KIRQL Level, ULONG Microseconds)
{
    KIRQL old;
    LARGE_INTEGER before, after;
    KeRaiseIrql(Level, &old);
    KeQueryTickCount(&before);
    KeStallExecutionProcessor(Microseconds);
    KeQueryTickCount(&after);
    KeLowerIrql(old);
    return after.QuadPart - before.QuadPart;
}

KTEST(nt_irql, clock_level_holds_the_clock_back_and_synch_level_does_not)
{
    ULONG tickUs = KeQueryTimeIncrement() / 10;
    KAFFINITY old = KeSetSystemAffinityThreadEx(CONF_AFFINITY(0));
    LONGLONG atClock = TicksDuring(CLOCK_LEVEL, 10 * tickUs);
    LONGLONG atSynch = TicksDuring(SYNCH_LEVEL, 10 * tickUs);
    LARGE_INTEGER start, now;
    KeQueryTickCount(&start);
    do /* the tick held back arrived when IRQL dropped, and they go on */
        KeQueryTickCount(&now);
    while (now.QuadPart == start.QuadPart);
    KeRevertToUserAffinityThreadEx(old);
    KT_EXPECT_EQ(atClock, 0);
    KT_EXPECT_GE(atSynch, 1); /* 10 tick periods: a late clock is possible, a stopped one not */
}

/* ---- misuse ----------------------------------------------------------------------- */

KTEST_DEATH(nt_irql, raise_below_the_current_level, IRQL_NOT_GREATER_OR_EQUAL, CLOCK_LEVEL,
            DISPATCH_LEVEL, 0, 0)
{
    KIRQL old;
    KeRaiseIrql(CLOCK_LEVEL, &old);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
}

KTEST_DEATH(nt_irql, lower_above_the_current_level, IRQL_NOT_LESS_OR_EQUAL, 0, APC_LEVEL,
            HIGH_LEVEL, KT_ANY)
{
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    KeLowerIrql(HIGH_LEVEL);
}
